// libFuzzer target: any bytes through the thumbsdb extractor (libolecf and the Catalog and
// thumbnail stream parsers), typed as sniff would ("thumbsdb" or "ole2" by the first byte); no
// crash, leak, hang or out-of-bounds read (ASan/UBSan). Seeds: plugins/thumbsdb/fuzz/corpus/.
#include <cstddef>
#include <cstdint>

#include "thumbsdb/thumbsdb.hpp"
#include "vigil/extract/testing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto extractor = vigil::plugins::make_thumbsdb_extractor();
  const auto prov = vigil::Provenance::evidence("fuzz");
  vigil::sniff::ContentType type;
  type.name = size > 8 && (data[8] & 1U) != 0 ? "thumbsdb" : "ole2";
  const vigil::extract::ItemInput in{prov, "fuzz", type, {data, size}, 0};
  vigil::extract::testing::CollectingEmitter out(1 << 20, 1000);
  if (extractor->probe(in)) extractor->extract(in, out, {});
  return 0;
}
