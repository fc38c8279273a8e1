// Carve tests: synthetic pictures (drawn here with OpenCV, a GIF written by hand) placed at odd
// offsets inside random bytes, decoys that look like pictures, and hostile headers. Assertions
// are on counts, offsets, lengths and bytes (never on time).
#include "carve/carve.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <deque>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

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
    // A reassembled JPEG's bytes live only during this call: keep a copy.
    bytes.emplace_back(c.bytes.begin(), c.bytes.end());
    reasons.emplace_back(c.reason);
    found.back().bytes = bytes.back();
    found.back().reason = {};
    return true;
  }
  void warn(std::string code, std::string message) override {
    warnings.push_back({std::move(code), std::move(message)});
  }
  std::vector<carve::Carved> found;
  std::deque<Bytes> bytes;  // deque: found[i].bytes keeps pointing at its element
  std::vector<std::string> reasons;
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

// --- Validation by decoding, bifragment gap carving, windows.

// A JPEG of smoothed noise (a photograph's detail): its scan data spans several 4 KiB blocks.
Bytes noisy_jpeg(int width, int height, int seed) {
  cv::Mat m(height, width, CV_8UC3);
  cv::theRNG().state = static_cast<std::uint64_t>(seed) + 1;
  cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(255));
  cv::GaussianBlur(m, m, {5, 5}, 0);
  cv::circle(m, {width / 3, height / 2}, height / 4, cv::Scalar(30, 200, 90), -1);
  Bytes out;
  if (!cv::imencode(".jpg", m, out, {cv::IMWRITE_JPEG_QUALITY, 90})) {
    throw std::runtime_error("OpenCV cannot write .jpg (Debian libopencv-imgcodecs-dev)");
  }
  return out;
}

// The position after the first SOS header (where entropy-coded data begins).
std::size_t scan_data_start(const Bytes& j) {
  for (std::size_t i = 2; i + 3 < j.size(); ++i) {
    if (j[i] == 0xFF && j[i + 1] == 0xDA) return i + 2 + ((std::size_t{j[i + 2]} << 8) | j[i + 3]);
  }
  return 0;
}

Bytes no_ff(std::size_t n, unsigned seed) {
  Bytes b = random_bytes(n, seed);
  for (auto& x : b) x = x == 0xFF ? 0x7E : x;
  return b;
}

void append(Bytes& to, const Bytes& from) { to.insert(to.end(), from.begin(), from.end()); }

// Bytes in the middle of the scan data replaced by random bytes without 0xFF: the markers still
// walk to EOI (the structure check cannot see it), the decoder stops.
TEST(CarveDecode, CorruptScanDataIsCaughtByDecoding) {
  const Bytes jpg = noisy_jpeg(320, 240, 1);
  const std::size_t scan = scan_data_start(jpg);
  ASSERT_GT(scan, 0u);
  Bytes bad = jpg;
  const std::size_t mid = scan + (jpg.size() - scan) / 2;
  const Bytes junk = no_ff(700, 2);
  std::copy(junk.begin(), junk.end(), bad.begin() + static_cast<long>(mid));
  EXPECT_EQ(carve::validate_jpeg(bad).verdict, Verdict::kComplete);
  Bytes b = random_bytes(333, 3);
  append(b, bad);
  append(b, Bytes(64, 0));
  carve::Limits limits;
  limits.fragment_alignment = 0;  // no second-fragment search: the decode alone
  Collect sink;
  const auto st = carve::carve_span(b, 0, limits, sink);
  ASSERT_EQ(sink.found.size(), 1u);
  const auto& c = sink.found[0];
  EXPECT_EQ(c.offset, 333u);
  EXPECT_TRUE(c.partial);
  EXPECT_FALSE(c.decoded);
  EXPECT_GE(c.decode_stopped_at, 333u + mid);
  EXPECT_LE(c.decode_stopped_at, 333u + bad.size());
  EXPECT_EQ(st.decode_partial, 1u);
  ASSERT_EQ(sink.warnings.size(), 1u);
  EXPECT_EQ(sink.warnings[0].code, "corrupt");
  EXPECT_NE(sink.reasons[0].find("decoding stopped at offset"), std::string::npos);
  // Structure only (decode off): the same bytes pass as a whole picture.
  limits.decode = false;
  Collect structure_only;
  carve::carve_span(b, 0, limits, structure_only);
  ASSERT_EQ(structure_only.found.size(), 1u);
  EXPECT_FALSE(structure_only.found[0].partial);
  // The original decodes whole.
  Collect whole;
  carve::carve_span(jpg, 0, carve::Limits{}, whole);
  ASSERT_EQ(whole.found.size(), 1u);
  EXPECT_TRUE(whole.found[0].decoded);
  EXPECT_FALSE(whole.found[0].partial);
  EXPECT_EQ(whole.found[0].width, 320u);
  EXPECT_EQ(whole.found[0].height, 240u);
}

