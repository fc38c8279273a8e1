// Extraction through scan_evidence over a folder: children stored after their parent with its
// id, the same rows for any thread count, and a scan killed mid-way resuming to the same rows.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "fake_extractor.hpp"
#include "vigil/pipeline/scan.hpp"

namespace vigil::pipeline {
namespace {

using testing::fake_container;

// The fake extractor, plus: on an item named *.slow, a pause (so that the writer commits what
// came before); on an item named *.kill, SIGKILL after the pause (a scan killed mid-way).
class PausingExtractor final : public extract::Extractor {
 public:
  explicit PausingExtractor(bool kill) : kill_(kill) {}
  [[nodiscard]] std::string_view name() const override { return inner_.name(); }
  [[nodiscard]] std::string_view version() const override { return inner_.version(); }
  [[nodiscard]] std::vector<std::string_view> input_types() const override {
    return inner_.input_types();
  }
  [[nodiscard]] std::string_view outputs() const override { return inner_.outputs(); }
  [[nodiscard]] std::string_view limits() const override { return inner_.limits(); }
  [[nodiscard]] bool probe(const extract::ItemInput& item) const override {
    return inner_.probe(item);
  }
  void extract(const extract::ItemInput& item, extract::Emitter& out,
               std::stop_token stop) const override {
    const bool slow = item.name.ends_with(".slow");
    const bool kill = kill_ && item.name.ends_with(".kill");
    if (slow || kill) std::this_thread::sleep_for(std::chrono::milliseconds(700));
    if (kill) std::raise(SIGKILL);
    inner_.extract(item, out, stop);
  }

 private:
  testing::FakeExtractor inner_;
  bool kill_;
};

class ExtractionScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A death test in the "threadsafe" style runs this test again in a child process: both must
    // use the same folder, so the parent names it in the environment (never overwritten).
    std::string tmpl = (std::filesystem::temp_directory_path() / "vigil-xscan-XXXXXX").string();
    ::setenv("VIGIL_XSCAN_DIR", ::mkdtemp(tmpl.data()), 0);
    root_ = std::getenv("VIGIL_XSCAN_DIR");
    for (int i = 0; i < 60; ++i) {
      const std::string n = (i < 10 ? "0" : "") + std::to_string(i);
      std::string name = "c" + n + ".fake";
      if (i == 20) name = "c" + n + ".slow";
      if (i == 45) name = "c" + n + ".kill";
      // Containers of 2 children, each a container of 2 (nesting 1): 6 descendants each.
      write("evidence/" + name, fake_container(2, 64 + static_cast<std::uint32_t>(i), 1));
      write("evidence/plain" + n + ".txt", std::vector<std::uint8_t>{'t', 'x', 't'});
    }
  }
  void TearDown() override {
    if (::testing::internal::InDeathTestChild()) return;
    std::filesystem::remove_all(root_);
    ::unsetenv("VIGIL_XSCAN_DIR");
  }
  void write(const std::string& rel, const std::vector<std::uint8_t>& bytes) {
    const auto p = std::filesystem::path(root_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
  }
  // Items (with their parent's provenance), records and warnings, in id order.
  static std::string dump(case_store::CaseStore& s) {
    std::string out;
    for (const char* sql :
         {"SELECT i.id, i.provenance, i.parent_id, p.provenance, i.depth, i.extractor, "
          "i.child_status, i.parent_offset, i.size, i.content_type, i.status, i.xxh3_128 "
          "FROM items i LEFT JOIN items p ON p.id = i.parent_id ORDER BY i.id",
          "SELECT item_id, seq, extractor, name, value FROM records ORDER BY item_id, seq",
          "SELECT id, provenance, code, message FROM warnings ORDER BY id"}) {
      sqlite3_stmt* q = nullptr;
      sqlite3_prepare_v2(s.handle(), sql, -1, &q, nullptr);
      while (sqlite3_step(q) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(q); ++c) {
          const auto* t = sqlite3_column_text(q, c);
          out += t != nullptr ? reinterpret_cast<const char*>(t) : "NULL";
          out += '|';
        }
        out += '\n';
      }
      sqlite3_finalize(q);
      out += "--\n";
    }
    return out;
  }
  Result<ScanStats> scan(const std::string& case_name, int threads, bool kill) {
    auto store = case_store::CaseStore::open(root_ + "/" + case_name, true);
    EXPECT_TRUE(store.ok());
    PausingExtractor fake(kill);
    ScanSettings s;
    s.threads = threads;
    s.extraction.extractors = {&fake};
    s.extraction.limits.batch_children = 1;  // every child its own batch: the most interleaving
    s.extraction.spool_rows = spool_rows_;
    auto stats = scan_evidence(root_ + "/evidence", **store, 1, s, {}, {});
    last_dump_ = dump(**store);
    return stats;
  }
  std::string root_;
  std::string last_dump_;
  std::uint64_t spool_rows_ = 512;
};

}  // namespace

