#include "vigil/phash/image_header.hpp"

#include <gtest/gtest.h>

#include <random>

#include "test_pictures.hpp"

namespace vigil::phash {
namespace {

using testing::draw_picture;
using testing::encode;

struct Case {
  std::string ext;
  ImageFormat format;
};

TEST(ImageHeader, ReadsTheSizeOfEveryFormat) {
  const cv::Mat img = draw_picture(123, 45);
  for (const Case& c : {Case{".jpg", ImageFormat::kJpeg}, Case{".png", ImageFormat::kPng},
                        Case{".bmp", ImageFormat::kBmp}, Case{".tiff", ImageFormat::kTiff},
                        Case{".webp", ImageFormat::kWebp}}) {
    SCOPED_TRACE(c.ext);
    const auto bytes = encode(img, c.ext);
    ASSERT_FALSE(bytes.empty());
    auto h = read_image_header(bytes);
    ASSERT_TRUE(h.ok()) << h.error().describe();
    EXPECT_EQ(h->format, c.format);
    EXPECT_EQ(h->width, 123u);
    EXPECT_EQ(h->height, 45u);
  }
  // Lossless WebP (VP8L) and GIF.
  auto lossless = read_image_header(encode(img, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101}));
  ASSERT_TRUE(lossless.ok());
  EXPECT_EQ(lossless->width, 123u);
  EXPECT_EQ(lossless->height, 45u);
  auto gif = read_image_header(testing::encode_gif(img));
  ASSERT_TRUE(gif.ok());
  EXPECT_EQ(gif->format, ImageFormat::kGif);
  EXPECT_EQ(gif->width, 123u);
}

TEST(ImageHeader, EveryTruncationIsAnErrorOrTheTrueSize) {
  const cv::Mat img = draw_picture(64, 40);
  for (const std::string ext : {".jpg", ".png", ".bmp", ".tiff", ".webp"}) {
    SCOPED_TRACE(ext);
    const auto bytes = encode(img, ext);
    for (std::size_t n = 0; n < std::min<std::size_t>(bytes.size(), 2048); ++n) {
      auto h = read_image_header(std::span(bytes.data(), n));
      if (h.ok()) {
        EXPECT_EQ(h->width, 64u);
        EXPECT_EQ(h->height, 40u);
      } else {
        EXPECT_TRUE(h.error().code == ErrorCode::kCorrupt ||
                    h.error().code == ErrorCode::kUnsupported);
      }
    }
  }
}

TEST(ImageHeader, GarbageIsUnsupportedNotACrash) {
  std::mt19937 rng(7);
  std::vector<std::uint8_t> bytes(512);
  for (int round = 0; round < 200; ++round) {
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    // Half the rounds keep a valid signature so the parsers themselves see the garbage.
    static const char* kMagic[] = {"\xff\xd8\xff", "\x89PNG\r\n\x1a\n", "GIF89a", "BM", "II*", "MM",
                                   "RIFF"};
    if (round % 2 == 0) {
      const char* m = kMagic[(round / 2) % 7];
      std::memcpy(bytes.data(), m, std::strlen(m));
      if (round % 14 == 12) std::memcpy(bytes.data() + 8, "WEBPVP8X", 8);
    }
    auto h = read_image_header(bytes);
    if (h.ok()) {
      EXPECT_GT(h->width, 0u);
      EXPECT_GT(h->height, 0u);
    }
  }
  EXPECT_EQ(read_image_header({}).error().code, ErrorCode::kUnsupported);
  const std::string text = "# just a README\n";
  EXPECT_EQ(
      read_image_header(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()))
          .error()
          .code,
      ErrorCode::kUnsupported);
}

std::vector<std::uint8_t> bytes_of(std::initializer_list<int> v) {
  std::vector<std::uint8_t> out;
  for (int b : v) out.push_back(static_cast<std::uint8_t>(b));
  return out;
}

TEST(ImageHeader, HandMadeHeaders) {
  // PNG claiming 100,000 x 100,000 pixels.
  auto png =
      bytes_of({0x89, 'P',  'N',  'G',  0x0d, 0x0a, 0x1a, 0x0a, 0,    0, 0, 13, 'I', 'H', 'D',
                'R',  0x00, 0x01, 0x86, 0xa0, 0x00, 0x01, 0x86, 0xa0, 8, 2, 0,  0,   0});
  auto h = read_image_header(png);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->pixels(), 10'000'000'000u);
  // JPEG with fill bytes, an APP0 segment, then SOF2 of 300 x 200; then one whose height is 0.
  auto jpeg = bytes_of({0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xff, 0xc2,
                        0x00, 0x0b, 0x08, 0x00, 0xc8, 0x01, 0x2c, 0x01, 0x01, 0x11, 0x00});
  h = read_image_header(jpeg);
  ASSERT_TRUE(h.ok()) << h.error().describe();
  EXPECT_EQ(h->width, 300u);
  EXPECT_EQ(h->height, 200u);
  jpeg[15] = 0;  // Y = 0: height given by DNL
  EXPECT_EQ(read_image_header(jpeg).error().code, ErrorCode::kUnsupported);
  // JPEG that reaches SOS without a frame header.
  EXPECT_EQ(read_image_header(bytes_of({0xff, 0xd8, 0xff, 0xda, 0x00, 0x02})).error().code,
            ErrorCode::kCorrupt);
  // BMP, top-down (negative height), 7 x 3.
  auto bmp = bytes_of({'B', 'M', 0, 0, 0, 0, 0, 0, 0, 0,    54,   0,    0,
                       0,   40,  0, 0, 0, 7, 0, 0, 0, 0xfd, 0xff, 0xff, 0xff});
  h = read_image_header(bmp);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->height, 3u);
  bmp[18] = 0;  // width 0
  EXPECT_EQ(read_image_header(bmp).error().code, ErrorCode::kCorrupt);
  // Big-endian TIFF: one IFD with ImageWidth SHORT 513 and ImageLength LONG 70000.
  auto tiff = bytes_of({'M', 'M', 0, 42, 0,    0,    0,    8,    0, 2,    0x01, 0x00, 0,
                        3,   0,   0, 0,  1,    0x02, 0x01, 0,    0, 0x01, 0x01, 0,    4,
                        0,   0,   0, 1,  0x00, 0x01, 0x11, 0x70, 0, 0,    0,    0});
  h = read_image_header(tiff);
  ASSERT_TRUE(h.ok()) << h.error().describe();
  EXPECT_EQ(h->width, 513u);
  EXPECT_EQ(h->height, 70000u);
  tiff[7] = 200;  // IFD offset past the end
  EXPECT_EQ(read_image_header(tiff).error().code, ErrorCode::kCorrupt);
  // WebP VP8X with a 16384 x 16384 canvas.
  auto webp = bytes_of({'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E',  'B',  'P',  'V',  'P',  '8',
                        'X', 10,  0,   0,   0, 0, 0, 0, 0,   0xff, 0x3f, 0x00, 0xff, 0x3f, 0x00});
  h = read_image_header(webp);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->width, 16384u);
  // GIF logical screen of 0 x 5.
  EXPECT_EQ(read_image_header(bytes_of({'G', 'I', 'F', '8', '9', 'a', 0, 0, 5, 0})).error().code,
            ErrorCode::kCorrupt);
  // HEIF is recognised but its size is not read here.
  auto heic = bytes_of({0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0});
  EXPECT_EQ(sniff_image_format(heic), ImageFormat::kHeif);
}

}  // namespace
}  // namespace vigil::phash
