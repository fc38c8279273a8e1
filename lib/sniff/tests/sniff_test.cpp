#include "vigil/sniff/sniff.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil::sniff {
namespace {

ContentType of(const std::string& bytes, std::string_view name = {}) {
  return sniff({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, name);
}
// String literals with embedded NULs keep their full length.
template <std::size_t N>
ContentType of(const char (&bytes)[N], std::string_view name = {}) {
  return of(std::string(bytes, N - 1), name);
}

std::string ftyp(const std::string& major, const std::string& compat) {
  std::string box = std::string("\0\0\0", 3) + static_cast<char>(16 + compat.size()) + "ftyp" +
                    major + std::string("\0\0\0\0", 4) + compat;
  return box + std::string(16, '\0');
}

}  // namespace

TEST(Sniff, Images) {
  EXPECT_EQ(of("\xFF\xD8\xFF\xE0\x00\x10JFIF").name, "jpeg");
  EXPECT_EQ(of("\x89PNG\r\n\x1A\n\0\0\0\rIHDR").name, "png");
  EXPECT_EQ(of("GIF89a\x01\x00").name, "gif");
  EXPECT_EQ(of(std::string("II*\0\x08\0\0\0", 8)).name, "tiff");
  EXPECT_EQ(of(std::string("MM\0*\0\0\0\x08", 8)).name, "tiff");
  EXPECT_EQ(of("RIFF\x10\0\0\0WEBPVP8 ").name, "webp");
  std::string bmp =
      "BM" + std::string(12, '\0') + std::string("\x28\0\0\0", 4) + std::string(30, '\0');
  EXPECT_EQ(of(bmp).name, "bmp");
  EXPECT_EQ(of("BM not a bitmap at all, just text").name, "unknown");
  std::string ico = std::string("\0\0\x01\0\x01\0", 6) + std::string("\x10\x10\0\0\x01\0", 6) +
                    std::string(16, '\0');
  EXPECT_EQ(of(ico).name, "ico");
  EXPECT_EQ(of(ftyp("heic", "mif1heic")).name, "heic");
  EXPECT_EQ(of(ftyp("mif1", "mif1avif")).name, "avif");
  EXPECT_EQ(of(ftyp("avif", "")).name, "avif");
  EXPECT_TRUE(of("\xFF\xD8\xFF").is_media());
}

TEST(Sniff, Videos) {
  EXPECT_EQ(of(ftyp("isom", "isomiso2mp41")).name, "mp4");
  EXPECT_EQ(of(ftyp("qt  ", "qt  ")).name, "mov");
  EXPECT_EQ(of(ftyp("3gp5", "3gp5")).name, "3gp");
  EXPECT_EQ(of(std::string("\0\0\0\x08wide", 8)).name, "mov");
  EXPECT_EQ(of("RIFF\x10\0\0\0AVI LIST").name, "avi");
  EXPECT_EQ(of("\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x84webm").name, "webm");
  EXPECT_EQ(of("\x1A\x45\xDF\xA3\xA3\x42\x86\x81\x01\x42\x82\x88matroska").name, "matroska");
  EXPECT_EQ(of("\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C").name, "asf");
  EXPECT_EQ(of("FLV\x01\x05").name, "flv");
  EXPECT_EQ(of(std::string("\0\0\x01\xBA\x44", 5)).name, "mpeg-ps");
  std::string ts(188 * 4, '\0');
  for (int i = 0; i < 4; ++i) ts[static_cast<std::size_t>(188 * i)] = 0x47;
  EXPECT_EQ(of(ts).name, "mpeg-ts");
  ts[188 * 2] = 0x00;
  EXPECT_EQ(of(ts).name, "unknown");
  EXPECT_EQ(of(ftyp("isom", "")).category, Category::kVideo);
}

TEST(Sniff, ContainersForLaterExtractors) {
  EXPECT_EQ(of("PK\x03\x04\x14\0").name, "zip");
  EXPECT_EQ(of("Rar!\x1A\x07\x01\0").name, "rar");
  EXPECT_EQ(of("7z\xBC\xAF\x27\x1C\0\x04").name, "7z");
  EXPECT_EQ(of("CMMM\x20\0\0\0").name, "thumbcache");
  EXPECT_EQ(of("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "Thumbs.db").name, "thumbsdb");
  EXPECT_EQ(of("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "report.doc").name, "ole2");
  EXPECT_EQ(of(std::string("SQLite format 3\0", 16)).name, "sqlite");
  EXPECT_EQ(of("\0\0\0\0\xEF\xCD\xAB\x89").name, "ese");
}

TEST(Sniff, ShortAndEmptyInputsAreSafe) {
  EXPECT_EQ(of("").name, "unknown");
  EXPECT_EQ(of("\xFF").name, "unknown");
  EXPECT_EQ(of("RIFF").name, "unknown");
  EXPECT_EQ(of(std::string("\0\0\0\x30"
                           "ftyp",
                           8))
                .name,
            "mp4");  // truncated box: generic
}

TEST(Sniff, NameNeverOverridesBytes) {
  EXPECT_EQ(of("plain text", "photo.jpg").name, "unknown");
  EXPECT_EQ(of("\xFF\xD8\xFF\xE0", "notes.txt").name, "jpeg");
}

TEST(ExtensionMismatch, FlagsHiddenMedia) {
  const auto jpeg = of("\xFF\xD8\xFF\xE0");
  EXPECT_FALSE(extension_mismatch(jpeg, "IMG_0001.JPG"));
  EXPECT_FALSE(extension_mismatch(jpeg, "a.jpeg"));
  EXPECT_TRUE(extension_mismatch(jpeg, "holiday.txt"));
  EXPECT_TRUE(extension_mismatch(jpeg, "system32.dll"));
  EXPECT_FALSE(extension_mismatch(jpeg, "noextension"));
  EXPECT_FALSE(extension_mismatch(jpeg, ".hidden"));
  EXPECT_FALSE(extension_mismatch(of("plain"), "x.jpg"));  // unknown content: no judgement
  EXPECT_TRUE(extension_mismatch(of(ftyp("isom", "")), "clip.png"));
  EXPECT_FALSE(extension_mismatch(of(ftyp("isom", "")), "clip.MOV"));
}

}  // namespace vigil::sniff
