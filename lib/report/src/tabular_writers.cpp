// JSON Lines (one typed record per line) and CSV (items.csv, matches.csv).
#include <string>

#include "json_builder.hpp"
#include "vigil/report/escape.hpp"
#include "vigil/report/validation_record.hpp"
#include "vigil/report/writers.hpp"

namespace vigil::report {
namespace {

std::string match_json(const MatchInfo& m) {
  return JsonObject()
      .num("set_id", m.set_id)
      .str("kind", m.kind)
      .str("algorithm", m.algorithm)
      .str("item_value", m.item_value)
      .str("list_value", m.list_value)
      .opt_int("distance", m.distance)
      .opt_int("threshold", m.threshold)
      .opt_int("item_quality", m.item_quality)
      .opt_int("list_quality", m.list_quality)
      .text("variant", m.variant)
      .text("category", m.category)
      .str("list_status", m.status)
      .raw("record", m.record)
      .boolean("requires_examiner_review", m.kind != "exact")
      .done();
}

// Extractor records in emission order: [{"extractor":..,"name":..,"value":..}, ...].
// A carved item's ranges in the evidence (issue 14): [[offset,length],...].
std::string byte_runs_json(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& runs) {
  std::string out = "[";
  for (const auto& [offset, length] : runs) {
    if (out.size() > 1) out += ',';
    out += "[" + std::to_string(offset) + "," + std::to_string(length) + "]";
  }
  return out + "]";
}

std::string records_json(const std::vector<RecordInfo>& records) {
  std::string r = "[";
  for (const auto& rec : records) {
    if (r.size() > 1) r += ',';
    r += JsonObject()
             .str("extractor", rec.extractor)
             .text("name", rec.name)
             .text("value", rec.value)
             .done();
  }
  return r + "]";
}

void add_time(JsonObject& o, const char* name, const TimeInfo& t) {
  if (t.value.empty()) {
    o.raw_value(name, "null");
    return;
  }
  o.raw_value(name, JsonObject().str("utc", t.value).str("precision", t.precision).done());
}

std::string item_json(const ItemInfo& it) {
  JsonObject o;
  o.str("type", "item")
      .num("item_id", it.id)
      .num("evidence_id", it.evidence_id)
      .text("provenance", it.provenance)
      .num("volume", it.volume)
      .str("fs_type", it.fs_type)
      .unum("inode", it.inode)
      .text("inode_str", it.inode_str)
      .text("path", it.path)
      .text("name", it.name)
      .unum("size", it.size)
      .str("name_type", it.name_type)
      .str("meta_type", it.meta_type)
      .boolean("deleted", it.deleted)
      .boolean("orphan", it.orphan)
      .boolean("ads", it.ads)
      .boolean("meta_allocated", it.meta_allocated)
      .boolean("extension_mismatch", it.extension_mismatch)
      .str("content_type", it.content_type)
      .str("category", it.category);
  add_time(o, "mtime", it.mtime);
  add_time(o, "atime", it.atime);
  add_time(o, "ctime", it.ctime);
  add_time(o, "btime", it.btime);
  o.str("status", it.status).unum("bytes_read", it.bytes_read);
  std::string digests = JsonObject()
                            .str("xxh3_128", it.xxh3_128)
                            .str("md5", it.md5)
                            .str("sha1", it.sha1)
                            .str("sha256", it.sha256)
                            .done();
  o.raw_value("digests", digests);
  std::string p = "[";
  for (const auto& ph : it.perceptual) {
    if (p.size() > 1) p += ',';
    p += JsonObject()
             .str("algorithm", ph.algorithm)
             .str("pipeline", ph.pipeline)
             .str("hash", ph.hash)
             .opt_int("quality", ph.quality)
             .done();
  }
  o.raw_value("perceptual", p + "]");
  std::string m = "[";
  for (const auto& mi : it.matches) {
    if (m.size() > 1) m += ',';
    m += match_json(mi);
  }
  o.raw_value("matches", m + "]");
  // The chain (issue 12): an item found inside another names its parent; provenance holds the
  // whole chain down from the evidence.
  if (it.parent_id > 0) {
    o.num("parent_item_id", it.parent_id)
        .text("parent_provenance", it.parent_provenance)
        .num("depth", it.depth)
        .str("extractor", it.extractor)
        .str("child_status", it.child_status);
    if (it.parent_offset >= 0) o.num("parent_offset", it.parent_offset);
  } else {
    o.raw_value("parent_item_id", "null").num("depth", 0);
    // A carved item is top-level but has a status: ok, partial, or reassembled (an inference).
    if (!it.child_status.empty()) o.str("child_status", it.child_status);
  }
  o.raw_value("records", records_json(it.records));
  if (!it.byte_runs.empty()) o.raw_value("byte_runs", byte_runs_json(it.byte_runs));
  return o.done();
}

class JsonlWriter final : public Writer {
 public:
  explicit JsonlWriter(std::unique_ptr<AtomicFile> f) : f_(std::move(f)) {}
  [[nodiscard]] std::string file_name() const override { return "report.jsonl"; }

