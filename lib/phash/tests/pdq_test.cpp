#include "vigil/phash/pdq.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace vigil::phash {
namespace {

TEST(PdqBits, BitKMapsOntoHexOrder) {
  Hash256 h;
  set_pdq_bit(h, 255);
  EXPECT_EQ(h.to_hex().substr(0, 4), "8000");
  EXPECT_TRUE(pdq_bit(h, 255));
  Hash256 g;
  set_pdq_bit(g, 0);
  EXPECT_EQ(g.to_hex().substr(60), "0001");
  set_pdq_bit(g, 8);
  EXPECT_EQ(g.to_hex().substr(60), "0101");
  set_pdq_bit(g, 16);
  EXPECT_EQ(g.to_hex().substr(56), "00010101");
  EXPECT_FALSE(pdq_bit(g, 1));
}

TEST(Pdq, TooSmallPicturesGetNoHash) {
  std::vector<float> luma(4 * 100, 1.0f);
  const auto r = pdq_from_luma(luma, 4, 100);
  EXPECT_TRUE(r.too_small);
  EXPECT_EQ(r.quality, 0);
  EXPECT_TRUE(r.hash.is_zero());
  EXPECT_EQ(r.pipeline, "pdq-fullres");
  // Size mismatch between span and dimensions is refused the same way.
  EXPECT_TRUE(pdq_from_luma(luma, 20, 30).too_small);
}

TEST(Pdq, PatternHashHasHalfTheBitsAndNamesItsPipeline) {
  const int w = 300, h = 200;
  std::vector<float> luma(static_cast<std::size_t>(w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      luma[static_cast<std::size_t>(y) * w + x] =
          static_cast<float>(127.0 + 120.0 * std::sin(x / 17.0) * std::cos(y / 23.0));
  const auto r = pdq_from_luma(luma, w, h, {PdqPipeline::kCli512, true});
  EXPECT_FALSE(r.too_small);
  EXPECT_EQ(r.hash.popcount(), 128);
  EXPECT_EQ(r.pipeline, "pdq-cli512");
  ASSERT_TRUE(r.dihedral.has_value());
  // Mirroring the picture left/right gives the FlipY variant of the original.
  std::vector<float> mirrored(luma.size());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      mirrored[static_cast<std::size_t>(y) * w + x] =
          luma[static_cast<std::size_t>(y) * w + (w - 1 - x)];
  const auto m = pdq_from_luma(mirrored, w, h);
  EXPECT_LE(hamming_distance(m.hash, (*r.dihedral)[static_cast<int>(Dihedral::kFlipY)]), 8);
  EXPECT_GT(hamming_distance(m.hash, r.hash), 64);
}

TEST(Pdq, FlatPictureHasQualityZero) {
  std::vector<float> luma(64 * 64, 200.0f);
  const auto r = pdq_from_luma(luma, 64, 64);
  EXPECT_FALSE(r.too_small);
  EXPECT_EQ(r.quality, 0);
}

TEST(Pdq, PipelineNamesParse) {
  EXPECT_EQ(parse_pdq_pipeline("canonical"), PdqPipeline::kCanonical);
  EXPECT_EQ(parse_pdq_pipeline("cli512"), PdqPipeline::kCli512);
  EXPECT_FALSE(parse_pdq_pipeline("fast").has_value());
  EXPECT_EQ(pdq_pipeline_name(PdqPipeline::kCli512), "pdq-cli512");
}

}  // namespace
}  // namespace vigil::phash
