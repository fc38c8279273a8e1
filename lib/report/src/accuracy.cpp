#include "vigil/report/accuracy.hpp"

#include <charconv>
#include <regex>

namespace vigil::report {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

int to_int(const std::string& s) {
  int v = -1;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() ? v : -1;
}

std::uint64_t to_u64(const std::string& s) {
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::vector<std::string> cells(std::string_view line) {
  std::vector<std::string> out;
  line.remove_prefix(1);  // the leading '|'
  while (!line.empty()) {
    const auto bar = line.find('|');
    if (bar == std::string_view::npos) break;
    out.push_back(trim(line.substr(0, bar)));
    line.remove_prefix(bar + 1);
  }
  return out;
}

}  // namespace

AccuracyFigures parse_accuracy(std::string_view md) {
  AccuracyFigures f;
  const std::regex caption_threshold(R"(threshold (\d+))");
  const std::regex caption_quality(R"(quality >= (\d+))");
  const std::regex rate(R"((\d+)/(\d+) \([\d.]+ %\))");
  const std::regex false_matches(
      R"(False matches across all (\d+) distinct pairs of originals: (\d+) with the plain hash )"
      R"(\(([\d.]+ %)\), (\d+) with the eight variants \(([\d.]+ %)\); smallest distance (\d+))");
  std::smatch m;
  while (!md.empty()) {
    const auto nl = md.find('\n');
    const std::string line = trim(md.substr(0, nl));
    md.remove_prefix(nl == std::string_view::npos ? md.size() : nl + 1);
    if (line.rfind("Version: ", 0) == 0) {
      const auto v = line.substr(9);
      f.version = v.substr(0, v.find(' '));
    } else if (line.rfind("PDQ (", 0) == 0 && std::regex_search(line, m, caption_threshold)) {
      f.caption = line;
      f.threshold = to_int(m[1].str());
      if (std::regex_search(line, m, caption_quality)) f.min_quality = to_int(m[1].str());
    } else if (line.rfind("| ", 0) == 0) {
      const auto c = cells(line);
      if (c.size() < 6 || !std::regex_match(c[1], m, rate)) continue;  // header, separator
      AccuracyRow r;
      r.transform = c[0];
      r.near_rate = c[1];
      r.matched = to_int(m[1].str());
      r.total = to_int(m[2].str());
      r.plain_rate = c[2];
      r.mean_distance = c[3];
      r.max_distance = to_int(c[4]);
      r.below_quality = to_int(c[5]);
      f.rows.push_back(std::move(r));
    } else if (std::regex_search(line, m, false_matches)) {
      f.false_line = line;
      f.pairs = to_u64(m[1].str());
      f.false_plain = to_u64(m[2].str());
      f.false_plain_rate = m[3].str();
      f.false_variants = to_u64(m[4].str());
      f.false_variants_rate = m[5].str();
      f.smallest_distance = to_int(m[6].str());
    }
  }
  return f;
}

const AccuracyFigures& measured_accuracy() {
  static const AccuracyFigures figures = parse_accuracy(accuracy_document());
  return figures;
}

}  // namespace vigil::report
