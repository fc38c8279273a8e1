// vigil list extractors: the built-in extractors (plugins/builtin.cpp) with their versions, the
// content types they read, what they emit and their own limits, and the limits the scan puts on
// every item inside an item.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

#include "commands.hpp"
#include "vigil/extract/registry.hpp"
#include "vigil/pipeline/extraction.hpp"

namespace vigil::cli {
namespace {

std::string joined(const std::vector<std::string_view>& v) {
  std::string out;
  for (const auto s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

int list_extractors(bool json) {
  const auto& all = extract::Registry::builtin().all();
  if (json) {
    // JSON Lines: one object per extractor, in registry order (the order they run on an item).
    for (const auto& e : all) {
      nlohmann::json o;
      o["name"] = e->name();
      o["version"] = e->version();
      auto types = nlohmann::json::array();
      for (const auto t : e->input_types()) types.push_back(t);
      o["input_types"] = types;
      o["outputs"] = e->outputs();
      o["limits"] = e->limits();
      std::cout << o.dump() << '\n';
    }
    return kExitOk;
  }
  if (all.empty()) std::cout << "no extractors are built in\n";
  for (const auto& e : all) {
    std::cout << fmt::format("{} {}\n  reads:   {}\n  outputs: {}\n  limits:  {}\n", e->name(),
                             e->version(), joined(e->input_types()), e->outputs(), e->limits());
  }
  const pipeline::ExtractionLimits l;
  std::cout << fmt::format(
      "\nlimits of vigil scan on every item inside an item (defaults):\n"
      "  --max-depth {}  --max-children {}  --max-ratio {}  --max-child-bytes {}  "
      "--max-total-bytes {}\n",
      l.max_depth, l.max_children, l.max_ratio, l.max_child_bytes, l.max_total_bytes);
  return kExitOk;
}

}  // namespace

void register_list(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("list", "List what this vigil has built in");
  sub->require_subcommand(1);
  auto* ex = sub->add_subcommand(
      "extractors", "The built-in extractors: name, version, input types, outputs and limits");
  auto json = std::make_shared<bool>(false);
  ex->add_flag("--json", *json, "JSON Lines, one object per extractor");
  ex->callback([json, &action] { action = [json] { return list_extractors(*json); }; });
}

}  // namespace vigil::cli
