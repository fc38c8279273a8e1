#include "vigil/olecf/memory_file.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace vigil::olecf {
namespace {

// A version 3 header ([MS-CFB] §2.2) with no sectors claimed; tests change single fields.
std::vector<std::uint8_t> header(std::size_t file_size = 4096) {
  std::vector<std::uint8_t> b(file_size, 0);
  const std::uint8_t magic[] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
  std::copy(std::begin(magic), std::end(magic), b.begin());
  b[26] = 3;                   // major version 3
  b[28] = 0xFE, b[29] = 0xFF;  // byte order
  b[30] = 9;                   // 512-byte sectors
  b[32] = 6;                   // 64-byte mini sectors
  return b;
}

TEST(OlecfHeader, SaneHeaderHasNoProblem) { EXPECT_EQ(header_problem(header()), ""); }

TEST(OlecfHeader, EachFieldThatSizesAnAllocationIsChecked) {
  EXPECT_NE(header_problem(std::vector<std::uint8_t>(100, 0)), "");  // short
  auto b = header();
  b[28] = 0;
  EXPECT_NE(header_problem(b), "");  // byte order
  b = header();
  b[30] = 12;
  EXPECT_NE(header_problem(b), "");  // version 3 with 4096-byte sectors
  b = header();
  b[32] = 7;
  EXPECT_NE(header_problem(b), "");  // mini sector shift
  for (const std::size_t count_at : {40U, 44U, 64U, 72U}) {
    b = header();
    b[count_at + 3] = 0x10;  // 2^28 sectors in an 8-sector file
    const std::string problem = header_problem(b);
    EXPECT_NE(problem.find("the file holds 8 sectors"), std::string::npos) << count_at;
  }
}

TEST(OlecfMemoryFile, RefusesAHostileHeaderBeforeLibolecfSeesIt) {
  auto b = header();
  b[44 + 3] = 0x10;  // FAT sector count: libolecf would allocate gigabytes for it
  const auto f = MemoryFile::open(b);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(f.error().message.find("header"), std::string::npos);
}

TEST(OlecfMemoryFile, GarbageAfterASaneHeaderIsAnErrorNotACrash) {
  auto b = header();
  for (std::size_t i = 76; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(i * 37);
  const auto f = MemoryFile::open(b);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace vigil::olecf
