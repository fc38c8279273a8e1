#include "vigil/report/escape.hpp"

#include <cstdio>

#include "vigil/core/text.hpp"

namespace vigil::report {
namespace {

// Shows invalid UTF-8 bytes and C0/DEL controls as \xNN; keeps everything else.
std::string visible(std::string_view s, bool keep_tab_newline) {
  if (!keep_tab_newline) return printable(s);
  // printable() escapes every control; tab/LF/CR are legal XML and kept as character references.
  std::string out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
      out += printable(s.substr(start, i - start));
      if (i < s.size()) out += s[i];
      start = i + 1;
    }
  }
  return out;
}

std::string escape_markup(std::string_view s, bool xml) {
  std::string out;
  out.reserve(s.size() + 16);
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      // In XML a literal newline in an attribute is normalised to a space; a reference is not.
      case '\n':
        out += xml ? "&#10;" : "\n";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\t':
        out += xml ? "&#9;" : "\t";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string html_escape(std::string_view s) { return escape_markup(visible(s, false), false); }

std::string xml_escape(std::string_view s) { return escape_markup(visible(s, true), true); }

bool needs_lossless(std::string_view s) {
  if (!is_valid_utf8(s)) return true;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7f) return true;
  }
  return false;
}

std::string csv_plain(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_text(std::string_view s) {
  std::string v = is_valid_utf8(s) ? std::string(s) : printable(s);
  if (!v.empty() &&
      (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r'))
    v.insert(v.begin(), '\'');
  return csv_plain(v);
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, lossy_utf8(s));
  return out;
}

}  // namespace vigil::report
