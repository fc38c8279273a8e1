// libFuzzer target: any bytes through each validator at offset 0 and through the carve extractor
// (every offset); no crash, leak, hang or out-of-bounds read (ASan/UBSan). A validator's answer
// must stay inside its input. Seeds: plugins/carve/fuzz/corpus/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "carve/carve.hpp"
#include "vigil/extract/testing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace carve = vigil::plugins::carve;
  const std::span<const std::uint8_t> bytes(data, size);
  for (std::size_t f = 0; f < carve::kFormats; ++f) {
    const auto v = carve::validate(static_cast<carve::Format>(f), bytes);
    if (v.length > size) std::abort();
  }
  static const auto extractor = vigil::plugins::make_carve_extractor();
  const auto prov = vigil::Provenance::evidence("fuzz");
  const vigil::sniff::ContentType type;
  const vigil::extract::ItemInput in{prov, "fuzz", type, bytes, 0};
  vigil::extract::testing::CollectingEmitter out(1 << 20, 1000);
  if (extractor->probe(in)) extractor->extract(in, out, {});
  return 0;
}
