// vigil_thumbsdb_fixtures DIR: writes Thumbs_xp.db (Catalog and thumbnail streams, both in the
// mini stream and in regular sectors) and Thumbs_win7.db (256_/96_ streams), with synthetic
// JPEGs (tests/fixtures.cpp).
#include <cstdio>
#include <fstream>
#include <string>

#include "fixtures.hpp"

namespace fx = vigil::plugins::thumbsdb::fixtures;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: vigil_thumbsdb_fixtures DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  auto write = [&dir](const std::string& name, const fx::Bytes& b) {
    std::ofstream f(dir + "/" + name, std::ios::binary);
    f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    return f.good();
  };
  constexpr std::uint64_t kTime = (1714566896ULL + 11644473600ULL) * 10'000'000ULL;
  const fx::Bytes a = fx::synthetic_jpeg(24, 24, 1);
  const fx::Bytes b = fx::synthetic_jpeg(40, 30, 2);
  const bool xp = write(
      "Thumbs_xp.db",
      fx::make_cfb({{"Catalog", fx::catalog_stream({{1, kTime, "one.jpg"}, {2, kTime, "two.jpg"}})},
                    {"1", fx::thumbnail_stream(a, 12)},
                    {"2", fx::thumbnail_stream(b, 12)}}));
  const bool w7 = write("Thumbs_win7.db",
                        fx::make_cfb({{"96_00000000000abcde", fx::thumbnail_stream(a, 24)},
                                      {"256_00000000000abcde", fx::thumbnail_stream(b, 24)}}));
  return xp && w7 ? 0 : 1;
}
