// libFuzzer target: arbitrary bytes through the known-list parsers (lib/hashset/parsers.hpp):
// the first byte picks the parser (every line-based format, VICS JSON, hashlookup JSON, NSRLProd),
// the rest is the list. Also runs format detection on the same bytes through a memory-backed file.
// A parser must only ever produce records with a hash, or counted rejections.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "vigil/hashset/import.hpp"
#include "vigil/hashset/parsers.hpp"

namespace {

class CheckingSink : public vigil::hashset::RecordSink {
 public:
  vigil::Result<void> record(vigil::hashset::Record&& r) override {
    if (!r.has_any_hash()) std::abort();  // a record without a hash must be a rejection
    return {};
  }
  void reject(std::uint64_t, std::string) override {}
};

constexpr vigil::hashset::Format kFormats[] = {
    vigil::hashset::Format::kVics,       vigil::hashset::Format::kRds2,
    vigil::hashset::Format::kHashdeep,   vigil::hashset::Format::kSumList,
    vigil::hashset::Format::kHashKeeper, vigil::hashset::Format::kIcse,
    vigil::hashset::Format::kPlain,      vigil::hashset::Format::kPdq,
    vigil::hashset::Format::kVpdq,       vigil::hashset::Format::kTskIdx,
    vigil::hashset::Format::kHashlookup, vigil::hashset::Format::kNsrlProd,
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vigil::hashset;
  if (size == 0) return 0;
  const Format f = kFormats[data[0] % (sizeof kFormats / sizeof kFormats[0])];
  std::istringstream in(std::string(reinterpret_cast<const char*>(data + 1), size - 1));
  CheckingSink sink;
  switch (f) {
    case Format::kVics:
      (void)parse_vics(in, sink);
      break;
    case Format::kHashlookup:
      (void)parse_hashlookup(in, sink);
      break;
    case Format::kNsrlProd:
      (void)parse_nsrl_products(in);
      break;
    default:
      (void)parse_lines(f, in, sink);
  }
  const int fd = memfd_create("vigil-hashset-fuzz", 0);
  if (fd < 0) return 0;
  if (::write(fd, data + 1, size - 1) == static_cast<ssize_t>(size - 1))
    (void)detect_format("/proc/self/fd/" + std::to_string(fd));
  ::close(fd);
  return 0;
}
