#include "vigil/case/pg_store.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <regex>
#include <vector>

#include "vigil/case/case_store.hpp"
#include "vigil/core/text.hpp"

namespace vigil::case_store::pg {
namespace {

constexpr Oid kInt8 = 20;
constexpr Oid kBytea = 17;

// The URI with the `case` parameter taken out (libpq refuses parameters it does not know).
struct Target {
  std::string conninfo;
  std::string case_name;
  std::string shown;  // redacted, for messages
};

Result<Target> parse_target(const std::string& uri, const std::string& default_case) {
  Target t;
  t.shown = redacted(uri);
  const auto q = uri.find('?');
  std::string base = uri.substr(0, q);
  std::string query;
  if (q != std::string::npos) {
    std::string rest = uri.substr(q + 1);
    std::size_t pos = 0;
    while (pos <= rest.size()) {
      auto amp = rest.find('&', pos);
      if (amp == std::string::npos) amp = rest.size();
      const std::string kv = rest.substr(pos, amp - pos);
      if (kv.rfind("case=", 0) == 0) {
        t.case_name = kv.substr(5);
      } else if (!kv.empty()) {
        query += (query.empty() ? "" : "&") + kv;
      }
      pos = amp + 1;
    }
  }
  t.conninfo = query.empty() ? base : base + "?" + query;
  if (t.case_name.empty()) t.case_name = default_case;
  // The case is a schema name: kept to characters that need no escaping anywhere.
  static const std::regex kName("[A-Za-z0-9_.-]{1,63}");
  if (!std::regex_match(t.case_name, kName))
    return make_error(ErrorCode::kInvalidArgument,
                      "PostgreSQL case store " + t.shown + ": the case name \"" +
                          lossy_utf8(t.case_name) +
                          "\" is not 1 to 63 of A-Z a-z 0-9 _ . - (give it as ?case=NAME)");
  return t;
}

// Binary-format parameter or result value.
struct Val {
  bool null = true;
  bool is_int = false;
  std::int64_t i = 0;
  std::string b;
  static Val of(std::int64_t v) {
    Val x;
    x.null = false;
    x.is_int = true;
    x.i = v;
    return x;
  }
  static Val bytes(std::string v) {
    Val x;
    x.null = false;
    x.b = std::move(v);
    return x;
  }
};

std::int64_t be64(const char* p) {
  std::uint64_t v = 0;
  for (int k = 0; k < 8; ++k) v = (v << 8) | static_cast<unsigned char>(p[k]);
  return static_cast<std::int64_t>(v);
}

class Conn {
 public:
  explicit Conn(Target t) : t_(std::move(t)) {}
  ~Conn() {
    if (c_ != nullptr) PQfinish(c_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  Result<void> connect() {
    c_ = PQconnectdb(t_.conninfo.c_str());
    if (c_ == nullptr || PQstatus(c_) != CONNECTION_OK) return error("cannot connect");
    // The server's notices ("schema ... already exists, skipping") are not the user's business.
    PQsetNoticeProcessor(
        c_, [](void*, const char*) {}, nullptr);
    return {};
  }
  // One clear line: libpq's first line ("server closed the connection unexpectedly", ...).
  Error error(const std::string& what) const {
    std::string m = c_ != nullptr ? PQerrorMessage(c_) : "out of memory";
    const auto nl = m.find('\n');
    if (nl != std::string::npos) m.resize(nl);
    if (m.rfind("ERROR:  ", 0) == 0) m = m.substr(8);
    return make_error(ErrorCode::kIo, "PostgreSQL case store " + t_.shown + " (case " +
                                          t_.case_name + "): " + what + ": " + m);
  }
  Result<void> exec(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    const auto st = PQresultStatus(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return error("cannot run " + head(sql));
    return {};
  }
  // Binary parameters and results; ints are int8, everything else bytea.
  Result<PGresult*> query(const std::string& sql, const std::vector<Val>& params) {
    std::vector<Oid> types;
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    std::vector<std::string> ints;
    ints.reserve(params.size());
    for (const auto& p : params) {
      types.push_back(p.null ? 0 : p.is_int ? kInt8 : kBytea);  // NULL: the column's type
      formats.push_back(1);
      if (p.null) {
        values.push_back(nullptr);
        lengths.push_back(0);
      } else if (p.is_int) {
        std::string be(8, '\0');
        auto u = static_cast<std::uint64_t>(p.i);
        for (int k = 7; k >= 0; --k, u >>= 8)
          be[static_cast<std::size_t>(k)] = static_cast<char>(u);
        ints.push_back(std::move(be));
        values.push_back(ints.back().data());
        lengths.push_back(8);
      } else {
        values.push_back(p.b.data());
        lengths.push_back(static_cast<int>(p.b.size()));
      }
    }
    PGresult* r = PQexecParams(c_, sql.c_str(), static_cast<int>(params.size()), types.data(),
                               values.data(), lengths.data(), formats.data(), 1);
    const auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      PQclear(r);
      return error("cannot run " + head(sql));
    }
    return r;
  }
  // The first column of the first row as an integer (fallback when no row or NULL).
  Result<std::int64_t> scalar(const std::string& sql, const std::vector<Val>& params,
                              std::int64_t fallback = 0) {
    auto r = query(sql, params);
    if (!r) return r.error();
    std::int64_t v = fallback;
    if (PQntuples(*r) > 0 && !PQgetisnull(*r, 0, 0)) v = be64(PQgetvalue(*r, 0, 0));
    PQclear(*r);
    return v;
  }
  const Target& target() const { return t_; }

 private:
  static std::string head(const std::string& sql) {
    auto s = sql.substr(0, sql.find_first_of("(\n"));
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  }
  Target t_;
  PGconn* c_ = nullptr;
};

std::string ident(const std::string& name) { return "\"" + name + "\""; }

// A migration step as PostgreSQL runs it: the same tables, columns and indexes, with SQLite's
// types mapped. TEXT is BYTEA too: a SQLite TEXT column holds whatever bytes evidence gives
// (file names that are not UTF-8, NUL bytes), which PostgreSQL's TEXT refuses; the snapshot
// gives a value back as TEXT when it is valid UTF-8, as the SQLite store writes it. SQLite does
// not enforce REFERENCES, so neither does the PostgreSQL case (it holds exactly what SQLite
// holds). A table without an integer id gets vigil_row, an identity that keeps the order in
// which rows arrived (SQLite's rowid), so that a snapshot lists rows in the same order.
std::string pg_ddl(const std::string& sqlite_sql) {
  std::string s = std::regex_replace(sqlite_sql, std::regex(R"( REFERENCES \w+\(\w+\))"), "");
  s = std::regex_replace(s, std::regex(R"(\bINTEGER\b)"), "BIGINT");
  s = std::regex_replace(s, std::regex(R"(\b(BLOB|TEXT)\b)"), "BYTEA");
  s = std::regex_replace(s, std::regex(R"(\bREAL\b)"), "DOUBLE PRECISION");
  s = std::regex_replace(s, std::regex(R"(\boffset\b)"), "\"offset\"");
  static const std::regex kCreate(R"(CREATE TABLE (\w+)\(\s*(id BIGINT PRIMARY KEY)?)");
  for (std::sregex_iterator it(s.begin(), s.end(), kCreate), end; it != end; ++it) {
    if (!(*it)[2].matched)
      s += "\nALTER TABLE " + (*it)[1].str() +
           " ADD COLUMN vigil_row BIGINT GENERATED ALWAYS AS IDENTITY;";
  }
  return s;
}

// Inside a transaction: takes the case's lock (held to the transaction's end, so publishers of
// one case follow one another), creates the case's schema when new and brings it to this
// vigil's schema version, step by step as the SQLite store does.
Result<void> lock_and_migrate(Conn& c, bool create) {
  const auto& name = c.target().case_name;
  if (auto r =
          c.query("SELECT pg_advisory_xact_lock(hashtextextended(convert_from($1, 'UTF8'), 0))",
                  {Val::bytes("vigil case " + name)});
      !r)
    return r.error();
  else
    PQclear(*r);
  auto exists =
      c.scalar("SELECT COUNT(*) FROM pg_namespace WHERE nspname = convert_from($1, 'UTF8')",
               {Val::bytes(name)});
  if (!exists) return exists.error();
  if (*exists == 0 && !create)
    return make_error(ErrorCode::kNotFound,
                      "PostgreSQL case store " + c.target().shown + " holds no case " + name);
  if (auto r = c.exec("CREATE SCHEMA IF NOT EXISTS " + ident(name) + "; SET LOCAL search_path TO " +
                      ident(name) +
                      "; CREATE TABLE IF NOT EXISTS vigil_schema_version(version BIGINT NOT NULL);"
                      " CREATE TABLE IF NOT EXISTS vigil_published(store BYTEA PRIMARY KEY, "
                      "runs BIGINT NOT NULL, items BIGINT NOT NULL, matches BIGINT NOT NULL, "
                      "warnings BIGINT NOT NULL, audit BIGINT NOT NULL, "
                      "published_utc BYTEA NOT NULL);");
      !r)
    return r;
  auto have = c.scalar("SELECT MAX(version) FROM vigil_schema_version", {}, -1);
  if (!have) return have.error();
  if (*have < 0) {
    if (auto r = c.exec("INSERT INTO vigil_schema_version VALUES(0)"); !r) return r;
    *have = 0;
  }
  if (*have > kSchemaVersion)
    return make_error(ErrorCode::kUnsupported,
                      "PostgreSQL case store " + c.target().shown + " (case " + name +
                          ") has schema version " + std::to_string(*have) +
                          ", newer than this vigil understands (" + std::to_string(kSchemaVersion) +
                          "); use a newer vigil");
  for (auto v = *have; v < kSchemaVersion; ++v) {
    if (auto r = c.exec(pg_ddl(migration_sql(static_cast<int>(v)))); !r) return r;
    if (auto r = c.exec("UPDATE vigil_schema_version SET version = " + std::to_string(v + 1)); !r)
      return r;
  }
  return {};
}

// --- the local SQLite store ---

class Local {
 public:
  ~Local() { sqlite3_close_v2(db_); }
  Result<void> open(const std::string& path, bool write) {
    if (sqlite3_open_v2(path.c_str(), &db_, write ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY,
                        nullptr) != SQLITE_OK)
      return error("cannot open " + path);
    sqlite3_busy_timeout(db_, 5000);
    return {};
  }
  Error error(const std::string& what) const {
    return make_error(ErrorCode::kIo, what + ": " + sqlite3_errmsg(db_));
  }
  // Columns of a table and whether each is declared INTEGER.
  std::vector<std::pair<std::string, bool>> columns(const std::string& table) {
    std::vector<std::pair<std::string, bool>> out;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, ("PRAGMA table_info(" + table + ")").c_str(), -1, &s, nullptr) ==
        SQLITE_OK) {
      while (sqlite3_step(s) == SQLITE_ROW) {
        const std::string type = reinterpret_cast<const char*>(sqlite3_column_text(s, 2));
        out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 1)),
                         type == "INTEGER");
      }
    }
    sqlite3_finalize(s);
    return out;
  }
  std::int64_t max_id(const std::string& table) {
    sqlite3_stmt* s = nullptr;
    std::int64_t v = 0;
    if (sqlite3_prepare_v2(db_, ("SELECT COALESCE(MAX(id), 0) FROM " + table).c_str(), -1, &s,
                           nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
  }
  int user_version() {
    sqlite3_stmt* s = nullptr;
    int v = -1;
    if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
  }
  sqlite3* get() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

Val from_sqlite(sqlite3_stmt* s, int i) {
  switch (sqlite3_column_type(s, i)) {
    case SQLITE_NULL:
      return {};
    case SQLITE_INTEGER:
      return Val::of(sqlite3_column_int64(s, i));
    default: {
      const auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
      return Val::bytes(p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i)))
                          : std::string());
    }
  }
}

