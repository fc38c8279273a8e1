#include "vigil/evidence/media_map.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vigil::evidence {

MappedBytes::~MappedBytes() {
  if (base_ != nullptr) ::munmap(base_, mapped_);
}

MappedBytes::MappedBytes(MappedBytes&& o) noexcept
    : base_(o.base_), mapped_(o.mapped_), bytes_(o.bytes_) {
  o.base_ = nullptr;
  o.mapped_ = 0;
}

MappedBytes& MappedBytes::operator=(MappedBytes&& o) noexcept {
  if (this != &o) {
    if (base_ != nullptr) ::munmap(base_, mapped_);
    base_ = o.base_;
    mapped_ = o.mapped_;
    bytes_ = o.bytes_;
    o.base_ = nullptr;
    o.mapped_ = 0;
  }
  return *this;
}

std::unique_ptr<RawSegments> RawSegments::open(const std::vector<std::string>& files,
                                               std::uint64_t media_size) {
  std::unique_ptr<RawSegments> r(new RawSegments());
  std::uint64_t at = 0;
  for (const auto& path : files) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
    r->files_.push_back({path, at, static_cast<std::uint64_t>(st.st_size)});
    at += r->files_.back().size;
  }
  if (at != media_size || r->files_.empty()) return nullptr;
  return r;
}

std::optional<MappedBytes> RawSegments::map(std::uint64_t offset, std::uint64_t length) const {
  if (length == 0) return std::nullopt;
  for (const auto& f : files_) {
    if (offset < f.start || offset - f.start >= f.size) continue;
    const std::uint64_t in = offset - f.start;
    if (length > f.size - in) return std::nullopt;  // crosses into the next file
    const int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    // A mapped page past a file's end faults (SIGBUS) instead of failing a read: the file must
    // still hold the range now. (Evidence shrinking during the scan is an error the TSK read
    // reports; the window between this check and the read is the caller's carve of one range.)
    struct stat st {};
    void* p = MAP_FAILED;
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t from = in - in % page;
    const auto span = static_cast<std::size_t>(in + length - from);
    if (::fstat(fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) >= in + length)
      p = ::mmap(nullptr, span, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, static_cast<off_t>(from));
    ::close(fd);  // the mapping keeps the file's pages
    if (p == MAP_FAILED) return std::nullopt;
    const auto* bytes = static_cast<const std::uint8_t*>(p) + (in - from);
    return MappedBytes(p, span, {bytes, static_cast<std::size_t>(length)});
  }
  return std::nullopt;
}

}  // namespace vigil::evidence
