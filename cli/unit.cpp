// vigil scan --plan PLAN --unit K: runs one work unit of a plan into its own unit store,
// DIR/units/K (a case store holding only this unit's rows, plus what the merge checks).
//
// The unit is written in DIR/units/K.partial, which is removed first: a unit killed at any
// moment, or run again, starts afresh, so the same unit always gives the same store. Only a
// unit that finished is renamed to DIR/units/K, which is what vigil merge takes.
#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "units.hpp"
#include "vigil/case/case_store.hpp"
#include "vigil/pipeline/scan.hpp"
#include "vigil/version.hpp"

namespace vigil::cli {
namespace {

// The unit's own tables in its store (never in a case store): unit_info (key, value) and the
// verification's outcome, in order.
constexpr const char* kUnitTables = R"sql(
CREATE TABLE unit_info(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE unit_verification(
  seq INTEGER PRIMARY KEY, mark_damaged INTEGER NOT NULL, provenance BLOB NOT NULL,
  code TEXT NOT NULL, message BLOB NOT NULL);
)sql";

Result<void> write_unit_info(sqlite3* db,
                             const std::vector<std::pair<std::string, std::string>>& kv,
                             const pipeline::VerificationOutcome& v) {
  const auto fail = [db](const std::string& what) {
    return make_error(ErrorCode::kIo, what + ": " + sqlite3_errmsg(db));
  };
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return fail("unit store");
  if (sqlite3_exec(db, kUnitTables, nullptr, nullptr, nullptr) != SQLITE_OK)
    return fail("cannot add the unit's tables");
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, "INSERT INTO unit_info(key, value) VALUES(?1, ?2)", -1, &s, nullptr) !=
      SQLITE_OK)
    return fail("unit store");
  for (const auto& [k, val] : kv) {
    sqlite3_bind_text(s, 1, k.data(), static_cast<int>(k.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, val.data(), static_cast<int>(val.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE) {
      sqlite3_finalize(s);
      return fail("cannot record the unit");
    }
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO unit_verification(seq, mark_damaged, provenance, code, "
                         "message) VALUES(?1, ?2, ?3, ?4, ?5)",
                         -1, &s, nullptr) != SQLITE_OK)
    return fail("unit store");
  std::int64_t seq = 0;
  for (const auto& a : v.actions) {
    sqlite3_bind_int64(s, 1, seq++);
    sqlite3_bind_int(s, 2, a.mark_damaged ? 1 : 0);
    sqlite3_bind_blob(s, 3, a.warning.provenance.data(),
                      static_cast<int>(a.warning.provenance.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, a.warning.code.data(), static_cast<int>(a.warning.code.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 5, a.warning.message.data(), static_cast<int>(a.warning.message.size()),
                      SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE) {
      sqlite3_finalize(s);
      return fail("cannot record the verification");
    }
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
    return fail("cannot commit the unit record");
  return {};
}

std::string run_column(sqlite3* db, const char* column) {
  std::string out;
  sqlite3_stmt* s = nullptr;
  const std::string sql = std::string("SELECT ") + column + " FROM runs ORDER BY id DESC LIMIT 1";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr)
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  return out;
}

}  // namespace

int run_plan_unit(const std::string& plan_path, int unit, bool quiet) {
  auto plan = load_plan(plan_path);
  if (!plan) return fatal(plan.error().message);
  const auto& units = (*plan)["units"];
  if (static_cast<std::size_t>(unit) >= units.size())
    return fatal(fmt::format("plan {} has units 0 to {}; there is no unit {}", plan_path,
                             units.size() - 1, unit));
  const auto& vig = (*plan)["vigil"];
  if (vig.value("version", "") != kVersion || vig.value("git_commit", "") != kGitCommit)
    return fatal(
        fmt::format("the plan was made by vigil {} ({}), this is vigil {} ({}): every "
                    "unit of a plan must run the same vigil",
                    vig.value("version", "?"), vig.value("git_commit", "?"), kVersion, kGitCommit));
  const auto& u = units[static_cast<std::size_t>(unit)];
  const auto& ev = (*plan)["evidence"][u["evidence"].get<std::size_t>()];
  if (auto r = check_evidence_unchanged(ev); !r) return fatal(r.error().message);

  const std::string dir = plan_case_dir(plan_path);
  const std::string partial = unit_partial_dir(dir, unit);
  const std::string done = unit_store_dir(dir, unit);
  std::error_code ec;
  std::filesystem::remove_all(partial, ec);
  if (ec) return fatal("cannot remove " + partial + ": " + ec.message());

  pipeline::UnitScope scope;
  scope.first_entry = u["first_entry"].get<std::uint64_t>();
  scope.end_entry = u["end_entry"].get<std::uint64_t>();
  scope.verify = u["verify"].get<bool>();
  scope.count_walk_warnings = u["count_walk_warnings"].get<bool>();
  scope.carve = u.value("carve", false);
  const int rc = run_scan_unit((*plan)["scan_args"].get<std::vector<std::string>>(),
                               ev["path"].get<std::string>(), partial, quiet, scope);
  // Under the scan's supervisor (cli/scan_supervisor.hpp) the scan ran in a forked worker, which
  // came back here and finished the unit; the supervisor only passes on its exit status.
  if (scope.walk_fingerprint.empty() && (rc == kExitOk || rc == kExitItemErrors)) return rc;
  if (rc != kExitOk && rc != kExitItemErrors) {
    std::cerr << fmt::format(
        "vigil: unit {} did not finish (exit {}); nothing of it is merged; run it again with: "
        "vigil scan --plan {} --unit {}\n",
        unit, rc, plan_path, unit);
    return rc;
  }
  // The walk must be the plan's: the same entries in the same order.
  if (scope.walk_entries != ev["entries"].get<std::uint64_t>() ||
      scope.walk_fingerprint != ev["walk_fingerprint"].get<std::string>())
    return fatal(fmt::format(
        "evidence {} changed since it was planned: its listing now has {} entries (the plan has "
        "{}) or other metadata; make a new plan",
        ev["path"].get<std::string>(), scope.walk_entries, ev["entries"].get<std::uint64_t>()));

  {
    auto store = case_store::CaseStore::open(partial, false);
    if (!store) return fatal("unit store " + partial + ": " + store.error().message);
    sqlite3* db = (*store)->handle();
    const std::vector<std::pair<std::string, std::string>> info{
        {"plan_id", (*plan)["id"].get<std::string>()},
        {"unit", std::to_string(unit)},
        {"unit_json", u.dump()},
        {"scan_args", (*plan)["scan_args"].dump()},
        {"settings", run_column(db, "settings")},
        {"summary", run_column(db, "summary")},
        {"evidence_files", ev["files"].dump()},
        {"walk_entries", std::to_string(scope.walk_entries)},
        {"walk_fingerprint", scope.walk_fingerprint},
        {"vigil", std::string(kVersion) + " " + kGitCommit},
        {"verification_ran", scope.verification.ran ? "1" : "0"},
        {"verified_md5", scope.verification.md5},
        {"verified_sha1", scope.verification.sha1},
        {"verified_sha256", scope.verification.sha256},
        {"verification", scope.verification.result},
        {"chunk_check", scope.verification.chunk_check},
        {"finished", "1"}};
    if (auto r = write_unit_info(db, info, scope.verification); !r)
      return fatal("unit store " + partial + ": " + r.error().message);
  }
  // Finished: replace any earlier store of this unit in one rename.
  std::filesystem::remove_all(done, ec);
  if (!ec) std::filesystem::rename(partial, done, ec);
  if (ec) return fatal("cannot move " + partial + " to " + done + ": " + ec.message());
  if (!quiet)
    std::cerr << fmt::format("unit {} of plan {} finished: {}\n", unit,
                             (*plan)["id"].get<std::string>().substr(0, 12), done);
  return rc;
}

}  // namespace vigil::cli
