#include "line_util.hpp"

#include <limits>

namespace vigil::hashset::detail {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool split_csv(std::string_view line, char sep, std::vector<std::string>& out) {
  out.clear();
  std::string field;
  std::size_t i = 0;
  while (true) {
    field.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        field.push_back(line[i++]);
      }
      if (!closed) return false;
      // Text between the closing quote and the separator is kept (lenient, as TSK is).
      while (i < line.size() && line[i] != sep) field.push_back(line[i++]);
    } else {
      while (i < line.size() && line[i] != sep) field.push_back(line[i++]);
    }
    out.push_back(field);
    if (i >= line.size()) return true;
    ++i;  // the separator
  }
}

bool LineReader::next(std::string_view& line) {
  too_long_ = false;
  if (!in_.getline(buf_.data(), static_cast<std::streamsize>(buf_.size()))) {
    if (in_.eof() && in_.gcount() > 0) {
      // last line without a newline
    } else if (!in_.eof() && in_.fail() && !in_.bad()) {
      // The line did not fit: skip to its end and report it.
      in_.clear();
      in_.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
      ++line_;
      too_long_ = true;
      line = {};
      return true;
    } else {
      return false;
    }
  }
  ++line_;
  std::size_t n = static_cast<std::size_t>(in_.gcount());
  // gcount counts the extracted newline; getline stores a terminating NUL instead.
  if (n > 0 && !in_.eof()) --n;
  line = std::string_view(buf_.data(), n);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line_ == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  return true;
}

}  // namespace vigil::hashset::detail
