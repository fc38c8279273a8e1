// vigil_thumbcache_fixtures DIR: writes thumbcache_<version>.db for every header version
// (20, 21, 30, 31, 32) and thumbcache_idx.db, holding synthetic pictures (tests/writer.cpp).
#include <cstdio>
#include <fstream>
#include <string>

#include "writer.hpp"

namespace fx = vigil::plugins::thumbcache::fixtures;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: vigil_thumbcache_fixtures DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  auto write = [&dir](const std::string& name, const fx::Bytes& b) {
    std::ofstream f(dir + "/" + name, std::ios::binary);
    f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    return f.good();
  };
  for (const std::uint32_t v : {20U, 21U, 30U, 31U, 32U}) {
    std::vector<fx::Entry> e(3);
    e[0].cache_id = 0x1122334455667788ULL;
    e[0].identifier = "1122334455667788";
    e[0].extension = "jpg";
    e[0].width = 32;
    e[0].height = 24;
    e[0].data = fx::synthetic_jpeg(32, 24, static_cast<int>(v));
    e[1].cache_id = 0x482d656ee647f25eULL;
    e[1].identifier = "482d656ee647f25e";
    e[2].cache_id = 0xabcdefULL;
    e[2].identifier = "abcdef";
    e[2].width = 16;
    e[2].height = 16;
    e[2].padding = 2;
    e[2].data = fx::synthetic_png(16, 16, static_cast<int>(v) + 1);
    if (!write("thumbcache_" + std::to_string(v) + ".db", fx::make_cache(v, 1, e, 64))) return 1;
  }
  return write("thumbcache_idx.db", fx::make_index(32, 2, 4)) ? 0 : 1;
}
