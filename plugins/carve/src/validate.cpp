// Structure validators of the carver: each walks a picture's own framing from its signature to
// its end marker, without decoding pixels, and answers complete / truncated / reject. Every read
// is bounds-checked against the span (explicit index checks instead of ByteReader: these run at
// every candidate offset of a disk); every walk moves forward, so the work of a validation is at
// most the span it is given.
#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "carve/carve.hpp"

namespace vigil::plugins::carve {
namespace {

using Span = std::span<const std::uint8_t>;

std::uint32_t be16(Span s, std::size_t p) { return (std::uint32_t{s[p]} << 8) | s[p + 1]; }
std::uint32_t be32(Span s, std::size_t p) {
  return (std::uint32_t{s[p]} << 24) | (std::uint32_t{s[p + 1]} << 16) |
         (std::uint32_t{s[p + 2]} << 8) | s[p + 3];
}
std::uint32_t le16(Span s, std::size_t p) { return s[p] | (std::uint32_t{s[p + 1]} << 8); }
std::uint32_t le32(Span s, std::size_t p) {
  return s[p] | (std::uint32_t{s[p + 1]} << 8) | (std::uint32_t{s[p + 2]} << 16) |
         (std::uint32_t{s[p + 3]} << 24);
}

Validation reject(std::size_t walked, std::string_view why) {
  return {Verdict::kReject, 0, walked, false, why};
}
Validation complete(std::size_t end) { return {Verdict::kComplete, end, end, false, {}}; }
// The structure stopped: at the end of the span (at_end) or at bytes that do not continue it
// (valid_end). It counts as a truncated picture only when `has_data` (complete header and some
// picture data); otherwise it is not a picture.
Validation stopped(bool has_data, bool at_end, std::size_t valid_end, std::size_t walked,
                   std::string_view why) {
  if (!has_data || valid_end == 0) return reject(walked, why);
  return {Verdict::kTruncated, valid_end, walked, at_end, why};
}

// --- JPEG: ISO/IEC 10918-1 (ITU-T T.81) Annex B: markers are 0xFF + code, optionally preceded
// by fill bytes 0xFF; SOI, EOI, RSTn and TEM stand alone, every other marker is followed by a
// big-endian length that counts itself; after an SOS header comes entropy-coded data in which
// 0xFF is always followed by 0x00 (stuffing) or an RSTn, so the next other marker ends the scan.
constexpr std::size_t kMinScanBytes = 16;
constexpr int kMaxJpegSegments = 65536;

bool is_sof(std::uint8_t m) {
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

}  // namespace

Validation validate_jpeg(Span s) {
  const std::size_t n = s.size();
  if (n < 4 || s[0] != 0xFF || s[1] != 0xD8 || s[2] != 0xFF) return reject(0, "no SOI");
  bool sof = false;
  bool sos = false;
  std::size_t scan_bytes = 0;
  std::size_t p = 2;
  std::size_t good = 2;  // end of the last complete structure
  std::size_t work = 4;  // bytes read: headers and scan data, not the segments jumped over
  auto has_data = [&] { return sof && sos && scan_bytes >= kMinScanBytes; };
  for (int seg = 0; seg < kMaxJpegSegments; ++seg) {
    work += 4;
    if (p >= n) return stopped(has_data(), true, n, work, "ends before EOI");
    if (s[p] != 0xFF) return stopped(has_data(), false, good, work, "bytes that are not a marker");
    const std::size_t marker_at = p;
    while (p < n && s[p] == 0xFF) ++p;  // fill bytes before a marker (B.1.1.2)
    work += p - marker_at;
    if (p >= n) return stopped(has_data(), true, n, work, "ends before EOI");
    const std::uint8_t m = s[p++];
    if (m == 0xD9) {  // EOI
      if (has_data()) return complete(p);
      return reject(work, "EOI before any scan data");
    }
    if (m == 0x00 || m == 0xD8) return stopped(has_data(), false, good, work, "invalid marker");
    if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) {  // RSTn, TEM: no length
      good = p;
      continue;
    }
    if (n - p < 2) return stopped(has_data(), true, n, work, "ends inside a marker");
    const std::size_t len = be16(s, p);
    if (len < 2) return stopped(has_data(), false, good, work, "segment length below 2");
    if (len > n - p) return stopped(has_data(), true, n, work, "ends inside a segment");
    const Span seg_data = s.subspan(p + 2, len - 2);
    if (is_sof(m)) {
      work += len;
      // B.2.2: P, Y, X, Nf, then 3 bytes per component.
      if (seg_data.size() < 6) return stopped(has_data(), false, good, work, "short SOF");
      const std::uint8_t precision = seg_data[0];
      const std::uint32_t width = be16(seg_data, 3);
      const std::uint8_t nf = seg_data[5];
      if (precision < 2 || precision > 16 || width == 0 || nf == 0 ||
          seg_data.size() != 6 + 3 * std::size_t{nf}) {
        return stopped(has_data(), false, good, work, "implausible SOF");
      }
      sof = true;
    }
    p += len;
    if (m != 0xDA) {
      good = p;
      continue;
    }
    // SOS (B.2.3): Ns, 2 bytes per component, Ss, Se, Ah/Al.
    if (!sof || seg_data.empty() || seg_data[0] == 0 || seg_data[0] > 4 ||
        seg_data.size() != 4 + 2 * std::size_t{seg_data[0]}) {
      return stopped(has_data(), false, good, work, "SOS without SOF or implausible");
    }
    sos = true;
    // Entropy-coded data: find the next 0xFF with memchr, skip stuffing and RSTn.
    const std::size_t scan_start = p;
    for (;;) {
      const void* q = p < n ? std::memchr(s.data() + p, 0xFF, n - p) : nullptr;
      if (q == nullptr) {
        scan_bytes += n - scan_start;
        work += n - scan_start;
        return stopped(has_data(), true, n, work, "ends inside scan data, before EOI");
      }
      const std::size_t i =
          static_cast<std::size_t>(static_cast<const std::uint8_t*>(q) - s.data());
      if (i + 1 >= n) {
        scan_bytes += i - scan_start;
        work += n - scan_start;
        return stopped(has_data(), true, n, work, "ends inside scan data, before EOI");
      }
      const std::uint8_t c = s[i + 1];
      if (c == 0x00 || (c >= 0xD0 && c <= 0xD7)) {
        p = i + 2;
      } else if (c == 0xFF) {
        p = i + 1;  // fill byte: the marker follows
      } else {
        scan_bytes += i - scan_start;
        work += i - scan_start;
        p = i;
        break;
      }
    }
    good = p;
  }
  return stopped(has_data(), false, good, work, "too many segments");
}

// --- PNG: PNG Specification (Third Edition, W3C), 5.2-5.4 and 11.2: the 8-byte signature, then
// chunks of length (<= 2^31-1), type (four ASCII letters), data and a CRC-32 of type and data.
// IHDR comes first (13 bytes); the file ends at IEND. A chunk length past the end is noticed
// before any CRC is computed, so a lying header costs a few reads.
namespace {
constexpr std::uint8_t kPngSig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
bool png_letter(std::uint8_t c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
}  // namespace

Validation validate_png(Span s) {
  const std::size_t n = s.size();
  if (n < 8 || std::memcmp(s.data(), kPngSig, 8) != 0) return reject(0, "no signature");
  bool ihdr = false;
  std::size_t idat = 0;
  std::size_t p = 8;
  auto has_data = [&] { return ihdr && idat > 0; };
  for (;;) {
    if (n - p < 12) return stopped(has_data(), true, n, n, "ends before IEND");
    const std::uint32_t len = be32(s, p);
    const Span type = s.subspan(p + 4, 4);
    if (len > 0x7FFFFFFFu || !std::all_of(type.begin(), type.end(), png_letter)) {
      return stopped(has_data(), false, p, p + 8, "not a chunk");
    }
    const bool is_ihdr = std::memcmp(type.data(), "IHDR", 4) == 0;
    if (ihdr == is_ihdr) {  // IHDR first and only once
      return stopped(has_data(), false, p, p + 8, ihdr ? "second IHDR" : "IHDR not first");
    }
    if (len > n - p - 12) return stopped(has_data(), true, n, p + 8, "chunk runs past the end");
    const Span data = s.subspan(p + 8, len);
    const std::uint32_t stored = be32(s, p + 8 + len);
    const auto crc = static_cast<std::uint32_t>(
        crc32(0L, s.data() + p + 4, static_cast<uInt>(len + 4)));  // type and data
    if (crc != stored) return reject(p + 12 + len, "chunk CRC mismatch");
    if (is_ihdr) {
      // 11.2.2: width, height 1..2^31-1; bit depth; colour type; methods 0; interlace 0/1.
      if (len != 13) return reject(p + 12 + len, "IHDR length");
      const std::uint32_t w = be32(data, 0);
      const std::uint32_t h = be32(data, 4);
      const std::uint8_t depth = data[8];
      const std::uint8_t colour = data[9];
      const bool depth_ok = depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
      const bool colour_ok =
          colour == 0 || colour == 2 || colour == 3 || colour == 4 || colour == 6;
      if (w == 0 || h == 0 || w > 0x7FFFFFFFu || h > 0x7FFFFFFFu || !depth_ok || !colour_ok ||
          data[10] != 0 || data[11] != 0 || data[12] > 1) {
        return reject(p + 25, "implausible IHDR");
      }
      ihdr = true;
    } else if (std::memcmp(type.data(), "IDAT", 4) == 0) {
      ++idat;
    } else if (std::memcmp(type.data(), "IEND", 4) == 0) {
      if (idat == 0) return reject(p + 12, "IEND without IDAT");
      return complete(p + 12 + len);
    }
    p += 12 + std::size_t{len};
  }
}

// --- GIF: GIF89a specification (CompuServe, 1990): header, logical screen descriptor, optional
// global colour table, then blocks: extensions (0x21, label, data sub-blocks), images (0x2C,
// image descriptor, optional local colour table, LZW minimum code size, data sub-blocks), and
// the trailer 0x3B.
Validation validate_gif(Span s) {
  const std::size_t n = s.size();
  if (n < 13 ||
      (std::memcmp(s.data(), "GIF87a", 6) != 0 && std::memcmp(s.data(), "GIF89a", 6) != 0)) {
    return reject(0, "no signature");
  }
  if (le16(s, 6) == 0 || le16(s, 8) == 0) return reject(13, "zero screen size");
  std::size_t p = 13;
  if ((s[10] & 0x80) != 0) p += std::size_t{3} << ((s[10] & 7) + 1);
  std::size_t images = 0;
  std::size_t image_bytes = 0;
  std::size_t good = 0;   // nothing counts before the first image data
  std::size_t work = 13;  // bytes read (block and sub-block headers, not the data skipped)
  auto has_data = [&] { return image_bytes > 0; };
  // Data sub-blocks (23.): size byte, bytes; a zero size ends them. Returns false at the end.
  auto sub_blocks = [&](bool image) {
    for (;;) {
      if (p >= n) return false;
      const std::size_t sz = s[p++];
      ++work;
      if (sz == 0) return true;
      if (sz > n - p) {
        if (image) image_bytes += n - p;
        return false;
      }
      if (image) image_bytes += sz;
      p += sz;
    }
  };
  for (;;) {
    if (p >= n) return stopped(has_data(), true, n, work, "ends before the trailer");
    const std::uint8_t b = s[p];
    work += 11;
    if (b == 0x3B) {
      if (images == 0) return reject(work, "trailer before any image");
      return complete(p + 1);
    }
    if (b == 0x21) {
      if (n - p < 2) return stopped(has_data(), true, n, work, "ends inside an extension");
      const std::uint8_t label = s[p + 1];
      if (label != 0x01 && label != 0xF9 && label != 0xFE && label != 0xFF) {
        return stopped(has_data(), false, good, work, "unknown extension label");
      }
      p += 2;
      if (!sub_blocks(false)) return stopped(has_data(), true, n, work, "ends inside an extension");
    } else if (b == 0x2C) {
      if (n - p < 11) return stopped(has_data(), true, n, work, "ends inside an image descriptor");
      const std::uint8_t packed = s[p + 9];
      if (le16(s, p + 5) == 0 || le16(s, p + 7) == 0) {
        return stopped(has_data(), false, good, work, "zero image size");
      }
      p += 10;
      if ((packed & 0x80) != 0) p += std::size_t{3} << ((packed & 7) + 1);
      if (p >= n) return stopped(has_data(), true, n, work, "ends inside a colour table");
      const std::uint8_t code_size = s[p++];
      if (code_size < 1 || code_size > 11) {
        return stopped(has_data(), false, good, work, "implausible LZW code size");
      }
      ++images;
      if (!sub_blocks(true)) return stopped(has_data(), true, n, work, "ends inside image data");
    } else {
      return stopped(has_data(), false, good, work, "bytes that are not a block");
    }
    good = p;
  }
}

// --- BMP: BITMAPFILEHEADER (14 bytes: "BM", file size, two reserved words, pixel data offset)
// and a DIB header of 12 (BITMAPCOREHEADER), 40 (BITMAPINFOHEADER), 56, 108 (V4) or 124 (V5)
// bytes, as documented by Microsoft (learn.microsoft.com, "BITMAPINFOHEADER structure"). The
// sizes must agree: the pixel rows fit between the data offset and the file size.
namespace {
constexpr std::int64_t kMaxBmpSide = 100'000;
}

Validation validate_bmp(Span s) {
  const std::size_t n = s.size();
  if (n < 26 || s[0] != 'B' || s[1] != 'M') return reject(0, "no signature or short");
  const std::uint64_t file_size = le32(s, 2);
  const std::uint64_t off_bits = le32(s, 10);
  const std::uint64_t dib = le32(s, 14);
  if (le32(s, 6) != 0) return reject(10, "reserved words not zero");
  if (dib != 12 && dib != 40 && dib != 56 && dib != 108 && dib != 124) {
    return reject(18, "DIB header size");
  }
  if (14 + dib > n) return reject(n, "header past the end");  // too short to judge
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::uint32_t planes = 0;
  std::uint32_t bits = 0;
  std::uint32_t compression = 0;
  std::uint64_t colours = 0;
  if (dib == 12) {
    width = le16(s, 18);
    height = le16(s, 20);
    planes = le16(s, 22);
    bits = le16(s, 24);
  } else {
    width = static_cast<std::int32_t>(le32(s, 18));
    height = static_cast<std::int32_t>(le32(s, 22));  // negative: top-down rows
    planes = le16(s, 26);
    bits = le16(s, 28);
    compression = le32(s, 30);
    colours = le32(s, 46);
  }
  const std::size_t walked = 14 + dib;
  if (height < 0) height = -height;
  if (planes != 1 || width <= 0 || height <= 0 || width > kMaxBmpSide || height > kMaxBmpSide) {
    return reject(walked, "implausible dimensions");
  }
  if (bits != 1 && bits != 4 && bits != 8 && bits != 16 && bits != 24 && bits != 32) {
    return reject(walked, "bit count");
  }
  if (compression > 6 || (dib == 12 && compression != 0)) return reject(walked, "compression");
  if (bits <= 8 && colours > (1u << bits)) return reject(walked, "colour count");
  if (off_bits < 14 + dib || off_bits >= file_size || file_size < 26) {
    return reject(walked, "pixel data offset outside the file");
  }
  const std::uint64_t pixel_space = file_size - off_bits;
  const bool uncompressed = compression == 0 || compression == 3 || compression == 6;
  if (uncompressed) {
    const std::uint64_t row = ((static_cast<std::uint64_t>(width) * bits + 31) / 32) * 4;
    if (row * static_cast<std::uint64_t>(height) > pixel_space) {
      return reject(walked, "pixel rows do not fit in the file size");
    }
  }
  if (file_size <= n) return complete(file_size);
  // The file size runs past the bytes: partial when some pixel data is there.
  return stopped(off_bits < n, true, n, walked, "ends before its file size");
}

// --- WebP: RIFF container of RFC 9649 ("WebP Image Format", 2024), section 2: "RIFF", a
// little-endian size counting from "WEBP" on, "WEBP", then chunks (FourCC, size, data padded to
// an even size). The first chunk is VP8 (lossy: frame tag then start code 9D 01 2A), VP8L
// (lossless: signature 0x2F) or VP8X (extended: 10 bytes). The chunks must end exactly at the
// RIFF size.
namespace {
constexpr int kMaxWebpChunks = 65536;
bool fourcc_char(std::uint8_t c) { return c >= 0x20 && c <= 0x7E; }
}  // namespace

Validation validate_webp(Span s) {
  const std::size_t n = s.size();
  if (n < 20 || std::memcmp(s.data(), "RIFF", 4) != 0 ||
      std::memcmp(s.data() + 8, "WEBP", 4) != 0) {
    return reject(0, "no signature");
  }
  const std::uint64_t total = 8 + std::uint64_t{le32(s, 4)};
  const bool vp8 = std::memcmp(s.data() + 12, "VP8 ", 4) == 0;
  const bool vp8l = std::memcmp(s.data() + 12, "VP8L", 4) == 0;
  const bool vp8x = std::memcmp(s.data() + 12, "VP8X", 4) == 0;
  if (!vp8 && !vp8l && !vp8x) return reject(16, "first chunk is not VP8, VP8L or VP8X");
  const std::uint64_t first = le32(s, 16);
  if (total < 20 + first) return reject(20, "RIFF size smaller than the first chunk");
  // The first chunk's own header, where it is in the span.
  if (vp8 && (first < 10 || (n >= 26 && (s[23] != 0x9D || s[24] != 0x01 || s[25] != 0x2A)))) {
    return reject(26, "VP8 start code");
  }
  if (vp8l && (first < 5 || (n >= 21 && s[20] != 0x2F))) return reject(21, "VP8L signature");
  if (vp8x && first != 10) return reject(20, "VP8X size");
  const std::size_t limit = static_cast<std::size_t>(std::min<std::uint64_t>(total, n));
  const bool has_data = n >= 20 + 16;  // the first chunk's header and some of its data
  std::size_t p = 12;
  std::size_t good = 0;
  std::size_t work = 20;  // bytes read: chunk headers, not the chunk data skipped
  for (int chunk = 0; chunk < kMaxWebpChunks; ++chunk) {
    work += 8;
    if (p == total) return complete(p);
    if (p + 8 > limit) {
      if (limit < total) return stopped(has_data, true, n, work, "ends before its RIFF size");
      return reject(work, "chunks do not end at the RIFF size");
    }
    if (!fourcc_char(s[p]) || !fourcc_char(s[p + 1]) || !fourcc_char(s[p + 2]) ||
        !fourcc_char(s[p + 3])) {
      return stopped(good > 0, false, good, work, "not a chunk");
    }
    const std::uint64_t size = le32(s, p + 4);
    const std::uint64_t next = p + 8 + size + (size & 1);
    if (next > total) {
      // RFC 9649 allows no chunk past the RIFF size; a missing last pad byte is tolerated.
      if (p + 8 + size == total) return complete(static_cast<std::size_t>(total));
      return reject(work, "chunk past the RIFF size");
    }
    if (next > n) {
      return stopped(has_data, true, n, work, "ends before its RIFF size");
    }
    p = static_cast<std::size_t>(next);
    good = p;
  }
  return reject(work, "too many chunks");
}

Validation validate(Format f, Span s) {
  switch (f) {
    case Format::kJpeg:
      return validate_jpeg(s);
    case Format::kPng:
      return validate_png(s);
    case Format::kGif:
      return validate_gif(s);
    case Format::kBmp:
      return validate_bmp(s);
    case Format::kWebp:
      return validate_webp(s);
  }
  return reject(0, "unknown format");
}

std::string_view format_name(Format f) {
  static constexpr std::string_view kNames[] = {"jpeg", "png", "gif", "bmp", "webp"};
  return kNames[static_cast<std::size_t>(f)];
}

}  // namespace vigil::plugins::carve
