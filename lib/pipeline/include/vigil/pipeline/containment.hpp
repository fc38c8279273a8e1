// Containment of crashes and runaway allocations inside third-party parsers (issues 12 and 15).
//
// `vigil scan` runs its work in a worker process under a memory limit (cli/scan_supervisor.cpp).
// The worker tells its supervisor what each of its threads is doing through a WatchTable in
// memory shared between the two processes: which top-level item (or which volume's walk) is in
// flight. When the worker dies by a signal, the supervisor reads the table, quarantines the item
// or volume that was in flight and starts a new worker, which resumes the scan (items already in
// the case store are skipped) and records each quarantined item as an error with a "crash"
// warning instead of processing it again.
//
// Publishing costs two relaxed-order atomic stores per item and thread: nothing a scan notices.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace vigil::pipeline {

// Sanitizer builds (the asan and tsan presets) run the worker without a memory limit and without
// the crash handler: the sanitizers reserve terabytes of address space and report faults with
// handlers of their own.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitizerBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
inline constexpr bool kSanitizerBuild = true;
#else
inline constexpr bool kSanitizerBuild = false;
#endif
#else
inline constexpr bool kSanitizerBuild = false;
#endif

enum class Activity : std::uint32_t { kIdle = 0, kItem = 1, kWalk = 2, kCarve = 3 };

// One thread of the worker. `index` is the item's walk index (ItemTask::index) for kItem, the
// volume's index for kWalk, the carving unit for kCarve (carving runs beside the walk: its
// threads are marked so that a crash on one is never taken for the walk's; nothing of carving is
// quarantined); `evidence` the evidence's position on the command line.
struct WatchSlot {
  std::atomic<std::int32_t> tid{0};
  std::atomic<std::uint32_t> activity{0};
  std::atomic<std::uint32_t> evidence{0};
  std::atomic<std::uint64_t> index{0};
  // Bumped when an activity begins and, during a walk, for each entry listed and each read of
  // the image: a walk whose count stands still for the stall limit is stuck (a parser looping
  // on hostile bytes) and is ended by the supervisor.
  std::atomic<std::uint64_t> progress{0};
};

// Lives in a MAP_SHARED anonymous mapping made by the supervisor before it forks: only
// lock-free atomics, no pointers.
struct WatchTable {
  static constexpr std::size_t kSlots = 512;
  std::atomic<std::uint32_t> used{0};           // slots handed out to threads
  std::atomic<std::int32_t> crashed_slot{-1};   // set by the worker's crash handler
  std::atomic<std::int32_t> crashed_signal{0};  // the signal the handler saw
  WatchSlot slots[kSlots];
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

// An item or a volume: (evidence position, walk index or volume index).
using WatchKey = std::pair<std::uint32_t, std::uint64_t>;

// What earlier workers of this scan crashed on, handed to the next worker.
struct Quarantine {
  std::map<WatchKey, std::string> items;  // recorded as errors, never processed again
  // Not walked again: a warning on the volume, its code (its walk's "crash", or "stall" for a
  // walk stopped by the stall limit) and message.
  std::map<WatchKey, std::pair<std::string, std::string>> volumes;
  // Items in flight together when a worker died and nothing told which of them was the cause:
  // the next worker processes them one at a time (ScanSettings::containment, scan.cpp).
  std::set<WatchKey> suspects;
  [[nodiscard]] bool empty() const { return items.empty() && volumes.empty() && suspects.empty(); }
};

class Containment {
 public:
  // evidence: the paths as given on the command line (made absolute the way scan_evidence does).
  Containment(WatchTable* table, const std::vector<std::string>& evidence, Quarantine quarantine);

  // The evidence's position on the command line, -1 when it is not one of them.
  [[nodiscard]] std::int64_t evidence_position(const std::string& absolute_path) const;
  // The warning text for a quarantined item or volume, if it is one.
  [[nodiscard]] const std::string* quarantined_item(std::int64_t evidence,
                                                    std::uint64_t index) const;
  [[nodiscard]] const std::pair<std::string, std::string>* quarantined_volume(
      std::int64_t evidence, std::uint64_t index) const;
  // Walk indexes of this evidence's suspects, lowest first.
  [[nodiscard]] std::vector<std::uint64_t> suspects(std::int64_t evidence) const;

  // Marks the calling thread's slot (a thread takes its slot on first use; a thread beyond the
  // table's size publishes nothing, and its crash is found by elimination).
  void begin(Activity a, std::int64_t evidence, std::uint64_t index) const;
  void end() const;
  // Notes progress of the calling thread's activity (WatchSlot::progress).
  void tick() const;

 private:
  WatchTable* table_;
  std::vector<std::string> evidence_;
  Quarantine quarantine_;
};

// Marks the thread busy for the scope's life; does nothing without a Containment.
class ActivityScope {
 public:
  ActivityScope(const Containment* c, Activity a, std::int64_t evidence, std::uint64_t index)
      : c_(evidence >= 0 ? c : nullptr) {
    if (c_ != nullptr) c_->begin(a, evidence, index);
  }
  ~ActivityScope() {
    if (c_ != nullptr) c_->end();
  }
  ActivityScope(const ActivityScope&) = delete;
  ActivityScope& operator=(const ActivityScope&) = delete;

 private:
  const Containment* c_;
};

// Notes progress for the calling thread of the worker's Containment (the one last constructed);
// nothing outside a supervised scan. Given to evidence::set_image_read_observer, so that every
// image read of a walk counts as its progress.
void note_progress();

// Installs, in the worker, a handler for the signals a fault raises on the faulting thread
// (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS): it notes the thread's slot in the table and
// lets the signal kill the process as it would have. Does nothing when kSanitizerBuild.
void install_crash_handler(WatchTable* table);

}  // namespace vigil::pipeline
