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
  acc_.clear();
  bool any = false;
  // istream::getline fills at most one buffer; a longer line comes in several pieces, which are
  // joined up to kMaxLine and discarded beyond it.
  while (true) {
    in_.getline(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    std::size_t n = static_cast<std::size_t>(in_.gcount());
    const bool full = in_.fail() && !in_.eof() && !in_.bad() && n + 1 == buf_.size();
    if (!full && in_.fail()) {  // end of input (or a read error) with nothing extracted
      if (!any) return false;
      break;
    }
    if (!full && !in_.eof()) --n;  // the newline was extracted, not stored
    any = true;
    if (!too_long_) {
      if (acc_.size() + n > kMaxLine) {
        too_long_ = true;
        acc_.clear();
      } else {
        acc_.append(buf_.data(), n);
      }
    }
    if (!full) break;
    in_.clear();
  }
  ++line_;
  if (in_.eof() && !in_.bad()) in_.clear(std::ios::eofbit);
  line = too_long_ ? std::string_view() : std::string_view(acc_);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line_ == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  return true;
}

}  // namespace vigil::hashset::detail