// An FFD8 decoy whose markers are all in order but which has no quantisation tables (its DQT
// segments renamed to COM): nothing decodes, so it is rejected. (Missing Huffman tables would not
// do: libjpeg-turbo falls back to the standard tables of T.81 K.3, as Motion JPEG needs.)
TEST(CarveDecode, DecoyWithoutQuantisationTablesIsRejected) {
  Bytes jpg = drawn(".jpg", 64, 48, 31);
  for (std::size_t i = 2; i + 1 < scan_data_start(jpg); ++i) {
    if (jpg[i] == 0xFF && jpg[i + 1] == 0xDB) jpg[i + 1] = 0xFE;
  }
  EXPECT_EQ(carve::validate_jpeg(jpg).verdict, Verdict::kComplete);
  Bytes b = random_bytes(100, 4);
  append(b, jpg);
  const auto out = extract_item(b);
  EXPECT_EQ(out.children.size(), 0u);
  EXPECT_EQ(out.value("carve_decode_rejected"), "1");
  EXPECT_EQ(out.warnings.size(), 0u);
}

// A JPEG split at an absolute 4096-byte boundary, a gap, then the rest: reassembled, both ranges
// exact, the bytes (and so the digest) those of the original.
struct Fragmented {
  Bytes disk;
  Bytes jpg;
  std::size_t start;
  std::size_t split;   // end of the first fragment
  std::size_t resume;  // start of the second
};

Fragmented fragmented(const Bytes& gap, std::size_t start, std::size_t split, int seed) {
  Fragmented f{random_bytes(start, static_cast<unsigned>(seed)), noisy_jpeg(320, 240, seed), start,
               split, 0};
  EXPECT_GT(f.jpg.size(), split - start + 4096);
  f.disk.insert(f.disk.end(), f.jpg.begin(), f.jpg.begin() + static_cast<long>(split - start));
  append(f.disk, gap);
  f.resume = f.disk.size();
  f.disk.insert(f.disk.end(), f.jpg.begin() + static_cast<long>(split - start), f.jpg.end());
  append(f.disk, random_bytes(777, static_cast<unsigned>(seed) + 9));
  return f;
}

void expect_reassembled(const Fragmented& f, const carve::Carved& c, std::uint64_t base = 0) {
  EXPECT_EQ(c.format, Format::kJpeg);
  EXPECT_EQ(c.offset, base + f.start);
  ASSERT_EQ(c.fragments.size(), 2u);
  EXPECT_EQ(c.fragments[0].offset, base + f.start);
  EXPECT_EQ(c.fragments[0].length, f.split - f.start);
  EXPECT_EQ(c.fragments[1].offset, base + f.resume);
  EXPECT_EQ(c.fragments[1].length, f.jpg.size() - (f.split - f.start));
  EXPECT_TRUE(c.decoded);
  EXPECT_FALSE(c.partial);
  EXPECT_TRUE(std::equal(c.bytes.begin(), c.bytes.end(), f.jpg.begin(), f.jpg.end()));
}

