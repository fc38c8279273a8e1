// thumbcache extractor tests over caches that tests/writer.cpp lays out for every header version
// (20, 21, 30, 31, 32 and a later 33), with synthetic JPEG, PNG and BMP pictures.
#include "thumbcache/thumbcache.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "vigil/extract/testing.hpp"
#include "writer.hpp"

namespace vigil::plugins {
namespace {

namespace fx = thumbcache::fixtures;
using fx::Bytes;
using Out = extract::testing::CollectingEmitter;

struct Run {
  bool probed = false;
  Out out;
};

Run run(const Bytes& b, std::uint64_t budget = 1U << 26U, std::size_t max_children = 1000) {
  static const auto extractor = make_thumbcache_extractor();
  const auto prov = Provenance::evidence("x");
  sniff::ContentType type;
  type.name = "thumbcache";
  const extract::ItemInput in{prov, "thumbcache_256.db", type, b, 0};
  Run r{false, Out(budget, max_children)};
  r.probed = extractor->probe(in);
  if (r.probed) extractor->extract(in, r.out, {});
  return r;
}

std::vector<fx::Entry> three_entries() {
  std::vector<fx::Entry> e(4);
  e[0].cache_id = 0x1122334455667788ULL;
  e[0].identifier = "1122334455667788";
  e[0].extension = "jpg";
  e[0].width = 96;
  e[0].height = 64;
  e[0].data = fx::synthetic_jpeg(96, 64, 1);
  e[1].cache_id = 0xa1b2c3d4e5f60718ULL;
  e[1].identifier = "a1b2c3d4e5f60718";
  e[1].extension = "png";
  e[1].width = 48;
  e[1].height = 48;
  e[1].padding = 6;
  e[1].data = fx::synthetic_png(48, 48, 2);
  e[2].cache_id = 0x482d656ee647f25eULL;  // an empty entry (no data), as Windows writes
  e[2].identifier = "482d656ee647f25e";
  e[3].cache_id = 0x0000000000abcdefULL;
  e[3].identifier = "abcdef";
  e[3].extension = "bmp";
  e[3].width = 32;
  e[3].height = 24;
  e[3].data = fx::synthetic_bmp(32, 24, 3);
  return e;
}

TEST(Thumbcache, Crc64TableIsThumbcacheDlls) {
  // Entries 1 and 255 of the table that Thumbcache Viewer publishes as found in thumbcache.dll:
  // the CRC of one byte from 0 with no final XOR is the table entry.
  const std::uint8_t one[] = {1};
  const std::uint8_t ff[] = {0xFF};
  EXPECT_EQ(thumbcache::crc64(one, 0), 0x0809E8A2969451E9ULL);
  EXPECT_EQ(thumbcache::crc64(ff, 0), 0x07F8A79E7273CF58ULL);
}

class EveryVersion : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(EveryVersion, EntriesChecksumsAndPictures) {
  const std::uint32_t version = GetParam();
  const auto entries = three_entries();
  const Bytes cache = fx::make_cache(version, 2, entries, 512);
  const auto r = run(cache);
  ASSERT_TRUE(r.probed);
  const auto& out = r.out;
  EXPECT_TRUE(out.warnings.empty()) << out.warnings.front().message;
  EXPECT_EQ(out.value("format_version"), std::to_string(version));
  EXPECT_EQ(out.value("cache_type"), "2");
  EXPECT_EQ(out.value("first_entry_offset"), "24");
  EXPECT_EQ(out.value("entries"), "5");  // four entries and the free one
  EXPECT_EQ(out.value("entries_with_data"), "3");
  EXPECT_EQ(out.value("empty_entries"), "1");
  EXPECT_EQ(out.value("free_entries"), "1");
  EXPECT_EQ(out.value("header_checksum_mismatches"), "0");
  EXPECT_EQ(out.value("data_checksum_mismatches"), "0");
  if (version < 30) {
    EXPECT_EQ(out.value("header_entry_count"), "4");
  } else {
    EXPECT_EQ(out.value("header_entry_count"), "");
  }
  EXPECT_EQ(out.value("entry_0_cache_id"), "0x1122334455667788");
  EXPECT_EQ(out.value("entry_1_cache_id"), "0xa1b2c3d4e5f60718");
  EXPECT_EQ(out.value("entry_3_cache_id"), "0x0000000000abcdef");
  EXPECT_EQ(out.value("entry_1_identifier"), "a1b2c3d4e5f60718");
  EXPECT_EQ(out.value("entry_2_identifier"), "482d656ee647f25e");
  EXPECT_EQ(out.value("entry_0_data_size"), std::to_string(entries[0].data.size()));
  EXPECT_EQ(out.value("entry_2_data_size"), "0");
  EXPECT_EQ(out.value("entry_0_header_checksum"), "ok");
  EXPECT_EQ(out.value("entry_0_data_checksum"), "ok");
  EXPECT_EQ(out.value("entry_2_data_checksum"), "none (no data)");
  EXPECT_EQ(out.value("entry_0_data_type"), "jpeg");
  EXPECT_EQ(out.value("entry_1_data_type"), "png");
  EXPECT_EQ(out.value("entry_3_data_type"), "bmp");
  if (version == 20) {
    EXPECT_EQ(out.value("entry_1_extension"), "png");
  }
  if (version >= 30) {
    EXPECT_EQ(out.value("entry_0_width"), "96");
    EXPECT_EQ(out.value("entry_1_height"), "48");
  }
  ASSERT_EQ(out.children.size(), 3U);
  EXPECT_EQ(out.children[0].bytes, entries[0].data);
  EXPECT_EQ(out.children[1].bytes, entries[1].data);
  EXPECT_EQ(out.children[2].bytes, entries[3].data);
  EXPECT_EQ(out.children[0].layer, "thumbcache");
  EXPECT_EQ(out.children[0].locator, "entry 0 (id 0x1122334455667788)");
  EXPECT_EQ(out.children[2].locator, "entry 3 (id 0x0000000000abcdef)");
  EXPECT_EQ(out.children[1].name, "a1b2c3d4e5f60718.png");
  EXPECT_EQ(out.children[0].declared_size, entries[0].data.size());
  ASSERT_TRUE(out.children[1].has_offset);
  const std::size_t at1 = fx::entry_offset(version, entries, 1);
  const std::size_t hs = version == 21 ? 48 : 56;
  EXPECT_EQ(out.children[1].offset, at1 + hs + 32 + 6);  // identifier (16 UTF-16) + padding
  for (const auto& c : out.children) EXPECT_EQ(c.status, extract::ChildStatus::kOk);
}

INSTANTIATE_TEST_SUITE_P(Versions, EveryVersion, ::testing::Values(20U, 21U, 30U, 31U, 32U, 33U));

TEST(Thumbcache, BadChecksumsAreWarningsAndTheBytesStay) {
  auto entries = three_entries();
  entries[0].break_data_checksum = true;
  entries[1].break_header_checksum = true;
  const auto r = run(fx::make_cache(32, 4, entries));
  EXPECT_EQ(r.out.warnings_with("checksum"), 2U);
  EXPECT_EQ(r.out.warnings.size(), 2U);
  EXPECT_EQ(r.out.value("entry_0_data_checksum"), "mismatch");
  EXPECT_EQ(r.out.value("entry_0_header_checksum"), "ok");
  EXPECT_EQ(r.out.value("entry_1_header_checksum"), "mismatch");
  EXPECT_EQ(r.out.value("entry_1_data_checksum"), "ok");
  EXPECT_EQ(r.out.value("header_checksum_mismatches"), "1");
  EXPECT_EQ(r.out.value("data_checksum_mismatches"), "1");
  ASSERT_EQ(r.out.children.size(), 3U);
  EXPECT_EQ(r.out.children[0].bytes, entries[0].data);
}

TEST(Thumbcache, TruncatedCacheKeepsTheEntriesBefore) {
  const auto entries = three_entries();
  const Bytes full = fx::make_cache(21, 1, entries);
  // Cut inside the last (BMP) entry's data: entries 0-2 stay, entry 3 is partial.
  Bytes cut(full.begin(), full.end() - 100);
  const auto r = run(cut);
  EXPECT_GE(r.out.warnings_with("truncated"), 1U);
  ASSERT_EQ(r.out.children.size(), 3U);
  EXPECT_EQ(r.out.children[0].bytes, entries[0].data);
  EXPECT_EQ(r.out.children[1].bytes, entries[1].data);
  EXPECT_EQ(r.out.children[2].status, extract::ChildStatus::kPartial);
  EXPECT_EQ(r.out.children[2].bytes.size(), entries[3].data.size() - 100);
  EXPECT_EQ(r.out.value("entry_3_data_checksum"), "not checked (data truncated)");
  // Cut inside an entry header.
  const std::size_t at3 = fx::entry_offset(21, entries, 3);
  const auto r2 = run(Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(at3 + 20)));
  EXPECT_EQ(r2.out.warnings_with("truncated"), 1U);
  EXPECT_EQ(r2.out.children.size(), 2U);
  // Shorter than the file header.
  const auto r3 = run(Bytes(full.begin(), full.begin() + 10));
  EXPECT_EQ(r3.out.warnings_with("truncated"), 1U);
  EXPECT_TRUE(r3.out.children.empty());
}

TEST(Thumbcache, EntrySizeOutsideTheFile) {
  auto entries = three_entries();
  Bytes cache = fx::make_cache(30, 4, entries);
  const std::size_t at1 = fx::entry_offset(30, entries, 1);
  // Entry 1 claims 0xFFFFFF00 bytes: a warning, its data (inside the file) still read, the walk
  // ends at the end of the file.
  cache[at1 + 4] = 0x00;
  cache[at1 + 5] = 0xFF;
  cache[at1 + 6] = 0xFF;
  cache[at1 + 7] = 0xFF;
  const auto r = run(cache);
  EXPECT_EQ(r.out.warnings_with("truncated"), 1U);
  // The entry's header checksum no longer matches (its size field changed).
  EXPECT_EQ(r.out.warnings_with("checksum"), 1U);
  ASSERT_EQ(r.out.children.size(), 2U);
  EXPECT_EQ(r.out.children[0].bytes, entries[0].data);
  EXPECT_EQ(r.out.value("entries"), "2");
}

TEST(Thumbcache, DataSizeOutsideTheFileAndTooSmallEntries) {
  auto entries = three_entries();
  Bytes cache = fx::make_cache(32, 4, entries);
  const std::size_t at0 = fx::entry_offset(32, entries, 0);
  cache[at0 + 24 + 3] = 0x7F;  // data size ~2 GB
  cache[at0 + 4] = 8;          // and the entry size smaller than an entry header
  cache[at0 + 5] = 0;
  cache[at0 + 6] = 0;
  cache[at0 + 7] = 0;
  const auto r = run(cache);
  EXPECT_EQ(r.out.warnings_with("corrupt"), 2U);  // size too small; bytes skipped to the next
  ASSERT_EQ(r.out.children.size(), 2U);           // entries 1 and 3 found again by signature
  EXPECT_EQ(r.out.children[0].bytes, entries[1].data);
  EXPECT_EQ(r.out.children[1].bytes, entries[3].data);
}

TEST(Thumbcache, GarbageBetweenEntriesIsSkippedAndCounted) {
  auto entries = three_entries();
  Bytes cache = fx::make_cache(31, 4, entries);
  const std::size_t at1 = fx::entry_offset(31, entries, 1);
  const Bytes junk = {'x', 'y', 'z', 1, 2, 3, 4};
  cache.insert(cache.begin() + static_cast<std::ptrdiff_t>(at1), junk.begin(), junk.end());
  const auto r = run(cache);
  EXPECT_EQ(r.out.warnings_with("corrupt"), 1U);
  EXPECT_EQ(r.out.value("unparsed_bytes"), "7");
  EXPECT_EQ(r.out.children.size(), 3U);
}

TEST(Thumbcache, UnknownVersionAndFirstOffsetOutside) {
  Bytes cache = fx::make_cache(25, 0, three_entries());
  EXPECT_EQ(run(cache).out.warnings_with("corrupt"), 1U);
  EXPECT_TRUE(run(cache).out.children.empty());
  Bytes c2 = fx::make_cache(32, 0, three_entries());
  c2[12] = 0xFF;
  c2[13] = 0xFF;
  const auto r = run(c2);
  EXPECT_EQ(r.out.warnings_with("corrupt"), 1U);
  EXPECT_EQ(r.out.children.size(), 3U);  // read from offset 24 all the same
}

TEST(Thumbcache, ChildLimitStopsTheWalk) {
  const auto r = run(fx::make_cache(32, 4, three_entries()), 1U << 26U, 1);
  EXPECT_EQ(r.out.children.size(), 1U);
  const auto small = run(fx::make_cache(32, 4, three_entries()), 16);
  EXPECT_TRUE(small.out.children.empty());
  EXPECT_EQ(small.out.warnings_with("limit"), 3U);
}

TEST(Thumbcache, IndexFilesEveryVersion) {
  for (const std::uint32_t v : {20U, 21U, 30U, 31U, 32U}) {
    const auto r = run(fx::make_index(v, 3, 10));
    ASSERT_TRUE(r.probed) << v;
    EXPECT_EQ(r.out.value("index_format_version"), std::to_string(v));
    EXPECT_EQ(r.out.value("index_used_entries"), "3");
    EXPECT_EQ(r.out.value("index_total_entries"), "10");
    EXPECT_TRUE(r.out.warnings.empty()) << v;
    EXPECT_TRUE(r.out.children.empty());
  }
  Bytes idx = fx::make_index(21, 3, 10);
  idx.resize(100);
  const auto r = run(idx);
  EXPECT_EQ(r.out.warnings_with("truncated"), 1U);
}

TEST(Thumbcache, NotACache) {
  const Bytes jpeg = fx::synthetic_jpeg(16, 16, 1);
  EXPECT_FALSE(run(jpeg).probed);
}

TEST(Thumbcache, ManyThreadsAtOnceGiveTheSameChildren) {
  const Bytes cache = fx::make_cache(32, 4, three_entries(), 64);
  const auto want = run(cache);
  std::vector<std::thread> threads;
  std::vector<int> same(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const auto got = run(cache);
      bool eq = got.out.children.size() == want.out.children.size();
      for (std::size_t i = 0; eq && i < got.out.children.size(); ++i)
        eq = got.out.children[i].bytes == want.out.children[i].bytes;
      same[static_cast<std::size_t>(t)] = eq ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  for (const int s : same) EXPECT_EQ(s, 1);
}

}  // namespace
}  // namespace vigil::plugins
