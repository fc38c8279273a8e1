// Holds the BMP, TIFF and WebP decoders (src/codecs.hpp) to OpenCV 4.6's cv::imdecode(IMREAD_COLOR
// | IMREAD_IGNORE_ORIENTATION): for every input, both give the same pixels byte for byte, or
// both fail. BMP variants OpenCV cannot write are written here by hand; TIFFs come from
// cv::imencode and from libtiff directly (tiles, palette, JPEG); pictures are synthetic.
#include <gtest/gtest.h>
#include <tiffio.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "../src/codecs.hpp"
#include "test_pictures.hpp"

namespace vigil::phash::detail {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Decoder = Result<cv::Mat> (*)(std::span<const std::uint8_t>, const DecodeLimits&,
                                    DecoderNotes&);

cv::Mat oracle(const Bytes& bytes) {
  if (bytes.empty()) return {};
  try {
    const cv::Mat buf(1, static_cast<int>(bytes.size()), CV_8U,
                      const_cast<std::uint8_t*>(bytes.data()));
    return cv::imdecode(buf, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  } catch (const cv::Exception&) {
    return {};  // imdecode throws for sizes above its limits: a refusal all the same
  }
}

// Returns true when both decoded (and were compared), false when both failed.
bool expect_same(Decoder decode, const Bytes& bytes, const DecodeLimits& limits = {}) {
  DecoderNotes notes;
  auto mine = decode(bytes, limits, notes);
  const cv::Mat ref = oracle(bytes);
  if (ref.empty()) {
    EXPECT_FALSE(mine.ok()) << "OpenCV refused the input, the decoder gave a picture";
    return false;
  }
  EXPECT_TRUE(mine.ok()) << "OpenCV decoded the input, the decoder said: "
                         << mine.error().describe();
  if (!mine.ok()) return false;
  const cv::Mat& got = *mine;
  EXPECT_EQ(got.type(), CV_8UC3);
  EXPECT_TRUE(got.isContinuous());
  EXPECT_EQ(got.size(), ref.size());
  EXPECT_EQ(ref.type(), CV_8UC3);
  if (got.size() == ref.size() && got.type() == ref.type()) {
    EXPECT_EQ(cv::norm(got, ref, cv::NORM_INF), 0.0);
  }
  return true;
}

// ---------------------------------------------------------------------------------------- BMP

void put16(Bytes& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32(Bytes& b, std::uint32_t v) {
  put16(b, v & 0xffff);
  put16(b, v >> 16);
}

struct Bmp {
  int header = 40;  // 12 (OS/2 core), 40, 108 (V4), 124 (V5)
  int width = 0;
  int height = 0;  // negative: top-down
  int bpp = 24;
  std::uint32_t compression = 0;
  std::uint32_t clr_used = 0;
  std::vector<std::array<std::uint8_t, 3>> palette;  // B,G,R
  std::vector<std::uint32_t> masks;                  // written after the header (R,G,B)
  Bytes pixels;
};

Bytes write_bmp(const Bmp& s) {
  Bytes h;
  const std::size_t entry = s.header == 12 ? 3 : 4;
  const std::uint32_t offset =
      static_cast<std::uint32_t>(14 + s.header + 4 * s.masks.size() + entry * s.palette.size());
  h.push_back('B');
  h.push_back('M');
  put32(h, static_cast<std::uint32_t>(offset + s.pixels.size()));
  put32(h, 0);
  put32(h, offset);
  put32(h, static_cast<std::uint32_t>(s.header));
  if (s.header == 12) {
    put16(h, static_cast<std::uint32_t>(s.width));
    put16(h, static_cast<std::uint32_t>(s.height));
    put16(h, 1);
    put16(h, static_cast<std::uint32_t>(s.bpp));
  } else {
    put32(h, static_cast<std::uint32_t>(s.width));
    put32(h, static_cast<std::uint32_t>(s.height));
    put16(h, 1);
    put16(h, static_cast<std::uint32_t>(s.bpp));
    put32(h, s.compression);
    put32(h, static_cast<std::uint32_t>(s.pixels.size()));
    put32(h, 2835);
    put32(h, 2835);
    put32(h, s.clr_used);
    put32(h, 0);
    // V4/V5: masks inside the header too (which OpenCV does not read), then zeros.
    for (int i = 40; i < s.header; i += 4)
      put32(h, i < 52 && s.masks.size() == 3 ? s.masks[(i - 40) / 4] : 0);
  }
  for (auto m : s.masks) put32(h, m);
  for (const auto& p : s.palette) {
    h.insert(h.end(), p.begin(), p.end());
    if (entry == 4) h.push_back(0);
  }
  h.insert(h.end(), s.pixels.begin(), s.pixels.end());
  return h;
}

// Rows in file order, each padded to 4 bytes; value(x, row) is a palette index or a packed
// pixel of `bpp` bits (little-endian for 16/24/32).
Bytes pack_rows(int width, int rows, int bpp, const std::function<std::uint32_t(int, int)>& value) {
  Bytes out;
  const std::size_t pitch = ((static_cast<std::size_t>(width) * bpp + 7) / 8 + 3) & ~std::size_t{3};
  for (int y = 0; y < rows; ++y) {
    Bytes row(pitch, 0);
    for (int x = 0; x < width; ++x) {
      const std::uint32_t v = value(x, y);
      if (bpp < 8) {
        const int bit = x * bpp;
        row[bit / 8] |= static_cast<std::uint8_t>(v << (8 - bpp - bit % 8));
      } else {
        for (int k = 0; k < bpp / 8; ++k)
          row[x * bpp / 8 + k] = static_cast<std::uint8_t>(v >> (8 * k));
      }
    }
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

std::vector<std::array<std::uint8_t, 3>> make_palette(int n, int seed = 1) {
  std::vector<std::array<std::uint8_t, 3>> p(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    p[i] = {static_cast<std::uint8_t>((i * 37 + seed * 11) & 255),
            static_cast<std::uint8_t>((i * 91 + 50) & 255),
            static_cast<std::uint8_t>((255 - i * 13) & 255)};
  return p;
}

std::uint32_t noise(int x, int y, int seed = 0) {
  std::uint32_t v = static_cast<std::uint32_t>(x) * 73856093u ^
                    static_cast<std::uint32_t>(y) * 19349663u ^
                    static_cast<std::uint32_t>(seed) * 83492791u;
  v ^= v >> 13;
  v *= 0x5bd1e995u;
  return v ^ (v >> 15);
}

TEST(CodecsBmp, OpenCvWrittenBmpsEqual) {
  for (int w : {1, 2, 3, 5, 97, 120}) {
    SCOPED_TRACE(w);
    const cv::Mat img = testing::draw_picture(w, 37, w);
    EXPECT_TRUE(expect_same(decode_bmp, testing::encode(img, ".bmp")));
    cv::Mat grey;
    cv::cvtColor(img, grey, cv::COLOR_BGR2GRAY);
    EXPECT_TRUE(expect_same(decode_bmp, testing::encode(grey, ".bmp")));  // 8-bit palette
  }
}

TEST(CodecsBmp, TwentyFourBitBottomUpAndTopDown) {
  for (int w : {1, 3, 6, 33}) {
    for (int h : {17, -17}) {
      SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
      Bmp s;
      s.width = w;
      s.height = h;
      s.pixels = pack_rows(w, 17, 24, [](int x, int y) { return noise(x, y) & 0xffffff; });
      EXPECT_TRUE(expect_same(decode_bmp, write_bmp(s)));
    }
  }
}

TEST(CodecsBmp, PaletteDepths) {
  for (int bpp : {1, 4, 8}) {
    for (int w : {1, 7, 9, 31, 64}) {
      for (std::uint32_t used : {0u, 2u, 3u}) {
        SCOPED_TRACE("bpp " + std::to_string(bpp) + " width " + std::to_string(w) + " used " +
                     std::to_string(used));
        Bmp s;
        s.bpp = bpp;
        s.width = w;
        s.height = (w % 2 != 0) ? 11 : -11;
        s.clr_used = used;
        s.palette = make_palette(used == 0 ? 1 << bpp : static_cast<int>(used), bpp);
        // Indices past clrUsed are black in OpenCV's reader.
        s.pixels =
            pack_rows(w, 11, bpp, [&](int x, int y) { return noise(x, y, bpp) % (1u << bpp); });
        EXPECT_TRUE(expect_same(decode_bmp, write_bmp(s)));
      }
    }
  }
}

TEST(CodecsBmp, GreyPaletteAndV4V5Headers) {
  for (int header : {40, 108, 124}) {
    SCOPED_TRACE(header);
    Bmp s;
    s.header = header;
    s.bpp = 8;
    s.width = 13;
    s.height = 9;
    for (int i = 0; i < 256; ++i) {
      const auto v = static_cast<std::uint8_t>(i);
      s.palette.push_back({v, v, v});
    }
    s.pixels = pack_rows(13, 9, 8, [](int x, int y) { return noise(x, y) & 255; });
    EXPECT_TRUE(expect_same(decode_bmp, write_bmp(s)));
    Bmp t = s;
    t.bpp = 24;
    t.palette.clear();
    t.pixels = pack_rows(13, 9, 24, [](int x, int y) { return noise(x, y, 3) & 0xffffff; });
    EXPECT_TRUE(expect_same(decode_bmp, write_bmp(t)));
  }
}

TEST(CodecsBmp, SixteenBit555And565) {
  for (int w : {1, 3, 10, 21}) {
    SCOPED_TRACE(w);
    Bmp s;
    s.bpp = 16;
    s.width = w;
    s.height = -8;
    s.pixels = pack_rows(w, 8, 16, [](int x, int y) { return noise(x, y, 5) & 0xffff; });
    EXPECT_TRUE(expect_same(decode_bmp, write_bmp(s)));  // BI_RGB: 5-5-5
    s.compression = 3;
    s.masks = {0xf800, 0x07e0, 0x001f};
    s.height = 8;
    EXPECT_TRUE(expect_same(decode_bmp, write_bmp(s)));  // 5-6-5
    s.masks = {0x7c00, 0x03e0, 0x001f};
    EXPECT_TRUE(expect_same(decode_bmp, write_bmp(s)));  // 5-5-5 by masks
    s.masks = {0x0f00, 0x00f0, 0x000f};
    EXPECT_FALSE(expect_same(decode_bmp, write_bmp(s)));  // 4-4-4: refused by both
    for (int header : {108, 124}) {  // masks inside a V4/V5 header are not read by OpenCV
      s.header = header;
      s.masks = {0xf800, 0x07e0, 0x001f};
      expect_same(decode_bmp, write_bmp(s));
    }
  }
}

TEST(CodecsBmp, ThirtyTwoBitRgbAndBitfields) {
  for (int w : {1, 4, 19}) {
    SCOPED_TRACE(w);
    Bmp s;
    s.bpp = 32;
    s.width = w;
    s.height = 6;
    s.pixels = pack_rows(w, 6, 32, [](int x, int y) { return noise(x, y, 7); });
    EXPECT_TRUE(expect_same(decode_bmp, write_bmp(s)));
    s.compression = 3;
    s.masks = {0x00ff0000, 0x0000ff00, 0x000000ff};
    EXPECT_TRUE(expect_same(decode_bmp, write_bmp(s)));
    s.masks = {0x000000ff, 0x0000ff00, 0x00ff0000};  // other masks: OpenCV ignores them
    s.height = -6;
    EXPECT_TRUE(expect_same(decode_bmp, write_bmp(s)));
  }
}

TEST(CodecsBmp, Os2CoreHeader) {
  for (int bpp : {1, 4, 8, 24, 32}) {
    SCOPED_TRACE(bpp);
    Bmp s;
    s.header = 12;
    s.bpp = bpp;
    s.width = 23;
    s.height = 7;
    if (bpp <= 8) s.palette = make_palette(1 << bpp, 4);
    s.pixels = pack_rows(23, 7, bpp, [&](int x, int y) {
      return bpp <= 8 ? noise(x, y) % (1u << bpp) : noise(x, y) & (bpp == 24 ? 0xffffffu : ~0u);
    });
    EXPECT_TRUE(expect_same(decode_bmp, write_bmp(s)));
  }
}

// RLE streams: pairs of bytes as the BMP documents define them.
Bytes rle8_stream() {
  return {// row 0 (width 10): run 4 of 1, absolute 3 (padded), run 3 of 5 -> 10 pixels, end of line
          4, 1, 0, 3, 2, 3, 4, 0, 3, 5, 0, 0,
          // row 1: a run filling the line exactly, then an end of line that is ignored
          10, 7, 0, 0,
          // row 2: delta (2, 1) -> to row 3 column 2; run 3 of 9; end of line
          0, 2, 2, 1, 3, 9, 0, 0,
          // row 4: absolute 10 to the end of the line, end of line
          0, 10, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 0, 0,
          // row 5: run 2 of 200, delta past the end of the line (8 + 3 -> row 6 column 1)
          2, 200, 0, 2, 11, 0, 1, 201,
          // end of bitmap: the rest is palette entry 0
          0, 1};
}

Bytes rle4_stream() {
  return {// row 0 (width 11): run 5 of nibbles 1,2; absolute 5 nibbles (3 bytes padded to 4); run 1
          5, 0x12, 0, 5, 0x34, 0x56, 0x70, 0, 1, 0xab, 0, 0,
          // row 1: run 11 fills the line (no wrap), end of line moves on
          11, 0xcd, 0, 0,
          // row 2: delta (3, 2): only dx counts; run 4; end of line
          0, 2, 3, 2, 4, 0xef, 0, 0,
          // row 3: end of bitmap ends only this line
          2, 0x99, 0, 1,
          // row 4: absolute 3, end of line -> done
          0, 3, 0x21, 0x30, 0, 0};
}

Bmp rle_bmp(int bpp, Bytes data, int width, int height) {
  Bmp s;
  s.bpp = bpp;
  s.compression = bpp == 8 ? 1 : 2;
  s.width = width;
  s.height = height;
  s.palette = make_palette(1 << bpp, 9);
  s.pixels = std::move(data);
  return s;
}

TEST(CodecsBmp, Rle8RunsAbsoluteDeltaEolEob) {
  for (int h : {8, -8}) {
    EXPECT_TRUE(expect_same(decode_bmp, write_bmp(rle_bmp(8, rle8_stream(), 10, h))));
  }
  // Without the end of bitmap the stream runs out before the last row: both fail.
  Bytes cut = rle8_stream();
  cut.resize(cut.size() - 2);
  EXPECT_FALSE(expect_same(decode_bmp, write_bmp(rle_bmp(8, cut, 10, 8))));
  // A run past the end of its line: both fail.
  EXPECT_FALSE(expect_same(decode_bmp, write_bmp(rle_bmp(8, {11, 3, 0, 1}, 10, 2))));
  // An absolute run reaching the end of the line, then a run without end of line: both fail.
  EXPECT_FALSE(
      expect_same(decode_bmp, write_bmp(rle_bmp(8, {0, 4, 1, 2, 3, 4, 1, 5, 0, 1}, 4, 2))));
  // End of bitmap at once: the whole picture is palette entry 0.
  EXPECT_TRUE(expect_same(decode_bmp, write_bmp(rle_bmp(8, {0, 1}, 5, 3))));
  // Runs that land exactly on line ends, end of line codes after each.
  EXPECT_TRUE(
      expect_same(decode_bmp, write_bmp(rle_bmp(8, {3, 1, 0, 0, 3, 2, 0, 0, 3, 3, 0, 0}, 3, 3))));
}

TEST(CodecsBmp, Rle4RunsAbsoluteDeltaEolEob) {
  for (int h : {5, -5}) {
    EXPECT_TRUE(expect_same(decode_bmp, write_bmp(rle_bmp(4, rle4_stream(), 11, h))));
  }
  // End of bitmap before the last row ends only the line: the stream then runs out.
  EXPECT_FALSE(expect_same(decode_bmp, write_bmp(rle_bmp(4, {2, 0x12, 0, 1}, 4, 3))));
  EXPECT_FALSE(expect_same(decode_bmp, write_bmp(rle_bmp(4, {5, 0x12, 0, 1}, 4, 1))));
  // A delta past the end of the line continues on the next one.
  EXPECT_TRUE(expect_same(decode_bmp,
                          write_bmp(rle_bmp(4, {1, 0x45, 0, 2, 5, 9, 2, 0x67, 0, 0, 0, 0}, 4, 3))));
}

TEST(CodecsBmp, TruncatedFilesFailLikeOpenCv) {
  Bmp s;
  s.width = 9;
  s.height = 5;
  s.pixels = pack_rows(9, 5, 24, [](int x, int y) { return noise(x, y) & 0xffffff; });
  const Bytes full = write_bmp(s);
  for (std::size_t n = 0; n < full.size(); n += 7) {
    SCOPED_TRACE(n);
    expect_same(decode_bmp, Bytes(full.begin(), full.begin() + static_cast<long>(n)));
  }
  // The last row's padding missing: OpenCV read whole rows, so this fails too.
  EXPECT_FALSE(expect_same(decode_bmp, Bytes(full.begin(), full.end() - 1)));
  for (auto bmp :
       {write_bmp(rle_bmp(8, rle8_stream(), 10, 8)), write_bmp(rle_bmp(4, rle4_stream(), 11, 5))}) {
    for (std::size_t n = 40; n < bmp.size(); ++n)
      expect_same(decode_bmp, Bytes(bmp.begin(), bmp.begin() + static_cast<long>(n)));
  }
}

TEST(CodecsBmp, HugeDeclaredSizeIsALimitBeforeAllocating) {
  Bmp s;
  s.width = 60000;
  s.height = -60000;
  s.pixels = {1, 2, 3, 4};
  DecoderNotes notes;
  auto r = decode_bmp(write_bmp(s), DecodeLimits{}, notes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimit);
  // Above OpenCV's own side limit but under the pixel cap: OpenCV refused it, so do we.
  s.width = (1 << 20) + 1;
  s.height = 1;
  auto wide = decode_bmp(write_bmp(s), DecodeLimits{}, notes);
  ASSERT_FALSE(wide.ok());
  EXPECT_EQ(wide.error().code, ErrorCode::kCorrupt);
}

TEST(CodecsBmp, GarbageAfterHeaderAndMutationsNeverDisagree) {
  std::mt19937 rng(1234);
  // Random bytes after 'BM'.
  for (int i = 0; i < 300; ++i) {
    Bytes b(static_cast<std::size_t>(2 + rng() % 300));
    for (auto& v : b) v = static_cast<std::uint8_t>(rng());
    b[0] = 'B';
    b[1] = 'M';
    expect_same(decode_bmp, b);
  }
  // Valid files of each kind with a few bytes changed, header and data alike.
  std::vector<Bytes> seeds = {write_bmp(rle_bmp(8, rle8_stream(), 10, 8)),
                              write_bmp(rle_bmp(4, rle4_stream(), 11, 5))};
  {
    Bmp s;
    s.bpp = 4;
    s.width = 7;
    s.height = 5;
    s.palette = make_palette(16);
    s.pixels = pack_rows(7, 5, 4, [](int x, int y) { return noise(x, y) & 15; });
    seeds.push_back(write_bmp(s));
    s.header = 12;
    seeds.push_back(write_bmp(s));
    Bmp t;
    t.bpp = 16;
    t.compression = 3;
    t.width = 5;
    t.height = 4;
    t.masks = {0xf800, 0x07e0, 0x001f};
    t.pixels = pack_rows(5, 4, 16, [](int x, int y) { return noise(x, y) & 0xffff; });
    seeds.push_back(write_bmp(t));
  }
  int disagreements = 0;
  for (const auto& seed : seeds) {
    for (int i = 0; i < 400; ++i) {
      Bytes b = seed;
      const int changes = 1 + static_cast<int>(rng() % 4);
      for (int c = 0; c < changes; ++c) {
        // Header bytes most of the time: sizes, depths, compression, offsets.
        const std::size_t at = (rng() % 3 != 0) ? 2 + rng() % 60 : rng() % b.size();
        if (at < b.size())
          b[at] = static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() : b[at] ^ (1u << (rng() % 8)));
      }
      if (rng() % 5 == 0) b.resize(b.size() - rng() % b.size() / 2);
      DecoderNotes notes;
      auto mine = decode_bmp(b, DecodeLimits{}, notes);
      const cv::Mat ref = oracle(b);
      const bool same = ref.empty() ? !mine.ok()
                                    : mine.ok() && mine->size() == ref.size() &&
                                          cv::norm(*mine, ref, cv::NORM_INF) == 0.0;
      if (!same && ++disagreements <= 3)
        ADD_FAILURE() << "disagreement on a mutated BMP of " << b.size() << " bytes; OpenCV "
                      << (ref.empty() ? "failed" : "decoded") << ", decoder "
                      << (mine.ok() ? "decoded" : mine.error().describe());
    }
  }
  EXPECT_EQ(disagreements, 0);
}

// --------------------------------------------------------------------------------------- TIFF

TEST(CodecsTiff, OpenCvWrittenTiffsEqual) {
  const cv::Mat img = testing::draw_picture(123, 77, 2);
  cv::Mat grey, bgra, img16, grey16;
  cv::cvtColor(img, grey, cv::COLOR_BGR2GRAY);
  cv::cvtColor(img, bgra, cv::COLOR_BGR2BGRA);
  for (int y = 0; y < bgra.rows; ++y)
    for (int x = 0; x < bgra.cols; ++x)
      bgra.at<cv::Vec4b>(y, x)[3] = static_cast<std::uint8_t>(x * 2);
  img.convertTo(img16, CV_16U, 257.0);
  cv::randu(img16(cv::Rect(0, 0, 40, 40)), 0, 65535);
  grey.convertTo(grey16, CV_16U, 251.0);
  for (const cv::Mat* m : std::vector<const cv::Mat*>{&img, &grey, &bgra, &img16, &grey16}) {
    for (int compression : {1, 5, 8, 32946}) {
      SCOPED_TRACE("type " + std::to_string(m->type()) + " compression " +
                   std::to_string(compression));
      const Bytes b = testing::encode(*m, ".tiff", {cv::IMWRITE_TIFF_COMPRESSION, compression});
      ASSERT_FALSE(b.empty());
      EXPECT_TRUE(expect_same(decode_tiff, b));
    }
  }
}

struct TiffSpec {
  int width = 0, height = 0, spp = 3, bps = 8;
  std::uint16_t photometric = PHOTOMETRIC_RGB;
  std::uint16_t compression = COMPRESSION_NONE;
  std::uint16_t orientation = ORIENTATION_TOPLEFT;
  int tile = 0;  // tile side, 0 for strips
  int rows_per_strip = 8;
  bool ycbcr_jpeg = false;  // JPEG with YCbCr photometric, fed RGB
};

// Writes through libtiff to a file (its simplest output), read back into memory.
Bytes write_tiff(const TiffSpec& s, const Bytes& pixels,
                 const std::vector<std::uint16_t>& colormap = {}) {
  const std::string path = ::testing::TempDir() + "/codecs_tiff_test.tif";
  TIFF* t = TIFFOpen(path.c_str(), "w");
  if (t == nullptr) return {};
  TIFFSetField(t, TIFFTAG_IMAGEWIDTH, s.width);
  TIFFSetField(t, TIFFTAG_IMAGELENGTH, s.height);
  TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, s.spp);
  TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, s.bps);
  TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(t, TIFFTAG_COMPRESSION, s.compression);
  TIFFSetField(t, TIFFTAG_ORIENTATION, s.orientation);
  if (s.ycbcr_jpeg) {
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
    TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
  } else {
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, s.photometric);
  }
  if (s.spp == 4) {
    const std::uint16_t extra = EXTRASAMPLE_UNASSALPHA;
    TIFFSetField(t, TIFFTAG_EXTRASAMPLES, 1, &extra);
  }
  if (!colormap.empty()) {
    const std::size_t n = colormap.size() / 3;
    TIFFSetField(t, TIFFTAG_COLORMAP, colormap.data(), colormap.data() + n,
                 colormap.data() + 2 * n);
  }
  const std::size_t row_bytes = (static_cast<std::size_t>(s.width) * s.spp * s.bps + 7) / 8;
  if (s.tile > 0) {
    TIFFSetField(t, TIFFTAG_TILEWIDTH, s.tile);
    TIFFSetField(t, TIFFTAG_TILELENGTH, s.tile);
    const std::size_t bytes_pp = static_cast<std::size_t>(s.spp * s.bps / 8);
    Bytes tile(static_cast<std::size_t>(TIFFTileSize(t)), 0);
    for (int ty = 0; ty < s.height; ty += s.tile)
      for (int tx = 0; tx < s.width; tx += s.tile) {
        std::fill(tile.begin(), tile.end(), 0);
        for (int y = 0; y < s.tile && ty + y < s.height; ++y)
          for (int x = 0; x < s.tile && tx + x < s.width; ++x)
            std::memcpy(&tile[(static_cast<std::size_t>(y) * s.tile + x) * bytes_pp],
                        &pixels[(ty + y) * row_bytes + (tx + x) * bytes_pp], bytes_pp);
        TIFFWriteTile(t, tile.data(), static_cast<std::uint32_t>(tx),
                      static_cast<std::uint32_t>(ty), 0, 0);
      }
  } else {
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, s.rows_per_strip);
    for (int y = 0; y < s.height; ++y)
      TIFFWriteScanline(t, const_cast<std::uint8_t*>(&pixels[y * row_bytes]),
                        static_cast<std::uint32_t>(y), 0);
  }
  TIFFClose(t);
  std::ifstream in(path, std::ios::binary);
  Bytes out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::remove(path.c_str());
  return out;
}

Bytes rgb_pixels(int w, int h, int spp) {
  const cv::Mat img = testing::draw_picture(w, h, 3);
  Bytes out;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const auto p = img.at<cv::Vec3b>(y, x);
      out.push_back(p[2]);
      out.push_back(p[1]);
      out.push_back(p[0]);
      if (spp == 4) out.push_back(static_cast<std::uint8_t>(noise(x, y)));
    }
  return out;
}

