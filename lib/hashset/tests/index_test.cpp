#include <gtest/gtest.h>

#include <map>
#include <random>

#include "test_util.hpp"
#include "vigil/hashset/hash_set.hpp"
#include "vigil/hashset/set_builder.hpp"

namespace vigil::hashset {
namespace {

using testing::TempDir;

Digest random_digest(std::mt19937_64& rng, Algorithm a) {
  Digest d;
  d.algorithm = a;
  for (std::size_t i = 0; i < d.size(); ++i) d.bytes[i] = static_cast<std::uint8_t>(rng());
  return d;
}

// Builds a set from records that share digests, with a tiny sort budget so that partitions go
// through the external (run + merge) path, and checks every lookup against a multimap.
void build_and_check(std::size_t budget) {
  TempDir tmp;
  std::mt19937_64 rng(42);
  std::vector<Digest> pool;
  for (int i = 0; i < 3000; ++i) pool.push_back(random_digest(rng, kAlgorithms[i % 3]));
  // Skewed: many digests start with the same byte, so one partition is far larger than the rest.
  for (int i = 0; i < 500; ++i) {
    Digest d = random_digest(rng, Algorithm::kSha1);
    d.bytes[0] = 0xab;
    pool.push_back(d);
  }
  std::multimap<std::string, std::uint32_t> truth;
  std::vector<Record> records;
  auto b = SetBuilder::create(tmp.path() / "set", BuildOptions{budget});
  ASSERT_TRUE(b.ok()) << b.error().message;
  for (std::uint32_t id = 0; id < 8000; ++id) {
    Record r;
    r.source_line = id + 1;
    r.category = id % 3 == 0 ? Category::null() : Category::value(std::to_string(id % 5));
    r.file_name = "file" + std::to_string(id);
    const int n = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < n; ++k) {
      const Digest& d = pool[rng() % pool.size()];
      if (r.digest(d.algorithm)) continue;
      r.set_digest(d);
      truth.emplace(d.to_hex() + std::to_string(static_cast<int>(d.algorithm)), id);
    }
    if (id % 97 == 0) r.attributes.emplace_back("MediaID", std::to_string(id));
    auto got = (*b)->add(r);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, id);
    records.push_back(r);
  }
  SetInfo info;
  info.name = "t";
  ASSERT_TRUE((*b)->finish(info).ok());
  auto set = HashSet::open(tmp.path() / "set");
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->record_count(), 8000u);
  for (const Digest& d : pool) {
    std::vector<std::uint32_t> ids;
    set->find(d, ids);
    auto [lo, hi] = truth.equal_range(d.to_hex() + std::to_string(static_cast<int>(d.algorithm)));
    std::vector<std::uint32_t> want;
    for (auto it = lo; it != hi; ++it) want.push_back(it->second);
    std::sort(want.begin(), want.end());
    EXPECT_EQ(ids, want);
    EXPECT_EQ(set->contains(d), !want.empty());
  }
  for (int i = 0; i < 1000; ++i)
    EXPECT_FALSE(set->contains(random_digest(rng, kAlgorithms[i % 3])));
  // The batched path answers exactly as contains() does.
  std::vector<Digest> batch;
  for (int i = 0; i < 1000; ++i)
    batch.push_back(i % 2 ? pool[rng() % pool.size()] : random_digest(rng, kAlgorithms[i % 3]));
  std::vector<std::uint8_t> found(batch.size());
  set->contains_many(batch, found);
  for (std::size_t i = 0; i < batch.size(); ++i)
    EXPECT_EQ(found[i] != 0, set->contains(batch[i])) << i;
  for (std::uint32_t id = 0; id < 8000; id += 37) {
    auto r = set->record(id);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, records[id]);
  }
  // Keys are stored sorted and distinct.
  for (Algorithm a : kAlgorithms)
    for (std::uint64_t i = 1; i < set->digest_count(a); ++i)
      EXPECT_LT(set->digest_at(a, i - 1).bytes, set->digest_at(a, i).bytes);
  EXPECT_FALSE(set->record(8000).ok());
}

TEST(Index, LookupsMatchAMultimapInMemory) { build_and_check(std::size_t{1} << 30); }
TEST(Index, LookupsMatchAMultimapWithExternalMerge) { build_and_check(4096); }

TEST(Index, TruncatedIndexFileIsRefused) {
  TempDir tmp;
  auto b = SetBuilder::create(tmp.path() / "set");
  ASSERT_TRUE(b.ok());
  Record r;
  r.md5 = *Digest::from_hex("900150983cd24fb0d6963f7d28e17f72");
  ASSERT_TRUE((*b)->add(r).ok());
  SetInfo info;
  ASSERT_TRUE((*b)->finish(info).ok());
  std::filesystem::resize_file(tmp.path() / "set" / "md5.keys", 8);
  auto set = HashSet::open(tmp.path() / "set");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code, ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace vigil::hashset
