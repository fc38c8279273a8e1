// vigil plan EVIDENCE... --case DIR [--units N] [--slurm]: splits a scan into deterministic work
// units (cli/units.hpp) and writes DIR/plan.json; with --slurm also a job array for the units and
// a merge-and-report job that waits for them (docs/slurm.md).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "progress.hpp"
#include "units.hpp"
#include "vigil/core/byte_size.hpp"
#include "vigil/pipeline/units.hpp"
#include "vigil/version.hpp"

namespace vigil::cli {
namespace {

struct PlanOptions {
  std::vector<std::string> evidence;
  std::string case_dir;
  int units = 0;
  bool slurm = false;
  int slurm_cpus = 2;
  std::string slurm_mem = "4G";
  std::string slurm_time = "24:00:00";
  int slurm_max_parallel = 0;
  std::string slurm_partition;
  std::string case_number;
  std::vector<std::string> exhibits;
  bool quiet = false;
  std::function<std::vector<std::string>()> settings;
};

// Work a unit costs: the bytes it reads, and a fixed share per entry for what every entry costs
// even without content (its row, its metadata).
constexpr std::uint64_t kEntryWeight = 4096;

struct Range {
  std::uint64_t first = 0, end = 0;
};

// Cuts [0, n) into k contiguous ranges of about equal weight; a cut moves to a volume boundary
// when one is within a tenth of a share, so that a unit is a whole volume where it can be.
std::vector<Range> split(const pipeline::EvidenceSurvey& s, int k) {
  const std::uint64_t n = s.content_bytes.size();
  std::vector<std::uint64_t> cum(n + 1, 0);
  for (std::uint64_t i = 0; i < n; ++i) cum[i + 1] = cum[i] + s.content_bytes[i] + kEntryWeight;
  const std::uint64_t total = cum[n];
  std::vector<std::uint64_t> bounds;
  for (const auto& v : s.volumes) bounds.push_back(v.first_entry);
  std::vector<std::uint64_t> cuts{0};
  for (int j = 1; j < k; ++j) {
    const std::uint64_t target =
        static_cast<std::uint64_t>(static_cast<long double>(total) * j / k);
    auto at =
        static_cast<std::uint64_t>(std::lower_bound(cum.begin(), cum.end(), target) - cum.begin());
    const std::uint64_t slack = total / static_cast<std::uint64_t>(k) / 10;
    for (const auto b : bounds) {
      const std::uint64_t w = cum[b];
      if (b > 0 && b < n && (w > target ? w - target : target - w) <= slack) at = b;
    }
    at = std::min(at, n);
    if (at > cuts.back() && at < n) cuts.push_back(at);
  }
  cuts.push_back(n);
  std::vector<Range> out;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) out.push_back({cuts[i], cuts[i + 1]});
  if (out.empty()) out.push_back({0, 0});
  return out;
}

// How many units each evidence item gets: at least one, the rest by weight.
std::vector<int> shares(const std::vector<pipeline::EvidenceSurvey>& ev, int units) {
  std::vector<long double> w;
  for (const auto& s : ev) {
    long double x = 0;
    for (const auto b : s.content_bytes) x += static_cast<long double>(b + kEntryWeight);
    w.push_back(x);
  }
  std::vector<int> k(ev.size(), 1);
  for (int left = units - static_cast<int>(ev.size()); left > 0; --left) {
    // The next unit goes to the evidence whose units are the heaviest.
    std::size_t best = ev.size();
    for (std::size_t i = 0; i < ev.size(); ++i) {
      if (static_cast<std::uint64_t>(k[i]) >= std::max<std::size_t>(1, ev[i].content_bytes.size()))
        continue;
      if (best == ev.size() || w[i] / k[i] > w[best] / k[best]) best = i;
    }
    if (best == ev.size()) break;
    ++k[best];
  }
  return k;
}

std::uint64_t bytes_of(const pipeline::EvidenceSurvey& s) {
  std::uint64_t n = 0;
  for (const auto b : s.content_bytes) n += b;
  return n;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string self_path() {
  std::error_code ec;
  const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("vigil") : p.string();
}

Result<void> write_file(const std::string& path, const std::string& text, bool executable) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return make_error(ErrorCode::kIo, "cannot write " + tmp);
  }
  std::error_code ec;
  if (executable)
    std::filesystem::permissions(tmp,
                                 std::filesystem::perms::owner_exec |
                                     std::filesystem::perms::group_exec |
                                     std::filesystem::perms::others_exec,
                                 std::filesystem::perm_options::add, ec);
  std::filesystem::rename(tmp, path, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot write " + path + ": " + ec.message());
  return {};
}

Result<void> write_slurm(const PlanOptions& opt, const std::string& dir,
                         const nlohmann::json& plan) {
  const std::string sdir = dir + "/slurm";
  std::error_code ec;
  std::filesystem::create_directories(sdir, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot create " + sdir + ": " + ec.message());
  const auto n = plan["units"].size();
  const int parallel = opt.slurm_max_parallel > 0 ? opt.slurm_max_parallel : static_cast<int>(n);
  const std::string id = plan["id"].get<std::string>().substr(0, 12);
  const std::string vigil = self_path();
  const std::string partition =
      opt.slurm_partition.empty() ? "" : "#SBATCH --partition=" + opt.slurm_partition + "\n";
  const std::string header = fmt::format(
      "# Written by vigil plan for plan {} ({} units) in {}.\n"
      "# The evidence and this case folder must be at the same paths on every node (a shared\n"
      "# file system, or staged there before the job starts): see docs/slurm.md.\n",
      plan["id"].get<std::string>(), n, dir);
  // A unit that finished with item warnings (exit 1) has a complete unit store; anything else is
  // a failure that keeps the merge from running (afterok).
  const std::string units = fmt::format(
      "#!/bin/bash\n{}"
      "#SBATCH --job-name=vigil-units-{}\n"
      "#SBATCH --array=0-{}%{}\n"
      "#SBATCH --cpus-per-task={}\n"
      "#SBATCH --mem={}\n"
      "#SBATCH --time={}\n"
      "#SBATCH --output={}/unit-%a.out\n"
      "{}"
      "VIGIL=${{VIGIL:-{}}}\n"
      "\"$VIGIL\" scan --plan {} --unit \"$SLURM_ARRAY_TASK_ID\" --quiet\n"
      "rc=$?\n"
      "if [ \"$rc\" -le 1 ]; then exit 0; fi\n"
      "echo \"vigil: unit $SLURM_ARRAY_TASK_ID failed (exit $rc); re-run it alone with: sbatch "
      "--array=$SLURM_ARRAY_TASK_ID $0\" >&2\n"
      "exit \"$rc\"\n",
      header, id, n - 1, std::max(1, parallel), opt.slurm_cpus, opt.slurm_mem, opt.slurm_time, sdir,
      partition, shell_quote(vigil), shell_quote(dir + "/" + kPlanFile));
  std::string report;
  if (!opt.case_number.empty() && !opt.exhibits.empty()) {
    report = fmt::format("\"$VIGIL\" report --case {} --out {} --case-number {}", shell_quote(dir),
                         shell_quote(dir + "/report"), shell_quote(opt.case_number));
    for (const auto& e : opt.exhibits) report += " --exhibit " + shell_quote(e);
    report += " --quiet\nrc=$?\nif [ \"$rc\" -gt 1 ]; then exit \"$rc\"; fi\n";
  } else {
    report = "# No report: give vigil plan --case-number and --exhibit to add one here.\n";
  }
  const std::string merge = fmt::format(
      "#!/bin/bash\n{}"
      "#SBATCH --job-name=vigil-merge-{}\n"
      "#SBATCH --cpus-per-task=1\n"
      "#SBATCH --mem={}\n"
      "#SBATCH --time={}\n"
      "#SBATCH --output={}/merge.out\n"
      "{}"
      "VIGIL=${{VIGIL:-{}}}\n"
      "\"$VIGIL\" merge --case {}\n"
      "rc=$?\n"
      "if [ \"$rc\" -gt 1 ]; then exit \"$rc\"; fi\n"
      "{}"
      "exit 0\n",
      header, id, opt.slurm_mem, opt.slurm_time, sdir, partition, shell_quote(vigil),
      shell_quote(dir), report);
  const std::string submit = fmt::format(
      "#!/bin/sh\n{}"
      "# Submits the units as a job array and the merge as a job that starts when every unit\n"
      "# has succeeded (afterok).\n"
      "set -eu\n"
      "units=$(sbatch --parsable {})\n"
      "units=${{units%%;*}}\n"
      "merge=$(sbatch --parsable --dependency=afterok:\"$units\" {})\n"
      "merge=${{merge%%;*}}\n"
      "echo \"units: job array $units; merge and report: job $merge (after every unit)\"\n",
      header, shell_quote(sdir + "/units.sbatch"), shell_quote(sdir + "/merge.sbatch"));
  if (auto r = write_file(sdir + "/units.sbatch", units, true); !r) return r;
  if (auto r = write_file(sdir + "/merge.sbatch", merge, true); !r) return r;
  return write_file(sdir + "/submit.sh", submit, true);
}

int run_plan(const PlanOptions& opt) {
  auto args = opt.settings();
  // What the units run is the plan's: a relative known-list path would name another file on
  // another node, or from another folder.
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--hashset")
      args[i + 1] = std::filesystem::absolute(args[i + 1]).lexically_normal().string();
  }
  pipeline::DigestPolicy digests = pipeline::DigestPolicy::kMedia;
  pipeline::VerifyMode verify = pipeline::VerifyMode::kStored;
  bool carve = true;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--digests" && i + 1 < args.size() && args[i + 1] == "all")
      digests = pipeline::DigestPolicy::kAll;
    if (args[i] == "--verify") verify = pipeline::VerifyMode::kAlways;
    if (args[i] == "--no-verify") verify = pipeline::VerifyMode::kOff;
    if (args[i] == "--no-carve") carve = false;
  }
  std::vector<pipeline::EvidenceSurvey> surveys;
  for (const auto& e : opt.evidence) {
    auto s = pipeline::survey_evidence(e, digests, verify);
    if (!s) return fatal(e + ": " + s.error().describe());
    surveys.push_back(std::move(*s));
  }
  const int wanted = opt.units > 0 ? opt.units : static_cast<int>(surveys.size());
  const auto k = shares(surveys, wanted);

