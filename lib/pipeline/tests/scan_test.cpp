#include "vigil/pipeline/scan.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "vigil/pipeline/memory_budget.hpp"

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

// A BMP header (BITMAPINFOHEADER, 24 bit, bottom-up) followed by width*height*3 bytes.
static std::string bmp(int width, int height) {
  const std::uint32_t row = static_cast<std::uint32_t>(width) * 3;
  const std::uint32_t pixels = row * static_cast<std::uint32_t>(height);
  std::string h(54, '\0');
  const auto put = [&h](std::size_t at, std::uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      h[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
  };
  h[0] = 'B';
  h[1] = 'M';
  put(2, 54 + pixels, 4);
  put(10, 54, 4);
  put(14, 40, 4);
  put(18, static_cast<std::uint32_t>(width), 4);
  put(22, static_cast<std::uint32_t>(height), 4);
  put(26, 1, 2);
  put(28, 24, 2);
  put(34, pixels, 4);
  std::string out = h;
  out.reserve(h.size() + pixels);
  for (std::uint32_t i = 0; i < pixels; ++i) out += static_cast<char>((i * 7) % 251);
  return out;
}

// Issue 10, point 5: the largest media item kept whole for the analysers is set by the memory
// budget, never by the thread count. A 21 MB picture under --max-memory 40M was retained with
// one thread and dropped (with a limit warning) with two, when each worker had budget/threads.
TEST_F(ScanTest, RetentionDoesNotDependOnThreadCount) {
  write("budget/big.bmp", bmp(2500, 2800));  // 21,000,054 bytes: more than 40M/2, less than 40M
  write("budget/small.bmp", bmp(64, 64));
  write("budget/huge.bmp", bmp(4000, 3600));  // 43,200,054 bytes: more than the whole budget
  const auto run = [this](const std::string& name, int threads) {
    auto store = case_store::CaseStore::open(root_ + "/" + name, true);
    EXPECT_TRUE(store.ok());
    ScanSettings s;
    s.threads = threads;
    s.max_memory = 40ULL << 20;
    // What the analyser saw: the whole content, or nothing (the real one warns "limit").
    const Analyser seen = [](const ItemView& v, case_store::ItemRecord& item,
                             case_store::ItemExtras&, std::vector<case_store::WarningRecord>& w) {
      if (v.type.category != sniff::Category::kImage) return;
      if (v.bytes.size() != v.entry.size)
        w.push_back({item.provenance, "limit", "not retained"});
      else
        w.push_back({item.provenance, "seen", std::to_string(v.bytes.size())});
    };
    auto stats = scan_evidence(root_ + "/budget", **store, 1, s, {seen}, {});
    EXPECT_TRUE(stats.ok()) << stats.error().describe();
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2((*store)->handle(),
                       "SELECT provenance, code, message FROM warnings ORDER BY provenance, code",
                       -1, &q, nullptr);
    std::string out;
    while (sqlite3_step(q) == SQLITE_ROW)
      out += std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, 0))) + "|" +
             reinterpret_cast<const char*>(sqlite3_column_text(q, 1)) + "|" +
             reinterpret_cast<const char*>(sqlite3_column_text(q, 2)) + "\n";
    sqlite3_finalize(q);
    return out + dump(**store);
  };
  const auto one = run("one", 1);
  EXPECT_NE(one.find("dir:/big.bmp|seen|21000054"), std::string::npos) << one;
  EXPECT_NE(one.find("dir:/small.bmp|seen|"), std::string::npos) << one;
  EXPECT_NE(one.find("dir:/huge.bmp|limit|"), std::string::npos) << one;
  EXPECT_EQ(run("two", 2), one);
  EXPECT_EQ(run("three", 3), one);
  EXPECT_EQ(run("eight", 8), one);
}

// The shared budget: never more than its capacity held, every request served (no deadlock with
// more requesters than fit at once), and a waiting item is served before later ones.
TEST(MemoryBudgetTest, BoundedFairAndNeverStuck) {
  MemoryBudget budget(100);
  EXPECT_FALSE(budget.acquire(101, 0));  // larger than the whole budget: refused at once
  std::atomic<std::uint64_t> held{0};
  std::atomic<std::uint64_t> worst{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (std::size_t i = 0; i < 200; ++i) {
        const std::uint64_t bytes = 1 + (i * 37 + static_cast<std::size_t>(t) * 11) % 100;
        ASSERT_TRUE(budget.acquire(bytes, i * 8 + static_cast<std::size_t>(t)));
        const auto now = held += bytes;
        std::uint64_t w = worst.load();
        while (now > w && !worst.compare_exchange_weak(w, now)) {
        }
        held -= bytes;
        budget.release(bytes);
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_LE(worst.load(), 100u);
  EXPECT_LE(budget.peak(), 100u);
  EXPECT_EQ(budget.held(), 0u);
  EXPECT_EQ(budget.grants(), 1600u);

  // Item 5 waits for 95 bytes while 30 are held; item 9 (later) asks for 10, which would fit,
  // but must wait until item 5 has been served (and, here, has given its bytes back).
  MemoryBudget ordered(100);
  ASSERT_TRUE(ordered.acquire(30, 1));
  std::atomic<int> step{0};
  std::thread big([&] {
    ASSERT_TRUE(ordered.acquire(95, 5));
    step = step * 10 + 5;
    ordered.release(95);
  });
  while (ordered.waiting() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::thread small([&] {
    ASSERT_TRUE(ordered.acquire(10, 9));
    step = step * 10 + 9;
    ordered.release(10);
  });
  for (int ms = 0; ordered.waiting() < 2 && step == 0 && ms < 10000; ++ms)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(step.load(), 0);  // both wait: 5 for bytes, 9 behind 5
  ordered.release(30);
  big.join();
  small.join();
  EXPECT_EQ(step.load(), 59);
}

}  // namespace vigil::pipeline
