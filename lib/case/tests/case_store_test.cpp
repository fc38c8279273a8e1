#include "vigil/case/case_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>

namespace vigil::case_store {
namespace {

class CaseStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vigil-case-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

ItemRecord item(std::int64_t ev, const std::string& prov) {
  ItemRecord it;
  it.evidence_id = ev;
  it.provenance = prov;
  it.path = "/a\xff.jpg";  // not UTF-8: kept as bytes
  it.name = "a\xff.jpg";
  it.status = "ok";
  it.xxh3_128 = "00112233445566778899aabbccddeeff";
  it.times.modified = Timestamp{1'700'000'000, 123'456'700, 100};
  return it;
}

}  // namespace

TEST_F(CaseStoreTest, CreatesRecordsAndResumes) {
  {
    auto s = CaseStore::open(dir_, true);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    EXPECT_EQ((*s)->schema_version(), kSchemaVersion);
    auto run = (*s)->begin_run({"2026-01-01T00:00:00Z", "0.1", "abc", "{}", "host", "[]", "{}"});
    ASSERT_TRUE(run.ok());
    auto ev = (*s)->add_evidence({"/x/disk.E01", "disk.E01", "ewf", 100, "[]", "aa", ""});
    ASSERT_TRUE(ev.ok());
    auto again = (*s)->add_evidence({"/x/disk.E01", "disk.E01", "ewf", 100, "[]", "aa", ""});
    EXPECT_EQ(*again, *ev);
    ASSERT_TRUE((*s)->begin_batch().ok());
    ASSERT_TRUE((*s)->add_item(item(*ev, "disk.E01 > vol:0@0 > fat32:/a")).ok());
    ASSERT_TRUE((*s)->add_warning({"disk.E01 > vol:0@0", "corrupt", "bad"}).ok());
    ASSERT_TRUE((*s)->add_warning({"disk.E01 > vol:0@0", "corrupt", "bad"}).ok());  // ignored
    ASSERT_TRUE((*s)->commit_batch().ok());
    // A batch that never commits (a killed scan) leaves nothing behind.
    ASSERT_TRUE((*s)->begin_batch().ok());
    ASSERT_TRUE((*s)->add_item(item(*ev, "disk.E01 > vol:0@0 > fat32:/b")).ok());
  }
  auto s = CaseStore::open(dir_, false);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  auto done = (*s)->recorded_items(1);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->size(), 1u);
  EXPECT_TRUE(done->count("disk.E01 > vol:0@0 > fat32:/a"));
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2((*s)->handle(), "SELECT path, md5, mtime, mtime_prec FROM items", -1,
                               &q, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_type(q, 0), SQLITE_BLOB);
  EXPECT_EQ(sqlite3_column_bytes(q, 0), 7);
  EXPECT_EQ(sqlite3_column_type(q, 1), SQLITE_NULL);  // not computed stays absent
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 2)),
               "2023-11-14T22:13:20.1234567Z");
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 3)), "100ns");
  sqlite3_finalize(q);
}

TEST_F(CaseStoreTest, ItemExtrasAndHashSets) {
  auto s = CaseStore::open(dir_, true);
  ASSERT_TRUE(s.ok());
  auto ev = (*s)->add_evidence({"/x/a.raw", "a.raw", "raw", 1, "[]", "", ""});
  HashSetRecord set{"Synthetic", "1", "vigil tests", "custom", "t", "[]", "{}", "id-1"};
  auto set_id = (*s)->add_hash_set(set);
  ASSERT_TRUE(set_id.ok());
  EXPECT_EQ(*(*s)->add_hash_set(set), *set_id);  // the same release is recorded once
  ItemExtras extras;
  extras.perceptual.push_back({"pdq", "pdq-fullres", std::string(64, 'a'), 100});
  extras.matches.push_back({*set_id, "near", "pdq", std::string(64, 'a'), std::string(64, 'b'), 3,
                            31, 100, 90, "rot90", "", "alert", "{}"});
  ASSERT_TRUE((*s)->begin_batch().ok());
  auto id = (*s)->add_item(item(*ev, "a.raw > vol:0@0 > fat32:/x.jpg"), extras);
  ASSERT_TRUE(id.ok()) << id.error().describe();
  ASSERT_TRUE((*s)->commit_batch().ok());
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2((*s)->handle(),
                               "SELECT m.distance, m.variant, m.category, p.quality FROM matches m "
                               "JOIN perceptual p ON p.item_id = m.item_id",
                               -1, &q, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q, 0), 3);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 1)), "rot90");
  EXPECT_EQ(sqlite3_column_type(q, 2), SQLITE_NULL);  // a null category stays null, never 0
  EXPECT_EQ(sqlite3_column_int(q, 3), 100);
  sqlite3_finalize(q);
}

