#include "vigil/core/provenance.hpp"

#include <gtest/gtest.h>

namespace vigil {

TEST(Provenance, StableStringForm) {
  const auto root = Provenance::evidence("disk.E01");
  const auto vol = root.child("vol", "2@1048576");
  const auto file = vol.child("ntfs", "/a/b.jpg (inode 64-128-2)");
  EXPECT_EQ(root.str(), "disk.E01");
  EXPECT_EQ(file.str(), "disk.E01 > vol:2@1048576 > ntfs:/a/b.jpg (inode 64-128-2)");
  EXPECT_EQ(file.depth(), 3u);
  EXPECT_EQ(file.last().layer, "ntfs");
}

TEST(Provenance, ExtendingLeavesParentUnchanged) {
  const auto root = Provenance::evidence("x.raw");
  const auto a = root.child("fat32", "/a");
  const auto b = root.child("fat32", "/b");
  EXPECT_EQ(root.str(), "x.raw");
  EXPECT_NE(a, b);
  EXPECT_EQ(a, Provenance::evidence("x.raw").child("fat32", "/a"));
  ASSERT_EQ(b.links().size(), 2u);
  EXPECT_EQ(b.links()[0].locator, "x.raw");
  EXPECT_EQ(b.links()[1].locator, "/b");
}

TEST(Provenance, EmptyChain) {
  Provenance p;
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.str(), "");
  EXPECT_EQ(p.child("carve", "1").str(), "carve:1");
}

}  // namespace vigil
