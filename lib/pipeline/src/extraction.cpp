#include "extraction.hpp"
#include "hand_offs.hpp"

#include <fmt/format.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
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

void RowAccount::add(std::uint64_t n) {
  const std::uint64_t v = now += n;
  std::uint64_t p = peak.load();
  while (v > p && !peak.compare_exchange_weak(p, v)) {
  }
}

namespace {

// The spool file's row encoding: our own bytes, written and read by this process only (native
// byte order, fixed-width integers, strings as length + bytes).
class RowWriter {
 public:
  explicit RowWriter(std::string& out) : out_(out) {}
  template <typename T>
  void num(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void str(const std::string& v) {
    num<std::uint64_t>(v.size());
    out_ += v;
  }
  void time(const std::optional<Timestamp>& t) {
    num<std::uint8_t>(t ? 1 : 0);
    if (t) {
      num(t->seconds);
      num(t->nanos);
      num(t->precision_ns);
    }
  }

 private:
  std::string& out_;
};

class RowReader {
 public:
  explicit RowReader(std::string_view in) : in_(in) {}
  template <typename T>
  T num() {
    T v{};
    take(&v, sizeof v);
    return v;
  }
  std::string str() {
    const auto n = num<std::uint64_t>();
    if (n > in_.size() - pos_) throw std::runtime_error("extraction spool: a row is damaged");
    std::string v(in_.substr(pos_, n));
    pos_ += n;
    return v;
  }
  std::optional<Timestamp> time() {
    if (num<std::uint8_t>() == 0) return std::nullopt;
    Timestamp t;
    t.seconds = num<std::int64_t>();
    t.nanos = num<std::uint32_t>();
    t.precision_ns = num<std::uint64_t>();
    return t;
  }

