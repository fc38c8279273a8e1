// ByteReader: bounds-checked reads of evidence bytes with explicit endianness. Every parser of
// evidence goes through it; no struct is ever cast over evidence bytes. A read past the end sets
// a sticky failure flag and yields zero, so a parser checks ok() once after a group of reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

namespace vigil {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> data) : data_(data) {}

  [[nodiscard]] std::size_t size() const { return data_.size(); }
  [[nodiscard]] std::size_t pos() const { return pos_; }
  [[nodiscard]] std::size_t remaining() const { return data_.size() - pos_; }
  [[nodiscard]] bool ok() const { return ok_; }

  // Moves to an absolute offset; an offset past the end fails.
  bool seek(std::size_t offset) {
    if (offset > data_.size()) return fail();
    pos_ = offset;
    return true;
  }
  bool skip(std::size_t n) {
    if (n > remaining()) return fail();
    pos_ += n;
    return true;
  }

  template <class T>
  T read_le() {
    static_assert(std::is_unsigned_v<T>);
    if (sizeof(T) > remaining()) {
      fail();
      return 0;
    }
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(T(data_[pos_ + i]) << (8 * i));
    pos_ += sizeof(T);
    return v;
  }
  template <class T>
  T read_be() {
    static_assert(std::is_unsigned_v<T>);
    if (sizeof(T) > remaining()) {
      fail();
      return 0;
    }
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | T(data_[pos_ + i]));
    pos_ += sizeof(T);
    return v;
  }

  // A checked sub-span of n bytes at the current position; empty and failed if short.
  std::span<const std::uint8_t> read_bytes(std::size_t n) {
    if (n > remaining()) {
      fail();
      return {};
    }
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  // A sub-span at an absolute offset, without moving; nullopt if it does not fit.
  [[nodiscard]] std::optional<std::span<const std::uint8_t>> at(std::size_t offset,
                                                                std::size_t n) const {
    if (offset > data_.size() || n > data_.size() - offset) return std::nullopt;
    return data_.subspan(offset, n);
  }
  // True if the bytes at offset equal the given magic.
  [[nodiscard]] bool matches(std::size_t offset, std::string_view magic) const {
    auto s = at(offset, magic.size());
    return s && std::memcmp(s->data(), magic.data(), magic.size()) == 0;
  }

 private:
  bool fail() {
    ok_ = false;
    return false;
  }
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace vigil
