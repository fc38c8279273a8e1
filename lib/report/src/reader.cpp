#include "vigil/report/reader.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "vigil/case/case_store.hpp"
#include "vigil/report/report.hpp"

namespace vigil::report {
namespace {

// A prepared statement for reading; finalised on scope exit.
class Query {
 public:
  Query(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  ~Query() { sqlite3_finalize(s_); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  [[nodiscard]] bool ok() const { return s_ != nullptr; }
  bool next() { return sqlite3_step(s_) == SQLITE_ROW; }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void reset() { sqlite3_reset(s_); }
  // TEXT or BLOB, bytes kept exactly (paths that are not UTF-8 are stored as BLOBs).
  std::string str(int i) {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(s_, i));
    return p != nullptr ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, i)))
                        : std::string();
  }
  std::int64_t i64(int i) { return sqlite3_column_int64(s_, i); }
  std::uint64_t u64(int i) { return static_cast<std::uint64_t>(std::max<std::int64_t>(0, i64(i))); }
  int opt_int(int i) {
    return sqlite3_column_type(s_, i) == SQLITE_NULL ? -1 : sqlite3_column_int(s_, i);
  }
  std::int64_t opt_i64(int i) {
    return sqlite3_column_type(s_, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(s_, i);
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

Error db_error(sqlite3* db, const std::string& what) {
  return make_error(ErrorCode::kIo, what + ": " + sqlite3_errmsg(db));
}

constexpr const char* kItemColumns =
    "id, evidence_id, provenance, volume, fs_type, inode, inode_str, path, name, size, name_type, "
    "meta_type, deleted, orphan, ads, meta_allocated, extension_mismatch, content_type, category, "
    "mtime, mtime_prec, atime, atime_prec, ctime, ctime_prec, btime, btime_prec, status, "
    "bytes_read, xxh3_128, md5, sha1, sha256, parent_id, depth, extractor, child_status, "
    "parent_offset, (SELECT p.provenance FROM items AS p WHERE p.id = items.parent_id), "
    "(SELECT p.inode FROM items AS p WHERE p.id = items.parent_id), byte_runs";

ItemInfo read_item(Query& q) {
  ItemInfo it;
  it.id = q.i64(0);
  it.evidence_id = q.i64(1);
  it.provenance = q.str(2);
  it.volume = static_cast<int>(q.i64(3));
  it.fs_type = q.str(4);
  it.inode = q.u64(5);
  it.inode_str = q.str(6);
  it.path = q.str(7);
  it.name = q.str(8);
  it.size = q.u64(9);
  it.name_type = q.str(10);
  it.meta_type = q.str(11);
  it.deleted = q.i64(12) != 0;
  it.orphan = q.i64(13) != 0;
  it.ads = q.i64(14) != 0;
  it.meta_allocated = q.i64(15) != 0;
  it.extension_mismatch = q.i64(16) != 0;
  it.content_type = q.str(17);
  it.category = q.str(18);
  TimeInfo* times[] = {&it.mtime, &it.atime, &it.ctime, &it.btime};
  for (int t = 0; t < 4; ++t) {
    times[t]->value = q.str(19 + 2 * t);
    times[t]->precision = q.str(20 + 2 * t);
  }
  it.status = q.str(27);
  it.bytes_read = q.u64(28);
  it.xxh3_128 = q.str(29);
  it.md5 = q.str(30);
  it.sha1 = q.str(31);
  it.sha256 = q.str(32);
  it.parent_id = q.i64(33);
  it.depth = static_cast<int>(q.i64(34));
  it.extractor = q.str(35);
  it.child_status = q.str(36);
  it.parent_offset = q.opt_i64(37);
  it.parent_provenance = q.str(38);
  it.parent_inode = q.u64(39);
  // JSON [[offset,length],...] as the scan wrote it; anything else in a tampered store is left
  // out rather than trusted.
  if (const auto runs = nlohmann::json::parse(q.str(40), nullptr, false); runs.is_array()) {
    for (const auto& r : runs) {
      if (r.is_array() && r.size() == 2 && r[0].is_number_unsigned() && r[1].is_number_unsigned())
        it.byte_runs.emplace_back(r[0].get<std::uint64_t>(), r[1].get<std::uint64_t>());
    }
  }
  return it;
}

// Perceptual hashes and matches of one item, in a fixed order.
class ItemExtrasReader {
 public:
  explicit ItemExtrasReader(sqlite3* db)
      : perceptual_(db,
                    "SELECT algorithm, pipeline, hash, quality FROM perceptual WHERE item_id=?1 "
                    "ORDER BY algorithm, pipeline"),
        matches_(db,
                 "SELECT id, item_id, set_id, kind, algorithm, item_value, list_value, distance, "
                 "threshold, item_quality, list_quality, variant, category, status, record "
                 "FROM matches WHERE item_id=?1 ORDER BY kind, set_id, algorithm, list_value, "
                 "variant, id"),
        records_(db, "SELECT extractor, name, value FROM records WHERE item_id=?1 ORDER BY seq") {}
  [[nodiscard]] bool ok() const { return perceptual_.ok() && matches_.ok() && records_.ok(); }
  void fill(ItemInfo& it) {
    perceptual_.bind(1, it.id);
    while (perceptual_.next())
      it.perceptual.push_back(PerceptualInfo{perceptual_.str(0), perceptual_.str(1),
                                             perceptual_.str(2), perceptual_.opt_int(3)});
    perceptual_.reset();
    matches_.bind(1, it.id);
    while (matches_.next()) {
      MatchInfo m;
      m.id = matches_.i64(0);
      m.item_id = matches_.i64(1);
      m.set_id = matches_.i64(2);
      m.kind = matches_.str(3);
      m.algorithm = matches_.str(4);
      m.item_value = matches_.str(5);
      m.list_value = matches_.str(6);
      m.distance = matches_.opt_int(7);
      m.threshold = matches_.opt_int(8);
      m.item_quality = matches_.opt_int(9);
      m.list_quality = matches_.opt_int(10);
      m.variant = matches_.str(11);
      m.category = matches_.str(12);
      m.status = matches_.str(13);
      m.record = matches_.str(14);
      it.matches.push_back(std::move(m));
    }
    matches_.reset();
    records_.bind(1, it.id);
    while (records_.next())
      it.records.push_back(RecordInfo{records_.str(0), records_.str(1), records_.str(2)});
    records_.reset();
  }

 private:
  Query perceptual_, matches_, records_;
};

}  // namespace

bool ReportData::source_verified() const {
  if (evidence.empty()) return false;
  return std::all_of(evidence.begin(), evidence.end(),
                     [](const EvidenceInfo& e) { return e.verified(); });
}

bool ReportData::runs_complete() const {
  // A run that finished with item warnings finished: its warnings are counted in their own
  // sections. Only a run that never ended (killed, interrupted, failed) leaves the case partial.
  return !runs.empty() && std::all_of(runs.begin(), runs.end(), [](const RunInfo& r) {
    return r.status == "complete" || r.status == "complete-with-warnings";
  });
}

const HashSetInfo* ReportData::hash_set(std::int64_t id) const {
  for (const auto& s : hash_sets)
    if (s.id == id) return &s;
  return nullptr;
}

const EvidenceInfo* ReportData::evidence_by_id(std::int64_t id) const {
  for (const auto& e : evidence)
    if (e.id == id) return &e;
  return nullptr;
}

Result<std::unique_ptr<CaseReader>> CaseReader::open(const std::string& case_dir) {
  const std::string db_path = case_dir + "/" + case_store::kDatabaseName;
  if (!std::filesystem::is_regular_file(db_path))
    return make_error(ErrorCode::kNotFound,
                      case_dir + " holds no case store (" + case_store::kDatabaseName + ")");
  auto reader = std::unique_ptr<CaseReader>(new CaseReader());
  // A shared lock: a running scan holds the exclusive one (lib/case), and a report of a case that
  // is still being written would describe a state that never existed.
  const std::string lock_path = case_dir + "/.lock";
  reader->lock_fd_ = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (reader->lock_fd_ >= 0 && ::flock(reader->lock_fd_, LOCK_SH | LOCK_NB) != 0)
    return make_error(ErrorCode::kBusy,
                      "the case in " + case_dir + " is in use by another vigil process (a scan?)");
  // The store's lock is free between a scan's worker processes; the scan lock is held by the scan
  // for its whole life. Holding both shared proves that no live process writes a run, so a run
  // still marked "running" is one whose process was killed (load() shows it as unfinished).
  const std::string scan_lock_path = case_dir + "/" + case_store::kScanLockName;
  reader->scan_lock_fd_ = ::open(scan_lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (reader->scan_lock_fd_ >= 0 && ::flock(reader->scan_lock_fd_, LOCK_SH | LOCK_NB) != 0)
    return make_error(ErrorCode::kBusy,
                      "the case in " + case_dir + " is in use by another vigil process (a scan?)");
  if (sqlite3_open_v2(db_path.c_str(), &reader->db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    return db_error(reader->db_, "cannot open case store " + db_path);
  sqlite3_busy_timeout(reader->db_, 2000);
  Query v(reader->db_, "PRAGMA user_version");
  if (!v.ok() || !v.next()) return db_error(reader->db_, "cannot read " + db_path);
  const int version = static_cast<int>(v.i64(0));
  if (version > case_store::kSchemaVersion)
    return make_error(ErrorCode::kUnsupported,
                      "the case store has schema version " + std::to_string(version) +
                          ", newer than this vigil understands (" +
                          std::to_string(case_store::kSchemaVersion) + "); use a newer vigil");
  if (version < case_store::kSchemaVersion)
    return make_error(ErrorCode::kUnsupported,
                      "the case store has schema version " + std::to_string(version) +
                          "; open it once with `vigil scan` of this version to migrate it");
  return reader;
}

CaseReader::~CaseReader() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
  if (scan_lock_fd_ >= 0) ::close(scan_lock_fd_);
}

Result<ReportData> CaseReader::load(ReportMeta meta) {
  ReportData d;
  d.schema_version = case_store::kSchemaVersion;
  {
    Query q(db_, "SELECT key, value FROM case_info ORDER BY key");
    if (!q.ok()) return db_error(db_, "case_info");
    while (q.next()) d.case_info.emplace_back(q.str(0), q.str(1));
  }
  {
    Query q(db_,
            "SELECT id, started_utc, finished_utc, status, tool_version, git_commit, "
            "library_versions, host, command_line, settings, summary FROM runs ORDER BY id");
    if (!q.ok()) return db_error(db_, "runs");
    while (q.next()) {
      d.runs.push_back(RunInfo{q.i64(0), q.str(1), q.str(2), q.str(3), q.str(4), q.str(5), q.str(6),
                               q.str(7), q.str(8), q.str(9), q.str(10)});
      // open() holds the case's locks, so no live process is writing this run: still "running",
      // its process was killed (or stopped by a full disk) before it recorded its end. The
      // report is read-only and says so; the next `vigil scan` closes it in the store.
      if (d.runs.back().status == "running") d.runs.back().status = kRunUnfinished;
    }
  }
  {
    Query q(db_,
            "SELECT id, path, name, format, size, segments, stored_md5, stored_sha1, "
            "verified_md5, verified_sha1, verified_sha256, verification, chunk_check FROM evidence "
            "ORDER BY id");
    if (!q.ok()) return db_error(db_, "evidence");
    while (q.next()) {
      d.evidence.push_back(EvidenceInfo{q.i64(0), q.str(1), q.str(2), q.str(3), q.u64(4), q.str(5),
                                        q.str(6), q.str(7), q.str(8), q.str(9), q.str(10),
                                        q.str(11)});
      d.evidence.back().chunk_check = q.str(12);
    }
  }
  {
    Query q(db_,
            "SELECT evidence_id, idx, scheme, kind, fs_type, description, provenance, offset, "
            "length FROM volumes ORDER BY evidence_id, idx");
    if (!q.ok()) return db_error(db_, "volumes");
    while (q.next()) {
      d.volumes.push_back(VolumeInfo{q.i64(0), static_cast<int>(q.i64(1)), q.str(2), q.str(3),
                                     q.str(4), q.str(5), q.str(6), q.u64(7), q.u64(8)});
    }
  }
  {
    Query q(db_,
            "SELECT id, name, version, publisher, profile, imported_utc, sources, record_counts, "
            "identity FROM hash_sets ORDER BY id");
    if (!q.ok()) return db_error(db_, "hash_sets");
    while (q.next()) {
      d.hash_sets.push_back(HashSetInfo{q.i64(0), q.str(1), q.str(2), q.str(3), q.str(4), q.str(5),
                                        q.str(6), q.str(7), q.str(8)});
    }
  }
  {
    Query q(db_, "SELECT run_id, name, version FROM run_extractors ORDER BY run_id, name");
    if (!q.ok()) return db_error(db_, "run_extractors");
    while (q.next()) d.run_extractors.push_back(RunExtractorInfo{q.i64(0), q.str(1), q.str(2)});
  }
  {
    Query q(db_,
            "SELECT (SELECT count(*) FROM items WHERE parent_id IS NOT NULL), "
            "(SELECT count(*) FROM warnings WHERE code='limit'), "
            "(SELECT count(*) FROM warnings WHERE code='extractor'), "
            "(SELECT count(*) FROM records)");
    if (!q.ok() || !q.next()) return db_error(db_, "extraction counts");
    d.summary.child_items = q.u64(0);
    d.summary.limit_warnings = q.u64(1);
    d.summary.extractor_errors = q.u64(2);
    d.summary.records = q.u64(3);
  }
  {
    Query q(db_,
            "SELECT count(*), sum(child_status='partial'), sum(child_status='reassembled') "
            "FROM items WHERE byte_runs IS NOT NULL AND parent_id IS NULL");
    if (!q.ok() || !q.next()) return db_error(db_, "carving counts");
    d.summary.carved = q.u64(0);
    d.summary.carved_partial = q.u64(1);
    d.summary.carved_reassembled = q.u64(2);
  }
  // From the runs: whether carving was on, and the carved pictures each run left out because
  // they were a listed deleted file's content (a count only: no item holds them). Only finished
  // runs count: an interrupted run's count is partial, and its resume carves everything again.
  for (const auto& r : d.runs) {
    const auto settings = nlohmann::json::parse(r.settings, nullptr, false);
    if (settings.is_object() && settings.contains("carving") && settings["carving"].is_object() &&
        settings["carving"].value("enabled", false))
      d.summary.carving_enabled = true;
    if (r.status.rfind("complete", 0) != 0) continue;
    const auto summary = nlohmann::json::parse(r.summary, nullptr, false);
    if (summary.is_object() && summary.contains("carved_deleted_content") &&
        summary["carved_deleted_content"].is_number_unsigned())
      d.summary.carved_deleted_content += summary["carved_deleted_content"].get<std::uint64_t>();
  }
  ItemExtrasReader extras(db_);
  if (!extras.ok()) return db_error(db_, "perceptual/matches");
  {
    const std::string sql = std::string("SELECT ") + kItemColumns +
                            " FROM items WHERE id IN (SELECT item_id FROM matches) OR "
                            "status IN ('error', 'damaged') ORDER BY id";
    Query q(db_, sql.c_str());
    if (!q.ok()) return db_error(db_, "items");
    while (q.next()) {
      ItemInfo it = read_item(q);
      extras.fill(it);
      if (!it.matches.empty()) d.matched_items.push_back(it);
      if (it.status == "damaged") d.damaged_items.push_back(it);
      if (it.status == "error") d.error_items.push_back(std::move(it));
    }
  }
  {
    Query q(db_,
            "SELECT provenance, code, message FROM warnings ORDER BY code, provenance, message");
    if (!q.ok()) return db_error(db_, "warnings");
    while (q.next()) {
      WarningInfo w{q.str(0), q.str(1), q.str(2)};
      if (d.warning_groups.empty() || d.warning_groups.back().code != w.code)
        d.warning_groups.push_back(WarningGroup{w.code, {}});
      d.warning_groups.back().warnings.push_back(std::move(w));
      ++d.summary.warnings;
    }
  }
  {
    Query q(db_,
            "SELECT count(*), sum(status='ok'), sum(status='error'), sum(status='not-read'), "
            "sum(category IN ('image','video')), sum(deleted), sum(bytes_read) FROM items");
    if (!q.ok() || !q.next()) return db_error(db_, "item counts");
    auto& s = d.summary;
    s.items = q.u64(0);
    s.items_ok = q.u64(1);
    s.items_error = q.u64(2);
    s.items_not_read = q.u64(3);
    s.media_items = q.u64(4);
    s.deleted_items = q.u64(5);
    s.bytes_read = q.u64(6);
  }
  {
    Query q(db_, "SELECT status, count(*) FROM items GROUP BY status ORDER BY status");
    if (!q.ok()) return db_error(db_, "item statuses");
    while (q.next()) d.summary.items_by_status.emplace_back(q.str(0), q.u64(1));
  }
  {
    Query q(db_,
            "SELECT sum(kind='exact'), sum(kind='near'), count(DISTINCT CASE WHEN kind='exact' "
            "THEN item_id END), count(DISTINCT CASE WHEN kind='near' THEN item_id END) FROM "
            "matches");
    if (!q.ok() || !q.next()) return db_error(db_, "match counts");
    d.summary.exact_matches = q.u64(0);
    d.summary.near_matches = q.u64(1);
    d.summary.items_with_exact = q.u64(2);
    d.summary.items_with_near = q.u64(3);
  }
  {
    Query q(db_, "SELECT count(*) FROM perceptual");
    if (!q.ok() || !q.next()) return db_error(db_, "perceptual count");
    d.summary.perceptual_hashes = q.u64(0);
  }
  // The audit chain, recomputed exactly as lib/case writes it (CaseStore::verify_audit_chain),
  // without opening the store for writing.
  {
    Query q(db_,
            "SELECT id, time_utc, run_id, action, details, prev_hash, hash FROM audit ORDER BY id");
    if (!q.ok()) return db_error(db_, "audit");
    std::string prev(64, '0');
    d.audit.chain_ok = true;
    while (q.next()) {
      const std::string expect =
          sha256_hex(prev + "\n" + q.str(1) + "\n" + std::to_string(q.i64(2)) + "\n" + q.str(3) +
                     "\n" + q.str(4));
      if (d.audit.chain_ok && (q.str(5) != prev || q.str(6) != expect)) {
        d.audit.chain_ok = false;
        d.audit.chain_message =
            "audit log row " + std::to_string(q.i64(0)) + " was altered or removed";
      }
      prev = q.str(6);
      ++d.audit.rows;
    }
    d.audit.head_hash = d.audit.rows ? prev : "";
    if (d.audit.chain_ok)
      d.audit.chain_message = "intact (" + std::to_string(d.audit.rows) + " rows)";
  }
  // The report id: derived from what the report describes and how it was asked for, so the same
  // store and options give the same id, and any change to either gives a new one.
  std::string basis = "vigil-report-id/1\n" + meta.case_number + "\n";
  for (const auto& e : meta.exhibits) basis += e + "\x1f";
  basis += "\n" + meta.examiner + "\n" + meta.examiner_id + "\n" + meta.agency + "\n" +
           meta.requester + "\n" + meta.authority + "\n" + meta.report_time + "\n" +
           meta.display_tz + "\n" + d.audit.head_hash + "\n" + std::to_string(d.runs.size()) +
           "\n" + std::to_string(d.summary.items) + "\n" + std::to_string(d.summary.exact_matches) +
           "\n" + std::to_string(d.summary.near_matches) + "\n";
  for (const auto& s : d.hash_sets) basis += s.identity + "\n";
  const std::string h = sha256_hex(basis);
  std::string id = "VR";
  for (int i = 0; i < 4; ++i) {
    id += '-';
    for (int j = 0; j < 4; ++j)
      id += static_cast<char>(std::toupper(static_cast<unsigned char>(h[i * 4 + j])));
  }
  meta.report_id = id;
  d.meta = std::move(meta);
  return d;
}

Result<void> CaseReader::for_each_item(const std::function<Result<void>(const ItemInfo&)>& fn) {
  const std::string sql =
      std::string("SELECT ") + kItemColumns + " FROM items ORDER BY evidence_id, provenance";
  Query q(db_, sql.c_str());
  ItemExtrasReader extras(db_);
  if (!q.ok() || !extras.ok()) return db_error(db_, "items");
  while (q.next()) {
    ItemInfo it = read_item(q);
    extras.fill(it);
    if (auto r = fn(it); !r) return r;
  }
  return {};
}

}  // namespace vigil::report
