// CASE/UCO 1.4.0 JSON-LD (https://caseontology.org, ontology https://github.com/casework/CASE;
// the compiled 1.4.0 ontology the tests validate against is testdata/reference/case), shaped
// after CASE's published examples (https://github.com/casework/CASE-Examples):
// Investigation, ProvenanceRecord per exhibit, AnalyticTool and
// ConfiguredTool with every effective setting, one InvestigativeAction per scan run, a File per
// item with FileFacet and ContentDataFacet, and one Annotation per known-list match (a measured
// fact, never a conclusion). Node ids are UUIDs derived from the report id and the node's key, so
// re-runs give the same ids. CASE has no perceptual-hash method in its vocabulary: PDQ goes in
// as a Hash with hashMethod "PDQ", which the validator notes at Info level only.
#include <nlohmann/json.hpp>

#include <cctype>
#include <vector>

#include "document.hpp"
#include "json_builder.hpp"
#include "vigil/report/escape.hpp"
#include "vigil/report/report.hpp"
#include "vigil/report/validation_record.hpp"
#include "vigil/report/writers.hpp"

namespace vigil::report {
namespace {

std::string typed(std::string_view type, std::string_view value) {
  return JsonObject().str("@type", type).str("@value", value).done();
}

std::string id_ref(const std::string& id) { return JsonObject().str("@id", id).done(); }

std::string array(const std::vector<std::string>& v) {
  std::string s = "[";
  for (const auto& e : v) {
    if (s.size() > 1) s += ',';
    s += e;
  }
  return s + "]";
}

std::string upper_method(const std::string& algorithm) {
  if (algorithm == "md5") return "MD5";
  if (algorithm == "sha1") return "SHA1";
  if (algorithm == "sha256") return "SHA256";
  if (algorithm == "pdq") return "PDQ";
  std::string s;
  for (char c : algorithm) s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string text_str(std::string_view s) { return lossy_utf8(s); }

// xsd:decimal's lexical form (XML Schema 1.1 Part 2, 3.3.3): an optional sign, digits, an
// optional fraction; no exponent. A record that is not one is left out of the location.
bool is_decimal(std::string_view s) {
  std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  std::size_t digits = 0;
  bool point = false;
  for (; i < s.size(); ++i) {
    if (s[i] == '.' && !point) {
      point = true;
    } else if (s[i] >= '0' && s[i] <= '9') {
      ++digits;
    } else {
      return false;
    }
  }
  return digits > 0;
}

class CaseWriter final : public Writer {
 public:
  explicit CaseWriter(std::unique_ptr<AtomicFile> f) : f_(std::move(f)) {}
  [[nodiscard]] std::string file_name() const override { return "report.case.jsonld"; }

  Result<void> begin(const ReportData& d) override {
    report_id_ = d.meta.report_id;
    auto& b = f_->buffer();
    b += "{\n\"@context\":{";
    b += "\"kb\":\"urn:vigil:kb:\",";
    b += "\"case-investigation\":\"https://ontology.caseontology.org/case/investigation/\",";
    b += "\"uco-action\":\"https://ontology.unifiedcyberontology.org/uco/action/\",";
    b += "\"uco-configuration\":\"https://ontology.unifiedcyberontology.org/uco/configuration/\",";
    b += "\"uco-core\":\"https://ontology.unifiedcyberontology.org/uco/core/\",";
    b += "\"uco-identity\":\"https://ontology.unifiedcyberontology.org/uco/identity/\",";
    b += "\"uco-location\":\"https://ontology.unifiedcyberontology.org/uco/location/\",";
    b += "\"uco-observable\":\"https://ontology.unifiedcyberontology.org/uco/observable/\",";
    b += "\"uco-tool\":\"https://ontology.unifiedcyberontology.org/uco/tool/\",";
    b += "\"uco-types\":\"https://ontology.unifiedcyberontology.org/uco/types/\",";
    b += "\"xsd\":\"http://www.w3.org/2001/XMLSchema#\"},\n\"@graph\":[\n";

    // Evidence (the images) as Files with their acquisition hashes.
    for (const auto& e : d.evidence) {
      const std::string id = node("disk-image", std::to_string(e.id));
      evidence_nodes_.push_back(id_ref(id));
      std::vector<std::string> hashes;
      add_hash(hashes, "evidence-" + std::to_string(e.id) + "-stored", "MD5", e.stored_md5);
      add_hash(hashes, "evidence-" + std::to_string(e.id) + "-stored", "SHA1", e.stored_sha1);
      add_hash(hashes, "evidence-" + std::to_string(e.id) + "-computed", "MD5", e.verified_md5);
      add_hash(hashes, "evidence-" + std::to_string(e.id) + "-computed", "SHA1", e.verified_sha1);
      add_hash(hashes, "evidence-" + std::to_string(e.id) + "-computed", "SHA256",
               e.verified_sha256);
      std::vector<std::string> facets;
      facets.push_back(JsonObject()
                           .str("@id", node("file-facet", "evidence-" + std::to_string(e.id)))
                           .str("@type", "uco-observable:FileFacet")
                           .str("uco-observable:fileName", text_str(e.name))
                           .str("uco-observable:filePath", text_str(e.path))
                           .unum("uco-observable:sizeInBytes", e.size)
                           .done());
      if (!hashes.empty())
        facets.push_back(
            JsonObject()
                .str("@id", node("content-data-facet", "evidence-" + std::to_string(e.id)))
                .str("@type", "uco-observable:ContentDataFacet")
                .raw_value("uco-observable:hash", array(hashes))
                .done());
      emit(JsonObject()
               .str("@id", id)
               .str("@type", "uco-observable:File")
               .str("uco-core:description",
                    "evidence " + text_str(e.format) + " image; acquisition hash verification: " +
                        (e.verification.empty() ? "not verified" : text_str(e.verification)))
               .raw_value("uco-core:hasFacet", array(facets))
               .done());
    }
    // Known lists as the files they were imported from.
    for (const auto& s : d.hash_sets) {
      const std::string id = node("known-list", s.identity);
      std::vector<std::string> hashes;
      const auto sources = nlohmann::json::parse(s.sources, nullptr, false);
      if (sources.is_array())
        for (const auto& src : sources)
          if (src.is_object() && src.contains("sha256") && src["sha256"].is_string())
            add_hash(hashes, "known-list-" + s.identity + "-" + src["sha256"].get<std::string>(),
                     "SHA256", src["sha256"].get<std::string>());
      std::string o =
          JsonObject()
              .str("@id", id)
              .str("@type", "uco-observable:File")
              .str("uco-core:name", text_str(s.name))
              .str("uco-core:description", "known list " + text_str(s.name) + " version " +
                                               text_str(s.version) + " published by " +
                                               text_str(s.publisher) + "; profile " + s.profile +
                                               "; record counts " + text_str(s.record_counts))
              .done();
      if (!hashes.empty()) {
        o.pop_back();
        o += ",\"uco-core:hasFacet\":[" +
             JsonObject()
                 .str("@id", node("content-data-facet", "known-list-" + s.identity))
                 .str("@type", "uco-observable:ContentDataFacet")
                 .raw_value("uco-observable:hash", array(hashes))
                 .done() +
             "]}";
      }
      emit(o);
      set_nodes_.emplace_back(s.id, id);
      set_labels_.emplace_back(
          s.id, "known list " + text_str(s.name) + " version " + text_str(s.version));
    }
    f_->maybe_flush();
    return {};
  }

  void emit_location(const ItemInfo& it, const std::string& key, const std::string& file_id) {
    const std::string* gps[3] = {nullptr, nullptr, nullptr};
    for (const auto& r : it.records) {
      if (r.extractor != "exif") continue;
      if (r.name == "gps_latitude") gps[0] = &r.value;
      if (r.name == "gps_longitude") gps[1] = &r.value;
      if (r.name == "gps_altitude") gps[2] = &r.value;
    }
    if (!gps[0] || !gps[1] || !is_decimal(*gps[0]) || !is_decimal(*gps[1])) return;
    JsonObject facet;
    facet.str("@id", node("latlong-facet", key))
        .str("@type", "uco-location:LatLongCoordinatesFacet")
        .raw_value("uco-location:latitude", typed("xsd:decimal", *gps[0]))
        .raw_value("uco-location:longitude", typed("xsd:decimal", *gps[1]));
    if (gps[2] && is_decimal(*gps[2]))
      facet.raw_value("uco-location:altitude", typed("xsd:decimal", *gps[2]));
    const std::string location = node("location", key);
    emit(JsonObject()
             .str("@id", location)
             .str("@type", "uco-location:Location")
             .str("uco-core:description",
                  "GPS position recorded in the EXIF of " + text_str(it.provenance))
             .raw_value("uco-core:hasFacet", array({facet.done()}))
             .done());
    emit(JsonObject()
             .str("@id", node("relationship", key + "/located-at"))
             .str("@type", "uco-core:Relationship")
             .raw_value("uco-core:source", array({id_ref(file_id)}))
             .raw_value("uco-core:target", id_ref(location))
             .str("uco-core:kindOfRelationship", "Located_At")
             .raw_value("uco-core:isDirectional", "true")
             .str("uco-core:description",
                  "the picture's EXIF GPS tags (exif extractor) place it here")
             .done());
  }

  Result<void> item(const ItemInfo& it) override {
    const std::string key = "item-" + it.provenance;
    const std::string id = node("file", key);
    item_nodes_.push_back(id_ref(id));
    JsonObject ff;
    ff.str("@id", node("file-facet", key))
        .str("@type", "uco-observable:FileFacet")
        .str("uco-observable:fileName", text_str(it.name))
        .str("uco-observable:filePath", text_str(it.path))
        .unum("uco-observable:sizeInBytes", it.size)
        .str("uco-observable:allocationStatus", it.deleted ? "deleted" : "allocated")
        .str("uco-observable:fileSystemType", it.fs_type);
    const std::pair<const char*, const TimeInfo*> times[] = {
        {"uco-observable:modifiedTime", &it.mtime},
        {"uco-observable:accessedTime", &it.atime},
        {"uco-observable:metadataChangeTime", &it.ctime},
        {"uco-observable:observableCreatedTime", &it.btime}};
    for (const auto& [k, t] : times)
      if (!t->value.empty()) ff.raw_value(k, typed("xsd:dateTime", t->value));
    std::vector<std::string> facets{ff.done()};
    std::vector<std::string> hashes;
    add_hash(hashes, key, "MD5", it.md5);
    add_hash(hashes, key, "SHA1", it.sha1);
    add_hash(hashes, key, "SHA256", it.sha256);
    for (const auto& p : it.perceptual)
      if (p.algorithm == "pdq") add_hash(hashes, key + "-" + p.pipeline, "PDQ", p.hash);
    if (!hashes.empty())
      facets.push_back(JsonObject()
                           .str("@id", node("content-data-facet", key))
                           .str("@type", "uco-observable:ContentDataFacet")
                           .unum("uco-observable:sizeInBytes", it.size)
                           .raw_value("uco-observable:hash", array(hashes))
                           .done());
    // A carved item (issue 14): each range of the evidence its bytes came from, in order, as a
    // DataRangeFacet (one offset and size each) relative to the image.
    for (std::size_t i = 0; i < it.byte_runs.size(); ++i)
      facets.push_back(JsonObject()
                           .str("@id", node("data-range-facet", key + "/" + std::to_string(i)))
                           .str("@type", "uco-observable:DataRangeFacet")
                           .raw_value("uco-observable:rangeOffset",
                                      typed("xsd:integer", std::to_string(it.byte_runs[i].first)))
                           .raw_value("uco-observable:rangeSize",
                                      typed("xsd:integer", std::to_string(it.byte_runs[i].second)))
                           .str("uco-observable:rangeOffsetType", "image")
                           .done());
    // EXIF records (plugins/exif) as UCO's EXIFFacet: a dictionary of the fields as read.
    std::vector<std::string> exif_entries;
    std::string other_records;
    for (std::size_t i = 0; i < it.records.size(); ++i) {
      const auto& r = it.records[i];
      if (r.extractor == "exif") {
        exif_entries.push_back(JsonObject()
                                   .str("@id", node("exif-entry", key + "/" + std::to_string(i)))
                                   .str("@type", "uco-types:ControlledDictionaryEntry")
                                   .str("uco-types:key", text_str(r.name))
                                   .str("uco-types:value", text_str(r.value))
                                   .done());
      } else {
        other_records += "; " + r.extractor + " " + text_str(r.name) + " = " + text_str(r.value);
      }
    }
    if (!exif_entries.empty()) {
      const std::string dict = node("exif-dictionary", key);
      facets.push_back(JsonObject()
                           .str("@id", node("exif-facet", key))
                           .str("@type", "uco-observable:EXIFFacet")
                           .raw_value("uco-observable:exifData", id_ref(dict))
                           .done());
      emit(JsonObject()
               .str("@id", dict)
               .str("@type", "uco-types:ControlledDictionary")
               .raw_value("uco-types:entry", array(exif_entries))
               .done());
    }
    // The GPS position of the EXIF (signed decimal degrees, metres) as a UCO Location with a
    // LatLongCoordinatesFacet, which the item is Located_At: only with both coordinates.
    emit_location(it, key, id);
    std::string desc = "provenance " + text_str(it.provenance) + "; inode " +
                       text_str(it.inode_str) + "; content " + it.content_type + "; status " +
                       it.status + other_records;
    if (needs_lossless(it.path)) desc += "; path bytes (base64) " + base64_encode(it.path);
    if (it.parent_id <= 0 && !it.byte_runs.empty())
      desc +=
          "; carved, child status " + it.child_status + ": " + carved_status_text(it.child_status);
    emit(JsonObject()
             .str("@id", id)
             .str("@type", "uco-observable:File")
             .str("uco-core:description", desc)
             .raw_value("uco-core:hasFacet", array(facets))
             .done());
    // A reassembled carve is an inference: said as an annotation an examiner must confirm.
    if (it.child_status == "reassembled" && !it.byte_runs.empty())
      emit(JsonObject()
               .str("@id", node("annotation", key + "-reassembled"))
               .str("@type", "uco-core:Annotation")
               .str("uco-core:statement",
                    "This file was " + carved_status_text(it.child_status) + ".")
               .raw_value("uco-core:tag", "[\"reassembled\",\"requires-examiner-review\"]")
               .raw_value("uco-core:object", array({id_ref(id)}))
               .done());
    // The chain (issue 12): an item found inside another is Contained_Within its parent.
    if (it.parent_id > 0) {
      std::string how = "found by extractor " + it.extractor + " at depth " +
                        std::to_string(it.depth) + "; child status " + it.child_status;
      if (it.parent_offset >= 0) how += "; offset " + std::to_string(it.parent_offset);
      emit(JsonObject()
               .str("@id", node("relationship", key + "/contained-within"))
               .str("@type", "uco-observable:ObservableRelationship")
               .raw_value("uco-core:source", array({id_ref(id)}))
               .raw_value("uco-core:target", id_ref(node("file", "item-" + it.parent_provenance)))
               .str("uco-core:kindOfRelationship", "Contained_Within")
               .raw_value("uco-core:isDirectional", "true")
               .str("uco-core:description", how)
               .done());
    }
    for (const auto& m : it.matches) {
      std::vector<std::string> objects{id_ref(id)};
      std::string set_name = "set " + std::to_string(m.set_id);
      for (const auto& [sid, label] : set_labels_)
        if (sid == m.set_id) set_name = label;
      for (const auto& [sid, node_id] : set_nodes_)
        if (sid == m.set_id) objects.push_back(id_ref(node_id));
      std::string statement;
      if (m.kind == "exact") {
        statement = upper_method(m.algorithm) + " " + m.item_value + " of this file is listed in " +
                    set_name + " (category " + text_str(m.category) + ", list status " + m.status +
                    ").";
      } else {
        statement = upper_method(m.algorithm) + " " + m.item_value +
                    " of this file is at distance " + std::to_string(m.distance) + " (threshold " +
                    std::to_string(m.threshold) + ", variant " + text_str(m.variant) +
                    ") from listed " + m.list_value + " in " + set_name + " (category " +
                    text_str(m.category) + "). A near match requires examiner review.";
      }
      std::string tag_list = "[\"" + m.kind + "-match\"" +
                             (m.kind == "exact" ? "]" : ",\"requires-examiner-review\"]");
      emit(JsonObject()
               .str("@id", node("annotation", key + "-match-" + std::to_string(m.id)))
               .str("@type", "uco-core:Annotation")
               .str("uco-core:statement", statement)
               .raw_value("uco-core:tag", tag_list)
               .raw_value("uco-core:object", array(objects))
               .done());
    }
    f_->maybe_flush();
    return {};
  }

  Result<void> end(const ReportData& d) override {
    const auto& m = d.meta;
    std::string performer;
    if (!m.examiner.empty()) {
      performer = node("examiner", m.examiner + "/" + m.examiner_id);
      emit(JsonObject()
               .str("@id", performer)
               .str("@type", "uco-identity:Person")
               .str("uco-core:name", m.examiner)
               .done());
    }
    std::vector<std::string> records;
    for (const auto& e : m.exhibits) {
      const std::string id = node("provenance-record", e);
      records.push_back(id_ref(id));
      JsonObject o;
      o.str("@id", id)
          .str("@type", "case-investigation:ProvenanceRecord")
          .str("case-investigation:exhibitNumber", e)
          .str("uco-core:description", d.source_verified()
                                           ? "evidence whose acquisition hashes were verified"
                                           : "evidence whose acquisition hashes were NOT verified");
      if (!evidence_nodes_.empty()) o.raw_value("uco-core:object", array(evidence_nodes_));
      emit(o.done());
    }
    const std::string tool = node("tool", "vigil/" + m.tool_version + "/" + m.tool_commit);
    emit(JsonObject()
             .str("@id", tool)
             .str("@type", "uco-tool:AnalyticTool")
             .str("uco-core:name", "vigil")
             .str("uco-tool:version", m.tool_version + " (" + m.tool_commit + ")")
             .str("uco-tool:toolType",
                  "media triage: exact and perceptual hashing, known-list matching")
             // The tool-validation record this build was validated against (issue 15), cited
             // as every other report format cites it.
             .str("uco-core:description", "validation record " + std::string(kValidationRecord) +
                                              ", version " + std::string(kValidationVersion) +
                                              ", SHA-256 " + std::string(kValidationSha256))
             .done());
    std::vector<std::string> actions;
    for (const auto& r : d.runs) {
      const std::string rid = "run-" + std::to_string(r.id);
      std::vector<std::string> entries;
      const auto settings = nlohmann::json::parse(r.settings, nullptr, false);
      if (settings.is_object())
        for (const auto& [k, v] : settings.items())
          entries.push_back(JsonObject()
                                .str("@id", node("configuration-entry", rid + "/" + k))
                                .str("@type", "uco-configuration:ConfigurationEntry")
                                .str("uco-configuration:itemName", k)
                                .str("uco-configuration:itemValue",
                                     v.is_string() ? v.get<std::string>() : v.dump())
                                .str("uco-configuration:itemType", "effective-setting")
                                .done());
      entries.push_back(JsonObject()
                            .str("@id", node("configuration-entry", rid + "/command_line"))
                            .str("@type", "uco-configuration:ConfigurationEntry")
                            .str("uco-configuration:itemName", "command_line")
                            .str("uco-configuration:itemValue", text_str(r.command_line))
                            .str("uco-configuration:itemType", "commandline-argument")
                            .done());
      const std::string configured = node("configured-tool", rid);
      emit(JsonObject()
               .str("@id", configured)
               .raw_value("@type", "[\"uco-tool:AnalyticTool\",\"uco-tool:ConfiguredTool\"]")
               .str("uco-core:name", "vigil")
               .str("uco-tool:version", r.tool_version + " (" + r.git_commit + ")")
               .raw_value("uco-configuration:isConfigurationOf", id_ref(tool))
               .raw_value("uco-configuration:usesConfiguration",
                          JsonObject()
                              .str("@id", node("configuration", rid))
                              .str("@type", "uco-configuration:Configuration")
                              .raw_value("uco-configuration:configurationEntry", array(entries))
                              .done())
               .done());
      const std::string action = node("action", rid);
      actions.push_back(id_ref(action));
      JsonObject a;
      a.str("@id", action)
          .str("@type", "case-investigation:InvestigativeAction")
          .str("uco-core:name",
               "vigil scan (run " + std::to_string(r.id) + ", status " + r.status + ")");
      if (!r.started_utc.empty())
        a.raw_value("uco-action:startTime", typed("xsd:dateTime", r.started_utc));
      if (!r.finished_utc.empty())
        a.raw_value("uco-action:endTime", typed("xsd:dateTime", r.finished_utc));
      if (!performer.empty()) a.raw_value("uco-action:performer", id_ref(performer));
      a.raw_value("uco-action:instrument", id_ref(configured));
      if (!records.empty()) a.raw_value("uco-action:object", array(records));
      // Items carry no run id (lib/case): every item is attributed to the last run.
      if (&r == &d.runs.back() && !item_nodes_.empty())
        a.raw_value("uco-action:result", array(item_nodes_));
      emit(a.done());
    }
    std::vector<std::string> objects = records;
    objects.insert(objects.end(), actions.begin(), actions.end());
    JsonObject inv;
    inv.str("@id", node("investigation", m.case_number))
        .str("@type", "case-investigation:Investigation")
        .str("uco-core:name", m.case_number)
        .str("uco-core:description", "vigil report " + m.report_id + " of " +
                                         std::to_string(m.exhibits.size()) + " exhibit(s)")
        .raw_value("case-investigation:focus", "[\"known-file hash matching\"]");
    if (!objects.empty()) inv.raw_value("uco-core:object", array(objects));
    emit(inv.done());
    f_->buffer() += "\n]\n}\n";
    return f_->commit();
  }

 private:
  std::string node(std::string_view kind, std::string_view key) {
    return "kb:" + std::string(kind) + "-" +
           derived_uuid(report_id_ + "/" + std::string(kind) + "/" + std::string(key));
  }
  void add_hash(std::vector<std::string>& out, const std::string& key, const char* method,
                const std::string& value) {
    if (value.empty()) return;
    out.push_back(JsonObject()
                      .str("@id", node("hash", key + "/" + method))
                      .str("@type", "uco-types:Hash")
                      .raw_value("uco-types:hashMethod", typed("xsd:string", method))
                      .raw_value("uco-types:hashValue", typed("xsd:hexBinary", value))
                      .done());
  }
  void emit(const std::string& node_json) {
    auto& b = f_->buffer();
    if (!first_) b += ",\n";
    first_ = false;
    b += node_json;
    f_->maybe_flush();
  }

  std::unique_ptr<AtomicFile> f_;
  std::string report_id_;
  bool first_ = true;
  std::vector<std::string> evidence_nodes_, item_nodes_;
  std::vector<std::pair<std::int64_t, std::string>> set_nodes_, set_labels_;
};

}  // namespace

Result<std::unique_ptr<Writer>> make_case_writer(const std::string& dir) {
  auto f = AtomicFile::create(dir, "report.case.jsonld");
  if (!f) return f.error();
  return std::unique_ptr<Writer>(new CaseWriter(std::move(*f)));
}

}  // namespace vigil::report
