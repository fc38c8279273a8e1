// Carve tests: synthetic pictures (drawn here with OpenCV, a GIF written by hand) placed at odd
// offsets inside random bytes, decoys that look like pictures, and hostile headers. Assertions
// are on counts, offsets, lengths and bytes (never on time).
#include "carve/carve.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <stdexcept>
#include <string>

#include "vigil/extract/testing.hpp"

namespace vigil::plugins {
namespace {

using Bytes = std::vector<std::uint8_t>;
using carve::Format;
using carve::Verdict;

Bytes drawn(const std::string& ext, int width, int height, int seed) {
  cv::Mat m(height, width, CV_8UC3, cv::Scalar(20 + seed, 120, 200));
  cv::circle(m, {width / 2, height / 2}, std::min(width, height) / 3, cv::Scalar(250, 30, 60), -1);
  cv::rectangle(m, {seed % width, 2}, {width - 3, height / 2}, cv::Scalar(5, 240, 5), 2);
  cv::putText(m, "vigil " + std::to_string(seed), {4, height - 6}, cv::FONT_HERSHEY_SIMPLEX, 0.5,
              cv::Scalar(255, 255, 255));
  Bytes out;
  if (!cv::imencode(ext, m, out)) {
    throw std::runtime_error("OpenCV cannot write " + ext + " (Debian libopencv-imgcodecs-dev)");
  }
  return out;
}

// A 1x1 GIF89a with a global colour table, a comment, a graphic control extension and LZW data
// (clear code, index 0, end code), written by hand: OpenCV 4.6 cannot encode GIF.
Bytes gif() {
  Bytes g{'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0};
  g.insert(g.end(), {0, 0, 0, 255, 255, 255});                     // global colour table, 2 entries
  g.insert(g.end(), {0x21, 0xFE, 5, 'v', 'i', 'g', 'i', 'l', 0});  // comment extension
  g.insert(g.end(), {0x21, 0xF9, 4, 0, 0, 0, 0, 0});               // graphic control extension
  g.insert(g.end(), {0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0});            // image descriptor
  g.insert(g.end(), {2, 2, 0x44, 0x01, 0});                        // LZW code size 2, one sub-block
  g.push_back(0x3B);
  return g;
}

Bytes random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

struct Run {
  extract::testing::CollectingEmitter out;
  carve::Stats stats;
};

extract::testing::CollectingEmitter extract_item(const Bytes& b, std::size_t max_children = 1000000,
                                                 std::uint64_t budget = 1ULL << 40) {
  const auto prov = Provenance::evidence("blob.dat");
  const sniff::ContentType type;  // "unknown"
  const extract::ItemInput in{prov, "blob.dat", type, b, 0};
  extract::testing::CollectingEmitter out(budget, max_children);
  auto e = make_carve_extractor();
  EXPECT_TRUE(e->probe(in));
  e->extract(in, out, {});
  return out;
}

class Collect final : public carve::Sink {
 public:
  bool carved(const carve::Carved& c) override {
    found.push_back(c);
    return true;
  }
  void warn(std::string code, std::string message) override {
    warnings.push_back({std::move(code), std::move(message)});
  }
  std::vector<carve::Carved> found;
  std::vector<extract::testing::Warning> warnings;
};

std::string locator(const std::string& type, std::size_t off, std::size_t len) {
  return type + "@" + std::to_string(off) + "+" + std::to_string(len);
}

// Random bytes with pictures at odd offsets; returns (offset, picture, type) of each.
struct Planted {
  std::size_t offset;
  Bytes bytes;
  std::string type;
};
Bytes plant(std::vector<Planted>& planted, unsigned seed) {
  Bytes b = random_bytes(1572, seed);
  const std::vector<std::pair<std::string, Bytes>> pics = {
      {"jpeg", drawn(".jpg", 160, 120, 1)}, {"png", drawn(".png", 90, 70, 2)},
      {"bmp", drawn(".bmp", 33, 17, 3)},    {"gif", gif()},
      {"webp", drawn(".webp", 64, 48, 4)},  {"jpeg", drawn(".jpg", 31, 29, 5)}};
  unsigned gap = 3;
  for (const auto& [type, pic] : pics) {
    planted.push_back({b.size(), pic, type});
    b.insert(b.end(), pic.begin(), pic.end());
    const Bytes filler = random_bytes(gap, seed + gap);
    b.insert(b.end(), filler.begin(), filler.end());
    gap = gap * 7 + 1;  // odd gaps: no picture starts on a sector
  }
  return b;
}

TEST(Carve, PicturesAtOddOffsetsInRandomBytes) {
  std::vector<Planted> planted;
  const Bytes b = plant(planted, 7);
  const auto out = extract_item(b);
  ASSERT_EQ(out.children.size(), planted.size());
  for (std::size_t i = 0; i < planted.size(); ++i) {
    const auto& c = out.children[i];
    SCOPED_TRACE(planted[i].type);
    EXPECT_EQ(c.layer, "carve");
    EXPECT_EQ(c.locator, locator(planted[i].type, planted[i].offset, planted[i].bytes.size()));
    EXPECT_TRUE(c.has_offset);
    EXPECT_EQ(c.offset, planted[i].offset);
    EXPECT_EQ(c.status, extract::ChildStatus::kOk);
    EXPECT_EQ(c.bytes, planted[i].bytes);
  }
  EXPECT_EQ(out.warnings.size(), 0u);
  EXPECT_EQ(out.value("carved"), std::to_string(planted.size()));
  EXPECT_EQ(out.value("carved_partial"), "0");
}

TEST(Carve, JpegAfter1572RandomBytes) {
  Bytes b = random_bytes(1572, 99);
  const Bytes jpg = drawn(".jpg", 200, 150, 9);
  b.insert(b.end(), jpg.begin(), jpg.end());
  const auto out = extract_item(b);
  ASSERT_EQ(out.children.size(), 1u);
  EXPECT_EQ(out.children[0].locator, locator("jpeg", 1572, jpg.size()));
  EXPECT_EQ(out.children[0].bytes, jpg);
}

TEST(Carve, OffsetShiftMovesEveryOffsetBy65) {
  std::vector<Planted> planted;
  const Bytes b = plant(planted, 11);
  Bytes shifted = random_bytes(65, 12345);
  shifted.insert(shifted.end(), b.begin(), b.end());
  Collect at0;
  Collect at65;
  const carve::Limits limits;
  const auto s0 = carve::carve_span(b, 0, limits, at0);
  const auto s65 = carve::carve_span(shifted, 0, limits, at65);
  ASSERT_EQ(at0.found.size(), planted.size());
  ASSERT_EQ(at65.found.size(), at0.found.size());
  for (std::size_t i = 0; i < at0.found.size(); ++i) {
    EXPECT_EQ(at65.found[i].offset, at0.found[i].offset + 65);
    EXPECT_EQ(at65.found[i].bytes.size(), at0.found[i].bytes.size());
    EXPECT_EQ(at65.found[i].format, at0.found[i].format);
  }
  EXPECT_EQ(s0.carved, s65.carved);
  // The base offset is how the pipeline gives absolute positions: same shift, same result.
  Collect based;
  carve::carve_span(b, 65, limits, based);
  ASSERT_EQ(based.found.size(), at0.found.size());
  for (std::size_t i = 0; i < based.found.size(); ++i) {
    EXPECT_EQ(based.found[i].offset, at0.found[i].offset + 65);
  }
}

TEST(Carve, DecoysAreRejected) {
  Bytes b = random_bytes(333, 5);
  // FFD8 that is not a JPEG: an APP0 header, then text.
  const std::string fake =
      "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
      "this is a text file, not a picture";
  b.insert(b.end(), fake.begin(), fake.end());
  // A PNG whose IDAT CRC does not hold.
  Bytes png = drawn(".png", 40, 30, 6);
  png[8 + 25 + 8 + 4] ^= 0x5A;  // first byte of IDAT data (IHDR chunk is 25 bytes)
  b.insert(b.end(), png.begin(), png.end());
  b.insert(b.end(), 17, 0);
  // A BMP whose file size is too small for its pixel rows.
  Bytes bmp = drawn(".bmp", 50, 40, 7);
  const std::uint32_t small = 200;
  for (int i = 0; i < 4; ++i) bmp[2 + i] = static_cast<std::uint8_t>(small >> (8 * i));
  b.insert(b.end(), bmp.begin(), bmp.end());
  // A BMP whose pixel data offset lies past its file size.
  Bytes bmp2 = drawn(".bmp", 20, 20, 8);
  const auto off = static_cast<std::uint32_t>(bmp2.size() + 10);
  for (int i = 0; i < 4; ++i) bmp2[10 + i] = static_cast<std::uint8_t>(off >> (8 * i));
  b.insert(b.end(), bmp2.begin(), bmp2.end());
  b.insert(b.end(), 64, 'x');
  const auto out = extract_item(b);
  EXPECT_EQ(out.children.size(), 0u);
  EXPECT_EQ(out.warnings.size(), 0u);  // not a picture is not a warning
  EXPECT_GE(std::stoul(out.value("carve_rejected")), 4u);
  EXPECT_EQ(out.value("carve_candidates"), out.value("carve_rejected"));
  // Each decoy on its own, through its validator.
  EXPECT_EQ(carve::validate_png(png).verdict, Verdict::kReject);
  EXPECT_EQ(carve::validate_png(png).reason, "chunk CRC mismatch");
  EXPECT_EQ(carve::validate_bmp(bmp).verdict, Verdict::kReject);
  EXPECT_EQ(carve::validate_bmp(bmp2).verdict, Verdict::kReject);
  const Bytes fake_bytes(fake.begin(), fake.end());
  EXPECT_EQ(carve::validate_jpeg(fake_bytes).verdict, Verdict::kReject);
}

// An APP1 "Exif" segment holding a TIFF header with an empty IFD and then a whole JPEG (the
// thumbnail), inserted after the main JPEG's SOI: the thumbnail's EOI comes first in the file.
TEST(Carve, JpegWithExifThumbnailIsCarvedOnceToItsRealEnd) {
  const Bytes main = drawn(".jpg", 240, 180, 12);
  const Bytes thumb = drawn(".jpg", 48, 36, 13);
  Bytes app1 = {'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  app1.insert(app1.end(), thumb.begin(), thumb.end());
  const std::size_t len = app1.size() + 2;
  Bytes jpg = {
      0xFF, 0xD8, 0xFF, 0xE1, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
  jpg.insert(jpg.end(), app1.begin(), app1.end());
  jpg.insert(jpg.end(), main.begin() + 2, main.end());
  Bytes b = random_bytes(1001, 3);
  b.insert(b.end(), jpg.begin(), jpg.end());
  b.insert(b.end(), 50, 0);
  const auto out = extract_item(b);
  ASSERT_EQ(out.children.size(), 1u);
  EXPECT_EQ(out.children[0].locator, locator("jpeg", 1001, jpg.size()));
  EXPECT_EQ(out.children[0].bytes, jpg);
  EXPECT_EQ(out.value("carve_candidates"), "1");  // the thumbnail inside was skipped
  const auto v = carve::validate_jpeg(jpg);
  EXPECT_EQ(v.verdict, Verdict::kComplete);
  EXPECT_EQ(v.length, jpg.size());
}

TEST(Carve, TruncatedJpegIsPartialWithAWarning) {
  const Bytes jpg = drawn(".jpg", 200, 200, 14);
  Bytes b = random_bytes(77, 4);
  b.insert(b.end(), jpg.begin(), jpg.begin() + static_cast<long>(jpg.size() / 2));
  const auto out = extract_item(b);
  ASSERT_EQ(out.children.size(), 1u);
  EXPECT_EQ(out.children[0].status, extract::ChildStatus::kPartial);
  EXPECT_EQ(out.children[0].offset, 77u);
  EXPECT_EQ(out.children[0].bytes.size(), jpg.size() / 2);
  EXPECT_EQ(out.warnings_with("truncated"), 1u);
  EXPECT_EQ(out.value("carved_partial"), "1");
  // Cut inside the header (before any scan data): not a picture at all.
  std::size_t sos = 0;
  for (std::size_t i = 2; i + 1 < jpg.size(); ++i) {
    if (jpg[i] == 0xFF && jpg[i + 1] == 0xDA) {
      sos = i;
      break;
    }
  }
  ASSERT_GT(sos, 0u);
  const Bytes head(jpg.begin(), jpg.begin() + static_cast<long>(sos + 6));
  EXPECT_EQ(carve::validate_jpeg(head).verdict, Verdict::kReject);
}

TEST(Carve, TruncatedPngIsPartialOnlyWithPictureData) {
  // Noise does not compress: libpng writes several IDAT chunks (8 KiB each).
  cv::Mat m(120, 160, CV_8UC3);
  cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(255));
  Bytes png;
  ASSERT_TRUE(cv::imencode(".png", m, png));
  ASSERT_GT(png.size(), 3u * 8192);
  const Bytes cut(png.begin(), png.begin() + static_cast<long>(png.size() / 2));
  const auto v = carve::validate_png(cut);
  EXPECT_EQ(v.verdict, Verdict::kTruncated);
  EXPECT_TRUE(v.at_end);
  EXPECT_EQ(v.length, cut.size());
  // Cut inside the first IDAT: a header and no complete picture data is not a picture.
  const Bytes head(png.begin(), png.begin() + 33 + 100);
  EXPECT_EQ(carve::validate_png(head).verdict, Verdict::kReject);
}

// IHDR of 100,000 x 100,000 pixels (valid CRC), then an IDAT whose length points 2 GiB past the
// end: rejected after reading the two chunk headers, the CRC of the lying chunk never computed.
TEST(Carve, HugePngHeaderWithChunkPastTheEndIsRejectedCheaply) {
  Bytes png = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  const std::uint32_t side = 100000;
  for (int r = 0; r < 2; ++r) {
    for (int i = 3; i >= 0; --i) png.push_back(static_cast<std::uint8_t>(side >> (8 * i)));
  }
  png.insert(png.end(), {8, 2, 0, 0, 0});
  const auto crc = static_cast<std::uint32_t>(crc32(0L, png.data() + 12, 17));
  for (int i = 3; i >= 0; --i) png.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
  png.insert(png.end(), {0x7F, 0xFF, 0xFF, 0xF0, 'I', 'D', 'A', 'T'});
  const Bytes tail = random_bytes(4096, 8);
  png.insert(png.end(), tail.begin(), tail.end());
  const auto v = carve::validate_png(png);
  EXPECT_EQ(v.verdict, Verdict::kReject);
  EXPECT_LE(v.walked, 64u);  // two chunk headers, not the 4 KiB behind them
  const auto out = extract_item(png);
  EXPECT_EQ(out.children.size(), 0u);
  EXPECT_EQ(out.value("carve_candidates"), "1");
  EXPECT_EQ(out.value("carve_rejected"), "1");
}

// 16 MiB of random bytes, 10,000 false JPEG signatures (SOI + APP0 + garbage) and one real JPEG
// at the end: every false one rejected, the real one found.
TEST(Carve, SixteenMiBWithTenThousandFalseSignatures) {
  Bytes b = random_bytes(16u << 20, 2026);
  const Bytes fake = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0};
  const std::size_t step = (b.size() - 100000) / 10000;
  for (std::size_t i = 0; i < 10000; ++i) {
    std::copy(fake.begin(), fake.end(), b.begin() + static_cast<long>(i * step + 13));
  }
  const Bytes jpg = drawn(".jpg", 64, 64, 16);
  std::copy(jpg.begin(), jpg.end(), b.end() - static_cast<long>(jpg.size() + 999));
  const auto out = extract_item(b);
  ASSERT_EQ(out.children.size(), 1u);
  EXPECT_EQ(out.children[0].offset, b.size() - jpg.size() - 999);
  EXPECT_EQ(out.children[0].bytes, jpg);
  const auto candidates = std::stoul(out.value("carve_candidates"));
  EXPECT_GE(candidates, 10001u);  // random bytes add a few signatures of their own
  EXPECT_EQ(std::stoul(out.value("carve_rejected")), candidates - 1);
  EXPECT_EQ(out.warnings.size(), 0u);
}

TEST(Carve, WorkBudgetBoundsFailedValidations) {
  // Every false candidate reads far (a GIF whose comment sub-blocks run on, never reaching an
  // image): with a tiny budget the search stops with one limit warning.
  Bytes b;
  for (int i = 0; i < 200; ++i) {
    const Bytes g = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0, 0x21, 0xFE};
    b.insert(b.end(), g.begin(), g.end());
    b.insert(b.end(), 600, 1);  // sub-blocks of 1 byte each, up to the next signature
  }
  b.push_back(0);
  Collect sink;
  carve::Limits limits;
  limits.work_fixed = 10000;
  limits.work_factor = 0;
  const auto st = carve::carve_span(b, 0, limits, sink);
  EXPECT_TRUE(st.stopped);
  EXPECT_LT(st.candidates, 200u);
  ASSERT_EQ(sink.warnings.size(), 1u);
  EXPECT_EQ(sink.warnings[0].code, "limit");
}

// False JPEGs whose APP1 lengths chain over 8 MiB: each validation jumps far but reads only the
// segment headers, so the work budget (bytes read, not distance) is not exhausted and the real
// JPEG after them is still found.
TEST(Carve, LongJumpsOfFalseSignaturesDoNotExhaustTheBudget) {
  constexpr std::size_t kBlock = 65537;  // FF E1 + length 0xFFFF
  constexpr std::size_t kBlocks = 128;
  Bytes b(kBlock * kBlocks, 0);
  for (std::size_t i = 0; i < kBlocks; ++i) {
    std::uint8_t* blk = b.data() + i * kBlock;
    blk[0] = 0xFF;
    blk[1] = 0xE1;
    blk[2] = 0xFF;
    blk[3] = 0xFF;
    // Inside the segment data: an SOI and an APP1 that ends where the next block starts.
    const std::size_t len = kBlock - 8;
    const Bytes inner = {0xFF,
                         0xD8,
                         0xFF,
                         0xE1,
                         static_cast<std::uint8_t>(len >> 8),
                         static_cast<std::uint8_t>(len)};
    std::copy(inner.begin(), inner.end(), blk + 4);
  }
  const Bytes jpg = drawn(".jpg", 64, 48, 22);
  b.insert(b.end(), jpg.begin(), jpg.end());
  Collect sink;
  carve::Limits limits;
  limits.work_fixed = 1 << 20;
  limits.work_factor = 1;  // 9 MiB: far less than the distance the validations jump
  const auto st = carve::carve_span(b, 0, limits, sink);
  EXPECT_FALSE(st.stopped);
  EXPECT_EQ(st.candidates, kBlocks + 1);
  EXPECT_EQ(st.rejected, kBlocks);
  ASSERT_EQ(sink.found.size(), 1u);
  EXPECT_EQ(sink.found[0].offset, kBlock * kBlocks);
  EXPECT_EQ(sink.found[0].bytes.size(), jpg.size());
  EXPECT_TRUE(sink.warnings.empty());
}

TEST(Carve, LimitsAreCountedWarnings) {
  std::vector<Planted> planted;
  const Bytes b = plant(planted, 21);
  {  // the number of carved items
    Collect sink;
    carve::Limits limits;
    limits.max_items = 2;
    const auto st = carve::carve_span(b, 0, limits, sink);
    EXPECT_EQ(sink.found.size(), 2u);
    EXPECT_TRUE(st.stopped);
    ASSERT_EQ(sink.warnings.size(), 1u);
    EXPECT_EQ(sink.warnings[0].code, "limit");
  }
  {  // the largest JPEG carve: cut there, partial, one limit warning per JPEG over it
    Collect sink;
    carve::Limits limits;
    limits.max_bytes[0] = 1000;
    carve::carve_span(b, 0, limits, sink);
    ASSERT_EQ(sink.found.size(), planted.size());
    EXPECT_TRUE(sink.found[0].partial);
    EXPECT_TRUE(sink.found[0].size_limited);
    EXPECT_EQ(sink.found[0].bytes.size(), 1000u);
    std::size_t limit_warnings = 0;
    for (const auto& w : sink.warnings) limit_warnings += w.code == "limit" ? 1 : 0;
    std::size_t big_jpegs = 0;
    for (const auto& p : planted) big_jpegs += p.type == "jpeg" && p.bytes.size() > 1000 ? 1 : 0;
    EXPECT_EQ(limit_warnings, big_jpegs);
  }
  {  // child() returning false stops the extractor
    const auto out = extract_item(b, 3);
    EXPECT_EQ(out.children.size(), 3u);
  }
}

TEST(Carve, ProbeOnlyUnknownItems) {
  const Bytes b = drawn(".jpg", 32, 32, 17);
  const auto prov = Provenance::evidence("x");
  auto e = make_carve_extractor();
  for (const std::string_view name : {"jpeg", "zip", "ole2", "pdf", "png"}) {
    sniff::ContentType t;
    t.name = name;
    const extract::ItemInput in{prov, "x", t, b, 0};
    EXPECT_FALSE(e->probe(in)) << name;
  }
  const sniff::ContentType unknown;
  const extract::ItemInput in{prov, "x", unknown, b, 0};
  EXPECT_TRUE(e->probe(in));
}

TEST(Carve, AdjacentPicturesAndEveryFormatAlone) {
  const Bytes jpg = drawn(".jpg", 50, 50, 18);
  const Bytes png = drawn(".png", 50, 50, 19);
  Bytes b = jpg;
  b.insert(b.end(), png.begin(), png.end());
  const auto out = extract_item(b);
  ASSERT_EQ(out.children.size(), 2u);
  EXPECT_EQ(out.children[0].locator, locator("jpeg", 0, jpg.size()));
  EXPECT_EQ(out.children[1].locator, locator("png", jpg.size(), png.size()));
  EXPECT_EQ(carve::validate_gif(gif()).verdict, Verdict::kComplete);
  const Bytes webp = drawn(".webp", 40, 40, 20);
  EXPECT_EQ(carve::validate_webp(webp).verdict, Verdict::kComplete);
  EXPECT_EQ(carve::validate_webp(webp).length, webp.size());
  Bytes bad_riff = webp;
  bad_riff[4] ^= 0x02;  // RIFF size disagrees with the chunks
  EXPECT_EQ(carve::validate_webp(bad_riff).verdict, Verdict::kReject);
  const Bytes bmp = drawn(".bmp", 21, 13, 21);
  EXPECT_EQ(carve::validate_bmp(bmp).verdict, Verdict::kComplete);
  EXPECT_EQ(carve::validate_bmp(bmp).length, bmp.size());
}

}  // namespace
}  // namespace vigil::plugins
