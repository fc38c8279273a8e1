// The dispatcher on its own: children, nesting, each limit, exceptions, unique locators,
// thread-count independence and bounded memory with 100,000 children.
#include <gtest/gtest.h>
#include <oneapi/tbb/task_arena.h>

#include <string>

#include "../src/extraction.hpp"
#include "fake_extractor.hpp"

namespace vigil::pipeline {
namespace {

using detail::ItemTask;
using testing::fake_container;
using testing::FakeExtractor;

// A task with its rows read back (spooled or not), for indexing.
struct Ran : ItemTask {
  std::vector<detail::ChildRow> children;
  std::size_t spooled = 0;  // rows that were in the spool file
};

class ExtractionTest : public ::testing::Test {
 protected:
  Ran run(const std::vector<std::uint8_t>& bytes) {
    ExtractionSettings s;
    s.extractors = {&fake_};
    s.limits = limits_;
    s.spool_rows = spool_rows_;
    dispatcher_ = std::make_unique<detail::Dispatcher>(s, DigestPolicy::kMedia, analysers_);
    Ran t;
    t.record.evidence_id = 1;
    t.record.provenance = prov_.str();
    t.record.fs_type = "ext4";
    const sniff::ContentType unknown;
    dispatcher_->extract_entry(prov_, "top.bin", unknown, bytes, t);
    t.spooled = t.ItemTask::children.spooled();
    t.children = t.ItemTask::children.all();
    t.ItemTask::children.clear();
    t.ItemTask::children.attach(nullptr);  // the next run() replaces the dispatcher
    return t;
  }
  static std::size_t limit_warnings(const Ran& t, const std::string& which) {
    std::size_t n = 0;
    const auto count = [&](const std::vector<case_store::WarningRecord>& ws) {
      for (const auto& w : ws) n += w.code == "limit" && w.message.find(which) != std::string::npos;
    };
    count(t.warnings);
    for (const auto& c : t.children) count(c.warnings);
    return n;
  }

