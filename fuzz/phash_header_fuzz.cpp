// libFuzzer target: the picture header parsers (lib/phash image_header.cpp) read hostile bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "vigil/phash/image_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  (void)vigil::phash::sniff_image_format(bytes);
  auto header = vigil::phash::read_image_header(bytes);
  if (header.ok() && (header->width == 0 || header->height == 0)) __builtin_trap();
  return 0;
}
