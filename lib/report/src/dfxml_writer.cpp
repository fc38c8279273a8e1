// DFXML 2.0.0-beta.0 (schema https://github.com/dfxml-working-group/dfxml_schema, copy in
// testdata/reference/dfxml; element order as the schema's sequences require). DFXML has no
// perceptual hashes and no known-list matches: both go into vigil's extension namespace
// (urn:vigil:dfxml:1), which the schema admits as ##other (lax).
#include <nlohmann/json.hpp>

#include "vigil/core/text.hpp"
#include "vigil/report/escape.hpp"
#include "vigil/report/validation_record.hpp"
#include "vigil/report/writers.hpp"

namespace vigil::report {
namespace {

constexpr const char* kNs = "urn:vigil:dfxml:1";

// Attribute pair name="value" for text we produced.
std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + xml_escape(value) + "\"";
}

// Evidence text: escaped, plus a base64 twin when the exact bytes cannot be carried in XML.
std::string text_with_b64(std::string_view value, std::string_view b64_attr,
                          std::string_view element) {
  std::string open = "<" + std::string(element);
  if (needs_lossless(value)) open += attr(b64_attr, base64_encode(value));
  const auto close_name = element.substr(0, element.find(' '));
  return open + ">" + xml_escape(value) + "</" + std::string(close_name) + ">";
}

// DFXML's prec is whole seconds; finer precisions are only in vigil:prec.
std::string time_element(const char* name, const TimeInfo& t) {
  if (t.value.empty()) return {};
  std::string s = "<" + std::string(name);
  if (t.precision == "1s" || t.precision == "2s") s += attr("prec", t.precision.substr(0, 1));
  s += attr("vigil:prec", t.precision) + ">" + xml_escape(t.value) + "</" + name + ">";
  return s;
}

std::string opt(int v) { return v < 0 ? std::string() : std::to_string(v); }

class DfxmlWriter final : public Writer {
 public:
  explicit DfxmlWriter(std::unique_ptr<AtomicFile> f) : f_(std::move(f)) {}
  [[nodiscard]] std::string file_name() const override { return "report.dfxml"; }

  Result<void> begin(const ReportData& d) override {
    auto& b = f_->buffer();
    const auto& m = d.meta;
    b += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    b += "<dfxml xmlns=\"http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML\"\n";
    b += "       xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n";
    b += "       xmlns:vigil=\"" + std::string(kNs) + "\"\n";
    b += "       version=\"2.0.0-beta.0\">\n";
    b += "  <metadata>\n    <dc:type>Hash List</dc:type>\n";
    b += "    <dc:identifier>" + xml_escape(m.report_id) + "</dc:identifier>\n";
    b += "    <dc:date>" + xml_escape(m.report_time) + "</dc:date>\n";
    b += "    <vigil:case_number>" + xml_escape(m.case_number) + "</vigil:case_number>\n";
    for (const auto& e : m.exhibits)
      b += "    <vigil:exhibit>" + xml_escape(e) + "</vigil:exhibit>\n";
    const std::pair<const char*, const std::string*> people[] = {{"examiner", &m.examiner},
                                                                 {"examiner_id", &m.examiner_id},
                                                                 {"agency", &m.agency},
                                                                 {"requester", &m.requester},
                                                                 {"authority", &m.authority}};
    for (const auto& [k, v] : people)
      if (!v->empty())
        b += "    <vigil:" + std::string(k) + ">" + xml_escape(*v) + "</vigil:" + k + ">\n";
    b += "    <vigil:source_verified>" + std::string(d.source_verified() ? "true" : "false") +
         "</vigil:source_verified>\n";
    b += "    <vigil:validation_record" + attr("version", std::string(kValidationVersion)) +
         attr("sha256", std::string(kValidationSha256)) + ">" +
         xml_escape(std::string(kValidationRecord)) + "</vigil:validation_record>\n";
    b += "  </metadata>\n";

    // creator: the tool that made the inventory (the last scan run), with its libraries.
    b += "  <creator>\n    <program>vigil</program>\n";
    const RunInfo* run = d.runs.empty() ? nullptr : &d.runs.back();
    b += "    <version>" + xml_escape(run ? run->tool_version : m.tool_version) + "</version>\n";
    b += "    <build_environment>\n";
    if (run) {
      const auto libs = nlohmann::json::parse(run->library_versions, nullptr, false);
      if (libs.is_object())
        for (const auto& [k, v] : libs.items())
          b += "      <library" + attr("name", k) +
               attr("version", v.is_string() ? v.get<std::string>() : v.dump()) + "/>\n";
    }
    b += "    </build_environment>\n";
    b += "    <execution_environment>\n";
    if (run) {
      b += "      <host>" + xml_escape(run->host) + "</host>\n";
      std::string cmd;
      const auto args = nlohmann::json::parse(run->command_line, nullptr, false);
      if (args.is_array())
        for (const auto& a : args) {
          if (!cmd.empty()) cmd += ' ';
          cmd += a.is_string() ? a.get<std::string>() : a.dump();
        }
      b += "      <command_line>" + xml_escape(cmd) + "</command_line>\n";
      b += "      <start_time>" + xml_escape(run->started_utc) + "</start_time>\n";
    }
    b += "    </execution_environment>\n  </creator>\n";

    b += "  <source>\n";
    for (const auto& e : d.evidence)
      b += "    " + text_with_b64(e.path, "vigil:path_b64", "image_filename") + "\n";
    b += "  </source>\n";

    for (const auto& e : d.evidence) {
      b += "  <diskimageobject" + attr("vigil:evidence_id", std::to_string(e.id)) + ">\n";
      b += "    <vigil:evidence" + attr("format", e.format) + attr("size", std::to_string(e.size)) +
           ">" + xml_escape(e.name) + "</vigil:evidence>\n";
      b += "    <vigil:acquisition_hash_verification" + attr("stored_md5", e.stored_md5) +
           attr("stored_sha1", e.stored_sha1) + attr("computed_md5", e.verified_md5) +
           attr("computed_sha1", e.verified_sha1) + attr("computed_sha256", e.verified_sha256) +
           attr("result", e.verification.empty() ? "not verified" : e.verification) + "/>\n";
      for (const auto& v : d.volumes) {
        if (v.evidence_id != e.id) continue;
        b += "    <volume" + attr("offset", std::to_string(v.offset)) +
             attr("vigil:index", std::to_string(v.index)) +
             attr("vigil:length", std::to_string(v.length)) +
             attr("vigil:provenance", v.provenance) + ">\n";
        b += "      <partition_offset>" + std::to_string(v.offset) + "</partition_offset>\n";
        b += "      <ftype_str>" + xml_escape(v.fs_type) + "</ftype_str>\n    </volume>\n";
      }
      b += "  </diskimageobject>\n";
    }
    f_->maybe_flush();
    return {};
  }

