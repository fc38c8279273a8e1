// Writing a compiled set back out as a list: VICS 2.0 JSON (#Media; re-imports to the same
// records), hashdeep 1.0, and md5sum / sha1sum / sha256sum (GNU style).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>

#include "vigil/core/result.hpp"
#include "vigil/hashset/hash_set.hpp"

namespace vigil::hashset {

enum class ExportFormat { kVics2, kHashdeep, kMd5sum, kSha1sum, kSha256sum };
std::optional<ExportFormat> export_format_from_name(std::string_view name);

struct ExportReport {
  std::uint64_t written = 0;  // records (lines or Media entries) written
  std::uint64_t skipped = 0;  // records the format cannot carry (e.g. no MD5 for md5sum)
};

// Streams every record in record order. A damaged record table is an Error.
[[nodiscard]] Result<ExportReport> export_set(const HashSet& set, ExportFormat format,
                                              std::ostream& out);

}  // namespace vigil::hashset
