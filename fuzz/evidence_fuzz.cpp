// libFuzzer target: a disk image of arbitrary bytes through vigil's evidence layer (container
// detection, TSK volume and file-system adapters, the walk, and reading each entry's first
// bytes). The bytes go to a memory-backed file because TSK opens images by name.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "vigil/evidence/evidence.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = memfd_create("vigil-evidence-fuzz", 0);
  if (fd < 0) return 0;
  if (::write(fd, data, size) != static_cast<ssize_t>(size)) {
    ::close(fd);
    return 0;
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  auto ev = vigil::evidence::open_evidence(path);
  if (ev) {
    std::vector<std::uint8_t> buf(4096);
    int budget = 256;  // entries read per input, so one input cannot run for long
    for (const auto& v : (*ev)->volumes()) {
      if (v.kind != vigil::evidence::VolumeKind::kFileSystem) continue;
      (void)(*ev)->walk(
          v.index,
          [&](const vigil::evidence::Entry& e) {
            if (e.meta_type == 'r' && e.has_meta) {
              if (auto r = (*ev)->open_reader(e)) (void)(*r)->read(0, buf);
            }
            return --budget > 0;
          },
          [](const vigil::evidence::Warning&) {});
    }
  }
  ::close(fd);
  return 0;
}
