#include "vigil/hashset/pdq_index.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "mapped_file.hpp"

namespace vigil::hashset {
namespace {

constexpr int kWords = 16;
constexpr std::size_t kBuckets = 65536;
constexpr char kMagic[8] = {'V', 'G', 'P', 'D', 'Q', 'M', 'I', '1'};
constexpr std::size_t kHeader = 64;

inline int distance(const Hash256& a, const Hash256& b) {
  int d = 0;
  for (int i = 0; i < 4; ++i) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, a.bytes.data() + 8 * i, 8);
    std::memcpy(&y, b.bytes.data() + 8 * i, 8);
    d += std::popcount(x ^ y);
  }
  return d;
}

void sort_hits(std::vector<PdqHit>& hits) {
  std::sort(hits.begin(), hits.end(), [](const PdqHit& a, const PdqHit& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.index < b.index;
  });
}

}  // namespace

struct PdqIndex::Impl {
  // Owned storage (build) or a mapping (open); the spans point into one of them.
  std::vector<Hash256> own_hashes;
  std::vector<std::uint32_t> own_starts;  // kWords * (kBuckets + 1)
  std::vector<std::uint32_t> own_ids;     // kWords * n, ids grouped by word value
  detail::MappedFile map;
  detail::MappedFile hot;  // the hashes again, on huge pages (see move_hashes_to_huge_pages)
  std::span<const Hash256> hashes;
  const std::uint32_t* starts = nullptr;
  const std::uint32_t* ids = nullptr;
};

namespace {

// Verifying a candidate reads 32 bytes at a random place in the hash array; with 4 KiB pages
// nearly every read also misses the TLB. A private copy on transparent huge pages removes most of
// those misses (one copy at build or open: 32 bytes per hash).
void move_hashes_to_huge_pages(PdqIndex::Impl& m) {
  if (m.hashes.size_bytes() < (std::size_t{2} << 20)) return;
  auto copy = detail::MappedFile::anonymous_copy(
      {reinterpret_cast<const std::uint8_t*>(m.hashes.data()), m.hashes.size_bytes()});
  if (!copy) return;  // keep reading the original
  m.hot = std::move(*copy);
  m.hashes = {reinterpret_cast<const Hash256*>(m.hot.data()), m.hashes.size()};
  m.own_hashes.clear();
  m.own_hashes.shrink_to_fit();
}

}  // namespace

PdqIndex::PdqIndex() : impl_(std::make_unique<Impl>()) {}
PdqIndex::~PdqIndex() = default;
PdqIndex::PdqIndex(PdqIndex&&) noexcept = default;
PdqIndex& PdqIndex::operator=(PdqIndex&&) noexcept = default;

PdqIndex PdqIndex::build(std::vector<Hash256> hashes) {
  PdqIndex idx;
  Impl& m = *idx.impl_;
  const std::size_t n = hashes.size();
  m.own_hashes = std::move(hashes);
  m.own_starts.assign(kWords * (kBuckets + 1), 0);
  m.own_ids.resize(kWords * n);
  // One counting sort per word: ids of hashes whose word w equals v are contiguous.
  for (int w = 0; w < kWords; ++w) {
    std::uint32_t* st = m.own_starts.data() + w * (kBuckets + 1);
    for (std::size_t i = 0; i < n; ++i) ++st[m.own_hashes[i].word(w) + 1];
    for (std::size_t v = 0; v < kBuckets; ++v) st[v + 1] += st[v];
    std::vector<std::uint32_t> fill(st, st + kBuckets);
    std::uint32_t* ids = m.own_ids.data() + w * n;
    for (std::size_t i = 0; i < n; ++i)
      ids[fill[m.own_hashes[i].word(w)]++] = static_cast<std::uint32_t>(i);
  }
  m.hashes = m.own_hashes;
  m.starts = m.own_starts.data();
  m.ids = m.own_ids.data();
  move_hashes_to_huge_pages(m);
  return idx;
}

Result<void> PdqIndex::write(const std::filesystem::path& path) const {
  auto w = detail::FileWriter::create(path);
  if (!w) return w.error();
  const std::uint64_t n = size();
  w->write(kMagic, sizeof kMagic);
  w->write_le<std::uint32_t>(1);  // layout version
  w->write_le<std::uint32_t>(kWords);
  w->write_le<std::uint64_t>(n);
  w->pad_to(kHeader);
  for (const auto& h : impl_->hashes) w->write(h.bytes.data(), h.bytes.size());
  for (std::size_t i = 0; i < kWords * (kBuckets + 1); ++i) w->write_le(impl_->starts[i]);
  for (std::size_t i = 0; i < kWords * n; ++i) w->write_le(impl_->ids[i]);
  return w->close();
}

