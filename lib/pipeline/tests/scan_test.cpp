#include "vigil/pipeline/scan.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

namespace vigil::pipeline {
namespace {

class ScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vigil-scan-XXXXXX").string();
    root_ = ::mkdtemp(tmpl.data());
    const std::string jpeg =
        std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10) + std::string(5000, 'j');
    for (int i = 0; i < 40; ++i) {
      write("evidence/d" + std::to_string(i % 4) + "/pic" + std::to_string(i) + ".jpg",
            jpeg + std::to_string(i));
      write("evidence/d" + std::to_string(i % 4) + "/note" + std::to_string(i) + ".txt",
            "text " + std::to_string(i));
    }
    write("evidence/hidden.txt", jpeg);  // a picture under a misleading name
    write("evidence/big.bin", std::string(3 << 20, 'b'));
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void write(const std::string& rel, const std::string& content) {
    const auto p = std::filesystem::path(root_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }
  // Every item row, in id order, as one string.
  static std::string dump(case_store::CaseStore& s) {
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(s.handle(),
                       "SELECT id, provenance, size, content_type, status, extension_mismatch, "
                       "xxh3_128, md5, sha1, sha256 FROM items ORDER BY id",
                       -1, &q, nullptr);
    std::string out;
    while (sqlite3_step(q) == SQLITE_ROW) {
      for (int c = 0; c < sqlite3_column_count(q); ++c) {
        const auto* t = sqlite3_column_text(q, c);
        out += t != nullptr ? reinterpret_cast<const char*>(t) : "NULL";
        out += '|';
      }
      out += '\n';
    }
    sqlite3_finalize(q);
    return out;
  }
  std::string scan_into(const std::string& case_name, int threads) {
    auto store = case_store::CaseStore::open(root_ + "/" + case_name, true);
    EXPECT_TRUE(store.ok());
    ScanSettings s;
    s.threads = threads;
    s.chunk_size = 4096;  // many chunks per item
    auto stats = scan_evidence(root_ + "/evidence", **store, 1, s, {}, {});
    EXPECT_TRUE(stats.ok()) << stats.error().describe();
    last_ = *stats;
    return dump(**store);
  }
  std::string root_;
  ScanStats last_;
};

}  // namespace

TEST_F(ScanTest, FindsMediaByContentAndDigestsThem) {
  const auto d = scan_into("case", 2);
  EXPECT_EQ(last_.media, 41u);
  EXPECT_EQ(last_.item_errors, 0u);
  EXPECT_EQ(last_.bytes_read, last_.bytes_total);
  // The misleading name is flagged and the picture still gets all four digests.
  const auto hidden = d.find("dir:/hidden.txt|");
  ASSERT_NE(hidden, std::string::npos);
  const auto line = d.substr(hidden, d.find('\n', hidden) - hidden);
  EXPECT_NE(line.find("|jpeg|ok|1|"), std::string::npos) << line;
  EXPECT_EQ(line.find("NULL"), std::string::npos) << line;
  // Non-media items get XXH3-128 only by default.
  const auto note = d.find("dir:/d0/note0.txt|");
  ASSERT_NE(note, std::string::npos);
  EXPECT_NE(d.substr(note, d.find('\n', note) - note).find("|NULL|NULL|NULL|"), std::string::npos);
}

TEST_F(ScanTest, SameContentForAnyThreadCount) {
  EXPECT_EQ(scan_into("one", 1), scan_into("two", 2));
  EXPECT_EQ(scan_into("two-again", 2), scan_into("four", 4));
}

TEST_F(ScanTest, ResumeSkipsRecordedItemsAndEndsIdentical) {
  const auto full = scan_into("full", 2);
  {
    auto store = case_store::CaseStore::open(root_ + "/partial", true);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(scan_evidence(root_ + "/evidence", **store, 1, {}, {}, {}).ok());
    // Simulate a kill after the first committed batches: drop the later rows.
    ASSERT_EQ(sqlite3_exec((*store)->handle(), "DELETE FROM items WHERE id > 30", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
  }
  const auto resumed = scan_into("partial", 2);
  EXPECT_EQ(last_.items_resumed, 30u);
  EXPECT_EQ(resumed, full);
}

}  // namespace vigil::pipeline
