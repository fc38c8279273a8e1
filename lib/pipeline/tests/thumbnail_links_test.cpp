// Thumbnail links over a case store filled by hand: a thumbcache file with two entries (one
// with its picture as a child), a Windows Search index naming both ids, and another evidence
// whose cache holds the same id. Run twice: the same rows, no duplicates.
#include "vigil/pipeline/thumbnail_links.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

namespace vigil::pipeline {
namespace {

using case_store::CaseStore;
using case_store::ExtractedRecord;
using case_store::ItemExtras;
using case_store::ItemRecord;

std::int64_t add(CaseStore& s, std::int64_t ev, const std::string& prov, const std::string& path,
                 std::vector<ExtractedRecord> records, std::int64_t parent = 0,
                 const std::string& extractor = "") {
  ItemRecord r;
  r.evidence_id = ev;
  r.provenance = prov;
  r.path = path;
  r.name = path;
  r.status = "ok";
  r.parent_id = parent;
  r.extractor = extractor;
  r.depth = parent > 0 ? 1 : 0;
  ItemExtras x;
  x.records = std::move(records);
  auto id = s.add_item(r, x);
  EXPECT_TRUE(id.ok());
  return id.ok() ? *id : -1;
}

std::vector<std::string> links(CaseStore& s) {
  std::vector<std::string> out;
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(s.handle(),
                     "SELECT item_id, seq, name, value FROM records WHERE extractor = "
                     "'thumbnail_links' ORDER BY item_id, seq",
                     -1, &q, nullptr);
  while (sqlite3_step(q) == SQLITE_ROW) {
    out.push_back(std::to_string(sqlite3_column_int64(q, 0)) + "/" +
                  std::to_string(sqlite3_column_int64(q, 1)) + " " +
                  reinterpret_cast<const char*>(sqlite3_column_text(q, 2)) + " = " +
                  reinterpret_cast<const char*>(sqlite3_column_text(q, 3)));
  }
  sqlite3_finalize(q);
  return out;
}

TEST(ThumbnailLinks, JoinsCacheIdsWithTheIndexOnceAndAgainTheSame) {
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("vigil-links-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::remove_all(dir);
  auto store = CaseStore::open(dir.string(), true);
  ASSERT_TRUE(store.ok());
  auto& s = **store;
  auto ev1 = s.add_evidence({"/e1", "e1", "raw", 1, "[]", "", ""});
  auto ev2 = s.add_evidence({"/e2", "e2", "raw", 1, "[]", "", ""});
  ASSERT_TRUE(ev1.ok() && ev2.ok());
  ASSERT_TRUE(s.begin_batch().ok());
  const std::string id_a = "0x1122334455667788";
  const std::string id_b = "0x00abcdef01234567";
  // The index is stored first here; the scan order does not matter to the join.
  const auto index = add(s, *ev1, "e1/ProgramData/Windows.db", "Windows.db",
                         {{"searchindex", "index_format", "Windows.db (SQLite, Windows 11)"},
                          {"searchindex", "item_0_thumbnail_cache_id", id_a},
                          {"searchindex", "item_0_work_id", "1"},
                          {"searchindex", "item_0_path", "C:\\Users\\alice\\Pictures\\red.png"},
                          {"searchindex", "item_0_size", "4242"},
                          {"searchindex", "item_0_modified", "2022-06-18T04:26:40.0000000Z"},
                          {"searchindex", "item_1_thumbnail_cache_id", id_b},
                          {"searchindex", "item_1_work_id", "7"},
                          {"searchindex", "item_1_path", "C:\\Users\\alice\\Pictures\\blue.jpg"}});
  const auto cache = add(s, *ev1, "e1/thumbcache_256.db", "thumbcache_256.db",
                         {{"thumbcache", "format_version", "32"},
                          {"thumbcache", "entry_0_cache_id", id_a},
                          {"thumbcache", "entry_0_identifier", "1122334455667788"},
                          {"thumbcache", "entry_1_cache_id", id_b},
                          {"thumbcache", "entry_2_cache_id", "0x0000000000000001"}});
  const auto picture = add(s, *ev1, "e1/thumbcache_256.db>thumbcache:entry 0",
                           "entry 0 (id " + id_a + ")", {}, cache, "thumbcache");
  // The same id in another evidence's cache: not this index's item.
  add(s, *ev2, "e2/thumbcache_256.db", "thumbcache_256.db",
      {{"thumbcache", "entry_0_cache_id", id_a}});
  ASSERT_TRUE(s.commit_batch().ok());

  auto first = link_thumbnails(s);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->cache_entries, 4U);
  EXPECT_EQ(first->index_items, 2U);
  EXPECT_EQ(first->entries_linked, 2U);
  EXPECT_EQ(first->links, 2U);
  const auto rows = links(s);
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[0], std::to_string(cache) +
                         "/5 entry_1_original_file = C:\\Users\\alice\\Pictures\\blue.jpg "
                         "(Windows Search index e1/ProgramData/Windows.db, item 7)");
  EXPECT_EQ(rows[1], std::to_string(picture) +
                         "/0 original_file = C:\\Users\\alice\\Pictures\\red.png (size 4242 "
                         "bytes, modified 2022-06-18T04:26:40.0000000Z; Windows Search index "
                         "e1/ProgramData/Windows.db, item 1)");
  (void)index;

  auto second = link_thumbnails(s);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->links, 2U);
  EXPECT_EQ(links(s), rows);
  std::filesystem::remove_all(dir);
}

TEST(ThumbnailLinks, CacheStoredBeforeTheIndexLinksTheSame) {
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("vigil-links-rev-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::remove_all(dir);
  auto store = CaseStore::open(dir.string(), true);
  ASSERT_TRUE(store.ok());
  auto& s = **store;
  auto ev = s.add_evidence({"/e", "e", "raw", 1, "[]", "", ""});
  ASSERT_TRUE(ev.ok());
  ASSERT_TRUE(s.begin_batch().ok());
  const std::string id = "0x1122334455667788";
  const auto cache = add(s, *ev, "e/thumbcache_96.db", "thumbcache_96.db",
                         {{"thumbcache", "entry_0_cache_id", id}});
  const auto picture =
      add(s, *ev, "e/thumbcache_96.db>entry 0", "entry 0 (id " + id + ")", {}, cache, "thumbcache");
  add(s, *ev, "e/Windows.db", "Windows.db",
      {{"searchindex", "item_0_thumbnail_cache_id", id},
       {"searchindex", "item_0_work_id", "3"},
       {"searchindex", "item_0_path", "C:\\x.jpg"}});
  ASSERT_TRUE(s.commit_batch().ok());
  auto r = link_thumbnails(s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(links(s), std::vector<std::string>{std::to_string(picture) +
                                               "/0 original_file = C:\\x.jpg (Windows Search "
                                               "index e/Windows.db, item 3)"});
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vigil::pipeline
