#include "vigil/core/text.hpp"

#include <gtest/gtest.h>

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
}

}  // namespace vigil
