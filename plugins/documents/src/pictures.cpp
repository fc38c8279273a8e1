#include "pictures.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#include "vigil/core/byte_reader.hpp"

namespace vigil::plugins::documents {
namespace {

constexpr std::size_t kMaxChunkLength = 0x7FFFFFFF;  // PNG 1.2 §5.3: lengths fit in 31 bits

// CRC-32 of PNG 1.2 Annex D (the ISO 3309 polynomial, reflected).
std::uint32_t crc32(std::span<const std::uint8_t> bytes) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1U) : c >> 1U;
      t[n] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFU;
  for (const auto b : bytes) c = table[(c ^ b) & 0xFFU] ^ (c >> 8U);
  return c ^ 0xFFFFFFFFU;
}

// Structure steps (a marker segment, a chunk, a block, a 0xFF in entropy-coded data) that one
// search may take. A hostile stream can make many candidates walk the same long chain of
// segments; the budget keeps the search linear in the stream's size.
class WorkBudget {
 public:
  explicit WorkBudget(std::size_t steps) : left_(steps) {}
  bool spend() {
    if (left_ == 0) return false;
    --left_;
    return true;
  }

 private:
  std::size_t left_;
};

constexpr std::size_t kBaseSteps = 1U << 16U;
constexpr Measured kOutOfWork{Measure::kOutOfWork, 0, false};

// A picture whose structure was recognised (it is a picture) but whose bytes end inside it.
Measured truncated_or_not(bool structured) {
  return {structured ? Measure::kTruncated : Measure::kNotPicture, 0, false};
}

bool is_sof(std::uint8_t m) {
  // T.81 Table B.1: SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

Measured measure_jpeg(std::span<const std::uint8_t> data, std::size_t offset, WorkBudget& w) {
  ByteReader r(data);
  if (!r.matches(offset, "\xFF\xD8\xFF")) return {};
  std::size_t pos = offset + 2;
  bool seen_sof = false;
  while (true) {
    if (!w.spend()) return kOutOfWork;
    if (!r.seek(pos) || r.remaining() < 2) return truncated_or_not(seen_sof);
    if (r.read_be<std::uint8_t>() != 0xFF) return {};
    std::uint8_t m = 0xFF;
    while (m == 0xFF && r.remaining() > 0) m = r.read_be<std::uint8_t>();  // fill bytes (B.1.1.2)
    if (m == 0xFF) return truncated_or_not(seen_sof);
    if (m == 0x00 || m == 0xD8) return {};
    if (m == 0xD9) {
      // EOI before any scan: a tables-only stream, not a picture.
      return {};
    }
    if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) {
      pos = r.pos();
      continue;
    }
    const std::size_t length = r.read_be<std::uint16_t>();
    if (!r.ok()) return truncated_or_not(seen_sof);
    if (length < 2) return {};
    if (is_sof(m)) seen_sof = true;
    pos = r.pos() - 2 + length;
    if (m != 0xDA) continue;
    if (!seen_sof) return {};
    // Entropy-coded data: 0xFF is followed by a stuffed 0x00, a restart marker or fill; any
    // other byte is the next marker (B.1.1.5). Progressive files have several scans.
    while (true) {
      if (!w.spend()) return kOutOfWork;
      if (pos >= data.size()) return truncated_or_not(true);
      const auto* start = data.data() + pos;
      const auto* ff =
          static_cast<const std::uint8_t*>(std::memchr(start, 0xFF, data.size() - pos));
      if (ff == nullptr || static_cast<std::size_t>(ff - data.data()) + 1 >= data.size())
        return truncated_or_not(true);
      pos = static_cast<std::size_t>(ff - data.data());
      const std::uint8_t next = data[pos + 1];
      if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
        pos += 2;
      } else if (next == 0xFF) {
        pos += 1;
      } else if (next == 0xD9) {
        return {Measure::kComplete, pos + 2 - offset, false};
      } else {
        break;  // a marker segment between scans (DHT, SOS, DNL...)
      }
    }
  }
}

