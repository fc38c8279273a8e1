#include "vigil/hashset/export.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "test_util.hpp"
#include "vigil/hashset/import.hpp"

namespace vigil::hashset {
namespace {

using testing::samples;
using testing::TempDir;

// The fields a list carries; source, line and status belong to the import, not the record.
void expect_same_records(const HashSet& a, const HashSet& b, bool names = true) {
  ASSERT_EQ(a.record_count(), b.record_count());
  for (std::uint32_t i = 0; i < a.record_count(); ++i) {
    auto x = a.record(i);
    auto y = b.record(i);
    ASSERT_TRUE(x.ok() && y.ok());
    EXPECT_EQ(x->md5, y->md5);
    EXPECT_EQ(x->sha1, y->sha1);
    EXPECT_EQ(x->sha256, y->sha256);
    if (names) {
      EXPECT_EQ(x->file_name, y->file_name);
    }
    EXPECT_EQ(x->category, y->category);
    EXPECT_EQ(x->photodna, y->photodna);
  }
}

Result<HashSet> round_trip(const TempDir& tmp, const HashSet& set, ExportFormat f,
                           const std::string& name, std::optional<Format> forced = std::nullopt) {
  {
    std::ofstream out(tmp.path() / name, std::ios::binary);
    auto rep = export_set(set, f, out);
    if (!rep) return rep.error();
  }
  ImportOptions opt;
  opt.format = forced;
  opt.profile = set.info().profile;
  auto rep = import_set({tmp.path() / name}, tmp.path() / (name + ".set"), opt);
  if (!rep) return rep.error();
  return HashSet::open(tmp.path() / (name + ".set"));
}

TEST(Export, VicsReimportsToTheSameRecords) {
  for (const char* sample : {"vics-2.0-case-synthetic.json", "vics-1.3-case-synthetic.json",
                             "vics-2.0-hashset-synthetic.json", "NSRLFile-rds2-synthetic.txt",
                             "icse-style-synthetic.csv", "rdsv3-minimal-synthetic.db"}) {
    SCOPED_TRACE(sample);
    TempDir tmp;
    ASSERT_TRUE(import_set({samples() / sample}, tmp.path() / "orig", {}).ok());
    auto orig = HashSet::open(tmp.path() / "orig");
    ASSERT_TRUE(orig.ok());
    auto again = round_trip(tmp, *orig, ExportFormat::kVics2, "out.json");
    ASSERT_TRUE(again.ok()) << again.error().message;
    expect_same_records(*orig, *again);
    for (std::uint32_t i = 0; i < orig->record_count(); ++i) {
      EXPECT_EQ(orig->record(i)->attributes, again->record(i)->attributes);
      EXPECT_EQ(orig->record(i)->size, again->record(i)->size);
      EXPECT_EQ(orig->record(i)->status, again->record(i)->status);
    }
  }
}

TEST(Export, VicsKeepsNullCategoryAndPhotoDnaExactly) {
  TempDir tmp;
  const auto list =
      tmp.write("v.json",
                "{\"@odata.context\":\"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/"
                "2.0.xml/US/$metadata#Media\","
                "\"value\":[{\"MD5\":\"900150983cd24fb0d6963f7d28e17f72\",\"Category\":null,"
                "\"PhotoDNA\":\"x/y+z==\"},"
                "{\"MD5\":\"d41d8cd98f00b204e9800998ecf8427e\",\"Category\":\"B\"}]}");
  ASSERT_TRUE(import_set({list}, tmp.path() / "orig", {}).ok());
  auto orig = HashSet::open(tmp.path() / "orig");
  auto again = round_trip(tmp, *orig, ExportFormat::kVics2, "out.json");
  ASSERT_TRUE(again.ok()) << again.error().message;
  expect_same_records(*orig, *again);
  EXPECT_EQ(again->record(0)->category.state, Category::State::kNull);
  EXPECT_EQ(again->record(0)->photodna, "x/y+z==");
  EXPECT_EQ(again->record(1)->category.raw, "B");
}

TEST(Export, HashdeepAndChecksumListsRoundTrip) {
  struct Case {
    const char* sample;
    ExportFormat format;
  };
  for (const Case& c :
       {Case{"hashdeep.txt", ExportFormat::kHashdeep}, Case{"md5sum.txt", ExportFormat::kMd5sum},
        Case{"sha1sum.txt", ExportFormat::kSha1sum},
        Case{"sha256sum.txt", ExportFormat::kSha256sum},
        Case{"rdsv3-minimal-synthetic.db", ExportFormat::kHashdeep}}) {
    SCOPED_TRACE(c.sample);
    TempDir tmp;
    ASSERT_TRUE(import_set({samples() / c.sample}, tmp.path() / "orig", {}).ok());
    auto orig = HashSet::open(tmp.path() / "orig");
    auto again = round_trip(tmp, *orig, c.format, "out.txt");
    ASSERT_TRUE(again.ok()) << again.error().message;
    expect_same_records(*orig, *again);
  }
}

TEST(Export, ChecksumListEscapesNamesLikeCoreutils) {
  TempDir tmp;
  const auto list =
      tmp.write("l.txt", "\\900150983cd24fb0d6963f7d28e17f72  back\\\\slash\\nnewline\n");
  ImportOptions opt;
  opt.format = Format::kSumList;
  ASSERT_TRUE(import_set({list}, tmp.path() / "orig", opt).ok());
  auto orig = HashSet::open(tmp.path() / "orig");
  EXPECT_EQ(orig->record(0)->file_name, "back\\slash\nnewline");
  auto again = round_trip(tmp, *orig, ExportFormat::kMd5sum, "out.md5", Format::kSumList);
  ASSERT_TRUE(again.ok());
  expect_same_records(*orig, *again);
}

}  // namespace
}  // namespace vigil::hashset