  Result<void> item(const ItemInfo& it) override {
    auto& b = f_->buffer();
    b += "  <fileobject" + attr("vigil:evidence_id", std::to_string(it.evidence_id)) +
         attr("vigil:volume", std::to_string(it.volume)) + ">\n";
    // An item found inside another names its container: DFXML's parent_object holds the
    // container's inode; the vigil attributes give the exact item and its chain.
    if (it.parent_id > 0)
      b += "    <parent_object" + attr("vigil:item_id", std::to_string(it.parent_id)) +
           attr("vigil:provenance", it.parent_provenance) + "><inode>" +
           std::to_string(it.parent_inode) + "</inode></parent_object>\n";
    b += "    " + text_with_b64(it.path, "vigil:path_b64", "filename") + "\n";
    if (it.status == "error") b += "    <error>the content could not be read</error>\n";
    b += "    <id>" + std::to_string(it.id) + "</id>\n";
    b += "    <filesize>" + std::to_string(it.size) + "</filesize>\n";
    b += "    <alloc>" + std::string(it.deleted ? "0" : "1") + "</alloc>\n";
    b += "    <orphan>" + std::string(it.orphan ? "1" : "0") + "</orphan>\n";
    b += "    <inode>" + std::to_string(it.inode) + "</inode>\n";
    // Order required by fileobject_type: mtime, ctime, atime, crtime.
    for (const auto& [name, t] : {std::pair{"mtime", &it.mtime}, std::pair{"ctime", &it.ctime},
                                  std::pair{"atime", &it.atime}, std::pair{"crtime", &it.btime}}) {
      const auto e = time_element(name, *t);
      if (!e.empty()) b += "    " + e + "\n";
    }
    // A carved item (issue 14): where its bytes lie in the image, in order (file_offset: where
    // the run's bytes are in the item; two runs for a reassembled JPEG).
    if (!it.byte_runs.empty()) {
      b += "    <byte_runs>\n";
      std::uint64_t in_file = 0;
      for (const auto& [offset, length] : it.byte_runs) {
        b += "      <byte_run" + attr("file_offset", std::to_string(in_file)) +
             attr("img_offset", std::to_string(offset)) + attr("len", std::to_string(length)) +
             "/>\n";
        in_file += length;
      }
      b += "    </byte_runs>\n";
    }
    if (!it.md5.empty()) b += "    <hashdigest type=\"md5\">" + it.md5 + "</hashdigest>\n";
    if (!it.sha1.empty()) b += "    <hashdigest type=\"sha1\">" + it.sha1 + "</hashdigest>\n";
    if (!it.sha256.empty()) b += "    <hashdigest type=\"sha256\">" + it.sha256 + "</hashdigest>\n";
    b += "    <vigil:item" + attr("provenance", it.provenance) + attr("status", it.status) +
         attr("content_type", it.content_type) + attr("category", it.category) +
         attr("deleted", it.deleted ? "1" : "0") + attr("ads", it.ads ? "1" : "0") +
         attr("extension_mismatch", it.extension_mismatch ? "1" : "0") +
         attr("inode_str", it.inode_str) + attr("fs_type", it.fs_type) +
         (it.parent_id > 0
              ? attr("depth", std::to_string(it.depth)) + attr("extractor", it.extractor) +
                    attr("child_status", it.child_status) +
                    (it.parent_offset >= 0 ? attr("parent_offset", std::to_string(it.parent_offset))
                                           : std::string())
              // A carved item is top-level but has a status (reassembled: an inference).
              : (it.child_status.empty()
                     ? std::string()
                     : attr("extractor", it.extractor) + attr("child_status", it.child_status))) +
         "/>\n";
    if (!it.xxh3_128.empty())
      b += "    <vigil:hashdigest type=\"xxh3_128\">" + it.xxh3_128 + "</vigil:hashdigest>\n";
    for (const auto& p : it.perceptual)
      b += "    <vigil:perceptual_hash" + attr("algorithm", p.algorithm) +
           attr("pipeline", p.pipeline) + attr("quality", opt(p.quality)) + ">" +
           xml_escape(p.hash) + "</vigil:perceptual_hash>\n";
    for (const auto& m : it.matches)
      b += "    <vigil:hashset_match" + attr("kind", m.kind) +
           attr("set_id", std::to_string(m.set_id)) + attr("algorithm", m.algorithm) +
           attr("item_value", m.item_value) + attr("list_value", m.list_value) +
           attr("distance", opt(m.distance)) + attr("threshold", opt(m.threshold)) +
           attr("item_quality", opt(m.item_quality)) + attr("list_quality", opt(m.list_quality)) +
           attr("variant", m.variant) + attr("category", m.category) +
           attr("list_status", m.status) +
           attr("requires_examiner_review", m.kind == "exact" ? "false" : "true") + "/>\n";
    for (const auto& r : it.records)
      b += "    <vigil:record" + attr("extractor", r.extractor) + attr("name", r.name) + ">" +
           xml_escape(r.value) + "</vigil:record>\n";
    b += "  </fileobject>\n";
    f_->maybe_flush();
    return {};
  }

