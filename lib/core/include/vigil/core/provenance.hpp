// Provenance: the immutable chain from an evidence file down to an item's bytes, e.g.
//   disk.E01 > vol:2@1048576 > ntfs:/Users/a/x.jpg (inode 64-128-2) > thumbcache:entry 17
// Links are shared, so extending a chain is one allocation; chains compare by value and have one
// stable string form, used as the key in the case store, in every report and in golden files.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vigil {

struct ProvenanceLink {
  std::string layer;    // "evidence", "vol", "ntfs", "fat32", "thumbcache", "carve", ...
  std::string locator;  // file name, "2@1048576", "/path (inode 12)", "entry 17", ...
};

class Provenance {
 public:
  Provenance() = default;
  // The root: an evidence item, named by its file name (not the full path, which differs
  // between machines; the case store keeps the path).
  static Provenance evidence(std::string name);

  // A new chain with one more link; this chain is unchanged.
  [[nodiscard]] Provenance child(std::string layer, std::string locator) const;

  [[nodiscard]] bool empty() const { return !node_; }
  [[nodiscard]] std::size_t depth() const;
  [[nodiscard]] std::vector<ProvenanceLink> links() const;
  [[nodiscard]] const ProvenanceLink& last() const { return node_->link; }
  // Stable string form: links joined by " > ", each "layer:locator" (the root is its locator).
  [[nodiscard]] const std::string& str() const;

  friend bool operator==(const Provenance& a, const Provenance& b) { return a.str() == b.str(); }
  friend bool operator<(const Provenance& a, const Provenance& b) { return a.str() < b.str(); }

 private:
  struct Node {
    std::shared_ptr<const Node> parent;
    ProvenanceLink link;
    std::string text;  // cached stable form of the whole chain up to here
  };
  explicit Provenance(std::shared_ptr<const Node> node) : node_(std::move(node)) {}
  std::shared_ptr<const Node> node_;
};

}  // namespace vigil
