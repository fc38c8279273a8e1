// The picture finder measures each picture by its own structure.
#include "pictures.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace vigil::plugins::documents {
namespace {

using fixtures::Bytes;

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A minimal GIF89a: 1x1, global colour table of 2, one image, trailer.
Bytes tiny_gif() {
  return {'G', 'I',  'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0,    0,    0, 255, 255,
          255, 0x2C, 0,   0,   0,   0,   1, 0, 1, 0, 0,    2, 2, 0x44, 0x01, 0, 0x3B};
}

// A 2x1 24-bit BMP (BITMAPINFOHEADER, rows padded to 4 bytes).
Bytes tiny_bmp() {
  return {'B', 'M', 62, 0, 0, 0, 0, 0,  0, 0, 54, 0, 0, 0, 40, 0, 0, 0, 2, 0, 0,
          0,   1,   0,  0, 0, 1, 0, 24, 0, 0, 0,  0, 0, 8, 0,  0, 0, 0, 0, 0, 0,
          0,   0,   0,  0, 0, 0, 0, 0,  0, 0, 0,  0, 1, 2, 3,  4, 5, 6, 0, 0};
}

TEST(Pictures, FindsEveryKindBetweenFiller) {
  const Bytes jpeg = fixtures::synthetic_jpeg(80, 60, 1);
  const Bytes png = fixtures::synthetic_png(30, 20, 2);
  const Bytes data = concat({Bytes(10, 0xFF), jpeg, Bytes(7, 'B'), png, Bytes(3, 0x89), tiny_gif(),
                             Bytes(5, 'G'), tiny_bmp(), Bytes(9, 0)});
  const auto scan = find_pictures(data);
  ASSERT_EQ(scan.pictures.size(), 4U);
  EXPECT_TRUE(scan.truncated.empty());
  EXPECT_EQ(scan.pictures[0].kind, PictureKind::kJpeg);
  EXPECT_EQ(scan.pictures[0].offset, 10U);
  EXPECT_EQ(scan.pictures[0].size, jpeg.size());
  EXPECT_EQ(scan.pictures[1].kind, PictureKind::kPng);
  EXPECT_EQ(scan.pictures[1].size, png.size());
  EXPECT_EQ(scan.pictures[2].kind, PictureKind::kGif);
  EXPECT_EQ(scan.pictures[2].size, tiny_gif().size());
  EXPECT_EQ(scan.pictures[3].kind, PictureKind::kBmp);
  EXPECT_EQ(scan.pictures[3].size, 62U);
}

TEST(Pictures, TruncatedPicturesAreReportedNotFound) {
  const Bytes jpeg = fixtures::synthetic_jpeg(80, 60, 3);
  const Bytes png = fixtures::synthetic_png(30, 20, 4);
  for (const auto& whole : {jpeg, png}) {
    const Bytes cut(whole.begin(), whole.end() - 20);
    const auto scan = find_pictures(cut);
    EXPECT_TRUE(scan.pictures.empty());
    EXPECT_EQ(scan.truncated.size(), 1U);
  }
}

TEST(Pictures, SignaturesAloneAreNotPictures) {
  const Bytes noise = {0xFF, 0xD8, 0xFF, 0xE0, 0,   1,   0x89, 'P', 'N', 'G', '\r',
                       '\n', 0x1A, '\n', 0,    0,   0,   13,   'I', 'H', 'D', 'R',
                       'G',  'I',  'F',  '8',  '9', 'a', 'B',  'M', 0,   0};
  const auto scan = find_pictures(noise);
  EXPECT_TRUE(scan.pictures.empty());
  EXPECT_TRUE(scan.truncated.empty());
}

TEST(Pictures, OverlappingHeadersCannotMakeTheSearchQuadratic) {
  // k JPEG starts whose first segment skips to one shared chain of m tiny COM segments: each
  // candidate would walk the whole chain (k * m steps); the step budget stops the search.
  constexpr std::size_t k = 10000;
  constexpr std::size_t m = 100000;
  Bytes data;
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t length = 6 * k - 6 * i - 4;
    data.insert(data.end(), {0xFF, 0xD8, 0xFF, 0xFE, static_cast<std::uint8_t>(length >> 8U),
                             static_cast<std::uint8_t>(length & 0xFFU)});
  }
  for (std::size_t j = 0; j < m; ++j) data.insert(data.end(), {0xFF, 0xFE, 0x00, 0x02});
  const auto scan = find_pictures(data);
  EXPECT_TRUE(scan.out_of_work);
  EXPECT_TRUE(scan.pictures.empty());
  EXPECT_LT(scan.stopped_at, 6 * k);
}

TEST(Pictures, ManyRealPicturesStayWithinTheBudget) {
  const Bytes jpeg = fixtures::synthetic_jpeg(40, 30, 6);
  Bytes data;
  for (int i = 0; i < 200; ++i) data.insert(data.end(), jpeg.begin(), jpeg.end());
  const auto scan = find_pictures(data);
  EXPECT_FALSE(scan.out_of_work);
  EXPECT_EQ(scan.pictures.size(), 200U);
}

TEST(Pictures, PngWithADamagedChunkCrcIsFlagged) {
  Bytes png = fixtures::synthetic_png(30, 20, 5);
  png[png.size() - 20] ^= 0x55U;  // inside the last IDAT
  const auto scan = find_pictures(png);
  ASSERT_EQ(scan.pictures.size(), 1U);
  EXPECT_TRUE(scan.pictures[0].crc_mismatch);
}

}  // namespace
}  // namespace vigil::plugins::documents
