// Header-only dimension readers; see image_header.hpp for the format documents followed.
#include "vigil/phash/image_header.hpp"

#include <array>
#include <string>

#include "vigil/core/byte_reader.hpp"

namespace vigil::phash {
namespace {

using Bytes = std::span<const std::uint8_t>;

Error corrupt(ImageFormat f, const std::string& what) {
  return make_error(ErrorCode::kCorrupt, std::string(image_format_name(f)) + " header: " + what);
}

Result<ImageHeader> make_header(ImageFormat f, std::uint64_t width, std::uint64_t height) {
  if (width == 0 || height == 0) return corrupt(f, "zero width or height");
  if (width > 0xffffffffu || height > 0xffffffffu) return corrupt(f, "dimension out of range");
  return ImageHeader{f, static_cast<std::uint32_t>(width), static_cast<std::uint32_t>(height)};
}

// T.81 B.1.1: after SOI, marker segments FF xx [length]. Fill bytes (FF) may precede a marker;
// RSTn, TEM and SOI carry no length. The first SOFn (C0-CF except DHT C4, JPG C8, DAC CC)
// holds precision, then Y (lines) and X (samples per line), both big-endian 16-bit.
Result<ImageHeader> read_jpeg(Bytes bytes) {
  ByteReader r(bytes);
  r.skip(2);  // SOI
  while (r.remaining() > 0) {
    // Find the next marker; bytes outside a segment are skipped as libjpeg does (it warns).
    std::uint8_t b = r.read_be<std::uint8_t>();
    if (b != 0xFF) continue;
    std::uint8_t marker = r.read_be<std::uint8_t>();
    while (marker == 0xFF && r.ok()) marker = r.read_be<std::uint8_t>();
    if (!r.ok()) break;
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) continue;
    if (marker == 0xD9 || marker == 0xDA)
      return corrupt(ImageFormat::kJpeg, "no frame header before scan or end of image");
    const std::uint16_t length = r.read_be<std::uint16_t>();
    if (!r.ok()) break;
    if (length < 2) return corrupt(ImageFormat::kJpeg, "segment length below 2");
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (length < 8) return corrupt(ImageFormat::kJpeg, "frame header too short");
      r.skip(1);  // sample precision
      const std::uint16_t lines = r.read_be<std::uint16_t>();
      const std::uint16_t samples = r.read_be<std::uint16_t>();
      if (!r.ok()) break;
      if (lines == 0)  // height defined later by a DNL segment, which libjpeg cannot decode
        return make_error(ErrorCode::kUnsupported, "jpeg: height defined by DNL");
      return make_header(ImageFormat::kJpeg, samples, lines);
    }
    if (!r.skip(length - 2u)) break;
  }
  return corrupt(ImageFormat::kJpeg, "truncated before the frame header");
}

// PNG: 8-byte signature, then the IHDR chunk (length 13) with width and height big-endian,
// each at most 2^31 - 1.
Result<ImageHeader> read_png(Bytes bytes) {
  ByteReader r(bytes);
  r.skip(8);
  const std::uint32_t length = r.read_be<std::uint32_t>();
  const bool ihdr = r.matches(r.pos(), "IHDR");
  r.skip(4);
  const std::uint32_t width = r.read_be<std::uint32_t>();
  const std::uint32_t height = r.read_be<std::uint32_t>();
  if (!r.ok()) return corrupt(ImageFormat::kPng, "truncated IHDR");
  if (!ihdr || length != 13) return corrupt(ImageFormat::kPng, "first chunk is not IHDR");
  if (width > 0x7fffffffu || height > 0x7fffffffu)
    return corrupt(ImageFormat::kPng, "dimension above 2^31 - 1");
  return make_header(ImageFormat::kPng, width, height);
}

// GIF: "GIF87a"/"GIF89a", then the logical screen width and height, little-endian 16-bit.
Result<ImageHeader> read_gif(Bytes bytes) {
  ByteReader r(bytes);
  r.skip(6);
  const std::uint16_t width = r.read_le<std::uint16_t>();
  const std::uint16_t height = r.read_le<std::uint16_t>();
  if (!r.ok()) return corrupt(ImageFormat::kGif, "truncated logical screen descriptor");
  return make_header(ImageFormat::kGif, width, height);
}

