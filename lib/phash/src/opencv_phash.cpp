#include "vigil/phash/opencv_phash.hpp"

#include <opencv2/img_hash.hpp>

#include <bit>
#include <span>

#include "vigil/core/text.hpp"

namespace vigil::phash {

std::string OpenCvPhash::to_hex() const {
  std::array<std::uint8_t, 8> bytes{};
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(value >> (56 - 8 * i));
  return hex_encode(std::span<const std::uint8_t>(bytes));
}

int opencv_phash_distance(const OpenCvPhash& a, const OpenCvPhash& b) {
  return std::popcount(a.value ^ b.value);
}

Result<OpenCvPhash> opencv_phash(const cv::Mat& picture) {
  if (picture.empty() || (picture.type() != CV_8UC3 && picture.type() != CV_8UC1))
    return make_error(ErrorCode::kInvalidArgument,
                      "opencv-phash needs an 8-bit BGR or grey picture");
  try {
    cv::Mat out;
    cv::img_hash::pHash(picture, out);
    if (out.total() != 8 || out.type() != CV_8U)
      return make_error(ErrorCode::kInternal, "opencv-phash: unexpected output shape");
    OpenCvPhash h;
    for (int i = 0; i < 8; ++i) h.value = (h.value << 8) | out.at<std::uint8_t>(i);
    return h;
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kInternal, std::string("opencv-phash: ") + e.what());
  }
}

}  // namespace vigil::phash
