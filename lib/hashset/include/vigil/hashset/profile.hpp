// Status profiles: the named, documented mapping from a list's raw category to alert / known /
// ignore. The mapping is data (it is written into every compiled set), because the category
// schemes disagree: VICS US 0 is "non-pertinent", legacy DHS 0 is "uncategorised", and no public
// source gives the numeric codes of the VICS UK (CAID) profile.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "vigil/hashset/types.hpp"

namespace vigil::hashset {

struct StatusProfile {
  std::string name;                        // "vics-us", "vics-uk", "nsrl", "custom"
  std::string category_scheme;             // "VICS-US", "VICS-UK", "none", "custom"
  std::map<std::string, Status> by_value;  // raw category text -> status
  Status if_null = Status::kKnown;         // category written as null
  Status if_absent = Status::kKnown;       // no category field at all
  Status otherwise = Status::kKnown;       // a value the table does not name

  [[nodiscard]] Status status_for(const Category& c) const;

  // VICS US (Project VIC; Autopsy's tag set): 1, 2, 3 -> alert; 0 (non-pertinent) -> ignore;
  // 4 (comparison) and null/absent (uncategorised) -> known.
  static StatusProfile vics_us();
  // VICS UK (CAID): legal grades A, B, C -> alert. The numeric codes are not public; 1, 2, 3 are
  // mapped to alert as an assumption stated in the man page; everything else -> known.
  static StatusProfile vics_uk();
  // NSRL and other reference-software lists: everything -> known.
  static StatusProfile nsrl();
  // Custom: an empty table whose every status is `fallback`; callers add entries.
  static StatusProfile custom(Status fallback);
  // "vics-us", "vics-uk", "nsrl", "custom" (custom -> known everywhere).
  static std::optional<StatusProfile> by_name(std::string_view name);
};

}  // namespace vigil::hashset
