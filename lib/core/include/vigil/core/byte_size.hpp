// Sizes given on the command line ("512M", "1G", "65536"): digits and an optional binary unit.
#pragma once

#include <cstdint>
#include <string_view>

#include "vigil/core/result.hpp"

namespace vigil {

// The largest size accepted: sizes end up in signed 64-bit places (SQLite integers, off_t), so
// anything above INT64_MAX bytes is refused rather than wrapped.
inline constexpr std::uint64_t kMaxByteSize = 0x7fff'ffff'ffff'ffffULL;

// Decimal digits followed by nothing (bytes), K/KiB, M/MiB, G/GiB or T/TiB (powers of 1024).
// No sign, space, fraction or exponent. A value above kMaxByteSize is an error (kInvalidArgument)
// that says so, never a wrapped number.
[[nodiscard]] Result<std::uint64_t> parse_byte_size(std::string_view text);

}  // namespace vigil
