#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "test_dir.hpp"
#include "vigil/evidence/evidence.hpp"

namespace vigil::evidence {

TEST(FolderEvidence, WalksEveryEntrySortedWithRawNames) {
  TestDir d;
  d.write("b.jpg", "12345");
  d.write("a/inner.png", "xy");
  d.write(std::string("bad\xff name"), "z");
  std::filesystem::create_directory_symlink(d.path(), d.path() + "/loop");
  auto ev = open_evidence(d.path());
  ASSERT_TRUE(ev.ok()) << ev.error().describe();
  EXPECT_EQ((*ev)->info().format, ImageFormat::kFolder);
  std::vector<Entry> seen;
  auto r = (*ev)->walk(
      0,
      [&](const Entry& e) {
        seen.push_back(e);
        return true;
      },
      [](const Warning&) {});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(seen.size(), 5u);  // a, a/inner.png, b.jpg, bad\xff name, loop (not followed)
  EXPECT_EQ(seen[0].path, "/a");
  EXPECT_TRUE(seen[0].is_directory());
  EXPECT_EQ(seen[1].path, "/a/inner.png");
  EXPECT_EQ(seen[1].size, 2u);
  EXPECT_EQ(seen[3].name, std::string("bad\xff name"));
  EXPECT_EQ(seen[4].meta_type, 'l');
  const auto name = d.path().substr(d.path().find_last_of('/') + 1);
  EXPECT_EQ(seen[2].provenance.str(), name + " > dir:/b.jpg");

  auto reader = (*ev)->open_reader(seen[2]);
  ASSERT_TRUE(reader.ok());
  std::vector<std::uint8_t> buf(16);
  auto got = (*reader)->read(1, buf);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 4u);
  EXPECT_EQ(buf[0], '2');
}

}  // namespace vigil::evidence
