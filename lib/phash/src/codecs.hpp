// The picture decoders behind decode_image() (decode.hpp), each over one packaged library called
// directly: libjpeg-turbo (JPEG), libpng (PNG), libtiff (TIFF), libwebp (WebP); BMP by hand (see
// codec_bmp.cpp for why). OpenCV imgcodecs did this before; it is no longer loaded because, as
// Debian builds it, it brings GDAL and some 110 other shared libraries whose loading cost every
// scan about 0.1 s of CPU (issue 14).
//
// Every decoder returns exactly the pixels cv::imdecode(bytes, IMREAD_COLOR |
// IMREAD_IGNORE_ORIENTATION) of OpenCV 4.6 returned for the same bytes (its reduced flags for a
// JPEG decoded at 1/2, 1/4, 1/8), so that every perceptual hash stays what it was (the tests
// codecs_jpeg_png_test.cpp and codecs_bmp_tiff_webp_test.cpp hold each decoder to that). The
// result is CV_8UC3, B,G,R, continuous. Where OpenCV's own result was not repeatable (heap bytes
// for a JPEG cut before its first row), the decoder gives black; codec_jpeg.cpp says so.
//
// Errors: kCorrupt "<format>: <what>" when the decoder fails; kLimit when the decoded size is
// above limits.max_pixels. A decoder never prints: the libraries' messages become the error's
// text, or a DecoderNotes entry when the library went on.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <span>
#include <string>

#include "vigil/core/result.hpp"
#include "vigil/phash/decode.hpp"

namespace vigil::phash::detail {

// What a decoder noticed and decoded past (libjpeg's "Corrupt JPEG data: ..." warnings, libpng's
// benign errors): how many, and the first one's text.
struct DecoderNotes {
  int count = 0;
  std::string first;
  void add(std::string text) {
    if (count++ == 0) first = std::move(text);
  }
};

// reduction: 1, 2, 4 or 8 (libjpeg's scale_denom; DCT-domain reduced decode).
Result<cv::Mat> decode_jpeg(std::span<const std::uint8_t> bytes, int reduction,
                            const DecodeLimits& limits, DecoderNotes& notes);
Result<cv::Mat> decode_png(std::span<const std::uint8_t> bytes, const DecodeLimits& limits,
                           DecoderNotes& notes);
Result<cv::Mat> decode_bmp(std::span<const std::uint8_t> bytes, const DecodeLimits& limits,
                           DecoderNotes& notes);
Result<cv::Mat> decode_tiff(std::span<const std::uint8_t> bytes, const DecodeLimits& limits,
                            DecoderNotes& notes);
Result<cv::Mat> decode_webp(std::span<const std::uint8_t> bytes, const DecodeLimits& limits,
                            DecoderNotes& notes);

}  // namespace vigil::phash::detail
