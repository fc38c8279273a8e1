// The JPEG and PNG decoders (src/codec_jpeg.cpp, src/codec_png.cpp) held to OpenCV 4.6's
// cv::imdecode, byte for byte: where imdecode gives a picture the decoder gives the same pixels,
// where it gives none the decoder gives an error. Inputs are synthetic (noise, gradients, shapes),
// encoded by imencode or, for what imencode cannot write (CMYK, chroma sampling, palettes, low bit
// depths, grey+alpha, Adam7), by libjpeg and libpng directly. Also encode_grey_png's round trip.
#include <gtest/gtest.h>

// jpeglib.h uses size_t and FILE without declaring them.
#include <cstddef>
#include <cstdio>

#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <csetjmp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../src/codecs.hpp"
#include "test_pictures.hpp"
#include "vigil/phash/decode.hpp"

namespace vigil::phash {
namespace {

using Bytes = std::vector<std::uint8_t>;
using testing::encode;

// A picture with every kind of content a codec treats differently: gradients, hard edges and
// noise.
cv::Mat noisy_picture(int width, int height, int seed = 1) {
  cv::Mat img = testing::draw_picture(width, height, seed);
  cv::Mat noise(height, width, CV_8UC3);
  cv::RNG rng(static_cast<std::uint64_t>(seed) * 7919u + 1u);
  rng.fill(noise, cv::RNG::UNIFORM, 0, 48);
  cv::Mat out;
  cv::add(img, noise, out);
  return out;
}

cv::Mat grey_of(const cv::Mat& bgr) {
  cv::Mat g;
  cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
  return g;
}

int reduced_flag(int reduction) {
  switch (reduction) {
    case 2:
      return cv::IMREAD_REDUCED_COLOR_2;
    case 4:
      return cv::IMREAD_REDUCED_COLOR_4;
    case 8:
      return cv::IMREAD_REDUCED_COLOR_8;
    default:
      return cv::IMREAD_COLOR;
  }
}

// What the decoder returned, against imdecode of the same bytes. Returns the notes. Damaged
// inputs may be no picture for OpenCV (then an error is expected); intact ones must decode.
detail::DecoderNotes expect_like_opencv(const Bytes& bytes, bool jpeg, int reduction = 1,
                                        bool intact = false) {
  detail::DecoderNotes notes;
  const DecodeLimits limits;
  auto ours = jpeg ? detail::decode_jpeg(bytes, reduction, limits, notes)
                   : detail::decode_png(bytes, limits, notes);
  const cv::Mat want = cv::imdecode(bytes, reduced_flag(reduction) | cv::IMREAD_IGNORE_ORIENTATION);
  EXPECT_TRUE(!intact || !want.empty()) << "imdecode could not decode an intact test picture";
  if (want.empty()) {
    EXPECT_FALSE(ours.ok()) << "OpenCV gave no picture, the decoder gave " << ours->cols << "x"
                            << ours->rows;
    if (!ours.ok()) {
      EXPECT_EQ(ours.error().code, ErrorCode::kCorrupt);
      EXPECT_EQ(ours.error().message.rfind(jpeg ? "jpeg: " : "png: ", 0), 0u)
          << ours.error().message;
    }
    return notes;
  }
  EXPECT_TRUE(ours.ok()) << ours.error().describe();
  if (!ours.ok()) return notes;
  EXPECT_EQ(ours->type(), CV_8UC3);
  EXPECT_TRUE(ours->isContinuous());
  EXPECT_EQ(ours->size(), want.size());
  EXPECT_EQ(want.type(), CV_8UC3);
  if (ours->size() == want.size() && ours->type() == want.type()) {
    EXPECT_EQ(cv::norm(*ours, want, cv::NORM_INF), 0.0);
  }
  return notes;
}

void expect_jpeg_like_opencv(const Bytes& bytes, int reduction = 1) {
  expect_like_opencv(bytes, true, reduction, true);
}
void expect_png_like_opencv(const Bytes& bytes) { expect_like_opencv(bytes, false, 1, true); }

// --- libjpeg's compressor, for what imencode cannot write ---

struct JpegWriteError {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
};

[[noreturn]] void jpeg_write_error_exit(j_common_ptr cinfo) {
  std::longjmp(reinterpret_cast<JpegWriteError*>(cinfo->err)->jump, 1);
}

struct JpegWriteSpec {
  J_COLOR_SPACE in_space = JCS_RGB;        // JCS_RGB (from BGR), JCS_GRAYSCALE or JCS_CMYK
  J_COLOR_SPACE jpeg_space = JCS_UNKNOWN;  // JCS_UNKNOWN: libjpeg's default for in_space
  int h_samp = 2, v_samp = 2;              // luma sampling factors (chroma are 1x1)
  int quality = 85;
  bool progressive = false;
};

// `pixels` holds in_components bytes a pixel in the order of spec.in_space.
Bytes libjpeg_encode(const std::vector<std::uint8_t>& pixels, int width, int height,
                     const JpegWriteSpec& spec) {
  jpeg_compress_struct cinfo{};
  JpegWriteError err{};
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = jpeg_write_error_exit;
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
  if (setjmp(err.jump) != 0) {
    jpeg_destroy_compress(&cinfo);
    std::free(out);
    ADD_FAILURE() << "libjpeg could not encode the test picture";
    return {};
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &out, &out_size);
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.in_color_space = spec.in_space;
  cinfo.input_components = spec.in_space == JCS_GRAYSCALE ? 1 : spec.in_space == JCS_CMYK ? 4 : 3;
  jpeg_set_defaults(&cinfo);
  if (spec.jpeg_space != JCS_UNKNOWN) jpeg_set_colorspace(&cinfo, spec.jpeg_space);
  jpeg_set_quality(&cinfo, spec.quality, TRUE);
  if (cinfo.num_components > 1) {
    cinfo.comp_info[0].h_samp_factor = spec.h_samp;
    cinfo.comp_info[0].v_samp_factor = spec.v_samp;
    for (int c = 1; c < cinfo.num_components; ++c)
      cinfo.comp_info[c].h_samp_factor = cinfo.comp_info[c].v_samp_factor = 1;
  }
  if (spec.progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  const std::size_t stride = static_cast<std::size_t>(width) * cinfo.input_components;
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(pixels.data() + cinfo.next_scanline * stride);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  Bytes bytes(out, out + out_size);
  std::free(out);
  return bytes;
}

std::vector<std::uint8_t> rgb_pixels(const cv::Mat& bgr) {
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return {rgb.datastart, rgb.dataend};
}

// Four channels of synthetic ink: the picture's B, G, R and their mean as C, M, Y, K.
std::vector<std::uint8_t> cmyk_pixels(const cv::Mat& bgr) {
  std::vector<std::uint8_t> out;
  for (int y = 0; y < bgr.rows; ++y)
    for (int x = 0; x < bgr.cols; ++x) {
      const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
      out.insert(out.end(),
                 {p[0], p[1], p[2], static_cast<std::uint8_t>((p[0] + p[1] + p[2]) / 3)});
    }
  return out;
}

// --- libpng's writer, for what imencode cannot write ---

struct PngSpec {
  int bit_depth = 8;
  int color_type = PNG_COLOR_TYPE_RGB;
  bool interlaced = false;
  int palette_size = 0;  // for PNG_COLOR_TYPE_PALETTE
  int trns_count = 0;    // palette: this many alpha entries; grey/RGB: one transparent colour
};

void png_write_to_vector(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<Bytes*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}

// Samples drawn from the picture: each of the PNG's channels takes one of B, G, R or a gradient,
// scaled to the bit depth; palette indices cycle through the palette.
Bytes libpng_encode(const cv::Mat& bgr, const PngSpec& spec) {
  const int w = bgr.cols, h = bgr.rows;
  const int channels = spec.color_type == PNG_COLOR_TYPE_GRAY         ? 1
                       : spec.color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                       : spec.color_type == PNG_COLOR_TYPE_RGB        ? 3
                       : spec.color_type == PNG_COLOR_TYPE_RGB_ALPHA  ? 4
                                                                      : 1;
  const int max = (1 << spec.bit_depth) - 1;
  // Unpacked samples, one int a sample, then packed per libpng's wire format.
  std::vector<std::vector<png_byte>> rows(static_cast<std::size_t>(h));
  for (int y = 0; y < h; ++y) {
    std::vector<int> samples;
    for (int x = 0; x < w; ++x) {
      const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
      for (int c = 0; c < channels; ++c) {
        int v8 = c < 3 ? p[2 - c] : (x * 255) / std::max(1, w - 1);
        if (channels == 2 && c == 1) v8 = (y * 255) / std::max(1, h - 1);  // grey's alpha
        int v;
        if (spec.color_type == PNG_COLOR_TYPE_PALETTE)
          v = (p[0] / 7 + p[1] / 5 + p[2] / 3) % spec.palette_size;
        else if (spec.bit_depth == 16)
          v = v8 * 257 + ((x * 31 + y * 17 + c) & 0xff) - 128 * (v8 == 255);
        else
          v = (v8 * max + 127) / 255;
        samples.push_back(std::clamp(v, 0, max));
      }
    }
    std::vector<png_byte>& row = rows[static_cast<std::size_t>(y)];
    if (spec.bit_depth == 16) {
      for (int v : samples) {
        row.push_back(static_cast<png_byte>(v >> 8));
        row.push_back(static_cast<png_byte>(v & 0xff));
      }
    } else {
      const int per_byte = 8 / spec.bit_depth;
      row.assign((samples.size() + per_byte - 1) / per_byte, 0);
      for (std::size_t i = 0; i < samples.size(); ++i)
        row[i / per_byte] |= static_cast<png_byte>(
            samples[i] << (8 - spec.bit_depth * (1 + static_cast<int>(i % per_byte))));
    }
  }
  Bytes out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png)) != 0) {
    png_destroy_write_struct(&png, &info);
    ADD_FAILURE() << "libpng could not encode the test picture";
    return {};
  }
  png_set_write_fn(png, &out, png_write_to_vector, nullptr);
  png_set_IHDR(png, info, static_cast<png_uint_32>(w), static_cast<png_uint_32>(h), spec.bit_depth,
               spec.color_type, spec.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  std::vector<png_color> palette;
  std::vector<png_byte> alphas;
  if (spec.color_type == PNG_COLOR_TYPE_PALETTE) {
    for (int i = 0; i < spec.palette_size; ++i)
      palette.push_back(png_color{static_cast<png_byte>(i * 37),
                                  static_cast<png_byte>(255 - i * 11),
                                  static_cast<png_byte>((i * 91) ^ 0x5a)});
    png_set_PLTE(png, info, palette.data(), spec.palette_size);
    for (int i = 0; i < spec.trns_count; ++i) alphas.push_back(static_cast<png_byte>(i * 29));
    if (spec.trns_count > 0) png_set_tRNS(png, info, alphas.data(), spec.trns_count, nullptr);
  } else if (spec.trns_count > 0) {
    png_color_16 colour{};
    colour.gray = colour.red = colour.green = colour.blue = static_cast<png_uint_16>(max / 2);
    png_set_tRNS(png, info, nullptr, 0, &colour);
  }
  png_write_info(png, info);
  std::vector<png_bytep> pointers;
  for (auto& r : rows) pointers.push_back(r.data());
  png_write_image(png, pointers.data());  // handles the Adam7 passes itself
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return out;
}

// --- JPEG ---

TEST(CodecsJpeg, BaselineQualitiesAndOddSizesMatchOpenCv) {
  for (const cv::Size size : {cv::Size(1, 1), cv::Size(17, 9), cv::Size(333, 211),
                              cv::Size(640, 480), cv::Size(8, 300)}) {
    const cv::Mat img = noisy_picture(size.width, size.height);
    for (int quality : {90, 30, 100, 5}) {
      SCOPED_TRACE(std::to_string(size.width) + "x" + std::to_string(size.height) + " q" +
                   std::to_string(quality));
      expect_jpeg_like_opencv(encode(img, ".jpg", {cv::IMWRITE_JPEG_QUALITY, quality}));
    }
  }
}

TEST(CodecsJpeg, ProgressiveOptimisedRestartsAndChromaQualityMatchOpenCv) {
  const cv::Mat img = noisy_picture(333, 211, 2);
  const std::vector<std::vector<int>> params = {
      {cv::IMWRITE_JPEG_PROGRESSIVE, 1},
      {cv::IMWRITE_JPEG_PROGRESSIVE, 1, cv::IMWRITE_JPEG_QUALITY, 40},
      {cv::IMWRITE_JPEG_OPTIMIZE, 1},
      {cv::IMWRITE_JPEG_RST_INTERVAL, 3},
      {cv::IMWRITE_JPEG_LUMA_QUALITY, 70, cv::IMWRITE_JPEG_CHROMA_QUALITY, 20},
  };
  for (std::size_t i = 0; i < params.size(); ++i) {
    SCOPED_TRACE(i);
    for (int r : {1, 2, 4, 8}) expect_jpeg_like_opencv(encode(img, ".jpg", params[i]), r);
  }
}

TEST(CodecsJpeg, ChromaSamplingsMatchOpenCv) {
  // 4:4:4, 4:2:2, 4:4:0, 4:2:0, 4:1:1, 4:1:0: each takes its own upsampling path in libjpeg.
  const cv::Mat img = noisy_picture(173, 97, 3);
  const auto rgb = rgb_pixels(img);
  for (const auto& [h, v] :
       std::vector<std::pair<int, int>>{{1, 1}, {2, 1}, {1, 2}, {2, 2}, {4, 1}, {4, 2}}) {
    for (bool progressive : {false, true}) {
      SCOPED_TRACE(std::to_string(h) + "x" + std::to_string(v) + (progressive ? " prog" : ""));
      JpegWriteSpec spec;
      spec.h_samp = h;
      spec.v_samp = v;
      spec.progressive = progressive;
      const Bytes bytes = libjpeg_encode(rgb, img.cols, img.rows, spec);
      for (int r : {1, 2, 4, 8}) expect_jpeg_like_opencv(bytes, r);
    }
  }
}

TEST(CodecsJpeg, GreyAndRgbColourSpacesMatchOpenCv) {
  const cv::Mat img = noisy_picture(211, 157, 4);
  for (int r : {1, 2, 4, 8}) {
    expect_jpeg_like_opencv(encode(grey_of(img), ".jpg"), r);
    expect_jpeg_like_opencv(encode(grey_of(img), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}), r);
  }
  // A JPEG stored in RGB, not YCbCr (Adobe transform 0).
  JpegWriteSpec spec;
  spec.jpeg_space = JCS_RGB;
  spec.h_samp = spec.v_samp = 1;
  expect_jpeg_like_opencv(libjpeg_encode(rgb_pixels(img), img.cols, img.rows, spec));
}

