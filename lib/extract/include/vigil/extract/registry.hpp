// The explicit list of built-in extractors (osquery-style registry keyed by name). Every folder
// under plugins/ (except _template) must appear here: registry_test fails otherwise.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/result.hpp"
#include "vigil/extract/extractor.hpp"

namespace vigil::extract {

class Registry {
 public:
  // Every built-in extractor, in a fixed order (the order they run on an item).
  static const Registry& builtin();

  [[nodiscard]] const std::vector<std::unique_ptr<Extractor>>& all() const { return all_; }
  [[nodiscard]] const Extractor* find(std::string_view name) const;
  // "all" or a comma-separated list of names; an unknown name is an kInvalidArgument Error.
  [[nodiscard]] Result<std::vector<const Extractor*>> select(std::string_view list) const;

  explicit Registry(std::vector<std::unique_ptr<Extractor>> all) : all_(std::move(all)) {}

 private:
  std::vector<std::unique_ptr<Extractor>> all_;
};

}  // namespace vigil::extract
