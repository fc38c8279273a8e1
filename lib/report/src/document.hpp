// The human report as a list of blocks, built once from ReportData and rendered twice: to HTML
// (html_writer.cpp) and to PDF (pdf_writer.cpp), so both say exactly the same things. Text in
// blocks is valid UTF-8: evidence bytes that are not are shown as \xNN (printable()).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "vigil/report/model.hpp"
#include "vigil/report/writers.hpp"

namespace vigil::report {

struct Block {
  enum class Kind {
    kTitle,       // the cover title
    kHeading,     // a numbered section
    kSubheading,  // within a section
    kParagraph,
    kAlert,     // a loud statement (SOURCE NOT VERIFIED, requires examiner review)
    kKeyValue,  // two-column table of pairs
    kTable,     // columns + rows
    kBox,       // an empty, marked area for the examiner to fill in (box_lines tall)
    kPageBreak,
    kImage,  // a blurred greyscale thumbnail (PNG in `image`), `text` its caption
  };
  Kind kind = Kind::kParagraph;
  std::string text;
  std::vector<std::pair<std::string, std::string>> pairs;
  std::vector<std::string> columns;
  std::vector<double> widths;  // relative column widths
  std::vector<std::vector<std::string>> rows;
  int box_lines = 0;
  bool monospace = false;  // hex digests, command lines
  std::string image;       // PNG bytes (kImage)
};

struct Document {
  std::string title;
  std::string report_id;
  std::string running_header;        // "Case N · exhibits · report id"
  std::vector<std::string> banners;  // on every page, e.g. "SOURCE NOT VERIFIED"
  bool source_verified = false;
  std::vector<Block> blocks;
};

Document build_document(const ReportData& data, const MachineManifest& machine);

// Items inside items (document_extraction.cpp): summary lines, the extractors each run used
// (run, name, version), and an item's chain and extractor records.
std::vector<std::pair<std::string, std::string>> extraction_summary(const ReportData& d);
std::vector<std::vector<std::string>> extractor_rows(const ReportData& d);
std::vector<std::pair<std::string, std::string>> item_chain(const ItemInfo& it);
// A carved item's child status said for a reader ("reassembled" is an inference).
std::string carved_status_text(const std::string& child_status);
// What was carved, what gap carving is and why a reassembled picture needs confirming.
std::string carving_text(const ReportData& d);
// What a thumbnail match means, when a matched item is a thumbnail (issue 13); "" otherwise.
std::string thumbnail_note(const ReportData& d);

}  // namespace vigil::report