  nlohmann::json plan;
  plan["format"] = kPlanFormat;
  plan["vigil"] = {{"version", kVersion}, {"git_commit", kGitCommit}};
  plan["scan_args"] = args;
  plan["units_requested"] = wanted;
  plan["evidence"] = nlohmann::json::array();
  plan["units"] = nlohmann::json::array();
  std::uint64_t total_bytes = 0;
  for (std::size_t i = 0; i < surveys.size(); ++i) {
    const auto& s = surveys[i];
    nlohmann::json ev{{"path", s.path},
                      {"name", s.name},
                      {"format", s.format},
                      {"size", s.size},
                      {"stored_md5", s.stored_md5},
                      {"entries", s.content_bytes.size()},
                      {"walk_fingerprint", s.walk_fingerprint},
                      {"verify", s.verify}};
    ev["files"] = nlohmann::json::array();
    for (const auto& f : s.files)
      ev["files"].push_back(
          {{"path", f.path}, {"size", f.size}, {"head_tail_sha256", f.head_tail_sha256}});
    ev["volumes"] = nlohmann::json::array();
    for (const auto& v : s.volumes)
      ev["volumes"].push_back(
          {{"index", v.index}, {"first_entry", v.first_entry}, {"entries", v.entries}});
    plan["evidence"].push_back(ev);
    const auto ranges = split(s, k[i]);
    for (std::size_t r = 0; r < ranges.size(); ++r) {
      const auto& range = ranges[r];
      std::uint64_t bytes = 0;
      for (auto e = range.first; e < range.end; ++e) bytes += s.content_bytes[e];
      std::string kind = ranges.size() == 1 ? "evidence" : "slice";
      nlohmann::json u{{"id", plan["units"].size()},
                       {"evidence", i},
                       {"first_entry", range.first},
                       {"end_entry", range.end},
                       {"entries", range.end - range.first},
                       {"bytes", bytes},
                       {"verify", false},
                       {"carve", false},
                       {"count_walk_warnings", r == 0}};
      for (const auto& v : s.volumes) {
        if (kind == "slice" && v.first_entry == range.first &&
            v.first_entry + v.entries == range.end) {
          kind = "volume";
          u["volume"] = v.index;
        }
      }
      u["kind"] = kind;
      total_bytes += bytes;
      plan["units"].push_back(u);
    }
    if (carve) {
      // Carving reads the space no file claims, after the entries: a unit of its own, merged
      // after the evidence's entries (as the scan stores carved items after them).
      plan["units"].push_back({{"id", plan["units"].size()},
                               {"kind", "carve"},
                               {"evidence", i},
                               {"first_entry", 0},
                               {"end_entry", 0},
                               {"entries", 0},
                               {"bytes", s.size > bytes_of(s) ? s.size - bytes_of(s) : 0},
                               {"verify", false},
                               {"carve", true},
                               {"count_walk_warnings", false}});
    }
    if (s.verify) {
      // Verification reads the whole image once: a unit of its own, merged after the
      // evidence's other units (it marks their items read from damaged chunks).
      plan["units"].push_back({{"id", plan["units"].size()},
                               {"kind", "verify"},
                               {"evidence", i},
                               {"first_entry", 0},
                               {"end_entry", 0},
                               {"entries", 0},
                               {"bytes", s.size},
                               {"verify", true},
                               {"carve", false},
                               {"count_walk_warnings", false}});
    }
  }
  plan["id"] = plan_id(plan);

