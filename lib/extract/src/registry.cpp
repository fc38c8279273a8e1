#include "vigil/extract/registry.hpp"

#include <algorithm>

namespace vigil::extract {

const Extractor* Registry::find(std::string_view name) const {
  for (const auto& e : all_) {
    if (e->name() == name) return e.get();
  }
  return nullptr;
}

Result<std::vector<const Extractor*>> Registry::select(std::string_view list) const {
  std::vector<const Extractor*> out;
  if (list == "all") {
    for (const auto& e : all_) out.push_back(e.get());
    return out;
  }
  if (list == "none" || list.empty()) return out;
  std::vector<bool> chosen(all_.size(), false);
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const auto comma = std::min(list.find(',', pos), list.size());
    const auto name = list.substr(pos, comma - pos);
    pos = comma + 1;
    if (name.empty()) continue;
    bool found = false;
    for (std::size_t i = 0; i < all_.size(); ++i) {
      if (all_[i]->name() == name) {
        chosen[i] = true;
        found = true;
      }
    }
    if (!found) {
      std::string known;
      for (const auto& e : all_) known += (known.empty() ? "" : ", ") + std::string(e->name());
      return make_error(ErrorCode::kInvalidArgument,
                        "unknown extractor \"" + std::string(name) +
                            "\" (known: " + (known.empty() ? "none" : known) + ")");
    }
  }
  // The registry's order, whatever order the list names them in: the order they run on an item
  // does not depend on how the examiner spelled the option.
  for (std::size_t i = 0; i < all_.size(); ++i) {
    if (chosen[i]) out.push_back(all_[i].get());
  }
  return out;
}

}  // namespace vigil::extract
