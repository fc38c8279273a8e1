// Test fixture writer: thumbcache_*.db files of every header version and thumbcache_idx.db
// index files, laid out as the libwtcdb format document describes (see src/thumbcache.cpp),
// holding synthetic pictures drawn by OpenCV.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::plugins::thumbcache::fixtures {

using Bytes = std::vector<std::uint8_t>;

// Synthetic pictures (shapes and gradients; `seed` varies them).
Bytes synthetic_jpeg(int width, int height, int seed);
Bytes synthetic_png(int width, int height, int seed);
Bytes synthetic_bmp(int width, int height, int seed);

struct Entry {
  std::uint64_t cache_id = 0;
  std::string identifier;  // ASCII, written as UTF-16LE
  std::string extension;   // version 20 only, up to 4 ASCII characters
  std::uint32_t width = 0;
  std::uint32_t height = 0;  // version 30+ only
  std::uint32_t padding = 0;
  Bytes data;
  bool break_header_checksum = false;
  bool break_data_checksum = false;
};

// A cache file: the 24-byte header, the entries in order, then (when free_bytes > 0) the first
// available entry, all zeros after its signature and size, spanning free_bytes.
Bytes make_cache(std::uint32_t version, std::uint32_t cache_type, const std::vector<Entry>& entries,
                 std::uint32_t free_bytes = 0);
// Offset of entry `i` in make_cache's output.
std::size_t entry_offset(std::uint32_t version, const std::vector<Entry>& entries, std::size_t i);
// An index file (IMMM) with `total` entries, the first `used` of them holding an id.
Bytes make_index(std::uint32_t version, std::uint32_t used, std::uint32_t total);

}  // namespace vigil::plugins::thumbcache::fixtures
