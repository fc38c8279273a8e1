#include "vigil/bfio/memory_handle.hpp"

#include <algorithm>
#include <cstring>
#include <new>

namespace vigil::bfio {
namespace {

using Io = MemoryHandle::Io;
Io& io_of(intptr_t* io) { return *reinterpret_cast<Io*>(io); }

// The libbfio I/O callbacks over memory. The Io belongs to the MemoryHandle, never to libbfio
// (LIBBFIO_FLAG_IO_HANDLE_NON_MANAGED), so free and clone do nothing / refuse.
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

MemoryHandle::MemoryHandle(std::span<const std::uint8_t> bytes) : io_{bytes} {
  if (libbfio_handle_initialize(&handle_, reinterpret_cast<intptr_t*>(&io_), io_free, io_clone,
                                io_open, io_close, io_read, io_write, io_seek, io_exists,
                                io_is_open, io_get_size, LIBBFIO_FLAG_IO_HANDLE_NON_MANAGED,
                                nullptr) != 1)
    throw std::bad_alloc();
}

MemoryHandle::~MemoryHandle() {
  if (handle_ != nullptr) libbfio_handle_free(&handle_, nullptr);
}

}  // namespace vigil::bfio
