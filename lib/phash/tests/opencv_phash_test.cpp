#include "vigil/phash/opencv_phash.hpp"

#include <gtest/gtest.h>

#include "test_pictures.hpp"

namespace vigil::phash {
namespace {

TEST(OpenCvPhash, StableUnderMildChangesAndDistinctForOtherPictures) {
  const cv::Mat a = testing::draw_picture(200, 150, 0);
  cv::Mat a_small;
  cv::resize(a, a_small, {100, 75}, 0, 0, cv::INTER_AREA);
  cv::Mat other(150, 200, CV_8UC3);
  cv::randu(other, 0, 255);
  auto ha = opencv_phash(a);
  auto hs = opencv_phash(a_small);
  auto ho = opencv_phash(other);
  ASSERT_TRUE(ha.ok() && hs.ok() && ho.ok());
  EXPECT_LE(opencv_phash_distance(*ha, *hs), 6);
  EXPECT_GE(opencv_phash_distance(*ha, *ho), 16);
  EXPECT_EQ(ha->to_hex().size(), 16u);
  EXPECT_EQ(kOpenCvPhashName, "opencv-phash");
}

TEST(OpenCvPhash, RefusesEmptyAndOddPictures) {
  EXPECT_EQ(opencv_phash(cv::Mat()).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(opencv_phash(cv::Mat(10, 10, CV_32FC1)).error().code, ErrorCode::kInvalidArgument);
}

TEST(OpenCvPhash, HexIsBigEndianOfTheValue) {
  OpenCvPhash h{0x0123456789abcdefULL};
  EXPECT_EQ(h.to_hex(), "0123456789abcdef");
}

}  // namespace
}  // namespace vigil::phash
