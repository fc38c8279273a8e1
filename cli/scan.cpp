// vigil scan EVIDENCE... --case DIR: walk every entry of every volume, find media by content,
// digest every item in one read, and record everything in the case store. Resumable.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <tuple>

#include "commands.hpp"
#include "progress.hpp"
#include "scan_supervisor.hpp"
#include "units.hpp"
#include "vigil/case/case_store.hpp"
#include "vigil/case/pg_store.hpp"
#include "vigil/core/byte_size.hpp"
#include "vigil/core/text.hpp"
#include "vigil/extract/registry.hpp"
#include "vigil/pipeline/analysers.hpp"
#include "vigil/pipeline/containment.hpp"
#include "vigil/pipeline/media_module.hpp"
#include "vigil/pipeline/scan.hpp"
#include "vigil/pipeline/thumbnail_links.hpp"
#include "vigil/version.hpp"

namespace vigil::cli {
namespace {

struct ScanOptions {
  std::vector<std::string> evidence;
  std::string case_dir;
  std::string store;  // postgresql://...: the shared case the finished scan publishes into
  int threads = 0;
  std::string digests = "media";
  std::string max_memory = "1G";
  bool verify = false;
  bool no_verify = false;
  bool quiet = false;
  bool in_process = false;  // hidden: no worker process (to measure what the supervisor costs)
  std::vector<std::string> hash_sets;
  bool no_perceptual = false;
  bool no_reuse = false;  // hidden: for bench/extract, which measures what reuse saves
  std::string pdq_pipeline = "canonical";
  int pdq_threshold = 31;
  int pdq_min_quality = 50;
  double vpdq_fraction = 0.8;
  std::uint64_t max_pixels = 100'000'000;
  std::string extractors = "all";
  pipeline::ExtractionLimits limits;
  std::string max_child_bytes = "256M";
  std::string max_total_bytes = "16G";
  // Carving of unallocated space, unpartitioned space and slack (issue 14).
  bool no_carve = false;
  bool no_carve_slack = false;
  std::uint64_t carve_max_items = pipeline::CarvingSettings{}.max_items;
  double carve_max_seconds = pipeline::CarvingSettings{}.max_seconds;
  std::vector<std::string> carve_max_bytes;  // FORMAT=SIZE
  double walk_stall_limit = 300;             // seconds; scan_supervisor.hpp
  std::vector<std::string> argv;
  pipeline::UnitScope* unit = nullptr;  // vigil scan --plan --unit (cli/units.cpp)
};

std::string json_array(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, lossy_utf8(v[i]));
  }
  return out + "]";
}

// Exit status of a scan stopped by SIGINT or SIGTERM: 128 + SIGINT, as a shell reports Ctrl-C.
constexpr int kExitInterrupted = 130;

extern "C" void on_stop_signal(int /*sig*/) { pipeline::request_stop(); }