// BMP: 14-byte file header, then the DIB header whose size tells its kind. The 12-byte core
// header has unsigned 16-bit sizes; all others signed 32-bit, a negative height meaning
// top-down rows.
Result<ImageHeader> read_bmp(Bytes bytes) {
  ByteReader r(bytes);
  r.skip(14);
  const std::uint32_t dib_size = r.read_le<std::uint32_t>();
  if (!r.ok()) return corrupt(ImageFormat::kBmp, "truncated file header");
  if (dib_size == 12) {
    const std::uint16_t width = r.read_le<std::uint16_t>();
    const std::uint16_t height = r.read_le<std::uint16_t>();
    if (!r.ok()) return corrupt(ImageFormat::kBmp, "truncated core header");
    return make_header(ImageFormat::kBmp, width, height);
  }
  if (dib_size < 16 || dib_size > 4096) return corrupt(ImageFormat::kBmp, "unknown DIB header");
  const auto width = static_cast<std::int32_t>(r.read_le<std::uint32_t>());
  const auto height = static_cast<std::int32_t>(r.read_le<std::uint32_t>());
  if (!r.ok()) return corrupt(ImageFormat::kBmp, "truncated info header");
  if (width <= 0) return corrupt(ImageFormat::kBmp, "width not positive");
  if (height == INT32_MIN) return corrupt(ImageFormat::kBmp, "height out of range");
  const std::int64_t abs_height = height < 0 ? -static_cast<std::int64_t>(height) : height;
  return make_header(ImageFormat::kBmp, static_cast<std::uint64_t>(width),
                     static_cast<std::uint64_t>(abs_height));
}

// TIFF 6.0: byte order "II"/"MM", version 42 (classic, 4-byte offsets) or 43 (BigTIFF, 8-byte
// offsets), offset of the first IFD; in it tags 256 ImageWidth and 257 ImageLength, SHORT or
// LONG (LONG8 in BigTIFF), count 1, value held in the entry.
Result<ImageHeader> read_tiff(Bytes bytes) {
  ByteReader r(bytes);
  const bool little = r.matches(0, "II");
  auto u16 = [&] { return little ? r.read_le<std::uint16_t>() : r.read_be<std::uint16_t>(); };
  auto u32 = [&] { return little ? r.read_le<std::uint32_t>() : r.read_be<std::uint32_t>(); };
  auto u64 = [&] { return little ? r.read_le<std::uint64_t>() : r.read_be<std::uint64_t>(); };
  r.skip(2);
  const std::uint16_t version = u16();
  const bool big = version == 43;
  std::uint64_t ifd = 0;
  if (big) {
    const std::uint16_t offset_size = u16();
    u16();
    ifd = u64();
    if (offset_size != 8) return corrupt(ImageFormat::kTiff, "BigTIFF offset size is not 8");
  } else {
    ifd = u32();
  }
  if (!r.ok()) return corrupt(ImageFormat::kTiff, "truncated header");
  if (ifd >= bytes.size() || !r.seek(static_cast<std::size_t>(ifd)))
    return corrupt(ImageFormat::kTiff, "first IFD offset past the end");
  const std::uint64_t count = big ? u64() : u16();
  if (!r.ok()) return corrupt(ImageFormat::kTiff, "truncated IFD");
  const std::size_t entry_size = big ? 20 : 12;
  if (count > r.remaining() / entry_size) return corrupt(ImageFormat::kTiff, "IFD past the end");
  std::uint64_t width = 0;
  std::uint64_t height = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::size_t entry = r.pos();
    const std::uint16_t tag = u16();
    const std::uint16_t type = u16();
    const std::uint64_t n = big ? u64() : u32();
    std::uint64_t value = 0;
    if (type == 3) {
      value = u16();
    } else if (type == 4) {
      value = u32();
    } else if (type == 16 && big) {
      value = u64();
    }
    if (!r.ok()) return corrupt(ImageFormat::kTiff, "truncated IFD entry");
    if (tag == 256 || tag == 257) {
      if (n != 1 || (type != 3 && type != 4 && !(type == 16 && big)))
        return corrupt(ImageFormat::kTiff, "image size tag of unexpected type or count");
      (tag == 256 ? width : height) = value;
    }
    r.seek(entry + entry_size);
  }
  if (width == 0 || height == 0) return corrupt(ImageFormat::kTiff, "no image width or length");
  return make_header(ImageFormat::kTiff, width, height);
}

