#include "vigil/phash/match.hpp"

#include <gtest/gtest.h>

#include "test_pictures.hpp"

namespace vigil::phash {
namespace {

PdqResult hash_of(const cv::Mat& img, bool dihedral = true) {
  PdqHasher h({PdqPipeline::kCanonical, dihedral});
  return h.hash_bgr(img.data, img.cols, img.rows, img.step[0]);
}

TEST(PdqNear, MirroredAndRotatedCopiesMatchThroughTheirVariant) {
  const cv::Mat img = testing::draw_picture(240, 180);
  cv::Mat mirrored, rotated;
  cv::flip(img, mirrored, 1);
  cv::rotate(img, rotated, cv::ROTATE_90_COUNTERCLOCKWISE);
  const PdqResult query = hash_of(img);
  ASSERT_GE(query.quality, 50);
  const PdqResult m = hash_of(mirrored, false);
  const PdqResult r = hash_of(rotated, false);

  auto plain = pdq_near(query, m.hash, m.quality, {31, 50, false});
  EXPECT_EQ(plain.status, PdqMatchStatus::kFar);
  auto via_variant = pdq_near(query, m.hash, m.quality);
  EXPECT_TRUE(via_variant.near());
  EXPECT_EQ(via_variant.variant, Dihedral::kFlipY);
  EXPECT_LE(via_variant.distance, 20);
  auto rot = pdq_near(query, r.hash, r.quality);
  EXPECT_TRUE(rot.near());
  EXPECT_EQ(rot.variant, Dihedral::kRotate90);
  // The picture itself matches with the plain hash at distance 0.
  auto self = pdq_near(query, query.hash, std::nullopt);
  EXPECT_TRUE(self.near());
  EXPECT_EQ(self.distance, 0);
  EXPECT_EQ(self.variant, Dihedral::kOriginal);
}

TEST(PdqNear, QualityGateAndInvalidHashes) {
  const PdqResult query = hash_of(testing::draw_picture(100, 100));
  EXPECT_EQ(pdq_near(query, query.hash, 49).status, PdqMatchStatus::kLowQuality);
  EXPECT_EQ(pdq_near(query, Hash256{}, 100).status, PdqMatchStatus::kInvalid);
  Hash256 heavy;
  heavy.bytes.fill(0xff);
  EXPECT_FALSE(is_valid_pdq_hash(heavy));
  EXPECT_TRUE(is_valid_pdq_hash(query.hash));
  PdqResult low = query;
  low.quality = 10;
  EXPECT_EQ(pdq_near(low, query.hash, 100).status, PdqMatchStatus::kLowQuality);
  PdqResult tiny;
  tiny.too_small = true;
  EXPECT_EQ(pdq_near(tiny, query.hash, 100).status, PdqMatchStatus::kInvalid);
  // Threshold is inclusive.
  // 31 bits away with the weight kept valid: clear 16 set bits and set 15 clear ones.
  Hash256 moved = query.hash;
  int cleared = 0, added = 0;
  for (auto& byte : moved.bytes) {
    for (int bit = 0; bit < 8; ++bit) {
      const auto mask = static_cast<std::uint8_t>(1u << bit);
      if ((byte & mask) != 0 && cleared < 16) {
        byte = static_cast<std::uint8_t>(byte & ~mask);
        ++cleared;
      } else if ((byte & mask) == 0 && added < 15) {
        byte = static_cast<std::uint8_t>(byte | mask);
        ++added;
      }
    }
  }
  ASSERT_TRUE(is_valid_pdq_hash(moved));
  auto at31 = pdq_near(query, moved, 100, {31, 50, false});
  EXPECT_EQ(at31.distance, 31);
  EXPECT_TRUE(at31.near());
  EXPECT_FALSE(pdq_near(query, moved, 100, {30, 50, false}).near());
}

}  // namespace
}  // namespace vigil::phash