TEST_F(ExtractionScanTest, ChildrenStoredAfterTheirParentWithItsId) {
  auto stats = scan("case", 2, false);
  ASSERT_TRUE(stats.ok()) << stats.error().describe();
  EXPECT_EQ(stats->entries, 120u);
  EXPECT_EQ(stats->children, 60u * 6u);
  EXPECT_EQ(stats->item_errors, 0u);
  const auto& d = last_dump_;
  const auto parent = d.find("evidence > dir:/c00.fake|NULL|");
  ASSERT_NE(parent, std::string::npos) << d.substr(0, 2000);
  const auto child = d.find("evidence > dir:/c00.fake > fake:child 0|");
  ASSERT_NE(child, std::string::npos);
  const auto line = d.substr(child, d.find('\n', child) - child);
  // parent id, parent provenance, depth 1, extractor, child status, offset 0, 64 bytes
  EXPECT_NE(line.find("|evidence > dir:/c00.fake|1|fake|ok|0|64|unknown|ok|"), std::string::npos)
      << line;
  const auto grandchild = d.find("evidence > dir:/c00.fake > fake:child 0 > fake:child 1|");
  ASSERT_NE(grandchild, std::string::npos);
  EXPECT_GT(grandchild, child);
  // The container's record.
  EXPECT_NE(d.find("|0|fake|count|2|"), std::string::npos);
}

TEST_F(ExtractionScanTest, SameRowsForAnyThreadCount) {
  auto one = scan("t1", 1, false);
  ASSERT_TRUE(one.ok());
  const auto first = last_dump_;
  for (const int threads : {2, 4}) {
    auto r = scan("t" + std::to_string(threads), threads, false);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(last_dump_, first) << threads << " threads";
  }
}

TEST_F(ExtractionScanTest, SpooledRowsStoreTheSameRows) {
  // Every row through the spool file (one row per list in memory) against none of them.
  spool_rows_ = 1'000'000;
  auto kept = scan("kept", 2, false);
  ASSERT_TRUE(kept.ok());
  const auto first = last_dump_;
  EXPECT_GE(kept->child_rows_peak, 6u);  // a container's 6 descendants at least
  spool_rows_ = 1;
  for (const int threads : {1, 4}) {
    auto r = scan("spooled" + std::to_string(threads), threads, false);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(last_dump_, first) << threads << " threads";
    EXPECT_EQ(r->children, kept->children);
    EXPECT_EQ(r->warnings, kept->warnings);
    // A row waits in memory only between its push and its list's spool (per worker).
    EXPECT_LE(r->child_rows_peak, static_cast<std::uint64_t>(threads) * 2u);
  }
}

TEST_F(ExtractionScanTest, KilledScanResumesToTheSameRows) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ASSERT_TRUE(scan("whole", 2, false).ok());
  const auto whole = last_dump_;
  EXPECT_EXIT((void)scan("killed", 2, true), ::testing::KilledBySignal(SIGKILL), "");
  {
    // What the killed scan left: some entries (each with all its children), not all.
    auto store = case_store::CaseStore::open(root_ + "/killed", false);
    ASSERT_TRUE(store.ok()) << store.error().describe();
    auto done = (*store)->recorded_items(1);
    ASSERT_TRUE(done.ok());
    EXPECT_GT(done->size(), 10u);
    EXPECT_LT(done->size(), 120u);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2((*store)->handle(),
                       "SELECT count(*) FROM items c WHERE c.parent_id IS NOT NULL", -1, &q,
                       nullptr);
    ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
    const auto children = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_prepare_v2(
        (*store)->handle(),
        "SELECT count(*) FROM items WHERE parent_id IS NULL AND size > 3 AND meta_type = 'r'", -1,
        &q, nullptr);
    ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
    const auto containers = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    EXPECT_EQ(children, containers * 6);  // never a parent without all its children
  }
  ASSERT_TRUE(scan("killed", 2, false).ok());
  EXPECT_EQ(last_dump_, whole);
}

}  // namespace vigil::pipeline
