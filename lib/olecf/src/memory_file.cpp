#include "vigil/olecf/memory_file.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include "vigil/core/byte_reader.hpp"

namespace vigil::olecf {
namespace {

using Io = MemoryFile::Io;
Io& io_of(intptr_t* io) { return *reinterpret_cast<Io*>(io); }

// The libbfio I/O callbacks over memory. The Io belongs to the MemoryFile, never to libbfio.
int io_free(intptr_t** /*io*/, libbfio_error_t** /*error*/) { return 1; }
int io_clone(intptr_t** /*dst*/, intptr_t* /*src*/, libbfio_error_t** /*error*/) { return -1; }
int io_open(intptr_t* io, int /*flags*/, libbfio_error_t** /*error*/) {
  io_of(io).open = true;
  io_of(io).pos = 0;
  return 1;
}
int io_close(intptr_t* io, libbfio_error_t** /*error*/) {
  io_of(io).open = false;
  return 0;
}
ssize_t io_read(intptr_t* io, uint8_t* buffer, size_t size, libbfio_error_t** /*error*/) {
  Io& m = io_of(io);
  if (m.pos >= m.bytes.size()) return 0;
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size, m.bytes.size() - m.pos));
  std::memcpy(buffer, m.bytes.data() + m.pos, n);
  m.pos += n;
  return static_cast<ssize_t>(n);
}
ssize_t io_write(intptr_t* /*io*/, const uint8_t* /*buffer*/, size_t /*size*/,
                 libbfio_error_t** /*error*/) {
  return -1;  // evidence is never written
}
off64_t io_seek(intptr_t* io, off64_t offset, int whence, libbfio_error_t** /*error*/) {
  Io& m = io_of(io);
  std::int64_t base = 0;
  if (whence == SEEK_CUR) base = static_cast<std::int64_t>(m.pos);
  if (whence == SEEK_END) base = static_cast<std::int64_t>(m.bytes.size());
  if (offset < -base) return -1;
  m.pos = static_cast<std::uint64_t>(base + offset);
  return static_cast<off64_t>(m.pos);
}
int io_exists(intptr_t* /*io*/, libbfio_error_t** /*error*/) { return 1; }
int io_is_open(intptr_t* io, libbfio_error_t** /*error*/) { return io_of(io).open ? 1 : 0; }
int io_get_size(intptr_t* io, size64_t* size, libbfio_error_t** /*error*/) {
  *size = io_of(io).bytes.size();
  return 1;
}

}  // namespace

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
  if (libbfio_handle_initialize(&f->handle_, reinterpret_cast<intptr_t*>(&f->io_), io_free,
                                io_clone, io_open, io_close, io_read, io_write, io_seek, io_exists,
                                io_is_open, io_get_size, LIBBFIO_FLAG_IO_HANDLE_NON_MANAGED,
                                nullptr) != 1)
    throw std::bad_alloc();
  if (libolecf_file_initialize(&f->file_, nullptr) != 1) throw std::bad_alloc();
  libolecf_error_t* error = nullptr;
  if (libolecf_file_open_file_io_handle(f->file_, f->handle_, LIBOLECF_OPEN_READ, &error) != 1) {
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
  if (handle_ != nullptr) libbfio_handle_free(&handle_, nullptr);
}

}  // namespace vigil::olecf
