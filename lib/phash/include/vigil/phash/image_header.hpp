// Reads the format and pixel dimensions of a picture from its header, without decoding, so a
// picture too large to decode safely is refused before any decoder allocates for it. The bytes
// come from evidence and are hostile: every read goes through vigil::ByteReader.
//
// Formats and the documents followed:
//   JPEG  ITU-T T.81 Annex B (markers; SOFn frame header: P, Y, X)
//   PNG   ISO/IEC 15948 / W3C PNG 2nd ed. 11.2.2 (IHDR first)
//   GIF   GIF89a specification section 18 (logical screen descriptor)
//   BMP   Microsoft BITMAPFILEHEADER + BITMAPCOREHEADER / BITMAPINFOHEADER (and V4/V5, OS/2 2.x)
//   TIFF  TIFF 6.0 section 2 (IFD, tags 256/257) and BigTIFF (version 43, 8-byte offsets)
//   WebP  RFC 9649 (RIFF; VP8 frame header, VP8L header, VP8X canvas size)
//   HEIF  ISO/IEC 14496-12 ftyp brands only (recognised, dimensions not read: see decode.hpp)
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "vigil/core/result.hpp"

namespace vigil::phash {

enum class ImageFormat { kUnknown, kJpeg, kPng, kGif, kBmp, kTiff, kWebp, kHeif };

std::string_view image_format_name(ImageFormat format);  // "jpeg", "png", ... "unknown"

// Recognises the format by its signature only (cheap; no size checks).
ImageFormat sniff_image_format(std::span<const std::uint8_t> bytes);

struct ImageHeader {
  ImageFormat format = ImageFormat::kUnknown;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  [[nodiscard]] std::uint64_t pixels() const { return std::uint64_t{width} * height; }
};

// The format and the dimensions the header declares. Errors: kUnsupported when the bytes are no
// picture format handled here (or HEIF, whose size lies deep in its boxes); kCorrupt when the
// header is truncated or declares a zero or negative size.
[[nodiscard]] Result<ImageHeader> read_image_header(std::span<const std::uint8_t> bytes);

}  // namespace vigil::phash