TEST_F(CaseStoreTest, MigratesAnOlderStore) {
  {
    auto s = CaseStore::open(dir_, true);
    ASSERT_TRUE(s.ok());
    // Turn it back into a version-1 store.
    ASSERT_EQ(sqlite3_exec((*s)->handle(),
                           "DROP TABLE matches; DROP TABLE perceptual; DROP TABLE hash_sets; "
                           "DROP TABLE records; DROP TABLE run_extractors; "
                           "DROP INDEX items_parent; ALTER TABLE items DROP COLUMN parent_id; "
                           "ALTER TABLE items DROP COLUMN depth; "
                           "ALTER TABLE items DROP COLUMN extractor; "
                           "ALTER TABLE items DROP COLUMN child_status; "
                           "ALTER TABLE items DROP COLUMN parent_offset; "
                           "ALTER TABLE evidence DROP COLUMN chunk_check; "
                           "ALTER TABLE items DROP COLUMN byte_runs; "
                           "PRAGMA user_version=1",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  auto s = CaseStore::open(dir_, false);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ((*s)->schema_version(), kSchemaVersion);
  EXPECT_EQ(sqlite3_exec((*s)->handle(), "SELECT count(*) FROM matches", nullptr, nullptr, nullptr),
            SQLITE_OK);
}

// Issue 10: a version-3 store (before chunk checks were recorded) gains the evidence column and
// keeps its rows.
TEST_F(CaseStoreTest, MigratesAVersion3StoreToChunkChecks) {
  {
    auto s = CaseStore::open(dir_, true);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->add_evidence({"/x/disk.E01", "disk.E01", "ewf", 100, "[]", "aa", ""}).ok());
    ASSERT_EQ(sqlite3_exec((*s)->handle(),
                           "ALTER TABLE evidence DROP COLUMN chunk_check; "
                           "ALTER TABLE items DROP COLUMN byte_runs; PRAGMA user_version=3",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  auto s = CaseStore::open(dir_, false);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ((*s)->schema_version(), kSchemaVersion);
  ASSERT_TRUE(
      (*s)->set_evidence_verification(1, "m", "s", "s2", "not verified: FAILED", "{\"chunks\":3}")
          .ok());
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2((*s)->handle(), "SELECT name, chunk_check FROM evidence", -1, &q, nullptr),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)), "disk.E01");
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 1)), "{\"chunks\":3}");
  sqlite3_finalize(q);
}

// Issue 14: a version-4 store (before carved items) gains items.byte_runs; items keep their rows,
// and a carved item's ranges are stored as given (NULL for every other item).
TEST_F(CaseStoreTest, MigratesAVersion4StoreToByteRuns) {
  {
    auto s = CaseStore::open(dir_, true);
    ASSERT_TRUE(s.ok());
    auto ev = (*s)->add_evidence({"/x/disk.raw", "disk.raw", "raw", 100, "[]", "", ""});
    ASSERT_TRUE(ev.ok());
    ItemRecord it;
    it.evidence_id = *ev;
    it.provenance = "disk.raw > vol:0@0 > fat16:/a (inode 3)";
    it.status = "ok";
    ASSERT_TRUE((*s)->begin_batch().ok());
    ASSERT_TRUE((*s)->add_item(it).ok());
    ASSERT_TRUE((*s)->commit_batch().ok());
    ASSERT_EQ(sqlite3_exec((*s)->handle(),
                           "ALTER TABLE items DROP COLUMN byte_runs; PRAGMA user_version=4",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  auto s = CaseStore::open(dir_, false);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ((*s)->schema_version(), 5);
  ItemRecord carved;
  carved.evidence_id = 1;
  carved.provenance = "disk.raw > vol:1@512 > carve:unpartitioned@1000+10,3000+20";
  carved.status = "ok";
  carved.byte_runs = "[[1000,10],[3000,20]]";
  ASSERT_TRUE((*s)->begin_batch().ok());
  ASSERT_TRUE((*s)->add_item(carved).ok());
  ASSERT_TRUE((*s)->commit_batch().ok());
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2((*s)->handle(), "SELECT byte_runs FROM items ORDER BY id", -1, &q,
                               nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_type(q, 0), SQLITE_NULL);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)), "[[1000,10],[3000,20]]");
  sqlite3_finalize(q);
}

