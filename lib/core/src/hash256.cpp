#include "vigil/core/hash256.hpp"

#include <span>

#include "vigil/core/text.hpp"

namespace vigil {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Hash256::to_hex() const { return hex_encode(std::span<const std::uint8_t>(bytes)); }

std::optional<Hash256> Hash256::from_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Hash256 h;
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    h.bytes[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return h;
}

}  // namespace vigil