TEST(CodecsTiff, TiledStripsJpegPaletteLibtiffWritten) {
  for (int tile : {16, 32}) {
    for (int compression : {COMPRESSION_NONE, COMPRESSION_LZW, COMPRESSION_ADOBE_DEFLATE}) {
      SCOPED_TRACE("tile " + std::to_string(tile) + " compression " + std::to_string(compression));
      TiffSpec s{.width = 70,
                 .height = 45,
                 .compression = static_cast<std::uint16_t>(compression),
                 .tile = tile};
      // 16x16 uncompressed RGB tiles: libtiff 4.5.0's read path refuses them ("Invalid tile byte
      // count"), so OpenCV failed on them, and so does the decoder.
      const bool refused = tile == 16 && compression == COMPRESSION_NONE;
      EXPECT_EQ(expect_same(decode_tiff, write_tiff(s, rgb_pixels(70, 45, 3))), !refused);
      s.spp = 4;
      EXPECT_TRUE(expect_same(decode_tiff, write_tiff(s, rgb_pixels(70, 45, 4))));
    }
  }
  {
    SCOPED_TRACE("jpeg rgb");
    TiffSpec s{.width = 64, .height = 48, .compression = COMPRESSION_JPEG, .rows_per_strip = 16};
    EXPECT_TRUE(expect_same(decode_tiff, write_tiff(s, rgb_pixels(64, 48, 3))));
    s.tile = 16;
    EXPECT_TRUE(expect_same(decode_tiff, write_tiff(s, rgb_pixels(64, 48, 3))));
  }
  {
    SCOPED_TRACE("jpeg ycbcr");
    TiffSpec s{.width = 64,
               .height = 48,
               .compression = COMPRESSION_JPEG,
               .rows_per_strip = 16,
               .ycbcr_jpeg = true};
    EXPECT_TRUE(expect_same(decode_tiff, write_tiff(s, rgb_pixels(64, 48, 3))));
  }
  for (std::uint16_t bps : {std::uint16_t{8}, std::uint16_t{4}}) {
    SCOPED_TRACE("palette " + std::to_string(bps));
    std::vector<std::uint16_t> map(3u << bps);
    for (std::size_t i = 0; i < map.size(); ++i)
      map[i] = static_cast<std::uint16_t>(noise(static_cast<int>(i), 1));
    const int w = 30, h = 20;
    Bytes idx;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < (bps == 8 ? w : w / 2); ++x)
        idx.push_back(static_cast<std::uint8_t>(noise(x, y)));
    TiffSpec s{.width = w, .height = h, .spp = 1, .bps = bps, .photometric = PHOTOMETRIC_PALETTE};
    expect_same(decode_tiff, write_tiff(s, idx, map));
  }
  {
    SCOPED_TRACE("min-is-white and bilevel");
    Bytes g;
    for (int y = 0; y < 20; ++y)
      for (int x = 0; x < 30; ++x) g.push_back(static_cast<std::uint8_t>(x * 8 + y));
    TiffSpec s{.width = 30, .height = 20, .spp = 1, .photometric = PHOTOMETRIC_MINISWHITE};
    EXPECT_TRUE(expect_same(decode_tiff, write_tiff(s, g)));
    Bytes bits(static_cast<std::size_t>(4 * 20));
    for (std::size_t i = 0; i < bits.size(); ++i)
      bits[i] = static_cast<std::uint8_t>(noise(static_cast<int>(i), 2));
    TiffSpec b{
        .width = 30, .height = 20, .spp = 1, .bps = 1, .photometric = PHOTOMETRIC_MINISBLACK};
    EXPECT_TRUE(expect_same(decode_tiff, write_tiff(b, bits)));
  }
  {
    SCOPED_TRACE("rows per strip above the height, bottom-left orientation");
    TiffSpec s{.width = 33, .height = 21, .rows_per_strip = 1000};
    EXPECT_TRUE(expect_same(decode_tiff, write_tiff(s, rgb_pixels(33, 21, 3))));
    s.orientation = ORIENTATION_BOTLEFT;
    s.rows_per_strip = 5;
    expect_same(decode_tiff, write_tiff(s, rgb_pixels(33, 21, 3)));
  }
}

