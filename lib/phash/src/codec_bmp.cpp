// The BMP decoder of codecs.hpp, written by hand after Microsoft's documentation of the DIB
// formats (BITMAPFILEHEADER, BITMAPCOREHEADER, BITMAPINFOHEADER/V4/V5, the BI_RLE8 and BI_RLE4
// encodings) and held to the pixels OpenCV 4.6's BmpDecoder gave. Why by hand: stb_image (Debian's
// libstb-dev) decodes BMP but not RLE4/RLE8, OpenCV imgcodecs is the library being dropped, and no
// other packaged library decodes BMP without heavy dependencies of its own.
//
// OpenCV's reader is followed where it departs from the documents, since every hash must stay
// what it was:
// - only the first 36 bytes of an info header are read (size, width, height, planes/bit count,
//   compression, clrUsed); the palette, or the three BI_BITFIELDS masks, are read right after the
//   header's declared size, so a V4/V5 header's own masks are never looked at;
// - 16-bit pixels are 5-5-5 unless BI_BITFIELDS masks say exactly 5-6-5 (any other masks are
//   refused), and a 5- or 6-bit channel becomes 8 bits by a plain left shift (no bit
//   replication); 32-bit pixels are B,G,R,x whatever the masks say;
// - a palette entry past clrUsed is black;
// - RLE8: a run that would pass the end of its line is an error; a run that ends exactly at the
//   end of its line moves to the next one, and an end-of-line code right after it is then
//   ignored; an absolute run does not move on by itself; skipped pixels (end of line, end of
//   bitmap, delta) are painted with palette entry 0, and a delta (dx, dy) skips dx + dy * width
//   pixels counted along the rows;
// - RLE4: the same, except that a run never moves to the next line by itself, end of bitmap only
//   ends the current line (decoding goes on with the next code), and a delta skips dx pixels
//   only (its dy is read and ignored);
// - decoding ends when the last row is passed; running out of bytes before that, or any read
//   past the end of the file, is an error (OpenCV's stream threw and imdecode returned nothing).
#include <opencv2/core.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>

#include "codecs.hpp"

