#include "vigil/hashset/pdq_index.hpp"

#include <gtest/gtest.h>

#include <random>

#include "test_util.hpp"

namespace vigil::hashset {
namespace {

Hash256 random_hash(std::mt19937_64& rng) {
  Hash256 h;
  for (auto& b : h.bytes) b = static_cast<std::uint8_t>(rng());
  return h;
}

Hash256 flip(Hash256 h, int bits, std::mt19937_64& rng) {
  std::vector<int> pos(256);
  for (int i = 0; i < 256; ++i) pos[i] = i;
  std::shuffle(pos.begin(), pos.end(), rng);
  for (int i = 0; i < bits; ++i)
    h.bytes[pos[i] / 8] ^= static_cast<std::uint8_t>(1u << (pos[i] % 8));
  return h;
}

// Random hashes plus planted near-duplicates at every distance up to 40, so each threshold has
// hits right at and just past its edge.
TEST(PdqIndex, ReturnsExactlyTheBruteForceResult) {
  std::mt19937_64 rng(7);
  std::vector<Hash256> base;
  for (int i = 0; i < 3000; ++i) base.push_back(random_hash(rng));
  std::vector<Hash256> queries;
  for (int q = 0; q < 40; ++q) {
    const Hash256 center = random_hash(rng);
    queries.push_back(center);
    for (int d = 0; d <= 40; d += 1 + q % 3) base.push_back(flip(center, d, rng));
  }
  const auto index = PdqIndex::build(base);
  for (int t : {0, 1, 8, 15, 16, 17, 24, 31, 32, 40, 63}) {
    for (const auto& q : queries) {
      const auto got = index.search(q, t);
      const auto want = PdqIndex::brute_force(base, q, t);
      ASSERT_EQ(got, want) << "threshold " << t;
    }
  }
  EXPECT_TRUE(index.search(queries[0], PdqIndex::kMaxThreshold + 1).empty());
  EXPECT_TRUE(index.search(queries[0], -1).empty());
}

// Every threshold that vigil accepts (0..128) gives the brute-force answer, past the
// multi-index's own range (63) too: there the search is a linear scan. Hashes are planted at
// every distance up to 130 from each query, and the index is also written and mapped back.
TEST(PdqIndex, ExactAtEveryAcceptedThreshold) {
  testing::TempDir tmp;
  std::mt19937_64 rng(13);
  std::vector<Hash256> base;
  for (int i = 0; i < 2000; ++i) base.push_back(random_hash(rng));
  std::vector<Hash256> queries;
  for (int q = 0; q < 12; ++q) {
    const Hash256 center = random_hash(rng);
    queries.push_back(center);
    for (int d = 0; d <= 130; ++d) base.push_back(flip(center, d, rng));
  }
  const auto built = PdqIndex::build(base);
  ASSERT_TRUE(built.write(tmp.path() / "t.mih").ok());
  auto opened = PdqIndex::open(tmp.path() / "t.mih");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(PdqIndex::kMaxThreshold, 128);
  for (int t : {0, 31, 63, 64, 96, 128}) {
    for (const auto& q : queries) {
      const auto want = PdqIndex::brute_force(base, q, t);
      ASSERT_GE(want.size(), static_cast<std::size_t>(t + 1)) << "threshold " << t;
      ASSERT_EQ(built.search(q, t), want) << "threshold " << t;
      ASSERT_EQ(opened->search(q, t), want) << "threshold " << t << " (mapped)";
    }
  }
  EXPECT_TRUE(built.search(queries[0], 129).empty());
}

TEST(PdqIndex, WrittenIndexMapsBackIdentically) {
  testing::TempDir tmp;
  std::mt19937_64 rng(9);
  std::vector<Hash256> base;
  for (int i = 0; i < 2000; ++i) base.push_back(random_hash(rng));
  base.push_back(flip(base[5], 20, rng));
  const auto built = PdqIndex::build(base);
  ASSERT_TRUE(built.write(tmp.path() / "p.mih").ok());
  auto opened = PdqIndex::open(tmp.path() / "p.mih");
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_EQ(opened->size(), base.size());
  EXPECT_EQ(opened->search(base[5], 31), built.search(base[5], 31));
  EXPECT_EQ(opened->search(base[5], 31).size(), 2u);
  std::filesystem::resize_file(tmp.path() / "p.mih", 100);
  EXPECT_FALSE(PdqIndex::open(tmp.path() / "p.mih").ok());
}

TEST(PdqIndex, EmptyIndexFindsNothing) {
  const auto index = PdqIndex::build({});
  EXPECT_TRUE(index.search(Hash256{}, 31).empty());
}

}  // namespace
}  // namespace vigil::hashset

namespace vigil::hashset {
namespace {

// Above 2 MiB of hashes the index reads a huge-page copy of them: the same answers, built or
// opened.
TEST(PdqIndex, LargeIndexOnAHugePageCopyMatchesBruteForce) {
  testing::TempDir tmp;
  std::mt19937_64 rng(11);
  std::vector<Hash256> base;
  for (int i = 0; i < 70000; ++i) base.push_back(random_hash(rng));
  for (int i = 0; i < 20; ++i) base.push_back(flip(base[static_cast<std::size_t>(i)], 10 + i, rng));
  const auto built = PdqIndex::build(base);
  ASSERT_TRUE(built.write(tmp.path() / "big.mih").ok());
  auto opened = PdqIndex::open(tmp.path() / "big.mih");
  ASSERT_TRUE(opened.ok());
  for (int i = 0; i < 20; ++i) {
    const auto want = PdqIndex::brute_force(base, base[static_cast<std::size_t>(i)], 31);
    EXPECT_EQ(built.search(base[static_cast<std::size_t>(i)], 31), want);
    EXPECT_EQ(opened->search(base[static_cast<std::size_t>(i)], 31), want);
    EXPECT_GE(want.size(), 1u);
  }
  EXPECT_EQ(opened->hash(70005), base[70005]);
}

}  // namespace
}  // namespace vigil::hashset
