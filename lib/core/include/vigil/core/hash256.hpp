// A 256-bit perceptual hash value (PDQ) held as 32 bytes in the order of its hex string: byte 0
// is the first two hex digits. Hamming distance does not depend on bit numbering, so lists,
// indexes and the matcher share this type; lib/phash maps PDQ's bit k onto it.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil {

struct Hash256 {
  std::array<std::uint8_t, 32> bytes{};

  friend bool operator==(const Hash256&, const Hash256&) = default;
  friend auto operator<=>(const Hash256&, const Hash256&) = default;

  [[nodiscard]] bool is_zero() const {
    for (auto b : bytes)
      if (b != 0) return false;
    return true;
  }
  // 64 lower-case hex digits.
  [[nodiscard]] std::string to_hex() const;
  // Accepts exactly 64 hex digits (either case); nullopt otherwise.
  static std::optional<Hash256> from_hex(std::string_view hex);
  // The 16-bit word w (0..15) in hex-string order: word 0 is the first four hex digits.
  [[nodiscard]] std::uint16_t word(int w) const {
    return static_cast<std::uint16_t>((bytes[2 * w] << 8) | bytes[2 * w + 1]);
  }
  [[nodiscard]] int popcount() const {
    int n = 0;
    for (auto b : bytes) n += std::popcount(b);
    return n;
  }
};

inline int hamming_distance(const Hash256& a, const Hash256& b) {
  int d = 0;
  for (std::size_t i = 0; i < a.bytes.size(); ++i)
    d += std::popcount(static_cast<std::uint8_t>(a.bytes[i] ^ b.bytes[i]));
  return d;
}

}  // namespace vigil
