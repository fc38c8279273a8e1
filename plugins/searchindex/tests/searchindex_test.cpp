// The search index reader over synthetic Windows 11 Windows.db files (windows_db_writer.cpp)
// and over ESE-signed bytes that exercise the ESE error paths (no Windows.edb can be written
// here: README.md, "Not done").
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "searchindex/searchindex.hpp"
#include "vigil/extract/testing.hpp"
#include "windows_db_writer.hpp"

namespace vigil::plugins {
namespace {

using extract::testing::CollectingEmitter;
using searchindex::testing::IndexedFile;
using searchindex::testing::windows_db_bytes;
using searchindex::testing::WriteOptions;

std::vector<IndexedFile> sample() {
  return {
      {1, 0x1122334455667788ULL, "C:\\Users\\alice\\Pictures\\red square.png", "red square.png",
       4242, 133'000'000'000'000'000ULL, 132'900'000'000'000'000ULL, 133'100'000'000'000'000ULL},
      {2, std::nullopt, "C:\\Users\\alice\\Documents\\notes.txt", "notes.txt", 10,
       133'000'000'000'000'000ULL, 0, 0},
      {7, 0x00ABCDEF01234567ULL, "C:\\Users\\alice\\Pictures\\blue circle.jpg", "blue circle.jpg",
       9000, 133'200'000'000'000'000ULL, 0, 0}};
}

CollectingEmitter run(const std::vector<std::uint8_t>& bytes, const char* type_name = "sqlite") {
  static const auto ex = make_searchindex_extractor();
  const auto prov = Provenance::evidence("test");
  sniff::ContentType type;
  type.name = type_name;
  const extract::ItemInput in{prov, "Windows.db", type, bytes, 0};
  CollectingEmitter out;
  EXPECT_TRUE(ex->probe(in));
  ex->extract(in, out, {});
  return out;
}

void expect_sample(const CollectingEmitter& out) {
  EXPECT_EQ(out.value("index_format"), "Windows.db (SQLite, Windows 11)");
  EXPECT_EQ(out.value("index_table"), "SystemIndex_1_PropertyStore");
  EXPECT_EQ(out.value("indexed_items_read"), "3");
  EXPECT_EQ(out.value("items_with_thumbnail_cache_id"), "2");
  EXPECT_EQ(out.value("item_0_thumbnail_cache_id"), "0x1122334455667788");
  EXPECT_EQ(out.value("item_0_work_id"), "1");
  EXPECT_EQ(out.value("item_0_path"), "C:\\Users\\alice\\Pictures\\red square.png");
  EXPECT_EQ(out.value("item_0_name"), "red square.png");
  EXPECT_EQ(out.value("item_0_size"), "4242");
  // FILETIME 133,000,000,000,000,000 (100 ns units since 1601-01-01) = 2022-06-18T04:26:40Z
  // (Python: datetime(1601, 1, 1) + timedelta(microseconds=ft // 10)), at 100 ns precision.
  EXPECT_EQ(out.value("item_0_modified"), "2022-06-18T04:26:40.0000000Z");
  EXPECT_EQ(out.value("item_0_created"), "2022-02-22T10:40:00.0000000Z");
  EXPECT_EQ(out.value("item_0_accessed"), "2022-10-11T22:13:20.0000000Z");
  EXPECT_EQ(out.value("item_1_thumbnail_cache_id"), "0x00abcdef01234567");
  EXPECT_EQ(out.value("item_1_work_id"), "7");
  EXPECT_EQ(out.value("item_1_path"), "C:\\Users\\alice\\Pictures\\blue circle.jpg");
  EXPECT_EQ(out.value("item_1_size"), "9000");
  EXPECT_EQ(out.value("item_1_created"), "");  // FILETIME 0: not set
  EXPECT_EQ(out.value("item_2_thumbnail_cache_id"), "");
  EXPECT_TRUE(out.children.empty());
}

TEST(SearchIndex, Windows11DbMapsEveryThumbnailCacheIdToItsFile) {
  const auto out = run(windows_db_bytes(sample()));
  expect_sample(out);
  EXPECT_TRUE(out.warnings.empty()) << out.warnings.front().message;
}

TEST(SearchIndex, WalModeHeaderAsWindowsLeavesIt) {
  const auto bytes = windows_db_bytes(sample(), {.wal_header = true});
  ASSERT_EQ(bytes[18], 2);
  const auto copy = bytes;
  const auto out = run(bytes);
  expect_sample(out);
  EXPECT_TRUE(out.warnings.empty());
  EXPECT_EQ(bytes, copy);  // the item's own bytes are never changed
}

TEST(SearchIndex, CacheIdStoredAsInteger) {
  const auto out = run(windows_db_bytes(sample(), {.cache_id_as_integer = true}));
  expect_sample(out);
}

TEST(SearchIndex, IndexWithoutMetadataTableIsAWarning) {
  const auto out = run(windows_db_bytes(sample(), {.metadata_table = false}));
  EXPECT_EQ(out.warnings_with("corrupt"), 1U);
  EXPECT_NE(out.warnings[0].message.find("SystemIndex_1_PropertyStore_Metadata"),
            std::string::npos);
  EXPECT_EQ(out.value("item_0_thumbnail_cache_id"), "");
}

TEST(SearchIndex, OtherSqliteDatabasesAreLeftAlone) {
  // A database that names no SystemIndex_ table (a browser history...): nothing, no warning.
  auto bytes = windows_db_bytes(sample());
  for (std::size_t i = 0; i + 12 <= bytes.size(); ++i) {
    if (std::memcmp(bytes.data() + i, "SystemIndex_", 12) == 0) bytes[i] = 'X';
  }
  const auto out = run(bytes);
  EXPECT_TRUE(out.records.empty());
  EXPECT_TRUE(out.warnings.empty());
}

TEST(SearchIndex, TruncatedDbIsAWarningAndNoCrash) {
  std::vector<IndexedFile> many;
  for (int i = 0; i < 400; ++i) {
    std::string name = std::to_string(i);
    name.append(".png");
    std::string path = "C:\\Users\\bob\\Pictures\\";
    path.append(name);
    many.push_back({i + 1, 0x1000ULL + static_cast<std::uint64_t>(i), path, name, 100,
                    133'000'000'000'000'000ULL, 0, 0});
  }
  const auto full = windows_db_bytes(many);
  const auto whole = run(full);
  EXPECT_EQ(whole.value("items_with_thumbnail_cache_id"), "400");
  for (const std::size_t keep : {full.size() / 2, full.size() - 4096, std::size_t{4096}}) {
    std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(keep));
    const auto out = run(cut);
    EXPECT_GE(out.warnings.size(), 1U) << keep;
    for (const auto& w : out.warnings) EXPECT_EQ(w.code, "corrupt") << w.message;
  }
}

TEST(SearchIndex, DamagedValuesAreCountedWarnings) {
  std::vector<IndexedFile> many;
  for (int i = 0; i < 30; ++i)
    many.push_back(
        {i + 1, 0x2000ULL + static_cast<std::uint64_t>(i), "C:\\p.png", "p.png", 1, 0, 0, 0});
  const auto out = run(windows_db_bytes(many, {.short_cache_id = true}));
  // Every id is 5 bytes, not 8: 10 warnings, then one that counts all 30.
  EXPECT_EQ(out.warnings_with("corrupt"), 11U);
  EXPECT_NE(out.warnings.back().message.find("30 values of System_ThumbnailCacheId"),
            std::string::npos);
  EXPECT_EQ(out.value("indexed_items_read"), "30");
  EXPECT_EQ(out.value("items_with_thumbnail_cache_id"), "0");
}

TEST(SearchIndex, UnknownPropertyNamesAreNotRead) {
  auto bytes = windows_db_bytes(sample());
  const char from[] = "4447-System_ItemPathDisplay";
  const char to[] = "4447-System_ItemPathXXXXXXX";  // same length: the page stays valid
  static_assert(sizeof from == sizeof to);
  bool swapped = false;
  for (std::size_t i = 0; i + sizeof from - 1 <= bytes.size(); ++i) {
    if (std::memcmp(bytes.data() + i, from, sizeof from - 1) == 0) {
      std::memcpy(bytes.data() + i, to, sizeof to - 1);
      swapped = true;
    }
  }
  ASSERT_TRUE(swapped);
  const auto out = run(bytes);
  EXPECT_EQ(out.value("items_with_thumbnail_cache_id"), "2");
  EXPECT_EQ(out.value("item_0_path"), "");
  EXPECT_EQ(out.value("item_0_name"), "red square.png");
  EXPECT_TRUE(out.warnings.empty());
}

// --- ESE: error paths only (no ESE writer exists here) ---

std::vector<std::uint8_t> ese_like(std::size_t size, std::uint32_t state, std::uint32_t revision,
                                   std::uint32_t page_size, bool name_table = true) {
  std::vector<std::uint8_t> b(size, 0);
  const auto put32 = [&b](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4 && at + static_cast<std::size_t>(i) < b.size(); ++i)
      b[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  put32(4, 0x89ABCDEF);
  put32(52, state);
  put32(232, revision);
  put32(236, page_size);
  const char name[] = "SystemIndex_PropertyStore";
  if (name_table && size > 300) std::memcpy(b.data() + size - 64, name, sizeof name - 1);
  return b;
}

TEST(SearchIndexEse, NonEseBytesAreNotProbed) {
  const auto ex = make_searchindex_extractor();
  const auto prov = Provenance::evidence("test");
  const sniff::ContentType type;
  std::vector<std::uint8_t> jpeg{0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0, 0};
  EXPECT_FALSE(ex->probe({prov, "x", type, jpeg, 0}));
  std::vector<std::uint8_t> three{1, 2, 3};
  EXPECT_FALSE(ex->probe({prov, "x", type, three, 0}));
}

TEST(SearchIndexEse, EseWithoutSearchTablesIsLeftAlone) {
  const auto out = run(ese_like(16384, 3, 0x14, 4096, false), "ese");
  EXPECT_TRUE(out.records.empty());
  EXPECT_TRUE(out.warnings.empty());
}

TEST(SearchIndexEse, TruncatedHeaderIsAWarning) {
  auto b = ese_like(4096, 3, 0x14, 4096);
  b.resize(200);
  const char name[] = "SystemIndex_0A";
  std::memcpy(b.data() + 100, name, sizeof name - 1);
  const auto out = run(b, "ese");
  EXPECT_EQ(out.warnings_with("truncated"), 1U);
  EXPECT_EQ(out.value("index_format"), "Windows.edb (ESE)");
}

TEST(SearchIndexEse, ImpossiblePageSizeIsRefusedBeforeLibesedb) {
  const auto out = run(ese_like(16384, 3, 0x11, 1000), "ese");
  EXPECT_EQ(out.warnings_with("corrupt"), 1U);
  EXPECT_NE(out.warnings[0].message.find("page size 1000"), std::string::npos);
}

TEST(SearchIndexEse, FileShorterThanItsHeaderPages) {
  const auto out = run(ese_like(6000, 3, 0x14, 4096), "ese");
  EXPECT_EQ(out.warnings_with("truncated"), 1U);
}

TEST(SearchIndexEse, DirtyAndDamagedDatabaseGivesBothWarnings) {
  // A dirty-shutdown header whose pages are zeros: libesedb refuses it (no catalog), and the
  // dirty state is said first.
  const auto out = run(ese_like(8 * 4096, 2, 0x14, 4096), "ese");
  EXPECT_EQ(out.value("ese_database_state"), "dirty shutdown");
  EXPECT_EQ(out.value("ese_format_revision"), "20");
  EXPECT_EQ(out.warnings_with("dirty"), 1U);
  EXPECT_EQ(out.warnings_with("corrupt"), 1U);
  for (const auto& w : out.warnings) {
    if (w.code == "corrupt") {
      EXPECT_NE(w.message.find("libesedb"), std::string::npos);
    }
  }
}

TEST(SearchIndex, ManyThreadsAtOnce) {
  const auto bytes = windows_db_bytes(sample());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        const auto out = run(bytes);
        if (out.value("item_1_thumbnail_cache_id") == "0x00abcdef01234567") ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 40);
}

}  // namespace
}  // namespace vigil::plugins