Measured measure_png(std::span<const std::uint8_t> data, std::size_t offset, WorkBudget& w) {
  ByteReader r(data);
  if (!r.matches(offset, "\x89PNG\r\n\x1A\n")) return {};
  std::size_t pos = offset + 8;
  bool first = true;
  bool crc_mismatch = false;
  while (true) {
    if (!w.spend()) return kOutOfWork;
    r.seek(pos);
    const std::size_t length = r.read_be<std::uint32_t>();
    const auto type = r.read_bytes(4);
    if (!r.ok()) return truncated_or_not(!first);
    if (length > kMaxChunkLength) return {};
    for (const auto c : type) {
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return {};  // §5.4 type codes
    }
    const std::string_view name(reinterpret_cast<const char*>(type.data()), 4);
    if (first && (name != "IHDR" || length != 13)) return {};
    const auto body = r.at(pos + 4, 4 + length);  // type + data, the bytes the CRC covers
    if (!body || !r.seek(pos + 8 + length)) return truncated_or_not(!first);
    const std::uint32_t stored = r.read_be<std::uint32_t>();
    if (!r.ok()) return truncated_or_not(!first);
    if (crc32(*body) != stored) {
      // A wrong IHDR CRC means this was never a PNG; a later one is damage inside a PNG.
      if (first) return {};
      crc_mismatch = true;
    }
    first = false;
    pos = r.pos();
    if (name == "IEND") return {Measure::kComplete, pos - offset, crc_mismatch};
  }
}

// Skips GIF data sub-blocks (a size byte, that many bytes, ... a zero size byte).
bool skip_sub_blocks(ByteReader& r, WorkBudget& w, bool& out_of_work) {
  while (true) {
    if (!w.spend()) {
      out_of_work = true;
      return false;
    }
    const std::uint8_t n = r.read_be<std::uint8_t>();
    if (!r.ok()) return false;
    if (n == 0) return true;
    if (!r.skip(n)) return false;
  }
}

Measured measure_gif(std::span<const std::uint8_t> data, std::size_t offset, WorkBudget& w) {
  ByteReader r(data);
  if (!r.matches(offset, "GIF87a") && !r.matches(offset, "GIF89a")) return {};
  r.seek(offset + 6);
  const std::uint16_t width = r.read_le<std::uint16_t>();
  const std::uint16_t height = r.read_le<std::uint16_t>();
  const std::uint8_t flags = r.read_le<std::uint8_t>();
  r.skip(2);  // background colour index, pixel aspect ratio
  if (!r.ok()) return {};
  if (width == 0 || height == 0) return {};
  if ((flags & 0x80U) != 0 && !r.skip(3U * (2U << (flags & 7U)))) return truncated_or_not(true);
  bool seen_image = false;
  bool out_of_work = false;
  while (true) {
    if (!w.spend()) return kOutOfWork;
    const std::uint8_t block = r.read_le<std::uint8_t>();
    if (!r.ok()) return truncated_or_not(true);
    if (block == 0x3B) {
      if (!seen_image) return {};
      return {Measure::kComplete, r.pos() - offset, false};
    }
    if (block == 0x21) {
      r.skip(1);  // extension label
      if (!skip_sub_blocks(r, w, out_of_work))
        return out_of_work ? kOutOfWork : truncated_or_not(true);
    } else if (block == 0x2C) {
      r.skip(8);  // left, top, width, height
      const std::uint8_t image_flags = r.read_le<std::uint8_t>();
      if (!r.ok()) return truncated_or_not(true);
      if ((image_flags & 0x80U) != 0 && !r.skip(3U * (2U << (image_flags & 7U))))
        return truncated_or_not(true);
      const std::uint8_t code_size = r.read_le<std::uint8_t>();
      if (!r.ok()) return truncated_or_not(true);
      if (code_size < 2 || code_size > 11) return {};  // GIF89a §22: LZW minimum code size
      if (!skip_sub_blocks(r, w, out_of_work))
        return out_of_work ? kOutOfWork : truncated_or_not(true);
      seen_image = true;
    } else {
      return {};
    }
  }
}

