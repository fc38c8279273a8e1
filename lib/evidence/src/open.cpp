// Opening evidence: the container format is found from the bytes, never from the extension.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "evidence_internal.hpp"

namespace vigil::evidence {
namespace {

std::string base_name(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const auto slash = p.find_last_of('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

bool starts_with(const std::array<std::uint8_t, 512>& head, std::size_t n, const char* magic,
                 std::size_t len) {
  return n >= len && std::memcmp(head.data(), magic, len) == 0;
}

// VHD (fixed) keeps its "conectix" footer in the last 512 bytes; dynamic VHDs also copy it to
// the front.
bool has_vhd_footer(int fd, off_t size) {
  if (size < 512) return false;
  std::array<char, 8> tail{};
  return ::pread(fd, tail.data(), tail.size(), size - 512) == 8 &&
         std::memcmp(tail.data(), "conectix", 8) == 0;
}

}  // namespace

const char* image_format_name(ImageFormat f) {
  switch (f) {
    case ImageFormat::kRaw:
      return "raw";
    case ImageFormat::kSplitRaw:
      return "split-raw";
    case ImageFormat::kEwf:
      return "ewf";
    case ImageFormat::kAff:
      return "aff";
    case ImageFormat::kVmdk:
      return "vmdk";
    case ImageFormat::kVhd:
      return "vhd";
    case ImageFormat::kFolder:
      return "folder";
  }
  return "unknown";
}

const char* volume_kind_name(VolumeKind k) {
  switch (k) {
    case VolumeKind::kFileSystem:
      return "filesystem";
    case VolumeKind::kUnallocated:
      return "unallocated";
    case VolumeKind::kUnreadable:
      return "unreadable";
    case VolumeKind::kMeta:
      return "meta";
  }
  return "unknown";
}

std::vector<std::string> ewf_segments(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::array<std::uint8_t, 512> head{};
  const ssize_t n = ::pread(fd, head.data(), head.size(), 0);
  ::close(fd);
  if (n <= 0) return {};
  const auto len = static_cast<std::size_t>(n);
  if (!starts_with(head, len, "EVF\x09\x0d\x0a\xff\x00", 8) &&
      !starts_with(head, len, "EVF2\x0d\x0a\x81\x00", 8) &&
      !starts_with(head, len, "LVF\x09\x0d\x0a\xff\x00", 8))
    return {};
  auto segs = glob_ewf_segments(path);
  if (!segs) return {};
  return std::move(*segs);
}

Result<std::unique_ptr<Evidence>> open_evidence(const std::string& path,
                                                const OpenOptions& options) {
  EvidenceInfo info;
  info.path = path;
  info.name = base_name(path);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return make_error(ErrorCode::kNotFound, path + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) {
    info.format = ImageFormat::kFolder;
    while (info.path.size() > 1 && info.path.back() == '/') info.path.pop_back();
    return open_folder_evidence(std::move(info));
  }
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
    return make_error(ErrorCode::kUnsupported, path + ": not a regular file, device or folder");

  // Read-only, always: evidence is never written.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::kIo, path + ": " + std::strerror(errno));
  std::array<std::uint8_t, 512> head{};
  const ssize_t n = ::pread(fd, head.data(), head.size(), 0);
  const bool vhd = has_vhd_footer(fd, st.st_size);
  ::close(fd);
  if (n < 0) return make_error(ErrorCode::kIo, path + ": " + std::strerror(errno));
  if (n == 0) return make_error(ErrorCode::kCorrupt, path + ": empty file, not a disk image");
  const auto len = static_cast<std::size_t>(n);

  if (starts_with(head, len, "EVF\x09\x0d\x0a\xff\x00", 8) ||
      starts_with(head, len, "EVF2\x0d\x0a\x81\x00", 8) ||
      starts_with(head, len, "LVF\x09\x0d\x0a\xff\x00", 8)) {
    info.format = ImageFormat::kEwf;
    auto segs = glob_ewf_segments(path);
    if (!segs) return segs.error();
    info.segments = std::move(*segs);
    if (auto r = check_ewf_complete(info.segments); !r) return r.error();
  } else if (starts_with(head, len, "AFF10\r\n", 7) || starts_with(head, len, "AFF\x00", 4)) {
    info.format = ImageFormat::kAff;
    info.segments = {path};
  } else if (starts_with(head, len, "KDMV", 4) ||
             starts_with(head, len, "# Disk DescriptorFile", 21)) {
    info.format = ImageFormat::kVmdk;
    info.segments = {path};
  } else if (vhd || starts_with(head, len, "conectix", 8)) {
    info.format = ImageFormat::kVhd;
    info.segments = {path};
  } else {
    info.segments = find_split_segments(path);
    info.format = info.segments.size() > 1 ? ImageFormat::kSplitRaw : ImageFormat::kRaw;
  }
  return open_tsk_evidence(std::move(info), options);
}

}  // namespace vigil::evidence
