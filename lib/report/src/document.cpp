#include "document.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <ctime>
#include <map>
#include <set>

#include "vigil/core/text.hpp"
#include "vigil/report/accuracy.hpp"
#include "vigil/report/validation_record.hpp"

namespace vigil::report {
namespace {

std::string shown(std::string_view s) { return printable(s); }
std::string or_dash(const std::string& s) { return s.empty() ? "—" : s; }
std::string yes_no(bool b) { return b ? "yes" : "no"; }

// An ISO 8601 UTC time in the display zone, e.g. "2024-03-01 13:00:00.5 CET (+0100)". glibc's
// localtime_r through TZ is the only zone database in Debian 12's C++ toolchain (GCC 12 has no
// std::chrono::zoned_time); vigil report is single-threaded here, and TZ is restored.
std::string in_zone(const std::string& iso, const std::string& zone) {
  std::tm tm{};
  const char* rest = strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return {};
  std::string fraction;
  while (*rest != '\0' && *rest != 'Z') fraction += *rest++;
  const std::time_t t = timegm(&tm);
  const char* old = std::getenv("TZ");
  const std::string saved = old ? old : "";
  setenv("TZ", zone.c_str(), 1);
  tzset();
  std::tm local{};
  localtime_r(&t, &local);
  char buf[96];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
  char zbuf[48];
  const std::size_t zn = std::strftime(zbuf, sizeof zbuf, " %Z (%z)", &local);
  if (old)
    setenv("TZ", saved.c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
  return std::string(buf, n) + fraction + std::string(zbuf, zn);
}

std::string time_text(const TimeInfo& t, const std::string& zone) {
  if (t.value.empty()) return "not recorded by the file system";
  std::string s = t.value + " (UTC, precision " + t.precision + ")";
  if (!zone.empty()) {
    const std::string local = in_zone(t.value, zone);
    if (!local.empty()) s += "; " + zone + ": " + local;
  }
  return s;
}

// The tool-validation record of this build (docs/VALIDATION.md: every requirement, its test and
// the result for this version), by version and SHA-256 so that a reader can check the copy.
std::string validation_citation() {
  return std::string(kValidationRecord) + ", version " + std::string(kValidationVersion) +
         ", SHA-256 " + std::string(kValidationSha256);
}

std::string opt_int(int v) { return v < 0 ? "—" : std::to_string(v); }

// A JSON array of arguments as one shell-like line (for display; each argument quoted when it
// holds a space or a quote).
std::string command_text(const std::string& json) {
  const auto args = nlohmann::json::parse(json, nullptr, false);
  if (!args.is_array()) return shown(json);
  std::string out;
  for (const auto& a : args) {
    std::string s = a.is_string() ? a.get<std::string>() : a.dump();
    if (!out.empty()) out += ' ';
    if (s.empty() || s.find_first_of(" \t\n'\"\\$`") != std::string::npos) {
      std::string q = "'";
      for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += q + "'";
    } else {
      out += s;
    }
  }
  return shown(out);
}

// A flat JSON object as key/value pairs, in the store's order (canonical JSON is sorted).
std::vector<std::pair<std::string, std::string>> json_pairs(const std::string& json) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) {
    if (!json.empty()) out.emplace_back("(raw)", shown(json));
    return out;
  }
  for (const auto& [k, v] : j.items())
    out.emplace_back(shown(k), v.is_string() ? shown(v.get<std::string>()) : v.dump());
  return out;
}

class Builder {
 public:
  Block& add(Block::Kind k, std::string text = {}) {
    Block b;
    b.kind = k;
    b.text = std::move(text);
    doc.blocks.push_back(std::move(b));
    return doc.blocks.back();
  }
  void heading(const std::string& t) {
    add(Block::Kind::kHeading, std::to_string(++section_) + ". " + t);
  }
  void para(const std::string& t) { add(Block::Kind::kParagraph, t); }
  void alert(const std::string& t) { add(Block::Kind::kAlert, t); }
  Block& kv(std::vector<std::pair<std::string, std::string>> pairs) {
    auto& b = add(Block::Kind::kKeyValue);
    b.pairs = std::move(pairs);
    return b;
  }
  Block& table(std::vector<std::string> cols, std::vector<double> widths) {
    auto& b = add(Block::Kind::kTable);
    b.columns = std::move(cols);
    b.widths = std::move(widths);
    return b;
  }
  Document doc;

