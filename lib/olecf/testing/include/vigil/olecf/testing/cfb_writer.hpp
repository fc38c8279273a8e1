// Test support: a small OLE compound file writer ([MS-CFB] version 3, 512-byte sectors) for the
// tests and fixture programs of every reader of these files (plugins/documents, plugins/thumbsdb
// and any later one). Streams live in the root storage; those under 4096 bytes go in the mini
// stream (64-byte mini sectors, as Windows stores most XP thumbnails), the others in regular
// sectors. It can damage the file on purpose: FAT or mini FAT chains that loop.
// Specification: [MS-CFB] Compound File Binary File Format,
// https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-cfb/
// Built only with the tests (vigil_olecf_testing); never linked into vigil itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::olecf::testing {

using Bytes = std::vector<std::uint8_t>;

struct Stream {
  std::string name;  // ASCII, up to 31 characters
  Bytes data;
};

struct CfbOptions {
  // Streams shorter than the mini stream cutoff (4096 bytes) are padded with zeros to it, so
  // that every stream lives in regular sectors (no mini stream).
  bool pad_to_regular = false;
  // Directory entries in [MS-CFB] §2.6.4 order (by name length, then upper-cased name), so that
  // the chain of right siblings is a valid (if unbalanced) tree; otherwise in the given order.
  bool sort_names = false;
  // In the first stream of 4096 bytes or more, the second sector's FAT entry points back to
  // the stream's first sector (a loop, before the chain covers the stream's size).
  bool loop_big_stream_chain = false;
  // Likewise in the mini FAT chain of the first small stream of two mini sectors or more.
  bool loop_mini_chain = false;
};

Bytes make_cfb(std::vector<Stream> streams, const CfbOptions& options = {});

}  // namespace vigil::olecf::testing
