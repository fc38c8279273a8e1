// vigil merge --case DIR: folds the finished unit stores of the case's plan (DIR/units/K) into
// the case store, in one transaction, so that the case holds exactly what one `vigil scan` with
// the plan's settings would have written: the units' rows in plan order (evidence by evidence,
// each in walk order) take the ids a single process would have given them, and each evidence
// item's verification is applied after its items, as the scan does.
//
// Refused, with nothing written: a unit that has not finished, a unit store of another plan or
// other settings, evidence that changed since the plan. Merging again changes nothing: the audit
// log records every unit merged, and a unit already merged is not merged twice.
#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "commands.hpp"
#include "units.hpp"
#include "vigil/case/case_store.hpp"
#include "vigil/case/pg_store.hpp"
#include "vigil/core/text.hpp"
#include "vigil/pipeline/scan.hpp"
#include "vigil/pipeline/thumbnail_links.hpp"
#include "vigil/version.hpp"

namespace vigil::cli {
namespace {

struct MergeOptions {
  std::string case_dir;
  std::string plan;
  std::string store;  // postgresql://...: the shared case the merged case is published into
  bool quiet = false;
};

Error sql_error(sqlite3* db, const std::string& what) {
  return make_error(ErrorCode::kIo, what + ": " + sqlite3_errmsg(db));
}

// A read-only view of one unit store.
class UnitDb {
 public:
  UnitDb() = default;
  ~UnitDb() { sqlite3_close_v2(db_); }
  UnitDb(const UnitDb&) = delete;
  UnitDb& operator=(const UnitDb&) = delete;
  Result<void> open(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
      return sql_error(db_, "cannot open " + path);
    sqlite3_busy_timeout(db_, 2000);
    return {};
  }
  sqlite3* get() { return db_; }
  // The first column of the first row, as text ("" when none).
  std::string text(const std::string& sql) {
    std::string out;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      const auto* p = static_cast<const char*>(sqlite3_column_blob(s, 0));
      if (p != nullptr) out.assign(p, static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
    }
    sqlite3_finalize(s);
    return out;
  }
  std::string info(const std::string& key) {
    // (Keys are this file's constants, never evidence text.)
    return text("SELECT value FROM unit_info WHERE key='" + key + "'");
  }

 private:
  sqlite3* db_ = nullptr;
};

using Remap = std::function<std::int64_t(std::int64_t)>;

// Copies every row of `table` from a unit store into the case, in `order`, binding each value as
// stored (so BLOBs stay BLOBs) except the columns in `remap` (ids) and `drop` (left to SQLite).
Result<std::uint64_t> copy_rows(sqlite3* from, sqlite3* to, const std::string& table,
                                const std::string& order, bool or_ignore,
                                const std::set<std::string>& drop,
                                const std::map<std::string, Remap>& remap,
                                const std::string& where = "1") {
  std::vector<std::string> cols;
  {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(from, ("PRAGMA table_info(" + table + ")").c_str(), -1, &s, nullptr) !=
        SQLITE_OK)
      return sql_error(from, "unit store");
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::string c = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
      if (drop.count(c) == 0) cols.push_back(c);
    }
    sqlite3_finalize(s);
  }
  std::string names, marks;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    names += (i ? "," : "") + cols[i];
    marks += (i ? ",?" : "?");
  }
  const std::string select =
      "SELECT " + names + " FROM " + table + " WHERE " + where + " ORDER BY " + order;
  const std::string insert = std::string("INSERT ") + (or_ignore ? "OR IGNORE " : "") + "INTO " +
                             table + "(" + names + ") VALUES(" + marks + ")";
  sqlite3_stmt* sel = nullptr;
  sqlite3_stmt* ins = nullptr;
  if (sqlite3_prepare_v2(from, select.c_str(), -1, &sel, nullptr) != SQLITE_OK)
    return sql_error(from, "unit store " + table);
  if (sqlite3_prepare_v2(to, insert.c_str(), -1, &ins, nullptr) != SQLITE_OK) {
    sqlite3_finalize(sel);
    return sql_error(to, "case store " + table);
  }
  std::vector<const Remap*> maps;
  for (const auto& c : cols) {
    const auto it = remap.find(c);
    maps.push_back(it == remap.end() ? nullptr : &it->second);
  }
  std::uint64_t n = 0;
  int rc = 0;
  Result<std::uint64_t> out = n;
  while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
    for (int i = 0; i < static_cast<int>(cols.size()); ++i) {
      const auto* m = maps[static_cast<std::size_t>(i)];
      if (m != nullptr && sqlite3_column_type(sel, i) != SQLITE_NULL) {
        sqlite3_bind_int64(ins, i + 1, (*m)(sqlite3_column_int64(sel, i)));
      } else {
        sqlite3_bind_value(ins, i + 1, sqlite3_column_value(sel, i));
      }
    }
    if (sqlite3_step(ins) != SQLITE_DONE) {
      out = sql_error(to, "cannot merge a row of " + table);
      break;
    }
    sqlite3_reset(ins);
    ++n;
  }
  if (out && rc != SQLITE_DONE && rc != SQLITE_ROW) out = sql_error(from, "unit store " + table);
  sqlite3_finalize(sel);
  sqlite3_finalize(ins);
  if (!out) return out;
  return n;
}

