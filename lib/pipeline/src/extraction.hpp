// Inside the scan (internal to lib/pipeline): the task one top-level item becomes, the dispatcher
// that runs extractors on it and processes every child exactly like an entry (sniff, digests,
// analysers, extraction again), and the writer step that stores a task with all its descendants.
//
// Threading (STYLE.md §3, §5): a task is processed by one pipeline worker. Its children are
// collected into bounded batches; each batch is spread over the arena's threads with
// tbb::parallel_for inside an isolated region (a waiting thread never picks up another
// top-level item, whose per-thread buffers it would clobber), and only the children's small
// records outlive the batch. Rows are kept in emission order, depth first, so ids and order do
// not depend on the thread count.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "vigil/case/case_store.hpp"
#include "vigil/core/provenance.hpp"
#include "vigil/extract/extractor.hpp"
#include "vigil/pipeline/extraction.hpp"
#include "vigil/pipeline/scan.hpp"

namespace vigil::pipeline::detail {

// One item found inside another, after processing: everything the writer stores, no bytes.
struct ChildRow {
  case_store::ItemRecord record;
  case_store::ItemExtras extras;
  std::vector<case_store::WarningRecord> warnings;
  std::int64_t parent = -1;  // index of its parent in the same list; -1: the task's own item
  bool media = false;
  std::uint64_t errors = 0;  // extractor exceptions on this item
};

// How many child rows the scan holds in memory: now, and the most at once (tests and ScanStats).
struct RowAccount {
  std::atomic<std::uint64_t> now{0};
  std::atomic<std::uint64_t> peak{0};
  std::uint64_t spool_rows = 512;  // rows one list keeps in memory before it spools them
  std::string spool_dir;           // where spool files go; "" = $TMPDIR or /tmp
  void add(std::uint64_t n);
  void sub(std::uint64_t n) { now -= n; }
};

// Rows in emission order, bounded in memory: once a list holds account->spool_rows rows in
// memory, they are written to its spool file (an unlinked temporary file, gone with the process)
// and the list goes on in memory. A million children cost disk, not RAM: a row is ~1.5 KB, and
// the whole list used to stay in memory until the writer stored its top-level item (issue 12).
// Without an account, every row stays in memory. Spool I/O failures throw std::runtime_error
// (the scan reports the item as an error; for_each returns them as an Error).
class ChildRows {
 public:
  ChildRows() = default;
  explicit ChildRows(RowAccount* account) : account_(account) {}
  ~ChildRows();
  ChildRows(ChildRows&& other) noexcept;
  ChildRows& operator=(ChildRows&& other) noexcept;
  ChildRows(const ChildRows&) = delete;
  ChildRows& operator=(const ChildRows&) = delete;

  // Rows pushed before attach() stay where they are; later spooling counts on the account.
  void attach(RowAccount* account);
  void push_back(ChildRow&& row);
  [[nodiscard]] std::size_t size() const { return spooled_ + memory_.size(); }
  [[nodiscard]] bool empty() const { return size() == 0; }
  [[nodiscard]] std::size_t spooled() const { return spooled_; }
  void clear();
  // Each row in order (spooled ones read back one at a time; fn may move from the row); stops
  // early when fn returns false.
  Result<void> for_each(const std::function<bool(ChildRow&)>& fn) const;
  // Every row, in memory: for tests with few rows.
  [[nodiscard]] std::vector<ChildRow> all() const;

 private:
  void spool();
  RowAccount* account_ = nullptr;
  std::deque<ChildRow> memory_;  // rows [spooled_, size())
  std::size_t spooled_ = 0;      // rows [0, spooled_) are in the file
  int fd_ = -1;
  std::uint64_t file_bytes_ = 0;
};

// A top-level item (a file-system entry) and all its descendants, in emission order.
struct ItemTask {
  std::size_t index = 0;
  case_store::ItemRecord record;
  case_store::ItemExtras extras;
  std::vector<case_store::WarningRecord> warnings;
  bool media = false;
  std::uint64_t errors = 0;
  ChildRows children;
};

// Stores the task's item, then each descendant with its parent's id, then every warning; all
// inside the caller's open transaction, so that an item and its descendants land together.
// Adds the task to the scan's figures in the same pass over its rows.
Result<void> store_task(case_store::CaseStore& store, ItemTask& task, ScanStats& stats);
// The same in two steps (a second pass over the rows): store, then add to the figures.
Result<void> store_task(case_store::CaseStore& store, ItemTask& task);
void count_task(const ItemTask& task, ScanStats& stats);

class Dispatcher {
 public:
  Dispatcher(const ExtractionSettings& settings, DigestPolicy digests,
             const std::vector<Analyser>& analysers);

  [[nodiscard]] bool enabled() const { return !settings_.extractors.empty(); }
  // True when a selected extractor reads this content type: the scan keeps such items in
  // memory (up to its retention cap) for extract().
  [[nodiscard]] bool reads(const sniff::ContentType& type) const;

  // Runs the extractors whose probe() is true on a top-level item (after its digests and
  // analysers), and everything they emit, depth first, into task.children.
  void extract_entry(const Provenance& provenance, std::string_view name,
                     const sniff::ContentType& type, std::span<const std::uint8_t> bytes,
                     ItemTask& task) const;

  // Bytes of children held in memory right now, and the most ever held at once.
  [[nodiscard]] std::uint64_t bytes_held() const { return held_.load(); }
  [[nodiscard]] std::uint64_t peak_bytes_held() const { return peak_.load(); }
  // Child rows held in memory right now (not spooled), and the most ever held at once.
  [[nodiscard]] std::uint64_t rows_held() const { return rows_.now.load(); }
  [[nodiscard]] std::uint64_t peak_rows_held() const { return rows_.peak.load(); }

  // Node, Emitter and the per-top-level-item budget are implementation details
  // (extraction.cpp); they need the accounting below.
  struct Node;
  class ChildEmitter;
  struct TopBudget;
  void run_extractors(Node& node, TopBudget& top) const;
  // A processed child: its own row, and its descendants (parent -1 = this child).
  struct Subtree {
    ChildRow self;
    ChildRows rows;
  };
  Subtree process_child(const Node& parent, std::string_view extractor, extract::Child child,
                        const Provenance& provenance, TopBudget& top) const;
  void hold(std::uint64_t n) const;
  void release(std::uint64_t n) const;
  [[nodiscard]] const ExtractionLimits& limits() const { return settings_.limits; }

 private:
  ExtractionSettings settings_;
  DigestPolicy digests_;
  const std::vector<Analyser>& analysers_;
  std::vector<std::string> reads_;
  bool reads_all_ = false;
  mutable std::atomic<std::uint64_t> held_{0};
  mutable std::atomic<std::uint64_t> peak_{0};
  mutable RowAccount rows_;
};

}  // namespace vigil::pipeline::detail
