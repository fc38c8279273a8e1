#include "extraction.hpp"

#include <fmt/format.h>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <functional>
#include <unordered_set>

#include "vigil/core/text.hpp"
#include "vigil/digest/multi_hasher.hpp"
#include "vigil/evidence/evidence.hpp"

namespace vigil::pipeline {

std::string ExtractionLimits::to_json() const {
  return fmt::format(
      "{{\"batch_bytes\":{},\"batch_children\":{},\"max_child_bytes\":{},\"max_children\":{},"
      "\"max_depth\":{},\"max_ratio\":{},\"max_total_bytes\":{}}}",
      batch_bytes, batch_children, max_child_bytes, max_children, max_depth, max_ratio,
      max_total_bytes);
}

std::string ExtractionSettings::extractors_json() const {
  std::string out = "[";
  for (std::size_t i = 0; i < extractors.size(); ++i) {
    if (i) out += ',';
    out += "{";
    append_json_text_field(out, "name", std::string(extractors[i]->name()));
    out += ',';
    append_json_text_field(out, "version", std::string(extractors[i]->version()));
    out += "}";
  }
  return out + "]";
}

namespace detail {

using case_store::WarningRecord;

// One item being extracted: what the extractors read, where its findings go, and the limits'
// accounting for it (across all extractors that run on it).
struct Dispatcher::Node {
  Node(const Provenance& provenance_, std::string_view name_, const sniff::ContentType& type_,
       std::span<const std::uint8_t> bytes_, int depth_, const case_store::ItemRecord& record_,
       case_store::ItemExtras& extras_, std::vector<WarningRecord>& warnings_,
       std::uint64_t& errors_, ChildRows& rows_, std::int64_t self_)
      : provenance(provenance_),
        name(name_),
        type(type_),
        bytes(bytes_),
        depth(depth_),
        record(record_),
        extras(extras_),
        warnings(warnings_),
        errors(errors_),
        rows(rows_),
        self(self_) {}

  const Provenance& provenance;
  std::string_view name;
  const sniff::ContentType& type;
  std::span<const std::uint8_t> bytes;
  int depth = 0;
  const case_store::ItemRecord& record;
  case_store::ItemExtras& extras;
  std::vector<WarningRecord>& warnings;
  std::uint64_t& errors;
  ChildRows& rows;         // descendants go here, in emission order
  std::int64_t self = -1;  // this item's index in rows; -1: the task's own item

  std::uint64_t children = 0;
  std::uint64_t child_bytes = 0;
  std::unordered_set<std::size_t> locators;  // hashes of the locators used (kept unique)
  bool stopped = false;                      // a count, ratio or total limit was reached
};

// Everything below one file-system entry shares one byte budget (max_total_bytes). Children
// processed in parallel draw on it in an order that depends on timing, so an entry whose
// extraction ever found this budget binding is extracted again with its batches processed one
// child after another, in emission order (serial): the result then does not depend on the
// thread count. Every other limit is counted per item, in its extractor's own (serial) order.
struct Dispatcher::TopBudget {
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<bool> bound{false};  // max_total_bytes was the binding limit at least once
  bool serial = false;
};

namespace {

struct Budget {
  std::uint64_t bytes = 0;
  const char* limit = "";
  std::string value;
};

}  // namespace

class Dispatcher::ChildEmitter final : public extract::Emitter {
 public:
  ChildEmitter(const Dispatcher& d, Node& node, const extract::Extractor& ex, TopBudget& top)
      : d_(d), node_(node), ex_(ex), top_(top) {}

  void record(extract::Record r) override {
    node_.extras.records.push_back(
        {std::string(ex_.name()), std::move(r.name), std::move(r.value)});
  }
  void warn(std::string code, std::string message) override {
    node_.warnings.push_back(
        {node_.provenance.str(), std::move(code), fmt::format("{}: {}", ex_.name(), message)});
  }
  bool child(extract::Child c) override;
  [[nodiscard]] std::uint64_t child_byte_budget() const override { return budget().bytes; }

  // Processes the children still waiting in the batch.
  void finish() { flush(); }

 private:
  [[nodiscard]] Budget budget() const;
  void limit_warning(const Budget& b, const std::string& what) {
    node_.warnings.push_back(
        {node_.provenance.str(), "limit",
         fmt::format("{}: limit {}={} reached: {}", ex_.name(), b.limit, b.value, what)});
  }
  void flush();

