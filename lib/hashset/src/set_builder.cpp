#include "vigil/hashset/set_builder.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <queue>
#include <system_error>

#include "digest_index.hpp"
#include "mapped_file.hpp"
#include "record_codec.hpp"
#include "set_manifest.hpp"

namespace vigil::hashset {
namespace fs = std::filesystem;

namespace {

constexpr int kPartitions = 256;

// A (digest, record id) pair; the id is big-endian so that one memcmp orders by digest, then id.
template <std::size_t L>
struct Entry {
  std::array<std::uint8_t, L + 4> b;
  friend bool operator<(const Entry& x, const Entry& y) {
    return std::memcmp(x.b.data(), y.b.data(), L + 4) < 0;
  }
  [[nodiscard]] std::uint32_t id() const {
    return (std::uint32_t{b[L]} << 24) | (std::uint32_t{b[L + 1]} << 16) |
           (std::uint32_t{b[L + 2]} << 8) | std::uint32_t{b[L + 3]};
  }
};

Result<std::vector<std::uint8_t>> read_whole(const fs::path& p) {
  std::FILE* f = std::fopen(p.c_str(), "rb");
  if (f == nullptr) return make_error(ErrorCode::kIo, p.string() + ": cannot open");
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  std::vector<std::uint8_t> buf(ec ? 0 : n);
  const bool ok = !ec && std::fread(buf.data(), 1, buf.size(), f) == buf.size();
  std::fclose(f);
  if (!ok) return make_error(ErrorCode::kIo, p.string() + ": read failed");
  return buf;
}

// Writes the four files of one algorithm from a stream of sorted entries.
class IndexWriter {
 public:
  IndexWriter(std::size_t len, unsigned bits) : len_(len), bits_(bits), prefix_((1u << bits) + 1) {}
  Result<void> open(const fs::path& dir, std::string_view alg) {
    base_ = dir / std::string(alg);
    for (auto [w, ext] : {std::pair{&keys_, ".keys"}, {&first_, ".first"}, {&post_, ".post"}}) {
      auto f = detail::FileWriter::create(fs::path(base_.string() + ext));
      if (!f) return f.error();
      *w = std::move(*f);
    }
    return {};
  }
  Result<void> add(const std::uint8_t* digest, std::uint32_t id) {
    if (n_keys_ == 0 || std::memcmp(last_.data(), digest, len_) != 0) {
      if (n_posts_ >= UINT32_MAX || n_keys_ >= UINT32_MAX)
        return make_error(ErrorCode::kLimit, "more than 4294967295 digests in one set");
      keys_.write(digest, len_);
      first_.write_le(static_cast<std::uint32_t>(n_posts_));
      ++prefix_[detail::bucket_of(digest, bits_) + 1];
      std::memcpy(last_.data(), digest, len_);
      ++n_keys_;
    } else if (last_id_ == id) {
      return {};  // the same record naming the same digest twice
    }
    post_.write_le(id);
    last_id_ = id;
    ++n_posts_;
    return {};
  }
  Result<std::uint64_t> finish(std::uint32_t alg) {
    first_.write_le(static_cast<std::uint32_t>(n_posts_));
    for (auto* w : {&keys_, &first_, &post_})
      if (auto r = w->close(); !r) return r.error();
    for (std::size_t i = 1; i < prefix_.size(); ++i) prefix_[i] += prefix_[i - 1];
    auto p = detail::FileWriter::create(fs::path(base_.string() + ".prefix"));
    if (!p) return p.error();
    p->write(detail::kPrefixMagic, 8);
    p->write_le<std::uint32_t>(alg);
    p->write_le<std::uint32_t>(static_cast<std::uint32_t>(len_));
    p->write_le<std::uint64_t>(n_keys_);
    p->write_le<std::uint64_t>(n_posts_);
    p->write_le<std::uint32_t>(bits_);
    p->pad_to(detail::kPrefixHeader);
    for (auto v : prefix_) p->write_le(v);
    if (auto r = p->close(); !r) return r.error();
    return n_keys_;
  }

