// thumbsdb extractor tests over Thumbs.db files that lib/olecf/testing and tests/fixtures.cpp
// build: the XP kind (Catalog + reversed-index streams, in the mini stream and in regular
// sectors) and the Windows 7 network-share kind (256_/96_ streams), and damaged copies.
#include "thumbsdb/thumbsdb.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "vigil/extract/testing.hpp"

namespace vigil::plugins {
namespace {

namespace fx = thumbsdb::fixtures;
using fx::Bytes;
using Out = extract::testing::CollectingEmitter;

struct Run {
  bool probed = false;
  Out out;
};

Run run(const Bytes& b, std::string_view type_name = "ole2", std::uint64_t budget = 1U << 26U,
        std::size_t max_children = 1000) {
  static const auto extractor = make_thumbsdb_extractor();
  const auto prov = Provenance::evidence("x");
  sniff::ContentType type;
  type.name = type_name;
  const extract::ItemInput in{prov, "not-the-usual-name.bin", type, b, 0};
  Run r{false, Out(budget, max_children)};
  r.probed = extractor->probe(in);
  if (r.probed) extractor->extract(in, r.out, {});
  return r;
}

// 2024-05-01T12:34:56Z as a FILETIME.
constexpr std::uint64_t kTime1 = (1714566896ULL + 11644473600ULL) * 10'000'000ULL;
constexpr std::uint64_t kTime2 = (1714566896ULL + 11644473600ULL) * 10'000'000ULL + 1234567;

struct Xp {
  Bytes small;  // index 1, in the mini stream
  Bytes big;    // index 10 ("01"), in regular sectors
  Bytes other;  // index 123 ("321")
  std::vector<fx::Stream> streams;
};

Xp xp_fixture() {
  Xp x;
  x.small = fx::synthetic_jpeg(24, 24, 1);
  x.big = fx::synthetic_jpeg(160, 160, 2);
  x.other = fx::synthetic_jpeg(32, 20, 3);
  x.streams = {
      {"Catalog",
       fx::catalog_stream(
           {{1, kTime1, "holiday.jpg"}, {10, kTime2, "scan 0010.png"}, {123, 0, "clip.bmp"}})},
      {fx::xp_stream_name(1), fx::thumbnail_stream(x.small, 12)},
      {fx::xp_stream_name(10), fx::thumbnail_stream(x.big, 12)},
      {fx::xp_stream_name(123), fx::thumbnail_stream(x.other, 12)},
  };
  return x;
}

TEST(ThumbsDb, FixtureCoversBothStorageKinds) {
  const auto x = xp_fixture();
  EXPECT_LT(x.streams[1].data.size(), 4096U);  // mini stream
  EXPECT_GE(x.streams[2].data.size(), 4096U);  // regular sectors
  EXPECT_EQ(fx::xp_stream_name(10), "01");
  EXPECT_EQ(fx::xp_stream_name(123), "321");
}

TEST(ThumbsDb, XpCatalogNamesAndTimesTravelWithTheChildren) {
  const auto x = xp_fixture();
  const auto r = run(fx::make_cfb(x.streams));
  ASSERT_TRUE(r.probed);
  const auto& out = r.out;
  EXPECT_TRUE(out.warnings.empty()) << out.warnings.front().message;
  EXPECT_EQ(out.value("kind"), "xp");
  EXPECT_EQ(out.value("catalog_version"), "7");
  EXPECT_EQ(out.value("catalog_count"), "3");
  EXPECT_EQ(out.value("catalog_entries"), "3");
  EXPECT_EQ(out.value("thumbnail_width"), "96");
  EXPECT_EQ(out.value("thumbnails"), "3");
  EXPECT_EQ(out.value("catalog_entries_without_stream"), "0");
  EXPECT_EQ(out.value("entry_1_name"), "holiday.jpg");
  EXPECT_EQ(out.value("entry_1_time"), "2024-05-01T12:34:56.0000000Z");  // 100 ns precision
  EXPECT_EQ(out.value("entry_10_name"), "scan 0010.png");
  EXPECT_EQ(out.value("entry_10_time"), "2024-05-01T12:34:56.1234567Z");
  EXPECT_EQ(out.value("entry_123_time"), "");  // FILETIME 0: not set
  ASSERT_EQ(out.children.size(), 3U);
  const auto& c0 = out.children[0];
  EXPECT_EQ(c0.layer, "thumbsdb");
  EXPECT_EQ(c0.locator, "stream 1");
  EXPECT_EQ(c0.name, "holiday.jpg");
  EXPECT_EQ(c0.bytes, x.small);
  EXPECT_EQ(c0.declared_size, x.small.size());
  ASSERT_TRUE(c0.times.modified.has_value());
  EXPECT_EQ(c0.times.modified->seconds, 1714566896);
  EXPECT_EQ(c0.times.modified->precision_ns, 100U);
  EXPECT_EQ(out.children[1].locator, "stream 01");
  EXPECT_EQ(out.children[1].name, "scan 0010.png");
  EXPECT_EQ(out.children[1].bytes, x.big);
  EXPECT_EQ(out.children[1].times.modified->nanos, 123456700U);
  EXPECT_EQ(out.children[2].locator, "stream 321");
  EXPECT_EQ(out.children[2].bytes, x.other);
  EXPECT_FALSE(out.children[2].times.modified.has_value());
  for (const auto& c : out.children) EXPECT_EQ(c.status, extract::ChildStatus::kOk);
}

TEST(ThumbsDb, Windows7NetworkShareStreams) {
  const Bytes a = fx::synthetic_jpeg(64, 48, 4);
  const Bytes b = fx::synthetic_jpeg(200, 150, 5);
  const std::vector<fx::Stream> streams = {
      {"96_5f1c2e3d4a5b6c7d", fx::thumbnail_stream(a, 24)},
      {"256_5f1c2e3d4a5b6c7d", fx::thumbnail_stream(b, 24)},
      {"\x05SummaryInformation", Bytes(64, 0)},
  };
  const auto r = run(fx::make_cfb(streams));
  EXPECT_TRUE(r.out.warnings.empty()) << r.out.warnings.front().message;
  EXPECT_EQ(r.out.value("kind"), "windows7_network");
  EXPECT_EQ(r.out.value("thumbnails"), "2");
  EXPECT_EQ(r.out.value("other_streams"), "1");
  EXPECT_EQ(r.out.value("catalog_entries_without_stream"), "");
  ASSERT_EQ(r.out.children.size(), 2U);
  EXPECT_EQ(r.out.children[0].locator, "stream 96_5f1c2e3d4a5b6c7d");
  EXPECT_EQ(r.out.children[0].bytes, a);
  EXPECT_EQ(r.out.children[1].locator, "stream 256_5f1c2e3d4a5b6c7d");
  EXPECT_EQ(r.out.children[1].bytes, b);
  EXPECT_EQ(r.out.children[1].name, "256_5f1c2e3d4a5b6c7d.jpg");
}

TEST(ThumbsDb, DecidedByContentNeverByName) {
  // An ordinary OLE file (a Word-like stream layout) is not a Thumbs.db: nothing, no warning.
  const std::vector<fx::Stream> doc = {{"WordDocument", Bytes(600, 7)}, {"1Table", Bytes(100, 1)}};
  const auto r = run(fx::make_cfb(doc));
  EXPECT_TRUE(r.probed);
  EXPECT_TRUE(r.out.records.empty());
  EXPECT_TRUE(r.out.warnings.empty());
  EXPECT_TRUE(r.out.children.empty());
  // When sniff called it a Thumbs.db, the missing streams are worth saying.
  EXPECT_EQ(run(fx::make_cfb(doc), "thumbsdb").out.warnings_with("corrupt"), 1U);
  // Not an OLE file at all.
  EXPECT_FALSE(run(fx::synthetic_jpeg(8, 8, 1)).probed);
}

TEST(ThumbsDb, SectorChainLoopIsAWarningNotAHang) {
  auto x = xp_fixture();
  // libolecf itself returns the looping sectors again as stream bytes: the extractor checks
  // the chains and does not emit that stream; the others stay.
  const auto r = run(fx::make_cfb(x.streams, {.loop_big_stream_chain = true}));
  ASSERT_EQ(r.out.warnings.size(), 1U);
  EXPECT_EQ(r.out.warnings[0].code, "corrupt");
  EXPECT_NE(r.out.warnings[0].message.find("stream 01: sector chain loops back"), std::string::npos)
      << r.out.warnings[0].message;
  ASSERT_EQ(r.out.children.size(), 2U);
  EXPECT_EQ(r.out.children[0].bytes, x.small);
  EXPECT_EQ(r.out.children[1].bytes, x.other);
  // A loop in the mini FAT chain of the first small stream (the Catalog).
  const auto m = run(fx::make_cfb(x.streams, {.loop_mini_chain = true}));
  ASSERT_EQ(m.out.warnings.size(), 1U);
  EXPECT_NE(m.out.warnings[0].message.find("stream Catalog: sector chain loops back"),
            std::string::npos)
      << m.out.warnings[0].message;
  EXPECT_EQ(m.out.value("catalog_entries"), "");
  EXPECT_EQ(m.out.children.size(), 3U);  // the thumbnails, without their catalog names
  EXPECT_EQ(m.out.children[0].name, "1.jpg");
}

TEST(ThumbsDb, DamagedCatalogAndStreams) {
  auto x = xp_fixture();
  // Catalog entry size pointing past the stream; a thumbnail header declaring more bytes
  // than its stream holds; a header size past the stream.
  Bytes catalog = x.streams[0].data;
  const std::size_t second = 16 + (16 + 2 * 11 + 4);  // after "holiday.jpg"
  catalog[second] = 0xFF;
  catalog[second + 1] = 0xFF;
  x.streams[0].data = catalog;
  Bytes s1 = x.streams[1].data;
  s1[8] = static_cast<std::uint8_t>(s1[8] + 50);  // data size + 50
  x.streams[1].data = s1;
  Bytes s3 = x.streams[3].data;
  s3[0] = 0xF0;
  s3[1] = 0xFF;
  x.streams[3].data = s3;
  const auto r = run(fx::make_cfb(x.streams));
  EXPECT_EQ(r.out.warnings_with("truncated"), 1U);  // stream 1's picture
  // catalog entry size, catalog count (1 read of 3), stream 321's header size
  EXPECT_EQ(r.out.warnings_with("corrupt"), 3U);
  EXPECT_EQ(r.out.value("catalog_entries"), "1");
  EXPECT_EQ(r.out.value("entry_1_name"), "holiday.jpg");
  ASSERT_EQ(r.out.children.size(), 2U);
  EXPECT_EQ(r.out.children[0].status, extract::ChildStatus::kPartial);
  EXPECT_EQ(r.out.children[0].bytes, x.small);
  EXPECT_EQ(r.out.children[0].name, "holiday.jpg");
  EXPECT_EQ(r.out.children[1].name, "01.jpg");  // its catalog entry was lost
  EXPECT_EQ(r.out.children[1].bytes, x.big);
}

TEST(ThumbsDb, TruncatedAndHostileHeaders) {
  const auto x = xp_fixture();
  const Bytes full = fx::make_cfb(x.streams);
  for (const std::size_t keep : {100UL, 600UL, full.size() / 2, full.size() - 512}) {
    const auto r =
        run(Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(keep)), "thumbsdb");
    EXPECT_GE(r.out.warnings.size(), 1U) << keep;
  }
  Bytes huge = full;
  huge[44] = 0xFF;  // FAT sector count far beyond the file
  huge[45] = 0xFF;
  huge[46] = 0xFF;
  const auto r = run(huge, "thumbsdb");
  EXPECT_EQ(r.out.warnings_with("corrupt"), 1U);
  EXPECT_TRUE(r.out.children.empty());
}

TEST(ThumbsDb, ChildLimitsAndBudget) {
  const auto x = xp_fixture();
  const Bytes file = fx::make_cfb(x.streams);
  EXPECT_EQ(run(file, "ole2", 1U << 26U, 1).out.children.size(), 1U);
  const std::size_t budget = std::max(x.small.size(), x.other.size());
  ASSERT_GT(x.big.size(), budget);
  const auto small = run(file, "ole2", budget);
  EXPECT_EQ(small.out.children.size(), 2U);  // the 160x160 JPEG is over the budget
  EXPECT_EQ(small.out.warnings_with("limit"), 1U);
}

}  // namespace
}  // namespace vigil::plugins
