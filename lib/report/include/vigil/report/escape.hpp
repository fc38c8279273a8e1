// Escaping for every output format. Names from evidence are hostile: they may hold markup,
// spreadsheet formulas, quotes, control characters and bytes that are not UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace vigil::report {

// HTML text and attribute values: & < > " ' escaped; invalid UTF-8 and control characters shown
// as \xNN (printable()), so nothing from evidence can form markup or break the page.
std::string html_escape(std::string_view s);

// XML 1.0 character data and attribute values: & < > " ' escaped; characters XML 1.0 forbids
// (C0 controls other than tab, LF, CR) and invalid UTF-8 shown as \xNN text. Use
// needs_lossless() to decide whether to add a base64 copy of the exact bytes.
std::string xml_escape(std::string_view s);

// True when s is not valid UTF-8 or holds control characters that text outputs cannot carry
// exactly; such values get an extra base64 field with the exact bytes.
bool needs_lossless(std::string_view s);

// One CSV field (RFC 4180), always quoted. A text value that a spreadsheet would run as a formula
// (first character = + - @ tab or CR; OWASP "CSV injection") is prefixed with a single quote.
// Invalid UTF-8 is shown as \xNN (the JSON Lines output keeps the exact bytes).
std::string csv_text(std::string_view s);
// A number or a value we produced ourselves (hex digests, ISO times): quoted, never prefixed.
std::string csv_plain(std::string_view s);

// A JSON string literal for text from evidence that must be valid UTF-8 in the output
// (lossy_utf8, then JSON escaping).
std::string json_string(std::string_view s);

}  // namespace vigil::report
