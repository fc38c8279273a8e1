#include "vigil/evidence/verify.hpp"

#include <gtest/gtest.h>

namespace vigil::evidence {

TEST(Verify, ParsesExpectedHashes) {
  auto e = parse_expected_hash("MD5:900150983CD24FB0D6963F7D28E17F72");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->algorithm, "md5");
  EXPECT_EQ(e->hex, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_FALSE(parse_expected_hash("md5:1234").ok());
  EXPECT_FALSE(parse_expected_hash("crc32:12345678").ok());
  EXPECT_FALSE(parse_expected_hash("sha1").ok());
  EXPECT_FALSE(parse_expected_hash("sha1:" + std::string(40, 'g')).ok());
}

TEST(Verify, ResultNeedsEveryCheckAndAFullRead) {
  VerifyResult r;
  EXPECT_FALSE(r.verified());
  EXPECT_NE(r.failure_reason().find("no hash"), std::string::npos);
  r.checks.push_back({"md5", "stored in container", "aa", "aa"});
  EXPECT_TRUE(r.verified());
  r.checks.push_back({"sha1", "stored in container", "bb", "cc"});
  EXPECT_FALSE(r.verified());
  EXPECT_EQ(r.failure_reason(), "sha1 mismatch: stored in container bb, computed cc");
  r.checks.pop_back();
  r.read_error = "chunk 3 unreadable";
  EXPECT_FALSE(r.verified());
}

}  // namespace vigil::evidence

namespace vigil::evidence {

// Issue 10: libewf reports runs of failed chunks; they are merged as ewfverify prints them.
TEST(Verify, MergesSectorRanges) {
  EXPECT_EQ(merge_ranges({{128, 64}, {0, 64}, {64, 64}, {512, 64}, {540, 10}, {900, 0}}),
            (std::vector<SectorRange>{{0, 192}, {512, 64}}));
  EXPECT_TRUE(merge_ranges({}).empty());
}

// Issue 10: a damaged chunk fails verification even when every hash matches, and says where.
TEST(Verify, DamagedChunksFailEvenWhenTheHashesMatch) {
  VerifyResult r;
  r.checks.push_back({"md5", "stored in container", "aa", "aa"});
  r.chunks.checked = true;
  r.chunks.sectors_per_chunk = 64;
  r.chunks.chunks = 2944;
  EXPECT_TRUE(r.verified());
  r.chunks.checksum_errors = {{119488, 64}, {138112, 128}};
  EXPECT_FALSE(r.verified());
  EXPECT_EQ(r.chunks.damaged_chunks(), 3u);
  EXPECT_EQ(r.failure_reason(),
            "FAILED: 3 chunks with checksum errors, sectors 119488-119551, 138112-138239");
  r.chunks.checksum_errors = {{119488, 64}};
  r.chunks.unreadable = {{0, 64}};
  EXPECT_EQ(r.chunks.damaged_chunks(), 2u);
  EXPECT_EQ(r.failure_reason(),
            "FAILED: 1 chunk with checksum errors, sectors 119488-119551; 1 chunk unreadable, "
            "sectors 0-63");
  // A range that does not start on a chunk boundary still counts every chunk it touches.
  r.chunks.unreadable.clear();
  r.chunks.checksum_errors = {{100, 60}};
  EXPECT_EQ(r.chunks.damaged_chunks(), 2u);
}

}  // namespace vigil::evidence