TEST(CodecsJpeg, CmykAndYcckMatchOpenCvsConversion) {
  const cv::Mat img = noisy_picture(123, 77, 5);
  const auto cmyk = cmyk_pixels(img);
  for (J_COLOR_SPACE space : {JCS_CMYK, JCS_YCCK}) {
    SCOPED_TRACE(space == JCS_CMYK ? "CMYK" : "YCCK");
    JpegWriteSpec spec;
    spec.in_space = JCS_CMYK;
    spec.jpeg_space = space;
    spec.h_samp = spec.v_samp = 1;
    const Bytes bytes = libjpeg_encode(cmyk, img.cols, img.rows, spec);
    for (int r : {1, 2, 4, 8}) expect_jpeg_like_opencv(bytes, r);
  }
}

TEST(CodecsJpeg, ReductionsMatchOpenCvsReducedFlags) {
  for (const cv::Size size :
       {cv::Size(1, 1), cv::Size(17, 9), cv::Size(333, 211), cv::Size(801, 599)}) {
    const cv::Mat img = noisy_picture(size.width, size.height, 6);
    const Bytes bytes = encode(img, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 90});
    for (int r : {2, 4, 8}) {
      SCOPED_TRACE(std::to_string(size.width) + "x" + std::to_string(size.height) + " 1/" +
                   std::to_string(r));
      expect_jpeg_like_opencv(bytes, r);
      detail::DecoderNotes notes;
      auto d = detail::decode_jpeg(bytes, r, DecodeLimits{}, notes);
      ASSERT_TRUE(d.ok());
      EXPECT_EQ(d->cols, (size.width + r - 1) / r);  // libjpeg rounds the scaled size up
      EXPECT_EQ(notes.count, 0);
    }
  }
  detail::DecoderNotes notes;
  auto bad = detail::decode_jpeg(encode(noisy_picture(16, 16), ".jpg"), 3, DecodeLimits{}, notes);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST(CodecsJpeg, TruncatedJpegGivesOpenCvsPixelsAndANote) {
  const cv::Mat img = noisy_picture(333, 211, 7);
  const Bytes whole = encode(img, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 90});
  const Bytes cut(whole.begin(), whole.begin() + static_cast<long>(whole.size() * 6 / 10));
  for (int r : {1, 2, 4, 8}) {
    SCOPED_TRACE(r);
    const detail::DecoderNotes notes = expect_like_opencv(cut, true, r, true);
    EXPECT_GT(notes.count, 0);
    EXPECT_NE(notes.first.find("ends"), std::string::npos) << notes.first;
  }
  // Every cut point past the header; before the first decoded row OpenCV's row buffer was
  // uninitialised memory, so those cuts are held to "a picture of the right size" only.
  for (std::size_t n = 700; n < whole.size(); n += 997) {
    SCOPED_TRACE(n);
    const Bytes part(whole.begin(), whole.begin() + static_cast<long>(n));
    detail::DecoderNotes notes;
    auto ours = detail::decode_jpeg(part, 1, DecodeLimits{}, notes);
    const cv::Mat want = cv::imdecode(part, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    ASSERT_EQ(ours.ok(), !want.empty());
    if (!ours.ok()) continue;
    ASSERT_EQ(ours->size(), want.size());
    if (notes.first.find("after row 0 ") == std::string::npos) {
      EXPECT_EQ(cv::norm(*ours, want, cv::NORM_INF), 0.0) << notes.first;
    }
  }
  // A progressive JPEG cut short is no picture for OpenCV: jpeg_start_decompress reads every scan.
  const Bytes prog = encode(img, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  const Bytes prog_cut(prog.begin(), prog.begin() + static_cast<long>(prog.size() * 6 / 10));
  EXPECT_TRUE(cv::imdecode(prog_cut, cv::IMREAD_COLOR).empty());
  detail::DecoderNotes notes;
  EXPECT_FALSE(detail::decode_jpeg(prog_cut, 1, DecodeLimits{}, notes).ok());
}

TEST(CodecsJpeg, MotionJpegWithoutHuffmanTablesMatchesOpenCv) {
  // imencode writes the standard tables of T.81 K.3 (not optimised): drop every DHT segment
  // before the scan, as a Motion JPEG frame has none.
  const Bytes whole = encode(noisy_picture(96, 64, 8), ".jpg");
  Bytes stripped(whole.begin(), whole.begin() + 2);
  std::size_t pos = 2;
  while (pos + 4 <= whole.size() && whole[pos] == 0xFF && whole[pos + 1] != 0xDA) {
    const std::size_t len = (std::size_t(whole[pos + 2]) << 8) | whole[pos + 3];
    if (whole[pos + 1] != 0xC4)
      stripped.insert(stripped.end(), whole.begin() + static_cast<long>(pos),
                      whole.begin() + static_cast<long>(pos + 2 + len));
    pos += 2 + len;
  }
  stripped.insert(stripped.end(), whole.begin() + static_cast<long>(pos), whole.end());
  ASSERT_LT(stripped.size(), whole.size());
  detail::DecoderNotes notes;
  auto d = detail::decode_jpeg(stripped, 1, DecodeLimits{}, notes);
  ASSERT_TRUE(d.ok()) << d.error().describe();
  expect_jpeg_like_opencv(stripped);
}

TEST(CodecsJpeg, DamagedEntropyDataMatchesOpenCvAndWarnings) {
  const Bytes whole = encode(noisy_picture(160, 120, 9), ".jpg");
  std::mt19937 rng(42);
  int warned = 0;
  for (int i = 0; i < 60; ++i) {
    Bytes bad = whole;
    // Flip bytes in the second half: the scan data, past the tables.
    for (int k = 0; k < 1 + i % 4; ++k)
      bad[whole.size() / 2 + rng() % (whole.size() / 2 - 2)] ^=
          static_cast<std::uint8_t>(1u << (rng() % 8));
    SCOPED_TRACE(i);
    warned += expect_like_opencv(bad, true).count > 0;
  }
  EXPECT_GT(warned, 0);  // libjpeg's "Corrupt JPEG data" warnings became notes
}

TEST(CodecsJpeg, DamagedHeadersMatchOpenCv) {
  const Bytes whole = encode(noisy_picture(64, 48, 10), ".jpg");
  std::mt19937 rng(7);
  for (int i = 0; i < 150; ++i) {
    Bytes bad = whole;
    bad[2 + rng() % 620] = static_cast<std::uint8_t>(rng());
    SCOPED_TRACE(i);
    detail::DecoderNotes notes;
    auto ours = detail::decode_jpeg(bad, 1, DecodeLimits{}, notes);
    const cv::Mat want = cv::imdecode(bad, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    ASSERT_EQ(ours.ok(), !want.empty());
    if (!ours.ok()) continue;
    ASSERT_EQ(ours->size(), want.size());
    // A damaged header can end the data before the first row (OpenCV then copied uninitialised
    // memory): only compare when a row was decoded.
    if (notes.first.find("after row 0 ") == std::string::npos) {
      EXPECT_EQ(cv::norm(*ours, want, cv::NORM_INF), 0.0);
    }
  }
}

TEST(CodecsJpeg, GarbageIsAnErrorNeverACrash) {
  std::mt19937 rng(1);
  for (std::size_t n : {0, 1, 2, 3, 4, 10, 100, 5000}) {
    Bytes junk(n);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    if (n >= 3) junk[0] = 0xFF, junk[1] = 0xD8, junk[2] = 0xFF;
    detail::DecoderNotes notes;
    auto d = detail::decode_jpeg(junk, 1, DecodeLimits{}, notes);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, ErrorCode::kCorrupt);
    EXPECT_EQ(d.error().message.rfind("jpeg: ", 0), 0u);
  }
}

TEST(CodecsJpeg, PixelCapIsCheckedOnTheScaledSizeBeforeDecoding) {
  const Bytes bytes = encode(noisy_picture(200, 100), ".jpg");
  detail::DecoderNotes notes;
  auto d = detail::decode_jpeg(bytes, 1, DecodeLimits{19'999}, notes);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, ErrorCode::kLimit);
  EXPECT_TRUE(detail::decode_jpeg(bytes, 1, DecodeLimits{20'000}, notes).ok());
  // At 1/2, 100 x 50 pixels.
  EXPECT_TRUE(detail::decode_jpeg(bytes, 2, DecodeLimits{5'000}, notes).ok());
  EXPECT_EQ(detail::decode_jpeg(bytes, 2, DecodeLimits{4'999}, notes).error().code,
            ErrorCode::kLimit);
}

// A progressive JPEG whose last scan is repeated `copies` more times before its EOI: libjpeg
// warns about the progression and decodes every copy (the known denial of service: each scan
// walks every block).
Bytes with_repeated_last_scan(const Bytes& jpeg, int copies) {
  std::size_t last_sos = 0;
  for (std::size_t i = 2; i + 1 < jpeg.size(); ++i)
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA) last_sos = i;
  const std::size_t eoi = jpeg.size() - 2;
  Bytes out(jpeg.begin(), jpeg.begin() + static_cast<long>(eoi));
  for (int k = 0; k < copies; ++k)
    out.insert(out.end(), jpeg.begin() + static_cast<long>(last_sos),
               jpeg.begin() + static_cast<long>(eoi));
  out.insert(out.end(), jpeg.begin() + static_cast<long>(eoi), jpeg.end());
  return out;
}

TEST(CodecsJpeg, ScansAboveTheLimitAreNotDecoded) {
  const Bytes progressive =
      encode(noisy_picture(64, 48, 3), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  ASSERT_EQ(progressive[progressive.size() - 1], 0xD9);
  detail::DecoderNotes notes;
  // A few hundred scans: decoded (with libjpeg's warning about the progression as a note).
  auto some = detail::decode_jpeg(with_repeated_last_scan(progressive, 300), 1, {}, notes);
  ASSERT_TRUE(some.ok()) << some.error().message;
  EXPECT_GT(notes.count, 0);
  // Over 500: refused as a limit, before the decoder spends its time on them.
  detail::DecoderNotes many_notes;
  auto many = detail::decode_jpeg(with_repeated_last_scan(progressive, 600), 1, {}, many_notes);
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().code, ErrorCode::kLimit);
  EXPECT_NE(many.error().message.find("more than 500 scans"), std::string::npos)
      << many.error().message;
}

// --- PNG ---

TEST(CodecsPng, ImencodeDepthsAndChannelsMatchOpenCv) {
  const cv::Mat img = noisy_picture(333, 211, 11);
  cv::Mat bgra, img16, bgra16, grey16;
  cv::cvtColor(img, bgra, cv::COLOR_BGR2BGRA);
  for (int y = 0; y < bgra.rows; ++y)
    for (int x = 0; x < bgra.cols; ++x) bgra.at<cv::Vec4b>(y, x)[3] = static_cast<uchar>(x ^ y);
  img.convertTo(img16, CV_16U, 257.0);
  img16 += cv::Scalar(91, 13, 200);  // low bytes that strip_16 must drop, not round
  bgra.convertTo(bgra16, CV_16U, 256.0);
  grey_of(img).convertTo(grey16, CV_16U, 255.5);
  for (const cv::Mat* m :
       std::initializer_list<const cv::Mat*>{&img, &bgra, &img16, &bgra16, &grey16}) {
    SCOPED_TRACE(m->type());
    expect_png_like_opencv(encode(*m, ".png"));
  }
  const cv::Mat grey = grey_of(img);
  expect_png_like_opencv(encode(grey, ".png"));
  expect_png_like_opencv(encode(grey, ".png", {cv::IMWRITE_PNG_BILEVEL, 1}));
  for (const cv::Size size : {cv::Size(1, 1), cv::Size(17, 9)})
    expect_png_like_opencv(encode(noisy_picture(size.width, size.height), ".png"));
}

TEST(CodecsPng, EveryColourTypeDepthAndInterlaceMatchOpenCv) {
  const cv::Mat img = noisy_picture(37, 29, 12);
  struct Case {
    int color_type;
    std::vector<int> depths;
  };
  const std::vector<Case> cases = {
      {PNG_COLOR_TYPE_GRAY, {1, 2, 4, 8, 16}}, {PNG_COLOR_TYPE_GRAY_ALPHA, {8, 16}},
      {PNG_COLOR_TYPE_RGB, {8, 16}},           {PNG_COLOR_TYPE_RGB_ALPHA, {8, 16}},
      {PNG_COLOR_TYPE_PALETTE, {1, 2, 4, 8}},
  };
  for (const Case& c : cases)
    for (int depth : c.depths)
      for (bool interlaced : {false, true})
        for (bool trns : {false, true}) {
          if (trns && (c.color_type & PNG_COLOR_MASK_ALPHA) != 0) continue;
          SCOPED_TRACE("type " + std::to_string(c.color_type) + " depth " + std::to_string(depth) +
                       (interlaced ? " Adam7" : "") + (trns ? " tRNS" : ""));
          PngSpec spec;
          spec.color_type = c.color_type;
          spec.bit_depth = depth;
          spec.interlaced = interlaced;
          spec.palette_size = std::min(1 << depth, 200);
          spec.trns_count =
              trns ? (c.color_type == PNG_COLOR_TYPE_PALETTE ? std::max(1, spec.palette_size / 2)
                                                             : 1)
                   : 0;
          const Bytes bytes = libpng_encode(img, spec);
          ASSERT_FALSE(bytes.empty());
          const detail::DecoderNotes notes = expect_like_opencv(bytes, false, 1, true);
          EXPECT_EQ(notes.count, 0) << notes.first;
        }
}

// The offset of the first chunk of this type, or 0.
std::size_t find_chunk(const Bytes& png, const char* type) {
  std::size_t pos = 8;
  while (pos + 12 <= png.size()) {
    const std::size_t len = (std::size_t(png[pos]) << 24) | (std::size_t(png[pos + 1]) << 16) |
                            (std::size_t(png[pos + 2]) << 8) | png[pos + 3];
    if (std::memcmp(png.data() + pos + 4, type, 4) == 0) return pos;
    pos += 12 + len;
  }
  return 0;
}

TEST(CodecsPng, BadCrcsAndTruncationsMatchOpenCv) {
  const cv::Mat img = noisy_picture(120, 90, 13);
  const Bytes whole = encode(img, ".png");
  // A critical chunk's CRC (IHDR, IDAT).
  for (const char* type : {"IHDR", "IDAT", "IEND"}) {
    SCOPED_TRACE(type);
    Bytes bad = whole;
    const std::size_t at = find_chunk(bad, type);
    ASSERT_NE(at, 0u);
    const std::size_t len = (std::size_t(bad[at]) << 24) | (std::size_t(bad[at + 1]) << 16) |
                            (std::size_t(bad[at + 2]) << 8) | bad[at + 3];
    bad[at + 8 + len] ^= 0x40;
    expect_like_opencv(bad, false);
  }
  // An ancillary chunk's CRC: libpng warns and drops the chunk.
  {
    Bytes with_text(whole.begin(), whole.begin() + 33);  // signature and IHDR
    const Bytes text_chunk = {0, 0, 0, 5, 't', 'E', 'X', 't', 'a', 0, 'b', 'c', 'd', 1, 2, 3, 4};
    with_text.insert(with_text.end(), text_chunk.begin(), text_chunk.end());
    with_text.insert(with_text.end(), whole.begin() + 33, whole.end());
    const detail::DecoderNotes notes = expect_like_opencv(with_text, false, 1, true);
    EXPECT_GT(notes.count, 0);
  }
  // Cut at 60%, just before IEND, inside IEND.
  for (std::size_t n : {whole.size() * 6 / 10, whole.size() - 12, whole.size() - 2, 40ul, 8ul}) {
    SCOPED_TRACE(n);
    expect_like_opencv(Bytes(whole.begin(), whole.begin() + static_cast<long>(n)), false);
  }
  // Data damaged inside the compressed stream.
  std::mt19937 rng(3);
  const std::size_t idat = find_chunk(whole, "IDAT");
  for (int i = 0; i < 40; ++i) {
    SCOPED_TRACE(i);
    Bytes bad = whole;
    bad[idat + 8 + rng() % (whole.size() - idat - 20)] ^= static_cast<std::uint8_t>(1u << (i % 8));
    expect_like_opencv(bad, false);
  }
}

TEST(CodecsPng, GarbageIsAnErrorNeverACrash) {
  std::mt19937 rng(2);
  const Bytes signature = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  for (std::size_t n : {0, 1, 8, 9, 30, 100, 5000}) {
    Bytes junk(n);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    std::copy_n(signature.begin(), std::min(n, signature.size()), junk.begin());
    detail::DecoderNotes notes;
    auto d = detail::decode_png(junk, DecodeLimits{}, notes);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, ErrorCode::kCorrupt);
    EXPECT_EQ(d.error().message.rfind("png: ", 0), 0u);
  }
}

TEST(CodecsPng, PixelCapIsCheckedBeforeDecoding) {
  const Bytes bytes = encode(noisy_picture(200, 100), ".png");
  detail::DecoderNotes notes;
  auto d = detail::decode_png(bytes, DecodeLimits{19'999}, notes);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, ErrorCode::kLimit);
  EXPECT_TRUE(detail::decode_png(bytes, DecodeLimits{20'000}, notes).ok());
  // A header claiming 1,000,000 x 1,000,000 pixels with no data behind it: refused on the size.
  Bytes huge = bytes;
  const Bytes dims = {0x00, 0x0F, 0x42, 0x40, 0x00, 0x0F, 0x42, 0x40};
  std::copy(dims.begin(), dims.end(), huge.begin() + 16);
  const std::uint32_t crc = static_cast<std::uint32_t>(crc32(0, huge.data() + 12, 17));
  for (int i = 0; i < 4; ++i) huge[29 + i] = static_cast<std::uint8_t>(crc >> (24 - 8 * i));
  EXPECT_EQ(detail::decode_png(huge, DecodeLimits{}, notes).error().code, ErrorCode::kLimit);
}

TEST(CodecsPng, EncodeGreyPngRoundTrips) {
  for (const cv::Size size : {cv::Size(1, 1), cv::Size(64, 48), cv::Size(333, 7)}) {
    const cv::Mat grey = grey_of(noisy_picture(size.width, size.height, 14));
    auto png = encode_grey_png(grey);
    ASSERT_TRUE(png.ok()) << png.error().describe();
    const std::vector<std::uint8_t> bytes(png->begin(), png->end());
    const cv::Mat back = cv::imdecode(bytes, cv::IMREAD_GRAYSCALE);
    ASSERT_EQ(back.size(), grey.size());
    EXPECT_EQ(cv::norm(back, grey, cv::NORM_INF), 0.0);
    EXPECT_EQ(bytes[25], 0);  // colour type 0: grey
    EXPECT_EQ(bytes[24], 8);  // 8 bits
  }
  // A view into a larger picture (rows not contiguous).
  const cv::Mat big = grey_of(noisy_picture(100, 80, 15));
  const cv::Mat view = big(cv::Rect(7, 5, 41, 33));
  ASSERT_FALSE(view.isContinuous());
  auto png = encode_grey_png(view);
  ASSERT_TRUE(png.ok());
  const cv::Mat back =
      cv::imdecode(std::vector<std::uint8_t>(png->begin(), png->end()), cv::IMREAD_GRAYSCALE);
  EXPECT_EQ(cv::norm(back, view, cv::NORM_INF), 0.0);
  // Not 8-bit one-channel, or empty: kInternal.
  EXPECT_EQ(encode_grey_png(noisy_picture(4, 4)).error().code, ErrorCode::kInternal);
  EXPECT_EQ(encode_grey_png(cv::Mat()).error().code, ErrorCode::kInternal);
  EXPECT_EQ(encode_grey_png(cv::Mat(4, 4, CV_16UC1, cv::Scalar(1))).error().code,
            ErrorCode::kInternal);
}

}  // namespace
}  // namespace vigil::phash
