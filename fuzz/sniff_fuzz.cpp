// libFuzzer target: content sniffing and extension checks over arbitrary leading bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "vigil/sniff/sniff.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  // The first bytes double as a file name so that name-dependent paths are reached too.
  const std::string_view name(reinterpret_cast<const char*>(data), size < 16 ? size : 16);
  const auto type = vigil::sniff::sniff(bytes, name);
  (void)vigil::sniff::extension_mismatch(type, name);
  return 0;
}
