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

// Rows in emission order. A deque grows without copying what it holds (a vector would hold up
// to three times the rows while it reallocates: a million children make that count).
using ChildRows = std::deque<ChildRow>;

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
Result<void> store_task(case_store::CaseStore& store, ItemTask& task);

// What the writer adds to the scan's figures for one task.
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

  // Node, Emitter and the per-top-level-item budget are implementation details
  // (extraction.cpp); they need the accounting below.
  struct Node;
  class ChildEmitter;
  struct TopBudget;
  void run_extractors(Node& node, TopBudget& top) const;
  ChildRows process_child(const Node& parent, std::string_view extractor, extract::Child child,
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
};

}  // namespace vigil::pipeline::detail
