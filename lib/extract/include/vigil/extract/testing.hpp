// An Emitter that keeps everything an extractor emits, for extractor tests and fuzz targets: the
// counts and chosen values a test asserts on, without a case store or a pipeline.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "vigil/extract/extractor.hpp"

namespace vigil::extract::testing {

struct Warning {
  std::string code;
  std::string message;
};

class CollectingEmitter : public Emitter {
 public:
  // max_children: child() returns false once this many were taken (a dispatcher's count limit).
  explicit CollectingEmitter(std::uint64_t byte_budget = std::numeric_limits<std::uint64_t>::max(),
                             std::size_t max_children = std::numeric_limits<std::size_t>::max())
      : budget_(byte_budget), max_children_(max_children) {}

  void record(Record r) override { records.push_back(std::move(r)); }
  void warn(std::string code, std::string message) override {
    warnings.push_back({std::move(code), std::move(message)});
  }
  bool child(Child c) override {
    if (children.size() >= max_children_) return false;
    children.push_back(std::move(c));
    return children.size() < max_children_;
  }
  [[nodiscard]] std::uint64_t child_byte_budget() const override { return budget_; }

  // The value of the first record with this name, or "" when there is none.
  [[nodiscard]] std::string value(const std::string& name) const {
    for (const auto& r : records) {
      if (r.name == name) return r.value;
    }
    return {};
  }
  [[nodiscard]] std::size_t warnings_with(const std::string& code) const {
    std::size_t n = 0;
    for (const auto& w : warnings) n += w.code == code ? 1 : 0;
    return n;
  }

  std::vector<Record> records;
  std::vector<Warning> warnings;
  std::vector<Child> children;

 private:
  std::uint64_t budget_;
  std::size_t max_children_;
};

}  // namespace vigil::extract::testing