TEST(CodecsTiff, TruncatedAndMutatedTiffsNeverDisagree) {
  const cv::Mat img = testing::draw_picture(64, 40, 4);
  std::vector<Bytes> seeds = {testing::encode(img, ".tiff"),
                              testing::encode(img, ".tiff", {cv::IMWRITE_TIFF_COMPRESSION, 1})};
  seeds.push_back(
      write_tiff(TiffSpec{.width = 40, .height = 40, .compression = COMPRESSION_LZW, .tile = 16},
                 rgb_pixels(40, 40, 3)));
  int disagreements = 0;
  std::mt19937 rng(99);
  for (const auto& seed : seeds) {
    for (std::size_t n = 8; n < seed.size(); n += seed.size() / 23 + 1) {
      DecoderNotes notes;
      const Bytes b(seed.begin(), seed.begin() + static_cast<long>(n));
      auto mine = decode_tiff(b, DecodeLimits{}, notes);
      const cv::Mat ref = oracle(b);
      // Truncated: an error, or the same pixels.
      if (mine.ok() && (ref.empty() || cv::norm(*mine, ref, cv::NORM_INF) != 0.0)) ++disagreements;
      if (!mine.ok()) {
        EXPECT_EQ(mine.error().code, ErrorCode::kCorrupt) << mine.error().describe();
      }
    }
    for (int i = 0; i < 150; ++i) {
      Bytes b = seed;
      for (int c = 0; c < 3; ++c) {
        const std::size_t at = rng() % b.size();
        b[at] = static_cast<std::uint8_t>(b[at] ^ (1u << (rng() % 8)));
      }
      DecoderNotes notes;
      auto mine = decode_tiff(b, DecodeLimits{}, notes);
      const cv::Mat ref = oracle(b);
      if (mine.ok() &&
          (ref.empty() || mine->size() != ref.size() || cv::norm(*mine, ref, cv::NORM_INF) != 0.0))
        ++disagreements;
    }
  }
  EXPECT_EQ(disagreements, 0);
}