// SIGINT/SIGTERM end the scan cleanly (pipeline::request_stop). SA_RESETHAND: a second Ctrl-C
// kills the process at once, as a user who presses it twice expects; the case store's
// transactions keep what was committed either way.
void trap_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int scan_into_case_dir(const ScanOptions& opt) {
  pipeline::ScanSettings settings;
  settings.threads = opt.threads;
  settings.digests =
      opt.digests == "all" ? pipeline::DigestPolicy::kAll : pipeline::DigestPolicy::kMedia;
  settings.verify = opt.no_verify ? pipeline::VerifyMode::kOff
                    : opt.verify  ? pipeline::VerifyMode::kAlways
                                  : pipeline::VerifyMode::kStored;
  auto mem = parse_byte_size(opt.max_memory);
  if (!mem) return fatal("--max-memory " + mem.error().message);
  if (*mem < (16ULL << 20)) return fatal("--max-memory: at least 16M is needed");
  settings.max_memory = *mem;

  pipeline::AnalysisSettings analysis;
  analysis.perceptual = !opt.no_perceptual;
  const auto pipe = phash::parse_pdq_pipeline(opt.pdq_pipeline);
  if (!pipe) return fatal("--pdq-pipeline: unknown pipeline " + opt.pdq_pipeline);
  analysis.pdq_pipeline = *pipe;
  analysis.pdq_threshold = opt.pdq_threshold;
  analysis.pdq_min_quality = opt.pdq_min_quality;
  analysis.vpdq_fraction = opt.vpdq_fraction;
  analysis.max_pixels = opt.max_pixels;
  auto extractors = extract::Registry::builtin().select(opt.extractors);
  if (!extractors) return fatal("--extractors: " + extractors.error().message);
  settings.extraction.extractors = *extractors;
  settings.extraction.limits = opt.limits;
  // Children's records past the first few hundred wait in the case folder, which the examiner
  // chose with room for the case (unlinked files: nothing is left behind).
  settings.extraction.spool_dir = opt.case_dir;
  for (const auto& [name, text, field] :
       {std::tuple{"--max-child-bytes", &opt.max_child_bytes,
                   &settings.extraction.limits.max_child_bytes},
        std::tuple{"--max-total-bytes", &opt.max_total_bytes,
                   &settings.extraction.limits.max_total_bytes}}) {
    auto bytes = parse_byte_size(*text);
    if (!bytes) return fatal(std::string(name) + " " + bytes.error().message);
    *field = *bytes;
  }

  settings.carving.enabled = !opt.no_carve;
  settings.carving.slack = !opt.no_carve_slack;
  settings.carving.max_items = opt.carve_max_items;
  settings.carving.max_seconds = opt.carve_max_seconds;
  for (const auto& spec : opt.carve_max_bytes) {
    const auto eq = spec.find('=');
    const auto fmt_name = spec.substr(0, eq);
    const auto it =
        std::find(pipeline::kCarveFormats.begin(), pipeline::kCarveFormats.end(), fmt_name);
    if (eq == std::string::npos || it == pipeline::kCarveFormats.end())
      return fatal("--carve-max-bytes " + spec +
                   ": expected FORMAT=SIZE with FORMAT one of jpeg, png, gif, bmp, webp");
    auto bytes = parse_byte_size(spec.substr(eq + 1));
    if (!bytes) return fatal("--carve-max-bytes " + bytes.error().message);
    if (*bytes < 64) return fatal("--carve-max-bytes " + spec + ": at least 64 bytes");
    settings.carving.max_bytes[static_cast<std::size_t>(it - pipeline::kCarveFormats.begin())] =
        *bytes;
  }

  // The media module (about 0.02 s of one core to load its libraries) loads on a thread beside
  // the walk: scan_evidence begins it, in the worker (the supervisor never loads it: it must not
  // fork() while a thread loads, and waiting for the module before the fork put its load on every
  // scan's critical path).
  settings.begin_media_load = true;
  auto store = case_store::CaseStore::open(opt.case_dir, true);
  if (!store) return fatal("case " + opt.case_dir + ": " + store.error().message);
  // Held until this command ends, by its worker processes too (scan_supervisor.hpp).
  auto scan_lock = case_store::ScanLock::acquire(opt.case_dir);
  if (!scan_lock) return fatal("case " + opt.case_dir + ": " + scan_lock.error().message);
  // With both locks held no other process writes a run: one still "running" was killed (or
  // stopped by a full disk) and is closed here, so that no report shows it as in progress.
  auto unfinished = (*store)->close_unfinished_runs(case_store::now_utc());
  if (!unfinished) return fatal("case " + opt.case_dir + ": " + unfinished.error().message);
  if (!opt.quiet) {
    for (const auto id : *unfinished)
      std::cerr << fmt::format(
          "vigil: run {} of this case never finished (killed or stopped); "
          "recorded as interrupted\n",
          id);
  }
  std::shared_ptr<pipeline::OpenSets> sets;
  if (!opt.hash_sets.empty()) {
    auto opened = pipeline::open_hash_sets(opt.hash_sets, **store);
    if (!opened) return fatal(opened.error().message);
    sets = std::move(*opened);
    settings.list_digests = pipeline::holds_file_digests(*sets);
  }
  // The same bytes are decoded once per case: results of earlier runs seed the reuse.
  if (!opt.no_reuse) analysis.reuse = std::make_shared<pipeline::PerceptualCache>();
  if (analysis.perceptual && analysis.reuse) {
    if (auto r = analysis.reuse->seed(**store,
                                      std::string(phash::pdq_pipeline_name(analysis.pdq_pipeline)));
        !r)
      return fatal("case " + opt.case_dir + ": " + r.error().message);
  }
  // Every effective setting, canonical (keys sorted), for the run record and the report.
  auto settings_doc = nlohmann::json::parse(settings.to_json());
  settings_doc["analysis"] = nlohmann::json::parse(analysis.to_json());
  if (!analysis.reuse) settings_doc["analysis"]["reuse"] = false;
  settings_doc["hash_sets"] = opt.hash_sets;
  settings_doc["extraction"] = nlohmann::json::parse(settings.extraction.limits.to_json());
  settings_doc["extractors"] = nlohmann::json::parse(settings.extraction.extractors_json());
  settings_doc["carving"] = nlohmann::json::parse(settings.carving.to_json());
  // The worker's memory limit as scan_supervisor.cpp sets it, so that the record says what bound
  // the scan really ran under (--max-memory above is the budget of the items kept in memory).
  const std::uint64_t worker_limit =
      effective_worker_memory_limit(worker_memory_limit(settings.max_memory, opt.threads));
  if (opt.in_process) {
    settings_doc["worker_memory_limit"] = "in-process: no worker process, no memory limit";
  } else if (pipeline::kSanitizerBuild) {
    settings_doc["worker_memory_limit"] =
        "off under sanitizers: RLIMIT_DATA is not set (they reserve terabytes of address space)";
  } else {
    settings_doc["worker_memory_limit"] = worker_limit;
  }
  if (opt.in_process)
    settings_doc["walk_stall_limit"] = "in-process: no worker process, no stall limit";
  else
    settings_doc["walk_stall_limit"] = opt.walk_stall_limit;
  const std::string settings_json = settings_doc.dump();
  const auto started = std::chrono::steady_clock::now();
  case_store::RunRecord run{case_store::now_utc(),
                            kVersion,
                            kGitCommit,
                            pipeline::library_versions_json(),
                            pipeline::host_description(),
                            json_array(opt.argv),
                            settings_json};
  auto run_id = (*store)->begin_run(run);
  if (!run_id) return fatal("case " + opt.case_dir + ": " + run_id.error().message);
  if (auto r = (*store)->audit(*run_id, run.started_utc, "scan-started", run.command_line); !r)
    return fatal("case " + opt.case_dir + ": " + r.error().message);
  for (const auto* e : settings.extraction.extractors) {
    if (auto r =
            (*store)->add_run_extractor(*run_id, std::string(e->name()), std::string(e->version()));
        !r)
      return fatal("case " + opt.case_dir + ": " + r.error().message);
  }

  // From here the scan runs in a worker process under a memory limit; this process waits,
  // quarantines what a worker died on and starts another (scan_supervisor.hpp).
  if (!opt.in_process) {
    (*store).reset();  // the worker opens its own connection (SQLite's are not shared by fork)
    const auto sup = supervise_scan(
        {opt.case_dir, opt.evidence, *run_id, worker_limit, opt.walk_stall_limit, opt.quiet});
    if (!sup.worker) return sup.exit_status;
    // A module that cannot be loaded ends the worker at the first item to analyse (one message,
    // exit 2); the supervisor then records the run as failed.
    store = case_store::CaseStore::open(opt.case_dir, true);
    if (!store) return fatal("case " + opt.case_dir + ": " + store.error().message);
    settings.containment = sup.containment;
  }

  const std::vector<pipeline::Analyser> analysers{pipeline::media_analyser(analysis, sets)};
  pipeline::ScanStats total;
  Progress progress(opt.quiet);
  trap_stop_signals();
  for (const auto& path : opt.evidence) {
    if (pipeline::stop_requested()) break;
    auto stats = pipeline::scan_evidence(
        path, **store, *run_id, settings, analysers,
        [&](const pipeline::ScanStats& s) {
          progress.update(total.bytes_read + s.bytes_read, total.bytes_total + s.bytes_total,
                          total.items_recorded + s.items_recorded);
        },
        opt.unit);
    if (!stats) {
      progress.finish();
      (void)(*store)->end_run(*run_id, "failed", case_store::now_utc(), "{}");
      (void)(*store)->audit(*run_id, case_store::now_utc(), "scan-failed",
                            stats.error().describe());
      return fatal(path + ": " + stats.error().describe());
    }
    total.entries += stats->entries;
    total.items_recorded += stats->items_recorded;
    total.items_resumed += stats->items_resumed;
    total.media += stats->media;
    total.bytes_read += stats->bytes_read;
    total.bytes_total += stats->bytes_total;
    total.warnings += stats->warnings;
    total.item_errors += stats->item_errors;
    total.children += stats->children;
    total.carved += stats->carved;
    total.carve_bytes += stats->carve_bytes;
    total.carved_deleted_content += stats->carved_deleted_content;
  }
  progress.finish();
  const bool interrupted = pipeline::stop_requested();
  // Thumbnail links (issue 13): once every evidence is stored, so that a thumbnail cache and the
  // Windows Search index naming its ids join whatever order they were found in; run again on
  // resume, with the same result (lib/pipeline thumbnail_links.hpp).
  if (!interrupted) {
    auto links = pipeline::link_thumbnails(**store);
    if (!links) return fatal("case " + opt.case_dir + ": " + links.error().message);
    if (auto r = (*store)->audit(
            *run_id, case_store::now_utc(), "thumbnails-linked",
            fmt::format("{{\"cache_entries\":{},\"entries_linked\":{},\"index_items\":{},"
                        "\"links\":{}}}",
                        links->cache_entries, links->entries_linked, links->index_items,
                        links->links));
        !r)
      return fatal("case " + opt.case_dir + ": " + r.error().message);
    if (!opt.quiet && links->links > 0)
      std::cerr << fmt::format(
          "{} thumbnail cache entr{} linked to the original file in a "
          "Windows Search index\n",
          links->entries_linked, links->entries_linked == 1 ? "y" : "ies");
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string summary = fmt::format(
      "{{\"bytes_read\":{},\"carve_bytes\":{},\"carved\":{},\"carved_deleted_content\":{},"
      "\"children\":{},\"entries\":{},"
      "\"item_errors\":{},\"items_recorded\":{},\"items_resumed\":{},\"media\":{},"
      "\"warnings\":{}}}",
      total.bytes_read, total.carve_bytes, total.carved, total.carved_deleted_content,
      total.children, total.entries, total.item_errors, total.items_recorded, total.items_resumed,
      total.media, total.warnings);
  const std::string status = interrupted          ? "interrupted"
                             : total.warnings > 0 ? "complete-with-warnings"
                                                  : "complete";
  if (!opt.quiet && analysis.reuse && analysis.reuse->reused() > 0) {
    std::cerr << fmt::format(
        "perceptual results reused for {} item{} with bytes already decoded ({} decoded)\n",
        analysis.reuse->reused(), analysis.reuse->reused() == 1 ? "" : "s",
        analysis.reuse->computed());
  }
  if (auto r = (*store)->end_run(*run_id, status, case_store::now_utc(), summary); !r)
    return fatal("case " + opt.case_dir + ": " + r.error().message);
  if (auto r = (*store)->audit(*run_id, case_store::now_utc(),
                               interrupted ? "scan-interrupted" : "scan-finished", summary);
      !r)
    return fatal("case " + opt.case_dir + ": " + r.error().message);
  if (interrupted) {
    std::cerr << fmt::format(
        "vigil: scan interrupted: {} items recorded in this run are committed; run the same "
        "command again to resume\n",
        total.items_recorded);
    return kExitInterrupted;
  }
  if (!opt.quiet) {
    std::cerr << fmt::format(
        "scanned {} evidence item{}: {} entries ({} recorded, {} already in the case), {} items "
        "inside items, {} carved from {} of unallocated space and slack, {} media, {} read, {} "
        "warning{}, {} item error{}, {:.1f} s\n",
        opt.evidence.size(), opt.evidence.size() == 1 ? "" : "s", total.entries,
        total.items_recorded, total.items_resumed, total.children, total.carved,
        human_bytes(static_cast<double>(total.carve_bytes)), total.media,
        human_bytes(static_cast<double>(total.bytes_read)), total.warnings,
        total.warnings == 1 ? "" : "s", total.item_errors, total.item_errors == 1 ? "" : "s", secs);
  }
  return total.warnings > 0 ? kExitItemErrors : kExitOk;
}

// Every option that is a setting of the scan (recorded in the run settings; a plan keeps them
// for its units). Not EVIDENCE, --case, --quiet, --plan or --unit.
void add_settings(CLI::App* sub, const std::shared_ptr<ScanOptions>& opt) {
  sub->add_option("-j,--threads", opt->threads, "Worker threads (default: every core)")
      ->check(CLI::Range(0, 1024));
  sub->add_option("--digests", opt->digests,
                  "Which items get MD5/SHA-1/SHA-256 besides XXH3-128: media or all")
      ->check(CLI::IsMember({"media", "all"}));
  sub->add_option("--max-memory", opt->max_memory,
                  "Bytes in flight across all workers, e.g. 512M or 2G (default 1G)");
  auto* verify_flag = sub->add_flag(
      "--verify", opt->verify,
      "Verify any image, even one that stores no hashes (computed hashes are recorded); E01 "
      "evidence is verified by default");
  sub->add_flag("--no-verify", opt->no_verify,
                "Do not verify the evidence (by default an E01's stored hashes and every chunk's "
                "checksum are checked beside the scan, and items read from damaged chunks are "
                "marked)")
      ->excludes(verify_flag);
  sub->add_option("--hashset", opt->hash_sets,
                  "A compiled known list (vigil hashset import) to match against (repeatable)")
      ->allow_extra_args(false);
  sub->add_flag("--no-perceptual", opt->no_perceptual, "Skip PDQ and pHash of pictures");
  // Hidden (no group): decode every copy again. Only bench/extract uses it, to measure what the
  // reuse of perceptual results by content saves; the run settings record it.
  sub->add_flag("--no-perceptual-reuse", opt->no_reuse, "")->group("");
  sub->add_option("--pdq-pipeline", opt->pdq_pipeline,
                  "PDQ pipeline: canonical (full resolution) or cli512 (reference tool's resize)")
      ->check(CLI::IsMember({"canonical", "cli512"}));
  sub->add_option("--pdq-threshold", opt->pdq_threshold,
                  "Largest PDQ Hamming distance that is a near match (default 31)")
      ->check(CLI::Range(0, 128));
  sub->add_option("--pdq-min-quality", opt->pdq_min_quality,
                  "PDQ quality below which a hash is not compared, on either side (default 50)")
      ->check(CLI::Range(0, 100));
  sub->add_option("--vpdq-fraction", opt->vpdq_fraction,
                  "Share of a video's keyframes that must match a listed video's frames for a "
                  "near match (default 0.8)")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--max-pixels", opt->max_pixels,
                  "Pictures declaring more pixels are not decoded (a warning; default 100000000)")
      ->check(decimal_at_most(kMaxPixelsAccepted));
  sub->add_option("--extractors", opt->extractors,
                  "Extractors to run on every item, comma-separated (vigil list extractors), "
                  "\"all\" (default) or \"none\"");
  sub->add_option("--max-depth", opt->limits.max_depth,
                  "Deepest nesting of items inside items that is extracted (default 8)")
      ->check(CLI::Range(0, 1000));
  sub->add_option("--max-children", opt->limits.max_children,
                  "Most children one item may hold; the rest is a limit warning (default "
                  "1000000)")
      ->check(decimal_at_most(1ULL << 40));
  sub->add_option("--max-ratio", opt->limits.max_ratio,
                  "Most bytes an item's children may hold per byte of the item (default 1000)")
      ->check(CLI::Range(0.0, 1e12));
  sub->add_option("--max-child-bytes", opt->max_child_bytes,
                  "Largest child kept in memory; a larger one is cut, partial (default 256M)");
  sub->add_option("--max-total-bytes", opt->max_total_bytes,
                  "Most bytes of all items inside one file-system entry (default 16G)");
  sub->add_flag("--no-carve", opt->no_carve,
                "Do not carve pictures out of unallocated space, unpartitioned space and slack");
  sub->add_flag("--no-carve-slack", opt->no_carve_slack,
                "Carve unallocated and unpartitioned space, but not the slack of files");
  sub->add_option("--carve-max-items", opt->carve_max_items,
                  "Most pictures carved per volume (default 100000)")
      ->check(decimal_at_most(1ULL << 40));
  sub->add_option("--carve-max-seconds", opt->carve_max_seconds,
                  "Most seconds of carving per volume, 0 for no limit (default 3600)")
      ->check(CLI::Range(0.0, 1e9));
  sub->add_option("--walk-stall-limit", opt->walk_stall_limit,
                  "Seconds a volume's walk may go without listing an entry or reading the image "
                  "before it is stopped as stuck and the volume quarantined; 0 for no limit "
                  "(default 300)")
      ->check(CLI::Range(0.0, 1e9));
  sub->add_option("--carve-max-bytes", opt->carve_max_bytes,
                  "Largest carve of one format, FORMAT=SIZE (jpeg, png, gif, bmp, webp; "
                  "defaults 64M, 64M, 32M, 256M, 32M; repeatable)")
      ->allow_extra_args(false);
}

}  // namespace

