// Line reading and CSV splitting shared by the line-based parsers.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/hashset/import.hpp"

namespace vigil::hashset::detail {

std::string_view trim(std::string_view s);

// Splits one CSV line (RFC 4180 quoting: "a,b" and "" inside quotes); false on an unterminated
// quote. Unquoted fields are kept as they are.
bool split_csv(std::string_view line, char sep, std::vector<std::string>& out);

// Reads lines of at most kMaxLine bytes (in 64 KiB pieces); strips CR before LF and a UTF-8 BOM on
// line 1. A longer line is consumed whole and reported with too_long() so the caller can count it
// as rejected.
class LineReader {
 public:
  static constexpr std::size_t kMaxLine = 1 << 20;
  explicit LineReader(std::istream& in) : in_(in), buf_(64 * 1024) {}
  bool next(std::string_view& line);
  [[nodiscard]] std::uint64_t line_number() const { return line_; }
  [[nodiscard]] bool too_long() const { return too_long_; }
  [[nodiscard]] bool failed() const { return in_.bad(); }

 private:
  std::istream& in_;
  std::vector<char> buf_;
  std::string acc_;
  std::uint64_t line_ = 0;
  bool too_long_ = false;
};

// True if `line` is acceptable to a line format (detection); first_line allows its header.
bool line_fits(Format f, std::string_view line, bool first_line);

}  // namespace vigil::hashset::detail
