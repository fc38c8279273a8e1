// The unclaimed space the scan carves (issue 14): an image in which nothing is recognised opens,
// when asked, as one unallocated volume over the whole image with a warning; without the option
// it is refused as before. Volumes without a file system list no unallocated blocks and no slack.
// (The block walk and the slack of real file systems are checked end to end by e2e_carve.)
#include <gtest/gtest.h>

#include <string>

#include "test_dir.hpp"
#include "vigil/evidence/evidence.hpp"

namespace vigil::evidence {
namespace {

std::string noise(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 2463534242u;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xFF);
  }
  s[510] = s[511] = '\0';  // never a boot-sector signature by chance
  return s;
}

TEST(Unclaimed, UnrecognisedImageOpensAsOneUnallocatedVolumeWhenAsked) {
  TestDir d;
  const auto f = d.write("wiped.raw", noise(1 << 20));
  EXPECT_FALSE(open_evidence(f).ok());  // refused by default (vigil ls)
  OpenOptions o;
  o.unrecognised_as_unallocated = true;
  auto ev = open_evidence(f, o);
  ASSERT_TRUE(ev.ok()) << ev.error().describe();
  const auto& vols = (*ev)->volumes();
  ASSERT_EQ(vols.size(), 1u);
  EXPECT_EQ(vols[0].kind, VolumeKind::kUnallocated);
  EXPECT_EQ(vols[0].offset, 0u);
  EXPECT_EQ(vols[0].length, 1u << 20);
  EXPECT_EQ(vols[0].provenance.str(), "wiped.raw > vol:0@0");
  ASSERT_EQ((*ev)->open_warnings().size(), 1u);
  EXPECT_NE((*ev)->open_warnings()[0].message.find("the whole image is carved"), std::string::npos);
  // No file system: no block walk, and a volume index out of range is an error, not a crash.
  EXPECT_FALSE((*ev)->unallocated_runs(0, 10).ok());
  EXPECT_FALSE((*ev)->unallocated_runs(-1, 10).ok());
  EXPECT_FALSE((*ev)->unallocated_runs(7, 10).ok());
  Entry e;
  e.volume = 3;
  EXPECT_FALSE((*ev)->slack_location(e).ok());
  std::string buf(16, '\0');
  EXPECT_FALSE(
      (*ev)
          ->read_slack(e, 0, std::span(reinterpret_cast<std::uint8_t*>(buf.data()), buf.size()))
          .ok());
}

TEST(Unclaimed, EmptyImageIsStillRefused) {
  TestDir d;
  OpenOptions o;
  o.unrecognised_as_unallocated = true;
  EXPECT_FALSE(open_evidence(d.write("empty.raw", ""), o).ok());
}

TEST(Unclaimed, FoldersHaveNoUnclaimedSpace) {
  TestDir d;
  d.write("a/b.txt", "x");
  auto ev = open_evidence(d.path());
  ASSERT_TRUE(ev.ok());
  EXPECT_FALSE((*ev)->unallocated_runs(0, 10).ok());
}

}  // namespace
}  // namespace vigil::evidence