TEST(CodecsTiff, PixelCapBeforeAllocating) {
  const Bytes b = testing::encode(testing::draw_picture(100, 50), ".tiff");
  DecoderNotes notes;
  auto r = decode_tiff(b, DecodeLimits{4999}, notes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimit);
  EXPECT_TRUE(decode_tiff(b, DecodeLimits{5000}, notes).ok());
}

// --------------------------------------------------------------------------------------- WebP

TEST(CodecsWebp, LossyLosslessAndAlphaEqual) {
  const cv::Mat img = testing::draw_picture(151, 87, 5);
  cv::Mat bgra;
  cv::cvtColor(img, bgra, cv::COLOR_BGR2BGRA);
  for (int y = 0; y < bgra.rows; ++y)
    for (int x = 0; x < bgra.cols; ++x)
      bgra.at<cv::Vec4b>(y, x)[3] = static_cast<std::uint8_t>((x * 5 + y) & 255);
  for (const cv::Mat* m : std::vector<const cv::Mat*>{&img, &bgra}) {
    for (int quality : {10, 80, 100, 101}) {
      SCOPED_TRACE("channels " + std::to_string(m->channels()) + " quality " +
                   std::to_string(quality));
      const Bytes b = testing::encode(*m, ".webp", {cv::IMWRITE_WEBP_QUALITY, quality});
      ASSERT_FALSE(b.empty());
      EXPECT_TRUE(expect_same(decode_webp, b));
      // Cut short: both fail (or, never, disagree).
      expect_same(decode_webp, Bytes(b.begin(), b.begin() + static_cast<long>(b.size() / 2)));
      expect_same(decode_webp, Bytes(b.begin(), b.begin() + 31));
    }
  }
}