  struct Pending {
    extract::Child child;
    Provenance provenance;
  };
  const Dispatcher& d_;
  Node& node_;
  const extract::Extractor& ex_;
  TopBudget& top_;
  std::vector<Pending> pending_;
  std::uint64_t pending_bytes_ = 0;
};

Budget Dispatcher::ChildEmitter::budget() const {
  const auto& l = d_.limits();
  Budget b{l.max_child_bytes, "max-child-bytes", std::to_string(l.max_child_bytes)};
  const double cap_d = l.max_ratio * static_cast<double>(node_.bytes.size());
  const std::uint64_t cap = cap_d >= 1.8e19 ? UINT64_MAX : static_cast<std::uint64_t>(cap_d);
  const std::uint64_t ratio_left = cap > node_.child_bytes ? cap - node_.child_bytes : 0;
  if (ratio_left < b.bytes) b = {ratio_left, "max-ratio", fmt::format("{}", l.max_ratio)};
  const std::uint64_t used = top_.bytes.load();
  const std::uint64_t total_left = l.max_total_bytes > used ? l.max_total_bytes - used : 0;
  if (total_left < b.bytes) {
    b = {total_left, "max-total-bytes", std::to_string(l.max_total_bytes)};
    top_.bound = true;
  }
  return b;
}

bool Dispatcher::ChildEmitter::child(extract::Child c) {
  if (node_.stopped) return false;
  const auto& l = d_.limits();
  if (node_.children >= l.max_children) {
    limit_warning({0, "max-children", std::to_string(l.max_children)},
                  fmt::format("{}:{} and any later children not extracted", c.layer, c.locator));
    node_.stopped = true;
    return false;
  }
  const Budget b = budget();
  if (c.bytes.size() > b.bytes) {
    if (b.bytes == 0) {
      limit_warning(b, fmt::format("{}:{} ({} bytes) and any later children not extracted", c.layer,
                                   c.locator, c.bytes.size()));
      node_.stopped = true;
      return false;
    }
    // An extractor that honoured the budget has already said so and marked the child partial.
    if (c.status != extract::ChildStatus::kPartial)
      limit_warning(b, fmt::format("{}:{} kept to its first {} of {} bytes", c.layer, c.locator,
                                   b.bytes, c.bytes.size()));
    c.bytes.resize(b.bytes);
    c.bytes.shrink_to_fit();
    c.status = extract::ChildStatus::kPartial;
  }
  // Locators name children uniquely inside their parent (the provenance is the case store's
  // key); a repeated one (two members of one name) gets " #2", " #3"... in emission order.
  if (c.layer.empty()) c.layer = std::string(ex_.name());
  if (c.locator.empty()) c.locator = fmt::format("#{}", node_.children + 1);
  const std::hash<std::string> hasher;
  if (!node_.locators.insert(hasher(c.locator)).second) {
    for (std::uint64_t k = 2;; ++k) {
      auto candidate = fmt::format("{} #{}", c.locator, k);
      if (node_.locators.insert(hasher(candidate)).second) {
        c.locator = std::move(candidate);
        break;
      }
    }
  }
  const std::uint64_t n = c.bytes.size();
  ++node_.children;
  node_.child_bytes += n;
  top_.bytes += n;
  d_.hold(n);
  auto provenance = node_.provenance.child(c.layer, c.locator);
  pending_.push_back({std::move(c), std::move(provenance)});
  pending_bytes_ += n;
  if (pending_.size() >= l.batch_children || pending_bytes_ >= l.batch_bytes) flush();
  return true;
}

void Dispatcher::ChildEmitter::flush() {
  if (pending_.empty()) return;
  std::vector<ChildRows> subtrees(pending_.size());
  const auto one = [&](std::size_t i) {
    const std::uint64_t n = pending_[i].child.bytes.size();
    subtrees[i] = d_.process_child(node_, ex_.name(), std::move(pending_[i].child),
                                   pending_[i].provenance, top_);
    d_.release(n);
  };
  if (top_.serial) {
    for (std::size_t i = 0; i < pending_.size(); ++i) one(i);
  } else {
    // Isolated: a thread that waits here only helps with this batch, never with another
    // top-level item (whose per-thread read buffers are in use further up this stack).
    tbb::this_task_arena::isolate([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, pending_.size(), 1),
                        [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t i = r.begin(); i != r.end(); ++i) one(i);
                        });
    });
  }
  for (auto& subtree : subtrees) {
    const auto base = static_cast<std::int64_t>(node_.rows.size());
    for (auto& row : subtree) {
      row.parent = row.parent < 0 ? node_.self : row.parent + base;
      node_.rows.push_back(std::move(row));
    }
  }
  pending_.clear();
  pending_bytes_ = 0;
}