using Remap = std::function<Result<std::int64_t>(std::int64_t)>;

// Copies the rows of a local table (WHERE where, ORDER BY order) into the PostgreSQL case, ids
// remapped. `insert_tail` follows the VALUES (an ON CONFLICT clause).
Result<std::uint64_t> publish_table(Local& from, Conn& to, const std::string& table,
                                    const std::string& where, const std::string& order,
                                    const std::map<std::string, Remap>& remap,
                                    const std::string& insert_tail = {}) {
  const auto cols = from.columns(table);
  std::string names, marks;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    names += (i ? "," : "") + ident(cols[i].first);
    marks += (i ? ",$" : "$") + std::to_string(i + 1);
  }
  const std::string select =
      "SELECT " + names + " FROM " + table + " WHERE " + where + " ORDER BY " + order;
  const std::string insert =
      "INSERT INTO " + table + "(" + names + ") VALUES(" + marks + ")" + insert_tail;
  sqlite3_stmt* sel = nullptr;
  if (sqlite3_prepare_v2(from.get(), select.c_str(), -1, &sel, nullptr) != SQLITE_OK)
    return from.error("case store " + table);
  std::vector<const Remap*> maps;
  for (const auto& c : cols) {
    const auto it = remap.find(c.first);
    maps.push_back(it == remap.end() ? nullptr : &it->second);
  }
  std::uint64_t n = 0;
  std::vector<Val> row(cols.size());
  int rc = 0;
  while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
    for (std::size_t i = 0; i < cols.size(); ++i) {
      row[i] = from_sqlite(sel, static_cast<int>(i));
      if (maps[i] != nullptr && !row[i].null) {
        auto v = (*maps[i])(row[i].i);
        if (!v) {
          sqlite3_finalize(sel);
          return v.error();
        }
        row[i].i = *v;
      }
      if (cols[i].second != row[i].is_int && !row[i].null) {
        sqlite3_finalize(sel);
        return make_error(ErrorCode::kCorrupt, "case store " + table + "." + cols[i].first +
                                                   " holds a value of another type than declared");
      }
    }
    auto r = to.query(insert, row);
    if (!r) {
      sqlite3_finalize(sel);
      return r.error();
    }
    PQclear(*r);
    ++n;
  }
  sqlite3_finalize(sel);
  if (rc != SQLITE_DONE) return from.error("case store " + table);
  return n;
}

