// Importing known lists: format detection and the one call that turns list files into a compiled
// set folder, atomically (built under a temporary name beside the target, then swapped in).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/result.hpp"
#include "vigil/hashset/hash_set.hpp"
#include "vigil/hashset/profile.hpp"
#include "vigil/hashset/set_builder.hpp"

namespace vigil::hashset {

enum class Format {
  kVics,        // Project VIC VICS JSON 1.x / 2.0, #Media (hash set) or #Cases (case export)
  kRdsV3,       // NIST NSRL RDSv3 SQLite, minimal (FILE table) or full (FILE view) edition
  kRds2,        // NIST NSRL RDS 2.x NSRLFile.txt (and the older NSRL 1.5 column order)
  kNsrlProd,    // NSRLProd.txt: product names attached to RDS 2.x records imported with it
  kHashdeep,    // hashdeep 1.0 (%%%% HASHDEEP-1.0)
  kSumList,     // md5sum / sha1sum / sha256sum, GNU ("hex  name", "hex *name") and BSD (--tag)
  kHashKeeper,  // HashKeeper .hsh CSV
  kIcse,        // Interpol ICSE-style ';'-separated CSV
  kPlain,       // one digest per line, optional header naming the algorithm (X-Ways style)
  kPdq,         // PDQ list: hash,quality[,name] (pdq-photo-hasher) or one PDQ hash per line
  kVpdq,        // vPDQ frame list: frame,quality,hash,timestamp
  kTskIdx,      // The Sleuth Kit hfind index (.idx): HASH|offset, digests only
  kHashlookup,  // CIRCL hashlookup JSON answer(s): object, array of objects, or JSON Lines
};

std::string_view format_name(Format f);
// Accepts format_name() values and the aliases md5sum, sha1sum, sha256sum, nsrl, rdsv3, rds2.
std::optional<Format> format_from_name(std::string_view name);

// Detects a file's format from its content (first 64 KiB). Unknown content and content that
// fits several formats (e.g. a list of 64-hex lines: SHA-256 or PDQ) are errors naming the
// candidates, so the caller can force one with --format.
[[nodiscard]] Result<Format> detect_format(const std::filesystem::path& file);

struct Rejection {
  std::uint32_t source = 0;
  std::uint64_t line = 0;  // line; for VICS the Media entry's ordinal; for RDSv3 the row
  std::string reason;
};

struct ImportOptions {
  std::optional<Format> format;  // forced for every file; otherwise detected per file
  std::string name;              // default: the first file's stem
  std::string version;           // default: the RDS version or VICS model version, else "1"
  std::string publisher;
  // Default: vics-us / vics-uk from the VICS profile, nsrl for NSRL files, custom (alert) for
  // ICSE, custom (known) otherwise.
  std::optional<StatusProfile> profile;
  int min_pdq_quality = 50;  // PDQ hashes with a lower quality are rejected (unknown kept)
  std::string imported_at;   // ISO-8601 UTC; empty: now (pin it for reproducible output)
  std::size_t rejections_kept = 1000;  // in ImportReport; rejected.tsv in the set has them all
  BuildOptions build;
};

struct ImportReport {
  SetInfo info;
  std::vector<Rejection> rejections;  // the first rejections_kept
  std::uint64_t rejected = 0;
  bool replaced = false;  // an older set at the target was replaced
};

// Imports every file into one set at `out`. On any fatal problem (unreadable file, malformed
// JSON, truncated SQLite, unknown column layout) nothing at `out` changes.
[[nodiscard]] Result<ImportReport> import_set(const std::vector<std::filesystem::path>& files,
                                              const std::filesystem::path& out,
                                              const ImportOptions& options);

}  // namespace vigil::hashset
