// vigil_exif_fixtures DIR: writes the exif extractor's fixtures for end-to-end tests
// (tests/fixtures.hpp has the values):
//   exif_gps.jpg        320x240 synthetic JPEG with every field, GPS and an EXIF thumbnail
//   exif_gps.png        the same fields in a PNG (eXIf/zTXt chunks, as exiv2 writes them)
//   exif_gps.heic       the same fields in a HEIC (libheif writes it, 128x96)
//   exif_thumbnail.jpg  the thumbnail embedded in all three, byte for byte
#include <fstream>
#include <iostream>
#include <string>

#include "fixtures.hpp"

namespace fx = vigil::plugins::exif::fixtures;

namespace {
bool write(const std::string& path, const fx::Bytes& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  return static_cast<bool>(f);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: vigil_exif_fixtures DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  const bool ok =
      write(dir + "/exif_gps.jpg", fx::with_full_metadata(fx::synthetic(".jpg", 320, 240, 1))) &&
      write(dir + "/exif_gps.png", fx::with_full_metadata(fx::synthetic(".png", 320, 240, 2))) &&
      write(dir + "/exif_gps.heic", fx::heic_with_full_metadata(128, 96, 3)) &&
      write(dir + "/exif_thumbnail.jpg", fx::thumbnail());
  if (!ok) {
    std::cerr << "vigil_exif_fixtures: cannot write into " << dir << "\n";
    return 2;
  }
  return 0;
}
