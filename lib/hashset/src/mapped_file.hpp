// Read-only memory maps of compiled index files, and a buffered binary writer for building them.
// Compiled files are our own output, but a set folder can be copied, truncated or tampered with,
// so every reader checks sizes against the header before it trusts an offset.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "vigil/core/result.hpp"

namespace vigil::hashset::detail {

class MappedFile {
 public:
  enum class Access { kRandom, kSequential };
  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& o) noexcept;
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  [[nodiscard]] static Result<MappedFile> open(const std::filesystem::path& path,
                                               Access access = Access::kRandom);
  // A private anonymous copy of `bytes`, backed by transparent huge pages where the kernel allows
  // (madvise): for small, randomly probed tables, so each probe does not also miss the TLB.
  [[nodiscard]] static Result<MappedFile> anonymous_copy(std::span<const std::uint8_t> bytes);
  [[nodiscard]] std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] const std::uint8_t* data() const { return data_; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Buffered sequential writer; errors are sticky and reported by close().
class FileWriter {
 public:
  FileWriter() = default;
  ~FileWriter();
  FileWriter(FileWriter&& o) noexcept;
  FileWriter& operator=(FileWriter&& o) noexcept;
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  [[nodiscard]] static Result<FileWriter> create(const std::filesystem::path& path,
                                                 std::size_t buffer = 1 << 20);
  void write(const void* data, std::size_t n);
  void write(std::span<const std::uint8_t> s) { write(s.data(), s.size()); }
  template <class T>
  void write_le(T v) {
    std::uint8_t b[sizeof(T)];
    for (std::size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
    write(b, sizeof(T));
  }
  void pad_to(std::size_t alignment);
  [[nodiscard]] std::uint64_t offset() const { return offset_; }
  [[nodiscard]] bool is_open() const { return f_ != nullptr; }
  // Flushes, fsyncs (unless the file is scratch) and closes; the first error of any write is
  // returned here.
  [[nodiscard]] Result<void> close(bool sync = true);

 private:
  std::FILE* f_ = nullptr;
  std::filesystem::path path_;
  std::vector<char> buffer_;
  std::uint64_t offset_ = 0;
  bool failed_ = false;
};

// Little-endian integer at a byte offset (the caller has checked the bounds).
template <class T>
inline T load_le(const std::uint8_t* p) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(T(p[i]) << (8 * i));
  return v;
}

// Incremental SHA-256 (OpenSSL libcrypto).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t n);
  std::string hex_final();

 private:
  void* ctx_;
};

// SHA-256 of a whole file and its size.
[[nodiscard]] Result<std::pair<std::string, std::uint64_t>> sha256_file(
    const std::filesystem::path& path);

}  // namespace vigil::hashset::detail