  Result<void> begin(const ReportData& d) override {
    const auto& m = d.meta;
    std::string exhibits = "[";
    for (const auto& e : m.exhibits) {
      if (exhibits.size() > 1) exhibits += ',';
      append_json_string(exhibits, lossy_utf8(e));
    }
    exhibits += "]";
    line(JsonObject()
             .str("type", "report")
             .str("format", "vigil-report-jsonl/1")
             .str("report_id", m.report_id)
             .str("report_time", m.report_time)
             .str("display_tz", m.display_tz)
             .str("case_number", m.case_number)
             .raw_value("exhibits", exhibits)
             .str("examiner", m.examiner)
             .str("examiner_id", m.examiner_id)
             .str("agency", m.agency)
             .str("requester", m.requester)
             .str("authority", m.authority)
             .str("tool", "vigil")
             .str("tool_version", m.tool_version)
             .str("tool_commit", m.tool_commit)
             .str("report_libraries", m.report_libraries)
             .str("validation_record", std::string(kValidationRecord))
             .str("validation_record_version", std::string(kValidationVersion))
             .str("validation_record_sha256", std::string(kValidationSha256))
             .num("case_schema_version", d.schema_version)
             .boolean("source_verified", d.source_verified())
             .boolean("runs_complete", d.runs_complete())
             .unum("audit_rows", d.audit.rows)
             .str("audit_head_hash", d.audit.head_hash)
             .boolean("audit_chain_intact", d.audit.chain_ok)
             .str("rerun_command", m.rerun_command)
             .done());
    for (const auto& [k, v] : d.case_info)
      line(JsonObject().str("type", "case_info").text("key", k).text("value", v).done());
    for (const auto& r : d.runs) {
      line(JsonObject()
               .str("type", "run")
               .num("run_id", r.id)
               .str("started_utc", r.started_utc)
               .str("finished_utc", r.finished_utc)
               .str("status", r.status)
               .str("tool_version", r.tool_version)
               .str("git_commit", r.git_commit)
               .raw("library_versions", r.library_versions)
               .text("host", r.host)
               .raw("command_line", r.command_line)
               .raw("settings", r.settings)
               .raw("summary", r.summary)
               .done());
    }
    for (const auto& e : d.run_extractors) {
      line(JsonObject()
               .str("type", "extractor")
               .num("run_id", e.run_id)
               .str("name", e.name)
               .str("version", e.version)
               .done());
    }
    for (const auto& e : d.evidence) {
      line(JsonObject()
               .str("type", "evidence")
               .num("evidence_id", e.id)
               .text("path", e.path)
               .text("name", e.name)
               .str("format", e.format)
               .unum("size", e.size)
               .raw("segments", e.segments)
               .str("stored_md5", e.stored_md5)
               .str("stored_sha1", e.stored_sha1)
               .str("computed_md5", e.verified_md5)
               .str("computed_sha1", e.verified_sha1)
               .str("computed_sha256", e.verified_sha256)
               .text("verification", e.verification)
               .boolean("verified", e.verified())
               .done());
    }
    for (const auto& v : d.volumes) {
      line(JsonObject()
               .str("type", "volume")
               .num("evidence_id", v.evidence_id)
               .num("index", v.index)
               .str("scheme", v.scheme)
               .str("kind", v.kind)
               .str("fs_type", v.fs_type)
               .text("description", v.description)
               .text("provenance", v.provenance)
               .unum("offset", v.offset)
               .unum("length", v.length)
               .done());
    }
    for (const auto& s : d.hash_sets) {
      line(JsonObject()
               .str("type", "hash_set")
               .num("set_id", s.id)
               .text("name", s.name)
               .text("version", s.version)
               .text("publisher", s.publisher)
               .str("profile", s.profile)
               .str("imported_utc", s.imported_utc)
               .raw("sources", s.sources)
               .raw("record_counts", s.record_counts)
               .str("identity", s.identity)
               .done());
    }
    return {};
  }

