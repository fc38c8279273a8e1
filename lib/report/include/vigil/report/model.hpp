// What a report says, read from the case store alone (lib/case's SQLite schema 2). The model is
// plain data: every writer (JSON Lines, CSV, DFXML, CASE/UCO, VICS, HTML, PDF) renders the same
// facts, and nothing here interprets them (results, not conclusions).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace vigil::report {

// Who asked for the report and how it is identified (options of `vigil report`).
struct ReportMeta {
  std::string case_number;            // required
  std::vector<std::string> exhibits;  // required, at least one
  std::string examiner, examiner_id, agency, requester, authority;
  std::string report_time;  // ISO 8601 UTC; from --report-time, SOURCE_DATE_EPOCH or the clock
  std::string report_id;    // derived from the case content and these options (see reader.hpp)
  std::string tool_version, tool_commit;  // of the vigil that writes the report
  std::string report_libraries;  // the libraries that render it (filled by generate_report)
  std::string display_tz;        // an IANA zone ("Europe/Berlin") shown beside UTC; "" for UTC only
  std::string rerun_command;     // the `vigil report` command that reproduces this
  std::string thumbnails = "none";  // "none" or "blurred" (--thumbnails)
};

// The status a report gives a run the case store still marks "running" although no process holds
// the case (reader.cpp): it never finished, and nothing is scanning it now.
inline constexpr const char* kRunUnfinished = "unfinished (killed or stopped before its end)";

struct RunInfo {
  std::int64_t id = 0;
  std::string started_utc, finished_utc, status;
  std::string tool_version, git_commit, library_versions, host;
  std::string command_line;  // JSON array of arguments, as recorded
  std::string settings;      // canonical JSON of every effective setting
  std::string summary;       // JSON, empty while a run is incomplete
};

struct EvidenceInfo {
  std::int64_t id = 0;
  std::string path, name, format;
  std::uint64_t size = 0;
  std::string segments;  // JSON array
  std::string stored_md5, stored_sha1;
  std::string verified_md5, verified_sha1, verified_sha256;
  std::string verification;  // "verified", "not verified: <reason>" or "" (never verified)
  // The container's per-chunk checks as the case store holds them (JSON; "" when none ran):
  // chunk count, damaged chunks and their sector ranges (case_store::set_evidence_verification).
  std::string chunk_check;
  [[nodiscard]] bool verified() const { return verification == "verified"; }
};

struct VolumeInfo {
  std::int64_t evidence_id = 0;
  int index = 0;
  std::string scheme, kind, fs_type, description, provenance;
  std::uint64_t offset = 0, length = 0;
};

struct HashSetInfo {
  std::int64_t id = 0;
  std::string name, version, publisher, profile, imported_utc;
  std::string sources;        // JSON [{"file":..,"sha256":..,"size":..}]
  std::string record_counts;  // JSON {"md5": n, ...}
  std::string identity;
};

struct PerceptualInfo {
  std::string algorithm, pipeline, hash;
  int quality = -1;
};

struct MatchInfo {
  std::int64_t id = 0, item_id = 0, set_id = 0;
  std::string kind;  // "exact" | "near"
  std::string algorithm, item_value, list_value;
  int distance = -1, threshold = -1, item_quality = -1, list_quality = -1;
  std::string variant, category, status, record;
};

struct TimeInfo {
  std::string value;      // ISO 8601 UTC, "" when the file system has none
  std::string precision;  // "2s", "1s", "100ns", ...
};

// A fact an extractor stated about an item (an EXIF field, ...), in emission order.
struct RecordInfo {
  std::string extractor, name, value;
};

