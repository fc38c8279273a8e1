#include "vigil/core/text.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <initializer_list>
#include <vector>

namespace vigil {

TEST(Text, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xD8\xB5\xD9\x88\xD8\xB1\xD8\xA9"));  // Arabic
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x93\xB7"));                  // emoji
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));                         // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));                     // surrogate
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("\xE4\xB8"));  // truncated
}

TEST(Text, Base64) {
  EXPECT_EQ(base64_encode(std::string_view("")), "");
  EXPECT_EQ(base64_encode(std::string_view("f")), "Zg==");
  EXPECT_EQ(base64_encode(std::string_view("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(std::string_view("foo")), "Zm9v");
  EXPECT_EQ(base64_encode(std::string_view("\xff\xfe")), "//4=");
}

TEST(Text, JsonEscapesEverythingFromEvidence) {
  std::string out;
  append_json_string(out, "<script>\"q\"\n\x01\\");
  EXPECT_EQ(out, "\"<script>\\\"q\\\"\\n\\u0001\\\\\"");
}

// The escaper skips eight bytes at a time; every special byte at every position must still be
// caught, in ASCII and in UTF-8 text.
TEST(Text, JsonEscapesAtEveryPosition) {
  auto reference = [](std::string_view in) {
    std::string out = "\"";
    for (const char ch : in) {
      const auto c = static_cast<unsigned char>(ch);
      if (ch == '"')
        out += "\\\"";
      else if (ch == '\\')
        out += "\\\\";
      else if (ch == '\n')
        out += "\\n";
      else if (ch == '\r')
        out += "\\r";
      else if (ch == '\t')
        out += "\\t";
      else if (c < 0x20 || c == 0x7F) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else
        out += ch;
    }
    return out + "\"";
  };
  for (const char special : {'"', '\\', '\n', '\x01', '\x1f', '\x7f'}) {
    for (std::size_t pos = 0; pos < 40; ++pos) {
      std::string in = "abcdefgh\xC3\xA9ijklmnopqrstuvwxyz0123456789ABCDEFGH";
      in[pos % in.size()] = special;
      std::string out;
      append_json_string(out, in);
      EXPECT_EQ(out, reference(in)) << "special " << int(special) << " at " << pos;
    }
  }
}

TEST(Text, JsonTextFieldKeepsInvalidBytesAsBase64) {
  std::string out;
  append_json_text_field(out, "name", "a\xff");
  EXPECT_EQ(out, "\"name\":\"a\xEF\xBF\xBD\",\"name_b64\":\"Yf8=\"");
  out.clear();
  append_json_text_field(out, "name", "ok");
  EXPECT_EQ(out, "\"name\":\"ok\"");
}

TEST(Text, Printable) {
  EXPECT_EQ(printable("a\nb\xff"), "a\\x0ab\\xff");
  EXPECT_EQ(printable("\xE4\xB8\xAD"), "\xE4\xB8\xAD");
  // Valid characters that change what a reader sees are escaped too: a C1 control (U+0085),
  // the right-to-left override (U+202E), the line separator (U+2028).
  EXPECT_EQ(printable("a\xC2\x85"
                      "b\xE2\x80\xAE"
                      "c\xE2\x80\xA8"),
            "a\\xc2\\x85b\\xe2\\x80\\xaec\\xe2\\x80\\xa8");
}

}  // namespace vigil

namespace {
std::vector<std::uint8_t> utf16le(std::initializer_list<std::uint16_t> units) {
  std::vector<std::uint8_t> out;
  for (auto u : units) {
    out.push_back(static_cast<std::uint8_t>(u & 0xFF));
    out.push_back(static_cast<std::uint8_t>(u >> 8));
  }
  return out;
}
}  // namespace

TEST(Text, Utf16leToUtf8JoinsPairsAndReplacesLoneSurrogates) {
  // "a", U+00E9, U+4E2D, U+1F600 (a surrogate pair), then a lone high surrogate before "b".
  const auto b = utf16le({0x0061, 0x00E9, 0x4E2D, 0xD83D, 0xDE00, 0xD800, 0x0062});
  EXPECT_EQ(vigil::utf16le_to_utf8(b),
            "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\xEF\xBF\xBD"
            "b");
  // A lone low surrogate, and an odd last byte dropped.
  auto c = utf16le({0xDC00, 0x0041});
  c.push_back(0x42);
  EXPECT_EQ(vigil::utf16le_to_utf8(c),
            "\xEF\xBF\xBD"
            "A");
}

TEST(Text, Utf16leToUtf8StopsAtNulOnlyWhenAsked) {
  const auto b = utf16le({0x0078, 0x0000, 0x0079});
  EXPECT_EQ(vigil::utf16le_to_utf8(b), "x");
  EXPECT_EQ(vigil::utf16le_to_utf8(b, false), std::string("x\0y", 3));
  EXPECT_EQ(vigil::utf16le_to_utf8({}), "");
}
