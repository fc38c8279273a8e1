#include "vigil/phash/decode.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "test_pictures.hpp"
#include "vigil/phash/pdq.hpp"

namespace vigil::phash {
namespace {

using testing::draw_picture;
using testing::encode;

TEST(Decode, EveryFormatDecodesFromMemory) {
  const cv::Mat img = draw_picture(120, 90);
  for (const std::string ext : {".jpg", ".png", ".bmp", ".tiff", ".webp"}) {
    SCOPED_TRACE(ext);
    auto d = decode_image(encode(img, ext));
    ASSERT_TRUE(d.ok()) << d.error().describe();
    EXPECT_EQ(d->width(), 120);
    EXPECT_EQ(d->height(), 90);
    EXPECT_EQ(d->bgr.type(), CV_8UC3);
    EXPECT_TRUE(d->bgr.isContinuous());
  }
  // Lossless formats give back the very pixels.
  auto png = decode_image(encode(img, ".png"));
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(cv::norm(png->bgr, img, cv::NORM_INF), 0.0);
}

TEST(Decode, GifFirstFrameOnly) {
  const cv::Mat img = draw_picture(50, 30);
  auto gif = testing::encode_gif(img, 3);
  auto d = decode_image(gif);
  ASSERT_TRUE(d.ok()) << d.error().describe();
  EXPECT_EQ(d->header.format, ImageFormat::kGif);
  EXPECT_EQ(d->width(), 50);
  // Quantised to 51-steps: every channel within 51 of the drawing.
  EXPECT_LE(cv::norm(d->bgr, img, cv::NORM_INF), 51.0);
  // Frames after the first are never read: cut the file in the middle of frame 3.
  auto single = testing::encode_gif(img, 1);
  std::vector<std::uint8_t> cut(
      gif.begin(),
      gif.begin() + static_cast<long>(single.size() + (gif.size() - single.size()) / 2));
  auto c = decode_image(cut);
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_EQ(cv::norm(c->bgr, d->bgr, cv::NORM_INF), 0.0);
  // A GIF cut inside its first frame is an error.
  std::vector<std::uint8_t> early(gif.begin(), gif.begin() + 900);
  EXPECT_FALSE(decode_image(early).ok());
}

TEST(Decode, PixelCapRefusesBeforeDecoding) {
  const cv::Mat img = draw_picture(200, 100);
  const auto png = encode(img, ".png");
  auto d = decode_image(png, DecodeLimits{19'999});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, ErrorCode::kLimit);
  EXPECT_TRUE(decode_image(png, DecodeLimits{20'000}).ok());
  auto gif = decode_image(testing::encode_gif(img), DecodeLimits{100});
  ASSERT_FALSE(gif.ok());
  EXPECT_EQ(gif.error().code, ErrorCode::kLimit);
}

TEST(Decode, CorruptBytesAreErrorsNeverPictures) {
  const cv::Mat img = draw_picture(80, 60);
  for (const std::string ext : {".png", ".webp", ".tiff", ".bmp"}) {
    SCOPED_TRACE(ext);
    auto bytes = encode(img, ext);
    // Header intact, body cut short.
    bytes.resize(64);
    auto d = decode_image(bytes);
    EXPECT_FALSE(d.ok());
    if (!d.ok()) {
      EXPECT_NE(d.error().code, ErrorCode::kInternal);
    }
  }
  auto jpeg = encode(img, ".jpg");
  jpeg.resize(20);
  EXPECT_FALSE(decode_image(jpeg).ok());
}

TEST(Decode, TruncatedJpegIsAnErrorUnlessAccepted) {
  const auto jpeg = encode(draw_picture(320, 240), ".jpg");
  // An EXIF-like APP1 segment holding a thumbnail's own SOI/EOI must not count as the end.
  std::vector<std::uint8_t> with_app1 = {0xff, 0xd8, 0xff, 0xe1, 0x00, 0x0c, 'E',  'x',
                                         'i',  'f',  0,    0,    0xff, 0xd8, 0xff, 0xd9};
  with_app1.insert(with_app1.end(), jpeg.begin() + 2, jpeg.end());
  ASSERT_TRUE(decode_image(with_app1).ok());
  for (const std::vector<std::uint8_t>* whole :
       {&jpeg, static_cast<const std::vector<std::uint8_t>*>(&with_app1)}) {
    std::vector<std::uint8_t> cut(whole->begin(),
                                  whole->begin() + static_cast<long>(whole->size() * 2 / 3));
    auto d = decode_image(cut);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, ErrorCode::kCorrupt);
    DecodeLimits lenient;
    lenient.accept_truncated_jpeg = true;
    auto partial = decode_image(cut, lenient);
    ASSERT_TRUE(partial.ok()) << partial.error().describe();
    EXPECT_TRUE(partial->truncated);
  }
  // Bytes after the end marker (appended data) are fine.
  std::vector<std::uint8_t> trailing = jpeg;
  trailing.insert(trailing.end(), 100, 0x55);
  auto t = decode_image(trailing);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->truncated);
}

// A text file among the pictures (the PDQ reference hashes one as all zeros, ThreatExchange issue
// #301): vigil must call it undecodable, never hash it. The bytes are our own.
TEST(Decode, TextFileAmongPicturesIsADecodeError) {
  const std::string text =
      "# Notes on the pictures in this folder\n\n"
      "Each file was saved in a different colour mode from the same photograph.\n"
      "| file | mode |\n| --- | --- |\n| a.png | grey |\n| b.webp | palette |\n";
  const std::vector<std::uint8_t> bytes(text.begin(), text.end());
  auto d = decode_image(bytes);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, ErrorCode::kUnsupported);
}

TEST(Decode, OnePixelPictureDecodesButGetsNoPdqHash) {
  const cv::Mat img(1, 1, CV_8UC3, cv::Scalar(10, 20, 30));
  auto d = decode_image(encode(img, ".png"));
  ASSERT_TRUE(d.ok());
  PdqHasher hasher;
  const auto r = hasher.hash_bgr(d->bgr.data, d->width(), d->height(), d->bgr.step[0]);
  EXPECT_TRUE(r.too_small);
  EXPECT_EQ(r.quality, 0);
}

}  // namespace
}  // namespace vigil::phash
