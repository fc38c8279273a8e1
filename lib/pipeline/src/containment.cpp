#include "vigil/pipeline/containment.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "vigil/evidence/evidence.hpp"

namespace vigil::pipeline {
namespace {

constexpr std::size_t kAltStackBytes = 64 << 10;

// The calling thread's slot in the table, taken on first use; -1: none left.
thread_local std::int32_t t_slot = -2;

WatchSlot* slot_of(WatchTable* table) {
  if (t_slot == -2) {
    const auto n = table->used.fetch_add(1);
    if (n < WatchTable::kSlots) {
      t_slot = static_cast<std::int32_t>(n);
      table->slots[n].tid.store(static_cast<std::int32_t>(::syscall(SYS_gettid)));
      // A stack of its own for the crash handler, so that a parser's runaway recursion (a stack
      // overflow) is attributed too. Threads that publish live as long as the worker: the
      // stack is never freed. Sanitizer builds install no crash handler and keep the sanitizer's
      // own per-thread alternate stack, which it unmaps when the thread exits (replaced by ours,
      // ASan aborted on that unmap, and LeakSanitizer reported ours at exit).
      if constexpr (!kSanitizerBuild) {
        stack_t alt{};
        alt.ss_size = kAltStackBytes;
        alt.ss_sp = new char[kAltStackBytes];
        (void)::sigaltstack(&alt, nullptr);
      }
    } else {
      t_slot = -1;
    }
  }
  return t_slot >= 0 ? &table->slots[t_slot] : nullptr;
}

WatchTable* g_crash_table = nullptr;
// The table of the worker's Containment, for note_progress (set once, before any thread reads).
std::atomic<WatchTable*> g_progress_table{nullptr};

// Async-signal-safe: a system call and lock-free atomics only.
extern "C" void on_fault(int sig) {
  if (g_crash_table != nullptr) {
    const auto tid = static_cast<std::int32_t>(::syscall(SYS_gettid));
    const auto used = std::min<std::uint32_t>(g_crash_table->used.load(), WatchTable::kSlots);
    for (std::uint32_t i = 0; i < used; ++i) {
      if (g_crash_table->slots[i].tid.load() == tid) {
        std::int32_t none = -1;
        // The first fault wins: a second thread faulting meanwhile does not overwrite it.
        if (g_crash_table->crashed_slot.compare_exchange_strong(none, static_cast<std::int32_t>(i)))
          g_crash_table->crashed_signal.store(sig);
        break;
      }
    }
  }
  // SA_RESETHAND restored the default action: raised again, the signal ends the process (for a
  // fault, returning would also fault again at the same instruction).
  ::raise(sig);
}

}  // namespace

Containment::Containment(WatchTable* table, const std::vector<std::string>& evidence,
                         Quarantine quarantine)
    : table_(table), quarantine_(std::move(quarantine)) {
  for (const auto& p : evidence)
    evidence_.push_back(std::filesystem::absolute(p).lexically_normal().string());
  if (table_ != nullptr) {
    g_progress_table.store(table_, std::memory_order_release);
    evidence::set_image_read_observer(&note_progress);
  }
}

std::int64_t Containment::evidence_position(const std::string& absolute_path) const {
  for (std::size_t i = 0; i < evidence_.size(); ++i)
    if (evidence_[i] == absolute_path) return static_cast<std::int64_t>(i);
  return -1;
}

const std::string* Containment::quarantined_item(std::int64_t evidence, std::uint64_t index) const {
  if (evidence < 0 || quarantine_.items.empty()) return nullptr;
  const auto it = quarantine_.items.find({static_cast<std::uint32_t>(evidence), index});
  return it == quarantine_.items.end() ? nullptr : &it->second;
}

const std::pair<std::string, std::string>* Containment::quarantined_volume(
    std::int64_t evidence, std::uint64_t index) const {
  if (evidence < 0) return nullptr;
  const auto it = quarantine_.volumes.find({static_cast<std::uint32_t>(evidence), index});
  return it == quarantine_.volumes.end() ? nullptr : &it->second;
}

std::vector<std::uint64_t> Containment::suspects(std::int64_t evidence) const {
  std::vector<std::uint64_t> out;
  for (const auto& [ev, index] : quarantine_.suspects)
    if (static_cast<std::int64_t>(ev) == evidence) out.push_back(index);
  return out;
}

void Containment::begin(Activity a, std::int64_t evidence, std::uint64_t index) const {
  if (table_ == nullptr) return;
  if (auto* s = slot_of(table_)) {
    s->evidence.store(static_cast<std::uint32_t>(evidence), std::memory_order_relaxed);
    s->index.store(index, std::memory_order_relaxed);
    s->progress.fetch_add(1, std::memory_order_relaxed);
    // Release: the supervisor reads the slot only after the worker is dead, but a reader that
    // sees the activity must also see what it names.
    s->activity.store(static_cast<std::uint32_t>(a), std::memory_order_release);
  }
}

void Containment::end() const {
  if (table_ == nullptr) return;
  if (auto* s = slot_of(table_))
    s->activity.store(static_cast<std::uint32_t>(Activity::kIdle), std::memory_order_release);
}

void Containment::tick() const {
  if (table_ == nullptr) return;
  if (auto* s = slot_of(table_)) s->progress.fetch_add(1, std::memory_order_relaxed);
}

void note_progress() {
  // A thread that has no slot yet (one that never began an activity) takes none here: it has
  // nothing in flight whose progress matters.
  if (t_slot < 0) return;
  if (auto* table = g_progress_table.load(std::memory_order_acquire))
    table->slots[t_slot].progress.fetch_add(1, std::memory_order_relaxed);
}

void install_crash_handler(WatchTable* table) {
  if constexpr (kSanitizerBuild) return;
  g_crash_table = table;
  struct sigaction sa {};
  sa.sa_handler = on_fault;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND | SA_NODEFER | SA_ONSTACK;
  for (const int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS})
    sigaction(sig, &sa, nullptr);
}

}  // namespace vigil::pipeline
