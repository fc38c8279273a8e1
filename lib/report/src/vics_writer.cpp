// VICS 2.0 JSON "#Cases" export (Project VIC data model, identifier
// http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml; no public schema exists, so the
// fields are those the open importers read, e.g. IPED https://github.com/sepinf-inc/IPED):
// one case with one Media entry per digested item, MediaFiles giving where it was found and
// AlternativeHashes holding SHA-256. `vigil hashset import` reads it back. A Category is written
// only when an exact match carries one from a list; the export never assigns one itself.
#include "json_builder.hpp"
#include "vigil/report/report.hpp"
#include "vigil/report/validation_record.hpp"
#include "vigil/report/writers.hpp"

namespace vigil::report {
namespace {

class VicsWriter final : public Writer {
 public:
  explicit VicsWriter(std::unique_ptr<AtomicFile> f) : f_(std::move(f)) {}
  [[nodiscard]] std::string file_name() const override { return "vics-case.json"; }

  Result<void> begin(const ReportData& d) override {
    std::string profile = "CUSTOM";
    if (!d.hash_sets.empty()) {
      bool us = true, uk = true;
      for (const auto& s : d.hash_sets) {
        us = us && s.profile == "vics-us";
        uk = uk && s.profile == "vics-uk";
      }
      profile = us ? "US" : uk ? "UK" : "CUSTOM";
    }
    exhibit_ = d.meta.exhibits.empty() ? "" : d.meta.exhibits.front();
    auto& b = f_->buffer();
    b += "{\"@odata.context\":\"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/" +
         profile + "/$metadata#Cases\",\"value\":[";
    std::string head =
        JsonObject()
            .str("CaseID", derived_uuid(d.meta.report_id + "/vics-case"))
            .str("CaseNumber", d.meta.case_number)
            .str("ContactName", d.meta.examiner)
            .str("ContactOrganization", d.meta.agency)
            .str("SourceApplicationName", "vigil")
            .str("SourceApplicationVersion", d.meta.tool_version + " (" + d.meta.tool_commit + ")")
            // The VICS model has no field for it: an OData instance annotation (a "@"
            // name of vigil's namespace), which consumers that do not know it ignore.
            .str("@vigil.validationRecord", std::string(kValidationRecord))
            .str("@vigil.validationRecordVersion", std::string(kValidationVersion))
            .str("@vigil.validationRecordSha256", std::string(kValidationSha256))
            .done();
    head.pop_back();  // keep the object open for Media
    b += head + ",\"Media\":[";
    return {};
  }

  Result<void> item(const ItemInfo& it) override {
    if (it.md5.empty() && it.sha1.empty() && it.sha256.empty()) return {};
    ++media_;
    JsonObject file;
    file.str("MD5", it.md5).text("FileName", it.name).text("FilePath", it.path);
    if (!it.btime.value.empty()) file.str("Created", it.btime.value);
    if (!it.mtime.value.empty()) file.str("Written", it.mtime.value);
    if (!it.atime.value.empty()) file.str("Accessed", it.atime.value);
    file.boolean("Deleted", it.deleted)
        .boolean("Unallocated", it.deleted)
        .str("SourceID", exhibit_);
    JsonObject m;
    m.unum("MediaID", media_);
    if (!it.md5.empty()) m.str("MD5", it.md5);
    if (!it.sha1.empty()) m.str("SHA1", it.sha1);
    m.unum("MediaSize", it.size).raw_value("MediaFiles", "[" + file.done() + "]");
    if (!it.sha256.empty())
      m.raw_value("AlternativeHashes", "[" +
                                           JsonObject()
                                               .str("MD5", it.md5)
                                               .str("HashName", "SHA256")
                                               .str("HashValue", it.sha256)
                                               .done() +
                                           "]");
    for (const auto& match : it.matches) {
      if (match.kind == "exact" && !match.category.empty()) {
        m.text("Category", match.category)
            .boolean("IsPrecategorized", true)
            .str("Comments",
                 "category as listed in known-list set " + std::to_string(match.set_id));
        break;
      }
    }
    auto& b = f_->buffer();
    if (media_ > 1) b += ',';
    b += m.done();
    f_->maybe_flush();
    return {};
  }

  Result<void> end(const ReportData&) override {
    f_->buffer() += "],\"TotalMediaFiles\":" + std::to_string(media_) + "}]}\n";
    return f_->commit();
  }

 private:
  std::unique_ptr<AtomicFile> f_;
  std::string exhibit_;
  std::uint64_t media_ = 0;
};

}  // namespace

Result<std::unique_ptr<Writer>> make_vics_writer(const std::string& dir) {
  auto f = AtomicFile::create(dir, "vics-case.json");
  if (!f) return f.error();
  return std::unique_ptr<Writer>(new VicsWriter(std::move(*f)));
}

}  // namespace vigil::report
