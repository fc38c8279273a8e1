// The case store: one SQLite database (WAL) per case folder holding evidence, runs, items with
// their digests, warnings and a hash-chained audit log. Writes are batched in transactions; a
// batch is all or nothing, so a scan killed at any moment leaves a consistent store that the
// next run resumes from. Item rows carry nothing run-specific (no run id, no wall-clock time),
// so a resumed scan ends with the same item rows as an uninterrupted one.
//
// Thread contract: a CaseStore is used by one thread (the pipeline's single writer stage).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "vigil/core/result.hpp"
#include "vigil/core/time.hpp"

struct sqlite3;

namespace vigil::case_store {

inline constexpr int kSchemaVersion = 5;
inline constexpr const char* kDatabaseName = "case.sqlite";

struct RunRecord {
  std::string started_utc;
  std::string tool_version;
  std::string git_commit;
  std::string library_versions;  // JSON object
  std::string host;
  std::string command_line;  // JSON array of arguments
  std::string settings;      // canonical JSON of every effective setting
};

struct EvidenceRecord {
  std::string path;
  std::string name;
  std::string format;
  std::uint64_t size = 0;
  std::string segments;  // JSON array
  std::string stored_md5, stored_sha1;
};

struct VolumeRecord {
  std::int64_t evidence_id = 0;
  int index = 0;
  std::string scheme, kind, fs_type, description, provenance;
  std::uint64_t offset = 0, length = 0;
};

struct ItemRecord {
  std::int64_t evidence_id = 0;
  std::string provenance;  // unique key
  int volume = 0;
  std::string fs_type;
  std::uint64_t inode = 0;
  std::string inode_str;
  std::string path;  // raw bytes (stored as BLOB when not UTF-8)
  std::string name;
  std::uint64_t size = 0;
  char name_type = '-', meta_type = '-';
  bool deleted = false, orphan = false, ads = false, meta_allocated = false;
  bool extension_mismatch = false;
  std::string content_type;  // sniff name ("jpeg", ...), "" when not read
  std::string category;      // sniff category
  MacbTimes times;
  std::string status;  // "ok", "error" (digests left empty), "not-read" (no content)
  std::uint64_t bytes_read = 0;
  std::string xxh3_128, md5, sha1, sha256;  // lower-case hex; empty = not computed
  // Items inside items (extractors): the parent's id (0 for a file-system entry), the nesting
  // depth (0 for an entry), the extractor that emitted it, how its bytes relate to what the
  // container declared ("ok", "encrypted", "partial", or "reassembled": a carved JPEG joined
  // from two fragments by inference; empty for an entry) and its byte offset inside the parent
  // when the container states one. Carved items (top-level) carry it too.
  std::int64_t parent_id = 0;
  int depth = 0;
  std::string extractor;
  std::string child_status;
  std::optional<std::uint64_t> parent_offset;
  // A carved item (issue 14): where its bytes lie in the evidence, JSON [[offset,length],...]
  // (two ranges or more for a reassembled picture); empty for every other item.
  std::string byte_runs;
};

// A fact an extractor states about an item (an EXIF field, ...), kept in emission order.
struct ExtractedRecord {
  std::string extractor;
  std::string name;
  std::string value;  // raw bytes (BLOB when not UTF-8)
};

// A perceptual hash of an item, named by algorithm ("pdq", "opencv-phash") and pipeline
// ("pdq-fullres", "pdq-cli512", "fast-triage", ...): hashes of different pipelines never mix.
struct PerceptualRecord {
  std::string algorithm;
  std::string pipeline;
  std::string hash;  // lower-case hex
  int quality = -1;  // -1: the algorithm has no quality
};

// A known list as a run used it: its identity is recorded in the case even after the list is
// replaced by a newer release.
struct HashSetRecord {
  std::string name, version, publisher, profile, imported_utc;
  std::string sources;        // JSON: [{"file":..., "sha256":..., "size":...}]
  std::string record_counts;  // JSON: {"md5": n, "sha1": n, ...}
  std::string identity;       // stable id of this release (e.g. SHA-256 over its sources)
};

// kind "exact" (a digest equal to a listed one) or "near" (a perceptual hash within the
// threshold); exact and near matches are never mixed in one section of any output.
struct MatchRecord {
  std::int64_t set_id = 0;
  std::string kind;       // "exact" | "near"
  std::string algorithm;  // "md5", "sha1", "sha256", "pdq"
  std::string item_value, list_value;
  int distance = -1, threshold = -1, item_quality = -1, list_quality = -1;
  std::string variant;   // which PDQ dihedral variant matched ("original", "rot90", ...)
  std::string category;  // the list's raw category, kept exactly ("" when null)
  std::string status;    // "alert" | "known" | "ignore"
  std::string record;    // JSON of the list record
};

struct ItemExtras {
  std::vector<PerceptualRecord> perceptual;
  std::vector<MatchRecord> matches;
  std::vector<ExtractedRecord> records;
};

// A stored perceptual hash with the XXH3-128 of the bytes it was computed from (the scan reuses
// it for any item with the same bytes).
struct ContentPerceptual {
  std::string xxh3_128;
  PerceptualRecord row;
};

struct WarningRecord {
  std::string provenance;
  std::string code;
  std::string message;
};

class CaseStore {
 public:
  // Opens (creating when asked) DIR/case.sqlite. Fails with kUnsupported when the store's
  // schema is newer than this build, kBusy when another process holds the case.
  static Result<std::unique_ptr<CaseStore>> open(const std::string& dir, bool create);
  ~CaseStore();
  CaseStore(const CaseStore&) = delete;
  CaseStore& operator=(const CaseStore&) = delete;