  FakeExtractor fake_;
  ExtractionLimits limits_;
  std::vector<Analyser> analysers_;
  std::unique_ptr<detail::Dispatcher> dispatcher_;
  std::uint64_t spool_rows_ = 512;
  Provenance prov_ = Provenance::evidence("disk.raw").child("ext4", "/top.bin");
};

// Every row as one line: what the writer would store, in order.
std::string rows(const Ran& t) {
  std::string out;
  for (const auto& c : t.children) {
    out += c.record.provenance + "|" + std::to_string(c.parent) + "|" +
           std::to_string(c.record.depth) + "|" + c.record.xxh3_128 + "|" + c.record.child_status +
           "|" + std::to_string(c.record.size) + "\n";
  }
  return out;
}

TEST_F(ExtractionTest, ChildrenAreProcessedLikeEntries) {
  const auto t = run(fake_container(3, 40));
  ASSERT_EQ(t.children.size(), 3u);
  ASSERT_EQ(t.extras.records.size(), 1u);
  EXPECT_EQ(t.extras.records[0].extractor, "fake");
  EXPECT_EQ(t.extras.records[0].name, "count");
  EXPECT_EQ(t.extras.records[0].value, "3");
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& c = t.children[i];
    EXPECT_EQ(c.parent, -1);
    EXPECT_EQ(c.record.provenance, prov_.str() + " > fake:child " + std::to_string(i));
    EXPECT_EQ(c.record.depth, 1);
    EXPECT_EQ(c.record.extractor, "fake");
    EXPECT_EQ(c.record.child_status, "ok");
    EXPECT_EQ(c.record.status, "ok");
    EXPECT_EQ(c.record.size, 40u);
    EXPECT_EQ(c.record.bytes_read, 40u);
    ASSERT_TRUE(c.record.parent_offset.has_value());
    EXPECT_EQ(*c.record.parent_offset, i);
    EXPECT_EQ(c.record.xxh3_128.size(), 32u);
    EXPECT_TRUE(c.record.md5.empty());  // not media: XXH3-128 only, as for entries
    EXPECT_EQ(c.record.evidence_id, 1);
    EXPECT_EQ(c.record.fs_type, "ext4");
  }
  EXPECT_TRUE(t.warnings.empty());
  EXPECT_EQ(t.errors, 0u);
}

TEST_F(ExtractionTest, NestedChildrenDepthFirstWithParentLinks) {
  const auto t = run(fake_container(2, 40, 2));
  // 2 children, each with 2, each with 2: 2 + 4 + 8, depth first.
  ASSERT_EQ(t.children.size(), 14u);
  EXPECT_EQ(t.children[0].record.depth, 1);
  EXPECT_EQ(t.children[0].parent, -1);
  EXPECT_EQ(t.children[1].record.depth, 2);
  EXPECT_EQ(t.children[1].parent, 0);
  EXPECT_EQ(t.children[2].record.depth, 3);
  EXPECT_EQ(t.children[2].parent, 1);
  EXPECT_EQ(t.children[2].record.provenance,
            prov_.str() + " > fake:child 0 > fake:child 0 > fake:child 0");
  EXPECT_EQ(t.children[7].record.depth, 1);
  EXPECT_EQ(t.children[7].parent, -1);
  EXPECT_EQ(t.children[7].record.provenance, prov_.str() + " > fake:child 1");
  for (std::size_t i = 0; i < t.children.size(); ++i) {
    const auto p = t.children[i].parent;
    if (p < 0) continue;
    ASSERT_LT(static_cast<std::size_t>(p), i);  // a parent is always stored before its child
    EXPECT_EQ(t.children[static_cast<std::size_t>(p)].record.depth + 1, t.children[i].record.depth);
  }
}

TEST_F(ExtractionTest, DepthLimit) {
  limits_.max_depth = 2;
  const auto t = run(fake_container(1, 40, 5));
  ASSERT_EQ(t.children.size(), 2u);
  EXPECT_EQ(t.children[1].record.depth, 2);
  EXPECT_EQ(limit_warnings(t, "max-depth=2"), 1u);
  ASSERT_EQ(t.children[1].warnings.size(), 1u);  // on the item that was not extracted
  EXPECT_EQ(t.children[1].warnings[0].provenance, t.children[1].record.provenance);
}

TEST_F(ExtractionTest, ChildCountLimit) {
  limits_.max_children = 4;
  const auto t = run(fake_container(10, 40));
  EXPECT_EQ(t.children.size(), 4u);
  EXPECT_EQ(limit_warnings(t, "max-children=4"), 1u);
  EXPECT_EQ(t.warnings[0].provenance, prov_.str());
}

TEST_F(ExtractionTest, ExpansionRatioLimit) {
  limits_.max_ratio = 10;  // the container is 15 bytes: its children may hold 150
  const auto t = run(fake_container(5, 100));
  ASSERT_EQ(t.children.size(), 2u);
  EXPECT_EQ(t.children[0].record.child_status, "ok");
  EXPECT_EQ(t.children[1].record.child_status, "partial");
  EXPECT_EQ(t.children[1].record.bytes_read, 50u);
  EXPECT_EQ(t.children[1].record.size, 100u);        // what the container declared
  EXPECT_EQ(limit_warnings(t, "max-ratio=10"), 2u);  // the cut child, then the stop
}

TEST_F(ExtractionTest, ChildSizeLimit) {
  limits_.max_child_bytes = 30;
  const auto t = run(fake_container(2, 100));
  ASSERT_EQ(t.children.size(), 2u);
  for (const auto& c : t.children) {
    EXPECT_EQ(c.record.child_status, "partial");
    EXPECT_EQ(c.record.bytes_read, 30u);
  }
  EXPECT_EQ(limit_warnings(t, "max-child-bytes=30"), 2u);
}

TEST_F(ExtractionTest, TotalBytesLimitCoversAllDescendants) {
  limits_.max_total_bytes = 250;
  limits_.max_ratio = 1e9;
  // 2 children of 100 bytes, each with 2 of 100. Both children are taken (one batch), then the
  // first one's first child gets the last 50 bytes, and everything after is cut: the same for
  // any thread count (a run that reaches this limit is redone in emission order).
  for (const int threads : {1, 4}) {
    tbb::task_arena arena(threads);
    Ran t;
    arena.execute([&] { t = run(fake_container(2, 100, 1)); });
    ASSERT_EQ(t.children.size(), 3u) << rows(t);
    EXPECT_EQ(t.children[0].record.bytes_read, 100u);
    EXPECT_EQ(t.children[1].record.depth, 2);
    EXPECT_EQ(t.children[1].parent, 0);
    EXPECT_EQ(t.children[1].record.bytes_read, 50u);
    EXPECT_EQ(t.children[1].record.child_status, "partial");
    EXPECT_EQ(t.children[2].record.depth, 1);
    EXPECT_EQ(t.children[2].record.bytes_read, 100u);
    // The cut grandchild, then the stop in each child.
    EXPECT_EQ(limit_warnings(t, "max-total-bytes=250"), 3u) << threads;
  }
}

TEST_F(ExtractionTest, ExceptionIsAnItemErrorAndKeepsWhatWasEmitted) {
  const auto t = run(fake_container(5, 40, 0, 2));
  EXPECT_EQ(t.children.size(), 2u);
  EXPECT_EQ(t.errors, 1u);
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_EQ(t.warnings[0].code, "extractor");
  EXPECT_NE(t.warnings[0].message.find("fake 0.1 failed: fake failure"), std::string::npos);
}

TEST_F(ExtractionTest, RepeatedLocatorsStayUnique) {
  const auto t = run(fake_container(3, 40, 0, 0, true));
  ASSERT_EQ(t.children.size(), 3u);
  EXPECT_EQ(t.children[0].record.provenance, prov_.str() + " > fake:same");
  EXPECT_EQ(t.children[1].record.provenance, prov_.str() + " > fake:same #2");
  EXPECT_EQ(t.children[2].record.provenance, prov_.str() + " > fake:same #3");
}

TEST_F(ExtractionTest, SameRowsForAnyThreadCount) {
  limits_.batch_children = 7;  // many batches
  std::string first;
  for (const int threads : {1, 2, 4}) {
    tbb::task_arena arena(threads);
    Ran t;
    arena.execute([&] { t = run(fake_container(6, 64, 2)); });
    const auto r = rows(t);
    EXPECT_EQ(t.children.size(), 6u + 36u + 216u);
    if (first.empty()) {
      first = r;
    } else {
      EXPECT_EQ(r, first) << threads << " threads";
    }
  }
}

TEST_F(ExtractionTest, HundredThousandChildrenInBoundedMemory) {
  limits_.batch_children = 256;
  limits_.max_ratio = 1e9;  // the container is 15 bytes that say "100,000 children"
  constexpr std::uint32_t kChildren = 100'000;
  constexpr std::uint32_t kSize = 200;
  Ran t;
  tbb::task_arena arena(4);
  arena.execute([&] { t = run(fake_container(kChildren, kSize)); });
  ASSERT_EQ(t.children.size(), kChildren);
  EXPECT_EQ(t.children.back().record.provenance,
            prov_.str() + " > fake:child " + std::to_string(kChildren - 1));
  // Only one batch of children's bytes is ever held, never all 20 MB of them.
  EXPECT_LE(dispatcher_->peak_bytes_held(), 256u * kSize);
  EXPECT_GE(dispatcher_->peak_bytes_held(), kSize);
  EXPECT_EQ(dispatcher_->bytes_held(), 0u);
  // Nor all 100,000 records: past 512 in one list they wait in the spool file.
  EXPECT_LE(dispatcher_->peak_rows_held(), 512u);
  EXPECT_GE(t.spooled, kChildren - 512u);
  EXPECT_EQ(dispatcher_->rows_held(), 0u);
}

TEST_F(ExtractionTest, SpooledRowsReadBackInOrderAtEveryDepth) {
  // Every list spools after 3 rows: nested lists are spooled, merged into their parent's list
  // (spooled again) and read back with their parent indices intact.
  limits_.batch_children = 7;
  std::string in_memory;
  for (const std::uint64_t spool : {1'000'000ULL, 3ULL, 1ULL}) {
    spool_rows_ = spool;
    for (const int threads : {1, 4}) {
      tbb::task_arena arena(threads);
      Ran t;
      arena.execute([&] { t = run(fake_container(6, 64, 2)); });
      ASSERT_EQ(t.children.size(), 6u + 36u + 216u);
      if (spool == 1'000'000ULL) {
        EXPECT_EQ(t.spooled, 0u);
        if (in_memory.empty()) in_memory = rows(t);
      } else {
        EXPECT_GT(t.spooled, 200u);
        EXPECT_LE(dispatcher_->peak_rows_held(), spool * 64u) << "spool " << spool;
      }
      EXPECT_EQ(rows(t), in_memory) << "spool " << spool << ", " << threads << " threads";
      EXPECT_EQ(dispatcher_->rows_held(), 0u);
      for (std::size_t i = 0; i < t.children.size(); ++i) {
        const auto p = t.children[i].parent;
        ASSERT_LT(p, static_cast<std::int64_t>(i));
        if (p >= 0) {
          EXPECT_EQ(t.children[static_cast<std::size_t>(p)].record.depth + 1,
                    t.children[i].record.depth);
        }
      }
    }
  }
}

TEST_F(ExtractionTest, BatchByteLimitBoundsMemory) {
  limits_.batch_bytes = 1000;
  run(fake_container(50, 300));
  // A batch is processed as soon as it reaches 1000 bytes: at most four 300-byte children.
  EXPECT_LE(dispatcher_->peak_bytes_held(), 1200u);
}

}  // namespace
}  // namespace vigil::pipeline
