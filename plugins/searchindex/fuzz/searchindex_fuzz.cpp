// libFuzzer target: any bytes through probe() and extract() of the search index reader (SQLite
// through sqlite3_deserialize, ESE through libesedb); no crash, leak, hang or read out of
// bounds, whatever the input.
#include <cstddef>
#include <cstdint>

#include "searchindex/searchindex.hpp"
#include "vigil/extract/testing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto extractor = vigil::plugins::make_searchindex_extractor();
  const auto prov = vigil::Provenance::evidence("fuzz");
  const vigil::sniff::ContentType type;
  const vigil::extract::ItemInput in{prov, "fuzz", type, {data, size}, 0};
  vigil::extract::testing::CollectingEmitter out(1 << 20, 1000);
  if (extractor->probe(in)) extractor->extract(in, out, {});
  return 0;
}
