// The format parsers behind import_set(), exposed for tests and fuzz targets: each reads a
// stream and hands records and rejected lines to a sink. They never trust their input: every
// field is length- and syntax-checked, and a bad line is a counted rejection with its line number.
#pragma once

#include <cstdint>
#include <istream>
#include <map>
#include <string>

#include "vigil/core/result.hpp"
#include "vigil/hashset/import.hpp"
#include "vigil/hashset/types.hpp"

namespace vigil::hashset {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // A parsed record (source and status are set by the caller). An Error aborts the parse.
  [[nodiscard]] virtual Result<void> record(Record&& r) = 0;
  virtual void reject(std::uint64_t line, std::string reason) = 0;
};

struct ParseResult {
  std::string detail;        // e.g. "VICS 2.0 US #Media", "hashdeep 1.0 size,md5,sha256,filename"
  std::string version;       // a release the format states (RDS version), else empty
  std::string vics_profile;  // "US", "UK", "CUSTOM", "Default" or empty
};

// Line-based formats (every Format except kVics, kRdsV3, kHashlookup and kNsrlProd).
// `products` maps NSRL ProductCode -> product name for kRds2 (may be null).
[[nodiscard]] Result<ParseResult> parse_lines(
    Format format, std::istream& in, RecordSink& sink,
    const std::map<std::string, std::string>* products = nullptr);
// VICS JSON, streamed through a SAX parser in constant memory (nlohmann::json::sax_parse).
[[nodiscard]] Result<ParseResult> parse_vics(std::istream& in, RecordSink& sink);
// CIRCL hashlookup JSON (bounded to 64 MiB: answers are small).
[[nodiscard]] Result<ParseResult> parse_hashlookup(std::istream& in, RecordSink& sink);
// NSRLProd.txt -> ProductCode -> "name version".
[[nodiscard]] Result<std::map<std::string, std::string>> parse_nsrl_products(std::istream& in);
// RDSv3 SQLite database, opened read-only and immutable.
[[nodiscard]] Result<ParseResult> parse_rdsv3(const std::filesystem::path& db, RecordSink& sink);

}  // namespace vigil::hashset
