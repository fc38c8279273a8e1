#include "vigil/sniff/sniff.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "vigil/core/byte_reader.hpp"

namespace vigil::sniff {
namespace {

constexpr ContentType kJpeg{"jpeg", Category::kImage, "image/jpeg"};
constexpr ContentType kPng{"png", Category::kImage, "image/png"};
constexpr ContentType kGif{"gif", Category::kImage, "image/gif"};
constexpr ContentType kBmp{"bmp", Category::kImage, "image/bmp"};
constexpr ContentType kTiff{"tiff", Category::kImage, "image/tiff"};
constexpr ContentType kWebp{"webp", Category::kImage, "image/webp"};
constexpr ContentType kHeic{"heic", Category::kImage, "image/heic"};
constexpr ContentType kAvif{"avif", Category::kImage, "image/avif"};
constexpr ContentType kIco{"ico", Category::kImage, "image/vnd.microsoft.icon"};
constexpr ContentType kMp4{"mp4", Category::kVideo, "video/mp4"};
constexpr ContentType kMov{"mov", Category::kVideo, "video/quicktime"};
constexpr ContentType k3gp{"3gp", Category::kVideo, "video/3gpp"};
constexpr ContentType kAvi{"avi", Category::kVideo, "video/x-msvideo"};
constexpr ContentType kMkv{"matroska", Category::kVideo, "video/x-matroska"};
constexpr ContentType kWebm{"webm", Category::kVideo, "video/webm"};
constexpr ContentType kAsf{"asf", Category::kVideo, "video/x-ms-asf"};
constexpr ContentType kFlv{"flv", Category::kVideo, "video/x-flv"};
constexpr ContentType kMpegPs{"mpeg-ps", Category::kVideo, "video/mpeg"};
constexpr ContentType kMpegTs{"mpeg-ts", Category::kVideo, "video/mp2t"};
constexpr ContentType kZip{"zip", Category::kArchive, "application/zip"};
constexpr ContentType kRar{"rar", Category::kArchive, "application/vnd.rar"};
constexpr ContentType k7z{"7z", Category::kArchive, "application/x-7z-compressed"};
constexpr ContentType kGzip{"gzip", Category::kArchive, "application/gzip"};
constexpr ContentType kBzip2{"bzip2", Category::kArchive, "application/x-bzip2"};
constexpr ContentType kXz{"xz", Category::kArchive, "application/x-xz"};
constexpr ContentType kTar{"tar", Category::kArchive, "application/x-tar"};
constexpr ContentType kThumbcache{"thumbcache", Category::kThumbnailCache,
                                  "application/x-windows-thumbcache"};
constexpr ContentType kThumbsDb{"thumbsdb", Category::kThumbnailCache,
                                "application/x-windows-thumbsdb"};
constexpr ContentType kOle{"ole2", Category::kContainer, "application/x-ole-storage"};
constexpr ContentType kSqlite{"sqlite", Category::kDatabase, "application/vnd.sqlite3"};
constexpr ContentType kEse{"ese", Category::kDatabase, "application/x-ese-database"};
constexpr ContentType kUnknown{};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ISO BMFF: 'ftyp' box at offset 4; the major brand and compatible brands name the format.
ContentType from_ftyp(const ByteReader& r) {
  ByteReader box = r;
  const std::uint32_t size = box.read_be<std::uint32_t>();
  if (!box.ok() || !r.matches(4, "ftyp")) return kUnknown;
  const std::size_t end = std::min<std::size_t>(size < 16 ? 16 : size, r.size());
  auto brand_at = [&r](std::size_t off) -> std::string {
    auto b = r.at(off, 4);
    return b ? std::string(reinterpret_cast<const char*>(b->data()), 4) : std::string();
  };
  std::vector<std::string> brands{brand_at(8)};
  for (std::size_t off = 16; off + 4 <= end; off += 4) brands.push_back(brand_at(off));
  auto has = [&brands](std::initializer_list<const char*> set) {
    return std::any_of(brands.begin(), brands.end(), [&set](const std::string& b) {
      return std::any_of(set.begin(), set.end(), [&b](const char* s) { return b == s; });
    });
  };
  // The major brand decides first; compatible brands only when it is generic.
  const std::string& major = brands[0];
  if (major == "avif" || major == "avis") return kAvif;
  if (major == "heic" || major == "heix" || major == "heim" || major == "heis" || major == "hevc" ||
      major == "hevx")
    return kHeic;
  if (major == "qt  ") return kMov;
  if (major.rfind("3g", 0) == 0) return k3gp;
  if (major == "mif1" || major == "msf1") return has({"avif"}) ? kAvif : kHeic;
  if (has({"avif"})) return kAvif;
  if (has({"heic", "heix"})) return kHeic;
  return kMp4;
}

bool is_mpeg_ts(const ByteReader& r) {
  // Sync byte 0x47 at the start of at least four consecutive 188-byte packets.
  if (r.size() < 188 * 3 + 1) return false;
  for (std::size_t off = 0; off < 188 * 4 && off < r.size(); off += 188)
    if (!r.matches(off, "\x47")) return false;
  return true;
}

bool is_bmp(const ByteReader& r) {
  if (!r.matches(0, "BM") || r.size() < 26) return false;
  ByteReader h = r;
  h.seek(14);
  const auto dib = h.read_le<std::uint32_t>();
  // Known DIB header sizes: core 12, info 40, v2 52, v3 56, v4 108, v5 124, OS/2 64.
  return dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124;
}

// bzip2 (Julian Seward's bzip2 format, as described in "The bzip2 and libbzip2 official
// documentation"): "BZh" and a block size digit 1-9, then either the first block's magic (the
// BCD digits of pi) or, for an empty stream, the end-of-stream magic (the digits of sqrt(pi)).
bool is_bzip2(const ByteReader& r) {
  if (!r.matches(0, "BZh")) return false;
  const auto level = r.at(3, 1);
  if (!level || (*level)[0] < '1' || (*level)[0] > '9') return false;
  return r.matches(4, "\x31\x41\x59\x26\x53\x59") || r.matches(4, "\x17\x72\x45\x38\x50\x90");
}

bool is_ico(const ByteReader& r) {
  if (r.size() < 22 || !r.matches(0, std::string_view("\x00\x00\x01\x00", 4))) return false;
  ByteReader h = r;
  h.seek(4);
  const auto count = h.read_le<std::uint16_t>();
  h.seek(6 + 4);  // first directory entry: width, height, colours, reserved, planes
  const auto planes = h.read_le<std::uint16_t>();
  return count > 0 && count < 256 && planes <= 1;
}

// Thumbs.db by content ([MS-CFB] §2.2 header, §2.6 directory entries): an OLE2 file whose
// first directory sector lies within the head and names a "Catalog" stream (Windows XP) or a
// "<size>_<hex>" thumbnail stream such as "256_..." or "96_..." (Windows 7+ network shares).
// When the directory lies further in, the file stays "ole2" and the thumbsdb extractor, which
// reads every OLE2 item, decides from its streams.
bool thumbs_db_directory_in_head(const ByteReader& r) {
  ByteReader h = r;
  h.seek(30);
  const auto shift = h.read_le<std::uint16_t>();
  h.seek(48);
  const auto dir_start = h.read_le<std::uint32_t>();
  if (!h.ok() || (shift != 9 && shift != 12) || dir_start >= 0xFFFFFFFAU) return false;
  const std::uint64_t at = (std::uint64_t{dir_start} + 1) << shift;
  for (std::uint64_t e = at; e + 128 <= at + (1ULL << shift) && e + 128 <= r.size(); e += 128) {
    ByteReader d = r;
    d.seek(static_cast<std::size_t>(e + 64));
    const auto name_bytes = d.read_le<std::uint16_t>();
    const auto type = d.read_le<std::uint8_t>();
    if (!d.ok() || type != 2 || name_bytes < 4 || name_bytes > 64) continue;
    std::string name;
    for (std::size_t i = 0; i + 2 < name_bytes; i += 2) {
      const auto c = r.at(static_cast<std::size_t>(e + i), 2);
      if (!c || (*c)[1] != 0 || (*c)[0] == 0) break;
      name += static_cast<char>((*c)[0]);
    }
    if (is_thumbs_db_stream_name(name)) return true;
  }
  return false;
}

constexpr std::string_view kContentTypes = "[Content_Types].xml";
// Bounds on the walk, so that the test stays cheap on a ZIP with a million members.
constexpr int kProbeLocalHeaders = 16;
constexpr int kProbeCentralEntries = 256;

bool name_at(const ByteReader& r, std::size_t offset, std::size_t length) {
  if (length != kContentTypes.size()) return false;
  return r.matches(offset, kContentTypes);
}

// Local file headers from the start (APPNOTE.TXT 4.3.7), while their sizes are known.
bool ooxml_by_local_headers(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  std::size_t pos = 0;
  for (int i = 0; i < kProbeLocalHeaders; ++i) {
    if (!r.matches(pos, "PK\x03\x04") || !r.seek(pos + 6)) return false;
    const std::uint16_t flags = r.read_le<std::uint16_t>();
    r.seek(pos + 18);
    const std::uint32_t compressed = r.read_le<std::uint32_t>();
    r.skip(4);
    const std::uint16_t name_length = r.read_le<std::uint16_t>();
    const std::uint16_t extra_length = r.read_le<std::uint16_t>();
    if (!r.ok()) return false;
    if (name_at(r, pos + 30, name_length)) return true;
    // Bit 3: sizes follow the data; 0xFFFFFFFF: ZIP64 sizes. Either way, stop walking here.
    if ((flags & 0x08U) != 0 || compressed == 0xFFFFFFFFU) return false;
    pos += 30U + name_length + extra_length + compressed;
  }
  return false;
}

// The central directory (APPNOTE.TXT 4.3.12), found through the end record (4.3.16).
bool ooxml_by_central_directory(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 22) return false;
  ByteReader r(bytes);
  const std::size_t lowest = bytes.size() > 22 + 0xFFFF ? bytes.size() - 22 - 0xFFFF : 0;
  for (std::size_t eocd = bytes.size() - 22;; --eocd) {
    if (r.matches(eocd, "PK\x05\x06")) {
      r.seek(eocd + 10);
      const std::uint16_t entries = r.read_le<std::uint16_t>();
      r.skip(4);
      std::size_t pos = r.read_le<std::uint32_t>();
      if (!r.ok()) return false;
      const int walk = std::min<int>(entries, kProbeCentralEntries);
      for (int i = 0; i < walk; ++i) {
        if (!r.matches(pos, "PK\x01\x02") || !r.seek(pos + 28)) return false;
        const std::uint16_t name_length = r.read_le<std::uint16_t>();
        const std::uint16_t extra_length = r.read_le<std::uint16_t>();
        const std::uint16_t comment_length = r.read_le<std::uint16_t>();
        if (!r.ok()) return false;
        if (name_at(r, pos + 46, name_length)) return true;
        pos += 46U + name_length + extra_length + comment_length;
      }
      return false;
    }
    if (eocd == lowest) return false;
  }
}

}  // namespace