Dispatcher::Dispatcher(const ExtractionSettings& settings, DigestPolicy digests,
                       const std::vector<Analyser>& analysers)
    : settings_(settings), digests_(digests), analysers_(analysers) {
  for (const auto* e : settings_.extractors) {
    for (const auto t : e->input_types()) {
      if (t == "*") reads_all_ = true;
      reads_.emplace_back(t);
    }
  }
}

bool Dispatcher::reads(const sniff::ContentType& type) const {
  if (reads_all_) return true;
  return std::find(reads_.begin(), reads_.end(), type.name) != reads_.end();
}

void Dispatcher::hold(std::uint64_t n) const {
  const std::uint64_t now = held_ += n;
  std::uint64_t peak = peak_.load();
  while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
  }
}

void Dispatcher::release(std::uint64_t n) const { held_ -= n; }

void Dispatcher::run_extractors(Node& node, TopBudget& top) const {
  const extract::ItemInput in{node.provenance, node.name, node.type, node.bytes, node.depth};
  const auto error = [&node](const extract::Extractor& ex, std::string_view what,
                             std::string_view why) {
    node.warnings.push_back({node.provenance.str(), "extractor",
                             fmt::format("{} {} {}: {}", ex.name(), ex.version(), what, why)});
    ++node.errors;
  };
  bool depth_warned = false;
  for (const auto* ex : settings_.extractors) {
    bool wants = false;
    try {
      wants = ex->probe(in);
    } catch (const std::exception& e) {
      error(*ex, "probe failed", e.what());
      continue;
    }
    if (!wants) continue;
    if (node.depth >= limits().max_depth) {
      if (!depth_warned)
        node.warnings.push_back(
            {node.provenance.str(), "limit",
             fmt::format("{}: limit max-depth={} reached: the item is not extracted", ex->name(),
                         limits().max_depth)});
      depth_warned = true;
      continue;
    }
    ChildEmitter out(*this, node, *ex, top);
    // An exception is an item error; the children emitted before it stay (finish() below).
    try {
      ex->extract(in, out, std::stop_token{});
    } catch (const std::exception& e) {
      error(*ex, "failed", e.what());
    } catch (...) {
      error(*ex, "failed", "an exception that is not a std::exception");
    }
    out.finish();
  }
}

