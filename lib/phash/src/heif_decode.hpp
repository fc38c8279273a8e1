// HEIC and AVIF (ISO/IEC 23008-12 HEIF) through libheif: internal to lib/phash.
#pragma once

#include <cstdint>
#include <span>

#include "vigil/core/result.hpp"
#include "vigil/phash/decode.hpp"

namespace vigil::phash::detail {

// The primary image, size-checked against the cap from libheif's parse of the boxes (ispe)
// before any pixel is decoded. libheif applies the format's own irot/imir transformations (part
// of HEIF's display geometry, unlike EXIF orientation). Errors: kLimit, kCorrupt, kUnsupported.
[[nodiscard]] Result<DecodedImage> decode_heif(std::span<const std::uint8_t> bytes,
                                               const DecodeLimits& limits);

}  // namespace vigil::phash::detail
