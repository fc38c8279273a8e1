// The optimised PDQ core against a plain restatement of the algorithm (reference memory layout,
// no strips, no streaming, no tables), bit for bit, on sizes the vectors do not cover: 5 px
// sides, very narrow and very flat pictures, heights that are not multiples of the strip height.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "vigil/phash/pdq.hpp"

namespace vigil::phash {
namespace {

void plain_box(const float* in, float* out, int length, int stride, int window) {
  const int half = (window + 2) / 2;
  int li = 0, ri = 0, oi = 0, count = 0;
  float sum = 0.0f;
  for (int i = 0; i < half - 1; ++i, ri += stride) {
    sum += in[ri];
    ++count;
  }
  for (int i = 0; i < window - half + 1; ++i, ri += stride, oi += stride) {
    sum += in[ri];
    ++count;
    out[oi] = sum / static_cast<float>(count);
  }
  for (int i = 0; i < length - window; ++i, ri += stride, li += stride, oi += stride) {
    sum += in[ri];
    sum -= in[li];
    out[oi] = sum / static_cast<float>(count);
  }
  for (int i = 0; i < half - 1; ++i, li += stride, oi += stride) {
    sum -= in[li];
    --count;
    out[oi] = sum / static_cast<float>(count);
  }
}

PdqResult plain_pdq(std::vector<float> a, int w, int h) {
  std::vector<float> b(a.size());
  const int wr = (w + 127) / 128, wc = (h + 127) / 128;
  for (int rep = 0; rep < 2; ++rep) {
    for (int y = 0; y < h; ++y) plain_box(&a[y * w], &b[y * w], w, 1, wr);
    for (int x = 0; x < w; ++x) plain_box(&b[x], &a[x], h, w, wc);
  }
  float d64[64][64];
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 64; ++j)
      d64[i][j] =
          a[static_cast<int>(((i + 0.5) * h) / 64) * w + static_cast<int>(((j + 0.5) * w) / 64)];
  int grad = 0;
  for (int i = 0; i < 63; ++i)
    for (int j = 0; j < 64; ++j)
      grad += std::abs(static_cast<int>(((d64[i][j] - d64[i + 1][j]) * 100.0f) / 255.0f));
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 63; ++j)
      grad += std::abs(static_cast<int>(((d64[i][j] - d64[i][j + 1]) * 100.0f) / 255.0f));
  float dct[16][64];
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 64; ++j)
      dct[i][j] = static_cast<float>(std::sqrt(2.0 / 64) *
                                     std::cos((std::numbers::pi / 2 / 64) * (i + 1) * (2 * j + 1)));
  float t[16][64], blk[16][16];
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 64; ++j) {
      float s = 0.0f;
      for (int k = 0; k < 64; ++k) s += dct[i][k] * d64[k][j];
      t[i][j] = s;
    }
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) {
      float s = 0.0f;
      for (int k = 0; k < 64; ++k) s += t[i][k] * dct[j][k];
      blk[i][j] = s;
    }
  std::vector<float> sorted(&blk[0][0], &blk[0][0] + 256);
  std::sort(sorted.begin(), sorted.end());
  PdqResult r;
  r.quality = std::min(grad / 90, 100);
  for (int k = 0; k < 256; ++k)
    if (blk[k / 16][k % 16] > sorted[127]) set_pdq_bit(r.hash, k);
  return r;
}

TEST(PdqPlain, OptimisedCoreGivesThePlainBitsOnOddSizes) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> noise(-30.0f, 30.0f);
  PdqHasher hasher;
  const std::pair<int, int> sizes[] = {{5, 5},     {5, 300},  {300, 5},  {17, 33},   {64, 64},
                                       {129, 257}, {1000, 7}, {7, 1000}, {385, 241}, {640, 17}};
  for (auto [w, h] : sizes) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
    std::vector<float> luma(static_cast<std::size_t>(w) * h);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        luma[static_cast<std::size_t>(y) * w + x] =
            std::clamp(128.0f +
                           90.0f * std::sin(static_cast<float>(x) * 0.07f) *
                               std::cos(static_cast<float>(y) * 0.05f) +
                           noise(rng),
                       0.0f, 255.0f);
    const PdqResult fast = hasher.hash_luma(luma, w, h);
    const PdqResult plain = plain_pdq(luma, w, h);
    EXPECT_EQ(fast.hash.to_hex(), plain.hash.to_hex());
    EXPECT_EQ(fast.quality, plain.quality);
  }
}

}  // namespace
}  // namespace vigil::phash
