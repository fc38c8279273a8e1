#include "vigil/core/provenance.hpp"

#include <algorithm>

namespace vigil {

Provenance Provenance::evidence(std::string name) {
  auto node = std::make_shared<Node>();
  node->link = {"evidence", std::move(name)};
  node->text = node->link.locator;
  return Provenance(std::move(node));
}

Provenance Provenance::child(std::string layer, std::string locator) const {
  auto node = std::make_shared<Node>();
  node->parent = node_;
  node->link = {std::move(layer), std::move(locator)};
  if (node_) {
    node->text.reserve(node_->text.size() + node->link.layer.size() + node->link.locator.size() +
                       4);
    node->text = node_->text;
    node->text += " > ";
  }
  node->text += node->link.layer;
  node->text += ':';
  node->text += node->link.locator;
  return Provenance(std::move(node));
}

std::size_t Provenance::depth() const {
  std::size_t n = 0;
  for (const Node* p = node_.get(); p != nullptr; p = p->parent.get()) ++n;
  return n;
}

std::vector<ProvenanceLink> Provenance::links() const {
  std::vector<ProvenanceLink> out;
  for (const Node* p = node_.get(); p != nullptr; p = p->parent.get()) out.push_back(p->link);
  std::reverse(out.begin(), out.end());
  return out;
}

const std::string& Provenance::str() const {
  static const std::string kEmpty;
  return node_ ? node_->text : kEmpty;
}

}  // namespace vigil
