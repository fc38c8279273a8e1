// Inside the scan (internal to lib/pipeline): the carving stage (issue 14). After the file-system
// entries, the space no file claims is streamed through the carver (plugins/carve,
// carve::carve_span) in windows, and every picture found becomes a top-level item that goes the
// way of any item: sniff, digests, analysers (perceptual hashes, matches), extractors.
//
//   regions   per volume, in volume order: the unallocated blocks of a file system (merged into
//             byte runs, read as one stream so that a picture crossing an allocated gap is still
//             found), a partition table's unallocated space and a whole unrecognised image
//             ("unpartitioned"), then the slack of every allocated file of the volume
//   windows   each region is cut into windows (search length + look-ahead); a window is read and
//             carved by any worker (both cores busy), its pictures processed there. Its bytes
//             (window + look-ahead, or a re-read cut picture's) are held in the scan's memory
//             budget while it is carved; windows shrink so that every worker's fits its share
//   writer    serial, in window order: pictures starting inside the previous picture of the same
//             region are dropped (a window cannot see what the one before carved), the volume's
//             item limit is counted, items already in the case store are skipped (resume), and
//             each picture is stored with its descendants in one transaction
//
// Provenance: the region's parent (volume or file) plus one link holding the picture's absolute
// byte range in the evidence, `unalloc@70123520+88952`; a picture in two places (a reassembled
// JPEG, or one crossing an allocated gap) names both, `unalloc@A+L1,B+L2`. The ranges are also
// stored in the item's byte_runs. Ids and order do not depend on --threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "extraction.hpp"
#include "vigil/case/case_store.hpp"
#include "vigil/evidence/evidence.hpp"
#include "vigil/pipeline/memory_budget.hpp"
#include "vigil/pipeline/scan.hpp"

namespace vigil::pipeline::detail {

struct CarveInputs {
  const std::string& path;  // the evidence, for each worker's own handle
  evidence::Evidence& ev;   // the main thread's handle (region listing)
  std::int64_t evidence_id = 0;
  const std::vector<evidence::Entry>& entries;  // walked entries (slack)
  const ScanSettings& settings;
  const std::vector<Analyser>& analysers;
  const Dispatcher& dispatcher;
  int threads = 1;
  // The scan's one memory budget (--max-memory): every window's bytes, mapped or read, are held
  // in it while the window is carved, so carving stays within it beside everything else.
  MemoryBudget& budget;
};

// Carves the evidence's unclaimed space into the store. Returns an Error only for a store that
// cannot be written; evidence problems are counted warnings.
Result<void> carve_evidence(const CarveInputs& in, case_store::CaseStore& store, ScanStats& stats);

// "[[offset,length],...]" for the item's byte_runs.
std::string byte_runs_json(const std::vector<evidence::ByteRange>& runs);

}  // namespace vigil::pipeline::detail
