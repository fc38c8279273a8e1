// A small OLE compound file writer for the thumbsdb tests ([MS-CFB] version 3, 512-byte
// sectors): streams in the root storage, those under 4096 bytes in the mini stream (64-byte
// mini sectors, as Windows stores most XP thumbnails), the others in regular sectors. It can
// damage the file on purpose: a FAT chain that loops back on itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::plugins::thumbsdb::fixtures {

using Bytes = std::vector<std::uint8_t>;

struct Stream {
  std::string name;  // ASCII, up to 31 characters
  Bytes data;
};

struct CfbDamage {
  // In the first stream of 4096 bytes or more, the second sector's FAT entry points back to
  // the stream's first sector (a loop, before the chain covers the stream's size).
  bool loop_big_stream_chain = false;
  // Likewise in the mini FAT chain of the first small stream of two mini sectors or more.
  bool loop_mini_chain = false;
};

Bytes make_cfb(const std::vector<Stream>& streams, CfbDamage damage = {});

}  // namespace vigil::plugins::thumbsdb::fixtures
