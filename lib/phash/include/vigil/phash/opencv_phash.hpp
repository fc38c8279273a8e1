// pHash from OpenCV img_hash (64-bit DCT hash of a 32 x 32 grey picture): a secondary perceptual
// signal stored under its own name. Other libraries' "pHash" are different algorithms, so a value
// is only ever compared with values of this same name.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "vigil/core/result.hpp"

namespace vigil::phash {

inline constexpr std::string_view kOpenCvPhashName = "opencv-phash";

// 64 bits; hex is the 8 bytes OpenCV outputs, in order (16 lower-case digits).
struct OpenCvPhash {
  std::uint64_t value = 0;
  [[nodiscard]] std::string to_hex() const;
  friend bool operator==(const OpenCvPhash&, const OpenCvPhash&) = default;
};

int opencv_phash_distance(const OpenCvPhash& a, const OpenCvPhash& b);

// Computes the pHash of a CV_8UC3 (B,G,R) or CV_8UC1 picture. Errors: kInvalidArgument for an
// empty picture or another pixel type; kInternal if OpenCV throws.
[[nodiscard]] Result<OpenCvPhash> opencv_phash(const cv::Mat& picture);

}  // namespace vigil::phash
