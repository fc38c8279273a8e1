// Extractor tests: records, warnings and the thumbnail child over pictures whose metadata
// exiv2 wrote (tests/fixtures.cpp).
#include "exif/exif.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "fixtures.hpp"
#include "vigil/extract/testing.hpp"

namespace vigil::plugins {
namespace {

namespace fx = exif::fixtures;
using fx::Bytes;

struct Run {
  bool probed = false;
  extract::testing::CollectingEmitter out;
};

Run run(const Bytes& b, std::string_view type_name, std::uint64_t budget = 1U << 26U) {
  static const auto extractor = make_exif_extractor();
  const auto prov = Provenance::evidence("x");
  sniff::ContentType type;
  type.name = type_name;
  const extract::ItemInput in{prov, "x", type, b, 0};
  Run r{false, extract::testing::CollectingEmitter(budget)};
  r.probed = extractor->probe(in);
  if (r.probed) extractor->extract(in, r.out, {});
  return r;
}

void expect_full(const extract::testing::CollectingEmitter& out) {
  EXPECT_EQ(out.value("make"), "Vigil Synthetic");
  EXPECT_EQ(out.value("model"), "Synth-1");
  EXPECT_EQ(out.value("body_serial"), "SN-0001");
  EXPECT_EQ(out.value("lens_model"), "Synth 35mm");
  EXPECT_EQ(out.value("lens_serial"), "LS-0002");
  EXPECT_EQ(out.value("datetime_original"), "2024-05-01T12:34:56+02:00");
  // 52 + 30/60 + 12.34/3600 and -(13 + 22/60 + 48.5/3600)
  EXPECT_EQ(out.value("gps_latitude"), "52.5034278");
  EXPECT_EQ(out.value("gps_longitude"), "-13.3801389");
  EXPECT_EQ(out.value("gps_altitude"), "-35.50");
  EXPECT_EQ(out.value("software"), "vigil-fixtures 1");
  EXPECT_EQ(out.value("orientation"), "6");
  EXPECT_EQ(out.value("xmp_creator_tool"), "vigil-fixtures");
  EXPECT_EQ(out.value("xmp_create_date"), "2024-05-01T12:34:56+02:00");
  EXPECT_EQ(out.value("xmp_modify_date"), "2024-05-02T08:00:00Z");
  EXPECT_EQ(out.records.size(), 14U);
}

TEST(Exif, Declares) {
  const auto e = make_exif_extractor();
  EXPECT_EQ(e->name(), "exif");
  EXPECT_EQ(e->input_types().size(), 5U);
}

TEST(Exif, JpegFullRecordsAndThumbnail) {
  const Bytes jpeg = fx::with_full_metadata(fx::synthetic(".jpg", 320, 240, 1));
  auto r = run(jpeg, "jpeg");
  ASSERT_TRUE(r.probed);
  EXPECT_EQ(r.out.warnings.size(), 0U);
  expect_full(r.out);
  ASSERT_EQ(r.out.children.size(), 1U);
  const auto& c = r.out.children[0];
  EXPECT_EQ(c.layer, "exif");
  EXPECT_EQ(c.locator, "thumbnail");
  EXPECT_EQ(c.name, "thumbnail.jpg");
  EXPECT_EQ(c.bytes, fx::thumbnail());
}

TEST(Exif, TiffPngWebpCarryTheSameRecords) {
  for (const auto& [ext, type] :
       {std::pair{".tif", "tiff"}, std::pair{".png", "png"}, std::pair{".webp", "webp"}}) {
    SCOPED_TRACE(ext);
    auto r = run(fx::with_full_metadata(fx::synthetic(ext, 200, 150, 2)), type);
    ASSERT_TRUE(r.probed);
    EXPECT_EQ(r.out.warnings.size(), 0U);
    expect_full(r.out);
    EXPECT_EQ(r.out.children.size(), 1U);
  }
}

TEST(Exif, HeicThroughExiv2sBmffReader) {
  auto r = run(fx::heic_with_full_metadata(128, 96, 11), "heic");
  ASSERT_TRUE(r.probed);
  EXPECT_EQ(r.out.warnings.size(), 0U);
  expect_full(r.out);
  ASSERT_EQ(r.out.children.size(), 1U);
  EXPECT_EQ(r.out.children[0].bytes, fx::thumbnail());
}

TEST(Exif, NoMetadataNoRecords) {
  auto r = run(fx::synthetic(".jpg", 100, 80, 3), "jpeg");
  ASSERT_TRUE(r.probed);
  EXPECT_EQ(r.out.records.size(), 0U);
  EXPECT_EQ(r.out.warnings.size(), 0U);
  EXPECT_EQ(r.out.children.size(), 0U);
}

TEST(Exif, LocalTimeWithoutOffsetAndNorthEastPositive) {
  auto r = run(fx::with_exif(fx::synthetic(".jpg", 100, 80, 4),
                             {{"Exif.Photo.DateTimeOriginal", "2023:12:31 23:59:59"},
                              {"Exif.GPSInfo.GPSLatitudeRef", "S"},
                              {"Exif.GPSInfo.GPSLatitude", "33/1 52/1 0/1"},
                              {"Exif.GPSInfo.GPSLongitudeRef", "E"},
                              {"Exif.GPSInfo.GPSLongitude", "151/1 12/1 36/1"},
                              {"Exif.GPSInfo.GPSAltitude", "12/1"}}),
               "jpeg");
  EXPECT_EQ(r.out.warnings.size(), 0U);
  EXPECT_EQ(r.out.value("datetime_original"), "2023-12-31T23:59:59");
  EXPECT_EQ(r.out.value("gps_latitude"), "-33.8666667");
  EXPECT_EQ(r.out.value("gps_longitude"), "151.2100000");
  EXPECT_EQ(r.out.value("gps_altitude"), "12.00");  // no AltitudeRef: above sea level
  EXPECT_EQ(r.out.records.size(), 4U);
}

TEST(Exif, TextThatIsNotUtf8KeepsItsBytes) {
  // "Café" in Latin-1, as some cameras write it.
  auto r = run(fx::with_exif(fx::synthetic(".jpg", 100, 80, 12), {{"Exif.Image.Make", "Caf\xE9"}}),
               "jpeg");
  EXPECT_EQ(r.out.value("make"), "Caf\xEF\xBF\xBD");
  EXPECT_EQ(r.out.value("make_hex"), "436166e9");
  EXPECT_EQ(r.out.records.size(), 2U);
}

TEST(Exif, InvalidFieldsAreWarningsNotGuesses) {
  auto r = run(fx::with_exif(fx::synthetic(".jpg", 100, 80, 5),
                             {{"Exif.Image.Make", "Vigil Synthetic"},
                              {"Exif.Photo.DateTimeOriginal", "last tuesday"},
                              {"Exif.GPSInfo.GPSLatitude", "52/1 30/1 0/1"},
                              {"Exif.GPSInfo.GPSLongitudeRef", "E"},
                              {"Exif.GPSInfo.GPSLongitude", "13/1 0/0 0/1"},
                              {"Exif.Image.Orientation", "9"}}),
               "jpeg");
  EXPECT_EQ(r.out.value("make"), "Vigil Synthetic");
  EXPECT_EQ(r.out.records.size(), 1U);
  // DateTimeOriginal malformed, latitude without Ref, longitude with a zero denominator,
  // orientation out of range.
  EXPECT_EQ(r.out.warnings_with("corrupt"), 4U);
}

TEST(Exif, DamagedExifIsAWarningNeverACrash) {
  Bytes jpeg = fx::with_full_metadata(fx::synthetic(".jpg", 160, 120, 6));
  // Overwrite the TIFF header's IFD0 offset inside APP1 with a value far past the segment:
  // the APP1 payload is "Exif\0\0" then the TIFF header ("II*\0" or "MM\0*", IFD0 offset).
  const std::string_view magic("Exif\0\0", 6);
  const auto at = std::search(jpeg.begin(), jpeg.end(), magic.begin(), magic.end());
  ASSERT_NE(at, jpeg.end());
  const auto tiff = static_cast<std::size_t>(at - jpeg.begin()) + 6;
  for (std::size_t i = 4; i < 8; ++i) jpeg[tiff + i] = 0x7F;
  auto r = run(jpeg, "jpeg");
  ASSERT_TRUE(r.probed);
  EXPECT_EQ(r.out.value("make"), "");
  EXPECT_GE(r.out.warnings_with("corrupt"), 1U);
}

TEST(Exif, TruncatedJpegIsAWarningNeverACrash) {
  const Bytes jpeg = fx::with_full_metadata(fx::synthetic(".jpg", 160, 120, 7));
  const Bytes cut(jpeg.begin(), jpeg.begin() + 300);
  auto r = run(cut, "jpeg");
  ASSERT_TRUE(r.probed);
  EXPECT_EQ(r.out.children.size(), 0U);
  EXPECT_GE(r.out.warnings_with("corrupt"), 1U);
}

TEST(Exif, ThumbnailOverBudgetIsALimitWarning) {
  auto r = run(fx::with_full_metadata(fx::synthetic(".jpg", 160, 120, 8)), "jpeg", 100);
  EXPECT_EQ(r.out.children.size(), 0U);
  EXPECT_EQ(r.out.warnings_with("limit"), 1U);
  EXPECT_EQ(r.out.records.size(), 14U);
}

TEST(Exif, OtherTypesAreNotProbed) {
  EXPECT_FALSE(run(fx::synthetic(".jpg", 20, 20, 9), "zip").probed);
  EXPECT_FALSE(run(fx::synthetic(".jpg", 20, 20, 9), "unknown").probed);
}

TEST(Exif, ManyThreadsAtOnceGiveTheSameRecords) {
  // exiv2 0.27's XMP toolkit is process-wide: the extractor initialises it once.
  const Bytes jpeg = fx::with_full_metadata(fx::synthetic(".jpg", 160, 120, 10));
  std::vector<std::thread> threads;
  std::vector<std::size_t> records(8);
  std::vector<std::string> creator(8);
  for (std::size_t t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        auto r = run(jpeg, "jpeg");
        records[t] = r.out.records.size();
        creator[t] = r.out.value("xmp_creator_tool");
      }
    });
  }
  for (auto& th : threads) th.join();
  for (std::size_t t = 0; t < 8; ++t) {
    EXPECT_EQ(records[t], 14U);
    EXPECT_EQ(creator[t], "vigil-fixtures");
  }
}

}  // namespace
}  // namespace vigil::plugins
