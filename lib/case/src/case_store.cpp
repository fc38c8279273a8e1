#include "vigil/case/case_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "vigil/core/text.hpp"
#include "vigil/digest/multi_hasher.hpp"

namespace vigil::case_store {
namespace {

// Schema migrations: entry i takes a store from version i to i + 1. Never edit a released
// entry; add a new one.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE case_info(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs(
  id INTEGER PRIMARY KEY, started_utc TEXT NOT NULL, finished_utc TEXT, status TEXT NOT NULL,
  tool_version TEXT NOT NULL, git_commit TEXT NOT NULL, library_versions TEXT NOT NULL,
  host TEXT NOT NULL, command_line TEXT NOT NULL, settings TEXT NOT NULL, summary TEXT);
CREATE TABLE evidence(
  id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, name TEXT NOT NULL, format TEXT NOT NULL,
  size INTEGER NOT NULL, segments TEXT NOT NULL, stored_md5 TEXT, stored_sha1 TEXT,
  verified_md5 TEXT, verified_sha1 TEXT, verified_sha256 TEXT, verification TEXT);
CREATE TABLE volumes(
  evidence_id INTEGER NOT NULL REFERENCES evidence(id), idx INTEGER NOT NULL,
  scheme TEXT NOT NULL, kind TEXT NOT NULL, fs_type TEXT NOT NULL, description TEXT NOT NULL,
  offset INTEGER NOT NULL, length INTEGER NOT NULL, provenance TEXT NOT NULL,
  PRIMARY KEY(evidence_id, idx));
CREATE TABLE items(
  id INTEGER PRIMARY KEY, evidence_id INTEGER NOT NULL REFERENCES evidence(id),
  provenance TEXT NOT NULL UNIQUE, volume INTEGER NOT NULL, fs_type TEXT NOT NULL,
  inode INTEGER NOT NULL, inode_str TEXT NOT NULL, path BLOB NOT NULL, name BLOB NOT NULL,
  size INTEGER NOT NULL, name_type TEXT NOT NULL, meta_type TEXT NOT NULL,
  deleted INTEGER NOT NULL, orphan INTEGER NOT NULL, ads INTEGER NOT NULL,
  meta_allocated INTEGER NOT NULL, extension_mismatch INTEGER NOT NULL,
  content_type TEXT NOT NULL, category TEXT NOT NULL,
  mtime TEXT, mtime_prec TEXT, atime TEXT, atime_prec TEXT, ctime TEXT, ctime_prec TEXT,
  btime TEXT, btime_prec TEXT,
  status TEXT NOT NULL, bytes_read INTEGER NOT NULL,
  xxh3_128 TEXT, md5 TEXT, sha1 TEXT, sha256 TEXT);
CREATE INDEX items_md5 ON items(md5);
CREATE INDEX items_sha1 ON items(sha1);
CREATE INDEX items_sha256 ON items(sha256);
CREATE INDEX items_xxh3 ON items(xxh3_128);
CREATE TABLE warnings(
  id INTEGER PRIMARY KEY, provenance TEXT NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL,
  UNIQUE(provenance, message));
CREATE TABLE audit(
  id INTEGER PRIMARY KEY, time_utc TEXT NOT NULL, run_id INTEGER, action TEXT NOT NULL,
  details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
)sql",
    // 1 -> 2: perceptual hashes, the known lists a run used, and their matches.
    R"sql(
CREATE TABLE perceptual(
  item_id INTEGER NOT NULL REFERENCES items(id), algorithm TEXT NOT NULL, pipeline TEXT NOT NULL,
  hash TEXT NOT NULL, quality INTEGER, PRIMARY KEY(item_id, algorithm, pipeline));
CREATE TABLE hash_sets(
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL, publisher TEXT NOT NULL,
  profile TEXT NOT NULL, imported_utc TEXT NOT NULL, sources TEXT NOT NULL,
  record_counts TEXT NOT NULL, identity TEXT NOT NULL UNIQUE);
CREATE TABLE matches(
  id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id),
  set_id INTEGER NOT NULL REFERENCES hash_sets(id), kind TEXT NOT NULL, algorithm TEXT NOT NULL,
  item_value TEXT NOT NULL, list_value TEXT NOT NULL, distance INTEGER, threshold INTEGER,
  item_quality INTEGER, list_quality INTEGER, variant TEXT, category TEXT, status TEXT NOT NULL,
  record TEXT NOT NULL);
