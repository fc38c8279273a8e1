// Reads a case store for reporting: read-only, never migrating, refusing a store that a running
// scan holds (the report must describe a finished state) or one from a newer schema.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "vigil/core/result.hpp"
#include "vigil/report/model.hpp"

struct sqlite3;

namespace vigil::report {

class CaseReader {
 public:
  // Opens DIR/case.sqlite read-only. kNotFound: no store; kUnsupported: newer schema; kBusy: a
  // scan holds the case.
  static Result<std::unique_ptr<CaseReader>> open(const std::string& case_dir);
  ~CaseReader();
  CaseReader(const CaseReader&) = delete;
  CaseReader& operator=(const CaseReader&) = delete;

  // Loads everything but the item inventory. meta.report_id is derived here from the case
  // content (audit chain head, runs, item count) and the options in meta, so that the same store
  // and options give the same id.
  Result<ReportData> load(ReportMeta meta);

  // Streams every item (with its perceptual hashes and matches) in a fixed order: evidence id,
  // then provenance. The callback's error stops the stream and is returned.
  Result<void> for_each_item(const std::function<Result<void>(const ItemInfo&)>& fn);

 private:
  CaseReader() = default;
  sqlite3* db_ = nullptr;
  int lock_fd_ = -1;
  int scan_lock_fd_ = -1;  // shared hold of the case's scan lock (case_store::ScanLock)
};

}  // namespace vigil::report
