// The explicit registry is complete and consistent: every folder under plugins/ (other than
// _template) names a registered extractor, and every registered extractor declares itself fully.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "vigil/extract/registry.hpp"

namespace vigil::extract {
namespace {

TEST(BuiltinRegistry, EveryPluginFolderIsRegistered) {
  std::set<std::string> registered;
  for (const auto& e : Registry::builtin().all()) registered.insert(std::string(e->name()));
  std::set<std::string> folders;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(VIGIL_SOURCE_DIR) / "plugins")) {
    if (!entry.is_directory()) continue;
    const auto name = entry.path().filename().string();
    if (name == "_template") continue;
    folders.insert(name);
    EXPECT_TRUE(registered.count(name) == 1)
        << "plugins/" << name << " is not in plugins/builtin.cpp's list";
  }
  for (const auto& name : registered) {
    EXPECT_TRUE(folders.count(name) == 1)
        << "extractor \"" << name << "\" is registered but has no folder plugins/" << name;
  }
}

TEST(BuiltinRegistry, EachExtractorDeclaresItself) {
  std::set<std::string> names;
  for (const auto& e : Registry::builtin().all()) {
    EXPECT_FALSE(e->name().empty());
    EXPECT_TRUE(names.insert(std::string(e->name())).second) << "duplicate " << e->name();
    EXPECT_FALSE(e->version().empty()) << e->name();
    EXPECT_FALSE(e->input_types().empty()) << e->name();
    EXPECT_FALSE(e->outputs().empty()) << e->name();
    EXPECT_FALSE(e->limits().empty()) << e->name();
    EXPECT_EQ(Registry::builtin().find(e->name()), e.get());
  }
}

TEST(BuiltinRegistry, SelectAllMatchesTheList) {
  auto all = Registry::builtin().select("all");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), Registry::builtin().all().size());
  auto none = Registry::builtin().select("none");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace vigil::extract
