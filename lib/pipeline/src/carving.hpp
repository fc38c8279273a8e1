// Inside the scan (internal to lib/pipeline): the carving stage (issue 14). The space no file
// claims is streamed through the carver (plugins/carve, carve::carve_span) in windows, and every
// picture found becomes a top-level item that goes the way of any item: sniff, digests,
// analysers (perceptual hashes, matches), extractors.
//
//   regions   per volume, in volume order: the unallocated blocks of a file system (merged into
//             byte runs, read as one stream so that a picture crossing an allocated gap is still
//             found), a partition table's unallocated space and a whole unrecognised image
//             ("unpartitioned"); after them, volume by volume, the slack of every allocated file
//   ahead     the unallocated and unpartitioned space needs no entry of the walk: CarveRun
//             starts carving it on a thread of its own before the walk, so that carving uses
//             the core the walk leaves idle. It carves at most kAheadUnits windows (and
//             kAheadItems pictures) ahead, kept in memory unstored: the store is the walk's
//   windows   each region is cut into windows (search length + look-ahead); a window is read and
//             carved by any worker (both cores busy), its pictures processed there. Its bytes
//             (window + look-ahead, or a re-read cut picture's) are held in the scan's memory
//             budget while it is carved; windows shrink so that every worker's fits its share
//   writer    serial, in window order, once the walk and the entries are done (finish): pictures
//             starting inside the previous picture of the same region are dropped (a window
//             cannot see what the one before carved), a picture that is exactly a listed deleted
//             file's content is counted and not stored twice, the volume's item limit is
//             counted, items already in the case store are skipped (resume), and each picture is
//             stored with its descendants in one transaction
//
// Provenance: the region's parent (volume or file) plus one link holding the picture's absolute
// byte range in the evidence, `unalloc@70123520+88952`; a picture in two places (a reassembled
// JPEG, or one crossing an allocated gap) names both, `unalloc@A+L1,B+L2`. The ranges are also
// stored in the item's byte_runs. Ids and order do not depend on --threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "extraction.hpp"
#include "vigil/case/case_store.hpp"
#include "vigil/evidence/evidence.hpp"
#include "vigil/pipeline/containment.hpp"
#include "vigil/pipeline/memory_budget.hpp"
#include "vigil/pipeline/scan.hpp"

namespace vigil::pipeline::detail {

struct CarveInputs {
  std::string path;  // the evidence (each worker opens its own handle)
  std::int64_t evidence_id = 0;
  const ScanSettings* settings = nullptr;
  const std::vector<Analyser>* analysers = nullptr;
  const Dispatcher* dispatcher = nullptr;
  int threads = 1;
  // The scan's one memory budget (--max-memory): every window's bytes, mapped or read, are held
  // in it while the window is carved, so carving stays within it beside everything else.
  MemoryBudget* budget = nullptr;
  // Supervised scan: carving threads say so in the watch table (Activity::kCarve), so that a
  // crash while they carve beside the walk is never taken for the walk's.
  const Containment* watch = nullptr;
  std::int64_t watch_evidence = -1;
};

// Carving of one evidence: started before the walk, finished after the entries are stored.
class CarveRun {
 public:
  // Lists the evidence's unallocated and unpartitioned space (with a handle of its own) and
  // starts carving it ahead on a thread of its own. Does nothing for folder evidence or with
  // carving off.
  explicit CarveRun(CarveInputs in);
  // A run never finished (an error or a stop before it) is stopped and joined, nothing stored.
  ~CarveRun();
  CarveRun(const CarveRun&) = delete;
  CarveRun& operator=(const CarveRun&) = delete;

  // Stops carving ahead and joins its thread (at the walk's end); finish() carves the rest.
  void stop_ahead();

  // With the walk's entries: stores what was carved ahead, carves the rest and the slack of the
  // entries' files, in region order. Returns an Error only for a store that cannot be written;
  // evidence problems are counted warnings.
  Result<void> finish(const std::vector<evidence::Entry>& entries, case_store::CaseStore& store,
                      ScanStats& stats);

  struct State;

 private:
  std::unique_ptr<State> state_;
};

// "[[offset,length],...]" for the item's byte_runs.
std::string byte_runs_json(const std::vector<evidence::ByteRange>& runs);

}  // namespace vigil::pipeline::detail
