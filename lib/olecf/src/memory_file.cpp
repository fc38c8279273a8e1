#include "vigil/olecf/memory_file.hpp"

#include <algorithm>
#include <new>

#include "vigil/core/byte_reader.hpp"

namespace vigil::olecf {

std::string header_problem(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 512) return "header shorter than 512 bytes";
  ByteReader r(bytes);
  r.seek(26);
  const auto major = r.read_le<std::uint16_t>();
  const auto byte_order = r.read_le<std::uint16_t>();
  const auto sector_shift = r.read_le<std::uint16_t>();
  const auto mini_shift = r.read_le<std::uint16_t>();
  r.seek(40);
  const auto dir_sectors = r.read_le<std::uint32_t>();
  const auto fat_sectors = r.read_le<std::uint32_t>();
  r.seek(64);
  const auto minifat_sectors = r.read_le<std::uint32_t>();
  r.seek(72);
  const auto difat_sectors = r.read_le<std::uint32_t>();
  if (!r.ok()) return "header shorter than 512 bytes";
  if (byte_order != 0xFFFE) return "byte order mark is not FFFE";
  if (!((major == 3 && sector_shift == 9) || (major == 4 && sector_shift == 12)))
    return "version " + std::to_string(major) + " with sector shift " +
           std::to_string(sector_shift) + " (only 3/9 and 4/12 exist)";
  if (mini_shift != 6) return "mini sector shift " + std::to_string(mini_shift) + ", not 6";
  const std::uint64_t sectors = bytes.size() >> sector_shift;
  const std::pair<const char*, std::uint32_t> counts[] = {{"directory", dir_sectors},
                                                          {"FAT", fat_sectors},
                                                          {"mini FAT", minifat_sectors},
                                                          {"DIFAT", difat_sectors}};
  for (const auto& [what, n] : counts) {
    if (n > sectors)
      return "header claims " + std::to_string(n) + " " + what + " sectors; the file holds " +
             std::to_string(sectors) + " sectors";
  }
  return {};
}

std::string error_message(libolecf_error_t* error) {
  if (error == nullptr) return "libolecf gave no reason";
  char text[512] = {};
  libolecf_error_sprint(error, text, sizeof text);
  libolecf_error_free(&error);
  std::string s(text);
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s.empty() ? "libolecf gave no reason" : s;
}

Result<std::unique_ptr<MemoryFile>> MemoryFile::open(std::span<const std::uint8_t> bytes) {
  if (const std::string problem = header_problem(bytes); !problem.empty())
    return make_error(ErrorCode::kCorrupt, "compound file header: " + problem);
  std::unique_ptr<MemoryFile> f(new MemoryFile(bytes));
  if (libolecf_file_initialize(&f->file_, nullptr) != 1) throw std::bad_alloc();
  libolecf_error_t* error = nullptr;
  if (libolecf_file_open_file_io_handle(f->file_, f->handle_.get(), LIBOLECF_OPEN_READ, &error) !=
      1) {
    libolecf_file_free(&f->file_, nullptr);
    f->file_ = nullptr;
    return make_error(ErrorCode::kCorrupt,
                      "not readable as an OLE compound file: " + error_message(error));
  }
  return f;
}

MemoryFile::~MemoryFile() {
  if (file_ != nullptr) {
    libolecf_file_close(file_, nullptr);
    libolecf_file_free(&file_, nullptr);
  }
}

}  // namespace vigil::olecf