const char* category_name(Category c) {
  switch (c) {
    case Category::kUnknown:
      return "unknown";
    case Category::kImage:
      return "image";
    case Category::kVideo:
      return "video";
    case Category::kArchive:
      return "archive";
    case Category::kThumbnailCache:
      return "thumbnail-cache";
    case Category::kDatabase:
      return "database";
    case Category::kContainer:
      return "container";
  }
  return "unknown";
}

ContentType sniff(std::span<const std::uint8_t> head, std::string_view /*name*/) {
  const ByteReader r(head);
  if (r.matches(0, "\xFF\xD8\xFF")) return kJpeg;
  if (r.matches(0, "\x89PNG\r\n\x1A\n")) return kPng;
  if (r.matches(0, "GIF87a") || r.matches(0, "GIF89a")) return kGif;
  if (r.matches(0, std::string_view("II*\0", 4)) || r.matches(0, std::string_view("MM\0*", 4)))
    return kTiff;
  if (r.matches(0, "RIFF") && r.matches(8, "WEBP")) return kWebp;
  if (r.matches(0, "RIFF") && r.matches(8, "AVI ")) return kAvi;
  if (r.matches(4, "ftyp")) {
    const auto t = from_ftyp(r);
    if (t.category != Category::kUnknown) return t;
  }
  // QuickTime files without 'ftyp' start with a moov/mdat/wide/free atom.
  if (r.size() >= 8 && (r.matches(4, "moov") || r.matches(4, "mdat") || r.matches(4, "wide")))
    return kMov;
  if (r.matches(0, "\x1A\x45\xDF\xA3")) {
    // EBML DocType appears in the header: "webm" or "matroska".
    const std::string_view text(reinterpret_cast<const char*>(head.data()),
                                std::min<std::size_t>(head.size(), 64));
    return text.find("webm") != std::string_view::npos ? kWebm : kMkv;
  }
  if (r.matches(0, "\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C")) return kAsf;
  if (r.matches(0, "FLV\x01")) return kFlv;
  if (r.matches(0, std::string_view("\x00\x00\x01\xBA", 4))) return kMpegPs;
  if (is_mpeg_ts(r)) return kMpegTs;
  if (r.matches(0, "PK\x03\x04") || r.matches(0, "PK\x05\x06") || r.matches(0, "PK\x07\x08"))
    return kZip;
  if (r.matches(0, "Rar!\x1A\x07")) return kRar;
  if (r.matches(0, "7z\xBC\xAF\x27\x1C")) return k7z;
  // gzip, RFC 1952 §2.3.1: ID1 0x1F, ID2 0x8B, CM 8 (deflate, the only method defined).
  if (r.matches(0, "\x1F\x8B\x08")) return kGzip;
  if (is_bzip2(r)) return kBzip2;
  // xz, "The .xz File Format" 1.0.4 §2.1.1.1: header magic FD 37 7A 58 5A 00.
  if (r.matches(0, std::string_view("\xFD\x37\x7A\x58\x5A\x00", 6))) return kXz;
  if (r.matches(0, "CMMM")) return kThumbcache;
  // thumbcache_idx.db (libyal libwtcdb format document): "IMMM" at offset 0 (format 20/21) or
  // at offset 4 (format 30 and later); read by the same extractor.
  if (r.matches(0, "IMMM") || r.matches(4, "IMMM")) return kThumbcache;
  if (r.matches(0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) {
    return thumbs_db_directory_in_head(r) ? kThumbsDb : kOle;
  }
  if (r.matches(0, std::string_view("SQLite format 3\0", 16))) return kSqlite;
  if (r.matches(4, "\xEF\xCD\xAB\x89")) return kEse;
  // tar: POSIX.1-1988 ustar (IEEE Std 1003.1, pax "ustar Interchange Format") puts "ustar" at
  // offset 257 of every header; GNU tar writes "ustar  ". Pre-POSIX v7 archives have no magic
  // and are not recognised. After the offset-0 magics, since a member name fills offset 0.
  if (r.matches(257, "ustar")) return kTar;
  if (is_bmp(r)) return kBmp;
  if (is_ico(r)) return kIco;
  return kUnknown;
}

bool extension_mismatch(const ContentType& type, std::string_view name) {
  if (type.category == Category::kUnknown) return false;
  const auto dot = name.find_last_of('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return false;
  std::string ext = lower(name.substr(dot + 1));
  // An NTFS stream name (file.jpg:stream) has no extension of its own.
  if (ext.find(':') != std::string::npos) return false;
  struct Allowed {
    std::string_view type;
    std::array<std::string_view, 8> exts;
  };
  static constexpr std::array<Allowed, 30> kAllowed{{
      {"jpeg", {"jpg", "jpeg", "jpe", "jfif", "jif", "thm"}},
      {"png", {"png", "apng"}},
      {"gif", {"gif"}},
      {"bmp", {"bmp", "dib"}},
      {"tiff", {"tif", "tiff", "dng", "nef", "cr2", "arw", "orf"}},
      {"webp", {"webp"}},
      {"heic", {"heic", "heif", "hif"}},
      {"avif", {"avif", "avifs"}},
      {"ico", {"ico", "cur"}},
      {"mp4", {"mp4", "m4v", "m4a", "f4v", "mp4v", "mov", "3gp"}},
      {"mov", {"mov", "qt", "mp4", "m4v"}},
      {"3gp", {"3gp", "3g2", "3gpp", "mp4"}},
      {"avi", {"avi", "divx"}},
      {"matroska", {"mkv", "mka", "mks", "mk3d", "webm"}},
      {"webm", {"webm", "mkv"}},
      {"asf", {"asf", "wmv", "wma"}},
      {"flv", {"flv"}},
      {"mpeg-ps", {"mpg", "mpeg", "vob", "mpe", "m2p"}},
      {"mpeg-ts", {"ts", "mts", "m2ts", "tsv"}},
      {"zip", {"zip", "docx", "xlsx", "pptx", "jar", "apk", "odt", "epub"}},
      {"rar", {"rar"}},
      {"7z", {"7z"}},
      {"gzip", {"gz", "tgz", "gzip", "svgz", "emz"}},
      {"bzip2", {"bz2", "tbz2", "tbz", "bz"}},
      {"xz", {"xz", "txz"}},
      {"tar", {"tar"}},
      {"thumbcache", {"db"}},
      {"thumbsdb", {"db"}},
      {"sqlite", {"db", "sqlite", "sqlite3", "sqlitedb", "db3", "sdb"}},
      {"ese", {"edb", "dat"}},
  }};
  for (const auto& a : kAllowed) {
    if (a.type != type.name) continue;
    return std::none_of(a.exts.begin(), a.exts.end(),
                        [&ext](std::string_view e) { return !e.empty() && e == ext; });
  }
  return false;  // ole2 and others: too many legitimate extensions to judge
}

bool is_ooxml_package(std::span<const std::uint8_t> bytes) {
  return ooxml_by_local_headers(bytes) || ooxml_by_central_directory(bytes);
}

bool is_thumbs_db_stream_name(std::string_view name) {
  if (name == "Catalog") return true;
  const auto us = name.find('_');
  if (us == std::string_view::npos || us == 0 || us > 10 || us + 1 >= name.size()) return false;
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  const auto is_hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  return std::all_of(name.begin(), name.begin() + static_cast<std::ptrdiff_t>(us), is_digit) &&
         std::all_of(name.begin() + static_cast<std::ptrdiff_t>(us) + 1, name.end(), is_hex);
}

}  // namespace vigil::sniff
