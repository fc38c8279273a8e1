// Content type from bytes, never from the name: the signature tables below follow each format's
// own specification (JFIF/ISO 10918-1 SOI, PNG 1.2 §5.2, GIF89a, BMP BITMAPFILEHEADER, TIFF 6.0
// header, RIFF/WebP, ISO/IEC 14496-12 'ftyp' brands for MP4/MOV/3GP/HEIF/AVIF, EBML for
// Matroska/WebM, ASF header GUID, FLV, MPEG-2 PS pack header and TS sync bytes, ZIP local file
// header, RAR 4/5, 7z, gzip (RFC 1952), bzip2, xz (.xz file format 1.0.4), POSIX ustar tar,
// Windows thumbcache "CMMM", OLE2 compound file (Thumbs.db), SQLite 3, ESE).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace vigil::sniff {

enum class Category { kUnknown, kImage, kVideo, kArchive, kThumbnailCache, kDatabase, kContainer };

struct ContentType {
  std::string_view name = "unknown";  // "jpeg", "png", "mp4", "thumbcache", "sqlite", ...
  Category category = Category::kUnknown;
  std::string_view mime = "application/octet-stream";

  [[nodiscard]] bool is_media() const {
    return category == Category::kImage || category == Category::kVideo;
  }
  friend bool operator==(const ContentType& a, const ContentType& b) { return a.name == b.name; }
};

// How many leading bytes sniff() wants to see (it works with fewer).
inline constexpr std::size_t kSniffBytes = 4096;

// The type of an item from its first bytes. An OLE2 file is "thumbsdb" when its directory, read
// within these bytes, names Thumbs.db streams; never by its name. `name` is not used for the
// type (extension_mismatch reads it).
ContentType sniff(std::span<const std::uint8_t> head, std::string_view name = {});

// True when the file name's extension is not one that the content's type is stored under
// (photo.txt holding a JPEG, movie.dll holding an MP4): the classic hiding trick. Names without
// an extension, NTFS stream names and content of unknown or generic type are never flagged.
bool extension_mismatch(const ContentType& type, std::string_view name);

const char* category_name(Category c);

// True for a ZIP that is an OOXML package (ECMA-376 Part 2 §10.1.2.4: the package holds the part
// "[Content_Types].xml"), found through the first local headers or the central directory. Needs
// the whole item: the documents extractor reads these, and the archive extractor leaves them to
// it, so that a .docx's pictures are not emitted twice under two chains.
bool is_ooxml_package(std::span<const std::uint8_t> bytes);

// True for the root stream names that make an OLE2 file a Thumbs.db: "Catalog" (Windows XP) or
// "<decimal size>_<hex cache id>" ("256_...", "96_...": Windows 7+ network shares). One rule for
// the sniffer, the thumbsdb extractor and the documents extractor, which leaves these files alone.
bool is_thumbs_db_stream_name(std::string_view name);

}  // namespace vigil::sniff
