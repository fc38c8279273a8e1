// thumbcache: Windows Explorer thumbnail caches (thumbcache_*.db, Vista to Windows 11): every
// entry's cache id, identifier, sizes and CRC-64 checks, and its picture as a child item
// (plugins/thumbcache/README.md).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "vigil/extract/extractor.hpp"

namespace vigil::plugins {

std::unique_ptr<extract::Extractor> make_thumbcache_extractor();

namespace thumbcache {
// The CRC-64 of thumbcache entries (reflected, table in thumbcache.dll; README.md), from `init`,
// with no final XOR. Exposed for the tests and the fixture writer.
std::uint64_t crc64(std::span<const std::uint8_t> bytes, std::uint64_t init = ~0ULL);
}  // namespace thumbcache

}  // namespace vigil::plugins