  const std::string dir = std::filesystem::absolute(opt.case_dir).lexically_normal().string();
  std::error_code ec;
  std::filesystem::create_directories(dir + "/units", ec);
  if (ec) return fatal("cannot create " + dir + "/units: " + ec.message());
  std::string text;
  try {
    text = plan.dump(2) + "\n";
  } catch (const nlohmann::json::exception&) {
    return fatal(
        "an evidence path or name is not UTF-8 text, which a plan cannot hold; give "
        "the evidence by a UTF-8 path");
  }
  if (std::filesystem::exists(dir + "/" + kPlanFile)) {
    auto old = load_plan(dir + "/" + kPlanFile);
    if (old && (*old)["id"] == plan["id"]) {
      if (!opt.quiet) std::cerr << "the plan in " << dir << " is already this plan\n";
    } else if (std::filesystem::exists(dir + "/units") &&
               !std::filesystem::is_empty(dir + "/units")) {
      return fatal(dir +
                   " already holds another plan with unit stores; plan into a new case "
                   "folder, or merge that plan first and remove " +
                   dir + "/units");
    }
  }
  if (auto r = write_file(dir + "/" + kPlanFile, text, false); !r) return fatal(r.error().message);
  if (opt.slurm) {
    if (auto r = write_slurm(opt, dir, plan); !r) return fatal(r.error().message);
  }
  if (!opt.quiet) {
    std::cerr << fmt::format("plan {} in {}/{}: {} evidence item{}, {} unit{}, {} to read\n",
                             plan["id"].get<std::string>().substr(0, 12), dir, kPlanFile,
                             surveys.size(), surveys.size() == 1 ? "" : "s", plan["units"].size(),
                             plan["units"].size() == 1 ? "" : "s",
                             human_bytes(static_cast<double>(total_bytes)));
    for (const auto& u : plan["units"])
      std::cerr << fmt::format(
          "  unit {}: {} {} entries [{}, {}), {}\n", u["id"].get<int>(),
          u["kind"].get<std::string>(),
          plan["evidence"][u["evidence"].get<std::size_t>()]["name"].get<std::string>(),
          u["first_entry"].get<std::uint64_t>(), u["end_entry"].get<std::uint64_t>(),
          human_bytes(static_cast<double>(u["bytes"].get<std::uint64_t>())));
    if (opt.slurm) std::cerr << "submit with: " << dir << "/slurm/submit.sh\n";
  }
  std::cout << dir << "/" << kPlanFile << "\n";
  return kExitOk;
}

}  // namespace

