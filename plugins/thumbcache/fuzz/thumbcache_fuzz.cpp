// libFuzzer target: any bytes through the thumbcache extractor (cache and index files); no crash,
// leak, hang or out-of-bounds read (ASan/UBSan). Seeds: plugins/thumbcache/fuzz/corpus/.
#include <cstddef>
#include <cstdint>

#include "thumbcache/thumbcache.hpp"
#include "vigil/extract/testing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto extractor = vigil::plugins::make_thumbcache_extractor();
  const auto prov = vigil::Provenance::evidence("fuzz");
  vigil::sniff::ContentType type;
  type.name = "thumbcache";
  const vigil::extract::ItemInput in{prov, "fuzz", type, {data, size}, 0};
  vigil::extract::testing::CollectingEmitter out(1 << 20, 1000);
  if (extractor->probe(in)) extractor->extract(in, out, {});
  return 0;
}