  Result<void> end(const ReportData& d) override {
    auto& b = f_->buffer();
    b += "  <vigil:runs>\n";
    for (const auto& r : d.runs)
      b += "    <vigil:run" + attr("id", std::to_string(r.id)) + attr("started", r.started_utc) +
           attr("finished", r.finished_utc) + attr("status", r.status) +
           attr("tool_version", r.tool_version) + attr("git_commit", r.git_commit) +
           attr("command_line", r.command_line) + attr("settings", r.settings) +
           attr("summary", r.summary) + "/>\n";
    for (const auto& e : d.run_extractors)
      b += "    <vigil:extractor" + attr("run_id", std::to_string(e.run_id)) +
           attr("name", e.name) + attr("version", e.version) + "/>\n";
    b += "  </vigil:runs>\n  <vigil:hash_sets>\n";
    for (const auto& s : d.hash_sets)
      b += "    <vigil:hash_set" + attr("id", std::to_string(s.id)) + attr("name", s.name) +
           attr("version", s.version) + attr("publisher", s.publisher) +
           attr("profile", s.profile) + attr("imported", s.imported_utc) +
           attr("identity", s.identity) + attr("sources", s.sources) +
           attr("record_counts", s.record_counts) + "/>\n";
    b += "  </vigil:hash_sets>\n  <vigil:warnings>\n";
    for (const auto& g : d.warning_groups)
      for (const auto& w : g.warnings)
        b += "    <vigil:warning" + attr("code", w.code) + attr("provenance", w.provenance) + ">" +
             xml_escape(w.message) + "</vigil:warning>\n";
    b += "  </vigil:warnings>\n</dfxml>\n";
    return f_->commit();
  }

 private:
  std::unique_ptr<AtomicFile> f_;
};

}  // namespace

Result<std::unique_ptr<Writer>> make_dfxml_writer(const std::string& dir) {
  auto f = AtomicFile::create(dir, "report.dfxml");
  if (!f) return f.error();
  return std::unique_ptr<Writer>(new DfxmlWriter(std::move(*f)));
}

}  // namespace vigil::report