CREATE INDEX matches_item ON matches(item_id);
)sql",
    // 2 -> 3: items inside items (issue 12). A child item links to its parent (NULL for a
    // file-system entry) and names the extractor that found it; records are facts extractors
    // state about an item (EXIF fields, ...); run_extractors lists the extractors a run used.
    R"sql(
ALTER TABLE items ADD COLUMN parent_id INTEGER REFERENCES items(id);
ALTER TABLE items ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN extractor TEXT;
ALTER TABLE items ADD COLUMN child_status TEXT;
ALTER TABLE items ADD COLUMN parent_offset INTEGER;
CREATE INDEX items_parent ON items(parent_id);
CREATE TABLE records(
  item_id INTEGER NOT NULL REFERENCES items(id), seq INTEGER NOT NULL, extractor TEXT NOT NULL,
  name TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY(item_id, seq));
CREATE TABLE run_extractors(
  run_id INTEGER NOT NULL REFERENCES runs(id), name TEXT NOT NULL, version TEXT NOT NULL,
  PRIMARY KEY(run_id, name));
)sql",
    // 3 -> 4: what the container's per-chunk checks found (issue 10): JSON, NULL when none ran.
    R"sql(
ALTER TABLE evidence ADD COLUMN chunk_check TEXT;
)sql",
    // 4 -> 5: where a carved item lies in its evidence (issue 14): JSON [[offset,length],...]
    // in media bytes, two ranges or more for a reassembled picture; NULL for other items.
    R"sql(
ALTER TABLE items ADD COLUMN byte_runs TEXT;
)sql",
};
constexpr int kMigrationCount = static_cast<int>(std::size(kMigrations));
static_assert(kMigrationCount == kSchemaVersion);

}  // namespace

const char* migration_sql(int v) {
  return v >= 0 && v < kMigrationCount ? kMigrations[v] : nullptr;
}

namespace {

Error db_error(sqlite3* db, const std::string& what) {
  const int code = sqlite3_errcode(db);
  ErrorCode ec = ErrorCode::kIo;
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) ec = ErrorCode::kBusy;
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) ec = ErrorCode::kCorrupt;
  std::string msg = what + ": " + sqlite3_errmsg(db);
  if (code == SQLITE_FULL) msg = what + ": the disk holding the case is full";
  return make_error(ec, msg);
}