std::int64_t max_id(sqlite3* db, const char* table) {
  sqlite3_stmt* s = nullptr;
  std::int64_t v = 0;
  if (sqlite3_prepare_v2(db, (std::string("SELECT COALESCE(MAX(id), 0) FROM ") + table).c_str(), -1,
                         &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return v;
}

std::string json_array(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, lossy_utf8(v[i]));
  }
  return out + "]";
}

// Tables a unit store holds that the merge folds in, or knows to leave (run records, the audit
// log, the unit's own record). A unit store with rows in any other table (a newer schema) is
// refused rather than merged without them.
const std::set<std::string> kKnownTables{
    "case_info", "runs",           "evidence",   "volumes",          "items",
    "warnings",  "audit",          "perceptual", "hash_sets",        "matches",
    "records",   "run_extractors", "unit_info",  "unit_verification"};

struct Unit {
  int id = 0;
  std::string path;
  std::unique_ptr<UnitDb> db;
  nlohmann::json plan_unit;
};

// Every reason this unit cannot be merged into this plan's case, or "".
std::string check_unit(Unit& u, const nlohmann::json& plan, const std::string& settings0,
                       const std::string& sets0) {
  auto& db = *u.db;
  const std::string who = fmt::format("unit {} ({})", u.id, u.path);
  if (db.info("finished") != "1") return who + " has not finished; run it again";
  const auto plan_args = plan["scan_args"].dump();
  const auto unit_args = db.info("scan_args");
  if (db.info("plan_id") != plan["id"].get<std::string>()) {
    if (unit_args != plan_args)
      return fmt::format(
          "{} was scanned with other settings than this case's plan (the unit: {}; the plan: "
          "{}); run the unit again from this plan",
          who, unit_args, plan_args);
    return fmt::format(
        "{} belongs to another plan ({}), not this case's ({}); run the unit "
        "again from this plan",
        who, db.info("plan_id").substr(0, 12), plan["id"].get<std::string>().substr(0, 12));
  }
  if (unit_args != plan_args || db.info("settings") != settings0 ||
      db.text("SELECT group_concat(identity, ',') FROM (SELECT identity FROM hash_sets ORDER BY "
              "id)") != sets0)
    return who +
           " was scanned with other settings (or other known lists) than unit 0 of the "
           "same plan; run both again";
  if (db.info("unit_json") != u.plan_unit.dump())
    return who + " is not the plan's unit " + std::to_string(u.id);
  const auto& ev = plan["evidence"][u.plan_unit["evidence"].get<std::size_t>()];
  if (db.info("evidence_files") != ev["files"].dump() ||
      db.info("walk_fingerprint") != ev["walk_fingerprint"].get<std::string>())
    return fmt::format(
        "{} read evidence {} other than the plan's (it changed since planning); "
        "make a new plan",
        who, ev["path"].get<std::string>());
  if (db.text("PRAGMA user_version") != std::to_string(case_store::kSchemaVersion))
    return who + " has another case-store schema than this vigil's";
  if (db.info("vigil") != plan["vigil"]["version"].get<std::string>() + " " +
                              plan["vigil"]["git_commit"].get<std::string>())
    return who + " was made by another vigil than the plan";
  // Ids as a single scan gives them: 1, 2, ... with no gap (the merge offsets them).
  for (const char* t : {"items", "matches"}) {
    const auto n = db.text(std::string("SELECT COUNT(*) = COALESCE(MAX(id), 0) FROM ") + t);
    if (n != "1") return who + ": its " + t + " ids are not 1..n (not a store vigil wrote)";
  }
  sqlite3_stmt* s = nullptr;
  std::string unknown;
  if (sqlite3_prepare_v2(db.get(), "SELECT name FROM sqlite_master WHERE type='table'", -1, &s,
                         nullptr) == SQLITE_OK) {
    while (sqlite3_step(s) == SQLITE_ROW) {
      const std::string name = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      if (kKnownTables.count(name) == 0 && name.rfind("sqlite_", 0) != 0 &&
          db.text("SELECT EXISTS(SELECT 1 FROM \"" + name + "\")") == "1")
        unknown += (unknown.empty() ? "" : ", ") + name;
    }
  }
  sqlite3_finalize(s);
  if (!unknown.empty())
    return who + " holds rows in tables this merge does not fold in (" + unknown + ")";
  return {};
}

