// Work units (issue 16): vigil plan writes a plan of units, vigil scan --plan --unit runs one
// into its own unit store (DIR/units/K), vigil merge folds the finished stores into the case.
// docs/ARCHITECTURE.md ("Beyond one machine") and docs/slurm.md describe the whole.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "vigil/core/result.hpp"

namespace vigil::pipeline {
struct UnitScope;
}

namespace vigil::cli {

// cli/scan.cpp: registers every scan setting on sub; after parsing, the returned function gives
// the settings that were set, as arguments in registration order.
std::function<std::vector<std::string>()> add_scan_setting_options(CLI::App* sub);
// cli/scan.cpp: runs the scan of one unit with the plan's settings into case_dir.
int run_scan_unit(const std::vector<std::string>& settings_args, const std::string& evidence,
                  const std::string& case_dir, bool quiet, pipeline::UnitScope& scope);

// cli/unit.cpp: vigil scan --plan PLAN --unit K.
int run_plan_unit(const std::string& plan_path, int unit, bool quiet);

inline constexpr const char* kPlanFormat = "vigil-plan/1";
inline constexpr const char* kPlanFile = "plan.json";

// The plan's id: SHA-256 of its canonical JSON without the "id" member.
std::string plan_id(const nlohmann::json& plan);
// Reads a plan and checks its format and id (a plan edited by hand is refused).
Result<nlohmann::json> load_plan(const std::string& path);
// The case folder of a plan: the folder that holds the plan file.
std::string plan_case_dir(const std::string& plan_path);
// The unit store folder of unit k (DIR/units/K) and the folder it is written in first.
std::string unit_store_dir(const std::string& case_dir, int unit);
std::string unit_partial_dir(const std::string& case_dir, int unit);
// Compares the evidence's files now with the plan's record of them: size and the hash of the
// first and last MiB. An Error says what changed.
Result<void> check_evidence_unchanged(const nlohmann::json& evidence);

}  // namespace vigil::cli
