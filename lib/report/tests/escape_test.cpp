#include "vigil/report/escape.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace vigil::report {
namespace {

TEST(HtmlEscape, MarkupFromEvidenceCannotFormTags) {
  EXPECT_EQ(html_escape("<script>alert(1)</script>.jpg"),
            "&lt;script&gt;alert(1)&lt;/script&gt;.jpg");
  EXPECT_EQ(html_escape("<img src=x onerror=alert(1)>.jpg"),
            "&lt;img src=x onerror=alert(1)&gt;.jpg");
  EXPECT_EQ(html_escape("say \"cheese\" & 'it'"), "say &quot;cheese&quot; &amp; &#39;it&#39;");
}

TEST(HtmlEscape, ControlsAndInvalidUtf8AreShownAsHex) {
  EXPECT_EQ(html_escape("new\nline.jpg"), "new\\x0aline.jpg");
  EXPECT_EQ(html_escape(std::string("bad\xff\xfe.jpg")), "bad\\xff\\xfe.jpg");
  EXPECT_EQ(html_escape("عطلة الصيف.jpg"), "عطلة الصيف.jpg");  // valid UTF-8 kept
}

TEST(XmlEscape, AttributesAndForbiddenCharacters) {
  EXPECT_EQ(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
  // Newline kept as a character reference (an attribute would normalise a raw one).
  EXPECT_EQ(xml_escape("new\nline"), "new&#10;line");
  // XML 1.0 forbids most C0 controls even as references: shown as text.
  EXPECT_EQ(xml_escape(std::string("a\x01z", 3)), "a\\x01z");
  EXPECT_EQ(xml_escape(std::string("\xc3\x28")), "\\xc3(");
}

TEST(NeedsLossless, OnlyWhenTextCannotCarryTheBytes) {
  EXPECT_FALSE(needs_lossless("风景.png"));
  EXPECT_FALSE(needs_lossless("new\nline"));
  EXPECT_TRUE(needs_lossless(std::string("a\x01", 2)));
  EXPECT_TRUE(needs_lossless(std::string("\xff")));
}

TEST(Csv, FormulaInjectionIsNeutralised) {
  EXPECT_EQ(csv_text("=cmd|'/c calc'!A1.png"), "\"'=cmd|'/c calc'!A1.png\"");
  EXPECT_EQ(csv_text("+1"), "\"'+1\"");
  EXPECT_EQ(csv_text("-2"), "\"'-2\"");
  EXPECT_EQ(csv_text("@SUM(A1)"), "\"'@SUM(A1)\"");
  EXPECT_EQ(csv_text("\tx"), "\"'\tx\"");
  EXPECT_EQ(csv_text("\rx"), "\"'\rx\"");
  EXPECT_EQ(csv_text("Hostile/=cmd"), "\"Hostile/=cmd\"");  // only the first character matters
}

TEST(Csv, QuotesNewlinesAndBytes) {
  EXPECT_EQ(csv_text("say \"cheese\".gif"), "\"say \"\"cheese\"\".gif\"");
  EXPECT_EQ(csv_text("new\nline.jpg"), "\"new\nline.jpg\"");
  EXPECT_EQ(csv_text(std::string("bad\xff")), "\"bad\\xff\"");
  EXPECT_EQ(csv_plain("-1"), "\"-1\"");  // our own numbers are never prefixed
}

TEST(Json, StringsAreValidJson) {
  for (const std::string& s : {std::string("<script>\"x\"\n"), std::string("bad\xff\x01", 5),
                               std::string("=cmd|'/c calc'!A1.png")}) {
    const auto parsed = nlohmann::json::parse(json_string(s));
    ASSERT_TRUE(parsed.is_string());
  }
  EXPECT_EQ(nlohmann::json::parse(json_string("a\"b\n")).get<std::string>(), "a\"b\n");
}

}  // namespace
}  // namespace vigil::report
