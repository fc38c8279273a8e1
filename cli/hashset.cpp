// vigil hashset import|info|lookup|export: bring known lists in, compile them into a set folder,
// query and export them. Exit 0 done; 1 done with rejected lines (each listed); 2 fatal. lookup
// answers as grep(1) does: 0 when something is listed, 1 when nothing is, 2 on errors.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "vigil/core/byte_size.hpp"
#include "vigil/core/text.hpp"
#include "vigil/hashset/export.hpp"
#include "vigil/hashset/hash_set.hpp"
#include "vigil/hashset/import.hpp"

namespace vigil::cli {
namespace {

namespace hs = vigil::hashset;

constexpr int kExitNothingListed = 1;  // lookup: grep(1)'s "no line was selected"

struct ImportArgs {
  std::vector<std::string> files;
  std::string out, format, name, version, publisher, profile, status = "known", imported_at;
  std::vector<std::string> map;
  int min_quality = 50;
  std::size_t memory_mb = 1024;
};

int run_import(const ImportArgs& a) {
  hs::ImportOptions opt;
  if (!a.format.empty()) {
    opt.format = hs::format_from_name(a.format);
    if (!opt.format) return fatal("--format " + a.format + ": unknown list format");
  }
  opt.name = a.name;
  opt.version = a.version;
  opt.publisher = a.publisher;
  opt.imported_at = a.imported_at;
  opt.min_pdq_quality = a.min_quality;
  opt.build.memory_budget = a.memory_mb << 20;
  // --status alone also makes a custom profile (a list without categories, all alert, say).
  if (!a.profile.empty() || !a.map.empty() || a.status != "known") {
    const auto fallback = hs::status_from_name(a.status);
    if (!fallback) return fatal("--status " + a.status + ": expected alert, known or ignore");
    auto p = a.profile.empty() || a.profile == "custom" ? hs::StatusProfile::custom(*fallback)
                                                        : hs::StatusProfile::by_name(a.profile);
    if (!p) return fatal("--profile " + a.profile + ": expected vics-us, vics-uk, nsrl or custom");
    for (const auto& m : a.map) {
      const auto eq = m.rfind('=');
      const auto s =
          eq == std::string::npos ? std::nullopt : hs::status_from_name(m.substr(eq + 1));
      if (!s)
        return fatal("--map " + m +
                     ": expected RAW=alert|known|ignore (RAW may be null or absent)");
      const std::string raw = m.substr(0, eq);
      if (raw == "null")
        p->if_null = *s;
      else if (raw == "absent")
        p->if_absent = *s;
      else
        p->by_value[raw] = *s;
    }
    opt.profile = *p;
  }
  std::vector<std::filesystem::path> files(a.files.begin(), a.files.end());
  auto rep = hs::import_set(files, a.out, opt);
  if (!rep) return fatal("import failed, nothing written: " + rep.error().message);
  const auto& info = rep->info;
  for (const auto& s : info.sources)
    std::cout << fmt::format("{}: {} ({}), {} records, {} rejected, sha256 {}\n", printable(s.path),
                             s.format, s.detail, s.records, s.rejected, s.sha256);
  for (const auto& r : rep->rejections)
    std::cerr << fmt::format("vigil: {}:{}: rejected: {}\n", printable(info.sources[r.source].path),
                             r.line, printable(r.reason));
  if (rep->rejected > rep->rejections.size())
    std::cerr << fmt::format("vigil: ... {} more rejected lines, all listed in {}/rejected.tsv\n",
                             rep->rejected - rep->rejections.size(), a.out);
  std::cout << fmt::format("set {} version {} ({}): {} records, profile {}, set id {}{}\n",
                           info.name, info.version, a.out, info.records, info.profile.name,
                           info.set_id, rep->replaced ? " (replaced the previous version)" : "");
  return rep->rejected > 0 ? kExitItemErrors : kExitOk;
}

int run_info(const std::string& path, bool json) {
  auto set = hs::HashSet::open(path);
  if (!set) return fatal(set.error().describe());
  if (json) {
    std::ifstream in(std::filesystem::path(path) / "set.json", std::ios::binary);
    std::cout << in.rdbuf();
    return kExitOk;
  }
  const auto& i = set->info();
  std::cout << fmt::format(
      "name:        {}\nversion:     {}\npublisher:   {}\nimported at: {}\nset id:      {}\n",
      i.name, i.version, i.publisher, i.imported_at, i.set_id);
  std::cout << fmt::format(
      "profile:     {} (category scheme {}; null -> {}, absent -> {}, other -> {})\n",
      i.profile.name, i.profile.category_scheme, hs::status_name(i.profile.if_null),
      hs::status_name(i.profile.if_absent), hs::status_name(i.profile.otherwise));
  for (const auto& [raw, s] : i.profile.by_value)
    std::cout << fmt::format("             category {} -> {}\n", raw, hs::status_name(s));
  std::cout << fmt::format("records:     {} ({} rejected at import)\n", i.records, i.rejected);
  for (hs::Algorithm a : hs::kAlgorithms)
    std::cout << fmt::format("{:<12} {} distinct\n", std::string(hs::algorithm_name(a)) + ":",
                             set->digest_count(a));
  std::cout << fmt::format("pdq:         {} hashes (min quality {})\n", set->pdq_index().size(),
                           i.min_pdq_quality);
  for (const auto& s : i.sources)
    std::cout << fmt::format(
        "source:      {} [{}; {}] {} bytes sha256 {}: {} records, {} rejected\n", printable(s.path),
        s.format, s.detail, s.size, s.sha256, s.records, s.rejected);
  return kExitOk;
}

std::string describe(const hs::HashSet& set, std::uint32_t id) {
  auto r = set.record(id);
  if (!r) return "record " + std::to_string(id) + ": " + r.error().message;
  std::string s =
      fmt::format("{}\t{}\trecord {}\t{}\tcategory={}", set.info().name, set.info().version, id,
                  hs::status_name(r->status), printable(r->category.describe()));
  if (!r->file_name.empty()) s += "\tname=" + printable(r->file_name);
  if (r->pdq_quality >= 0) s += fmt::format("\tquality={}", r->pdq_quality);
  if (!r->photodna.empty()) s += "\tphotodna=yes";
  s += fmt::format("\tsource={}:{}", printable(set.info().sources.at(r->source).path),
                   r->source_line);
  return s;
}

int run_lookup(const std::string& path, const std::vector<std::string>& digests,
               const std::vector<std::string>& pdqs, int threshold) {
  auto set = hs::HashSet::open(path);
  if (!set) return fatal(set.error().describe());
  if (threshold < 0 || threshold > hs::PdqIndex::kMaxThreshold)
    return fatal(
        fmt::format("--threshold {}: expected 0..{}", threshold, hs::PdqIndex::kMaxThreshold));
  if (digests.empty() && pdqs.empty()) return fatal("lookup: give a DIGEST or --pdq HASH");
  // Every query is checked before anything is printed, so an error never follows half an answer.
  for (const auto& d : digests)
    if (!hs::Digest::from_hex(d))
      return fatal(printable(d) +
                   ": not an MD5, SHA-1 or SHA-256 digest (32, 40 or 64 hex digits)");
  for (const auto& p : pdqs)
    if (!Hash256::from_hex(p)) return fatal(printable(p) + ": not a PDQ hash (64 hex digits)");
  bool listed = false;
  std::vector<std::uint32_t> ids;
  for (const auto& d : digests) {
    const auto digest = hs::Digest::from_hex(d);
    ids.clear();
    set->find(*digest, ids);
    listed |= !ids.empty();
    if (ids.empty())
      std::cout << fmt::format("{}\t{}\tnot listed\n", digest->to_hex(),
                               hs::algorithm_name(digest->algorithm));
    for (auto id : ids)
      std::cout << fmt::format("{}\t{}\tmatch\t{}\n", digest->to_hex(),
                               hs::algorithm_name(digest->algorithm), describe(*set, id));
  }
  for (const auto& p : pdqs) {
    const auto q = Hash256::from_hex(p);
    const auto hits = set->find_near(*q, threshold);
    listed |= !hits.empty();
    if (hits.empty())
      std::cout << fmt::format("{}\tpdq\tno near match within {}\n", q->to_hex(), threshold);
    for (const auto& h : hits)
      std::cout << fmt::format("{}\tpdq\tnear match\tdistance={}\tthreshold={}\t{}\n", q->to_hex(),
                               h.distance, threshold, describe(*set, set->pdq_record(h.index)));
  }
  return listed ? kExitOk : kExitNothingListed;
}

int run_export(const std::string& path, const std::string& format, const std::string& out_path) {
  auto set = hs::HashSet::open(path);
  if (!set) return fatal(set.error().describe());
  auto f = hs::export_format_from_name(format);
  if (!f)
    return fatal("--format " + format + ": expected vics2, hashdeep, md5sum, sha1sum or sha256sum");
  if (out_path.empty() || out_path == "-") {
    auto rep = hs::export_set(*set, *f, std::cout);
    if (!rep) return fatal(rep.error().describe());
    std::cerr << fmt::format("vigil: exported {} records, skipped {} the format cannot carry\n",
                             rep->written, rep->skipped);
    return kExitOk;
  }
  // Written beside the target, then renamed: a reader never sees half a list.
  const std::string tmp = out_path + ".tmp";
  Result<hs::ExportReport> rep = hs::ExportReport{};
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return fatal(tmp + ": cannot create");
    rep = hs::export_set(*set, *f, out);
    out.close();
    if (rep && !out) rep = make_error(ErrorCode::kIo, tmp + ": write failed");
  }
  if (!rep || std::rename(tmp.c_str(), out_path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return fatal(rep ? out_path + ": rename failed" : rep.error().describe());
  }
  std::cerr << fmt::format("vigil: exported {} records to {}, skipped {} the format cannot carry\n",
                           rep->written, out_path, rep->skipped);
  return kExitOk;
}

}  // namespace

void register_hashset(CLI::App& app, Action& action) {
  auto* sub =
      app.add_subcommand("hashset", "Import, inspect, query and export known lists (hash sets)");
  sub->require_subcommand(1);

  auto ia = std::make_shared<ImportArgs>();
  auto* imp = sub->add_subcommand(
      "import", "Compile list files into a set folder (replaces an older version atomically)");
  imp->add_option("FILE", ia->files,
                  "List files (VICS JSON, NSRL RDSv3/RDS2, hashdeep, md5sum, ...)")
      ->required();
  imp->add_option("--out", ia->out, "Set folder to create or replace")->required();
  imp->add_option("--format", ia->format,
                  "Force a format: vics, rdsv3, rds2, nsrl-prod, hashdeep, "
                  "md5sum|sha1sum|sha256sum, hashkeeper, "
                  "icse, plain, pdq, vpdq, tsk-idx, hashlookup");
  imp->add_option("--name", ia->name, "Set name (default: first file's name)");
  imp->add_option("--version", ia->version,
                  "Set version / release (default: the RDS version, else 1)");
  imp->add_option("--publisher", ia->publisher, "Publisher of the list");
  imp->add_option("--profile", ia->profile,
                  "Status profile: vics-us, vics-uk, nsrl, custom (default from the format)");
  imp->add_option("--status", ia->status,
                  "Custom profile: status of every category not mapped (alert|known|ignore)");
  imp->add_option("--map", ia->map,
                  "Map a raw category to a status: RAW=alert|known|ignore (repeatable)");
  imp->add_option("--min-quality", ia->min_quality,
                  "Reject PDQ hashes of lower quality (default 50)");
  imp->add_option("--imported-at", ia->imported_at,
                  "Pin the import time (ISO-8601 UTC) for reproducible sets");
  // Shifted into bytes: a count of MiB that would wrap is refused (decimal_at_most), never wrapped.
  imp->add_option("--memory-mb", ia->memory_mb, "Memory for sorting one partition (default 1024)")
      ->check(decimal_at_most(kMaxByteSize >> 20));
  imp->callback([ia, &action] { action = [ia] { return run_import(*ia); }; });

  auto info_set = std::make_shared<std::string>();
  auto info_json = std::make_shared<bool>(false);
  auto* info = sub->add_subcommand("info", "Show a set's identity, profile, sources and counts");
  info->add_option("SET", *info_set, "Set folder")->required();
  info->add_flag("--json", *info_json, "Print set.json");
  info->callback([=, &action] { action = [=] { return run_info(*info_set, *info_json); }; });

  struct LookupArgs {
    std::string set;
    std::vector<std::string> digests, pdq;
    int threshold = 31;
  };
  auto la = std::make_shared<LookupArgs>();
  auto* lookup = sub->add_subcommand(
      "lookup", "Every record that names a digest; PDQ near matches with --pdq");
  lookup->add_option("SET", la->set, "Set folder")->required();
  lookup->add_option("DIGEST", la->digests,
                     "MD5, SHA-1 or SHA-256 in hex (the length picks the algorithm)");
  lookup->add_option("--pdq", la->pdq,
                     "PDQ hash (64 hex) to search within --threshold (repeatable)");
  lookup->add_option(
      "--threshold", la->threshold,
      "Largest PDQ Hamming distance reported, 0..128 (default 31); exact at every value");
  lookup->callback([la, &action] {
    action = [la] { return run_lookup(la->set, la->digests, la->pdq, la->threshold); };
  });

  struct ExportArgs {
    std::string set, format, out;
  };
  auto ea = std::make_shared<ExportArgs>();
  auto* exp = sub->add_subcommand("export", "Write a set as a list");
  exp->add_option("SET", ea->set, "Set folder")->required();
  exp->add_option("--format", ea->format, "vics2, hashdeep, md5sum, sha1sum or sha256sum")
      ->required();
  exp->add_option("-o,--output", ea->out, "Output file (default: standard output)");
  exp->callback(
      [ea, &action] { action = [ea] { return run_export(ea->set, ea->format, ea->out); }; });
}

}  // namespace vigil::cli
