#include "vigil/phash/picture_hasher.hpp"

#include <gtest/gtest.h>

#include "test_pictures.hpp"

namespace vigil::phash {
namespace {

TEST(PictureHasher, HashesAJpegWithAllSignals) {
  const cv::Mat img = testing::draw_picture(640, 480);
  const auto jpeg = testing::encode(img, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95});
  PictureHasher hasher({{}, DecodeMode::kFull, {PdqPipeline::kCanonical, true}, true});
  auto r = hasher.hash(jpeg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->header.format, ImageFormat::kJpeg);
  EXPECT_EQ(r->width, 640);
  EXPECT_EQ(r->pdq.pipeline, "pdq-fullres");
  EXPECT_TRUE(r->pdq.dihedral.has_value());
  ASSERT_TRUE(r->phash.has_value());
  // The same picture as a lossless PNG lands within a few bits.
  auto png = hasher.hash(testing::encode(img, ".png"));
  ASSERT_TRUE(png.ok());
  EXPECT_LE(hamming_distance(png->pdq.hash, r->pdq.hash), 8);
  EXPECT_LE(opencv_phash_distance(*png->phash, *r->phash), 4);
}

TEST(PictureHasher, FastTriageIsLabelledAndNearTheCanonicalHash) {
  const cv::Mat img = testing::draw_picture(1600, 1200);
  const auto jpeg = testing::encode(img, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 90});
  PictureHasher canonical;
  PictureHasher fast({{}, DecodeMode::kFastTriage, {}, false});
  auto c = canonical.hash(jpeg);
  auto f = fast.hash(jpeg);
  ASSERT_TRUE(c.ok() && f.ok());
  EXPECT_EQ(f->pdq.pipeline, kPdqFastTriageName);
  EXPECT_EQ(f->width, 400);  // 1/4: the short side stays at 256 px or more
  EXPECT_FALSE(f->phash.has_value());
  EXPECT_LE(hamming_distance(c->pdq.hash, f->pdq.hash), 31);
  // Fast triage never touches a small picture or a PNG.
  auto small = fast.hash(testing::encode(testing::draw_picture(300, 200), ".jpg"));
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->pdq.pipeline, "pdq-fullres");
}

TEST(PictureHasher, ErrorsCarryTheirCode) {
  PictureHasher hasher({DecodeLimits{1000}, DecodeMode::kFull, {}, true});
  auto big = hasher.hash(testing::encode(testing::draw_picture(100, 100), ".png"));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kLimit);
  const std::uint8_t junk[] = {1, 2, 3};
  EXPECT_EQ(hasher.hash(junk).error().code, ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace vigil::phash
