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

std::string carved_status_text(const std::string& child_status) {
  if (child_status == "reassembled")
    return "REASSEMBLED from two fragments by gap carving: an inference, not a file read as "
           "one; the second range was chosen because the join decodes, so the join is to be "
           "confirmed by an examiner";
  if (child_status == "partial")
    return "PARTIAL: only part of the picture decodes or was carved (see its warning)";
  if (child_status == "ok") return "whole: one contiguous range that decodes to its end";
  return printable(child_status);
}

std::string carving_text(const ReportData& d) {
  const auto& s = d.summary;
  if (!s.carving_enabled)
    return "unallocated space and slack are not carved (carving was off in every run)";
  return "unallocated space, disk space no partition covers and the slack of allocated files "
         "were carved for JPEG, PNG, GIF, BMP and WebP pictures, within the carving limits of "
         "section 2: " +
         std::to_string(s.carved) + " picture(s) carved, " + std::to_string(s.carved_partial) +
         " of them partial (they decode only in part or were cut at a limit), " +
         std::to_string(s.carved_reassembled) +
         " reassembled. Gap carving: a JPEG whose decoding stops because other data "
         "interrupts it is searched for a continuation in the following space (up to 8 MiB, on "
         "sector boundaries), and the two ranges are joined when the join decodes to its end. A "
         "reassembled picture is an inference, not an observed file: its second range was "
         "chosen because it decodes, which a wrong continuation can also do (measured on "
         "synthetic pictures: about 0.5% of joins off by one to a few sectors), so its join "
         "is to be confirmed by an examiner. " +
         std::to_string(s.carved_deleted_content) +
         " carved picture(s) were the content of listed deleted files (the same first byte "
         "and the same SHA-256) and are listed once, as those files";
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
  // A carved item (issue 14): where its bytes lie, and how far it is an observation.
  if (!it.byte_runs.empty()) {
    std::string ranges;
    for (const auto& [offset, length] : it.byte_runs) {
      if (!ranges.empty()) ranges += ", ";
      ranges += std::to_string(offset) + "+" + std::to_string(length);
    }
    p.emplace_back("Carved from (byte offset+length in the evidence)", ranges);
    p.emplace_back("Carving status", carved_status_text(it.child_status));
  }
  bool linked = false;
  for (const auto& r : it.records) {
    // Thumbnail links (lib/pipeline thumbnail_links.hpp): the file the index lists for the
    // thumbnail's cache id, said as such.
    if (r.extractor == "thumbnail_links") {
      linked = true;
      p.emplace_back("Original file (Windows Search index)", printable(r.value));
      continue;
    }
    p.emplace_back("Record " + printable(r.extractor) + " " + printable(r.name),
                   printable(r.value));
  }
  if (it.extractor == "thumbcache" && !linked)
    p.emplace_back("Original file (Windows Search index)",
                   "none recorded: no Windows Search index read from this evidence lists this "
                   "thumbnail's cache id");
  return p;
}

std::string thumbnail_note(const ReportData& d) {
  bool any = false;
  for (const auto& it : d.matched_items)
    any |= it.extractor == "thumbcache" || it.extractor == "thumbsdb";
  if (!any) return {};
  return "Some matched items are thumbnails: pictures that Windows Explorer made and kept in a "
         "thumbnail cache (thumbcache_*.db) or a Thumbs.db, found inside that file (\"Found "
         "inside\"). A thumbnail exists because the picture it was made from was on this system, "
         "or on a network share or removable medium viewed from it, when Explorer displayed it; "
         "it can remain after that picture was deleted. Where a Windows Search index in the same "
         "evidence lists the thumbnail's cache id (System.ThumbnailCacheId), the file the index "
         "recorded for it is shown as \"Original file\", with the size and times the index "
         "holds; for a Thumbs.db thumbnail the catalog's file name is the item's name. These are "
         "the records as found. The report does not state whether that file still exists, who "
         "viewed it, or when the thumbnail was made.";
}

}  // namespace vigil::report
