// OLE compound files ([MS-CFB], https://learn.microsoft.com/openspecs/windows_protocols/ms-cfb)
// opened by libolecf from bytes in memory (through lib/bfio's memory handle), for the extractors
// that read them (documents, thumbsdb). libolecf 20181231 sizes its allocation tables from the
// header's sector counts alone (fuzzing found 8 GB allocations for 6 KB files), so the header
// is checked against the file first.
#pragma once

#include <libolecf.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "vigil/bfio/memory_handle.hpp"
#include "vigil/core/result.hpp"

namespace vigil::olecf {

// What is wrong with the header's fields that size libolecf's allocations ([MS-CFB] §2.2: byte
// order, version and sector shift, mini sector shift, and the directory, FAT, mini FAT and
// DIFAT sector counts, none of which can exceed the file's sector count). Empty when sane.
std::string header_problem(std::span<const std::uint8_t> bytes);

// libolecf's reason, on one line; frees the error.
std::string error_message(libolecf_error_t* error);

class MemoryFile {
 public:
  // Opens the bytes, which must outlive the MemoryFile, read-only. A header that fails
  // header_problem() is refused before libolecf sees it. kCorrupt Errors carry the reason.
  static Result<std::unique_ptr<MemoryFile>> open(std::span<const std::uint8_t> bytes);
  ~MemoryFile();
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  [[nodiscard]] libolecf_file_t* file() const { return file_; }

 private:
  explicit MemoryFile(std::span<const std::uint8_t> bytes) : handle_(bytes) {}
  bfio::MemoryHandle handle_;
  libolecf_file_t* file_ = nullptr;
};

}  // namespace vigil::olecf
