#include "vigil/extract/registry.hpp"

#include <gtest/gtest.h>

#include "vigil/extract/testing.hpp"

namespace vigil::extract {
namespace {

class Named : public Extractor {
 public:
  explicit Named(std::string name) : name_(std::move(name)) {}
  [[nodiscard]] std::string_view name() const override { return name_; }
  [[nodiscard]] std::string_view version() const override { return "1"; }
  [[nodiscard]] std::vector<std::string_view> input_types() const override { return {"zip"}; }
  [[nodiscard]] std::string_view outputs() const override { return "nothing"; }
  [[nodiscard]] std::string_view limits() const override { return "none"; }
  [[nodiscard]] bool probe(const ItemInput&) const override { return false; }
  void extract(const ItemInput&, Emitter&, std::stop_token) const override {}

 private:
  std::string name_;
};

Registry three() {
  std::vector<std::unique_ptr<Extractor>> all;
  all.push_back(std::make_unique<Named>("archive"));
  all.push_back(std::make_unique<Named>("documents"));
  all.push_back(std::make_unique<Named>("exif"));
  return Registry(std::move(all));
}

std::vector<std::string> names(const std::vector<const Extractor*>& v) {
  std::vector<std::string> out;
  for (const auto* e : v) out.emplace_back(e->name());
  return out;
}

TEST(Registry, FindByName) {
  const auto r = three();
  ASSERT_NE(r.find("documents"), nullptr);
  EXPECT_EQ(r.find("documents")->name(), "documents");
  EXPECT_EQ(r.find("carve"), nullptr);
  EXPECT_EQ(r.find(""), nullptr);
}

TEST(Registry, SelectKeepsRegistryOrderWhateverTheListOrder) {
  const auto r = three();
  auto s = r.select("exif,archive");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(names(*s), (std::vector<std::string>{"archive", "exif"}));
  auto all = r.select("all");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(names(*all), (std::vector<std::string>{"archive", "documents", "exif"}));
  auto dup = r.select("exif,exif,");
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(names(*dup), (std::vector<std::string>{"exif"}));
}

TEST(Registry, NoneSelectsNothing) {
  auto s = three().select("none");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->empty());
}

TEST(Registry, UnknownNameIsAnInvalidArgument) {
  auto s = three().select("archive,carve");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(s.error().message.find("carve"), std::string::npos);
  EXPECT_NE(s.error().message.find("archive, documents, exif"), std::string::npos);
}

TEST(ChildStatus, Names) {
  EXPECT_STREQ(child_status_name(ChildStatus::kOk), "ok");
  EXPECT_STREQ(child_status_name(ChildStatus::kEncrypted), "encrypted");
  EXPECT_STREQ(child_status_name(ChildStatus::kPartial), "partial");
  EXPECT_STREQ(child_status_name(ChildStatus::kReassembled), "reassembled");
}

TEST(CollectingEmitter, StopsAtItsCountLimit) {
  testing::CollectingEmitter out(100, 2);
  EXPECT_TRUE(out.child({}));
  EXPECT_FALSE(out.child({}));
  EXPECT_FALSE(out.child({}));
  EXPECT_EQ(out.children.size(), 2u);
  EXPECT_EQ(out.child_byte_budget(), 100u);
}

}  // namespace
}  // namespace vigil::extract
