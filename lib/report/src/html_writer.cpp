// report.html: one self-contained file. Inline CSS only: no script, no external resource (fonts,
// images, links), so it reads the same offline and in any browser. For print, the running header
// and footer sit in the <thead>/<tfoot> of a table wrapping the page, which browsers repeat on
// every printed page; the PDF (pdf_writer.cpp) also carries "page x of y".
#include "document.hpp"
#include "vigil/core/text.hpp"
#include "vigil/report/escape.hpp"
#include "vigil/report/writers.hpp"

namespace vigil::report {
namespace {

constexpr const char* kCss = R"css(
body{font-family:"DejaVu Sans",Arial,"Noto Sans","WenQuanYi Micro Hei",sans-serif;font-size:10pt;
color:#000;background:#fff;margin:0 auto;max-width:60em;padding:0 1em}
table.page{width:100%;border-collapse:collapse}
.running{font-size:8pt;color:#333;border-bottom:1px solid #999;padding:2px 0}
.running.foot{border-top:1px solid #999;border-bottom:none}
.banner{background:#c00;color:#fff;font-weight:bold;text-align:center;padding:3px;margin:2px 0;
font-size:11pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}
h1{font-size:20pt;margin:.6em 0}
h2{font-size:14pt;border-bottom:2px solid #000;margin-top:1.4em;page-break-after:avoid}
h3{font-size:11pt;margin-top:1em;page-break-after:avoid}
table.kv,table.grid{border-collapse:collapse;width:100%;margin:.4em 0}
table.kv th,table.kv td,table.grid th,table.grid td{border:1px solid #999;padding:2px 4px;
vertical-align:top;text-align:left;overflow-wrap:anywhere;word-break:break-word;unicode-bidi:plaintext}
table.kv th{width:30%;background:#eee;font-weight:normal}
table.grid th{background:#eee}
tr{page-break-inside:avoid}
.mono{font-family:"DejaVu Sans Mono",monospace;font-size:9pt}
.alert{border:2px solid #c00;color:#900;font-weight:bold;padding:4px;margin:.5em 0}
.box{border:1px solid #000;margin:.5em 0;padding:4px;color:#555}
@page{size:A4;margin:14mm 12mm}
@media print{body{max-width:none;padding:0;font-size:9pt}h2{page-break-before:auto}}
)css";

}  // namespace

Result<void> write_html(const std::string& dir, const ReportData& data,
                        const MachineManifest& machine) {
  const Document doc = build_document(data, machine);
  auto f = AtomicFile::create(dir, "report.html");
  if (!f) return f.error();
  std::string& o = (*f)->buffer();
  o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  o += "<meta name=\"generator\" content=\"vigil " + html_escape(data.meta.tool_version) + "\">\n";
  o += "<meta name=\"report-id\" content=\"" + html_escape(doc.report_id) + "\">\n";
  o += "<title>" + html_escape(doc.title + " " + doc.report_id) + "</title>\n";
  o += "<style>" + std::string(kCss) + "</style>\n</head>\n<body>\n";
  std::string running = "<div class=\"running\">" + html_escape(doc.running_header) + "</div>";
  for (const auto& b : doc.banners) running += "<div class=\"banner\">" + html_escape(b) + "</div>";
  o += "<table class=\"page\"><thead><tr><td>" + running + "</td></tr></thead>\n";
  o += "<tfoot><tr><td><div class=\"running foot\">Report " + html_escape(doc.report_id) +
       (doc.source_verified ? "" : " · SOURCE NOT VERIFIED") +
       "</div></td></tr></tfoot>\n<tbody><tr><td>\n";
  for (const auto& b : doc.blocks) {
    const std::string mono = b.monospace ? " mono" : "";
    switch (b.kind) {
      case Block::Kind::kTitle:
        o += "<h1>" + html_escape(b.text) + "</h1>\n";
        break;
      case Block::Kind::kHeading:
        o += "<h2>" + html_escape(b.text) + "</h2>\n";
        break;
      case Block::Kind::kSubheading:
        o += "<h3>" + html_escape(b.text) + "</h3>\n";
        break;
      case Block::Kind::kParagraph:
        o += "<p class=\"" + mono + "\">" + html_escape(b.text) + "</p>\n";
        break;
      case Block::Kind::kAlert:
        o += "<p class=\"alert\">" + html_escape(b.text) + "</p>\n";
        break;
      case Block::Kind::kKeyValue:
        o += "<table class=\"kv" + mono + "\">\n";
        for (const auto& [k, v] : b.pairs)
          o += "<tr><th>" + html_escape(k) + "</th><td>" + html_escape(v) + "</td></tr>\n";
        o += "</table>\n";
        break;
      case Block::Kind::kTable:
        if (b.rows.empty()) break;
        o += "<table class=\"grid" + mono + "\">\n<thead><tr>";
        for (const auto& c : b.columns) o += "<th>" + html_escape(c) + "</th>";
        o += "</tr></thead>\n<tbody>\n";
        for (const auto& r : b.rows) {
          o += "<tr>";
          for (const auto& c : r) o += "<td>" + html_escape(c) + "</td>";
          o += "</tr>\n";
          (*f)->maybe_flush();
        }
        o += "</tbody></table>\n";
        break;
      case Block::Kind::kBox:
        o +=
            "<div class=\"box\"><div>" + html_escape(b.text) +
            "</div><div class=\"lines\" style=\"min-height:" + std::to_string(b.box_lines * 3 / 2) +
            "em\"></div></div>\n";
        break;
      case Block::Kind::kPageBreak:
        o += "<div style=\"page-break-after:always\"></div>\n";
        break;
      case Block::Kind::kImage:
        // Inline (data: URI): the page stays self-contained.
        o += "<figure class=\"thumb\"><img alt=\"blurred greyscale thumbnail\" "
             "src=\"data:image/png;base64," +
             base64_encode(b.image) + "\"><figcaption>" + html_escape(b.text) +
             "</figcaption></figure>\n";
        break;
    }
    (*f)->maybe_flush();
  }
  o += "</td></tr></tbody></table>\n</body>\n</html>\n";
  return (*f)->commit();
}

}  // namespace vigil::report
