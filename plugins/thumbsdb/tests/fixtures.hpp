// Thumbs.db fixtures built by our own code: the XP kind (a Catalog stream and thumbnail streams
// named by the reversed decimal index, each with a 12-byte header) and the Windows 7 network
// share kind ("256_<hex>"/"96_<hex>" streams with a 24-byte header), holding synthetic JPEGs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vigil/olecf/testing/cfb_writer.hpp"

namespace vigil::plugins::thumbsdb::fixtures {

// OLE compound files come from the shared test writer (lib/olecf/testing).
using olecf::testing::Bytes;
using olecf::testing::make_cfb;
using olecf::testing::Stream;
using CfbDamage = olecf::testing::CfbOptions;

Bytes synthetic_jpeg(int width, int height, int seed);

struct CatalogEntry {
  std::uint32_t index = 0;
  std::uint64_t filetime = 0;
  std::string name;  // ASCII, written as UTF-16LE
};

// The Catalog stream: 16-byte header (header size, version, count, width, height), then entries
// (entry size, index, FILETIME, UTF-16LE name, 4 zero bytes).
Bytes catalog_stream(const std::vector<CatalogEntry>& entries, std::uint16_t version = 7);
// The stream name of an XP thumbnail: its index's decimal digits reversed (1 -> "1", 10 -> "01").
std::string xp_stream_name(std::uint32_t index);
// A thumbnail stream: header (header size, 1, data size, zero-filled to header_size) + data.
Bytes thumbnail_stream(const Bytes& picture, std::uint32_t header_size);

}  // namespace vigil::plugins::thumbsdb::fixtures
