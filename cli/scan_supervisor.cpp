#include "scan_supervisor.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <new>
#include <optional>
#include <thread>

#include "commands.hpp"
#include "vigil/case/case_store.hpp"
#include "vigil/core/text.hpp"
#include "vigil/pipeline/scan.hpp"

namespace vigil::cli {
namespace {

constexpr int kExitInterrupted = 130;  // as cli/scan.cpp: 128 + SIGINT

// The worker being waited for, and whether the user asked the scan to stop (SIGINT/SIGTERM to
// the supervisor, forwarded to the worker). Lock-free: written by the signal handler.
std::atomic<pid_t> g_worker{0};
std::atomic<bool> g_stop_forwarded{false};
static_assert(std::atomic<pid_t>::is_always_lock_free);

extern "C" void forward_stop(int sig) {
  g_stop_forwarded.store(true);
  const pid_t w = g_worker.load();
  if (w > 0) ::kill(w, sig);
}

extern "C" void worker_stop(int /*sig*/) { pipeline::request_stop(); }

void set_handler(int sig, void (*handler)(int), int flags) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = flags;
  sigaction(sig, &sa, nullptr);
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
    case SIGABRT:
      return "SIGABRT";
    case SIGSYS:
      return "SIGSYS";
    case SIGKILL:
      return "SIGKILL";
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    default:
      return "a signal";
  }
}

// Signals a fault raises on the faulting thread: the item (or walk) that thread was on caused
// it. Any other death (SIGKILL from outside or from the kernel's out-of-memory killer) says
// nothing about the item, which is retried.
bool is_fault(int sig) {
  return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGABRT ||
         sig == SIGSYS;
}

// Records in the case store what the supervisor saw (the worker keeps the store otherwise).
void record(const SupervisorSettings& s, const std::string& action, const std::string& details,
            const char* end_status) {
  auto store = case_store::CaseStore::open(s.case_dir, true);
  if (!store) {
    std::cerr << "vigil: case " << s.case_dir << ": " << store.error().message << "\n";
    return;
  }
  (void)(*store)->audit(s.run_id, case_store::now_utc(), action, details);
  if (end_status != nullptr)
    (void)(*store)->end_run(s.run_id, end_status, case_store::now_utc(), "{}");
}

// Waits for the worker to end. With a stall limit, polls the watch table meanwhile: a slot
// busy with a walk whose progress count has not moved for the limit is a stuck walk, and the
// worker is killed (SIGKILL: it is inside a parser that checks no stop request). Returns that
// walk's volume, or nothing when the worker ended by itself.
std::optional<pipeline::WatchKey> wait_for_worker(pid_t pid, const pipeline::WatchTable& table,
                                                  double stall_seconds, int& status) {
  using Clock = std::chrono::steady_clock;
  const auto limit = std::chrono::duration<double>(stall_seconds);
  std::array<std::uint64_t, pipeline::WatchTable::kSlots> seen{};
  std::array<Clock::time_point, pipeline::WatchTable::kSlots> since;
  since.fill(Clock::now());
  std::optional<pipeline::WatchKey> stalled;
  // Between two checks of the table the wait sleeps on a pidfd, which becomes readable when the
  // worker ends: the scan ends when its worker does, not up to 100 ms later. (Without pidfds,
  // Linux before 5.3, a plain sleep.)
  struct PidFd {
    int fd;
    ~PidFd() {
      if (fd >= 0) ::close(fd);
    }
  } const pidfd{stall_seconds > 0 ? static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)) : -1};
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, stall_seconds > 0 && !stalled ? WNOHANG : 0);
    if (r == pid) return stalled;
    if (r < 0) {
      if (errno == EINTR) continue;
      status = 0;
      return stalled;
    }
    const auto now = Clock::now();
    const auto used = std::min<std::uint32_t>(table.used.load(), pipeline::WatchTable::kSlots);
    for (std::uint32_t i = 0; i < used && !stalled; ++i) {
      const auto& slot = table.slots[i];
      const auto progress = slot.progress.load(std::memory_order_relaxed);
      if (progress != seen[i] || slot.activity.load(std::memory_order_acquire) !=
                                     static_cast<std::uint32_t>(pipeline::Activity::kWalk)) {
        seen[i] = progress;
        since[i] = now;
      } else if (now - since[i] >= limit) {
        stalled = pipeline::WatchKey{slot.evidence.load(), slot.index.load()};
        ::kill(pid, SIGKILL);
      }
    }
    if (stalled) continue;
    if (pidfd.fd >= 0) {
      pollfd ended{pidfd.fd, POLLIN, 0};
      (void)::poll(&ended, 1, 100);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

}  // namespace

std::uint64_t worker_memory_limit(std::uint64_t max_memory, int threads) {
  const auto n = static_cast<std::uint64_t>(
      threads > 0 ? threads : std::max(1U, std::thread::hardware_concurrency()));
  return max_memory + kWorkerOverheadFixed + n * kWorkerOverheadPerThread;
}