// Issue 10: an item read from damaged chunks, and the items found inside it, lose their digests
// and exact matches and say "damaged"; other items are untouched.
TEST_F(CaseStoreTest, DamagedItemsLoseDigestsAndExactMatches) {
  auto s = CaseStore::open(dir_, true);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  auto ev = (*s)->add_evidence({"/x/disk.E01", "disk.E01", "ewf", 100, "[]", "aa", ""});
  ASSERT_TRUE(ev.ok());
  ASSERT_TRUE((*s)->begin_batch().ok());
  auto set = (*s)->add_hash_set({"list", "1", "pub", "custom", "2026", "[]", "{}", "id1"});
  ASSERT_TRUE(set.ok());
  auto bad = item(*ev, "disk.E01 > vol:0@0 > ntfs:/a.zip");
  bad.md5 = "0123456789abcdef0123456789abcdef";
  ItemExtras extras;
  extras.matches.push_back(
      {*set, "exact", "md5", bad.md5, bad.md5, -1, -1, -1, -1, "", "", "alert", "{}"});
  extras.matches.push_back(
      {*set, "near", "pdq", "ab", "ac", 3, 31, 90, 90, "original", "", "alert", "{}"});
  auto parent = (*s)->add_item(bad, extras);
  ASSERT_TRUE(parent.ok());
  auto c = item(*ev, "disk.E01 > vol:0@0 > ntfs:/a.zip > zip:b.jpg");
  c.parent_id = *parent;
  c.depth = 1;
  auto child = (*s)->add_item(c);
  ASSERT_TRUE(child.ok());
  auto good = (*s)->add_item(item(*ev, "disk.E01 > vol:0@0 > ntfs:/c.jpg"));
  ASSERT_TRUE(good.ok());
  ASSERT_TRUE((*s)->commit_batch().ok());

  auto marked = (*s)->mark_item_damaged(*ev, "disk.E01 > vol:0@0 > ntfs:/a.zip");
  ASSERT_TRUE(marked.ok()) << marked.error().describe();
  EXPECT_EQ(*marked, (std::vector<std::int64_t>{*parent, *child}));
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2((*s)->handle(), "SELECT id, status, xxh3_128, md5 FROM items ORDER BY id",
                         -1, &q, nullptr),
      SQLITE_OK);
  for (const auto id : {*parent, *child, *good}) {
    ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int64(q, 0), id);
    const bool damaged = id != *good;
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 1)),
                 damaged ? "damaged" : "ok");
    EXPECT_EQ(sqlite3_column_type(q, 2) == SQLITE_NULL, damaged);
    EXPECT_EQ(sqlite3_column_type(q, 3), SQLITE_NULL);
  }
  sqlite3_finalize(q);
  ASSERT_EQ(sqlite3_prepare_v2((*s)->handle(), "SELECT kind FROM matches", -1, &q, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)), "near");
  EXPECT_EQ(sqlite3_step(q), SQLITE_DONE);
  sqlite3_finalize(q);
}