  Result<void> item(const ItemInfo& it) override {
    line(item_json(it));
    return {};
  }

  Result<void> end(const ReportData& d) override {
    for (const auto& g : d.warning_groups)
      for (const auto& w : g.warnings)
        line(JsonObject()
                 .str("type", "warning")
                 .str("code", w.code)
                 .text("provenance", w.provenance)
                 .text("message", w.message)
                 .done());
    const auto& s = d.summary;
    line(JsonObject()
             .str("type", "summary")
             .unum("items", s.items)
             .unum("items_ok", s.items_ok)
             .unum("items_error", s.items_error)
             .unum("items_not_read", s.items_not_read)
             .unum("media_items", s.media_items)
             .unum("deleted_items", s.deleted_items)
             .unum("bytes_read", s.bytes_read)
             .unum("perceptual_hashes", s.perceptual_hashes)
             .unum("exact_matches", s.exact_matches)
             .unum("near_matches", s.near_matches)
             .unum("items_with_exact_match", s.items_with_exact)
             .unum("items_with_near_match", s.items_with_near)
             .unum("warnings", s.warnings)
             .unum("child_items", s.child_items)
             .unum("limit_warnings", s.limit_warnings)
             .unum("extractor_errors", s.extractor_errors)
             .unum("records", s.records)
             .done());
    return f_->commit();
  }

 private:
  void line(const std::string& s) {
    f_->buffer() += s;
    f_->buffer() += '\n';
    f_->maybe_flush();
  }
  std::unique_ptr<AtomicFile> f_;
};

std::string yes_no(bool b) { return b ? "\"yes\"" : "\"no\""; }

// items.csv: one row per item (the inventory); matches in matches.csv.
class ItemsCsvWriter final : public Writer {
 public:
  explicit ItemsCsvWriter(std::unique_ptr<AtomicFile> f) : f_(std::move(f)) {}
  [[nodiscard]] std::string file_name() const override { return "items.csv"; }
  Result<void> begin(const ReportData&) override {
    f_->write(
        "item_id,evidence,provenance,path,name,size,inode,fs_type,deleted,orphan,ads,"
        "content_type,category,extension_mismatch,mtime_utc,mtime_precision,atime_utc,"
        "atime_precision,ctime_utc,ctime_precision,btime_utc,btime_precision,status,md5,sha1,"
        "sha256,xxh3_128,pdq,pdq_quality,exact_matches,near_matches,parent_item_id,"
        "parent_provenance,depth,extractor,child_status,parent_offset,records,byte_runs\r\n");
    return {};
  }
  Result<void> item(const ItemInfo& it) override {
    std::string& b = f_->buffer();
    const auto add = [&](const std::string& field, bool last = false) {
      b += field;
      b += last ? "\r\n" : ",";
    };
    add(csv_plain(std::to_string(it.id)));
    add(csv_plain(std::to_string(it.evidence_id)));
    add(csv_text(it.provenance));
    add(csv_text(it.path));
    add(csv_text(it.name));
    add(csv_plain(std::to_string(it.size)));
    add(csv_text(it.inode_str));
    add(csv_plain(it.fs_type));
    add(yes_no(it.deleted));
    add(yes_no(it.orphan));
    add(yes_no(it.ads));
    add(csv_plain(it.content_type));
    add(csv_plain(it.category));
    add(yes_no(it.extension_mismatch));
    for (const auto* t : {&it.mtime, &it.atime, &it.ctime, &it.btime}) {
      add(csv_plain(t->value));
      add(csv_plain(t->precision));
    }
    add(csv_plain(it.status));
    add(csv_plain(it.md5));
    add(csv_plain(it.sha1));
    add(csv_plain(it.sha256));
    add(csv_plain(it.xxh3_128));
    std::string pdq, quality;
    for (const auto& p : it.perceptual) {
      if (p.algorithm == "pdq") {
        pdq = p.hash;
        quality = p.quality >= 0 ? std::to_string(p.quality) : "";
        break;
      }
    }
    add(csv_plain(pdq));
    add(csv_plain(quality));
    std::size_t exact = 0, near = 0;
    for (const auto& m : it.matches) (m.kind == "exact" ? exact : near)++;
    add(csv_plain(std::to_string(exact)));
    add(csv_plain(std::to_string(near)));
    add(csv_plain(it.parent_id > 0 ? std::to_string(it.parent_id) : ""));
    add(csv_text(it.parent_provenance));
    add(csv_plain(std::to_string(it.depth)));
    add(csv_plain(it.extractor));
    add(csv_plain(it.child_status));
    add(csv_plain(it.parent_offset >= 0 ? std::to_string(it.parent_offset) : ""));
    add(csv_text(it.records.empty() ? std::string() : records_json(it.records)));
    add(csv_plain(it.byte_runs.empty() ? std::string() : byte_runs_json(it.byte_runs)), true);
    f_->maybe_flush();
    return {};
  }
  Result<void> end(const ReportData&) override { return f_->commit(); }

