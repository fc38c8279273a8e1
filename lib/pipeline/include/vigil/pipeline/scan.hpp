// The scan pipeline: walk -> bounded parallel stages -> one writer (docs/ARCHITECTURE.md
// convention 5).
//
//   walk (main thread)      every entry of every volume, recorded once, in walk order
//   read+hash (parallel)    per-thread evidence handle, hasher and buffer from a factory; each
//                           item is read once in chunks; the first chunk is sniffed, and that
//                           decides whether MD5/SHA-1/SHA-256 run beside XXH3-128; media bytes
//                           stay in memory for the per-item analysers (PDQ, ...) under one
//                           memory budget that all workers share (memory_budget.hpp)
//   write (serial, ordered) items reach the case store in walk order, in batched transactions
//
// Because the writer is serial and in order, item ids and every stored value are the same for
// any thread count. Items already in the case store are skipped, which makes a killed scan
// resumable: the same command continues where the last committed batch ended.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "vigil/case/case_store.hpp"
#include "vigil/core/result.hpp"
#include "vigil/evidence/evidence.hpp"
#include "vigil/pipeline/carving.hpp"
#include "vigil/pipeline/extraction.hpp"
#include "vigil/sniff/sniff.hpp"

namespace vigil::pipeline {

class Containment;  // containment.hpp

enum class DigestPolicy { kMedia, kAll };

// Verification of the evidence during the scan, beside the workers (its own read of the image):
// kStored verifies evidence that stores acquisition hashes and chunk checksums (EWF), kAlways
// any image (computed hashes only when it stores none), kOff none (--no-verify).
enum class VerifyMode { kStored, kAlways, kOff };
const char* verify_mode_name(VerifyMode m);  // "stored-hashes", "always", "off"

struct ScanSettings {
  int threads = 0;                              // 0: every core
  DigestPolicy digests = DigestPolicy::kMedia;  // which items get MD5/SHA-1/SHA-256
  // Known lists holding MD5/SHA-1/SHA-256 are loaded: every item with content gets those
  // digests, whatever `digests` says, so a list naming any file (a DLL, a document) matches it.
  bool list_digests = false;
  // One budget shared by all workers (MemoryBudget): the media items kept whole for the
  // analysers, plus one read chunk. Each further worker adds its own read chunk.
  std::uint64_t max_memory = 1ULL << 30;
  std::size_t chunk_size = 1 << 20;           // read size
  std::uint64_t max_retained = 256ULL << 20;  // largest media item kept whole for analysers
  VerifyMode verify = VerifyMode::kStored;
  // Extractors run on every item (and on every child) after its digests and analysers; none by
  // default. Items of a type they read are kept in memory like media.
  ExtractionSettings extraction;
  // scan_evidence begins loading the media module (media_module.hpp) once the threads it starts
  // before the walk are running. Not a setting: never in to_json().
  bool begin_media_load = false;
  // Set in the worker process of a supervised scan (containment.hpp): publishes the items in
  // flight and holds what earlier workers crashed on. Not a setting: never in to_json().
  std::shared_ptr<const Containment> containment;
  // Carving of the space no file claims (unallocated blocks, unpartitioned space, slack), after
  // the entries (carving.hpp).
  CarvingSettings carving;