TEST(CarveFragments, JpegSplitByRandomBytesIsReassembled) {
  const Fragmented f = fragmented(random_bytes(3 * 4096, 41), 1000, 8192, 5);
  Collect sink;
  const auto st = carve::carve_span(f.disk, 0, carve::Limits{}, sink);
  ASSERT_EQ(sink.found.size(), 1u);
  expect_reassembled(f, sink.found[0]);
  EXPECT_EQ(st.reassembled, 1u);
  EXPECT_EQ(st.partial, 0u);
  // Fragment ends are aligned in absolute offsets: a base that is a multiple of the alignment
  // moves both ranges by exactly that.
  Collect shifted;
  carve::carve_span(f.disk, 3 * 65536, carve::Limits{}, shifted);
  ASSERT_EQ(shifted.found.size(), 1u);
  expect_reassembled(f, shifted.found[0], 3 * 65536);
  // Through the extractor: one child, both ranges in its locator.
  const auto out = extract_item(f.disk);
  ASSERT_EQ(out.children.size(), 1u);
  EXPECT_EQ(out.children[0].locator, "jpeg@1000+7192," + std::to_string(f.resume) + "+" +
                                         std::to_string(f.jpg.size() - 7192));
  EXPECT_EQ(out.children[0].bytes, f.jpg);
  // Joined by inference (the join decodes), so marked as such, never plain "ok".
  EXPECT_EQ(out.children[0].status, extract::ChildStatus::kReassembled);
  EXPECT_EQ(out.value("carved_reassembled"), "1");
}

// A gap of random bytes, the second fragment, then hundreds of false continuations: blocks that
// walk to an FFD9 of their own, as random bytes now and then do. The nearest continuation is
// tried with every break before the next one, so the join is found before max_gap_decodes (128)
// runs out. Before, every continuation was tried with the nearest break first, and all 128 were
// spent when that break was not the right one: 30 of these 64 gaps failed (and a JPEG of the
// carve bench: 9 of 10 reassembled). Gap 56 ends in 0xFF: the walk from the gap read it with the
// fragment's first byte as a bad marker, and that failure was remembered for the fragment's
// own start.
TEST(CarveFragments, FalseContinuationsAfterTheSecondFragmentDoNotHideIt) {
  for (int seed = 1; seed <= 64; ++seed) {
    SCOPED_TRACE(seed);
    const auto gap = random_bytes(3 * 4096, static_cast<unsigned>(seed) + 1000);
    Fragmented f = fragmented(gap, 1000, 8192, 5);
    append(f.disk, no_ff((512 - f.disk.size() % 512) % 512, 90));
    for (int i = 0; i < 300; ++i) {
      append(f.disk, no_ff(510, static_cast<unsigned>(100 + i)));
      f.disk.push_back(0xFF);
      f.disk.push_back(0xD9);
    }
    Collect sink;
    const auto st = carve::carve_span(f.disk, 0, carve::Limits{}, sink);
    ASSERT_FALSE(sink.found.empty());
    expect_reassembled(f, sink.found[0]);
    EXPECT_EQ(st.reassembled, 1u);
  }
}

TEST(CarveFragments, JpegSplitByTextIsReassembled) {
  std::string text;
  while (text.size() < 2 * 4096) text += "Minutes of the meeting, item 4: the budget stands. ";
  const Bytes gap(text.begin(), text.begin() + 2 * 4096);
  const Fragmented f = fragmented(gap, 4096 + 77, 3 * 4096, 6);
  Collect sink;
  carve::carve_span(f.disk, 0, carve::Limits{}, sink);
  ASSERT_EQ(sink.found.size(), 1u);
  expect_reassembled(f, sink.found[0]);
}

