#include "vigil/core/byte_reader.hpp"

#include <gtest/gtest.h>

#include <array>

namespace vigil {

TEST(ByteReader, ReadsBothEndians) {
  const std::array<std::uint8_t, 6> b{0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
  ByteReader r(b);
  EXPECT_EQ(r.read_le<std::uint16_t>(), 0x0201u);
  EXPECT_EQ(r.read_be<std::uint32_t>(), 0x03040506u);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ByteReader, OverrunIsStickyAndYieldsZero) {
  const std::array<std::uint8_t, 3> b{0xff, 0xff, 0xff};
  ByteReader r(b);
  EXPECT_EQ(r.read_le<std::uint32_t>(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.pos(), 0u);
  EXPECT_TRUE(r.read_bytes(4).empty());
  EXPECT_FALSE(r.seek(4));
  EXPECT_FALSE(r.at(2, 2).has_value());
  EXPECT_TRUE(r.at(1, 2).has_value());
  EXPECT_FALSE(r.at(SIZE_MAX, 2).has_value());
}

TEST(ByteReader, Matches) {
  const std::array<std::uint8_t, 4> b{0x89, 'P', 'N', 'G'};
  ByteReader r(b);
  EXPECT_TRUE(r.matches(1, "PNG"));
  EXPECT_FALSE(r.matches(2, "PNG"));
}

}  // namespace vigil
