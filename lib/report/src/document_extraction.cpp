// The report's parts about items inside items (issue 12): which extractors ran, what they found,
// the limits they reached, and the chain from the evidence down to each matched item.
#include <map>

#include "document.hpp"
#include "vigil/core/text.hpp"

namespace vigil::report {

std::vector<std::pair<std::string, std::string>> extraction_summary(const ReportData& d) {
  const auto& s = d.summary;
  return {{"Items found inside items (by extractors)", std::to_string(s.child_items)},
          {"Extractor records (EXIF fields, ...)", std::to_string(s.records)},
          {"Extraction limits reached (warnings of code limit)", std::to_string(s.limit_warnings)},
          {"Extractor failures (item errors, warnings of code extractor)",
           std::to_string(s.extractor_errors)}};
}

std::vector<std::vector<std::string>> extractor_rows(const ReportData& d) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : d.run_extractors)
    rows.push_back({std::to_string(e.run_id), printable(e.name), printable(e.version)});
  return rows;
}

std::vector<std::pair<std::string, std::string>> item_chain(const ItemInfo& it) {
  std::vector<std::pair<std::string, std::string>> p;
  if (it.parent_id > 0) {
    p.emplace_back("Found inside",
                   "item " + std::to_string(it.parent_id) + ": " + printable(it.parent_provenance));
    p.emplace_back("Found by",
                   "extractor " + printable(it.extractor) + ", depth " + std::to_string(it.depth) +
                       ", child status " + printable(it.child_status) +
                       (it.parent_offset >= 0 ? ", offset " + std::to_string(it.parent_offset)
                                              : std::string()));
  }
  for (const auto& r : it.records)
    p.emplace_back("Record " + printable(r.extractor) + " " + printable(r.name),
                   printable(r.value));
  return p;
}

}  // namespace vigil::report