std::function<std::vector<std::string>()> add_scan_setting_options(CLI::App* sub) {
  const auto before = sub->get_options().size();
  // The options write into these settings while the command line is parsed, after this returns:
  // the returned function keeps them alive (a temporary here was freed before the parse wrote to
  // it, a heap-use-after-free that AddressSanitizer found in e2e_scale).
  auto settings = std::make_shared<ScanOptions>();
  add_settings(sub, settings);
  std::vector<const CLI::Option*> added;
  for (std::size_t i = before; i < sub->get_options().size(); ++i)
    added.push_back(sub->get_options()[i]);
  // The settings as given, in registration order (whatever order the user typed them in), so
  // that the same settings always give the same list.
  return [added, settings] {
    std::vector<std::string> args;
    for (const auto* o : added) {
      if (o->count() == 0) continue;
      const std::string name = "--" + o->get_single_name();
      if (o->get_type_size_max() == 0) {
        for (std::size_t i = 0; i < o->count(); ++i) args.push_back(name);
        continue;
      }
      for (const auto& v : o->results()) {
        args.push_back(name);
        args.push_back(v);
      }
    }
    return args;
  };
}

int run_scan_unit(const std::vector<std::string>& settings_args, const std::string& evidence,
                  const std::string& case_dir, bool quiet, pipeline::UnitScope& scope) {
  CLI::App app{"vigil scan (a unit of a plan)"};
  auto opt = std::make_shared<ScanOptions>();
  add_settings(&app, opt);
  std::vector<std::string> args(settings_args.rbegin(), settings_args.rend());
  try {
    app.parse(args);  // (CLI11 takes a reversed vector)
  } catch (const CLI::ParseError& e) {
    return fatal(std::string("the plan's scan settings do not parse: ") + e.what());
  }
  opt->evidence = {evidence};
  opt->case_dir = case_dir;
  opt->quiet = quiet;
  opt->argv = command_line();
  opt->unit = &scope;
  return scan_into_case_dir(*opt);
}

