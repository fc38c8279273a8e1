// set.json: the manifest of a compiled set (identity, profile, sources, counts).
#pragma once

#include <filesystem>

#include "vigil/core/result.hpp"
#include "vigil/hashset/hash_set.hpp"

namespace vigil::hashset::detail {

inline constexpr int kSetLayoutVersion = 1;

[[nodiscard]] Result<void> write_manifest(const std::filesystem::path& file, const SetInfo& info);
[[nodiscard]] Result<SetInfo> read_manifest(const std::filesystem::path& file);

}  // namespace vigil::hashset::detail