void register_plan(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand(
      "plan", "Split a scan into work units that run apart (vigil scan --plan --unit) and merge");
  auto opt = std::make_shared<PlanOptions>();
  sub->add_option("EVIDENCE", opt->evidence, "Evidence items (images or folders)")->required();
  sub->add_option("--case", opt->case_dir, "Case folder: the plan, the unit stores, the case")
      ->required();
  sub->add_option("--units", opt->units,
                  "Work units to make (default: one per evidence item); a large file system is "
                  "split by entry ranges, at volume boundaries where it can be")
      ->check(CLI::Range(1, 100000));
  sub->add_flag("--slurm", opt->slurm,
                "Also write DIR/slurm/: a job array for the units, a merge-and-report job after "
                "them (afterok) and submit.sh");
  sub->add_option("--slurm-cpus", opt->slurm_cpus, "CPUs per unit (default 2)")
      ->check(CLI::Range(1, 4096));
  sub->add_option("--slurm-mem", opt->slurm_mem, "Memory per unit and for the merge (default 4G)");
  sub->add_option("--slurm-time", opt->slurm_time,
                  "Time limit per unit and for the merge (default 24:00:00)");
  sub->add_option("--slurm-max-parallel", opt->slurm_max_parallel,
                  "Units running at once (the %M of --array; default: all)")
      ->check(CLI::Range(1, 100000));
  sub->add_option("--slurm-partition", opt->slurm_partition, "Slurm partition");
  sub->add_option("--case-number", opt->case_number,
                  "For the Slurm merge job's report: the case number");
  sub->add_option("--exhibit", opt->exhibits,
                  "For the Slurm merge job's report: an exhibit id (repeatable)")
      ->allow_extra_args(false);
  opt->settings = add_scan_setting_options(sub);
  sub->add_flag("-q,--quiet", opt->quiet, "No summary");
  sub->callback([opt, &action] { action = [opt] { return run_plan(*opt); }; });
}

}  // namespace vigil::cli
