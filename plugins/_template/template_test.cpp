// Extractor tests assert record, warning and child counts and chosen values (docs/ARCHITECTURE.md
// convention 11).
#include "_template/template.hpp"

#include <gtest/gtest.h>

#include "vigil/extract/testing.hpp"

namespace vigil::plugins {
namespace {

using Bytes = std::vector<std::uint8_t>;

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_name(Bytes& b, const std::string& s) {
  put16(b, static_cast<std::uint16_t>(s.size()));
  b.insert(b.end(), s.begin(), s.end());
}

Bytes container() {
  Bytes b{'T', 'P', 'L', '1'};
  put_name(b, "holiday");
  put32(b, 2);
  b.push_back(0);
  put_name(b, "a.jpg");
  put32(b, 3);
  b.insert(b.end(), {1, 2, 3});
  b.push_back(1);  // encrypted: size only
  put_name(b, "secret.jpg");
  put32(b, 1000);
  return b;
}

extract::testing::CollectingEmitter run(const Bytes& b, std::uint64_t budget = 1 << 20) {
  const auto prov = Provenance::evidence("x.tpl");
  const sniff::ContentType type;
  const extract::ItemInput in{prov, "x.tpl", type, b, 0};
  extract::testing::CollectingEmitter out(budget);
  auto e = make_template_extractor();
  EXPECT_TRUE(e->probe(in));
  e->extract(in, out, {});
  return out;
}

TEST(TemplateExtractor, MembersAndRecord) {
  const auto out = run(container());
  EXPECT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.value("title"), "holiday");
  EXPECT_TRUE(out.warnings.empty());
  ASSERT_EQ(out.children.size(), 2u);
  EXPECT_EQ(out.children[0].locator, "a.jpg");
  EXPECT_EQ(out.children[0].bytes, (Bytes{1, 2, 3}));
  EXPECT_EQ(out.children[0].offset, 29u);
  EXPECT_EQ(out.children[1].status, extract::ChildStatus::kEncrypted);
  EXPECT_EQ(out.children[1].declared_size, 1000u);
  EXPECT_TRUE(out.children[1].bytes.empty());
}

TEST(TemplateExtractor, TruncatedKeepsWhatWasRead) {
  auto b = container();
  b.resize(b.size() - 8);  // cut inside the second member's header
  const auto out = run(b);
  EXPECT_EQ(out.children.size(), 1u);
  EXPECT_EQ(out.warnings_with("truncated"), 1u);
}

TEST(TemplateExtractor, BudgetCutsAMember) {
  const auto out = run(container(), 2);
  ASSERT_EQ(out.children.size(), 1u);
  EXPECT_EQ(out.children[0].status, extract::ChildStatus::kPartial);
  EXPECT_EQ(out.children[0].bytes.size(), 2u);
  EXPECT_EQ(out.warnings_with("limit"), 1u);
}

TEST(TemplateExtractor, NotMyFormatIsSilent) {
  const Bytes b{'P', 'K', 3, 4};
  const auto prov = Provenance::evidence("x.zip");
  const sniff::ContentType type;
  const extract::ItemInput in{prov, "x.zip", type, b, 0};
  auto e = make_template_extractor();
  EXPECT_FALSE(e->probe(in));
  extract::testing::CollectingEmitter out;
  e->extract(in, out, {});
  EXPECT_TRUE(out.children.empty());
  EXPECT_TRUE(out.warnings.empty());
}

}  // namespace
}  // namespace vigil::plugins