  [[nodiscard]] int schema_version() const;

  Result<std::int64_t> begin_run(const RunRecord& run);
  Result<void> end_run(std::int64_t run_id, const std::string& status,
                       const std::string& finished_utc, const std::string& summary_json);
  // Ends the run as "failed" when it is still marked "running" (a worker process that exited
  // with a fatal error before it could record its end), with an audit row "scan-failed" holding
  // details_json. Returns whether the run was still open.
  Result<bool> fail_run_if_running(std::int64_t run_id, const std::string& now_utc,
                                   const std::string& details_json);
  // Closes every run still marked "running": status "interrupted", finished_utc left empty (it
  // never finished), summary {"found_unfinished_utc": now_utc}, and an audit row
  // "run-found-unfinished" for each. Only true when no live process writes a run, so the caller
  // holds this store (its exclusive lock) and a ScanLock of the case. Returns the ids closed.
  Result<std::vector<std::int64_t>> close_unfinished_runs(const std::string& now_utc);

  // Returns the id of the evidence with this path, adding it if new.
  Result<std::int64_t> add_evidence(const EvidenceRecord& ev);
  // chunk_check: JSON of the container's per-chunk checks (EWF), "" when it has none:
  // {"chunks":N,"sectors_per_chunk":S,"bytes_per_sector":B,"damaged_chunks":D,
  //  "checksum_errors":[[first,last],...],"unreadable":[[first,last],...],"structure_error":...}
  Result<void> set_evidence_verification(std::int64_t evidence_id, const std::string& md5,
                                         const std::string& sha1, const std::string& sha256,
                                         const std::string& result,
                                         const std::string& chunk_check = {});
  // An item whose content lies in damaged chunks of its evidence, and every item found inside
  // it: status "damaged"; the digests are removed (they are of damaged bytes, not of the file),
  // and so are the exact matches made with them. Returns the ids marked (item first).
  Result<std::vector<std::int64_t>> mark_item_damaged(std::int64_t evidence_id,
                                                      const std::string& provenance);
  Result<void> add_volume(const VolumeRecord& v);  // idempotent per (evidence, index)

  // Provenance keys of the file-system entries already recorded for this evidence (a resumed
  // scan skips them; their children were committed with them).
  Result<std::unordered_set<std::string>> recorded_items(std::int64_t evidence_id);

  // Batched writes: everything between begin_batch and commit_batch lands together or not at all.
  Result<void> begin_batch();
  // Returns the new item's id; extras (perceptual hashes, matches) are stored with it.
  Result<std::int64_t> add_item(const ItemRecord& item, const ItemExtras& extras = {});
  // Returns the id of this hash-set release, adding it if new.
  Result<std::int64_t> add_hash_set(const HashSetRecord& set);
  Result<void> add_warning(const WarningRecord& w);  // idempotent per (provenance, message)
  // An extractor the run used, with its version.
  Result<void> add_run_extractor(std::int64_t run_id, const std::string& name,
                                 const std::string& version);
  // Every perceptual row of items of this category ("image"), with the items' XXH3-128.
  Result<std::vector<ContentPerceptual>> perceptual_by_content(const std::string& category);
  Result<void> commit_batch();

  // Appends to the audit log; each row's hash covers the previous row's hash.
  Result<void> audit(std::int64_t run_id, const std::string& time_utc, const std::string& action,
                     const std::string& details);
  // Recomputes the chain; an Error names the first row that does not match.
  Result<std::size_t> verify_audit_chain();

  sqlite3* handle() { return db_; }

 private:
  CaseStore() = default;
  Result<void> exec(const char* sql);
  Result<void> migrate();
  struct Statements;
  sqlite3* db_ = nullptr;
  int lock_fd_ = -1;
  std::unique_ptr<Statements> st_;
};

// The SQL that takes a store from schema version v to v + 1 (0 <= v < kSchemaVersion), as
// SQLite runs it; the PostgreSQL store derives its DDL from the same steps (pg_store.cpp).
const char* migration_sql(int v);

// The hash of an audit row: it covers the previous row's hash, so the rows form a chain.
std::string audit_row_hash(const std::string& prev_hash, const std::string& time_utc,
                           std::int64_t run_id, const std::string& action,
                           const std::string& details);

// The current time in UTC, ISO 8601 with microseconds (or the pinned time when
// SOURCE_DATE_EPOCH is set, so that CI runs are reproducible).
std::string now_utc();

// Held by `vigil scan` for its whole life, across its worker processes (which inherit it by fork):
// the case store's own lock is released between workers, so it alone cannot tell a live scan's
// "running" run from one whose process was killed. acquire() fails with kBusy when another
// process holds it (exclusive: a scan) or when shared() holders read (a report).
class ScanLock {
 public:
  static Result<ScanLock> acquire(const std::string& case_dir);
  // A shared hold (readers): fails with kBusy while a scan holds the lock. A case without a lock
  // file gives a ScanLock holding nothing (no scan ever ran there).
  static Result<ScanLock> shared(const std::string& case_dir);
  ScanLock(ScanLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  ScanLock& operator=(ScanLock&& o) noexcept;
  ScanLock(const ScanLock&) = delete;
  ScanLock& operator=(const ScanLock&) = delete;
  ~ScanLock();

 private:
  explicit ScanLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};
inline constexpr const char* kScanLockName = ".scan-lock";

}  // namespace vigil::case_store