 private:
  std::size_t len_;
  unsigned bits_;
  std::vector<std::uint32_t> prefix_;
  fs::path base_;
  detail::FileWriter keys_, first_, post_;
  std::array<std::uint8_t, 32> last_{};
  std::uint32_t last_id_ = 0;
  std::uint64_t n_keys_ = 0;
  std::uint64_t n_posts_ = 0;
};

// Sorts one partition file and feeds it to the writer: in memory when it fits the budget,
// otherwise as sorted runs merged through a heap (an external merge sort).
template <std::size_t L>
Result<void> sort_partition(const fs::path& part, const fs::path& work, std::size_t budget,
                            IndexWriter& out) {
  using E = Entry<L>;
  std::error_code ec;
  const std::uint64_t bytes = fs::file_size(part, ec);
  if (ec) return make_error(ErrorCode::kIo, part.string() + ": " + ec.message());
  auto emit = [&](const E& e) { return out.add(e.b.data(), e.id()); };
  if (bytes <= budget) {
    auto raw = read_whole(part);
    if (!raw) return raw.error();
    std::vector<E> v(raw->size() / sizeof(E));
    std::memcpy(v.data(), raw->data(), v.size() * sizeof(E));
    raw->clear();
    raw->shrink_to_fit();
    std::sort(v.begin(), v.end());
    for (const E& e : v)
      if (auto r = emit(e); !r) return r;
    return {};
  }
  const std::size_t per_run = std::max<std::size_t>(budget / sizeof(E), 16);
  std::vector<fs::path> runs;
  {
    std::FILE* f = std::fopen(part.c_str(), "rb");
    if (f == nullptr) return make_error(ErrorCode::kIo, part.string() + ": cannot open");
    std::vector<E> v(per_run);
    std::size_t got = 0;
    while ((got = std::fread(v.data(), sizeof(E), per_run, f)) > 0) {
      std::sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(got));
      runs.push_back(work / ("run-" + std::to_string(runs.size())));
      auto w = detail::FileWriter::create(runs.back());
      if (!w) {
        std::fclose(f);
        return w.error();
      }
      w->write(v.data(), got * sizeof(E));
      if (auto r = w->close(/*sync=*/false); !r) {
        std::fclose(f);
        return r;
      }
    }
    std::fclose(f);
  }
  struct Head {
    E e;
    std::size_t run;
    bool operator<(const Head& o) const { return o.e < e; }  // min-heap
  };
  std::vector<std::FILE*> files;
  std::priority_queue<Head> heap;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    files.push_back(std::fopen(runs[i].c_str(), "rb"));
    Head h{{}, i};
    if (files.back() != nullptr && std::fread(&h.e, sizeof(E), 1, files.back()) == 1) heap.push(h);
  }
  Result<void> result;
  while (!heap.empty() && result.ok()) {
    Head h = heap.top();
    heap.pop();
    result = emit(h.e);
    if (std::fread(&h.e, sizeof(E), 1, files[h.run]) == 1) heap.push(h);
  }
  for (auto* f : files)
    if (f != nullptr) std::fclose(f);
  for (const auto& r : runs) fs::remove(r, ec);
  return result;
}

}  // namespace

struct SetBuilder::Impl {
  fs::path dir;
  fs::path work;
  BuildOptions options;
  detail::FileWriter records;
  detail::FileWriter offsets;
  detail::FileWriter rejected;
  std::array<std::vector<detail::FileWriter>, 3> parts;
  std::array<std::uint64_t, 3> entries{};
  std::vector<std::pair<Hash256, std::uint32_t>> pdq;
  std::uint64_t n_records = 0;
  std::string scratch;
};

SetBuilder::SetBuilder() : impl_(std::make_unique<Impl>()) {}
SetBuilder::~SetBuilder() = default;

Result<std::unique_ptr<SetBuilder>> SetBuilder::create(const fs::path& dir, BuildOptions options) {
  std::error_code ec;
  if (!fs::create_directory(dir, ec) || ec)
    return make_error(ErrorCode::kIo, dir.string() + ": cannot create set folder" +
                                          (ec ? ": " + ec.message() : " (it exists)"));
  std::unique_ptr<SetBuilder> b(new SetBuilder());
  Impl& m = *b->impl_;
  m.dir = dir;
  m.work = dir / ".work";
  m.options = options;
  fs::create_directory(m.work, ec);
  if (ec) return make_error(ErrorCode::kIo, m.work.string() + ": " + ec.message());
  auto open = [&](detail::FileWriter& w, const fs::path& p, std::size_t buf) -> Result<void> {
    auto f = detail::FileWriter::create(p, buf);
    if (!f) return f.error();
    w = std::move(*f);
    return {};
  };
  if (auto r = open(m.records, dir / "records.bin", 1 << 20); !r) return r.error();
  if (auto r = open(m.offsets, dir / "records.idx", 1 << 20); !r) return r.error();
  if (auto r = open(m.rejected, dir / "rejected.tsv", 1 << 16); !r) return r.error();
  const char* header = "source\tline\treason\n";
  m.rejected.write(header, std::strlen(header));
  for (auto& parts : m.parts) parts.resize(kPartitions);  // opened on first use
  m.offsets.write_le<std::uint64_t>(0);
  return b;
}

