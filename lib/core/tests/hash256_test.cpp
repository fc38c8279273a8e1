#include "vigil/core/hash256.hpp"

#include <gtest/gtest.h>

namespace vigil {

TEST(Hash256, HexRoundTripAndDistance) {
  const std::string hex = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
  auto h = Hash256::from_hex(hex);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->to_hex(), hex);
  EXPECT_EQ(h->word(0), 0xf8f8);
  auto g = *h;
  g.bytes[31] ^= 0x03;
  EXPECT_EQ(hamming_distance(*h, g), 2);
  EXPECT_FALSE(Hash256::from_hex("abc").has_value());
  EXPECT_FALSE(Hash256::from_hex(std::string(64, 'g')).has_value());
  EXPECT_TRUE(Hash256{}.is_zero());
}

}  // namespace vigil
