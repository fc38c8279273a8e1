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
