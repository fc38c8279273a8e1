// The WebP decoder of codecs.hpp: libwebp's simple decoding API (RFC 9649, the WebP container and
// its VP8/VP8L bitstreams), still pictures only.
//
// Done as OpenCV 4.6's WebPDecoder did under IMREAD_COLOR, so that the pixels are the same: the
// features (size, alpha, animation) are read from the first 32 bytes only, and a file shorter
// than that is refused; an animated WebP is refused; a picture without alpha is decoded straight
// to B,G,R (WebPDecodeBGRInto), one with alpha to B,G,R,A (WebPDecodeBGRAInto, not
// premultiplied) whose alpha is then dropped.
#include <webp/decode.h>

#include <opencv2/core.hpp>

#include <algorithm>
#include <cstdint>
#include <string>

#include "codecs.hpp"

namespace vigil::phash::detail {
namespace {

// OpenCV read this many bytes of header before deciding anything (WEBP_HEADER_SIZE).
constexpr std::size_t kHeaderBytes = 32;

Error corrupt(const std::string& why) { return make_error(ErrorCode::kCorrupt, "webp: " + why); }

const char* status_text(VP8StatusCode status) {
  switch (status) {
    case VP8_STATUS_OUT_OF_MEMORY:
      return "out of memory";
    case VP8_STATUS_INVALID_PARAM:
      return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR:
      return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE:
      return "unsupported feature";
    case VP8_STATUS_SUSPENDED:
      return "suspended";
    case VP8_STATUS_USER_ABORT:
      return "user abort";
    case VP8_STATUS_NOT_ENOUGH_DATA:
      return "not enough data";
    default:
      return "unknown error";
  }
}

}  // namespace

Result<cv::Mat> decode_webp(std::span<const std::uint8_t> bytes, const DecodeLimits& limits,
                            DecoderNotes& /*notes*/) {
  if (bytes.size() < kHeaderBytes) return corrupt("file shorter than its 32-byte header");
  WebPBitstreamFeatures features;
  const VP8StatusCode status = WebPGetFeatures(bytes.data(), kHeaderBytes, &features);
  if (status != VP8_STATUS_OK)
    return corrupt(std::string("cannot read the header: ") + status_text(status));
  if (features.has_animation != 0) return corrupt("animated WebP (OpenCV 4.6 refused these)");
  if (features.width <= 0 || features.height <= 0) return corrupt("zero width or height");
  const std::uint64_t pixels =
      static_cast<std::uint64_t>(features.width) * static_cast<std::uint64_t>(features.height);
  if (pixels > limits.max_pixels)
    return make_error(ErrorCode::kLimit, "picture of " + std::to_string(pixels) +
                                             " pixels is above the cap of " +
                                             std::to_string(limits.max_pixels));
  const int w = features.width;
  const int h = features.height;
  if (features.has_alpha == 0) {
    cv::Mat out(h, w, CV_8UC3);
    const auto size = static_cast<std::size_t>(out.step[0]) * static_cast<std::size_t>(h);
    if (WebPDecodeBGRInto(bytes.data(), bytes.size(), out.data, size,
                          static_cast<int>(out.step[0])) != out.data)
      return corrupt("cannot decode the picture");
    return out;
  }
  cv::Mat bgra(h, w, CV_8UC4);
  const auto size = static_cast<std::size_t>(bgra.step[0]) * static_cast<std::size_t>(h);
  if (WebPDecodeBGRAInto(bytes.data(), bytes.size(), bgra.data, size,
                         static_cast<int>(bgra.step[0])) != bgra.data)
    return corrupt("cannot decode the picture");
  cv::Mat out(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    const std::uint8_t* src = bgra.ptr<std::uint8_t>(y);
    std::uint8_t* dst = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < w; ++x, src += 4, dst += 3) {
      dst[0] = src[0];
      dst[1] = src[1];
      dst[2] = src[2];
    }
  }
  return out;
}

}  // namespace vigil::phash::detail
