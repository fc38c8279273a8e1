// A libbfio handle over bytes in memory, read-only. The libyal libraries (libolecf, libesedb)
// read only through libbfio handles, and Debian's libbfio ships handles over files and file
// ranges but none over memory; the extractors hold each item's bytes in memory already.
#pragma once

#include <libbfio.h>

#include <cstdint>
#include <span>

namespace vigil::bfio {

class MemoryHandle {
 public:
  // The bytes must outlive the handle. Throws std::bad_alloc when libbfio cannot allocate.
  explicit MemoryHandle(std::span<const std::uint8_t> bytes);
  ~MemoryHandle();
  MemoryHandle(const MemoryHandle&) = delete;
  MemoryHandle& operator=(const MemoryHandle&) = delete;

  [[nodiscard]] libbfio_handle_t* get() const { return handle_; }

  // The state behind the libbfio callbacks (public for them; not for callers).
  struct Io {
    std::span<const std::uint8_t> bytes;
    std::uint64_t pos = 0;
    bool open = false;
  };

 private:
  Io io_;
  libbfio_handle_t* handle_ = nullptr;
};

}  // namespace vigil::bfio