// With --store, the case folder stays the scan's working store; when the scan has finished it
// publishes its rows into the shared PostgreSQL case in one transaction (an interrupted or
// failed scan publishes nothing).
int run_scan(const ScanOptions& opt) {
  const int rc = scan_into_case_dir(opt);
  if (opt.store.empty() || (rc != kExitOk && rc != kExitItemErrors)) return rc;
  auto published = case_store::pg::publish(opt.store, opt.case_dir);
  if (!published)
    return fatal(published.error().message + "; the scan is kept in " + opt.case_dir +
                 ": run the same command again to publish it");
  if (!opt.quiet)
    std::cerr << fmt::format("{} into PostgreSQL case {} ({} rows, {:.2f} s)\n",
                             published->already_published ? "already published" : "published",
                             published->case_name, published->rows, published->seconds);
  return rc;
}

void register_scan(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand(
      "scan", "Walk, digest and record every item of the evidence in a case store (resumable)");
  auto opt = std::make_shared<ScanOptions>();
  auto* evidence = sub->add_option("EVIDENCE", opt->evidence,
                                   "Evidence items (images or folders); required without --plan");
  auto* case_dir =
      sub->add_option("--case", opt->case_dir,
                      "Case folder (created if new; added to if not); required without --plan");
  auto unit = std::make_shared<std::pair<std::string, int>>("", -1);
  auto* plan = sub->add_option("--plan", unit->first,
                               "Run one work unit of this plan (vigil plan) into its unit store; "
                               "the evidence, case and settings are the plan's")
                   ->excludes(evidence)
                   ->excludes(case_dir);
  sub->add_option("--unit", unit->second, "The unit of --plan to run (0, 1, ...)")
      ->check(CLI::Range(0, 1 << 30))
      ->needs(plan);
  const auto first_setting = sub->get_options().size();
  add_settings(sub, opt);
  const auto end_setting = sub->get_options().size();
  auto* store = sub->add_option(
      "--store", opt->store,
      "postgresql://... : when finished, publish the scan into this shared case store "
      "(the case: the URI's ?case=NAME, else the case folder's name)");
  store->excludes(plan);
  sub->add_flag("-q,--quiet", opt->quiet, "No progress bar and no summary");
  // Hidden (no group): the scan runs in this process, with no worker, no memory limit and no
  // crash containment. Only for measuring what the supervisor costs (docs/ARCHITECTURE.md).
  sub->add_flag("--in-process", opt->in_process, "")->group("");
  sub->callback([opt, &action, sub, unit, first_setting, end_setting] {
    opt->argv = command_line();
    if (!unit->first.empty()) {
      if (unit->second < 0) throw CLI::RequiredError("--unit (with --plan)");
      for (auto i = first_setting; i < end_setting; ++i) {
        if (sub->get_options()[i]->count() > 0)
          throw CLI::ValidationError(sub->get_options()[i]->get_name(),
                                     "the settings of a unit are its plan's");
      }
      action = [unit, quiet = opt->quiet] {
        return run_plan_unit(unit->first, unit->second, quiet);
      };
      return;
    }
    if (opt->evidence.empty()) throw CLI::RequiredError("EVIDENCE");
    if (opt->case_dir.empty()) throw CLI::RequiredError("--case");
    if (!opt->store.empty() && !case_store::pg::is_uri(opt->store))
      throw CLI::ValidationError("--store", "a postgresql:// URI is expected");
    action = [opt] { return run_scan(*opt); };
  });
}

}  // namespace vigil::cli
