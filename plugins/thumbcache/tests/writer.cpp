#include "writer.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "thumbcache/thumbcache.hpp"

namespace vigil::plugins::thumbcache::fixtures {
namespace {

cv::Mat draw(int width, int height, int seed) {
  cv::Mat m(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      m.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<std::uint8_t>((x * 255 / width + seed * 37) % 256),
                    static_cast<std::uint8_t>((y * 255 / height + seed * 11) % 256),
                    static_cast<std::uint8_t>((seed * 53) % 256));
    }
  }
  cv::circle(m, {width / 3 + seed % 7, height / 2}, std::max(2, width / 5), {255, 255, 255}, -1);
  cv::rectangle(m, {width / 2, height / 4}, {width - 2, height - 3 - seed % 5}, {0, 0, 0}, 2);
  return m;
}

Bytes encode(const std::string& ext, const cv::Mat& m) {
  std::vector<std::uint8_t> out;
  cv::imencode(ext, m, out);
  return out;
}

void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void put64(Bytes& b, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

Bytes utf16(const std::string& s) {
  Bytes out;
  for (const char c : s) {
    out.push_back(static_cast<std::uint8_t>(c));
    out.push_back(0);
  }
  return out;
}

std::size_t header_size(std::uint32_t version) { return version == 21 ? 48 : 56; }

Bytes make_entry(std::uint32_t version, const Entry& e) {
  const Bytes id = utf16(e.identifier);
  const std::size_t hs = header_size(version);
  Bytes b(hs + id.size() + e.padding + e.data.size(), 0);
  b[0] = 'C';
  b[1] = 'M';
  b[2] = 'M';
  b[3] = 'M';
  put32(b, 4, static_cast<std::uint32_t>(b.size()));
  put64(b, 8, e.cache_id);
  std::size_t at = 16;
  if (version == 20) {
    const Bytes ext = utf16(e.extension.substr(0, 4));
    std::copy(ext.begin(), ext.end(), b.begin() + 16);
    at = 24;
  }
  put32(b, at, static_cast<std::uint32_t>(id.size()));
  put32(b, at + 4, e.padding);
  put32(b, at + 8, static_cast<std::uint32_t>(e.data.size()));
  if (version >= 30) {
    put32(b, 28, e.width);
    put32(b, 32, e.height);
  }
  const std::size_t data_crc_at = version == 21 ? 32 : 40;
  std::uint64_t dcrc = e.data.empty() ? 0 : crc64(e.data);
  if (e.break_data_checksum) dcrc ^= 1;
  put64(b, data_crc_at, dcrc);
  std::copy(id.begin(), id.end(), b.begin() + static_cast<std::ptrdiff_t>(hs));
  std::copy(e.data.begin(), e.data.end(),
            b.begin() + static_cast<std::ptrdiff_t>(hs + id.size() + e.padding));
  std::uint64_t hcrc = crc64(std::span(b).first(data_crc_at + 8));
  if (e.break_header_checksum) hcrc ^= 0x100;
  put64(b, data_crc_at + 8, hcrc);
  return b;
}

}  // namespace

Bytes synthetic_jpeg(int width, int height, int seed) {
  return encode(".jpg", draw(width, height, seed));
}
Bytes synthetic_png(int width, int height, int seed) {
  return encode(".png", draw(width, height, seed));
}
Bytes synthetic_bmp(int width, int height, int seed) {
  return encode(".bmp", draw(width, height, seed));
}

std::size_t entry_offset(std::uint32_t version, const std::vector<Entry>& entries, std::size_t i) {
  std::size_t at = 24;
  for (std::size_t k = 0; k < i; ++k) at += make_entry(version, entries[k]).size();
  return at;
}

Bytes make_cache(std::uint32_t version, std::uint32_t cache_type, const std::vector<Entry>& entries,
                 std::uint32_t free_bytes) {
  Bytes b(24, 0);
  b[0] = 'C';
  b[1] = 'M';
  b[2] = 'M';
  b[3] = 'M';
  put32(b, 4, version);
  put32(b, 8, cache_type);
  put32(b, 12, 24);  // first entry
  for (const auto& e : entries) {
    const Bytes eb = make_entry(version, e);
    b.insert(b.end(), eb.begin(), eb.end());
  }
  put32(b, 16, static_cast<std::uint32_t>(b.size()));  // first available entry
  if (version == 20 || version == 21) put32(b, 20, static_cast<std::uint32_t>(entries.size()));
  if (free_bytes >= 8) {
    const std::size_t at = b.size();
    b.resize(at + free_bytes, 0);
    b[at] = 'C';
    b[at + 1] = 'M';
    b[at + 2] = 'M';
    b[at + 3] = 'M';
    put32(b, at + 4, free_bytes);
  }
  return b;
}

Bytes make_index(std::uint32_t version, std::uint32_t used, std::uint32_t total) {
  const bool old = version < 30;
  const std::size_t entry_size = version == 20   ? 40
                                 : version == 21 ? 32
                                 : version == 30 ? 56
                                 : version == 31 ? 64
                                                 : 72;
  const std::size_t hs = old ? 24 : 28;
  Bytes b(hs + total * entry_size, 0);
  const std::size_t sig = old ? 0 : 4;
  b[sig] = 'I';
  b[sig + 1] = 'M';
  b[sig + 2] = 'M';
  b[sig + 3] = 'M';
  put32(b, sig + 4, version);
  put32(b, old ? 12 : 20, used);
  put32(b, old ? 16 : 24, total);
  for (std::uint32_t i = 0; i < used; ++i) put64(b, hs + i * entry_size, 0x1000 + i);
  return b;
}

}  // namespace vigil::plugins::thumbcache::fixtures
