// vigil scan as a supervisor of its worker process (issues 12 and 15; docs/ARCHITECTURE.md,
// "Containment"). The run is begun by the supervisor; the walk, the items and the run's end are
// done by a forked worker under a memory limit. A worker that dies by a fault has the item or
// volume it was on quarantined (lib/pipeline containment.hpp) and a new worker resumes the scan.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vigil/pipeline/containment.hpp"

namespace vigil::cli {

// The worker's memory limit (RLIMIT_DATA): --max-memory plus this fixed overhead plus
// kWorkerOverheadPerThread for each worker thread. The overhead covers what --max-memory does not
// count: the program and its libraries' writable data, SQLite's cache, the walk's list of entries
// (about 1 KiB an entry), each thread's stack and read chunk, decoded pictures and the children
// of items in flight. Measured figures: docs/ARCHITECTURE.md.
inline constexpr std::uint64_t kWorkerOverheadFixed = 512ULL << 20;
inline constexpr std::uint64_t kWorkerOverheadPerThread = 64ULL << 20;
// Of that overhead, this much is kept out of the worker's RLIMIT_DATA for the pages of code it
// maps (the program's, and the media module's 250 libraries, which each worker loads itself):
// resident memory counts them and RLIMIT_DATA does not, so the worker's peak resident memory
// stays under the limit.
inline constexpr std::uint64_t kWorkerCodeReserve = 64ULL << 20;

// A worker that died this many times ends the scan (exit 2): a loop of crashes must end.
inline constexpr int kMaxWorkerRestarts = 64;
// Deaths that quarantine nothing (a kill from outside, a fault on no item's thread), in a row.
inline constexpr int kMaxUnattributedDeaths = 3;

struct SupervisorSettings {
  std::string case_dir;
  std::vector<std::string> evidence;  // as given on the command line
  std::int64_t run_id = 0;
  // The worker's memory limit (its peak resident memory); 0: none. Its RLIMIT_DATA is this less
  // kWorkerCodeReserve.
  std::uint64_t memory_limit = 0;
  // A volume's walk that lists no entry and reads nothing of the image for this long is stuck
  // inside a parser (TSK looping on a hostile inode): the worker is stopped and the volume
  // quarantined. 0: no limit.
  double walk_stall_seconds = 0;
  bool quiet = false;
};

// Returns twice over: in each worker process with `worker` set (the caller goes on with the
// scan, its case store reopened, ScanSettings::containment = containment), and in the
// supervisor, once every worker is done, with the scan's exit status.
struct Supervised {
  bool worker = false;
  int exit_status = 0;
  std::shared_ptr<const pipeline::Containment> containment;
};
Supervised supervise_scan(const SupervisorSettings& settings);

// The memory limit for --max-memory and a thread count (0: every core).
std::uint64_t worker_memory_limit(std::uint64_t max_memory, int threads);
// The limit a worker really gets for that request: an inherited hard RLIMIT_DATA below it cannot
// be raised, so the lower of the two.
std::uint64_t effective_worker_memory_limit(std::uint64_t requested);

}  // namespace vigil::cli