std::uint64_t effective_worker_memory_limit(std::uint64_t requested) {
  rlimit have{};
  if (::getrlimit(RLIMIT_DATA, &have) == 0 && have.rlim_max != RLIM_INFINITY &&
      have.rlim_max < requested)
    return have.rlim_max;
  return requested;
}

Supervised supervise_scan(const SupervisorSettings& s) {
  // The table lives in memory both processes see; a new worker starts with it cleared.
  void* mem = ::mmap(nullptr, sizeof(pipeline::WatchTable), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    return {false,
            fatal(std::string("scan: shared memory for the worker: ") + std::strerror(errno)),
            nullptr};
  }
  pipeline::Quarantine quarantine;
  const pid_t supervisor = ::getpid();
  set_handler(SIGINT, forward_stop, 0);
  set_handler(SIGTERM, forward_stop, 0);
  int unattributed = 0;
  for (int deaths = 0;; ++deaths) {
    auto* table = new (mem) pipeline::WatchTable();
    // Nothing buffered may be written twice (once by each process).
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      record(s, "scan-failed", "{\"reason\":\"fork\"}", "failed");
      return {false,
              fatal(std::string("scan: cannot start the worker process: ") + std::strerror(errno)),
              nullptr};
    }
    if (pid == 0) {
      // The worker. Its own process group: a Ctrl-C at the terminal reaches the supervisor only,
      // which forwards it once. It dies with the supervisor (kill -9 of the scan).
      (void)::setpgid(0, 0);
      (void)::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != supervisor) ::_exit(kExitFatal);
      set_handler(SIGINT, worker_stop, SA_RESETHAND);
      set_handler(SIGTERM, worker_stop, SA_RESETHAND);
      if (g_stop_forwarded.load()) pipeline::request_stop();
      if (!pipeline::kSanitizerBuild && s.memory_limit > 0) {
        // RLIMIT_DATA counts the private writable memory (heap, anonymous mappings, thread
        // stacks), not the address space that TBB and glibc reserve but never touch (which
        // RLIMIT_AS would count): past it malloc fails, new throws, and the item or walk that
        // asked ends with an error or is quarantined.
        const std::uint64_t data = s.memory_limit > 2 * kWorkerCodeReserve
                                       ? s.memory_limit - kWorkerCodeReserve
                                       : s.memory_limit;
        const rlimit lim{data, data};
        (void)::setrlimit(RLIMIT_DATA, &lim);
      }
      pipeline::install_crash_handler(table);
      return {true, 0, std::make_shared<pipeline::Containment>(table, s.evidence, quarantine)};
    }
    (void)::setpgid(pid, pid);
    g_worker.store(pid);
    // A stop asked between fork and now is forwarded here.
    if (g_stop_forwarded.load()) ::kill(pid, SIGTERM);
    int status = 0;
    const auto stalled = wait_for_worker(pid, *table, s.walk_stall_seconds, status);
    g_worker.store(0);
    if (stalled && !g_stop_forwarded.load()) {
      // The supervisor stopped the worker: the walk it was on is quarantined.
      quarantine.volumes[*stalled] = {
          "stall", fmt::format("the walk of this volume made no progress for {:g} s (no entry "
                               "listed, no byte of the image read): a file-system parser stuck "
                               "on hostile bytes; stopped and quarantined (--walk-stall-limit): "
                               "the scan goes on without this volume's listing",
                               s.walk_stall_seconds)};
      unattributed = 0;
      std::string evidence_json;
      append_json_string(evidence_json, lossy_utf8(s.evidence.at(stalled->first)));
      const auto details = fmt::format("{{\"stalled_seconds\":{:g},\"evidence\":{},\"volume\":{}}}",
                                       s.walk_stall_seconds, evidence_json, stalled->second);
      std::cerr << fmt::format(
          "vigil: the walk of volume {} of {} made no progress for {:g} s; the worker was "
          "stopped, the volume is quarantined and the scan resumes\n",
          stalled->second, s.evidence.at(stalled->first), s.walk_stall_seconds);
      if (deaths + 1 >= kMaxWorkerRestarts) {
        record(s, "scan-failed", details, "failed");
        return {false,
                fatal(fmt::format("scan: the worker process was stopped or died {} times; what "
                                  "was committed stays in the case",
                                  deaths + 1)),
                nullptr};
      }
      record(s, "walk-stalled", details, nullptr);
      continue;
    }
    if (WIFEXITED(status)) {
      // A fatal error the worker could not record (a media module that cannot be loaded ends it
      // at the first item): the run is failed, not left "running".
      if (WEXITSTATUS(status) == kExitFatal) {
        if (auto store = case_store::CaseStore::open(s.case_dir, true))
          (void)(*store)->fail_run_if_running(s.run_id, case_store::now_utc(),
                                              "{\"worker_exit\":2}");
      }
      return {false, WEXITSTATUS(status), nullptr};
    }
    const int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (g_stop_forwarded.load()) {
      // A second Ctrl-C killed the worker: the run is interrupted, what was committed stays.
      record(s, "scan-interrupted", fmt::format("{{\"worker_signal\":{}}}", sig), "interrupted");
      std::cerr << "vigil: scan interrupted; run the same command again to resume\n";
      return {false, kExitInterrupted, nullptr};
    }

    // What was the worker on?
    const auto what = [&](pipeline::Activity a) {
      return a == pipeline::Activity::kWalk
                 ? fmt::format("the walk of this volume died with signal {} ({})", sig,
                               signal_name(sig))
                 : fmt::format(
                       "the worker died with signal {} ({}) while reading, analysing or "
                       "extracting this item",
                       sig, signal_name(sig));
    };
    const auto tail = fmt::format(
        " (a parser crashed on hostile bytes, or failed to allocate within the worker's "
        "memory limit of {} bytes: --max-memory plus overhead); quarantined: the scan goes on "
        "without it",
        s.memory_limit);
    std::vector<std::pair<pipeline::Activity, pipeline::WatchKey>> busy;
    const auto used = std::min<std::uint32_t>(table->used.load(), pipeline::WatchTable::kSlots);
    for (std::uint32_t i = 0; i < used; ++i) {
      const auto& slot = table->slots[i];
      const auto a = static_cast<pipeline::Activity>(slot.activity.load());
      if (a != pipeline::Activity::kIdle) busy.push_back({a, {slot.evidence, slot.index.load()}});
    }
    std::optional<std::pair<pipeline::Activity, pipeline::WatchKey>> culprit;
    if (const auto c = table->crashed_slot.load(); c >= 0) {
      const auto& slot = table->slots[static_cast<std::size_t>(c)];
      const auto a = static_cast<pipeline::Activity>(slot.activity.load());
      if (a != pipeline::Activity::kIdle) culprit = {a, {slot.evidence, slot.index.load()}};
    } else if (is_fault(sig)) {
      // By elimination, a fault with one thing in flight (a stack overflow, or a fault on a
      // thread that helped with that item's children). Carving beside the walk is left out:
      // its threads always hold a slot, so the handler names them when they fault. (Sanitizer
      // builds install no handler: there a fault while carving runs beside one walk or item is
      // taken for that walk's or item's.)
      std::vector<std::pair<pipeline::Activity, pipeline::WatchKey>> others;
      for (const auto& b : busy)
        if (b.first != pipeline::Activity::kCarve) others.push_back(b);
      if (others.size() == 1) culprit = others.front();
    }
    std::string details;
    // Nothing of carving is quarantined: a crash on a carving thread is retried like one on no
    // item (carved pictures have no walk index).
    if (is_fault(sig) && culprit && culprit->first != pipeline::Activity::kCarve) {
      const auto& [a, key] = *culprit;
      if (a == pipeline::Activity::kWalk)
        quarantine.volumes[key] = {"crash", what(a) + tail};
      else
        quarantine.items[key] = what(a) + tail;
      quarantine.suspects.erase(key);
      unattributed = 0;
      std::string evidence_json;
      append_json_string(evidence_json, lossy_utf8(s.evidence.at(key.first)));
      details = fmt::format("{{\"signal\":{},\"evidence\":{},\"{}\":{}}}", sig, evidence_json,
                            a == pipeline::Activity::kWalk ? "volume" : "item_index", key.second);
      std::cerr << fmt::format(
          "vigil: the scan's worker died with signal {} ({}) on {} {} of {}; it is quarantined "
          "and the scan resumes\n",
          sig, signal_name(sig), a == pipeline::Activity::kWalk ? "volume" : "entry", key.second,
          s.evidence.at(key.first));
    } else {
      // Nothing to quarantine for sure: the items in flight are retried one at a time.
      bool new_suspects = false;
      for (const auto& [a, key] : busy)
        if (a == pipeline::Activity::kItem) new_suspects |= quarantine.suspects.insert(key).second;
      if (!new_suspects) ++unattributed;
      details = fmt::format("{{\"signal\":{},\"in_flight\":{}}}", sig, busy.size());
      std::cerr << fmt::format(
          "vigil: the scan's worker died with signal {} ({}) with {} item(s) in flight; the "
          "scan resumes, those items one at a time\n",
          sig, signal_name(sig), busy.size());
    }
    if (deaths + 1 >= kMaxWorkerRestarts || unattributed >= kMaxUnattributedDeaths) {
      record(s, "scan-failed", details, "failed");
      return {false,
              fatal(fmt::format("scan: the worker process died {} times (last: signal {}, {}); "
                                "what was committed stays in the case",
                                deaths + 1, sig, signal_name(sig))),
              nullptr};
    }
    record(s, "worker-died", details, nullptr);
  }
}

}  // namespace vigil::cli