Result<void> merge_units(case_store::CaseStore& store, std::vector<Unit>& units,
                         const nlohmann::json& plan, const std::vector<std::string>& argv,
                         std::uint64_t& items_merged, std::int64_t& merge_run,
                         nlohmann::json& summary) {
  sqlite3* to = store.handle();
  auto& first = *units.front().db;
  const std::string settings = first.info("settings");
  // The known lists, as the scan adds them before its run.
  std::map<std::string, std::int64_t> set_ids;  // identity -> case id
  {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(first.get(),
                           "SELECT name, version, publisher, profile, imported_utc, sources, "
                           "record_counts, identity FROM hash_sets ORDER BY id",
                           -1, &s, nullptr) != SQLITE_OK)
      return sql_error(first.get(), "unit store");
    while (sqlite3_step(s) == SQLITE_ROW) {
      const auto col = [s](int i) {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i)))
                 : std::string();
      };
      case_store::HashSetRecord r{col(0), col(1), col(2), col(3), col(4), col(5), col(6), col(7)};
      auto id = store.add_hash_set(r);
      if (!id) {
        sqlite3_finalize(s);
        return id.error();
      }
      set_ids[r.identity] = *id;
    }
    sqlite3_finalize(s);
  }
  case_store::RunRecord run{
      case_store::now_utc(),        kVersion,         kGitCommit, pipeline::library_versions_json(),
      pipeline::host_description(), json_array(argv), settings};
  auto run_id = store.begin_run(run);
  if (!run_id) return run_id.error();
  if (auto r =
          store.audit(*run_id, run.started_utc, "merge-started",
                      fmt::format("{{\"plan\":\"{}\",\"units\":{},\"command_line\":{}}}",
                                  plan["id"].get<std::string>(), units.size(), run.command_line));
      !r)
    return r.error();
  {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(first.get(), "SELECT name, version FROM run_extractors ORDER BY rowid",
                           -1, &s, nullptr) != SQLITE_OK)
      return sql_error(first.get(), "unit store");
    while (sqlite3_step(s) == SQLITE_ROW) {
      const std::string name = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      const std::string version = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
      if (auto r = store.add_run_extractor(*run_id, name, version); !r) {
        sqlite3_finalize(s);
        return r.error();
      }
    }
    sqlite3_finalize(s);
  }

  merge_run = *run_id;
  summary = nlohmann::json::object();
  std::int64_t evidence_id = 0;
  std::size_t current = SIZE_MAX;
  for (auto& u : units) {
    auto& db = *u.db;
    sqlite3* from = db.get();
    const auto ev_index = u.plan_unit["evidence"].get<std::size_t>();
    if (ev_index != current) {
      current = ev_index;
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v2(from,
                             "SELECT path, name, format, size, segments, stored_md5, stored_sha1 "
                             "FROM evidence ORDER BY id LIMIT 1",
                             -1, &s, nullptr) != SQLITE_OK ||
          sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return make_error(ErrorCode::kCorrupt, u.path + " records no evidence");
      }
      const auto col = [s](int i) {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i)))
                 : std::string();
      };
      case_store::EvidenceRecord ev{
          col(0), col(1), col(2), static_cast<std::uint64_t>(sqlite3_column_int64(s, 3)),
          col(4), col(5), col(6)};
      sqlite3_finalize(s);
      auto id = store.add_evidence(ev);
      if (!id) return id.error();
      evidence_id = *id;
    }
    const auto ev_map = [evidence_id](std::int64_t) { return evidence_id; };
    const std::int64_t item_base = max_id(to, "items");
    const std::int64_t match_base = max_id(to, "matches");
    const auto items = [item_base](std::int64_t v) { return v + item_base; };
    const auto matches = [match_base](std::int64_t v) { return v + match_base; };
    std::map<std::int64_t, std::int64_t> unit_sets;
    {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v2(from, "SELECT id, identity FROM hash_sets", -1, &s, nullptr) ==
          SQLITE_OK) {
        while (sqlite3_step(s) == SQLITE_ROW)
          unit_sets[sqlite3_column_int64(s, 0)] =
              set_ids[reinterpret_cast<const char*>(sqlite3_column_text(s, 1))];
      }
      sqlite3_finalize(s);
    }
    const auto sets = [&unit_sets](std::int64_t v) { return unit_sets[v]; };
    std::uint64_t n_items = 0;
    const auto step = [&](const char* table, const char* order, bool ignore,
                          std::set<std::string> drop,
                          std::map<std::string, Remap> remap) -> Result<std::uint64_t> {
      return copy_rows(from, to, table, order, ignore, drop, remap);
    };
    if (auto r = step("volumes", "rowid", true, {}, {{"evidence_id", ev_map}}); !r)
      return r.error();
    auto copied = step("items", "id", false, {},
                       {{"id", items}, {"parent_id", items}, {"evidence_id", ev_map}});
    if (!copied) return copied.error();
    n_items = *copied;
    if (auto r = step("perceptual", "rowid", false, {}, {{"item_id", items}}); !r) return r.error();
    if (auto r = step("matches", "id", false, {},
                      {{"id", matches}, {"item_id", items}, {"set_id", sets}});
        !r)
      return r.error();
    // Thumbnail links join items across the whole case: made once, after every unit.
    if (auto r =
            copy_rows(from, to, "records", "rowid", false, {}, {{"item_id", items}},
                      std::string("extractor <> '") + pipeline::kThumbnailLinksExtractor + "'");
        !r)
      return r.error();
    // Warnings in the order the unit added them; the walk's, which every unit of an evidence
    // item repeats, are already in the case after its first unit and are ignored as the scan
    // ignores a repeated warning.
    if (auto r = step("warnings", "id", true, {"id"}, {}); !r) return r.error();
    auto unit_summary = nlohmann::json::parse(db.info("summary"), nullptr, false);
    if (unit_summary.is_object()) {
      for (auto& [k, v] : unit_summary.items()) {
        if (v.is_number_unsigned() || v.is_number_integer())
          summary[k] = summary.value(k, std::uint64_t{0}) + v.get<std::uint64_t>();
      }
    }
    if (db.info("verification_ran") == "1") {
      pipeline::VerificationOutcome v;
      v.ran = true;
      v.md5 = db.info("verified_md5");
      v.sha1 = db.info("verified_sha1");
      v.sha256 = db.info("verified_sha256");
      v.result = db.info("verification");
      v.chunk_check = db.info("chunk_check");
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v2(from,
                             "SELECT mark_damaged, provenance, code, message FROM "
                             "unit_verification ORDER BY seq",
                             -1, &s, nullptr) != SQLITE_OK)
        return sql_error(from, "unit store");
      while (sqlite3_step(s) == SQLITE_ROW) {
        const auto col = [s](int i) {
          const auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
          return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i)))
                   : std::string();
        };
        v.actions.push_back({sqlite3_column_int(s, 0) != 0, {col(1), col(2), col(3)}});
      }
      sqlite3_finalize(s);
      auto warnings = pipeline::apply_verification(v, store, evidence_id, *run_id);
      if (!warnings) return warnings.error();
      summary["warnings"] = summary.value("warnings", std::uint64_t{0}) + *warnings;
    }
    items_merged += n_items;
    if (auto r = store.audit(
            *run_id, case_store::now_utc(), "unit-merged",
            fmt::format("{{\"plan\":\"{}\",\"unit\":{},\"kind\":\"{}\",\"evidence_id\":{},"
                        "\"items\":{},\"store\":{}}}",
                        plan["id"].get<std::string>(), u.id, u.plan_unit["kind"].get<std::string>(),
                        evidence_id, n_items, nlohmann::json(u.path).dump()));
        !r)
      return r.error();
  }
  // The run's summary, in the units' transaction: a merge that dies after it commits is finished
  // by the next merge from this record (finish_merge needs nothing else of the units).
  return store.audit(*run_id, case_store::now_utc(), "units-merged",
                     fmt::format("{{\"plan\":\"{}\",\"summary\":{}}}",
                                 plan["id"].get<std::string>(), summary.dump()));
}