 private:
  int section_ = 0;
};

std::string set_label(const ReportData& d, std::int64_t id) {
  const auto* s = d.hash_set(id);
  if (s == nullptr) return "set " + std::to_string(id);
  return shown(s->name) + " (version " + shown(s->version) + ")";
}

// What each item status means, for the statuses vigil writes (lib/pipeline/src/scan.cpp).
std::string status_meaning(const std::string& status) {
  if (status == "ok")
    return "content read to its end and digested: XXH3-128 for every such item; MD5, SHA-1 and "
           "SHA-256 for pictures and videos, and for every item when the run used --digests all "
           "or a known list holding such digests";
  if (status == "error")
    return "content could not be read to its end: no digest recorded (see the warnings, section "
           "\"Limitations and exceptions\")";
  if (status == "damaged")
    return "content read, in part or whole, from chunks of the evidence that failed their "
           "checksum: no digest recorded (see \"Items read from damaged chunks\")";
  if (status == "not-read")
    return "no content of its own was read: folders, links and other entries without content, "
           "names whose metadata is gone, and the file systems' own files (NTFS $MFT and the "
           "like) unless the run used --digests all";
  return "see the warnings of these items (section \"Limitations and exceptions\")";
}

// The evidence's per-chunk checks (EWF), from the JSON the case store holds.
std::string chunk_check_text(const std::string& json) {
  if (json.empty())
    return "not checked (the format has no per-chunk checksums, or the scan ran "
           "with --no-verify)";
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return "unreadable record: " + shown(json);
  const auto num = [&j](const char* k) {
    return j.contains(k) && j[k].is_number_unsigned() ? j[k].get<std::uint64_t>() : 0;
  };
  const auto ranges = [&j](const char* k) {
    std::string out;
    if (!j.contains(k) || !j[k].is_array()) return out;
    for (const auto& r : j[k]) {
      if (!r.is_array() || r.size() != 2) continue;
      if (!out.empty()) out += ", ";
      out += r[0].dump() + "-" + r[1].dump();
    }
    return out;
  };
  std::string out = std::to_string(num("chunks")) + " chunks of " +
                    std::to_string(num("sectors_per_chunk")) + " sectors checked; ";
  if (num("damaged_chunks") == 0 &&
      !(j.contains("structure_error") && j["structure_error"].is_string()))
    return out + "every chunk passed its checksum";
  out += "DAMAGED: " + std::to_string(num("damaged_chunks")) + " chunk(s)";
  if (const auto c = ranges("checksum_errors"); !c.empty())
    out += "; checksum errors in sectors " + c;
  if (const auto u = ranges("unreadable"); !u.empty()) out += "; unreadable sectors " + u;
  if (j.contains("structure_error") && j["structure_error"].is_string())
    out += "; " + shown(j["structure_error"].get<std::string>());
  return out;
}

// The PDQ thresholds this case used: every run's setting and every stored near match's.
std::set<int> thresholds_used(const ReportData& d) {
  std::set<int> out;
  for (const auto& r : d.runs) {
    const auto j = nlohmann::json::parse(r.settings, nullptr, false);
    if (j.is_object() && j.contains("analysis") && j["analysis"].is_object() &&
        j["analysis"].contains("pdq_threshold") &&
        j["analysis"]["pdq_threshold"].is_number_integer())
      out.insert(j["analysis"]["pdq_threshold"].get<int>());
  }
  for (const auto& it : d.matched_items)
    for (const auto& mt : it.matches)
      if (mt.kind != "exact" && mt.threshold >= 0) out.insert(mt.threshold);
  return out;
}

// The known error rates beside the near matches: recall under each measured transformation and
// the false-match rate, from the accuracy document compiled into this build, stated for each
// threshold the case used and never extrapolated beyond what the measurements show.
void error_rates(Builder& b, const ReportData& d, bool video_matches) {
  const auto& f = measured_accuracy();
  b.add(Block::Kind::kSubheading, "Measured error rates of PDQ matching");
  if (!f.complete()) {
    b.alert("The measured error rates could not be read from " + f.source +
            " as compiled into this build: no error rate is cited.");
    return;
  }
  const auto used = thresholds_used(d);
  std::string used_text;
  for (const int t : used) used_text += (used_text.empty() ? "" : ", ") + std::to_string(t);
  b.para("Known error rates, from " + f.source + ", version " + f.version +
         " (compiled into this build of vigil). Measured: " + f.caption +
         ". The rates hold for those synthetic pictures and transformations; real photographs, "
         "heavy crops, collages and overlays are not measured. PDQ threshold(s) used in this "
         "case: " +
         (used_text.empty() ? std::string("none recorded") : used_text) + ".");
  const std::string measured = std::to_string(f.threshold);
  std::set<int> rates_at = used;
  rates_at.insert(f.threshold);
  for (const int t : rates_at) {
    const std::string ts = std::to_string(t);
    std::string line = "False-match rate at threshold " + ts + ": ";
    if (t == f.threshold) {
      line += std::to_string(f.false_variants) + " of " + std::to_string(f.pairs) +
              " pairs of distinct pictures (" + f.false_variants_rate +
              ") with the eight rotations and mirrors tried, as vigil scan matches; " +
              std::to_string(f.false_plain) + " (" + f.false_plain_rate +
              ") with the plain hash alone.";
    } else if (t < f.smallest_distance) {
      line += "0 of " + std::to_string(f.pairs) + " pairs of distinct pictures: no measured pair " +
              "was within " + ts + " (the smallest distance between two distinct pictures was " +
              std::to_string(f.smallest_distance) + "; measured at threshold " + measured + ").";
    } else {
      line += "not measured (measured at threshold " + measured +
              " only, and two distinct pictures were as close as " +
              std::to_string(f.smallest_distance) + ").";
    }
    if (used.count(t) == 0) line += " (The measured threshold; this case did not use it.)";
    b.para(line);
  }
  std::vector<std::string> cols{"Transformation", "Recall at threshold " + measured + " (measured)",
                                "Plain hash only", "Mean distance", "Largest distance"};
  std::vector<int> other;
  for (const int t : used)
    if (t != f.threshold) other.push_back(t);
  for (const int t : other) cols.push_back("Recall at threshold " + std::to_string(t));
  std::vector<double> widths{2.2, 1.5, 1, 0.9, 0.9};
  widths.resize(cols.size(), 1.3);
  auto& t = b.table(std::move(cols), std::move(widths));
  for (const auto& r : f.rows) {
    std::vector<std::string> row{r.transform, r.near_rate, r.plain_rate, r.mean_distance,
                                 std::to_string(r.max_distance)};
    for (const int th : other) {
      if (th >= r.max_distance && r.below_quality == 0)
        row.push_back(std::to_string(r.total) + "/" + std::to_string(r.total) +
                      " (every measured distance is within " + std::to_string(th) + ")");
      else if (th > f.threshold)
        row.push_back("at least " + r.near_rate);
      else
        row.push_back("not measured");
    }
    t.rows.push_back(std::move(row));
  }
  if (video_matches)
    b.para(
        "These rates are for single pictures. Video (vPDQ) near matches compare keyframes with the "
        "same PDQ threshold; the accuracy of whole-video matching is not measured there.");
}

}  // namespace

