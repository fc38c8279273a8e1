// The error rates every report cites are those of docs/perceptual-accuracy.md, as compiled in.
#include "vigil/report/accuracy.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace vigil::report {
namespace {

TEST(Accuracy, CompiledInDocumentIsTheRepositorysAndParsesWhole) {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/docs/perceptual-accuracy.md",
                   std::ios::binary);
  ASSERT_TRUE(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(accuracy_document(), ss.str());
  const auto& f = measured_accuracy();
  EXPECT_TRUE(f.complete());
  EXPECT_FALSE(f.version.empty());
  EXPECT_EQ(f.threshold, 31);
  EXPECT_EQ(f.min_quality, 50);
  ASSERT_EQ(f.rows.size(), 10u);
  EXPECT_EQ(f.rows[0].transform, "JPEG quality 30");
  EXPECT_EQ(f.rows[0].near_rate, "300/300 (100.0 %)");
  EXPECT_EQ(f.rows[0].total, 300);
  EXPECT_EQ(f.rows[0].max_distance, 8);
  EXPECT_EQ(f.pairs, 44850u);
  EXPECT_EQ(f.smallest_distance, 84);
  for (const auto& r : f.rows) {
    EXPECT_GE(r.matched, 0) << r.transform;
    EXPECT_LE(r.matched, r.total) << r.transform;
    EXPECT_GE(r.max_distance, 0) << r.transform;
  }
}

TEST(Accuracy, ADocumentWithoutItsFiguresIsIncomplete) {
  EXPECT_FALSE(parse_accuracy("").complete());
  EXPECT_FALSE(parse_accuracy("# title\n| a | b |\n").complete());
  const auto f = parse_accuracy(
      "Version: 2.1 (x)\nPDQ (pdq-fullres), 3 pictures, threshold 20, quality >= 40\n"
      "| transformation | near-match rate | plain | mean | max | below "
      "|\n|---|---|---|---|---|---|\n"
      "| blur | 2/3 (66.7 %) | 66.7 % | 1.0 | 25 | 0 |\n"
      "False matches across all 3 distinct pairs of originals: 1 with the plain hash (33.3333 %), "
      "1 with the eight variants (33.3333 %); smallest distance 12.\n");
  EXPECT_TRUE(f.complete());
  EXPECT_EQ(f.version, "2.1");
  EXPECT_EQ(f.threshold, 20);
  EXPECT_EQ(f.min_quality, 40);
  ASSERT_EQ(f.rows.size(), 1u);
  EXPECT_EQ(f.rows[0].matched, 2);
  EXPECT_EQ(f.rows[0].max_distance, 25);
  EXPECT_EQ(f.false_variants, 1u);
  EXPECT_EQ(f.smallest_distance, 12);
}

}  // namespace
}  // namespace vigil::report