 private:
  std::unique_ptr<AtomicFile> f_;
};

// matches.csv: one row per match; exact and near kept apart by the "kind" column and ordered
// exact first.
class MatchesCsvWriter final : public Writer {
 public:
  explicit MatchesCsvWriter(std::unique_ptr<AtomicFile> f) : f_(std::move(f)) {}
  [[nodiscard]] std::string file_name() const override { return "matches.csv"; }
  Result<void> begin(const ReportData& d) override {
    f_->write(
        "kind,requires_examiner_review,item_id,provenance,path,size,deleted,algorithm,"
        "item_value,list_value,distance,threshold,item_quality,list_quality,variant,list_name,"
        "list_version,list_category,list_status\r\n");
    for (const char* kind : {"exact", "near"}) {
      for (const auto& it : d.matched_items) {
        for (const auto& m : it.matches) {
          if (m.kind != kind) continue;
          const auto* set = d.hash_set(m.set_id);
          std::string& b = f_->buffer();
          const auto opt = [](int v) { return v < 0 ? std::string() : std::to_string(v); };
          b += csv_plain(m.kind) + "," + yes_no(m.kind != "exact") + "," +
               csv_plain(std::to_string(it.id)) + "," + csv_text(it.provenance) + "," +
               csv_text(it.path) + "," + csv_plain(std::to_string(it.size)) + "," +
               yes_no(it.deleted) + "," + csv_plain(m.algorithm) + "," + csv_plain(m.item_value) +
               "," + csv_plain(m.list_value) + "," + csv_plain(opt(m.distance)) + "," +
               csv_plain(opt(m.threshold)) + "," + csv_plain(opt(m.item_quality)) + "," +
               csv_plain(opt(m.list_quality)) + "," + csv_text(m.variant) + "," +
               csv_text(set ? set->name : "") + "," + csv_text(set ? set->version : "") + "," +
               csv_text(m.category) + "," + csv_plain(m.status) + "\r\n";
          f_->maybe_flush();
        }
      }
    }
    return {};
  }
  Result<void> item(const ItemInfo&) override { return {}; }
  Result<void> end(const ReportData&) override { return f_->commit(); }

 private:
  std::unique_ptr<AtomicFile> f_;
};

}  // namespace

Result<std::unique_ptr<Writer>> make_jsonl_writer(const std::string& dir) {
  auto f = AtomicFile::create(dir, "report.jsonl");
  if (!f) return f.error();
  return std::unique_ptr<Writer>(new JsonlWriter(std::move(*f)));
}

Result<std::unique_ptr<Writer>> make_csv_writer(const std::string& dir) {
  auto f = AtomicFile::create(dir, "items.csv");
  if (!f) return f.error();
  return std::unique_ptr<Writer>(new ItemsCsvWriter(std::move(*f)));
}

Result<std::unique_ptr<Writer>> make_matches_csv_writer(const std::string& dir) {
  auto f = AtomicFile::create(dir, "matches.csv");
  if (!f) return f.error();
  return std::unique_ptr<Writer>(new MatchesCsvWriter(std::move(*f)));
}

}  // namespace vigil::report
