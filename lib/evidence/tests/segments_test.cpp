#include <gtest/gtest.h>

#include "test_dir.hpp"
#include "vigil/evidence/evidence.hpp"

namespace vigil::evidence {

TEST(Segments, NumberedSiblingsAreFoundInOrder) {
  TestDir d;
  const auto first = d.write("disk.raw.001", "a");
  d.write("disk.raw.002", "b");
  d.write("disk.raw.003", "c");
  d.write("disk.raw.005", "gap: not part of the set");
  const auto segs = find_split_segments(first);
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[2], d.path() + "/disk.raw.003");
}

TEST(Segments, ZeroBasedAndLetterSuffixes) {
  TestDir d;
  const auto z = d.write("img.000", "a");
  d.write("img.001", "b");
  EXPECT_EQ(find_split_segments(z).size(), 2u);
  const auto aa = d.write("x.aa", "a");
  d.write("x.ab", "b");
  d.write("x.ac", "c");
  EXPECT_EQ(find_split_segments(aa).size(), 3u);
}

TEST(Segments, PlainFileAndLaterSegmentStandAlone) {
  TestDir d;
  const auto raw = d.write("disk.dd", "a");
  EXPECT_EQ(find_split_segments(raw), std::vector<std::string>{raw});
  const auto second = d.write("s.002", "b");
  d.write("s.003", "c");
  EXPECT_EQ(find_split_segments(second).size(), 1u);
}

TEST(OpenEvidence, MissingFileIsNotFound) {
  auto ev = open_evidence("/nonexistent/vigil/disk.E01");
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.error().code, ErrorCode::kNotFound);
}

TEST(OpenEvidence, BytesThatAreNoImageGiveAClearError) {
  TestDir d;
  const auto f = d.write("notes.txt", std::string(70000, 'x'));
  auto ev = open_evidence(f);
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(ev.error().message.find("no partition table"), std::string::npos);
}

TEST(OpenEvidence, EmptyFileIsCorrupt) {
  TestDir d;
  auto ev = open_evidence(d.write("empty.raw", ""));
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.error().code, ErrorCode::kCorrupt);
}

}  // namespace vigil::evidence
