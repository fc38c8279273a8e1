// The perceptual hashes of one picture from its bytes in memory: header check, decode, PDQ (with
// its eight dihedral variants when asked) and OpenCV pHash. One PictureHasher per thread (it keeps
// PDQ's scratch buffers); not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "vigil/core/result.hpp"
#include "vigil/phash/decode.hpp"
#include "vigil/phash/image_header.hpp"
#include "vigil/phash/opencv_phash.hpp"
#include "vigil/phash/pdq.hpp"

namespace vigil::phash {

// Pipeline name of PDQ hashes computed from a fast-triage (reduced) decode.
inline constexpr std::string_view kPdqFastTriageName = "pdq-fast-triage";

// PDQ of a decoded picture. The pipeline name is the hasher's, or kPdqFastTriageName when the
// picture was decoded reduced. Errors: kInvalidArgument for an empty or non-BGR picture.
[[nodiscard]] Result<PdqResult> pdq_from_image(const DecodedImage& image, PdqHasher& hasher);

struct PictureHashOptions {
  DecodeLimits limits;
  DecodeMode mode = DecodeMode::kFull;
  PdqOptions pdq;
  bool phash = true;  // also compute opencv-phash
};

struct PictureHashes {
  ImageHeader header;  // format and declared size
  int width = 0;       // decoded size (smaller than declared after a fast-triage decode)
  int height = 0;
  bool truncated = false;  // a JPEG cut short, hashed because limits.accept_truncated_jpeg
  // Data errors the decoder went past (DecodedImage::decoder_warnings): the hash is of the pixels
  // it made of them.
  int decoder_warnings = 0;
  std::string first_decoder_warning;
  PdqResult pdq;                     // pdq.too_small for pictures under 5 px a side
  std::optional<OpenCvPhash> phash;  // when asked for
};

class PictureHasher {
 public:
  explicit PictureHasher(PictureHashOptions options = {}) : options_(options), pdq_(options.pdq) {}
  [[nodiscard]] const PictureHashOptions& options() const { return options_; }

  // Errors are those of decode_image (kUnsupported, kLimit, kCorrupt) and of OpenCV pHash.
  [[nodiscard]] Result<PictureHashes> hash(std::span<const std::uint8_t> bytes);

 private:
  PictureHashOptions options_;
  PdqHasher pdq_;
};

}  // namespace vigil::phash