ChildRows Dispatcher::process_child(const Node& parent, std::string_view extractor,
                                    extract::Child c, const Provenance& provenance,
                                    TopBudget& top) const {
  ChildRows rows(1);  // rows[0] is this child, filled in last
  ChildRow self;
  auto& r = self.record;
  r.evidence_id = parent.record.evidence_id;
  r.provenance = provenance.str();
  r.volume = parent.record.volume;
  r.fs_type = parent.record.fs_type;
  r.path = c.locator;
  r.name = c.name;
  if (r.name.empty()) r.name = c.locator.substr(c.locator.find_last_of('/') + 1);
  r.name_type = 'r';
  r.meta_type = 'r';
  r.meta_allocated = true;
  r.times = c.times;
  r.depth = parent.depth + 1;
  r.extractor = std::string(extractor);
  r.child_status = extract::child_status_name(c.status);
  if (c.has_offset) r.parent_offset = c.offset;
  r.size = c.status == extract::ChildStatus::kOk
               ? c.bytes.size()
               : std::max<std::uint64_t>(c.declared_size, c.bytes.size());
  r.status = "not-read";
  if (c.status == extract::ChildStatus::kEncrypted ||
      (c.bytes.empty() && c.status != extract::ChildStatus::kOk)) {
    rows[0] = std::move(self);
    return rows;
  }
  const std::span<const std::uint8_t> bytes(c.bytes);
  const auto type = sniff::sniff(bytes.first(std::min(bytes.size(), sniff::kSniffBytes)), r.name);
  r.content_type = std::string(type.name);
  r.category = sniff::category_name(type.category);
  r.extension_mismatch = sniff::extension_mismatch(type, r.name);
  self.media = type.is_media();
  try {
    // The same digest policy as entries: XXH3-128 always, MD5/SHA-1/SHA-256 for media (all
    // items with --digests all). Partial children are digested as recovered: the child status
    // says so.
    const auto d = digest::digest_buffer(bytes, type.is_media() || digests_ == DigestPolicy::kAll);
    r.status = "ok";
    r.bytes_read = bytes.size();
    r.xxh3_128 = d.hex(digest::Algorithm::kXxh3_128);
    r.md5 = d.hex(digest::Algorithm::kMd5);
    r.sha1 = d.hex(digest::Algorithm::kSha1);
    r.sha256 = d.hex(digest::Algorithm::kSha256);
    if (!analysers_.empty()) {
      evidence::Entry e;
      e.provenance = provenance;
      e.volume = r.volume;
      e.path = r.path;
      e.name = r.name;
      e.size = bytes.size();
      e.name_type = 'r';
      e.meta_type = 'r';
      e.has_meta = true;
      e.times = r.times;
      const ItemView view{e, type, bytes};
      for (const auto& a : analysers_) a(view, r, self.extras, self.warnings);
    }
    Node node(provenance, r.name, type, bytes, r.depth, r, self.extras, self.warnings, self.errors,
              rows, 0);
    run_extractors(node, top);
  } catch (const std::exception& ex) {
    // A library throwing on hostile bytes is an item error, never a crash.
    r.status = "error";
    r.xxh3_128.clear();
    r.md5.clear();
    r.sha1.clear();
    r.sha256.clear();
    self.extras.perceptual.clear();
    self.extras.matches.clear();
    self.warnings.push_back({r.provenance, "internal", ex.what()});
  }
  rows[0] = std::move(self);
  return rows;
}

void Dispatcher::extract_entry(const Provenance& provenance, std::string_view name,
                               const sniff::ContentType& type, std::span<const std::uint8_t> bytes,
                               ItemTask& task) const {
  if (!enabled()) return;
  const auto records = task.extras.records.size();
  const auto warnings = task.warnings.size();
  const auto errors = task.errors;
  TopBudget top;
  {
    Node node(provenance, name, type, bytes, 0, task.record, task.extras, task.warnings,
              task.errors, task.children, -1);
    run_extractors(node, top);
  }
  if (!top.bound) return;
  // The total budget bound somewhere below this entry: redo it in emission order (TopBudget).
  task.children.clear();
  task.extras.records.resize(records);
  task.warnings.resize(warnings);
  task.errors = errors;
  TopBudget serial;
  serial.serial = true;
  Node node(provenance, name, type, bytes, 0, task.record, task.extras, task.warnings, task.errors,
            task.children, -1);
  run_extractors(node, serial);
}

Result<void> store_task(case_store::CaseStore& store, ItemTask& task) {
  auto id = store.add_item(task.record, task.extras);
  if (!id) return id.error();
  for (const auto& w : task.warnings) {
    if (auto r = store.add_warning(w); !r) return r;
  }
  std::vector<std::int64_t> ids(task.children.size());
  for (std::size_t i = 0; i < task.children.size(); ++i) {
    auto& c = task.children[i];
    c.record.parent_id = c.parent < 0 ? *id : ids[static_cast<std::size_t>(c.parent)];
    auto cid = store.add_item(c.record, c.extras);
    if (!cid) return cid.error();
    ids[i] = *cid;
    for (const auto& w : c.warnings) {
      if (auto r = store.add_warning(w); !r) return r;
    }
  }
  return {};
}

void count_task(const ItemTask& task, ScanStats& stats) {
  ++stats.items_recorded;
  stats.bytes_read += task.record.bytes_read;
  stats.warnings += task.warnings.size();
  stats.item_errors += (task.record.status == "error" ? 1 : 0) + task.errors;
  if (task.media) ++stats.media;
  for (const auto& c : task.children) {
    ++stats.children;
    stats.warnings += c.warnings.size();
    stats.item_errors += (c.record.status == "error" ? 1 : 0) + c.errors;
    if (c.media) ++stats.media;
  }
}

}  // namespace detail
}  // namespace vigil::pipeline