  // Canonical JSON of every effective setting (for the run record and the report).
  [[nodiscard]] std::string to_json() const;
  // Bytes of media that all workers together may keep whole for the analysers.
  [[nodiscard]] std::uint64_t retain_budget() const;
  // The largest media item kept whole: min(max_retained, retain_budget()), the same for any
  // thread count. A larger one is digested but not analysed (the analyser warns "limit").
  [[nodiscard]] std::uint64_t retain_limit() const;
};

struct ScanStats {
  std::uint64_t entries = 0;         // every entry walked
  std::uint64_t items_recorded = 0;  // recorded in this run
  std::uint64_t items_resumed = 0;   // already in the case store, skipped
  std::uint64_t media = 0;           // pictures and videos found (this run)
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_total = 0;  // content bytes this run had to read
  std::uint64_t warnings = 0;
  std::uint64_t item_errors = 0;
  std::uint64_t children = 0;          // items found inside items (this run)
  std::uint64_t child_bytes_peak = 0;  // most bytes of children held in memory at once
  std::uint64_t child_rows_peak = 0;   // most children's records held in memory at once
  std::uint64_t peak_retained = 0;     // most bytes of the budget held at once: media kept whole,
                                       // carving windows (<= the budget)
  std::uint64_t carved = 0;            // pictures carved from unclaimed space (this run)
  std::uint64_t carve_bytes = 0;       // bytes of unclaimed space searched
  // carved pictures that were a listed deleted file's content (not stored again; this run)
  std::uint64_t carved_deleted_content = 0;
  bool interrupted = false;  // request_stop() ended the scan before its last item
};

// Ctrl-C. request_stop() may be called from a signal handler (it only stores to a lock-free
// atomic): a running scan_evidence then takes no new item, stores the items already in flight,
// commits the open batch and returns with ScanStats::interrupted set, without recording the
// verification's result. The items stored are complete, so the same command resumes the scan.
void request_stop() noexcept;
bool stop_requested() noexcept;

// An analyser sees each successfully read item: its sniffed type, its digests in the record and,
// for retained media, its whole bytes. It adds perceptual hashes and matches to the extras and
// may add warnings. Analysers run inside the parallel stage, in the order given, and must be
// thread-safe.
struct ItemView {
  const evidence::Entry& entry;
  const sniff::ContentType& type;
  std::span<const std::uint8_t> bytes;  // whole content when retained, else empty
};
using Analyser =
    std::function<void(const ItemView&, case_store::ItemRecord&, case_store::ItemExtras&,
                       std::vector<case_store::WarningRecord>&)>;

using ScanProgress = std::function<void(const ScanStats&)>;

// What the verification of an evidence item adds to the case, in order (verification.cpp): a
// warning, or an item marked damaged (with its descendants) and then its warning, which is added
// only when the item is recorded. A work unit (vigil plan) computes it; the merge applies it.
struct VerificationAction {
  bool mark_damaged = false;
  case_store::WarningRecord warning;
};
struct VerificationOutcome {
  bool ran = false;  // false: the settings ask for no verification of this evidence
  std::string md5, sha1, sha256, result, chunk_check;
  std::vector<VerificationAction> actions;
};

// Records the outcome for evidence_id (the evidence row, the audit entry, the warnings and the
// damaged items) inside the caller's open transaction. Returns the number of warnings added.
Result<std::uint64_t> apply_verification(const VerificationOutcome& outcome,
                                         case_store::CaseStore& store, std::int64_t evidence_id,
                                         std::int64_t run_id);

// One work unit of a plan (vigil plan, vigil scan --plan --unit): only the entries
// [first_entry, end_entry) of the walk (every volume, walk order) are read, and the evidence is
// verified only by the unit that is asked to (whose outcome is returned, not applied). The walk
// itself is whole in every unit, so that the entries and their order are the plan's.
struct UnitScope {
  std::uint64_t first_entry = 0;
  std::uint64_t end_entry = UINT64_MAX;
  bool verify = false;               // compute the evidence's verification
  bool count_walk_warnings = false;  // the evidence's first unit counts the walk's warnings
  bool carve = false;                // this unit carves the evidence (after the entries)
  // Filled by scan_evidence:
  std::uint64_t walk_entries = 0;
  std::string walk_fingerprint;  // WalkFingerprint over every entry (units.hpp)
  VerificationOutcome verification;
};

// Scans one evidence item into the case store under run_id. Fatal problems (evidence that
// cannot be opened, a case store that cannot be written) are Errors; item-level problems are
// counted warnings.
Result<ScanStats> scan_evidence(const std::string& evidence_path, case_store::CaseStore& store,
                                std::int64_t run_id, const ScanSettings& settings,
                                const std::vector<Analyser>& analysers,
                                const ScanProgress& progress, UnitScope* unit = nullptr);

// Versions of every library that can change a result, as a JSON object.
std::string library_versions_json();
std::string host_description();

}  // namespace vigil::pipeline
