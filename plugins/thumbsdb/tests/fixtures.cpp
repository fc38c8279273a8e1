#include "fixtures.hpp"

#include <algorithm>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace vigil::plugins::thumbsdb::fixtures {
namespace {

void put(Bytes& b, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

Bytes synthetic_jpeg(int width, int height, int seed) {
  cv::Mat m(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      // A fine pattern keeps larger pictures above the 4096-byte mini stream cutoff.
      const int v = ((x * 7 + seed) ^ (y * 13)) & 0xFF;
      m.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<std::uint8_t>(v),
                    static_cast<std::uint8_t>((x * 255 / width + seed * 29) % 256),
                    static_cast<std::uint8_t>((y * 255 / height) % 256));
    }
  }
  cv::circle(m, {width / 2, height / 2}, std::max(2, width / 4), {255, 255, 255}, -1);
  std::vector<std::uint8_t> out;
  cv::imencode(".jpg", m, out);
  return out;
}

Bytes catalog_stream(const std::vector<CatalogEntry>& entries, std::uint16_t version) {
  Bytes b;
  put(b, 16, 2);
  put(b, version, 2);
  put(b, entries.size(), 4);
  put(b, 96, 4);
  put(b, 96, 4);
  for (const auto& e : entries) {
    put(b, 16 + 2 * e.name.size() + 4, 4);
    put(b, e.index, 4);
    put(b, e.filetime, 8);
    for (const char c : e.name) put(b, static_cast<std::uint8_t>(c), 2);
    put(b, 0, 4);
  }
  return b;
}

std::string xp_stream_name(std::uint32_t index) {
  std::string s = std::to_string(index);
  std::reverse(s.begin(), s.end());
  return s;
}

Bytes thumbnail_stream(const Bytes& picture, std::uint32_t header_size) {
  Bytes b;
  put(b, header_size, 4);
  put(b, 1, 4);
  put(b, picture.size(), 4);
  b.resize(header_size, 0);
  b.insert(b.end(), picture.begin(), picture.end());
  return b;
}

}  // namespace vigil::plugins::thumbsdb::fixtures