TEST(CodecsWebp, AnimatedIsRefusedLikeOpenCv) {
  // RIFF/WEBP, VP8X with the animation flag, ANIM, then one ANMF frame holding a VP8L bitstream.
  const Bytes still =
      testing::encode(testing::draw_picture(16, 16), ".webp", {cv::IMWRITE_WEBP_QUALITY, 101});
  ASSERT_GT(still.size(), 20u);
  const Bytes frame(still.begin() + 12, still.end());  // the VP8L chunk
  Bytes body = {'W', 'E', 'B', 'P', 'V', 'P', '8', 'X'};
  put32(body, 10);
  body.insert(body.end(), {0x02, 0, 0, 0, 15, 0, 0, 15, 0, 0});
  body.insert(body.end(), {'A', 'N', 'I', 'M'});
  put32(body, 6);
  body.insert(body.end(), {0, 0, 0, 0, 0, 0});
  body.insert(body.end(), {'A', 'N', 'M', 'F'});
  put32(body, static_cast<std::uint32_t>(16 + frame.size()));
  body.insert(body.end(), {0, 0, 0, 0, 0, 0, 15, 0, 0, 15, 0, 0, 100, 0, 0, 0});
  body.insert(body.end(), frame.begin(), frame.end());
  Bytes file = {'R', 'I', 'F', 'F'};
  put32(file, static_cast<std::uint32_t>(body.size()));
  file.insert(file.end(), body.begin(), body.end());
  EXPECT_FALSE(expect_same(decode_webp, file));
}

TEST(CodecsWebp, PixelCapBeforeAllocating) {
  const Bytes b = testing::encode(testing::draw_picture(100, 50), ".webp");
  DecoderNotes notes;
  auto r = decode_webp(b, DecodeLimits{4999}, notes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimit);
}

}  // namespace
}  // namespace vigil::phash::detail