Measured measure_bmp(std::span<const std::uint8_t> data, std::size_t offset) {
  ByteReader r(data);
  if (!r.matches(offset, "BM")) return {};
  r.seek(offset + 2);
  const std::uint32_t file_size = r.read_le<std::uint32_t>();
  r.skip(4);  // reserved
  const std::uint32_t bits_offset = r.read_le<std::uint32_t>();
  const std::uint32_t dib_size = r.read_le<std::uint32_t>();
  if (!r.ok()) return {};
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::uint16_t planes = 0;
  std::uint16_t bits = 0;
  if (dib_size == 12) {  // BITMAPCOREHEADER
    width = r.read_le<std::uint16_t>();
    height = r.read_le<std::uint16_t>();
  } else if (dib_size == 40 || dib_size == 52 || dib_size == 56 || dib_size == 64 ||
             dib_size == 108 || dib_size == 124) {  // BITMAPINFOHEADER and its successors
    width = static_cast<std::int32_t>(r.read_le<std::uint32_t>());
    height = static_cast<std::int32_t>(r.read_le<std::uint32_t>());
  } else {
    return {};
  }
  planes = r.read_le<std::uint16_t>();
  bits = r.read_le<std::uint16_t>();
  if (!r.ok()) return {};
  if (width <= 0 || height == 0 || planes != 1) return {};
  if (bits != 1 && bits != 4 && bits != 8 && bits != 16 && bits != 24 && bits != 32) return {};
  if (file_size < 14U + dib_size || bits_offset < 14U + dib_size || bits_offset > file_size)
    return {};
  if (file_size > data.size() - offset) return truncated_or_not(true);
  return {Measure::kComplete, file_size, false};
}

}  // namespace

std::string_view picture_extension(PictureKind k) {
  switch (k) {
    case PictureKind::kJpeg:
      return "jpg";
    case PictureKind::kPng:
      return "png";
    case PictureKind::kGif:
      return "gif";
    case PictureKind::kBmp:
      return "bmp";
  }
  return "bin";
}

namespace {
Measured measure_with(std::span<const std::uint8_t> data, std::size_t offset, PictureKind k,
                      WorkBudget& w) {
  if (offset >= data.size()) return {};
  switch (k) {
    case PictureKind::kJpeg:
      return measure_jpeg(data, offset, w);
    case PictureKind::kPng:
      return measure_png(data, offset, w);
    case PictureKind::kGif:
      return measure_gif(data, offset, w);
    case PictureKind::kBmp:
      return measure_bmp(data, offset);
  }
  return {};
}
}  // namespace

Measured measure_picture(std::span<const std::uint8_t> data, std::size_t offset, PictureKind k) {
  WorkBudget unlimited(SIZE_MAX);
  return measure_with(data, offset, k, unlimited);
}

PictureScan find_pictures(std::span<const std::uint8_t> data) {
  PictureScan out;
  WorkBudget budget(data.size() + kBaseSteps);
  std::size_t i = 0;
  while (i < data.size()) {
    PictureKind kind{};
    switch (data[i]) {
      case 0xFF:
        kind = PictureKind::kJpeg;
        break;
      case 0x89:
        kind = PictureKind::kPng;
        break;
      case 'G':
        kind = PictureKind::kGif;
        break;
      case 'B':
        kind = PictureKind::kBmp;
        break;
      default:
        ++i;
        continue;
    }
    const Measured m = measure_with(data, i, kind, budget);
    if (m.result == Measure::kOutOfWork) {
      out.out_of_work = true;
      out.stopped_at = i;
      return out;
    }
    if (m.result == Measure::kComplete) {
      out.pictures.push_back({kind, i, m.size, m.crc_mismatch});
      i += m.size;
      continue;
    }
    if (m.result == Measure::kTruncated) out.truncated.push_back({kind, i});
    ++i;
  }
  return out;
}

}  // namespace vigil::plugins::documents