// After the units' transaction, as the scan does after its last evidence item: the thumbnail
// links over the whole case (their own transaction), then the run's end. Both may run again (the
// links are replaced, the run's end rewritten), so a merge that did not record `merge-finished`
// is finished by the next one.
Result<void> finish_merge(case_store::CaseStore& store, std::int64_t run_id,
                          const nlohmann::json& summary) {
  auto links = pipeline::link_thumbnails(store);
  if (!links) return links.error();
  if (auto r = store.begin_batch(); !r) return r;
  if (auto r =
          store.audit(run_id, case_store::now_utc(), "thumbnails-linked",
                      fmt::format("{{\"cache_entries\":{},\"entries_linked\":{},\"index_items\":{},"
                                  "\"links\":{}}}",
                                  links->cache_entries, links->entries_linked, links->index_items,
                                  links->links));
      !r)
    return r;
  const std::string summary_text = summary.dump();
  const std::string status =
      summary.value("warnings", std::uint64_t{0}) > 0 ? "complete-with-warnings" : "complete";
  if (auto r = store.end_run(run_id, status, case_store::now_utc(), summary_text); !r) return r;
  if (auto r = store.audit(run_id, case_store::now_utc(), "merge-finished", summary_text); !r)
    return r;
  return store.commit_batch();
}