namespace vigil::phash::detail {
namespace {

// The largest picture cv::imdecode accepts (its CV_IO_MAX_IMAGE_* defaults); above them it
// refused the picture, so it is refused here too.
constexpr std::int64_t kOpenCvMaxSide = 1 << 20;
constexpr std::int64_t kOpenCvMaxPixels = std::int64_t{1} << 30;

constexpr std::uint32_t kRgb = 0;
constexpr std::uint32_t kRle8 = 1;
constexpr std::uint32_t kRle4 = 2;
constexpr std::uint32_t kBitfields = 3;

Error corrupt(const std::string& why) { return make_error(ErrorCode::kCorrupt, "bmp: " + why); }

// Reads little-endian values at a position that may be moved past the end by a skip (as
// OpenCV's stream allowed); a read there, or one that would run past the end, fails.
class Stream {
 public:
  explicit Stream(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  void seek(std::uint64_t pos) { pos_ = pos; }
  void skip(std::uint64_t n) { pos_ += n; }
  // n bytes at the position, or nullptr when they are not all in the file.
  const std::uint8_t* take(std::uint64_t n) {
    if (pos_ > bytes_.size() || n > bytes_.size() - pos_) return nullptr;
    const std::uint8_t* p = bytes_.data() + pos_;
    pos_ += n;
    return p;
  }
  bool u8(std::uint32_t& v) {
    const std::uint8_t* p = take(1);
    if (p == nullptr) return false;
    v = p[0];
    return true;
  }
  bool u16(std::uint32_t& v) {
    const std::uint8_t* p = take(2);
    if (p == nullptr) return false;
    v = p[0] | (std::uint32_t{p[1]} << 8);
    return true;
  }
  bool u32(std::uint32_t& v) {
    const std::uint8_t* p = take(4);
    if (p == nullptr) return false;
    v = p[0] | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
        (std::uint32_t{p[3]} << 24);
    return true;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::uint64_t pos_ = 0;
};

struct Bgr {
  std::uint8_t b = 0, g = 0, r = 0;
};

struct Header {
  std::int64_t width = 0;
  std::int64_t height = 0;  // as stored: negative for top-down rows
  int bpp = 0;              // 15 stands for 16-bit 5-5-5
  std::uint32_t compression = kRgb;
  std::int64_t data_offset = 0;
  std::array<Bgr, 256> palette{};
};

Result<Header> read_header(Stream& s) {
  Header h;
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  s.seek(10);
  if (!s.u32(offset) || !s.u32(size)) return corrupt("truncated file header");
  h.data_offset = static_cast<std::int32_t>(offset);
  const auto dib_size = static_cast<std::int32_t>(size);
  if (dib_size >= 36) {
    std::uint32_t width = 0, height = 0, planes_bpp = 0, compression = 0, clr_used = 0;
    if (!s.u32(width) || !s.u32(height) || !s.u32(planes_bpp) || !s.u32(compression))
      return corrupt("truncated info header");
    s.skip(12);  // image size, resolution
    if (!s.u32(clr_used)) return corrupt("truncated info header");
    s.skip(static_cast<std::uint64_t>(dib_size - 36));
    h.width = static_cast<std::int32_t>(width);
    h.height = static_cast<std::int32_t>(height);
    h.bpp = static_cast<std::int32_t>(planes_bpp) >> 16;
    h.compression = compression;
    const int bpp = h.bpp;
    const bool known =
        ((bpp == 1 || bpp == 4 || bpp == 8 || bpp == 24 || bpp == 32) && compression == kRgb) ||
        ((bpp == 16 || bpp == 32) && (compression == kRgb || compression == kBitfields)) ||
        (bpp == 4 && compression == kRle4) || (bpp == 8 && compression == kRle8);
    if (h.width <= 0 || h.height == 0) return corrupt("width not positive or height zero");
    if (!known)
      return corrupt("unsupported bit count " + std::to_string(bpp) + " with compression " +
                     std::to_string(compression));
    if (bpp <= 8) {
      const auto used = static_cast<std::int32_t>(clr_used);
      if (used < 0 || used > 256) return corrupt("colour count above 256");
      const int entries = used == 0 ? 1 << bpp : used;
      const std::uint8_t* p = s.take(static_cast<std::uint64_t>(entries) * 4);
      if (p == nullptr) return corrupt("truncated colour table");
      for (int i = 0; i < entries; ++i) h.palette[i] = Bgr{p[4 * i], p[4 * i + 1], p[4 * i + 2]};
    } else if (bpp == 16 && compression == kBitfields) {
      std::uint32_t red = 0, green = 0, blue = 0;
      if (!s.u32(red) || !s.u32(green) || !s.u32(blue)) return corrupt("truncated bit masks");
      if (blue == 0x1f && green == 0x3e0 && red == 0x7c00)
        h.bpp = 15;
      else if (!(blue == 0x1f && green == 0x7e0 && red == 0xf800))
        return corrupt("16-bit masks other than 5-5-5 and 5-6-5");
    } else if (bpp == 16) {
      h.bpp = 15;
    }
    return h;
  }
  if (dib_size == 12) {  // OS/2 BITMAPCOREHEADER: unsigned 16-bit sizes, 3-byte palette entries
    std::uint32_t width = 0, height = 0, planes_bpp = 0;
    if (!s.u16(width) || !s.u16(height) || !s.u32(planes_bpp))
      return corrupt("truncated core header");
    h.width = width;
    h.height = height;
    h.bpp = static_cast<std::int32_t>(planes_bpp) >> 16;
    const int bpp = h.bpp;
    if (h.width <= 0 || h.height == 0) return corrupt("width or height zero");
    if (!(bpp == 1 || bpp == 4 || bpp == 8 || bpp == 24 || bpp == 32))
      return corrupt("unsupported bit count " + std::to_string(bpp) + " in a core header");
    if (bpp <= 8) {
      const int entries = 1 << bpp;
      const std::uint8_t* p = s.take(static_cast<std::uint64_t>(entries) * 3);
      if (p == nullptr) return corrupt("truncated colour table");
      for (int i = 0; i < entries; ++i) h.palette[i] = Bgr{p[3 * i], p[3 * i + 1], p[3 * i + 2]};
    }
    return h;
  }
  return corrupt("DIB header of " + std::to_string(dib_size) + " bytes");
}

// The output picture with rows counted in file order: row 0 is the bottom one of a bottom-up
// bitmap.
class Canvas {
 public:
  Canvas(cv::Mat& mat, bool bottom_up) : mat_(mat), bottom_up_(bottom_up) {}
  std::uint8_t* row(std::int64_t y) {
    return mat_.ptr<std::uint8_t>(static_cast<int>(bottom_up_ ? mat_.rows - 1 - y : y));
  }

 private:
  cv::Mat& mat_;
  bool bottom_up_;
};

void put(std::uint8_t* px, const Bgr& c) {
  px[0] = c.b;
  px[1] = c.g;
  px[2] = c.r;
}

bool decode_rows(Stream& s, const Header& h, Canvas& canvas, std::int64_t width,
                 std::int64_t height) {
  const int bits = h.bpp == 15 ? 16 : h.bpp;
  // Every row is read whole, padding included (OpenCV's reader did), so a file cut in the
  // last row's padding is short.
  const std::uint64_t pitch = ((static_cast<std::uint64_t>(width) * bits + 7) / 8 + 3) & ~3ull;
  for (std::int64_t y = 0; y < height; ++y) {
    const std::uint8_t* src = s.take(pitch);
    if (src == nullptr) return false;
    std::uint8_t* dst = canvas.row(y);
    for (std::int64_t x = 0; x < width; ++x, dst += 3) {
      switch (h.bpp) {
        case 1:
          put(dst, h.palette[(src[x >> 3] >> (7 - (x & 7))) & 1]);
          break;
        case 4:
          put(dst, h.palette[(x & 1) ? src[x >> 1] & 15 : src[x >> 1] >> 4]);
          break;
        case 8:
          put(dst, h.palette[src[x]]);
          break;
        case 15:
        case 16: {
          const unsigned v = src[2 * x] | (unsigned{src[2 * x + 1]} << 8);
          dst[0] = static_cast<std::uint8_t>((v << 3) & 0xf8);
          if (h.bpp == 15) {
            dst[1] = static_cast<std::uint8_t>((v >> 2) & 0xf8);
            dst[2] = static_cast<std::uint8_t>((v >> 7) & 0xf8);
          } else {
            dst[1] = static_cast<std::uint8_t>((v >> 3) & 0xfc);
            dst[2] = static_cast<std::uint8_t>((v >> 8) & 0xf8);
          }
          break;
        }
        case 24:
          std::memcpy(dst, src + 3 * x, 3);
          break;
        case 32:
          std::memcpy(dst, src + 4 * x, 3);
          break;
        default:
          return false;
      }
    }
  }
  return true;
}

// The RLE decoders' position: row y (file order), column x; x == width is the end of the row,
// where RLE8 runs leave it and RLE4 runs may too.
struct Cursor {
  std::int64_t x = 0;
  std::int64_t y = 0;
};

// Paints `count` pixels from the cursor along the rows; on reaching the end of a row the cursor
// moves to the start of the next one (also when count is 0 and it already stands at the end).
// Stops after the last row.
void fill(Canvas& canvas, Cursor& c, std::int64_t width, std::int64_t height, std::int64_t count,
          const Bgr& colour) {
  do {
    const std::int64_t end = std::min(width, c.x + count);
    count -= end - c.x;
    std::uint8_t* row = canvas.row(c.y);
    for (; c.x < end; ++c.x) put(row + 3 * c.x, colour);
    if (c.x >= width) {
      c.x = 0;
      if (++c.y >= height) break;
    }
  } while (count > 0);
}

Result<void> decode_rle8(Stream& s, const Header& h, Canvas& canvas, std::int64_t width,
                         std::int64_t height) {
  Cursor c;
  bool moved_to_next_line = false;  // the last run ended exactly at the end of a line
  for (;;) {
    std::uint32_t word = 0;
    if (!s.u16(word)) return corrupt("RLE8 data ends before the last row");
    const std::int64_t len = word & 255;
    const std::uint32_t code = word >> 8;
    if (len != 0) {  // a run of one colour
      if (c.x + len > width) return corrupt("RLE8 run past the end of a line");
      const std::int64_t y0 = c.y;
      fill(canvas, c, width, height, len, h.palette[code]);
      moved_to_next_line = c.y != y0;
      if (c.y >= height) return {};
    } else if (code > 2) {  // absolute run: `code` indices, padded to an even count
      if (c.x + code > width) return corrupt("RLE8 absolute run past the end of a line");
      const std::uint8_t* src = s.take((code + 1) & ~1u);
      if (src == nullptr) return corrupt("RLE8 data ends inside an absolute run");
      std::uint8_t* row = canvas.row(c.y);
      for (std::uint32_t i = 0; i < code; ++i, ++c.x) put(row + 3 * c.x, h.palette[src[i]]);
      moved_to_next_line = false;
    } else {  // 0 end of line, 1 end of bitmap, 2 delta
      std::int64_t skip = width - c.x;
      std::int64_t rows = height - c.y;
      if (code != 0 || !moved_to_next_line || skip < width) {
        if (code == 2) {
          std::uint32_t dx = 0, dy = 0;
          if (!s.u8(dx) || !s.u8(dy)) return corrupt("RLE8 data ends inside a delta");
          skip = dx;
          rows = dy;
        }
        if (code != 0) skip += rows * width;
        fill(canvas, c, width, height, skip, h.palette[0]);
        if (c.y >= height) return {};
      }
      moved_to_next_line = false;
    }
  }
}

Result<void> decode_rle4(Stream& s, const Header& h, Canvas& canvas, std::int64_t width,
                         std::int64_t height) {
  Cursor c;
  for (;;) {
    std::uint32_t word = 0;
    if (!s.u16(word)) return corrupt("RLE4 data ends before the last row");
    const std::int64_t len = word & 255;
    const std::uint32_t code = word >> 8;
    if (len != 0) {  // a run alternating the two nibbles' colours
      if (c.x + len > width) return corrupt("RLE4 run past the end of a line");
      const Bgr pair[2] = {h.palette[code >> 4], h.palette[code & 15]};
      std::uint8_t* row = canvas.row(c.y);
      for (std::int64_t i = 0; i < len; ++i, ++c.x) put(row + 3 * c.x, pair[i & 1]);
    } else if (code > 2) {  // absolute run: `code` nibbles, padded to an even byte count
      if (c.x + code > width) return corrupt("RLE4 absolute run past the end of a line");
      const std::uint8_t* src = s.take((((code + 1) >> 1) + 1) & ~1u);
      if (src == nullptr) return corrupt("RLE4 data ends inside an absolute run");
      std::uint8_t* row = canvas.row(c.y);
      for (std::uint32_t i = 0; i < code; ++i, ++c.x)
        put(row + 3 * c.x, h.palette[(i & 1) ? src[i >> 1] & 15 : src[i >> 1] >> 4]);
    } else {  // 0 end of line and 1 end of bitmap alike; 2 delta, of which only dx counts
      std::int64_t skip = width - c.x;
      if (code == 2) {
        std::uint32_t dx = 0, dy = 0;
        if (!s.u8(dx) || !s.u8(dy)) return corrupt("RLE4 data ends inside a delta");
        skip = dx;
      }
      fill(canvas, c, width, height, skip, h.palette[0]);
      if (c.y >= height) return {};
    }
  }
}

}  // namespace

Result<cv::Mat> decode_bmp(std::span<const std::uint8_t> bytes, const DecodeLimits& limits,
                           DecoderNotes& /*notes*/) {
  if (bytes.size() < 2 || bytes[0] != 'B' || bytes[1] != 'M') return corrupt("no BM signature");
  Stream s(bytes);
  auto header = read_header(s);
  if (!header.ok()) return header.error();
  const Header& h = *header;
  const bool bottom_up = h.height > 0;
  const std::int64_t width = h.width;
  const std::int64_t height = h.height < 0 ? -h.height : h.height;
  const auto pixels = static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height);
  if (pixels > limits.max_pixels)
    return make_error(ErrorCode::kLimit, "picture of " + std::to_string(pixels) +
                                             " pixels is above the cap of " +
                                             std::to_string(limits.max_pixels));
  if (width > kOpenCvMaxSide || height > kOpenCvMaxSide ||
      static_cast<std::int64_t>(pixels) > kOpenCvMaxPixels)
    return corrupt("picture of " + std::to_string(width) + "x" + std::to_string(height) +
                   " is above OpenCV's size limits");
  if (h.data_offset < 0) return corrupt("negative pixel data offset");
  cv::Mat out(static_cast<int>(height), static_cast<int>(width), CV_8UC3);
  Canvas canvas(out, bottom_up);
  s.seek(static_cast<std::uint64_t>(h.data_offset));
  if (h.compression == kRle8) {
    if (auto r = decode_rle8(s, h, canvas, width, height); !r.ok()) return r.error();
  } else if (h.compression == kRle4) {
    if (auto r = decode_rle4(s, h, canvas, width, height); !r.ok()) return r.error();
  } else if (!decode_rows(s, h, canvas, width, height)) {
    return corrupt("pixel data ends before the last row");
  }
  return out;
}

}  // namespace vigil::phash::detail