std::string store_key(const std::string& case_dir) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::filesystem::absolute(case_dir).lexically_normal().string();
}

Result<PublishResult> publish_in_transaction(Conn& c, Local& local, const std::string& key) {
  PublishResult out;
  out.case_name = c.target().case_name;
  if (auto r = lock_and_migrate(c, true); !r) return r.error();
  // What this store published before (its watermarks) and what it holds now.
  struct Marks {
    std::int64_t runs = 0, items = 0, matches = 0, warnings = 0, audit = 0;
  } was, now;
  {
    auto r = c.query(
        "SELECT runs, items, matches, warnings, audit FROM vigil_published WHERE "
        "store = $1",
        {Val::bytes(key)});
    if (!r) return r.error();
    if (PQntuples(*r) > 0) {
      was = {be64(PQgetvalue(*r, 0, 0)), be64(PQgetvalue(*r, 0, 1)), be64(PQgetvalue(*r, 0, 2)),
             be64(PQgetvalue(*r, 0, 3)), be64(PQgetvalue(*r, 0, 4))};
    }
    PQclear(*r);
  }
  now = {local.max_id("runs"), local.max_id("items"), local.max_id("matches"),
         local.max_id("warnings"), local.max_id("audit")};
  if (now.runs == was.runs && now.items == was.items && now.matches == was.matches &&
      now.warnings == was.warnings && now.audit == was.audit) {
    out.already_published = true;
    return out;
  }
  // The case's ids continue after the rows already there (publishers hold the case's lock).
  std::map<std::string, std::int64_t> base;
  for (const char* t : {"runs", "items", "matches"}) {
    auto v = c.scalar(std::string("SELECT COALESCE(MAX(id), 0) FROM ") + t, {});
    if (!v) return v.error();
    base[t] = *v;
  }
  const auto shift = [&c](const char* table, std::int64_t wm, std::int64_t b) -> Remap {
    return [table, wm, b, &c](std::int64_t v) -> Result<std::int64_t> {
      if (v <= wm)
        return make_error(ErrorCode::kInternal, std::string("a new row refers to ") + table +
                                                    " row " + std::to_string(v) +
                                                    ", published before (case " +
                                                    c.target().case_name + ")");
      return v - wm + b;
    };
  };
  const Remap runs = shift("runs", was.runs, base["runs"]);
  const Remap items = shift("items", was.items, base["items"]);
  const Remap matches = shift("matches", was.matches, base["matches"]);

  // Evidence by path and known lists by identity: one row each in the case, whoever adds them.
  std::map<std::int64_t, std::int64_t> ev_map, set_map;
  {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(local.get(),
                           "SELECT id, path, name, format, size, segments, stored_md5, "
                           "stored_sha1, verified_md5, verified_sha1, verified_sha256, "
                           "verification, chunk_check FROM evidence ORDER BY id",
                           -1, &s, nullptr) != SQLITE_OK)
      return local.error("case store evidence");
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::vector<Val> v;
      for (int i = 1; i <= 12; ++i) v.push_back(from_sqlite(s, i));
      auto found = c.scalar("SELECT id FROM evidence WHERE path = $1", {v[0]}, 0);
      if (!found) {
        sqlite3_finalize(s);
        return found.error();
      }
      std::int64_t id = *found;
      if (id == 0) {
        auto next = c.scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM evidence", {});
        if (!next) {
          sqlite3_finalize(s);
          return next.error();
        }
        id = *next;
        std::vector<Val> params{Val::of(id)};
        params.insert(params.end(), v.begin(), v.end());
        auto r = c.query(
            "INSERT INTO evidence(id, path, name, format, size, segments, stored_md5, "
            "stored_sha1, verified_md5, verified_sha1, verified_sha256, verification, "
            "chunk_check) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
            params);
        if (!r) {
          sqlite3_finalize(s);
          return r.error();
        }
        PQclear(*r);
        ++out.rows;
      } else if (!v[10].null) {
        // Verified since (or by another publisher): the latest verification stands, as in a
        // SQLite case where a later run verifies again.
        auto r = c.query(
            "UPDATE evidence SET verified_md5=$1, verified_sha1=$2, verified_sha256=$3, "
            "verification=$4, chunk_check=$5 WHERE id=$6",
            {v[7], v[8], v[9], v[10], v[11], Val::of(id)});
        if (!r) {
          sqlite3_finalize(s);
          return r.error();
        }
        PQclear(*r);
      }
      ev_map[sqlite3_column_int64(s, 0)] = id;
    }
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(local.get(),
                           "SELECT id, name, version, publisher, profile, imported_utc, sources, "
                           "record_counts, identity FROM hash_sets ORDER BY id",
                           -1, &s, nullptr) != SQLITE_OK)
      return local.error("case store hash_sets");
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::vector<Val> v;
      for (int i = 1; i <= 8; ++i) v.push_back(from_sqlite(s, i));
      auto found = c.scalar("SELECT id FROM hash_sets WHERE identity = $1", {v[7]}, 0);
      if (!found) {
        sqlite3_finalize(s);
        return found.error();
      }
      std::int64_t id = *found;
      if (id == 0) {
        auto next = c.scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM hash_sets", {});
        if (!next) {
          sqlite3_finalize(s);
          return next.error();
        }
        id = *next;
        std::vector<Val> params{Val::of(id)};
        params.insert(params.end(), v.begin(), v.end());
        auto r = c.query(
            "INSERT INTO hash_sets(id, name, version, publisher, profile, imported_utc, sources, "
            "record_counts, identity) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9)",
            params);
        if (!r) {
          sqlite3_finalize(s);
          return r.error();
        }
        PQclear(*r);
        ++out.rows;
      }
      set_map[sqlite3_column_int64(s, 0)] = id;
    }
    sqlite3_finalize(s);
  }
  const Remap evidence = [&ev_map](std::int64_t v) -> Result<std::int64_t> {
    const auto it = ev_map.find(v);
    if (it == ev_map.end())
      return make_error(ErrorCode::kCorrupt, "a row refers to evidence " + std::to_string(v) +
                                                 ", which the case store does not hold");
    return it->second;
  };
  const Remap sets = [&set_map](std::int64_t v) -> Result<std::int64_t> {
    const auto it = set_map.find(v);
    if (it == set_map.end())
      return make_error(ErrorCode::kCorrupt, "a match refers to known list " + std::to_string(v) +
                                                 ", which the case store does not hold");
    return it->second;
  };
  const auto add = [&out](Result<std::uint64_t> r) -> Result<void> {
    if (!r) return r.error();
    out.rows += *r;
    return {};
  };
  const std::string after_runs = "id > " + std::to_string(was.runs);
  const std::string item_new = "item_id > " + std::to_string(was.items);
  const std::string ignore = " ON CONFLICT DO NOTHING";
  if (auto r = add(publish_table(local, c, "case_info", "1", "rowid", {}, ignore)); !r)
    return r.error();
  if (auto r = add(publish_table(local, c, "runs", after_runs, "id", {{"id", runs}})); !r)
    return r.error();
  if (auto r = add(publish_table(local, c, "run_extractors", "run_id > " + std::to_string(was.runs),
                                 "rowid", {{"run_id", runs}}));
      !r)
    return r.error();
  if (auto r = add(
          publish_table(local, c, "volumes", "1", "rowid", {{"evidence_id", evidence}}, ignore));
      !r)
    return r.error();
  if (auto r = add(publish_table(local, c, "items", "id > " + std::to_string(was.items), "id",
                                 {{"id", items}, {"parent_id", items}, {"evidence_id", evidence}}));
      !r)
    return r.error();
  if (auto r = add(publish_table(local, c, "perceptual", item_new, "rowid", {{"item_id", items}}));
      !r)
    return r.error();
  if (auto r = add(publish_table(local, c, "matches", "id > " + std::to_string(was.matches), "id",
                                 {{"id", matches}, {"item_id", items}, {"set_id", sets}}));
      !r)
    return r.error();
  if (auto r = add(publish_table(local, c, "records", item_new, "rowid", {{"item_id", items}})); !r)
    return r.error();
  // Warnings: a warning the case holds already (same provenance and message) is not repeated,
  // as the SQLite store ignores a repeated warning; the id is the case's next.
  {
    sqlite3_stmt* s = nullptr;
    const std::string sql = "SELECT provenance, code, message FROM warnings WHERE id > " +
                            std::to_string(was.warnings) + " ORDER BY id";
    if (sqlite3_prepare_v2(local.get(), sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      return local.error("case store warnings");
    while (sqlite3_step(s) == SQLITE_ROW) {
      auto r = c.query(
          "INSERT INTO warnings(id, provenance, code, message) SELECT COALESCE(MAX(id), 0) + 1, "
          "$1, $2, $3 FROM warnings ON CONFLICT DO NOTHING",
          {from_sqlite(s, 0), from_sqlite(s, 1), from_sqlite(s, 2)});
      if (!r) {
        sqlite3_finalize(s);
        return r.error();
      }
      out.rows += std::strtoull(PQcmdTuples(*r), nullptr, 10);
      PQclear(*r);
    }
    sqlite3_finalize(s);
  }
  // The audit log: appended to the case's chain (each row's hash covers the case's previous
  // row), run ids as the case gives them.
  {
    std::string prev(64, '0');
    auto last = c.query("SELECT hash FROM audit ORDER BY id DESC LIMIT 1", {});
    if (!last) return last.error();
    if (PQntuples(*last) > 0)
      prev.assign(PQgetvalue(*last, 0, 0), static_cast<std::size_t>(PQgetlength(*last, 0, 0)));
    PQclear(*last);
    auto next = c.scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM audit", {});
    if (!next) return next.error();
    std::int64_t id = *next;
    sqlite3_stmt* s = nullptr;
    const std::string sql = "SELECT time_utc, run_id, action, details FROM audit WHERE id > " +
                            std::to_string(was.audit) + " ORDER BY id";
    if (sqlite3_prepare_v2(local.get(), sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      return local.error("case store audit");
    while (sqlite3_step(s) == SQLITE_ROW) {
      Val time = from_sqlite(s, 0), run = from_sqlite(s, 1), action = from_sqlite(s, 2),
          details = from_sqlite(s, 3);
      if (!run.null) {
        auto m = runs(run.i);
        if (!m) {
          sqlite3_finalize(s);
          return m.error();
        }
        run.i = *m;
      }
      const std::string hash =
          audit_row_hash(prev, time.b, run.null ? 0 : run.i, action.b, details.b);
      auto r = c.query(
          "INSERT INTO audit(id, time_utc, run_id, action, details, prev_hash, hash) "
          "VALUES($1, $2, $3, $4, $5, $6, $7)",
          {Val::of(id++), time, run, action, details, Val::bytes(prev), Val::bytes(hash)});
      if (!r) {
        sqlite3_finalize(s);
        return r.error();
      }
      PQclear(*r);
      prev = hash;
      ++out.rows;
    }
    sqlite3_finalize(s);
  }
  auto r = c.query(
      "INSERT INTO vigil_published(store, runs, items, matches, warnings, audit, published_utc) "
      "VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (store) DO UPDATE SET runs = $2, "
      "items = $3, matches = $4, warnings = $5, audit = $6, published_utc = $7",
      {Val::bytes(key), Val::of(now.runs), Val::of(now.items), Val::of(now.matches),
       Val::of(now.warnings), Val::of(now.audit), Val::bytes(now_utc())});
  if (!r) return r.error();
  PQclear(*r);
  return out;
}

}  // namespace

bool is_uri(const std::string& s) {
  return s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0;
}

std::string redacted(const std::string& uri) {
  std::string out = uri;
  // user:PASSWORD@ in the authority part.
  const auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    const auto start = scheme + 3;
    const auto end = out.find_first_of("/?", start);
    const auto at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at >= start) {
      const auto colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... among the parameters.
  static const std::regex kParam(R"(([?&]password=)[^&]*)");
  return std::regex_replace(out, kParam, "$1***");
}

Result<PublishResult> publish(const std::string& uri, const std::string& case_dir) {
  const auto started = std::chrono::steady_clock::now();
  const std::string dir = std::filesystem::absolute(case_dir).lexically_normal().string();
  auto target = parse_target(uri, std::filesystem::path(dir).filename().string());
  if (!target) return target.error();
  Local local;
  if (auto r = local.open(dir + "/" + kDatabaseName, false); !r) return r.error();
  if (local.user_version() != kSchemaVersion)
    return make_error(ErrorCode::kUnsupported,
                      "the case store in " + dir + " has another schema version than this vigil's");
  Conn c(*target);
  if (auto r = c.connect(); !r) return r.error();
  // The local store is read in one SQLite transaction too: what is published is one state of it.
  if (sqlite3_exec(local.get(), "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK)
    return local.error("case store");
  if (auto r = c.exec("BEGIN"); !r) return r.error();
  auto out = publish_in_transaction(c, local, store_key(dir));
  sqlite3_exec(local.get(), "COMMIT", nullptr, nullptr, nullptr);
  if (!out) {
    (void)c.exec("ROLLBACK");
    return out.error();
  }
  if (auto r = c.exec(out->already_published ? "ROLLBACK" : "COMMIT"); !r) return r.error();
  out->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

Result<std::uint64_t> snapshot(const std::string& uri, const std::string& default_case,
                               const std::string& out_dir) {
  auto target = parse_target(uri, default_case);
  if (!target) return target.error();
  Conn c(*target);
  if (auto r = c.connect(); !r) return r.error();
  // An older case is brought to this vigil's schema first (its own transaction), as opening a
  // SQLite case store does.
  {
    if (auto r = c.exec("BEGIN"); !r) return r.error();
    if (auto r = lock_and_migrate(c, false); !r) {
      (void)c.exec("ROLLBACK");
      return r.error();
    }
    if (auto r = c.exec("COMMIT"); !r) return r.error();
  }
  if (std::filesystem::exists(out_dir + "/" + kDatabaseName))
    return make_error(ErrorCode::kInvalidArgument,
                      out_dir + " holds a case store already; the snapshot needs a new folder");
  {
    auto created = CaseStore::open(out_dir, true);
    if (!created) return created.error();
  }
  Local local;
  if (auto r = local.open(out_dir + "/" + kDatabaseName, true); !r) return r.error();
  if (auto r = c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path TO " +
                      ident(target->case_name));
      !r)
    return r.error();
  if (sqlite3_exec(local.get(), "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK)
    return local.error("snapshot store");
  std::vector<std::string> tables;
  {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(local.get(),
                           "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE "
                           "'sqlite_%' ORDER BY name",
                           -1, &s, nullptr) == SQLITE_OK) {
      while (sqlite3_step(s) == SQLITE_ROW)
        tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
    }
    sqlite3_finalize(s);
  }
  std::uint64_t n = 0;
  for (const auto& table : tables) {
    const auto cols = local.columns(table);
    std::string names, marks;
    bool has_id = false;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      names += (i ? "," : "") + ident(cols[i].first);
      marks += i ? ",?" : "?";
      has_id = has_id || cols[i].first == "id";
    }
    auto rows = c.query(
        "SELECT " + names + " FROM " + table + " ORDER BY " + (has_id ? "id" : "vigil_row"), {});
    if (!rows) return rows.error();
    sqlite3_stmt* ins = nullptr;
    if (sqlite3_prepare_v2(
            local.get(), ("INSERT INTO " + table + "(" + names + ") VALUES(" + marks + ")").c_str(),
            -1, &ins, nullptr) != SQLITE_OK) {
      PQclear(*rows);
      return local.error("snapshot store " + table);
    }
    const int nrows = PQntuples(*rows);
    for (int r = 0; r < nrows; ++r) {
      for (int i = 0; i < static_cast<int>(cols.size()); ++i) {
        if (PQgetisnull(*rows, r, i)) {
          sqlite3_bind_null(ins, i + 1);
          continue;
        }
        const char* p = PQgetvalue(*rows, r, i);
        const int len = PQgetlength(*rows, r, i);
        if (PQftype(*rows, i) == kInt8) {
          sqlite3_bind_int64(ins, i + 1, be64(p));
        } else if (is_valid_utf8(std::string_view(p, static_cast<std::size_t>(len)))) {
          // As the SQLite store writes text from evidence: TEXT when valid UTF-8, else BLOB.
          sqlite3_bind_text(ins, i + 1, p, len, SQLITE_TRANSIENT);
        } else {
          sqlite3_bind_blob(ins, i + 1, p, len, SQLITE_TRANSIENT);
        }
      }
      if (sqlite3_step(ins) != SQLITE_DONE) {
        auto e = local.error("snapshot store " + table);
        sqlite3_finalize(ins);
        PQclear(*rows);
        return e;
      }
      sqlite3_reset(ins);
      ++n;
    }
    sqlite3_finalize(ins);
    PQclear(*rows);
  }
  if (sqlite3_exec(local.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
    return local.error("snapshot store");
  (void)c.exec("COMMIT");
  return n;
}

}  // namespace vigil::case_store::pg