Result<std::uint32_t> SetBuilder::add(const Record& r) {
  Impl& m = *impl_;
  if (!r.has_any_hash()) return make_error(ErrorCode::kInvalidArgument, "record without a hash");
  if (m.n_records >= UINT32_MAX)
    return make_error(ErrorCode::kLimit, "too many records in one set");
  const auto id = static_cast<std::uint32_t>(m.n_records++);
  m.scratch.clear();
  detail::encode_record(r, m.scratch);
  m.records.write(m.scratch.data(), m.scratch.size());
  m.offsets.write_le<std::uint64_t>(m.records.offset());
  const std::uint8_t be[4] = {static_cast<std::uint8_t>(id >> 24),
                              static_cast<std::uint8_t>(id >> 16),
                              static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)};
  for (std::size_t a = 0; a < 3; ++a) {
    const auto& d = r.digest(kAlgorithms[a]);
    if (!d) continue;
    auto& w = m.parts[a][d->bytes[0]];
    if (!w.is_open()) {
      auto f = detail::FileWriter::create(m.work / (std::string(algorithm_name(kAlgorithms[a])) +
                                                    "-" + std::to_string(d->bytes[0])),
                                          1 << 16);
      if (!f) return f.error();
      w = std::move(*f);
    }
    w.write(d->bytes.data(), d->size());
    w.write(be, 4);
    ++m.entries[a];
  }
  if (r.pdq) m.pdq.emplace_back(*r.pdq, id);
  return id;
}

void SetBuilder::reject(std::uint32_t source, std::uint64_t line, const std::string& reason) {
  std::string row = std::to_string(source) + "\t" + std::to_string(line) + "\t";
  for (char c : reason) row.push_back(c == '\t' || c == '\n' || c == '\r' ? ' ' : c);
  row.push_back('\n');
  impl_->rejected.write(row.data(), row.size());
}

std::uint64_t SetBuilder::record_count() const { return impl_->n_records; }

Result<void> SetBuilder::finish(SetInfo& info) {
  Impl& m = *impl_;
  for (auto* w : {&m.records, &m.offsets, &m.rejected})
    if (auto r = w->close(); !r) return r;
  for (std::size_t a = 0; a < 3; ++a) {
    for (auto& w : m.parts[a])
      if (w.is_open())
        if (auto r = w.close(/*sync=*/false); !r) return r;
    // About one key per bucket, so a lookup reads one prefix entry and one or two keys; at most
    // 2^24 buckets (a 64 MiB table) for the largest sets.
    const unsigned bits = static_cast<unsigned>(
        std::clamp<int>(static_cast<int>(std::bit_width(m.entries[a])), 8, 24));
    IndexWriter out(digest_size(kAlgorithms[a]), bits);
    const auto name = algorithm_name(kAlgorithms[a]);
    if (auto r = out.open(m.dir, name); !r) return r;
    for (int p = 0; p < kPartitions; ++p) {
      const fs::path part = m.work / (std::string(name) + "-" + std::to_string(p));
      if (!fs::exists(part)) continue;
      Result<void> r;
      switch (kAlgorithms[a]) {
        case Algorithm::kMd5:
          r = sort_partition<16>(part, m.work, m.options.memory_budget, out);
          break;
        case Algorithm::kSha1:
          r = sort_partition<20>(part, m.work, m.options.memory_budget, out);
          break;
        case Algorithm::kSha256:
          r = sort_partition<32>(part, m.work, m.options.memory_budget, out);
          break;
      }
      if (!r) return r;
      std::error_code ec;
      fs::remove(part, ec);
    }
    auto keys = out.finish(static_cast<std::uint32_t>(kAlgorithms[a]));
    if (!keys) return keys.error();
    info.unique_digests[std::string(name)] = *keys;
  }
  // PDQ: the index holds the hashes in record order; pdq.records maps an index to its record.
  std::vector<Hash256> hashes;
  hashes.reserve(m.pdq.size());
  auto recs = detail::FileWriter::create(m.dir / "pdq.records");
  if (!recs) return recs.error();
  for (const auto& [h, id] : m.pdq) {
    hashes.push_back(h);
    recs->write_le(id);
  }
  if (auto r = recs->close(); !r) return r;
  {
    std::vector<Hash256> distinct = hashes;
    std::sort(distinct.begin(), distinct.end());
    info.unique_digests["pdq"] = static_cast<std::uint64_t>(
        std::unique(distinct.begin(), distinct.end()) - distinct.begin());
  }
  m.pdq.clear();
  m.pdq.shrink_to_fit();
  if (auto r = PdqIndex::build(std::move(hashes)).write(m.dir / "pdq.mih"); !r) return r;
  std::error_code ec;
  fs::remove_all(m.work, ec);
  info.records = m.n_records;
  if (info.set_id.empty()) info.set_id = info.compute_set_id();
  return detail::write_manifest(m.dir / "set.json", info);
}

}  // namespace vigil::hashset