struct ItemInfo {
  std::int64_t id = 0, evidence_id = 0;
  std::string provenance;
  int volume = 0;
  std::string fs_type;
  std::uint64_t inode = 0;
  std::string inode_str;
  std::string path, name;  // raw bytes from the evidence (may be any bytes)
  std::uint64_t size = 0;
  std::string name_type, meta_type;
  bool deleted = false, orphan = false, ads = false, meta_allocated = false;
  bool extension_mismatch = false;
  std::string content_type, category;
  TimeInfo mtime, atime, ctime, btime;  // MACB
  std::string status;                   // "ok", "error", "not-read"
  std::uint64_t bytes_read = 0;
  std::string xxh3_128, md5, sha1, sha256;
  std::vector<PerceptualInfo> perceptual;
  std::vector<MatchInfo> matches;
  // An item found inside another (issue 12): its parent (id 0 and no provenance for a
  // file-system entry), nesting depth, the extractor that found it, how its bytes relate to what
  // the container declared, and its offset inside the parent (-1 when not stated).
  std::int64_t parent_id = 0;
  std::string parent_provenance;
  std::uint64_t parent_inode = 0;
  int depth = 0;
  std::string extractor, child_status;
  std::int64_t parent_offset = -1;
  std::vector<RecordInfo> records;
  // A carved item (issue 14): where its bytes lie in the evidence, (offset, length) in media
  // bytes, in order (two ranges for a reassembled JPEG); empty for any other item.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> byte_runs;
};

// An extractor a run used, with its version.
struct RunExtractorInfo {
  std::int64_t run_id = 0;
  std::string name, version;
};

struct WarningInfo {
  std::string provenance, code, message;
};

// Warnings of one code, with their count (grouped, counted, each with its provenance).
struct WarningGroup {
  std::string code;
  std::vector<WarningInfo> warnings;
};

struct Summary {
  std::uint64_t items = 0, items_ok = 0, items_error = 0, items_not_read = 0;
  // Items per status, each named exactly as the case store records it, by status.
  std::vector<std::pair<std::string, std::uint64_t>> items_by_status;
  std::uint64_t media_items = 0, deleted_items = 0, bytes_read = 0;
  std::uint64_t exact_matches = 0, near_matches = 0;
  std::uint64_t items_with_exact = 0, items_with_near = 0;
  std::uint64_t warnings = 0, perceptual_hashes = 0;
  std::uint64_t child_items = 0;       // items found inside items
  std::uint64_t limit_warnings = 0;    // warnings with code "limit" (a cap was reached)
  std::uint64_t extractor_errors = 0;  // warnings with code "extractor" (an extractor failed)
  std::uint64_t records = 0;           // extractor records
  // Carving (issue 14): pictures carved from unclaimed space, of which partial (decode in part
  // or cut) and reassembled (a JPEG joined from two fragments by gap carving: an inference);
  // carved pictures not stored because they were the content of a listed deleted file.
  std::uint64_t carved = 0, carved_partial = 0, carved_reassembled = 0;
  std::uint64_t carved_deleted_content = 0;
  bool carving_enabled = false;  // some run carved (its settings say so)
};

struct AuditInfo {
  std::uint64_t rows = 0;
  std::string head_hash;  // hash of the last row; covers the whole chain
  bool chain_ok = false;
  std::string chain_message;
};

// Everything but the full item inventory, which is streamed (CaseReader::for_each_item).
struct ReportData {
  ReportMeta meta;
  int schema_version = 0;
  std::vector<std::pair<std::string, std::string>> case_info;  // sorted by key
  std::vector<RunInfo> runs;                                   // by id
  std::vector<EvidenceInfo> evidence;                          // by id
  std::vector<VolumeInfo> volumes;                             // by evidence, index
  std::vector<HashSetInfo> hash_sets;                          // by id
  std::vector<RunExtractorInfo> run_extractors;                // by run, name
  std::vector<ItemInfo> matched_items;       // every item with a match, with its matches, by id
  std::vector<ItemInfo> error_items;         // status "error", by id
  std::vector<ItemInfo> damaged_items;       // status "damaged" (read from damaged chunks), by id
  std::vector<WarningGroup> warning_groups;  // by code; warnings by provenance, message
  Summary summary;
  AuditInfo audit;
  // --thumbnails blurred: item id -> small greyscale blurred PNG, made in memory; or the reason
  // none could be made.
  std::map<std::int64_t, std::string> thumbnails;
  std::map<std::int64_t, std::string> thumbnail_notes;

  // True when every evidence item's acquisition hashes were verified.
  [[nodiscard]] bool source_verified() const;
  // True when every run finished ("complete", or "complete-with-warnings"); otherwise every
  // page says so.
  [[nodiscard]] bool runs_complete() const;
  [[nodiscard]] const HashSetInfo* hash_set(std::int64_t id) const;
  [[nodiscard]] const EvidenceInfo* evidence_by_id(std::int64_t id) const;
};

}  // namespace vigil::report