Document build_document(const ReportData& d, const MachineManifest& machine) {
  Builder b;
  const auto& m = d.meta;
  std::string exhibits;
  for (const auto& e : m.exhibits) exhibits += (exhibits.empty() ? "" : ", ") + shown(e);
  b.doc.title = "Media triage report";
  b.doc.report_id = m.report_id;
  b.doc.running_header =
      "Case " + shown(m.case_number) + " · Exhibit " + exhibits + " · Report " + m.report_id;
  b.doc.source_verified = d.source_verified();
  if (!d.source_verified())
    b.doc.banners.push_back(
        "SOURCE NOT VERIFIED: the acquisition hashes of the evidence were "
        "not verified");
  if (!d.runs_complete())
    b.doc.banners.push_back("INCOMPLETE: a scan run of this case did not finish");
  if (!d.audit.chain_ok) b.doc.banners.push_back("AUDIT LOG ALTERED: " + d.audit.chain_message);

  // --- cover ---
  b.add(Block::Kind::kTitle, "Media triage report");
  b.kv({{"Report id", m.report_id},
        {"Case number", shown(m.case_number)},
        {"Exhibit(s)", exhibits},
        {"Examiner", or_dash(shown(m.examiner)) +
                         (m.examiner_id.empty() ? "" : " (id " + shown(m.examiner_id) + ")")},
        {"Agency / laboratory", or_dash(shown(m.agency))},
        {"Requested by", or_dash(shown(m.requester))},
        {"Authority", or_dash(shown(m.authority))},
        {"Report time", m.report_time + " (UTC)"},
        {"Display time zone",
         m.display_tz.empty() ? "none: every time is UTC" : m.display_tz + ", shown beside UTC"},
        {"Evidence verification", d.source_verified()
                                      ? "verified (stored and computed acquisition hashes agree)"
                                      : "SOURCE NOT VERIFIED"},
        {"Produced by", "vigil " + m.tool_version + " (git " + m.tool_commit + ")"},
        {"Validation record", validation_citation()},
        {"Report libraries", or_dash(m.report_libraries)}});
  if (!d.case_info.empty()) {
    std::vector<std::pair<std::string, std::string>> info;
    for (const auto& [k, v] : d.case_info) info.emplace_back(shown(k), shown(v));
    b.add(Block::Kind::kSubheading, "Case information recorded in the case store");
    b.kv(std::move(info));
  }
  auto& cover_hash = b.kv({{"Machine outputs manifest", machine.manifest_file},
                           {"SHA-256 of " + machine.manifest_file, machine.manifest_sha256}});
  cover_hash.monospace = true;
  b.para("What the cover hash covers: " + machine.manifest_file +
         " lists the SHA-256 of every machine-readable output of this report (JSON Lines, CSV, "
         "DFXML, CASE/UCO, VICS). The hash above is the SHA-256 of that file's bytes, so it "
         "fixes every one of those files. The human-readable reports (this document and its "
         "HTML/PDF twin) are covered by MANIFEST.sha256 beside them, which lists every file "
         "of the report and may be signed (MANIFEST.sha256.sig). `vigil report --verify` checks "
         "all of them.");
  b.para(
      "This report states measured facts: which items were found, their digests, and which "
      "digests are listed in the known lists named below. It does not say what any item "
      "depicts or whether any item is unlawful; that is for the examiner (section "
      "\"Examiner's conclusions\"). Exact and near (perceptual) matches are reported in "
      "separate sections; every near match requires examiner review. " +
      std::string(m.thumbnails == "blurred"
                      ? "At the examiner's request (--thumbnails blurred), matched pictures are "
                        "shown as small, greyscale, heavily blurred thumbnails made in memory from "
                        "the evidence after checking its bytes against the recorded SHA-256; no "
                        "unblurred pixel is written anywhere."
                      : "No picture content of any matched item is reproduced in this report."));

  // --- evidence ---
  b.heading("Evidence and its verification");
  if (!d.source_verified())
    b.alert(
        "SOURCE NOT VERIFIED. At least one evidence item's acquisition hashes were not "
        "verified before processing (or verification failed). Results below describe the "
        "image as read, which may differ from the original acquisition.");
  for (const auto& e : d.evidence) {
    b.add(Block::Kind::kSubheading, "Evidence " + std::to_string(e.id) + ": " + shown(e.name));
    auto& t =
        b.kv({{"Path", shown(e.path)},
              {"Format", e.format},
              {"Size (bytes)", std::to_string(e.size)},
              {"Segments", shown(e.segments)},
              {"Stored MD5 (in the image)", or_dash(e.stored_md5)},
              {"Computed MD5", or_dash(e.verified_md5)},
              {"Stored SHA-1 (in the image)", or_dash(e.stored_sha1)},
              {"Computed SHA-1", or_dash(e.verified_sha1)},
              {"Computed SHA-256", or_dash(e.verified_sha256)},
              {"Chunk checks", chunk_check_text(e.chunk_check)},
              {"Result", e.verification.empty() ? "SOURCE NOT VERIFIED (not checked)"
                         : e.verified()         ? "verified"
                                        : "SOURCE NOT VERIFIED (" + shown(e.verification) + ")"}});
    t.monospace = true;
    std::vector<std::vector<std::string>> vols;
    for (const auto& v : d.volumes)
      if (v.evidence_id == e.id)
        vols.push_back({std::to_string(v.index), v.scheme, v.kind, v.fs_type,
                        std::to_string(v.offset), std::to_string(v.length), shown(v.description)});
    if (!vols.empty()) {
      auto& vt = b.table({"#", "Scheme", "Kind", "File system", "Offset", "Length", "Description"},
                         {0.5, 1, 1.2, 1, 1.3, 1.3, 2.2});
      vt.rows = std::move(vols);
    }
  }

  // --- tool, runs, settings ---
  b.heading("Tool, runs and settings");
  b.para(
      "Every scan run recorded in the case, with the exact tool build, its libraries, the "
      "host, the full command line and every effective setting (defaults included).");
  for (const auto& r : d.runs) {
    b.add(Block::Kind::kSubheading, "Run " + std::to_string(r.id) + " (" + r.status + ")");
    std::vector<std::pair<std::string, std::string>> p{
        {"Tool", "vigil " + r.tool_version},
        {"Git commit", r.git_commit},
        {"Host", shown(r.host)},
        {"Started (UTC)", r.started_utc},
        {"Finished (UTC)", or_dash(r.finished_utc)},
        {"Status", r.status},
        {"Command line", command_text(r.command_line)}};
    for (auto& [k, v] : json_pairs(r.library_versions)) p.emplace_back("Library " + k, v);
    for (auto& [k, v] : json_pairs(r.settings)) p.emplace_back("Setting " + k, v);
    for (auto& [k, v] : json_pairs(r.summary)) p.emplace_back("Summary " + k, v);
    b.kv(std::move(p));
  }
  if (!d.run_extractors.empty()) {
    b.add(Block::Kind::kSubheading, "Extractors");
    b.para(
        "The extractors each run used to find items inside items, with their versions; their "
        "limits are the settings named extraction above.");
    b.table({"Run", "Extractor", "Version"}, {1, 2, 2}).rows = extractor_rows(d);
  }

  // --- known lists ---
  b.heading("Known lists used");
  if (d.hash_sets.empty()) {
    b.para("No known list was recorded in this case: no item was compared with any list.");
  }
  for (const auto& s : d.hash_sets) {
    b.add(Block::Kind::kSubheading, "Set " + std::to_string(s.id) + ": " + shown(s.name));
    std::vector<std::pair<std::string, std::string>> p{{"Name", shown(s.name)},
                                                       {"Version", shown(s.version)},
                                                       {"Publisher", or_dash(shown(s.publisher))},
                                                       {"Status profile", s.profile},
                                                       {"Imported (UTC)", s.imported_utc},
                                                       {"Identity", s.identity}};
    const auto sources = nlohmann::json::parse(s.sources, nullptr, false);
    if (sources.is_array()) {
      for (const auto& src : sources) {
        if (!src.is_object()) continue;
        std::string line;
        if (src.contains("file"))
          line +=
              shown(src["file"].is_string() ? src["file"].get<std::string>() : src["file"].dump());
        if (src.contains("sha256"))
          line += "  SHA-256 " + (src["sha256"].is_string() ? src["sha256"].get<std::string>()
                                                            : src["sha256"].dump());
        if (src.contains("size")) line += "  size " + src["size"].dump();
        p.emplace_back("Source file", line);
      }
    } else {
      p.emplace_back("Sources", shown(s.sources));
    }
    for (auto& [k, v] : json_pairs(s.record_counts)) p.emplace_back("Records (" + k + ")", v);
    b.kv(std::move(p));
    if (s.profile == "nsrl")
      b.para(
          "NSRL lists known software; a file listed there is known, not necessarily "
          "harmless.");
  }

  // --- summary ---
  const auto& s = d.summary;
  b.heading("Summary");
  std::vector<std::pair<std::string, std::string>> summary{
      {"Items recorded", std::to_string(s.items)}};
  // One line per status, named exactly as the case store records it (items.status).
  for (const auto& [status, n] : s.items_by_status)
    summary.emplace_back("Items with status " + shown(status),
                         std::to_string(n) + " (" + status_meaning(status) + ")");
  for (auto& kv : std::vector<std::pair<std::string, std::string>>{
           {"Pictures and videos found by content", std::to_string(s.media_items)},
           {"Deleted items", std::to_string(s.deleted_items)},
           {"Bytes read", std::to_string(s.bytes_read)},
           {"Perceptual hashes computed", std::to_string(s.perceptual_hashes)},
           {"Exact matches (items)",
            std::to_string(s.exact_matches) + " (" + std::to_string(s.items_with_exact) + ")"},
           {"Near matches (items), requiring examiner review",
            std::to_string(s.near_matches) + " (" + std::to_string(s.items_with_near) + ")"},
           {"Warnings", std::to_string(s.warnings)}})
    summary.push_back(std::move(kv));
  for (auto& kv : extraction_summary(d)) summary.push_back(std::move(kv));
  b.kv(std::move(summary));

  // --- exact matches ---
  b.heading("Exact matches");
  b.para(
      "An exact match means a digest of the item equals a digest listed in a known list. "
      "The list's category and status are quoted as the list gives them.");
  {
    auto& t = b.table({"Item", "Path", "Size", "Deleted", "Algorithm", "Digest", "List", "Category",
                       "List status"},
                      {0.6, 3, 1, 0.8, 0.9, 3, 1.6, 0.9, 0.9});
    for (const auto& it : d.matched_items)
      for (const auto& mt : it.matches)
        if (mt.kind == "exact")
          t.rows.push_back({std::to_string(it.id), shown(it.path), std::to_string(it.size),
                            yes_no(it.deleted), mt.algorithm, mt.item_value,
                            set_label(d, mt.set_id), or_dash(shown(mt.category)), mt.status});
    if (t.rows.empty()) b.para("No exact match.");
  }

  // --- near matches ---
  b.heading("Near matches (perceptual) — require examiner review");
  b.alert(
      "Requires examiner review: a near match means a perceptual hash of the item is within "
      "the stated Hamming distance threshold of a listed hash. Different pictures can be "
      "near; every near match must be reviewed by the examiner.");
  {
    auto& t = b.table({"Item", "Path", "Algorithm", "Distance", "Threshold", "Item quality",
                       "List quality", "Variant", "List", "Category"},
                      {0.6, 3, 0.9, 0.8, 0.9, 0.8, 0.8, 0.9, 1.6, 0.9});
    for (const auto& it : d.matched_items)
      for (const auto& mt : it.matches)
        if (mt.kind != "exact")
          t.rows.push_back({std::to_string(it.id), shown(it.path), mt.algorithm,
                            opt_int(mt.distance), opt_int(mt.threshold), opt_int(mt.item_quality),
                            opt_int(mt.list_quality), or_dash(shown(mt.variant)),
                            set_label(d, mt.set_id), or_dash(shown(mt.category))});
    if (t.rows.empty()) b.para("No near match.");
  }
  {
    bool video = false;
    for (const auto& it : d.matched_items)
      for (const auto& mt : it.matches) video |= mt.kind != "exact" && mt.algorithm == "vpdq";
    error_rates(b, d, video);
  }

  // --- matched item details ---
  b.heading("Matched items in detail");
  if (d.matched_items.empty()) b.para("No item matched a known list.");
  if (const auto note = thumbnail_note(d); !note.empty()) b.para(note);
  for (const auto& it : d.matched_items) {
    b.add(Block::Kind::kSubheading, "Item " + std::to_string(it.id) + ": " + shown(it.path));
    const auto* ev = d.evidence_by_id(it.evidence_id);
    std::vector<std::pair<std::string, std::string>> p{
        {"Provenance", shown(it.provenance)},
        {"Evidence", ev ? shown(ev->name) : std::to_string(it.evidence_id)},
        {"Path", shown(it.path)},
        {"Inode / entry", shown(it.inode_str)},
        {"File system", it.fs_type},
        {"Size (bytes)", std::to_string(it.size)},
        {"Deleted", yes_no(it.deleted)},
        {"Orphan", yes_no(it.orphan)},
        {"Alternate data stream", yes_no(it.ads)},
        {"Content type (by content)", or_dash(it.content_type)},
        {"Extension disagrees with content", yes_no(it.extension_mismatch)},
        {"Modified (M)", time_text(it.mtime, m.display_tz)},
        {"Accessed (A)", time_text(it.atime, m.display_tz)},
        {"Changed (C, metadata)", time_text(it.ctime, m.display_tz)},
        {"Born (B, created)", time_text(it.btime, m.display_tz)},
        {"MD5", or_dash(it.md5)},
        {"SHA-1", or_dash(it.sha1)},
        {"SHA-256", or_dash(it.sha256)},
        {"XXH3-128", or_dash(it.xxh3_128)}};
    for (auto& kv : item_chain(it)) p.push_back(std::move(kv));
    for (const auto& ph : it.perceptual)
      p.emplace_back(ph.algorithm + " (" + ph.pipeline + ")",
                     ph.hash + (ph.quality >= 0 ? "  quality " + std::to_string(ph.quality) : ""));
    for (const auto& mt : it.matches) {
      std::string line = (mt.kind == "exact" ? "EXACT " : "NEAR (requires examiner review) ") +
                         mt.algorithm + " " + mt.list_value + " in " + set_label(d, mt.set_id) +
                         "; category " + or_dash(shown(mt.category)) + "; list status " + mt.status;
      if (mt.kind != "exact")
        line += "; distance " + opt_int(mt.distance) + " of threshold " + opt_int(mt.threshold) +
                "; variant " + or_dash(shown(mt.variant));
      p.emplace_back("Match", line);
      // A record can be long (VICS lists carry many fields); the page shows its start and the
      // machine outputs carry it whole.
      constexpr std::size_t kMaxRecord = 1500;
      std::string record = shown(mt.record);
      if (record.size() > kMaxRecord) {
        std::size_t cut = kMaxRecord;
        while (cut > 0 && (static_cast<unsigned char>(record[cut]) & 0xC0) == 0x80) --cut;
        record = record.substr(0, cut) + " … (truncated; the whole record is in report.jsonl)";
      }
      p.emplace_back("List record", record);
    }
    b.kv(std::move(p));
    if (const auto t = d.thumbnails.find(it.id); t != d.thumbnails.end()) {
      auto& img = b.add(Block::Kind::kImage,
                        "Blurred greyscale thumbnail of item " + std::to_string(it.id) +
                            " (for identification only; detail deliberately removed)");
      img.image = t->second;
    } else if (const auto n = d.thumbnail_notes.find(it.id); n != d.thumbnail_notes.end()) {
      b.para(n->second);
    }
  }

  // --- limitations ---
  b.heading("Limitations and exceptions");
  {
    std::vector<std::pair<std::string, std::string>> p;
    p.emplace_back("Evidence verification",
                   d.source_verified() ? "verified" : "SOURCE NOT VERIFIED");
    p.emplace_back("Scan runs", d.runs_complete() ? "all complete" : "INCOMPLETE: see section 2");
    p.emplace_back(
        "Audit log",
        d.audit.chain_message + (d.audit.head_hash.empty() ? "" : "; head " + d.audit.head_hash));
    // A volume whose walk ended early, was cut short (TSK went on without a part of it) or
    // crashed: its listing may miss entries. These are the walk and crash warnings recorded on
    // the volume itself (lib/pipeline scan.cpp).
    std::string partial;
    std::size_t partial_n = 0;
    for (const auto& v : d.volumes) {
      bool cut = false;
      for (const auto& g : d.warning_groups) {
        if (g.code != "walk" && g.code != "crash" && g.code != "stall") continue;
        for (const auto& w : g.warnings) cut = cut || w.provenance == v.provenance;
      }
      if (!cut) continue;
      partial += (partial_n++ == 0 ? "" : "; ") + shown(v.provenance);
    }
    p.emplace_back("Volumes listed incompletely",
                   partial_n == 0 ? "none"
                                  : "INCOMPLETE: " + std::to_string(partial_n) + " (" + partial +
                                        "; see the walk and crash warnings below)");
    p.emplace_back("Items with status not-read",
                   std::to_string(s.items_not_read) + " (" + status_meaning("not-read") + ")");
    p.emplace_back("Items with status error", std::to_string(s.items_error));
    p.emplace_back("Carving", carving_text(d));
    p.emplace_back(
        "Not scanned",
        std::string(d.summary.carving_enabled ? ""
                                              : "unallocated space and slack are not carved; ") +
            (d.run_extractors.empty()
                 ? "files inside archives and containers are not opened; "
                 : "files inside archives and containers are opened only by the "
                   "extractors listed in section 2, within its extraction limits (" +
                       std::to_string(s.limit_warnings) + " reached: warnings of code limit); ") +
            "only the volumes listed in section 1 were walked; an encrypted volume is "
            "listed as a warning, not read");
    b.kv(std::move(p));
  }
  b.add(Block::Kind::kSubheading, "Warnings by code");
  if (d.warning_groups.empty()) b.para("No warning was recorded.");
  for (const auto& g : d.warning_groups) {
    b.para(shown(g.code) + ": " + std::to_string(g.warnings.size()) + " warning(s)");
    auto& t = b.table({"Provenance", "Message"}, {3, 3});
    for (const auto& w : g.warnings) t.rows.push_back({shown(w.provenance), shown(w.message)});
  }
  if (!d.damaged_items.empty()) {
    b.add(Block::Kind::kSubheading, "Items read from damaged chunks");
    b.para(
        "These items' content lies, in part or whole, in chunks of the evidence that failed "
        "their checksum (section \"Evidence and its verification\"): the bytes read may not be "
        "the file's, so no digest is recorded for them and no exact match is claimed. The "
        "warnings of code damaged name the sectors.");
    auto& t = b.table({"Item", "Provenance", "Path", "Size"}, {0.6, 3, 3, 1});
    for (const auto& it : d.damaged_items)
      t.rows.push_back(
          {std::to_string(it.id), shown(it.provenance), shown(it.path), std::to_string(it.size)});
  }
  if (!d.error_items.empty()) {
    b.add(Block::Kind::kSubheading, "Items that could not be read");
    auto& t = b.table({"Item", "Provenance", "Path", "Size"}, {0.6, 3, 3, 1});
    for (const auto& it : d.error_items)
      t.rows.push_back(
          {std::to_string(it.id), shown(it.provenance), shown(it.path), std::to_string(it.size)});
  }

  // --- outputs and re-run ---
  b.heading("Outputs of this report");
  {
    auto& t = b.table({"File", "Bytes", "SHA-256"}, {1.5, 1, 4});
    t.monospace = true;
    for (const auto& f : machine.files)
      t.rows.push_back({f.file, std::to_string(f.size), f.sha256});
    t.rows.push_back({machine.manifest_file, "", machine.manifest_sha256});
  }
  b.heading("Re-running");
  b.para("The scan runs were made with these commands (section 2):");
  for (const auto& r : d.runs) {
    auto& c = b.add(Block::Kind::kParagraph, command_text(r.command_line));
    c.monospace = true;
  }
  b.para("This report is reproduced, byte for byte, from the same case store by:");
  auto& c = b.add(Block::Kind::kParagraph, shown(m.rerun_command));
  c.monospace = true;

  // --- examiner ---
  b.heading("Examiner's conclusions");
  b.para("To be completed by the examiner. Nothing in this section was written by the tool.");
  b.add(Block::Kind::kBox, "Examiner's conclusions").box_lines = 12;
  b.heading("Signatures");
  b.add(Block::Kind::kBox, "Examiner: name, date, signature").box_lines = 3;
  b.add(Block::Kind::kBox, "Technical review: name, date, signature").box_lines = 3;
  return std::move(b.doc);
}

}  // namespace vigil::report
