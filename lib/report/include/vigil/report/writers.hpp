// Output writers. Machine outputs are sinks fed one item at a time (begin, item..., end), so a
// case of any size streams through in constant memory; the human reports (HTML, PDF) render the
// loaded ReportData plus the manifest of the machine outputs. Every file is written under a
// temporary name in its folder and renamed into place only when complete.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "vigil/core/result.hpp"
#include "vigil/report/model.hpp"

namespace vigil::report {

// A file written to "<dir>/.<name>.partial" and renamed to "<dir>/<name>" by commit(); removed
// if destroyed uncommitted. Writes are buffered; any failure (disk full) is reported by commit().
class AtomicFile {
 public:
  static Result<std::unique_ptr<AtomicFile>> create(const std::string& dir,
                                                    const std::string& name);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view s);
  std::string& buffer() { return buf_; }  // append, then call maybe_flush()
  void maybe_flush() {
    if (buf_.size() >= kFlushAt) flush();
  }
  Result<void> commit();
  [[nodiscard]] const std::string& final_path() const { return final_; }

 private:
  AtomicFile() = default;
  void flush();
  static constexpr std::size_t kFlushAt = 1 << 20;
  std::FILE* f_ = nullptr;
  std::string temp_, final_, buf_;
  bool failed_ = false;
  int saved_errno_ = 0;
};

// A machine-readable output: one file, fed the report data and then every item.
class Writer {
 public:
  virtual ~Writer() = default;
  [[nodiscard]] virtual std::string file_name() const = 0;
  virtual Result<void> begin(const ReportData& data) = 0;
  virtual Result<void> item(const ItemInfo& item) = 0;
  virtual Result<void> end(const ReportData& data) = 0;
};

// Each factory creates the file in dir (under its temporary name).
Result<std::unique_ptr<Writer>> make_jsonl_writer(const std::string& dir);        // report.jsonl
Result<std::unique_ptr<Writer>> make_csv_writer(const std::string& dir);          // items.csv
Result<std::unique_ptr<Writer>> make_matches_csv_writer(const std::string& dir);  // matches.csv
Result<std::unique_ptr<Writer>> make_dfxml_writer(const std::string& dir);        // report.dfxml
Result<std::unique_ptr<Writer>> make_case_writer(const std::string& dir);  // report.case.jsonld
Result<std::unique_ptr<Writer>> make_vics_writer(const std::string& dir);  // vics-case.json

// One line of a manifest: a file of the report and its SHA-256.
struct ManifestEntry {
  std::string file;
  std::string sha256;
  std::uint64_t size = 0;
};

// What the human reports print about the machine outputs: each file's hash, and the hash of the
// machine manifest file (machine.sha256) that lists them, printed on the cover.
struct MachineManifest {
  std::vector<ManifestEntry> files;
  std::string manifest_file;    // "machine.sha256"
  std::string manifest_sha256;  // SHA-256 of that file's bytes
};

// report.html: self-contained (inline CSS, no scripts, no external resources), prints well.
Result<void> write_html(const std::string& dir, const ReportData& data,
                        const MachineManifest& machine);
// report.pdf: cairo + pango, fonts embedded, report id and "page x of y" on every page.
Result<void> write_pdf(const std::string& dir, const ReportData& data,
                       const MachineManifest& machine);

}  // namespace vigil::report
