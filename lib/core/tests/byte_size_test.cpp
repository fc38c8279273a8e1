#include "vigil/core/byte_size.hpp"

#include <gtest/gtest.h>

namespace vigil {

TEST(ByteSize, UnitsArePowersOf1024) {
  EXPECT_EQ(parse_byte_size("65536").value(), 65536u);
  EXPECT_EQ(parse_byte_size("0").value(), 0u);
  EXPECT_EQ(parse_byte_size("4K").value(), 4096u);
  EXPECT_EQ(parse_byte_size("512M").value(), 512ULL << 20);
  EXPECT_EQ(parse_byte_size("512MiB").value(), 512ULL << 20);
  EXPECT_EQ(parse_byte_size("1G").value(), 1ULL << 30);
  EXPECT_EQ(parse_byte_size("3GiB").value(), 3ULL << 30);
  EXPECT_EQ(parse_byte_size("2T").value(), 2ULL << 40);
  EXPECT_EQ(parse_byte_size("8388607T").value(), 8388607ULL << 40);
  EXPECT_EQ(parse_byte_size("9223372036854775807").value(), kMaxByteSize);
}

// Values that would wrap in 64 bits are refused with a message that says why.
TEST(ByteSize, OverflowIsRefusedNeverWrapped) {
  for (const char* s :
       {"99999999999999999999G", "17179869184G", "17179869183G", "8388608T", "9223372036854775808",
        "18446744073709551616", "8589934592G", "9999999999999999999999999999999999999999"}) {
    auto r = parse_byte_size(s);
    ASSERT_FALSE(r.ok()) << s << " gave " << r.value();
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find("too large"), std::string::npos) << r.error().message;
  }
}

TEST(ByteSize, AnythingButDigitsAndAUnitIsRefused) {
  for (const char* s :
       {"", "G", "1e30", "-1", "-1G", "+5M", " 5M", "5M ", "1.5G", "5g", "5MB", "0x10", "5 M"}) {
    auto r = parse_byte_size(s);
    ASSERT_FALSE(r.ok()) << "'" << s << "' gave " << r.value();
    EXPECT_NE(r.error().message.find("not a size"), std::string::npos) << r.error().message;
  }
}

}  // namespace vigil