TEST_F(CaseStoreTest, ChildrenRecordsAndRunExtractors) {
  auto s = CaseStore::open(dir_, true);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  auto run = (*s)->begin_run({"2026-01-01T00:00:00Z", "0.1", "abc", "{}", "host", "[]", "{}"});
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE((*s)->add_run_extractor(*run, "archive", "1.0").ok());
  auto ev = (*s)->add_evidence({"/x/disk.raw", "disk.raw", "raw", 100, "[]", "", ""});
  ASSERT_TRUE(ev.ok());
  ASSERT_TRUE((*s)->begin_batch().ok());
  auto parent = (*s)->add_item(item(*ev, "disk.raw > vol:0@0 > fat32:/a.zip"));
  ASSERT_TRUE(parent.ok());
  auto c = item(*ev, "disk.raw > vol:0@0 > fat32:/a.zip > zip:b.jpg");
  c.parent_id = *parent;
  c.depth = 1;
  c.extractor = "archive";
  c.child_status = "ok";
  c.parent_offset = 30;
  c.category = "image";
  ItemExtras extras;
  extras.records.push_back({"exif", "make", "Canon"});
  extras.records.push_back({"exif", "model", "X\xff"});
  extras.perceptual.push_back({"pdq", "pdq-fullres", "ab", 90});
  auto child = (*s)->add_item(c, extras);
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE((*s)->commit_batch().ok());

  // Only the entry is a resume key: its children were committed with it.
  auto done = (*s)->recorded_items(*ev);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->size(), 1u);

  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2((*s)->handle(),
                               "SELECT parent_id, depth, extractor, child_status, parent_offset "
                               "FROM items WHERE id=?1",
                               -1, &q, nullptr),
            SQLITE_OK);
  sqlite3_bind_int64(q, 1, *child);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(q, 0), *parent);
  EXPECT_EQ(sqlite3_column_int(q, 1), 1);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 2)), "archive");
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 3)), "ok");
  EXPECT_EQ(sqlite3_column_int(q, 4), 30);
  sqlite3_reset(q);
  sqlite3_bind_int64(q, 1, *parent);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_type(q, 0), SQLITE_NULL);  // an entry has no parent
  EXPECT_EQ(sqlite3_column_type(q, 2), SQLITE_NULL);
  sqlite3_finalize(q);
  ASSERT_EQ(sqlite3_prepare_v2((*s)->handle(),
                               "SELECT count(*), min(name), max(seq) FROM records WHERE item_id=?1",
                               -1, &q, nullptr),
            SQLITE_OK);
  sqlite3_bind_int64(q, 1, *child);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q, 0), 2);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 1)), "make");
  EXPECT_EQ(sqlite3_column_int(q, 2), 1);
  sqlite3_finalize(q);

  auto seeds = (*s)->perceptual_by_content("image");
  ASSERT_TRUE(seeds.ok());
  ASSERT_EQ(seeds->size(), 1u);
  EXPECT_EQ((*seeds)[0].xxh3_128, "00112233445566778899aabbccddeeff");
  EXPECT_EQ((*seeds)[0].row.hash, "ab");
  EXPECT_EQ((*seeds)[0].row.quality, 90);
}

TEST_F(CaseStoreTest, SecondWriterIsRefused) {
  auto a = CaseStore::open(dir_, true);
  ASSERT_TRUE(a.ok());
  auto b = CaseStore::open(dir_, true);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, ErrorCode::kBusy);
}

TEST_F(CaseStoreTest, NewerSchemaIsRefused) {
  {
    auto s = CaseStore::open(dir_, true);
    ASSERT_TRUE(s.ok());
    ASSERT_EQ(sqlite3_exec((*s)->handle(), "PRAGMA user_version=99", nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  auto s = CaseStore::open(dir_, false);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(s.error().message.find("newer"), std::string::npos);
}

TEST_F(CaseStoreTest, AuditChainDetectsEdits) {
  auto s = CaseStore::open(dir_, true);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->audit(1, "t1", "scan-start", "{}").ok());
  ASSERT_TRUE((*s)->audit(1, "t2", "evidence-added", "{\"path\":\"x\"}").ok());
  ASSERT_TRUE((*s)->audit(1, "t3", "scan-end", "{}").ok());
  auto n = (*s)->verify_audit_chain();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);
  ASSERT_EQ(sqlite3_exec((*s)->handle(), "UPDATE audit SET details='{}' WHERE id=2", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  auto bad = (*s)->verify_audit_chain();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("row 2"), std::string::npos);
}

TEST(NowUtc, PinnedBySourceDateEpoch) {
  ::setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  EXPECT_EQ(now_utc(), "2023-11-14T22:13:20Z");
  ::unsetenv("SOURCE_DATE_EPOCH");
  EXPECT_EQ(now_utc().size(), std::string("2023-11-14T22:13:20.123456Z").size());
}

}  // namespace vigil::case_store