// The gap holds another file: a PNG, then zeros up to the next cluster. Both pictures are
// carved, the PNG from inside the JPEG's gap.
TEST(CarveFragments, JpegSplitByAnotherPictureIsReassembledAndThePictureCarved) {
  cv::Mat m(60, 80, CV_8UC3);
  cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(255));
  Bytes png;
  ASSERT_TRUE(cv::imencode(".png", m, png));
  ASSERT_LT(png.size(), 4u * 4096);
  Bytes gap = png;
  gap.resize(4 * 4096, 0);
  const Fragmented f = fragmented(gap, 2048 + 5, 2 * 4096, 7);
  Collect sink;
  const auto st = carve::carve_span(f.disk, 0, carve::Limits{}, sink);
  ASSERT_EQ(sink.found.size(), 2u);
  expect_reassembled(f, sink.found[0]);
  EXPECT_EQ(sink.found[1].format, Format::kPng);
  EXPECT_EQ(sink.found[1].offset, f.split);
  EXPECT_EQ(sink.bytes[1], png);
  EXPECT_EQ(st.reassembled, 1u);
}

// A progressive JPEG: decoded whole; split in two, its second fragment holds the DHT and SOS
// segments between later scans, which the continuation walk checks and passes.
TEST(CarveFragments, ProgressiveJpegIsDecodedAndReassembled) {
  cv::Mat m(240, 320, CV_8UC3);
  cv::theRNG().state = 77;
  cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(255));
  cv::GaussianBlur(m, m, {5, 5}, 0);
  Bytes jpg;
  ASSERT_TRUE(cv::imencode(".jpg", m, jpg,
                           {cv::IMWRITE_JPEG_QUALITY, 90, cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
  Collect whole;
  carve::carve_span(jpg, 0, carve::Limits{}, whole);
  ASSERT_EQ(whole.found.size(), 1u);
  EXPECT_TRUE(whole.found[0].decoded);
  EXPECT_FALSE(whole.found[0].partial);
  const std::size_t start = 3000;
  const std::size_t split = 3 * 4096 + 4096 * ((jpg.size() / 2) / 4096);
  bool later_scan = false;  // an SOS in the second fragment
  for (std::size_t i = split - start; i + 1 < jpg.size(); ++i) {
    later_scan = later_scan || (jpg[i] == 0xFF && jpg[i + 1] == 0xDA);
  }
  EXPECT_TRUE(later_scan);
  Fragmented f{random_bytes(start, 78), jpg, start, split, 0};
  f.disk.insert(f.disk.end(), jpg.begin(), jpg.begin() + static_cast<long>(split - start));
  append(f.disk, random_bytes(2 * 4096, 79));
  f.resume = f.disk.size();
  f.disk.insert(f.disk.end(), jpg.begin() + static_cast<long>(split - start), jpg.end());
  append(f.disk, random_bytes(500, 80));
  Collect sink;
  carve::carve_span(f.disk, 0, carve::Limits{}, sink);
  ASSERT_EQ(sink.found.size(), 1u);
  expect_reassembled(f, sink.found[0]);
}

TEST(CarveFragments, GapSearchLimitsAreCountedWarnings) {
  const Fragmented f = fragmented(random_bytes(3 * 4096, 42), 1000, 8192, 8);
  {  // no trial decodes allowed: partial, one limit warning
    carve::Limits limits;
    limits.max_gap_decodes = 0;
    Collect sink;
    const auto st = carve::carve_span(f.disk, 0, limits, sink);
    ASSERT_GE(sink.found.size(), 1u);
    EXPECT_TRUE(sink.found[0].partial);
    EXPECT_EQ(sink.found[0].fragments.size(), 1u);
    EXPECT_EQ(st.reassembled, 0u);
    EXPECT_EQ(st.gap_searches, 1u);
    EXPECT_EQ(st.limits_reached, 1u);
    std::size_t limit_warnings = 0;
    for (const auto& w : sink.warnings) limit_warnings += w.code == "limit" ? 1 : 0;
    EXPECT_EQ(limit_warnings, 1u);
  }
  {  // the gap is larger than the search: partial, where decoding stopped is reported
    carve::Limits limits;
    limits.max_gap = 4096;
    Collect sink;
    const auto st = carve::carve_span(f.disk, 0, limits, sink);
    ASSERT_GE(sink.found.size(), 1u);
    EXPECT_TRUE(sink.found[0].partial);
    EXPECT_GE(sink.found[0].decode_stopped_at, f.split);
    EXPECT_EQ(st.reassembled, 0u);
  }
  {  // alignment 0: no gap search at all
    carve::Limits limits;
    limits.fragment_alignment = 0;
    Collect sink;
    const auto st = carve::carve_span(f.disk, 0, limits, sink);
    EXPECT_EQ(st.gap_searches, 0u);
    EXPECT_EQ(st.reassembled, 0u);
  }
}

// Many broken JPEGs, each followed by random bytes: every one is searched for a second fragment,
// and the searches are charged to the span's work budget, so the span stays linear.
TEST(CarveFragments, ManyBrokenJpegsAreBoundedByTheWorkBudget) {
  const Bytes jpg = noisy_jpeg(320, 240, 11);
  const Bytes half(jpg.begin(), jpg.begin() + static_cast<long>(jpg.size() / 2));
  Bytes b;
  for (int i = 0; i < 200; ++i) {
    append(b, half);
    append(b, random_bytes(20000, static_cast<unsigned>(i)));
  }
  carve::Limits limits;
  limits.work_fixed = 256 << 10;
  limits.work_factor = 0;
  Collect sink;
  const auto st = carve::carve_span(b, 0, limits, sink);
  EXPECT_TRUE(st.stopped);
  EXPECT_GT(st.gap_searches, 0u);
  EXPECT_LT(st.gap_searches, 200u);
  EXPECT_EQ(st.reassembled, 0u);
  ASSERT_FALSE(sink.warnings.empty());
  EXPECT_EQ(sink.warnings.back().code, "limit");
  // With a large budget every one carved is searched and carved as partial (some are inside
  // the structure of the one before: a false marker's length can jump over them). Each search
  // walks up to max_gap (8 MiB) of the bytes after its break.
  limits.work_fixed = 4ULL << 30;
  Collect all;
  const auto st_all = carve::carve_span(b, 0, limits, all);
  EXPECT_GT(st_all.gap_searches, st.gap_searches);
  EXPECT_EQ(st_all.gap_searches, all.found.size());
  EXPECT_EQ(st_all.partial, all.found.size());
  EXPECT_FALSE(st_all.stopped);
}

// Headers that claim huge pictures: not decoded (no allocation attempted), carved as partial with
// a limit warning, quickly.
TEST(CarveDecode, HugeDimensionsAreNotDecoded) {
  {  // JPEG SOF: 65,000 x 65,000
    Bytes jpg = drawn(".jpg", 64, 48, 32);
    for (std::size_t i = 2; i + 9 < jpg.size(); ++i) {
      if (jpg[i] == 0xFF && jpg[i + 1] == 0xC0) {
        jpg[i + 5] = 0xFD;  // height 65000 = 0xFDE8
        jpg[i + 6] = 0xE8;
        jpg[i + 7] = 0xFD;  // width
        jpg[i + 8] = 0xE8;
        break;
      }
    }
    Collect sink;
    const auto st = carve::carve_span(jpg, 0, carve::Limits{}, sink);
    ASSERT_EQ(sink.found.size(), 1u);
    EXPECT_TRUE(sink.found[0].partial);
    EXPECT_FALSE(sink.found[0].decoded);
    EXPECT_EQ(sink.found[0].width, 65000u);
    EXPECT_EQ(st.limits_reached, 1u);
    ASSERT_EQ(sink.warnings.size(), 1u);
    EXPECT_EQ(sink.warnings[0].code, "limit");
  }
  {  // GIF: a 60,000 x 60,000 screen and image with one byte of LZW data
    Bytes g = gif();
    g[6] = g[8] = 0x60;  // 60,000 = 0xEA60
    g[7] = g[9] = 0xEA;
    const std::size_t desc = g.size() - 1 - 5 - 10;
    g[desc + 5] = g[desc + 7] = 0x60;
    g[desc + 6] = g[desc + 8] = 0xEA;
    ASSERT_EQ(carve::validate_gif(g).verdict, Verdict::kComplete);
    Collect sink;
    carve::carve_span(g, 0, carve::Limits{}, sink);
    ASSERT_EQ(sink.found.size(), 1u);
    EXPECT_TRUE(sink.found[0].partial);
    ASSERT_EQ(sink.warnings.size(), 1u);
    EXPECT_EQ(sink.warnings[0].code, "limit");
  }
  {  // lossless WebP (VP8L) whose header says 16,384 x 16,384: 1 GiB of ARGB
    cv::Mat m(40, 40, CV_8UC3, cv::Scalar(10, 200, 30));
    Bytes w;
    ASSERT_TRUE(cv::imencode(".webp", m, w, {cv::IMWRITE_WEBP_QUALITY, 101}));
    ASSERT_EQ(std::string(w.begin() + 12, w.begin() + 16), "VP8L");
    w[21] = 0xFF;  // 14 bits width-1, 14 bits height-1, little-endian from byte 21
    w[22] = 0xFF;
    w[23] = 0xFF;
    w[24] = static_cast<std::uint8_t>(w[24] | 0x0F);
    Collect sink;
    carve::carve_span(w, 0, carve::Limits{}, sink);
    ASSERT_EQ(sink.found.size(), 1u);
    EXPECT_TRUE(sink.found[0].partial);
    EXPECT_EQ(sink.found[0].width, 16384u);
    ASSERT_EQ(sink.warnings.size(), 1u);
    EXPECT_EQ(sink.warnings[0].code, "limit");
  }
  {  // GIF: 10,001 frames of 1x1 (giflib would keep a record of each)
    Bytes g = gif();
    g.pop_back();  // the trailer
    const Bytes frame = {0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0};
    for (int i = 0; i < 10'000; ++i) append(g, frame);
    g.push_back(0x3B);
    ASSERT_EQ(carve::validate_gif(g).verdict, Verdict::kComplete);
    Collect sink;
    carve::carve_span(g, 0, carve::Limits{}, sink);
    ASSERT_EQ(sink.found.size(), 1u);
    EXPECT_TRUE(sink.found[0].partial);
    ASSERT_EQ(sink.warnings.size(), 1u);
    EXPECT_EQ(sink.warnings[0].code, "limit");
  }
  {  // the limit is configurable
    carve::Limits limits;
    limits.max_decode_pixels = 100;
    Collect sink;
    carve::carve_span(drawn(".jpg", 64, 48, 33), 0, limits, sink);
    ASSERT_EQ(sink.found.size(), 1u);
    EXPECT_TRUE(sink.found[0].partial);
  }
}

TEST(CarveDecode, GifAndWebpAreDecoded) {
  Collect ok;
  Bytes b = gif();
  append(b, random_bytes(50, 5));
  const Bytes webp = drawn(".webp", 64, 48, 34);
  append(b, webp);
  append(b, random_bytes(50, 6));
  carve::carve_span(b, 0, carve::Limits{}, ok);
  ASSERT_EQ(ok.found.size(), 2u);
  EXPECT_TRUE(ok.found[0].decoded);
  EXPECT_FALSE(ok.found[0].partial);
  EXPECT_TRUE(ok.found[1].decoded);
  EXPECT_EQ(ok.found[1].width, 64u);
  // A GIF whose LZW data uses a code not yet defined (clear, then 7): nothing decodes.
  Bytes bad = gif();
  const std::size_t data = bad.size() - 1 - 3;  // the two LZW bytes
  bad[data] = 0x7C;
  bad[data + 1] = 0x01;
  ASSERT_EQ(carve::validate_gif(bad).verdict, Verdict::kComplete);
  Collect rejected;
  const auto st = carve::carve_span(bad, 0, carve::Limits{}, rejected);
  EXPECT_EQ(rejected.found.size(), 0u);
  EXPECT_EQ(st.decode_rejected, 1u);
  // A tall lossy WebP cut at three quarters: its first rows decode, so it is partial.
  cv::Mat tall(480, 64, CV_8UC3);
  cv::randu(tall, cv::Scalar::all(0), cv::Scalar::all(255));
  Bytes tall_webp;
  ASSERT_TRUE(cv::imencode(".webp", tall, tall_webp, {cv::IMWRITE_WEBP_QUALITY, 80}));
  const Bytes cut(tall_webp.begin(),
                  tall_webp.begin() + static_cast<long>(tall_webp.size() * 3 / 4));
  Collect half;
  carve::carve_span(cut, 0, carve::Limits{}, half);
  ASSERT_EQ(half.found.size(), 1u);
  EXPECT_TRUE(half.found[0].partial);
}

// Windows [k*W, k*W + W + look-ahead) with search_len W carve every picture exactly once, at the
// same absolute offsets as one pass over the whole.
TEST(CarveWindows, SearchLenCarvesEachPictureOnce) {
  std::vector<Planted> planted;
  Bytes b = plant(planted, 51);
  const Fragmented f = fragmented(random_bytes(2 * 4096, 52), 1000, 8192, 9);
  const std::size_t at = b.size();
  Bytes padded = random_bytes(4096 - at % 4096, 53);
  append(b, padded);
  append(b, f.disk);
  Collect whole;
  carve::carve_span(b, 0, carve::Limits{}, whole);
  ASSERT_EQ(whole.found.size(), planted.size() + 1);
  for (const std::size_t w : {std::size_t{997}, std::size_t{4096}, std::size_t{20000}}) {
    SCOPED_TRACE(w);
    Collect windows;
    for (std::size_t k = 0; k * w < b.size(); ++k) {
      const std::size_t from = k * w;
      const std::size_t len = std::min(b.size() - from, w + 65536);
      carve::carve_span(std::span<const std::uint8_t>(b).subspan(from, len), w, from,
                        carve::Limits{}, windows);
    }
    ASSERT_EQ(windows.found.size(), whole.found.size());
    for (std::size_t i = 0; i < whole.found.size(); ++i) {
      EXPECT_EQ(windows.found[i].offset, whole.found[i].offset);
      EXPECT_EQ(windows.found[i].fragments.size(), whole.found[i].fragments.size());
      EXPECT_EQ(windows.bytes[i], whole.bytes[i]);
    }
  }
  EXPECT_EQ(whole.found.back().fragments.size(), 2u);
}

// No shared mutable state: two threads carving the same bytes at once get the same answer.
TEST(CarveWindows, ConcurrentCallsAgree) {
  const Fragmented f = fragmented(random_bytes(3 * 4096, 61), 1000, 8192, 10);
  Collect a;
  Collect b;
  std::thread t1([&] { carve::carve_span(f.disk, 0, carve::Limits{}, a); });
  std::thread t2([&] { carve::carve_span(f.disk, 0, carve::Limits{}, b); });
  t1.join();
  t2.join();
  ASSERT_EQ(a.found.size(), 1u);
  ASSERT_EQ(b.found.size(), 1u);
  EXPECT_EQ(a.bytes[0], b.bytes[0]);
  expect_reassembled(f, a.found[0]);
}

}  // namespace
}  // namespace vigil::plugins
