// Validation by decoding (plugins/carve/README.md): the carver's second gate after the structure
// check. Each decoder reads from memory, is bounded before it allocates (the header's dimensions
// against Limits), and reports how far it got.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "carve/carve.hpp"

namespace vigil::plugins::carve::detail {

enum class Decoded : std::uint8_t {
  kOk,        // the whole picture decoded without an error or a warning
  kPartial,   // some picture data decoded, then an error (stopped_at says where)
  kFailed,    // nothing of the picture decoded
  kTooLarge,  // the header's dimensions are over Limits::max_decode_pixels/_memory: not decoded
};

struct DecodeResult {
  Decoded outcome = Decoded::kFailed;
  std::size_t stopped_at = 0;  // the decoder's read position at its first error (relative)
  std::size_t scan_start = 0;  // JPEG: the position after the first SOS header
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::string message;  // the decoder's own message for the error, or the limit reached
  // JPEG: the largest mean absolute difference between one row of the 1/8 scaled picture (its
  // DC terms) and the row above. Bytes decoded as garbage leave a band, and a shifted DC
  // predictor after it (a step at one row), so of two passing reassemblies the one without such
  // a step is the right one.
  double roughness = 0;
};

// JPEG through libjpeg-turbo's libjpeg API at 1/8 scale: every coefficient is still
// entropy-decoded (only the inverse DCT is reduced to the DC term), and every warning (corrupt
// data, a premature marker, extraneous bytes before EOI) counts as an error. The input is the
// concatenation of `first` and `second` (a bifragment candidate: no copy is made); stopped_at
// counts in that concatenation, and after a whole decode it is the end of the EOI marker.
DecodeResult decode_jpeg(std::span<const std::uint8_t> first, std::span<const std::uint8_t> second,
                         const Limits& limits);
// GIF through giflib, row by row into one row buffer (no DGifSlurp whole-picture allocation).
DecodeResult decode_gif(std::span<const std::uint8_t> s, const Limits& limits);
// WebP through libwebp's incremental decoder, scaled to 1/8; animated WebP is not decoded here.
DecodeResult decode_webp(std::span<const std::uint8_t> s, const Limits& limits);

}  // namespace vigil::plugins::carve::detail
