#include "vigil/hashset/hash_set.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "digest_index.hpp"
#include "mapped_file.hpp"
#include "record_codec.hpp"
#include "set_manifest.hpp"

namespace vigil::hashset {
namespace fs = std::filesystem;

namespace {

struct ExactIndex {
  detail::MappedFile prefix_map, keys_map, first_map, post_map;
  std::size_t len = 0;
  unsigned bits = 0;
  std::uint64_t n_keys = 0;
  std::uint64_t n_posts = 0;
  const std::uint32_t* prefix = nullptr;
  const std::uint8_t* keys = nullptr;
  const std::uint32_t* first = nullptr;
  const std::uint32_t* post = nullptr;

  // Position of the digest among the keys, or -1. The digest length is a template parameter so
  // that every comparison is an inlined fixed-size memcmp.
  template <std::size_t L>
  [[nodiscard]] std::int64_t locate_fixed(const std::uint8_t* d) const {
    const std::uint32_t b = detail::bucket_of(d, bits);
    std::uint64_t lo = prefix[b];
    const std::uint64_t end = prefix[b + 1];
    std::uint64_t hi = end;
    while (lo < hi) {  // lower bound inside the bucket
      const std::uint64_t mid = lo + (hi - lo) / 2;
      if (std::memcmp(keys + mid * L, d, L) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo < end && std::memcmp(keys + lo * L, d, L) == 0) return static_cast<std::int64_t>(lo);
    return -1;
  }
  // The bucket bounds of a digest (prefix is trusted: checked whole at open).
  [[nodiscard]] std::pair<std::uint64_t, std::uint64_t> bucket(const std::uint8_t* d) const {
    const std::uint32_t b = detail::bucket_of(d, bits);
    return {prefix[b], prefix[b + 1]};
  }
  [[nodiscard]] std::int64_t locate(const std::uint8_t* d) const {
    if (n_keys == 0) return -1;
    switch (len) {
      case 16:
        return locate_fixed<16>(d);
      case 20:
        return locate_fixed<20>(d);
      default:
        return locate_fixed<32>(d);
    }
  }
};

Result<void> open_exact(const fs::path& dir, Algorithm a, ExactIndex& x) {
  const std::string base = (dir / std::string(algorithm_name(a))).string();
  auto corrupt = [&](const std::string& what) {
    return make_error(ErrorCode::kCorrupt, base + ": " + what);
  };
  auto p = detail::MappedFile::open(base + ".prefix");
  if (!p) return p.error();
  const auto b = p->bytes();
  if (b.size() < detail::kPrefixHeader || std::memcmp(b.data(), detail::kPrefixMagic, 8) != 0)
    return corrupt("not a vigil digest index");
  x.len = digest_size(a);
  if (detail::load_le<std::uint32_t>(b.data() + 8) != static_cast<std::uint32_t>(a) ||
      detail::load_le<std::uint32_t>(b.data() + 12) != x.len)
    return corrupt("index is for another algorithm");
  x.n_keys = detail::load_le<std::uint64_t>(b.data() + 16);
  x.n_posts = detail::load_le<std::uint64_t>(b.data() + 24);
  x.bits = detail::load_le<std::uint32_t>(b.data() + 32);
  if (x.bits < 1 || x.bits > 24 || x.n_keys > UINT32_MAX || x.n_posts > UINT32_MAX)
    return corrupt("bad header");
  const std::size_t table = (std::size_t{1} << x.bits) + 1;
  if (b.size() != detail::kPrefixHeader + 4 * table) return corrupt("prefix table size");
  auto k = detail::MappedFile::open(base + ".keys");
  auto f = detail::MappedFile::open(base + ".first", detail::MappedFile::Access::kRandom);
  auto s = detail::MappedFile::open(base + ".post");
  if (!k) return k.error();
  if (!f) return f.error();
  if (!s) return s.error();
  if (k->size() != x.n_keys * x.len || f->size() != 4 * (x.n_keys + 1) ||
      s->size() != 4 * x.n_posts)
    return corrupt("file sizes do not match the header");
  // Arrays are read in place from page-aligned mappings (that is why they are mapped); the
  // prefix table is checked whole so a lookup can trust its bucket bounds.
  x.prefix = reinterpret_cast<const std::uint32_t*>(b.data() + detail::kPrefixHeader);
  // Every lookup probes the prefix table at random: a copy on huge pages (at most 64 MiB, a few ms
  // to copy) saves a TLB miss per lookup. The keys stay mapped from the file.
  if (b.size() >= (std::size_t{2} << 20)) {
    auto copy = detail::MappedFile::anonymous_copy(b);
    if (copy) {
      x.prefix = reinterpret_cast<const std::uint32_t*>(copy->data() + detail::kPrefixHeader);
      *p = std::move(*copy);
    }
  }
  if (x.prefix[0] != 0 || x.prefix[table - 1] != x.n_keys) return corrupt("prefix table bounds");
  for (std::size_t i = 0; i + 1 < table; ++i)
    if (x.prefix[i] > x.prefix[i + 1]) return corrupt("prefix table is not monotonic");
  x.keys = k->data();
  x.first = reinterpret_cast<const std::uint32_t*>(f->data());
  x.post = reinterpret_cast<const std::uint32_t*>(s->data());
  x.prefix_map = std::move(*p);
  x.keys_map = std::move(*k);
  x.first_map = std::move(*f);
  x.post_map = std::move(*s);
  return {};
}

}  // namespace

struct HashSet::Impl {
  fs::path dir;
  SetInfo info;
  std::array<ExactIndex, 3> exact;
  detail::MappedFile records, offsets, pdq_records;
  std::uint64_t n_records = 0;
  PdqIndex pdq;
};

HashSet::HashSet() : impl_(std::make_unique<Impl>()) {}
HashSet::~HashSet() = default;
HashSet::HashSet(HashSet&&) noexcept = default;
HashSet& HashSet::operator=(HashSet&&) noexcept = default;

Result<HashSet> HashSet::open(const fs::path& dir) {
  HashSet set;
  Impl& m = *set.impl_;
  m.dir = dir;
  auto info = detail::read_manifest(dir / "set.json");
  if (!info) return info.error();
  m.info = std::move(*info);
  for (std::size_t a = 0; a < 3; ++a)
    if (auto r = open_exact(dir, kAlgorithms[a], m.exact[a]); !r) return r.error();
  auto rec = detail::MappedFile::open(dir / "records.bin");
  auto off = detail::MappedFile::open(dir / "records.idx");
  auto pr = detail::MappedFile::open(dir / "pdq.records");
  if (!rec) return rec.error();
  if (!off) return off.error();
  if (!pr) return pr.error();
  if (off->size() % 8 != 0 || off->size() < 8 || off->size() / 8 - 1 != m.info.records)
    return make_error(ErrorCode::kCorrupt, (dir / "records.idx").string() + ": size mismatch");
  m.n_records = off->size() / 8 - 1;
  m.records = std::move(*rec);
  m.offsets = std::move(*off);
  auto pdq = PdqIndex::open(dir / "pdq.mih");
  if (!pdq) return pdq.error();
  m.pdq = std::move(*pdq);
  if (pr->size() != 4 * m.pdq.size())
    return make_error(ErrorCode::kCorrupt, (dir / "pdq.records").string() + ": size mismatch");
  m.pdq_records = std::move(*pr);
  return set;
}

const SetInfo& HashSet::info() const { return impl_->info; }
const fs::path& HashSet::path() const { return impl_->dir; }
std::uint64_t HashSet::record_count() const { return impl_->n_records; }

Result<Record> HashSet::record(std::uint32_t id) const {
  const Impl& m = *impl_;
  if (id >= m.n_records) return make_error(ErrorCode::kNotFound, "no record " + std::to_string(id));
  const auto* o = m.offsets.data();
  const auto begin = detail::load_le<std::uint64_t>(o + 8 * std::size_t{id});
  const auto end = detail::load_le<std::uint64_t>(o + 8 * (std::size_t{id} + 1));
  if (begin > end || end > m.records.size())
    return make_error(ErrorCode::kCorrupt, "records.idx points outside records.bin");
  return detail::decode_record(m.records.bytes().subspan(begin, end - begin));
}

bool HashSet::contains(const Digest& d) const {
  return impl_->exact[static_cast<std::size_t>(d.algorithm)].locate(d.bytes.data()) >= 0;
}

void HashSet::find(const Digest& d, std::vector<std::uint32_t>& record_ids) const {
  const ExactIndex& x = impl_->exact[static_cast<std::size_t>(d.algorithm)];
  const std::int64_t i = x.locate(d.bytes.data());
  if (i < 0) return;
  if (x.n_posts == x.n_keys) {  // every digest names one record: first[] is the identity
    record_ids.push_back(x.post[i]);
    return;
  }
  const std::uint64_t begin = x.first[i];
  const std::uint64_t end = std::min<std::uint64_t>(x.first[i + 1], x.n_posts);
  for (std::uint64_t k = begin; k < end; ++k) record_ids.push_back(x.post[k]);
}

void HashSet::contains_many(std::span<const Digest> digests, std::span<std::uint8_t> found) const {
  // Groups of lookups whose cache misses overlap: prefetch every prefix entry of the group, then
  // every first key, then compare. A lone lookup waits for each miss in turn.
  constexpr std::size_t kGroup = 16;
  const auto& ex = impl_->exact;
  for (std::size_t base = 0; base < digests.size() && base < found.size(); base += kGroup) {
    const std::size_t n = std::min({kGroup, digests.size() - base, found.size() - base});
    for (std::size_t i = 0; i < n; ++i) {
      const Digest& d = digests[base + i];
      const ExactIndex& x = ex[static_cast<std::size_t>(d.algorithm)];
      if (x.n_keys > 0) __builtin_prefetch(x.prefix + detail::bucket_of(d.bytes.data(), x.bits));
    }
    for (std::size_t i = 0; i < n; ++i) {
      const Digest& d = digests[base + i];
      const ExactIndex& x = ex[static_cast<std::size_t>(d.algorithm)];
      if (x.n_keys > 0) __builtin_prefetch(x.keys + x.bucket(d.bytes.data()).first * x.len);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const Digest& d = digests[base + i];
      found[base + i] =
          ex[static_cast<std::size_t>(d.algorithm)].locate(d.bytes.data()) >= 0 ? 1 : 0;
    }
  }
}

std::uint64_t HashSet::digest_count(Algorithm a) const {
  return impl_->exact[static_cast<std::size_t>(a)].n_keys;
}

Digest HashSet::digest_at(Algorithm a, std::uint64_t i) const {
  const ExactIndex& x = impl_->exact[static_cast<std::size_t>(a)];
  Digest d;
  d.algorithm = a;
  if (i < x.n_keys) std::memcpy(d.bytes.data(), x.keys + i * x.len, x.len);
  return d;
}

std::vector<PdqHit> HashSet::find_near(const Hash256& q, int threshold) const {
  return impl_->pdq.search(q, threshold);
}
const PdqIndex& HashSet::pdq_index() const { return impl_->pdq; }
std::uint32_t HashSet::pdq_record(std::uint32_t i) const {
  if (i >= impl_->pdq.size()) return UINT32_MAX;
  return detail::load_le<std::uint32_t>(impl_->pdq_records.data() + 4 * std::size_t{i});
}

std::vector<SetMatch> HashSetGroup::find(const Digest& d) const {
  std::vector<SetMatch> out;
  std::vector<std::uint32_t> ids;
  for (std::size_t s = 0; s < sets_.size(); ++s) {
    ids.clear();
    sets_[s].find(d, ids);
    for (auto id : ids) out.push_back({s, id, 0});
  }
  return out;
}

std::vector<SetMatch> HashSetGroup::find_near(const Hash256& q, int threshold) const {
  std::vector<SetMatch> out;
  for (std::size_t s = 0; s < sets_.size(); ++s)
    for (const auto& hit : sets_[s].find_near(q, threshold))
      out.push_back({s, sets_[s].pdq_record(hit.index), hit.distance});
  return out;
}

}  // namespace vigil::hashset
