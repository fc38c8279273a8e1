// libFuzzer target: any bytes through exiv2 as each picture type the exif extractor reads; no
// crash, leak or out-of-bounds read (ASan/UBSan). Seeds: plugins/exif/fuzz/corpus/.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "exif/exif.hpp"
#include "vigil/extract/testing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto extractor = vigil::plugins::make_exif_extractor();
  static constexpr std::array<std::string_view, 5> kTypes = {"jpeg", "tiff", "png", "webp", "heic"};
  const auto prov = vigil::Provenance::evidence("fuzz");
  // The first byte picks the declared type, as sniff would: exiv2 still decides by content.
  vigil::sniff::ContentType type;
  type.name = kTypes[size > 0 ? data[0] % kTypes.size() : 0];
  const vigil::extract::ItemInput in{prov, "fuzz", type, {data, size}, 0};
  vigil::extract::testing::CollectingEmitter out(1 << 20, 1000);
  if (extractor->probe(in)) extractor->extract(in, out, {});
  return 0;
}
