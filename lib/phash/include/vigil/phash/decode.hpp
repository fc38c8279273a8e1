// Decoding pictures from memory (the bytes are already in memory from the digest pass: an item is
// never read twice). JPEG, PNG, BMP, TIFF and WebP go through their own libraries (src/codecs.hpp),
// with the pixels OpenCV imgcodecs' cv::imdecode gave; GIF through giflib (OpenCV 4.6 in Debian 12
// has no GIF reader), first frame only; HEIF through libheif. EXIF orientation is not applied: the
// canonical PDQ hash is of the stored pixels, as the reference's.
//
// The header is read first (image_header.hpp) and a picture above the pixel cap is refused with
// ErrorCode::kLimit before any decoder runs. A decode failure is an Error, never a picture.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <span>
#include <string>

#include "vigil/core/result.hpp"
#include "vigil/phash/image_header.hpp"

namespace vigil::phash {

struct DecodeLimits {
  std::uint64_t max_pixels = 100'000'000;  // refuse pictures above 100 megapixels
  // A JPEG without its end-of-image marker after the scans is cut short: its rows below the cut
  // repeat the last one decoded (as OpenCV's decoder gave them), so by default it is an error
  // (kCorrupt), never a hash. When accepted, a baseline picture is returned with
  // DecodedImage::truncated set; a progressive one cut short stays an error.
  bool accept_truncated_jpeg = false;
};

// kFastTriage decodes JPEGs in the DCT domain at 1/2, 1/4 or 1/8 scale (the largest that keeps the
// short side at 256 px or more). It is several times faster but moves PDQ by 7-17 bits on average
// and up to 30, so its hashes carry the pipeline name "pdq-fast-triage" and are never canonical.
// Other formats decode in full either way.
enum class DecodeMode { kFull, kFastTriage };

struct DecodedImage {
  ImageHeader header;      // format and the dimensions the header declared
  cv::Mat bgr;             // CV_8UC3, B,G,R interleaved, continuous rows
  int reduction = 1;       // 1, or 2/4/8 when kFastTriage decoded a JPEG at that fraction
  bool truncated = false;  // a JPEG without end marker, decoded because the limits allow it
  // What the decoder noticed and decoded past (libjpeg's "Corrupt JPEG data: ..."): how many
  // times, and the first one's text. The pixels are the decoder's; the caller says so.
  int decoder_warnings = 0;
  std::string first_decoder_warning;
  [[nodiscard]] int width() const { return bgr.cols; }
  [[nodiscard]] int height() const { return bgr.rows; }
};

// Errors: kUnsupported (not a picture format handled), kLimit (above limits.max_pixels: a
// counted warning for the item, not a decode), kCorrupt (bad header, or the decoder failed).
[[nodiscard]] Result<DecodedImage> decode_image(std::span<const std::uint8_t> bytes,
                                                const DecodeLimits& limits = {},
                                                DecodeMode mode = DecodeMode::kFull);

// An 8-bit one-channel picture as a PNG file (libpng, zlib level 9): the report's blurred
// thumbnails. Errors: kInternal when libpng fails.
[[nodiscard]] Result<std::string> encode_grey_png(const cv::Mat& grey);

}  // namespace vigil::phash
