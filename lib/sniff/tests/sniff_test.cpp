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
  // Thumbs.db by content, never by name (issue 13): see ThumbsDbByItsDirectory.
  EXPECT_EQ(of("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "Thumbs.db").name, "ole2");
  EXPECT_EQ(of("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "report.doc").name, "ole2");
  EXPECT_EQ(of("IMMM\x20\0\0\0").name, "thumbcache");
  EXPECT_EQ(of(std::string("\0\0\0\0IMMM\x20\0\0\0", 12)).name, "thumbcache");
  EXPECT_EQ(of(std::string("SQLite format 3\0", 16)).name, "sqlite");
  EXPECT_EQ(of("\0\0\0\0\xEF\xCD\xAB\x89").name, "ese");
}

// Compressed streams and tar, by content whatever the name (issue 12). The byte strings are the
// headers that gzip -n, bzip2 -9, xz and GNU/POSIX tar write.
TEST(Sniff, CompressedStreamsAndTar) {
  const auto gz = of("\x1F\x8B\x08\x00\x00\x00\x00\x00\x00\x03", "backup.boo");
  EXPECT_EQ(gz.name, "gzip");
  EXPECT_EQ(gz.category, Category::kArchive);
  EXPECT_EQ(gz.mime, "application/gzip");
  EXPECT_EQ(of("\x1F\x8B\x07\x00").name, "unknown");  // CM 7 is reserved, not deflate
  EXPECT_EQ(of("\x1F\x8B").name, "unknown");          // too short to hold CM

  const auto bz = of("BZh91AY&SY\x00\x01");
  EXPECT_EQ(bz.name, "bzip2");
  EXPECT_EQ(bz.category, Category::kArchive);
  EXPECT_EQ(of("BZh1\x17\x72\x45\x38\x50\x90\x00\x00\x00\x00").name, "bzip2");  // empty
  EXPECT_EQ(of("BZh\x30\x31\x41\x59\x26\x53\x59").name, "unknown");  // size digit not 1-9
  EXPECT_EQ(of("BZh9 is how a note starts").name, "unknown");

  const auto xz = of(std::string("\xFD\x37\x7A\x58\x5A\x00\x00\x04", 8));
  EXPECT_EQ(xz.name, "xz");
  EXPECT_EQ(xz.category, Category::kArchive);
  EXPECT_EQ(of(std::string("\xFD\x37\x7A\x58\x59\x00", 6)).name, "unknown");

  std::string ustar(512, '\0');
  ustar.replace(0, 9, "photo.jpg");
  ustar.replace(257, 8, std::string("ustar\x00\x30\x30", 8));  // POSIX "ustar\0" "00"
  EXPECT_EQ(of(ustar, "evidence.dat").name, "tar");
  EXPECT_EQ(of(ustar).category, Category::kArchive);
  std::string gnu = ustar;
  gnu.replace(257, 8, std::string("ustar  \0", 8));  // GNU tar
  EXPECT_EQ(of(gnu).name, "tar");
  EXPECT_EQ(of(ustar.substr(0, 261)).name, "unknown");  // magic cut short
  ustar[258] = 'X';
  EXPECT_EQ(of(ustar).name, "unknown");
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
  const auto gz = of("\x1F\x8B\x08\x00");
  EXPECT_FALSE(extension_mismatch(gz, "site.tar.gz"));
  EXPECT_FALSE(extension_mismatch(gz, "site.TGZ"));
  EXPECT_TRUE(extension_mismatch(gz, "backup.boo"));
  EXPECT_FALSE(extension_mismatch(of("BZh91AY&SY"), "a.tar.bz2"));
  EXPECT_TRUE(extension_mismatch(of(std::string("\xFD\x37\x7A\x58\x5A\x00", 6)), "a.jpg"));
}

// An OLE2 file is "thumbsdb" when its first directory sector, within the head, names a Catalog
// stream (XP) or a <size>_<hex> stream (Windows 7+ network shares); the file name plays no part.
TEST(Sniff, ThumbsDbByItsDirectory) {
  auto cfb = [](const std::string& stream_name) {
    std::string b(512 * 3, '\0');
    const std::string sig = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    b.replace(0, sig.size(), sig);
    b[26] = 3;       // major version 3
    b[28] = '\xFE';  // byte order FFFE
    b[29] = '\xFF';
    b[30] = 9;  // 512-byte sectors
    b[48] = 1;  // directory in sector 1 (file offset 1024)
    const std::size_t root = 1024;
    const std::string root_name = "Root Entry";
    for (std::size_t i = 0; i < root_name.size(); ++i) b[root + 2 * i] = root_name[i];
    b[root + 64] = static_cast<char>(2 * (root_name.size() + 1));
    b[root + 66] = 5;
    const std::size_t e = root + 128;
    for (std::size_t i = 0; i < stream_name.size(); ++i) b[e + 2 * i] = stream_name[i];
    b[e + 64] = static_cast<char>(2 * (stream_name.size() + 1));
    b[e + 66] = 2;  // stream
    return b;
  };
  EXPECT_EQ(of(cfb("Catalog"), "anything.bin").name, "thumbsdb");
  EXPECT_EQ(of(cfb("256_5f1c2e3d4a5b6c7d"), "x").name, "thumbsdb");
  EXPECT_EQ(of(cfb("96_ab"), "x").name, "thumbsdb");
  EXPECT_EQ(of(cfb("WordDocument"), "Thumbs.db").name, "ole2");
  EXPECT_EQ(of(cfb("256_xyz"), "Thumbs.db").name, "ole2");
  EXPECT_EQ(of(cfb("_ab"), "Thumbs.db").name, "ole2");
  // The directory sector past the head: undecided here, "ole2" (the extractor decides).
  std::string far = cfb("Catalog");
  far[48] = 20;
  EXPECT_EQ(of(far).name, "ole2");
  EXPECT_EQ(of(cfb("Catalog")).category, Category::kThumbnailCache);
}

}  // namespace vigil::sniff