int merge_into_case_dir(const MergeOptions& opt) {
  const std::string dir = std::filesystem::absolute(opt.case_dir).lexically_normal().string();
  const std::string plan_path = opt.plan.empty() ? dir + "/" + kPlanFile : opt.plan;
  auto plan = load_plan(plan_path);
  if (!plan) return fatal(plan.error().message);
  for (const auto& ev : (*plan)["evidence"]) {
    if (auto r = check_evidence_unchanged(ev); !r) return fatal(r.error().message);
  }
  const std::string id = (*plan)["id"].get<std::string>();

  // Units already merged into this case (the audit log records each).
  std::set<int> merged;
  std::optional<std::pair<std::int64_t, nlohmann::json>> unfinished;  // run id, summary
  const bool exists = std::filesystem::exists(dir + "/" + case_store::kDatabaseName);
  if (exists) {
    UnitDb c;
    if (auto r = c.open(dir + "/" + case_store::kDatabaseName); !r) return fatal(r.error().message);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(c.get(), "SELECT details FROM audit WHERE action='unit-merged'", -1, &s,
                           nullptr) == SQLITE_OK) {
      while (sqlite3_step(s) == SQLITE_ROW) {
        const auto d = nlohmann::json::parse(
            reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), nullptr, false);
        if (d.is_object() && d.value("plan", "") == id) merged.insert(d.value("unit", -1));
      }
    }
    sqlite3_finalize(s);
    // This plan's merge run, when its units were committed but `merge-finished` is not recorded.
    s = nullptr;
    if (sqlite3_prepare_v2(c.get(),
                           "SELECT u.run_id, u.details FROM audit u WHERE u.action='units-merged' "
                           "AND NOT EXISTS (SELECT 1 FROM audit f WHERE f.run_id = u.run_id AND "
                           "f.action='merge-finished')",
                           -1, &s, nullptr) == SQLITE_OK) {
      while (sqlite3_step(s) == SQLITE_ROW) {
        const auto d = nlohmann::json::parse(
            reinterpret_cast<const char*>(sqlite3_column_text(s, 1)), nullptr, false);
        if (d.is_object() && d.value("plan", "") == id && d.contains("summary"))
          unfinished.emplace(sqlite3_column_int64(s, 0), d["summary"]);
      }
    }
    sqlite3_finalize(s);
  }
  const auto& plan_units = (*plan)["units"];
  if (merged.size() == plan_units.size() && unfinished) {
    // The units' transaction committed, but the merge ended before its last steps (the thumbnail
    // links, the run's end, `merge-finished`): they run now, and nothing is merged twice.
    auto store = case_store::CaseStore::open(dir, true);
    if (!store) return fatal("case " + dir + ": " + store.error().message);
    if (auto r = finish_merge(**store, unfinished->first, unfinished->second); !r)
      return fatal("the units are merged into " + dir +
                   ", but the thumbnail links or the run's end could not be recorded (run vigil "
                   "merge again): " +
                   r.error().message);
    if (!opt.quiet)
      std::cerr << fmt::format(
          "all {} units of plan {} were already merged into {}; the merge's last steps (thumbnail "
          "links, the run's end) had not finished and are now recorded\n",
          plan_units.size(), id.substr(0, 12), dir);
    return kExitOk;
  }
  if (merged.size() == plan_units.size()) {
    if (!opt.quiet)
      std::cerr << fmt::format(
          "all {} units of plan {} are already merged into {}; nothing changed\n",
          plan_units.size(), id.substr(0, 12), dir);
    return kExitOk;
  }
  if (!merged.empty())
    return fatal(
        fmt::format("{} holds only part of plan {} ({} of {} units): the case store was "
                    "changed outside vigil merge",
                    dir, id.substr(0, 12), merged.size(), plan_units.size()));

  // Every unit must have finished and belong to this plan: all are checked, all problems named.
  std::vector<Unit> units;
  std::vector<std::string> problems;
  std::string settings0, sets0;
  for (const auto& pu : plan_units) {
    Unit u;
    u.id = pu["id"].get<int>();
    u.plan_unit = pu;
    const std::string store_dir = unit_store_dir(dir, u.id);
    u.path = store_dir + "/" + case_store::kDatabaseName;
    if (!std::filesystem::exists(u.path)) {
      problems.push_back(fmt::format(
          "unit {} has not finished{} (run: vigil scan --plan {} --unit {})", u.id,
          std::filesystem::exists(unit_partial_dir(dir, u.id)) ? " (a partial store is left)" : "",
          plan_path, u.id));
      continue;
    }
    u.db = std::make_unique<UnitDb>();
    if (auto r = u.db->open(u.path); !r) {
      problems.push_back(r.error().message);
      continue;
    }
    if (units.empty()) {
      settings0 = u.db->info("settings");
      sets0 = u.db->text(
          "SELECT group_concat(identity, ',') FROM (SELECT identity FROM hash_sets ORDER BY id)");
    }
    if (auto p = check_unit(u, *plan, settings0, sets0); !p.empty()) {
      problems.push_back(p);
      continue;
    }
    units.push_back(std::move(u));
  }
  if (!problems.empty()) {
    std::string msg =
        fmt::format("cannot merge plan {} into {}; nothing was merged:", id.substr(0, 12), dir);
    for (const auto& p : problems) msg += "\n  " + p;
    return fatal(msg);
  }

  auto store = case_store::CaseStore::open(dir, true);
  if (!store) return fatal("case " + dir + ": " + store.error().message);
  if (auto r = (*store)->begin_batch(); !r) return fatal("case " + dir + ": " + r.error().message);
  std::uint64_t items = 0;
  std::int64_t run_id = 0;
  nlohmann::json summary;
  if (auto r = merge_units(**store, units, *plan, command_line(), items, run_id, summary); !r) {
    sqlite3_exec((*store)->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    return fatal("merge into " + dir + " failed, nothing was merged: " + r.error().message);
  }
  if (auto r = (*store)->commit_batch(); !r) {
    sqlite3_exec((*store)->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    return fatal("merge into " + dir + " failed, nothing was merged: " + r.error().message);
  }
  if (auto r = finish_merge(**store, run_id, summary); !r) {
    sqlite3_exec((*store)->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    return fatal("the units are merged into " + dir +
                 ", but the thumbnail links or the run's end could not be recorded (run vigil "
                 "merge again to record them): " +
                 r.error().message);
  }
  if (!opt.quiet)
    std::cerr << fmt::format("merged {} units of plan {} into {}: {} items\n", units.size(),
                             id.substr(0, 12), dir, items);
  return kExitOk;
}

// With --store, the case folder's store is the merge's working store, as without it; the merged
// case is then published into the shared PostgreSQL case in one transaction. A merge that
// finds its units merged already publishes what is not published yet, so a merge whose
// publishing failed (the server went away) completes when run again.
int run_merge(const MergeOptions& opt) {
  const int rc = merge_into_case_dir(opt);
  if (opt.store.empty() || rc != kExitOk) return rc;
  auto published = case_store::pg::publish(opt.store, opt.case_dir);
  if (!published)
    return fatal(published.error().message +
                 "; nothing of this merge is in the PostgreSQL case (the transaction was rolled "
                 "back); the merged case is kept in " +
                 opt.case_dir + ": run the same merge again to publish it");
  if (!opt.quiet)
    std::cerr << fmt::format(
        "{} into PostgreSQL case {} ({} rows, {:.2f} s)\n",
        published->already_published ? "already published, nothing changed" : "published",
        published->case_name, published->rows, published->seconds);
  return kExitOk;
}

}  // namespace

void register_merge(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand(
      "merge", "Fold the finished unit stores of a plan into the case store (one transaction)");
  auto opt = std::make_shared<MergeOptions>();
  sub->add_option("--case", opt->case_dir, "Case folder holding plan.json and units/")->required();
  sub->add_option("--plan", opt->plan, "The plan (default: DIR/plan.json)");
  sub->add_option("--store", opt->store,
                  "postgresql://... : then publish the merged case into this shared case store "
                  "in one transaction (the case: the URI's ?case=NAME, else the folder's name)")
      ->check([](const std::string& v) {
        return case_store::pg::is_uri(v) ? std::string() : "a postgresql:// URI is expected";
      });
  sub->add_flag("-q,--quiet", opt->quiet, "No summary");
  sub->callback([opt, &action] { action = [opt] { return run_merge(*opt); }; });
}

}  // namespace vigil::cli
