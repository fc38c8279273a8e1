// NIST NSRL RDSv3 (SQLite; NIST's RDSv3 documentation and schema,
// https://www.nist.gov/itl/ssd/software-quality-group/national-software-reference-library-nsrl:
// FILE is a table in the minimal edition and a view in the full one) and CIRCL hashlookup JSON
// answers (https://www.circl.lu/services/hashlookup/, IETF draft-dulaunoy-hashlookup-format).
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <set>

#include "vigil/hashset/parsers.hpp"

namespace vigil::hashset {
namespace {

struct Db {
  sqlite3* db = nullptr;
  ~Db() {
    if (db != nullptr) sqlite3_close(db);
  }
};
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() {
    if (s != nullptr) sqlite3_finalize(s);
  }
};

std::string uri_escape(const std::string& path) {
  std::string out = "file:";
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : path) {
    if (c == '%' || c == '?' || c == '#' || c < 0x20 || c >= 0x7f) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "?mode=ro&immutable=1";
}

std::string text_col(sqlite3_stmt* s, int i) {
  const auto* t = sqlite3_column_text(s, i);
  return t == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(s, i));
}

}  // namespace

Result<ParseResult> parse_rdsv3(const std::filesystem::path& path, RecordSink& sink) {
  Db db;
  // immutable=1: no locks, no -wal/-shm files beside the list; the file is never written.
  if (sqlite3_open_v2(uri_escape(path.string()).c_str(), &db.db,
                      SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) != SQLITE_OK)
    return make_error(ErrorCode::kIo,
                      std::string("cannot open SQLite database: ") + sqlite3_errmsg(db.db));
  auto sql_error = [&](const std::string& what) {
    return make_error(ErrorCode::kCorrupt, what + ": " + sqlite3_errmsg(db.db));
  };
  // FILE is a table in the minimal edition and a view over METADATA in the full one: find it and
  // its columns rather than assume either.
  std::string kind;
  {
    Stmt st;
    if (sqlite3_prepare_v2(db.db, "SELECT type FROM sqlite_master WHERE name='FILE' COLLATE NOCASE",
                           -1, &st.s, nullptr) != SQLITE_OK)
      return sql_error("not a readable SQLite database");
    if (sqlite3_step(st.s) == SQLITE_ROW) kind = text_col(st.s, 0);
  }
  if (kind.empty())
    return make_error(ErrorCode::kUnsupported,
                      "SQLite database without a FILE table or view (not NSRL RDSv3)");
  std::set<std::string> cols;
  {
    Stmt st;
    if (sqlite3_prepare_v2(db.db, "PRAGMA table_info(FILE)", -1, &st.s, nullptr) != SQLITE_OK)
      return sql_error("cannot read the columns of FILE");
    int rc = 0;
    while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
      std::string c = text_col(st.s, 1);
      for (auto& ch : c) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      cols.insert(c);
    }
    if (rc != SQLITE_DONE) return sql_error("cannot read the columns of FILE");
  }
  const std::vector<std::pair<const char*, Algorithm>> digests = {
      {"md5", Algorithm::kMd5}, {"sha1", Algorithm::kSha1}, {"sha256", Algorithm::kSha256}};
  std::vector<std::string> select;
  std::vector<std::optional<Algorithm>> roles;  // per selected column: a digest, or nullopt
  for (const auto& [c, a] : digests)
    if (cols.count(c)) {
      select.push_back(c);
      roles.push_back(a);
    }
  if (select.empty())
    return make_error(ErrorCode::kUnsupported,
                      "FILE has no md5, sha1 or sha256 column (unknown RDSv3 layout)");
  const std::vector<std::string> extra = {"file_name", "file_size", "package_id", "crc32"};
  for (const auto& c : extra)
    if (cols.count(c)) {
      select.push_back(c);
      roles.push_back(std::nullopt);
    }
  // Package names (PKG) and the release (VERSION), when the database has them.
  std::map<std::string, std::string> packages;
  {
    Stmt st;
    if (cols.count("package_id") &&
        sqlite3_prepare_v2(db.db, "SELECT package_id, name, version FROM PKG", -1, &st.s,
                           nullptr) == SQLITE_OK) {
      while (sqlite3_step(st.s) == SQLITE_ROW) {
        std::string v = text_col(st.s, 1);
        if (auto ver = text_col(st.s, 2); !ver.empty()) v += " " + ver;
        packages[text_col(st.s, 0)] = v;
      }
    }
  }
  ParseResult pr;
  {
    Stmt st;
    if (sqlite3_prepare_v2(db.db, "SELECT version, build_set FROM VERSION LIMIT 1", -1, &st.s,
                           nullptr) == SQLITE_OK &&
        sqlite3_step(st.s) == SQLITE_ROW) {
      pr.version = text_col(st.s, 0);
      pr.detail = "NSRL RDSv3 " + pr.version + " " + text_col(st.s, 1);
    } else {
      pr.detail = "NSRL RDSv3";
    }
  }
  pr.detail += std::string(" (FILE ") +
               (kind == "view" ? "view, full edition" : "table, minimal edition") + ")";
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < select.size(); ++i) sql += (i ? ", " : "") + select[i];
  sql += " FROM FILE";
  Stmt st;
  if (sqlite3_prepare_v2(db.db, sql.c_str(), -1, &st.s, nullptr) != SQLITE_OK)
    return sql_error("cannot query FILE");
  std::uint64_t row = 0;
  int rc = 0;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    ++row;
    Record r;
    r.source_line = row;
    std::string bad;
    for (std::size_t i = 0; i < select.size(); ++i) {
      const int ci = static_cast<int>(i);
      if (roles[i]) {
        if (sqlite3_column_type(st.s, ci) == SQLITE_NULL) continue;
        const std::string hex = text_col(st.s, ci);
        if (hex.empty()) continue;
        auto d = Digest::from_hex(hex, *roles[i]);
        if (!d) {
          bad = select[i] + " is not a valid digest";
          break;
        }
        r.set_digest(*d);
      } else if (select[i] == "file_name") {
        r.file_name = text_col(st.s, ci);
      } else if (select[i] == "file_size") {
        if (sqlite3_column_type(st.s, ci) == SQLITE_INTEGER && sqlite3_column_int64(st.s, ci) >= 0)
          r.size = static_cast<std::uint64_t>(sqlite3_column_int64(st.s, ci));
      } else if (sqlite3_column_type(st.s, ci) != SQLITE_NULL) {
        const std::string v = text_col(st.s, ci);
        r.attributes.emplace_back(select[i], v);
        if (select[i] == "package_id")
          if (auto it = packages.find(v); it != packages.end())
            r.attributes.emplace_back("package", it->second);
      }
    }
    if (bad.empty() && !r.has_any_hash()) bad = "row without a digest";
    if (!bad.empty()) {
      sink.reject(row, bad);
      continue;
    }
    if (auto res = sink.record(std::move(r)); !res) return res.error();
  }
  if (rc != SQLITE_DONE) return sql_error("reading FILE stopped at row " + std::to_string(row + 1));
  return pr;
}

