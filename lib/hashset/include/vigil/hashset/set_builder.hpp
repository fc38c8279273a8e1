// Compiles records into a set folder in bounded memory. Exact digests are radix-partitioned on
// their first byte into 256 run files per algorithm while records stream in; each partition is
// then sorted on its own (or, if one partition exceeds the memory budget, sorted in runs and
// merged), so peak memory is the budget plus fixed buffers whatever the list's size. PDQ hashes
// are kept in memory (36 bytes each) and indexed by PdqIndex at the end.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "vigil/core/result.hpp"
#include "vigil/hashset/hash_set.hpp"
#include "vigil/hashset/types.hpp"

namespace vigil::hashset {

struct BuildOptions {
  std::size_t memory_budget = std::size_t{1} << 30;  // bytes for sorting one partition
};

class SetBuilder {
 public:
  ~SetBuilder();
  SetBuilder(const SetBuilder&) = delete;
  SetBuilder& operator=(const SetBuilder&) = delete;

  // `dir` must not exist; it is created and filled. The caller renames it into place.
  [[nodiscard]] static Result<std::unique_ptr<SetBuilder>> create(const std::filesystem::path& dir,
                                                                  BuildOptions options = {});
  // Appends a record (it must carry at least one digest or PDQ hash); returns its id.
  [[nodiscard]] Result<std::uint32_t> add(const Record& r);
  // Notes a rejected source line in rejected.tsv (every one is kept).
  void reject(std::uint32_t source, std::uint64_t line, const std::string& reason);
  [[nodiscard]] std::uint64_t record_count() const;
  // Sorts, writes the indexes and set.json (info.records and unique_digests are filled in).
  [[nodiscard]] Result<void> finish(SetInfo& info);

 private:
  SetBuilder();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::hashset