// A prepared statement, reset after each use.
class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr) != SQLITE_OK)
      s_ = nullptr;
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept {
    std::swap(db_, o.db_);
    std::swap(s_, o.s_);
    return *this;
  }
  [[nodiscard]] bool ok() const { return s_ != nullptr; }
  sqlite3_stmt* get() { return s_; }

  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind_text(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // Text from evidence: valid UTF-8 as TEXT, anything else as a BLOB, bytes kept exactly.
  Stmt& bind_bytes(int i, const std::string& v) {
    if (is_valid_utf8(v)) return bind_text(i, v);
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // Empty string binds NULL: a value that was not computed is absent, never invented.
  Stmt& bind_opt(int i, const std::string& v) {
    if (v.empty()) {
      sqlite3_bind_null(s_, i);
      return *this;
    }
    return bind_text(i, v);
  }
  // Runs to completion; returns SQLITE_DONE/SQLITE_ROW code of the first step.
  int step() { return sqlite3_step(s_); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Result<void> run(const std::string& what) {
    const int rc = step();
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
      auto e = db_error(db_, what);
      reset();
      return e;
    }
    reset();
    return {};
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
};

std::string sha256_hex(const std::string& s) {
  const auto d = digest::digest_buffer({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()},
                                       /*cryptographic=*/true);
  return d.hex(digest::Algorithm::kSha256);
}

std::string column_text(sqlite3_stmt* s, int i) {
  const auto* p = sqlite3_column_text(s, i);
  return p != nullptr ? reinterpret_cast<const char*>(p) : std::string();
}

}  // namespace

struct CaseStore::Statements {
  Stmt insert_item, insert_warning, insert_audit, last_audit, insert_perceptual, insert_match;
  Stmt insert_record;
};

std::string now_utc() {
  if (const char* sde = std::getenv("SOURCE_DATE_EPOCH"); sde != nullptr && *sde != '\0') {
    return format_utc(Timestamp{std::strtoll(sde, nullptr, 10), 0, 1'000'000'000});
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  return format_utc(
      Timestamp{us / 1'000'000, static_cast<std::uint32_t>((us % 1'000'000) * 1000), 1000});
}

Result<std::unique_ptr<CaseStore>> CaseStore::open(const std::string& dir, bool create) {
  std::error_code ec;
  if (create) std::filesystem::create_directories(dir, ec);
  if (ec)
    return make_error(ErrorCode::kIo, "cannot create case folder " + dir + ": " + ec.message());
  const std::string db_path = dir + "/" + kDatabaseName;
  if (!create && !std::filesystem::exists(db_path))
    return make_error(ErrorCode::kNotFound, dir + " holds no case store (" + kDatabaseName + ")");

  auto store = std::unique_ptr<CaseStore>(new CaseStore());
  // One writer per case: an advisory lock held for the life of the store.
  const std::string lock_path = dir + "/.lock";
  store->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (store->lock_fd_ < 0)
    return make_error(ErrorCode::kIo, "cannot open " + lock_path + ": " + std::strerror(errno));
  if (::flock(store->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return make_error(ErrorCode::kBusy,
                      "the case in " + dir + " is in use by another vigil process");
  }
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(db_path.c_str(), &store->db_, flags, nullptr) != SQLITE_OK) {
    return db_error(store->db_, "cannot open case store " + db_path);
  }
  sqlite3_busy_timeout(store->db_, 2000);
  if (auto r = store->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !r)
    return r.error();
  if (auto r = store->migrate(); !r) return r.error();
  store->st_ = std::make_unique<Statements>();
  auto& st = *store->st_;
  st.insert_item = Stmt(store->db_, R"sql(
    INSERT INTO items(evidence_id, provenance, volume, fs_type, inode, inode_str, path, name, size,
      name_type, meta_type, deleted, orphan, ads, meta_allocated, extension_mismatch,
      content_type, category, mtime, mtime_prec, atime, atime_prec, ctime, ctime_prec, btime,
      btime_prec, status, bytes_read, xxh3_128, md5, sha1, sha256, parent_id, depth, extractor,
      child_status, parent_offset, byte_runs)
    VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
      ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36,
      ?37, ?38))sql");
  st.insert_record = Stmt(store->db_,
                          "INSERT INTO records(item_id, seq, extractor, name, value) "
                          "VALUES(?1, ?2, ?3, ?4, ?5)");
  st.insert_warning = Stmt(
      store->db_, "INSERT OR IGNORE INTO warnings(provenance, code, message) VALUES(?1, ?2, ?3)");
  st.insert_audit = Stmt(store->db_,
                         "INSERT INTO audit(time_utc, run_id, action, details, prev_hash, hash) "
                         "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  st.last_audit = Stmt(store->db_, "SELECT hash FROM audit ORDER BY id DESC LIMIT 1");
  st.insert_perceptual = Stmt(store->db_,
                              "INSERT INTO perceptual(item_id, algorithm, pipeline, hash, quality) "
                              "VALUES(?1, ?2, ?3, ?4, ?5)");
  st.insert_match = Stmt(store->db_, R"sql(
    INSERT INTO matches(item_id, set_id, kind, algorithm, item_value, list_value, distance,
      threshold, item_quality, list_quality, variant, category, status, record)
    VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14))sql");
  if (!st.insert_item.ok() || !st.insert_warning.ok() || !st.insert_audit.ok() ||
      !st.last_audit.ok() || !st.insert_perceptual.ok() || !st.insert_match.ok() ||
      !st.insert_record.ok())
    return db_error(store->db_, "cannot prepare case store statements");
  return store;
}

CaseStore::~CaseStore() {
  st_.reset();
  if (db_ != nullptr) sqlite3_close_v2(db_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Result<void> CaseStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    auto e = db_error(db_, "case store");
    sqlite3_free(err);
    return e;
  }
  return {};
}

int CaseStore::schema_version() const {
  sqlite3_stmt* s = nullptr;
  int v = -1;
  if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    v = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  return v;
}

Result<void> CaseStore::migrate() {
  const int have = schema_version();
  if (have < 0) return db_error(db_, "cannot read the case store's schema version");
  if (have > kSchemaVersion) {
    return make_error(ErrorCode::kUnsupported,
                      "the case store has schema version " + std::to_string(have) +
                          ", newer than this vigil understands (" + std::to_string(kSchemaVersion) +
                          "); use a newer vigil");
  }
  for (int v = have; v < kSchemaVersion; ++v) {
    if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
    if (auto r = exec(kMigrations[v]); !r) {
      (void)exec("ROLLBACK");
      return r;
    }
    const std::string set_version = "PRAGMA user_version=" + std::to_string(v + 1);
    if (auto r = exec(set_version.c_str()); !r) {
      (void)exec("ROLLBACK");
      return r;
    }
    if (auto r = exec("COMMIT"); !r) return r;
  }
  return {};
}

Result<std::int64_t> CaseStore::begin_run(const RunRecord& run) {
  Stmt s(db_,
         "INSERT INTO runs(started_utc, status, tool_version, git_commit, library_versions, host, "
         "command_line, settings) VALUES(?1, 'running', ?2, ?3, ?4, ?5, ?6, ?7)");
  s.bind_text(1, run.started_utc)
      .bind_text(2, run.tool_version)
      .bind_text(3, run.git_commit)
      .bind_text(4, run.library_versions)
      .bind_text(5, run.host)
      .bind_bytes(6, run.command_line)
      .bind_text(7, run.settings);
  if (auto r = s.run("cannot record the run"); !r) return r.error();
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

Result<void> CaseStore::end_run(std::int64_t run_id, const std::string& status,
                                const std::string& finished_utc, const std::string& summary_json) {
  Stmt s(db_, "UPDATE runs SET status=?1, finished_utc=?2, summary=?3 WHERE id=?4");
  s.bind_text(1, status).bind_text(2, finished_utc).bind_text(3, summary_json).bind(4, run_id);
  return s.run("cannot close the run record");
}

Result<bool> CaseStore::fail_run_if_running(std::int64_t run_id, const std::string& now_utc,
                                            const std::string& details_json) {
  // The status and its audit row land together.
  if (auto r = exec("BEGIN IMMEDIATE"); !r) return r.error();
  Stmt s(db_,
         "UPDATE runs SET status='failed', finished_utc=?1, summary='{}' WHERE id=?2 AND "
         "status='running'");
  s.bind_text(1, now_utc).bind(2, run_id);
  auto r = s.run("cannot close the run record");
  const bool was_open = r && sqlite3_changes(db_) > 0;
  if (r && was_open) r = audit(run_id, now_utc, "scan-failed", details_json);
  if (!r) {
    (void)exec("ROLLBACK");
    return r.error();
  }
  if (auto c = exec("COMMIT"); !c) return c.error();
  return was_open;
}

Result<std::vector<std::int64_t>> CaseStore::close_unfinished_runs(const std::string& now_utc) {
  std::vector<std::pair<std::int64_t, std::string>> stale;
  {
    Stmt find(db_, "SELECT id, started_utc FROM runs WHERE status='running' ORDER BY id");
    int rc = 0;
    while ((rc = find.step()) == SQLITE_ROW) {
      const auto* started = sqlite3_column_text(find.get(), 1);
      stale.emplace_back(sqlite3_column_int64(find.get(), 0),
                         started != nullptr ? reinterpret_cast<const char*>(started) : "");
    }
    if (rc != SQLITE_DONE) return db_error(db_, "cannot read the runs");
  }
  std::vector<std::int64_t> closed;
  for (const auto& [id, started] : stale) {
    // One transaction per run: its status and its audit row land together.
    if (auto r = exec("BEGIN IMMEDIATE"); !r) return r.error();
    Stmt s(db_,
           "UPDATE runs SET status='interrupted', summary=?1 WHERE id=?2 AND status='running'");
    s.bind_text(1, "{\"found_unfinished_utc\":\"" + now_utc + "\"}").bind(2, id);
    auto r = s.run("cannot close an unfinished run");
    if (r) {
      r = audit(id, now_utc, "run-found-unfinished",
                "{\"run_id\":" + std::to_string(id) + ",\"started_utc\":\"" + started +
                    "\",\"reason\":\"marked running, but no process holds the case: it was "
                    "killed or stopped before it could record its end\"}");
    }
    if (!r) {
      (void)exec("ROLLBACK");
      return r.error();
    }
    if (auto c = exec("COMMIT"); !c) return c.error();
    closed.push_back(id);
  }
  return closed;
}

ScanLock& ScanLock::operator=(ScanLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

ScanLock::~ScanLock() {
  if (fd_ >= 0) ::close(fd_);
}

Result<ScanLock> ScanLock::acquire(const std::string& case_dir) {
  const std::string path = case_dir + "/" + kScanLockName;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return make_error(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return make_error(ErrorCode::kBusy,
                      "the case in " + case_dir + " is in use by another vigil process");
  }
  return ScanLock(fd);
}

Result<ScanLock> ScanLock::shared(const std::string& case_dir) {
  const std::string path = case_dir + "/" + kScanLockName;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ScanLock(-1);
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    ::close(fd);
    return make_error(ErrorCode::kBusy,
                      "the case in " + case_dir + " is in use by another vigil process (a scan?)");
  }
  return ScanLock(fd);
}

Result<std::int64_t> CaseStore::add_evidence(const EvidenceRecord& ev) {
  Stmt find(db_, "SELECT id FROM evidence WHERE path=?1");
  find.bind_bytes(1, ev.path);
  if (find.step() == SQLITE_ROW)
    return static_cast<std::int64_t>(sqlite3_column_int64(find.get(), 0));
  find.reset();
  Stmt s(db_,
         "INSERT INTO evidence(path, name, format, size, segments, stored_md5, stored_sha1) "
         "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.bind_bytes(1, ev.path)
      .bind_bytes(2, ev.name)
      .bind_text(3, ev.format)
      .bind(4, static_cast<std::int64_t>(ev.size))
      .bind_text(5, ev.segments)
      .bind_opt(6, ev.stored_md5)
      .bind_opt(7, ev.stored_sha1);
  if (auto r = s.run("cannot record the evidence"); !r) return r.error();
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

Result<void> CaseStore::set_evidence_verification(std::int64_t evidence_id, const std::string& md5,
                                                  const std::string& sha1,
                                                  const std::string& sha256,
                                                  const std::string& result,
                                                  const std::string& chunk_check) {
  Stmt s(db_,
         "UPDATE evidence SET verified_md5=?1, verified_sha1=?2, verified_sha256=?3, "
         "verification=?4, chunk_check=?5 WHERE id=?6");
  s.bind_opt(1, md5)
      .bind_opt(2, sha1)
      .bind_opt(3, sha256)
      .bind_text(4, result)
      .bind_opt(5, chunk_check)
      .bind(6, evidence_id);
  return s.run("cannot record the verification");
}

Result<std::vector<std::int64_t>> CaseStore::mark_item_damaged(std::int64_t evidence_id,
                                                               const std::string& provenance) {
  Stmt find(db_,
            "WITH RECURSIVE tree(id) AS (SELECT id FROM items WHERE evidence_id=?1 AND "
            "provenance=?2 UNION ALL SELECT items.id FROM items JOIN tree ON "
            "items.parent_id=tree.id) SELECT id FROM tree");
  find.bind(1, evidence_id).bind_bytes(2, provenance);
  std::vector<std::int64_t> ids;
  int rc = 0;
  while ((rc = find.step()) == SQLITE_ROW) ids.push_back(sqlite3_column_int64(find.get(), 0));
  if (rc != SQLITE_DONE) return db_error(db_, "cannot find a damaged item");
  Stmt item(db_,
            "UPDATE items SET status='damaged', xxh3_128=NULL, md5=NULL, sha1=NULL, sha256=NULL "
            "WHERE id=?1");
  Stmt exact(db_, "DELETE FROM matches WHERE item_id=?1 AND kind='exact'");
  for (const auto id : ids) {
    item.bind(1, id);
    if (auto r = item.run("cannot mark a damaged item"); !r) return r.error();
    exact.bind(1, id);
    if (auto r = exact.run("cannot remove the exact matches of a damaged item"); !r)
      return r.error();
  }
  return ids;
}

Result<void> CaseStore::add_volume(const VolumeRecord& v) {
  Stmt s(db_,
         "INSERT OR IGNORE INTO volumes(evidence_id, idx, scheme, kind, fs_type, description, "
         "offset, length, provenance) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  s.bind(1, v.evidence_id)
      .bind(2, v.index)
      .bind_text(3, v.scheme)
      .bind_text(4, v.kind)
      .bind_text(5, v.fs_type)
      .bind_bytes(6, v.description)
      .bind(7, static_cast<std::int64_t>(v.offset))
      .bind(8, static_cast<std::int64_t>(v.length))
      .bind_bytes(9, v.provenance);
  return s.run("cannot record a volume");
}

Result<std::unordered_set<std::string>> CaseStore::recorded_items(std::int64_t evidence_id) {
  // Top-level items only: a child is always committed with its parent, in one transaction.
  Stmt s(db_, "SELECT provenance FROM items WHERE evidence_id=?1 AND parent_id IS NULL");
  s.bind(1, evidence_id);
  std::unordered_set<std::string> out;
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(s.get(), 0));
    out.emplace(p != nullptr ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(s.get(), 0)));
  }
  if (rc != SQLITE_DONE) return db_error(db_, "cannot read recorded items");
  return out;
}

Result<void> CaseStore::begin_batch() { return exec("BEGIN IMMEDIATE"); }
Result<void> CaseStore::commit_batch() { return exec("COMMIT"); }

Result<std::int64_t> CaseStore::add_item(const ItemRecord& it, const ItemExtras& extras) {
  auto& s = st_->insert_item;
  s.bind(1, it.evidence_id)
      .bind_bytes(2, it.provenance)
      .bind(3, it.volume)
      .bind_text(4, it.fs_type)
      .bind(5, static_cast<std::int64_t>(it.inode))
      .bind_text(6, it.inode_str)
      .bind_bytes(7, it.path)
      .bind_bytes(8, it.name)
      .bind(9, static_cast<std::int64_t>(it.size))
      .bind_text(10, std::string(1, it.name_type))
      .bind_text(11, std::string(1, it.meta_type))
      .bind(12, it.deleted)
      .bind(13, it.orphan)
      .bind(14, it.ads)
      .bind(15, it.meta_allocated)
      .bind(16, it.extension_mismatch)
      .bind_text(17, it.content_type)
      .bind_text(18, it.category);
  int col = 19;
  for (const auto* t :
       {&it.times.modified, &it.times.accessed, &it.times.changed, &it.times.born}) {
    if (*t) {
      s.bind_text(col, format_utc(**t)).bind_text(col + 1, precision_label((*t)->precision_ns));
    }
    col += 2;
  }
  s.bind_text(27, it.status)
      .bind(28, static_cast<std::int64_t>(it.bytes_read))
      .bind_opt(29, it.xxh3_128)
      .bind_opt(30, it.md5)
      .bind_opt(31, it.sha1)
      .bind_opt(32, it.sha256);
  if (it.parent_id > 0) s.bind(33, it.parent_id);
  s.bind(34, it.depth).bind_opt(35, it.extractor).bind_opt(36, it.child_status);
  if (it.parent_offset) s.bind(37, static_cast<std::int64_t>(*it.parent_offset));
  s.bind_opt(38, it.byte_runs);
  if (auto r = s.run("cannot record an item"); !r) return r.error();
  const auto id = static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
  for (const auto& p : extras.perceptual) {
    auto& q = st_->insert_perceptual;
    q.bind(1, id).bind_text(2, p.algorithm).bind_text(3, p.pipeline).bind_text(4, p.hash);
    if (p.quality >= 0) q.bind(5, p.quality);
    if (auto r = q.run("cannot record a perceptual hash"); !r) return r.error();
  }
  for (const auto& m : extras.matches) {
    auto& q = st_->insert_match;
    q.bind(1, id)
        .bind(2, m.set_id)
        .bind_text(3, m.kind)
        .bind_text(4, m.algorithm)
        .bind_text(5, m.item_value)
        .bind_text(6, m.list_value);
    int c = 7;
    for (const int v : {m.distance, m.threshold, m.item_quality, m.list_quality}) {
      if (v >= 0) q.bind(c, v);
      ++c;
    }
    q.bind_opt(11, m.variant).bind_opt(12, m.category).bind_text(13, m.status);
    q.bind_bytes(14, m.record);
    if (auto r = q.run("cannot record a match"); !r) return r.error();
  }
  std::int64_t seq = 0;
  for (const auto& rec : extras.records) {
    auto& q = st_->insert_record;
    q.bind(1, id).bind(2, seq++).bind_text(3, rec.extractor).bind_bytes(4, rec.name);
    q.bind_bytes(5, rec.value);
    if (auto r = q.run("cannot record an extractor record"); !r) return r.error();
  }
  return id;
}

Result<void> CaseStore::add_run_extractor(std::int64_t run_id, const std::string& name,
                                          const std::string& version) {
  Stmt s(db_, "INSERT OR REPLACE INTO run_extractors(run_id, name, version) VALUES(?1, ?2, ?3)");
  s.bind(1, run_id).bind_text(2, name).bind_text(3, version);
  return s.run("cannot record the run's extractors");
}

Result<std::vector<ContentPerceptual>> CaseStore::perceptual_by_content(
    const std::string& category) {
  Stmt s(db_,
         "SELECT i.xxh3_128, p.algorithm, p.pipeline, p.hash, p.quality FROM perceptual p "
         "JOIN items i ON i.id = p.item_id WHERE i.xxh3_128 IS NOT NULL AND i.category = ?1 "
         "ORDER BY i.id, p.algorithm, p.pipeline");
  s.bind_text(1, category);
  std::vector<ContentPerceptual> out;
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    ContentPerceptual c;
    c.xxh3_128 = column_text(s.get(), 0);
    c.row.algorithm = column_text(s.get(), 1);
    c.row.pipeline = column_text(s.get(), 2);
    c.row.hash = column_text(s.get(), 3);
    c.row.quality =
        sqlite3_column_type(s.get(), 4) == SQLITE_NULL ? -1 : sqlite3_column_int(s.get(), 4);
    out.push_back(std::move(c));
  }
  if (rc != SQLITE_DONE) return db_error(db_, "cannot read perceptual hashes");
  return out;
}

Result<std::int64_t> CaseStore::add_hash_set(const HashSetRecord& set) {
  Stmt find(db_, "SELECT id FROM hash_sets WHERE identity=?1");
  find.bind_text(1, set.identity);
  if (find.step() == SQLITE_ROW)
    return static_cast<std::int64_t>(sqlite3_column_int64(find.get(), 0));
  find.reset();
  Stmt s(db_,
         "INSERT INTO hash_sets(name, version, publisher, profile, imported_utc, sources, "
         "record_counts, identity) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  s.bind_bytes(1, set.name)
      .bind_bytes(2, set.version)
      .bind_bytes(3, set.publisher)
      .bind_text(4, set.profile)
      .bind_text(5, set.imported_utc)
      .bind_bytes(6, set.sources)
      .bind_text(7, set.record_counts)
      .bind_text(8, set.identity);
  if (auto r = s.run("cannot record a hash set"); !r) return r.error();
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

Result<void> CaseStore::add_warning(const WarningRecord& w) {
  auto& s = st_->insert_warning;
  s.bind_bytes(1, w.provenance).bind_text(2, w.code).bind_bytes(3, w.message);
  return s.run("cannot record a warning");
}

std::string audit_row_hash(const std::string& prev_hash, const std::string& time_utc,
                           std::int64_t run_id, const std::string& action,
                           const std::string& details) {
  return sha256_hex(prev_hash + "\n" + time_utc + "\n" + std::to_string(run_id) + "\n" + action +
                    "\n" + details);
}

Result<void> CaseStore::audit(std::int64_t run_id, const std::string& time_utc,
                              const std::string& action, const std::string& details) {
  auto& last = st_->last_audit;
  std::string prev(64, '0');
  if (last.step() == SQLITE_ROW) prev = column_text(last.get(), 0);
  last.reset();
  const std::string hash = audit_row_hash(prev, time_utc, run_id, action, details);
  auto& s = st_->insert_audit;
  s.bind_text(1, time_utc).bind(2, run_id).bind_text(3, action).bind_bytes(4, details);
  s.bind_text(5, prev).bind_text(6, hash);
  return s.run("cannot append to the audit log");
}

Result<std::size_t> CaseStore::verify_audit_chain() {
  Stmt s(db_,
         "SELECT id, time_utc, run_id, action, details, prev_hash, hash FROM audit ORDER BY id");
  std::string prev(64, '0');
  std::size_t n = 0;
  while (s.step() == SQLITE_ROW) {
    const auto id = sqlite3_column_int64(s.get(), 0);
    const std::string expect = sha256_hex(prev + "\n" + column_text(s.get(), 1) + "\n" +
                                          std::to_string(sqlite3_column_int64(s.get(), 2)) + "\n" +
                                          column_text(s.get(), 3) + "\n" + column_text(s.get(), 4));
    if (column_text(s.get(), 5) != prev || column_text(s.get(), 6) != expect) {
      return make_error(ErrorCode::kMismatch,
                        "audit log row " + std::to_string(id) + " was altered or removed");
    }
    prev = expect;
    ++n;
  }
  return n;
}

}  // namespace vigil::case_store