Result<ParseResult> parse_hashlookup(std::istream& in, RecordSink& sink) {
  constexpr std::size_t kCap = 64 << 20;
  std::string text;
  std::vector<char> chunk(1 << 20);
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > kCap)
      return make_error(ErrorCode::kLimit, "hashlookup JSON larger than 64 MiB");
  }
  std::vector<nlohmann::json> objects;
  try {
    auto j = nlohmann::json::parse(text);
    if (j.is_array())
      for (auto& o : j) objects.push_back(std::move(o));
    else
      objects.push_back(std::move(j));
  } catch (const nlohmann::json::exception&) {
    // JSON Lines: one answer per line. Any of the parser's errors, not only parse_error: a number
    // too large for a double (1E400) is an out_of_range, which escaped here and ended the
    // process (evidence_fuzz's sibling hashset_import_fuzz found it, 2026-11-27).
    std::size_t start = 0;
    while (start < text.size()) {
      auto end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string_view line(text.data() + start, end - start);
      start = end + 1;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      try {
        objects.push_back(nlohmann::json::parse(line));
      } catch (const std::exception& e) {
        return make_error(ErrorCode::kCorrupt, std::string("malformed JSON: ") + e.what());
      }
    }
  }
  std::uint64_t n = 0;
  for (const auto& o : objects) {
    ++n;
    if (!o.is_object()) {
      sink.reject(n, "answer is not a JSON object");
      continue;
    }
    Record r;
    r.source_line = n;
    std::string bad;
    for (const auto& [k, v] : o.items()) {
      auto a = algorithm_from_name(k);
      if (a && v.is_string()) {
        auto d = Digest::from_hex(v.get<std::string>(), *a);
        if (!d)
          bad = k + " is not a valid digest";
        else
          r.set_digest(*d);
      } else if (k == "FileName" && v.is_string()) {
        r.file_name = v.get<std::string>();
      } else if (k == "FileSize" && (v.is_string() || v.is_number_unsigned())) {
        try {
          r.size = v.is_string() ? std::stoull(v.get<std::string>()) : v.get<std::uint64_t>();
        } catch (const std::exception&) {
          bad = "FileSize is not a number";
        }
      } else if (v.is_primitive() && !v.is_null()) {
        r.attributes.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
      }
    }
    if (bad.empty() && !r.has_any_hash()) bad = "answer without MD5, SHA-1 or SHA-256";
    if (!bad.empty()) {
      sink.reject(n, bad);
      continue;
    }
    if (auto res = sink.record(std::move(r)); !res) return res.error();
  }
  ParseResult pr;
  pr.detail = "CIRCL hashlookup JSON";
  return pr;
}

}  // namespace vigil::hashset
