#include "vigil/core/byte_size.hpp"

#include <string>

namespace vigil {

Result<std::uint64_t> parse_byte_size(std::string_view text) {
  const std::string shown(text.substr(0, 64));
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument, "'" + shown + "': " + why);
  };
  std::size_t pos = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
  if (pos == 0)
    return bad("not a size (digits with an optional unit K, M, G or T, e.g. 512M or 2G)");
  const std::string_view unit = text.substr(pos);
  int shift = 0;
  if (unit.empty())
    shift = 0;
  else if (unit == "K" || unit == "KiB")
    shift = 10;
  else if (unit == "M" || unit == "MiB")
    shift = 20;
  else if (unit == "G" || unit == "GiB")
    shift = 30;
  else if (unit == "T" || unit == "TiB")
    shift = 40;
  else
    return bad("not a size: unknown unit '" + std::string(unit.substr(0, 16)) +
               "' (expected K, M, G or T)");
  // Digits are accumulated with an overflow check: a size that does not fit is refused, never
  // wrapped (17179869184G is 2^64 bytes, which would wrap to 0).
  std::uint64_t v = 0;
  const std::uint64_t limit = kMaxByteSize >> shift;
  for (std::size_t i = 0; i < pos; ++i) {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (v > (limit - digit) / 10) return bad("too large (the largest size is 8 EiB - 1 byte)");
    v = v * 10 + digit;
  }
  return v << shift;
}

}  // namespace vigil