// WebP (RFC 9649): "RIFF" size "WEBP", then the first chunk: "VP8 " (lossy: frame tag, start code
// 9D 01 2A, 14-bit width and height), "VP8L" (lossless: signature 2F, 14-bit width-1 and
// height-1 packed little-endian) or "VP8X" (extended: 24-bit canvas width-1 and height-1).
Result<ImageHeader> read_webp(Bytes bytes) {
  ByteReader r(bytes);
  if (!r.seek(12) || r.remaining() < 8) return corrupt(ImageFormat::kWebp, "no first chunk");
  if (r.matches(12, "VP8 ")) {
    r.seek(20);
    r.skip(3);  // frame tag
    const bool start_code = r.matches(r.pos(), "\x9d\x01\x2a");
    r.skip(3);
    const std::uint16_t width = r.read_le<std::uint16_t>() & 0x3fff;
    const std::uint16_t height = r.read_le<std::uint16_t>() & 0x3fff;
    if (!r.ok()) return corrupt(ImageFormat::kWebp, "truncated VP8 frame header");
    if (!start_code) return corrupt(ImageFormat::kWebp, "VP8 start code missing");
    return make_header(ImageFormat::kWebp, width, height);
  }
  if (r.matches(12, "VP8L")) {
    r.seek(20);
    const std::uint8_t signature = r.read_le<std::uint8_t>();
    const std::uint32_t bits = r.read_le<std::uint32_t>();
    if (!r.ok()) return corrupt(ImageFormat::kWebp, "truncated VP8L header");
    if (signature != 0x2f) return corrupt(ImageFormat::kWebp, "VP8L signature missing");
    return make_header(ImageFormat::kWebp, (bits & 0x3fffu) + 1, ((bits >> 14) & 0x3fffu) + 1);
  }
  if (r.matches(12, "VP8X")) {
    r.seek(24);  // flags and reserved bytes
    auto u24 = [&] {
      const std::uint32_t lo = r.read_le<std::uint16_t>();
      const std::uint32_t hi = r.read_le<std::uint8_t>();
      return lo | (hi << 16);
    };
    const std::uint32_t width = u24() + 1;
    const std::uint32_t height = u24() + 1;
    if (!r.ok()) return corrupt(ImageFormat::kWebp, "truncated VP8X header");
    return make_header(ImageFormat::kWebp, width, height);
  }
  return corrupt(ImageFormat::kWebp, "first chunk is not VP8, VP8L or VP8X");
}

bool is_heif_brand(std::span<const std::uint8_t> brand) {
  static constexpr std::array<std::string_view, 11> kBrands = {
      "heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1", "avif"};
  for (auto b : kBrands)
    if (brand.size() == 4 && std::equal(b.begin(), b.end(), brand.begin())) return true;
  return false;
}

}  // namespace

std::string_view image_format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "jpeg";
    case ImageFormat::kPng:
      return "png";
    case ImageFormat::kGif:
      return "gif";
    case ImageFormat::kBmp:
      return "bmp";
    case ImageFormat::kTiff:
      return "tiff";
    case ImageFormat::kWebp:
      return "webp";
    case ImageFormat::kHeif:
      return "heif";
    case ImageFormat::kUnknown:
      break;
  }
  return "unknown";
}

ImageFormat sniff_image_format(std::span<const std::uint8_t> bytes) {
  const ByteReader r(bytes);
  if (r.matches(0, "\xff\xd8\xff")) return ImageFormat::kJpeg;
  if (r.matches(0, "\x89PNG\r\n\x1a\n")) return ImageFormat::kPng;
  if (r.matches(0, "GIF87a") || r.matches(0, "GIF89a")) return ImageFormat::kGif;
  if (r.matches(0, "BM")) return ImageFormat::kBmp;
  if (r.matches(0, std::string_view("II*\0", 4)) || r.matches(0, std::string_view("MM\0*", 4)) ||
      r.matches(0, std::string_view("II+\0", 4)) || r.matches(0, std::string_view("MM\0+", 4)))
    return ImageFormat::kTiff;
  if (r.matches(0, "RIFF") && r.matches(8, "WEBP")) return ImageFormat::kWebp;
  if (r.matches(4, "ftyp")) {
    if (auto brand = r.at(8, 4); brand && is_heif_brand(*brand)) return ImageFormat::kHeif;
  }
  return ImageFormat::kUnknown;
}

Result<ImageHeader> read_image_header(std::span<const std::uint8_t> bytes) {
  switch (sniff_image_format(bytes)) {
    case ImageFormat::kJpeg:
      return read_jpeg(bytes);
    case ImageFormat::kPng:
      return read_png(bytes);
    case ImageFormat::kGif:
      return read_gif(bytes);
    case ImageFormat::kBmp:
      return read_bmp(bytes);
    case ImageFormat::kTiff:
      return read_tiff(bytes);
    case ImageFormat::kWebp:
      return read_webp(bytes);
    case ImageFormat::kHeif:
      return make_error(ErrorCode::kUnsupported, "heif: dimensions not read from the header");
    case ImageFormat::kUnknown:
      break;
  }
  return make_error(ErrorCode::kUnsupported, "not a picture format vigil decodes");
}

}  // namespace vigil::phash