 private:
  void take(void* out, std::size_t n) {
    if (n > in_.size() - pos_) throw std::runtime_error("extraction spool: a row is damaged");
    std::memcpy(out, in_.data() + pos_, n);
    pos_ += n;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
};

void encode(const ChildRow& c, std::string& out) {
  RowWriter w(out);
  const auto& r = c.record;
  w.num(r.evidence_id);
  w.str(r.provenance);
  w.num(r.volume);
  w.str(r.fs_type);
  w.num(r.inode);
  w.str(r.inode_str);
  w.str(r.path);
  w.str(r.name);
  w.num(r.size);
  w.num(r.name_type);
  w.num(r.meta_type);
  for (const bool b : {r.deleted, r.orphan, r.ads, r.meta_allocated, r.extension_mismatch})
    w.num<std::uint8_t>(b ? 1 : 0);
  w.str(r.content_type);
  w.str(r.category);
  for (const auto* t : {&r.times.modified, &r.times.accessed, &r.times.changed, &r.times.born})
    w.time(*t);
  w.str(r.status);
  w.num(r.bytes_read);
  for (const auto* h : {&r.xxh3_128, &r.md5, &r.sha1, &r.sha256}) w.str(*h);
  w.num(r.parent_id);
  w.num(r.depth);
  w.str(r.extractor);
  w.str(r.child_status);
  w.num<std::uint8_t>(r.parent_offset ? 1 : 0);
  w.num(r.parent_offset.value_or(0));
  w.num<std::uint64_t>(c.extras.perceptual.size());
  for (const auto& p : c.extras.perceptual) {
    w.str(p.algorithm);
    w.str(p.pipeline);
    w.str(p.hash);
    w.num(p.quality);
  }
  w.num<std::uint64_t>(c.extras.matches.size());
  for (const auto& m : c.extras.matches) {
    w.num(m.set_id);
    for (const auto* f : {&m.kind, &m.algorithm, &m.item_value, &m.list_value}) w.str(*f);
    for (const int i : {m.distance, m.threshold, m.item_quality, m.list_quality}) w.num(i);
    for (const auto* f : {&m.variant, &m.category, &m.status, &m.record}) w.str(*f);
  }
  w.num<std::uint64_t>(c.extras.records.size());
  for (const auto& x : c.extras.records) {
    w.str(x.extractor);
    w.str(x.name);
    w.str(x.value);
  }
  w.num<std::uint64_t>(c.warnings.size());
  for (const auto& x : c.warnings) {
    w.str(x.provenance);
    w.str(x.code);
    w.str(x.message);
  }
  w.num(c.parent);
  w.num<std::uint8_t>(c.media ? 1 : 0);
  w.num(c.errors);
}

ChildRow decode(std::string_view bytes) {
  RowReader in(bytes);
  ChildRow c;
  auto& r = c.record;
  r.evidence_id = in.num<std::int64_t>();
  r.provenance = in.str();
  r.volume = in.num<int>();
  r.fs_type = in.str();
  r.inode = in.num<std::uint64_t>();
  r.inode_str = in.str();
  r.path = in.str();
  r.name = in.str();
  r.size = in.num<std::uint64_t>();
  r.name_type = in.num<char>();
  r.meta_type = in.num<char>();
  for (bool* b : {&r.deleted, &r.orphan, &r.ads, &r.meta_allocated, &r.extension_mismatch})
    *b = in.num<std::uint8_t>() != 0;
  r.content_type = in.str();
  r.category = in.str();
  for (auto* t : {&r.times.modified, &r.times.accessed, &r.times.changed, &r.times.born})
    *t = in.time();
  r.status = in.str();
  r.bytes_read = in.num<std::uint64_t>();
  for (auto* h : {&r.xxh3_128, &r.md5, &r.sha1, &r.sha256}) *h = in.str();
  r.parent_id = in.num<std::int64_t>();
  r.depth = in.num<int>();
  r.extractor = in.str();
  r.child_status = in.str();
  const bool has_offset = in.num<std::uint8_t>() != 0;
  const auto offset = in.num<std::uint64_t>();
  if (has_offset) r.parent_offset = offset;
  c.extras.perceptual.resize(in.num<std::uint64_t>());
  for (auto& p : c.extras.perceptual) {
    p.algorithm = in.str();
    p.pipeline = in.str();
    p.hash = in.str();
    p.quality = in.num<int>();
  }
  c.extras.matches.resize(in.num<std::uint64_t>());
  for (auto& m : c.extras.matches) {
    m.set_id = in.num<std::int64_t>();
    for (auto* f : {&m.kind, &m.algorithm, &m.item_value, &m.list_value}) *f = in.str();
    for (int* i : {&m.distance, &m.threshold, &m.item_quality, &m.list_quality}) *i = in.num<int>();
    for (auto* f : {&m.variant, &m.category, &m.status, &m.record}) *f = in.str();
  }
  c.extras.records.resize(in.num<std::uint64_t>());
  for (auto& x : c.extras.records) {
    x.extractor = in.str();
    x.name = in.str();
    x.value = in.str();
  }
  c.warnings.resize(in.num<std::uint64_t>());
  for (auto& x : c.warnings) {
    x.provenance = in.str();
    x.code = in.str();
    x.message = in.str();
  }
  c.parent = in.num<std::int64_t>();
  c.media = in.num<std::uint8_t>() != 0;
  c.errors = in.num<std::uint64_t>();
  return c;
}

[[noreturn]] void spool_failure(const char* what) {
  throw std::runtime_error(fmt::format("extraction spool: {}: {}", what, std::strerror(errno)));
}

}  // namespace

ChildRows::~ChildRows() { clear(); }

ChildRows::ChildRows(ChildRows&& other) noexcept
    : account_(other.account_),
      memory_(std::move(other.memory_)),
      spooled_(std::exchange(other.spooled_, 0)),
      fd_(std::exchange(other.fd_, -1)),
      file_bytes_(std::exchange(other.file_bytes_, 0)) {
  other.memory_.clear();
}

ChildRows& ChildRows::operator=(ChildRows&& other) noexcept {
  if (this != &other) {
    clear();
    account_ = other.account_;
    memory_ = std::move(other.memory_);
    other.memory_.clear();
    spooled_ = std::exchange(other.spooled_, 0);
    fd_ = std::exchange(other.fd_, -1);
    file_bytes_ = std::exchange(other.file_bytes_, 0);
  }
  return *this;
}

void ChildRows::attach(RowAccount* account) {
  if (account_ == account) return;
  if (account_) account_->sub(memory_.size());
  account_ = account;
  if (account_) account_->add(memory_.size());
}

void ChildRows::push_back(ChildRow&& row) {
  memory_.push_back(std::move(row));
  if (!account_) return;
  account_->add(1);
  if (memory_.size() >= account_->spool_rows) spool();
}

void ChildRows::spool() {
  if (fd_ < 0) {
    std::string dir = account_->spool_dir;
    if (dir.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      dir = tmp && *tmp ? tmp : "/tmp";
    }
    std::string name = dir + "/vigil-spool-XXXXXX";
    fd_ = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd_ < 0) spool_failure(name.c_str());
    ::unlink(name.c_str());  // gone with the process, whatever happens to it
  }
  std::string buf;
  for (const auto& row : memory_) {
    const auto at = buf.size();
    buf.append(sizeof(std::uint64_t), '\0');
    encode(row, buf);
    const std::uint64_t n = buf.size() - at - sizeof(std::uint64_t);
    std::memcpy(buf.data() + at, &n, sizeof n);
  }
  for (std::size_t done = 0; done < buf.size();) {
    const auto w =
        ::pwrite(fd_, buf.data() + done, buf.size() - done, static_cast<off_t>(file_bytes_ + done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) spool_failure("write");
    done += static_cast<std::size_t>(w);
  }
  file_bytes_ += buf.size();
  spooled_ += memory_.size();
  account_->sub(memory_.size());
  memory_.clear();
}

void ChildRows::clear() {
  if (account_) account_->sub(memory_.size());
  memory_.clear();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  spooled_ = 0;
  file_bytes_ = 0;
}

Result<void> ChildRows::for_each(const std::function<bool(ChildRow&)>& fn) const {
  std::string buf;
  std::uint64_t at = 0;
  const auto read_at = [this](std::uint64_t off, std::string& out, std::size_t n) {
    out.resize(n);
    for (std::size_t got = 0; got < n;) {
      const auto r = ::pread(fd_, out.data() + got, n - got, static_cast<off_t>(off + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      got += static_cast<std::size_t>(r);
    }
    return true;
  };
  try {
    for (std::size_t i = 0; i < spooled_; ++i) {
      std::uint64_t n = 0;
      if (!read_at(at, buf, sizeof n))
        return make_error(ErrorCode::kIo, "extraction spool: cannot read it back");
      std::memcpy(&n, buf.data(), sizeof n);
      if (n > file_bytes_ - at - sizeof n)
        return make_error(ErrorCode::kIo, "extraction spool: a row is damaged");
      if (!read_at(at + sizeof n, buf, n))
        return make_error(ErrorCode::kIo, "extraction spool: cannot read it back");
      at += sizeof n + n;
      auto row = decode(buf);
      if (!fn(row)) return {};
    }
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kIo, e.what());
  }
  for (const auto& row : memory_) {
    auto copy = row;
    if (!fn(copy)) return {};
  }
  return {};
}

std::vector<ChildRow> ChildRows::all() const {
  std::vector<ChildRow> out;
  out.reserve(size());
  if (auto r = for_each([&out](ChildRow& row) {
        out.push_back(std::move(row));
        return true;
      });
      !r)
    throw std::runtime_error(r.error().message);
  return out;
}

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
  std::vector<Subtree> subtrees(pending_.size());
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
    // The bodies run on TBB's workers, which ThreadSanitizer cannot see start and join
    // (hand_offs.hpp). A pipeline rather than parallel_for: parallel_for's task objects are
    // header code, recycled between threads by libtbb's uninstrumented allocator, and
    // ThreadSanitizer reported each reuse as a race inside TBB's headers; the pipeline's tasks
    // live inside libtbb, and only our filter bodies (annotated) are instrumented.
    HandOffs hand;
    std::size_t next = 0;
    const std::size_t count = pending_.size();
    const tbb::filter<void, void> filters =
        tbb::make_filter<void, std::size_t>(tbb::filter_mode::serial_in_order,
                                            hand.serial([&](tbb::flow_control& fc) -> std::size_t {
                                              if (next == count) {
                                                fc.stop();
                                                return 0;
                                              }
                                              return next++;
                                            })) &
        tbb::make_filter<std::size_t, void>(tbb::filter_mode::parallel,
                                            hand.parallel([&](std::size_t i) { one(i); }));
    const auto tokens = static_cast<std::size_t>(tbb::this_task_arena::max_concurrency());
    hand.launch();
    tbb::this_task_arena::isolate([&] { tbb::parallel_pipeline(tokens, filters); });
    hand.joined();
  }
  // Each child, then its descendants (their parent indices made relative to this list).
  for (auto& subtree : subtrees) {
    const auto self = static_cast<std::int64_t>(node_.rows.size());
    subtree.self.parent = node_.self;
    node_.rows.push_back(std::move(subtree.self));
    const auto base = self + 1;
    auto merged = subtree.rows.for_each([&](ChildRow& row) {
      row.parent = row.parent < 0 ? self : row.parent + base;
      node_.rows.push_back(std::move(row));
      return true;
    });
    subtree.rows.clear();
    if (!merged) throw std::runtime_error(merged.error().message);
  }
  pending_.clear();
  pending_bytes_ = 0;
}

Dispatcher::Dispatcher(const ExtractionSettings& settings, DigestPolicy digests,
                       const std::vector<Analyser>& analysers)
    : settings_(settings), digests_(digests), analysers_(analysers) {
  rows_.spool_rows = std::max<std::uint64_t>(settings_.spool_rows, 1);
  rows_.spool_dir = settings_.spool_dir;
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

Dispatcher::Subtree Dispatcher::process_child(const Node& parent, std::string_view extractor,
                                              extract::Child c, const Provenance& provenance,
                                              TopBudget& top) const {
  Subtree out{{}, ChildRows(&rows_)};
  ChildRow& self = out.self;
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
  r.size = c.status == extract::ChildStatus::kOk || c.status == extract::ChildStatus::kReassembled
               ? c.bytes.size()
               : std::max<std::uint64_t>(c.declared_size, c.bytes.size());
  r.status = "not-read";
  if (c.status == extract::ChildStatus::kEncrypted ||
      (c.bytes.empty() && c.status != extract::ChildStatus::kOk &&
       c.status != extract::ChildStatus::kReassembled)) {
    return out;
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
              out.rows, -1);
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
  return out;
}

void Dispatcher::extract_entry(const Provenance& provenance, std::string_view name,
                               const sniff::ContentType& type, std::span<const std::uint8_t> bytes,
                               ItemTask& task) const {
  if (!enabled()) return;
  task.children.attach(&rows_);
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

Result<void> store_task(case_store::CaseStore& store, ItemTask& task, ScanStats& stats) {
  auto id = store.add_item(task.record, task.extras);
  if (!id) return id.error();
  for (const auto& w : task.warnings) {
    if (auto r = store.add_warning(w); !r) return r;
  }
  ScanStats add;
  ++add.items_recorded;
  add.bytes_read += task.record.bytes_read;
  add.warnings += task.warnings.size();
  add.item_errors += (task.record.status == "error" ? 1 : 0) + task.errors;
  if (task.media) ++add.media;
  std::vector<std::int64_t> ids;
  ids.reserve(task.children.size());
  std::optional<Error> failed;
  auto r = task.children.for_each([&](ChildRow& c) {
    c.record.parent_id = c.parent < 0 ? *id : ids[static_cast<std::size_t>(c.parent)];
    auto cid = store.add_item(c.record, c.extras);
    if (!cid) {
      failed = cid.error();
      return false;
    }
    ids.push_back(*cid);
    for (const auto& w : c.warnings) {
      if (auto wr = store.add_warning(w); !wr) {
        failed = wr.error();
        return false;
      }
    }
    ++add.children;
    add.warnings += c.warnings.size();
    add.item_errors += (c.record.status == "error" ? 1 : 0) + c.errors;
    if (c.media) ++add.media;
    return true;
  });
  if (!r) return r;
  if (failed) return *failed;
  stats.items_recorded += add.items_recorded;
  stats.bytes_read += add.bytes_read;
  stats.warnings += add.warnings;
  stats.item_errors += add.item_errors;
  stats.media += add.media;
  stats.children += add.children;
  return {};
}

Result<void> store_task(case_store::CaseStore& store, ItemTask& task) {
  ScanStats ignored;
  return store_task(store, task, ignored);
}

void count_task(const ItemTask& task, ScanStats& stats) {
  ++stats.items_recorded;
  stats.bytes_read += task.record.bytes_read;
  stats.warnings += task.warnings.size();
  stats.item_errors += (task.record.status == "error" ? 1 : 0) + task.errors;
  if (task.media) ++stats.media;
  auto r = task.children.for_each([&stats](ChildRow& c) {
    ++stats.children;
    stats.warnings += c.warnings.size();
    stats.item_errors += (c.record.status == "error" ? 1 : 0) + c.errors;
    if (c.media) ++stats.media;
    return true;
  });
  if (!r) ++stats.item_errors;  // the spool could not be read back: store_task said so first
}

}  // namespace detail
}  // namespace vigil::pipeline
