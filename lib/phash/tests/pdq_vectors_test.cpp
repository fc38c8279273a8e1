// Conformance of PDQ against every vector in testdata/reference/pdq (see its README.md): lossless
// PNGs bit-exact with quality in both pipelines and all eight dihedral variants; JPEG and WebP
// with reference quality >= 80 within 2 bits (a different JPEG/WebP decoder path may round a few
// pixels differently).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "vigil/phash/decode.hpp"
#include "vigil/phash/pdq.hpp"

namespace vigil::phash {
namespace {

const std::string kVectorDir = std::string(VIGIL_SOURCE_DIR) + "/testdata/reference/pdq/";

struct Vector {
  std::string path;
  std::string cpp_ref;
  int cpp_quality = 0;
  std::string fullres;
  int fullres_quality = 0;
};

// The leading comma-separated fields of a CSV line (only the last column may be quoted).
std::vector<std::string> fields(const std::string& line, std::size_t n) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (out.size() < n) {
    const auto comma = line.find(',', start);
    out.push_back(
        line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<Vector> load_manifest() {
  std::ifstream in(kVectorDir + "manifest.csv");
  std::vector<Vector> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    auto f = fields(line, 9);
    if (f.size() < 9) continue;
    rows.push_back({f[0], f[3], std::stoi(f[4]), f[6], std::stoi(f[7])});
  }
  return rows;
}

std::map<std::string, std::vector<std::string>> load_dihedral() {
  std::ifstream in(kVectorDir + "dihedral.csv");
  std::map<std::string, std::vector<std::string>> rows;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    auto f = fields(line, 10);
    if (f.size() < 10) continue;
    rows[f[0]] = std::vector<std::string>(f.begin() + 1, f.begin() + 9);
  }
  return rows;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int distance_hex(const Hash256& h, const std::string& hex) {
  auto ref = Hash256::from_hex(hex);
  return ref ? hamming_distance(h, *ref) : 256;
}

std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(PdqVectors, EveryVectorMatchesTheReference) {
  const auto manifest = load_manifest();
  const auto dihedral = load_dihedral();
  ASSERT_EQ(manifest.size(), 49u) << "manifest.csv not found or changed under " << kVectorDir;
  ASSERT_EQ(dihedral.size(), 49u);

  PdqHasher canonical({PdqPipeline::kCanonical, true});
  PdqHasher cli({PdqPipeline::kCli512, true});
  int lossless = 0, lossless_exact = 0, lossy_checked = 0, max_lossy = 0, dihedral_exact = 0;
  for (const auto& v : manifest) {
    SCOPED_TRACE(v.path);
    const auto bytes = read_bytes(kVectorDir + v.path);
    ASSERT_FALSE(bytes.empty());
    auto decoded = decode_image(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
    const cv::Mat& img = decoded->bgr;
    const PdqResult full = canonical.hash_bgr(img.data, img.cols, img.rows, img.step[0]);
    const PdqResult c512 = cli.hash_bgr(img.data, img.cols, img.rows, img.step[0]);
    EXPECT_EQ(full.pipeline, "pdq-fullres");
    EXPECT_EQ(c512.pipeline, "pdq-cli512");
    ASSERT_TRUE(full.dihedral.has_value());
    ASSERT_TRUE(c512.dihedral.has_value());
    EXPECT_EQ((*full.dihedral)[0], full.hash);
    const int d_full = distance_hex(full.hash, v.fullres);
    const int d_cli = distance_hex(c512.hash, v.cpp_ref);
    if (ends_with(v.path, ".png")) {
      ++lossless;
      EXPECT_EQ(full.hash.to_hex(), v.fullres);
      EXPECT_EQ(full.quality, v.fullres_quality);
      EXPECT_EQ(c512.hash.to_hex(), v.cpp_ref);
      EXPECT_EQ(c512.quality, v.cpp_quality);
      if (d_full == 0 && d_cli == 0 && full.quality == v.fullres_quality &&
          c512.quality == v.cpp_quality)
        ++lossless_exact;
      // dihedral.csv comes from the reference CLI, so it is compared with the cli512 pipeline.
      const auto& dh = dihedral.at(v.path);
      int equal = 0;
      for (int d = 0; d < kDihedralCount; ++d) {
        EXPECT_EQ((*c512.dihedral)[d].to_hex(), dh[d]) << dihedral_name(static_cast<Dihedral>(d));
        equal += (*c512.dihedral)[d].to_hex() == dh[d] ? 1 : 0;
      }
      if (equal == kDihedralCount) ++dihedral_exact;
    } else if (v.cpp_quality >= 80) {
      ++lossy_checked;
      EXPECT_LE(d_full, 2);
      EXPECT_LE(d_cli, 2);
      EXPECT_GE(full.quality, 80);
      max_lossy = std::max({max_lossy, d_full, d_cli});
      const auto& dh = dihedral.at(v.path);
      for (int d = 0; d < kDihedralCount; ++d)
        EXPECT_LE(distance_hex((*c512.dihedral)[d], dh[d]), 2)
            << dihedral_name(static_cast<Dihedral>(d));
    }
    std::cout << v.path << " d_fullres=" << d_full << " d_cli512=" << d_cli << " q=" << full.quality
              << "/" << c512.quality << " (ref " << v.fullres_quality << "/" << v.cpp_quality
              << ")\n";
  }
  std::cout << "lossless exact: " << lossless_exact << "/" << lossless
            << ", dihedral exact: " << dihedral_exact << "/" << lossless
            << ", lossy checked: " << lossy_checked << ", max lossy distance: " << max_lossy
            << "\n";
  EXPECT_EQ(lossless, 7);
  EXPECT_EQ(lossless_exact, lossless);
}

}  // namespace
}  // namespace vigil::phash