Result<PdqIndex> PdqIndex::open(const std::filesystem::path& path) {
  auto map = detail::MappedFile::open(path);
  if (!map) return map.error();
  const auto bytes = map->bytes();
  auto corrupt = [&](const std::string& what) {
    return make_error(ErrorCode::kCorrupt, path.string() + ": " + what);
  };
  if (bytes.size() < kHeader || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    return corrupt("not a vigil PDQ index");
  if (detail::load_le<std::uint32_t>(bytes.data() + 8) != 1 ||
      detail::load_le<std::uint32_t>(bytes.data() + 12) != kWords)
    return corrupt("unsupported PDQ index layout");
  const std::uint64_t n = detail::load_le<std::uint64_t>(bytes.data() + 16);
  const std::uint64_t expect = kHeader + 32 * n + 4 * kWords * (kBuckets + 1) + 4 * kWords * n;
  if (n >= (1ULL << 32) || bytes.size() != expect) return corrupt("size does not match header");
  PdqIndex idx;
  Impl& m = *idx.impl_;
  // The layout puts every array at a multiple of 4 from a page-aligned mapping, so the arrays can
  // be read in place: that is the point of mapping the index.
  m.hashes = {reinterpret_cast<const Hash256*>(bytes.data() + kHeader), n};
  m.starts = reinterpret_cast<const std::uint32_t*>(bytes.data() + kHeader + 32 * n);
  m.ids = m.starts + kWords * (kBuckets + 1);
  for (int w = 0; w < kWords; ++w) {
    const std::uint32_t* st = m.starts + w * (kBuckets + 1);
    if (st[0] != 0 || st[kBuckets] != n) return corrupt("bucket table is inconsistent");
    for (std::size_t v = 0; v < kBuckets; ++v)
      if (st[v] > st[v + 1]) return corrupt("bucket table is not monotonic");
  }
  m.map = std::move(*map);
  move_hashes_to_huge_pages(m);
  return idx;
}

std::size_t PdqIndex::size() const { return impl_->hashes.size(); }
const Hash256& PdqIndex::hash(std::size_t i) const { return impl_->hashes[i]; }
std::span<const Hash256> PdqIndex::hashes() const { return impl_->hashes; }

std::vector<PdqHit> PdqIndex::search(const Hash256& q, int threshold) const {
  std::vector<PdqHit> hits;
  if (threshold < 0 || threshold > kMaxThreshold) return hits;
  const Impl& m = *impl_;
  // Past radius 3 the pigeonhole probes cost more than reading every hash once (see the header).
  if (threshold > kMaxIndexedThreshold) return brute_force(m.hashes, q, threshold);
  const std::size_t n = m.hashes.size();
  const int radius = threshold / kWords;
  std::uint16_t qw[kWords];
  for (int w = 0; w < kWords; ++w) qw[w] = q.word(w);

  // All 16-bit values within `radius` bits of a query word.
  std::vector<std::uint16_t> probes;
  auto enumerate = [&](std::uint16_t base) {
    probes.clear();
    probes.push_back(base);
    if (radius >= 1)
      for (int a = 0; a < 16; ++a) {
        probes.push_back(static_cast<std::uint16_t>(base ^ (1u << a)));
        if (radius >= 2)
          for (int b = a + 1; b < 16; ++b) {
            probes.push_back(static_cast<std::uint16_t>(base ^ (1u << a) ^ (1u << b)));
            if (radius >= 3)
              for (int c = b + 1; c < 16; ++c)
                probes.push_back(
                    static_cast<std::uint16_t>(base ^ (1u << a) ^ (1u << b) ^ (1u << c)));
          }
      }
  };

  for (int w = 0; w < kWords; ++w) {
    enumerate(qw[w]);
    const std::uint32_t* st = m.starts + w * (kBuckets + 1);
    const std::uint32_t* ids = m.ids + w * n;
    for (std::uint16_t v : probes) {
      const std::uint32_t end = st[v + 1];
      for (std::uint32_t k = st[v]; k < end; ++k) {
        // Candidates are scattered over the hash array: fetch a few ahead so misses overlap.
        if (k + 8 < end && ids[k + 8] < n) __builtin_prefetch(&m.hashes[ids[k + 8]]);
        const std::uint32_t id = ids[k];
        if (id >= n) continue;  // a tampered file: never read outside the hash array
        const Hash256& h = m.hashes[id];
        const int d = distance(h, q);
        if (d > threshold) continue;
        // Report each hash once: from the first word through which it is reachable.
        bool earlier = false;
        for (int e = 0; e < w && !earlier; ++e)
          earlier = std::popcount(static_cast<unsigned>(h.word(e) ^ qw[e])) <= radius;
        if (!earlier) hits.push_back({id, d});
      }
    }
  }
  sort_hits(hits);
  return hits;
}

std::vector<PdqHit> PdqIndex::brute_force(std::span<const Hash256> hashes, const Hash256& q,
                                          int threshold) {
  std::vector<PdqHit> hits;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    const int d = distance(hashes[i], q);
    if (d <= threshold) hits.push_back({static_cast<std::uint32_t>(i), d});
  }
  sort_hits(hits);
  return hits;
}

}  // namespace vigil::hashset
