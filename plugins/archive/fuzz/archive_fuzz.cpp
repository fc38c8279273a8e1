// libFuzzer target: any bytes, under each archive type the sniffer can give, through probe() and
// extract(): no crash, no leak, no read out of bounds (ASan/UBSan), no unbounded memory.
// Seeds: plugins/archive/fuzz/corpus (tiny archives of every kind, made by the unit tests' writer).
#include <cstddef>
#include <cstdint>

#include "archive/archive.hpp"
#include "vigil/extract/testing.hpp"
#include "vigil/sniff/sniff.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto extractor = vigil::plugins::make_archive_extractor();
  const auto prov = vigil::Provenance::evidence("fuzz");
  // The sniffed type, as the dispatcher would give it; bytes the sniffer does not call an
  // archive still go through extract() as "zip" so that every input reaches libarchive.
  auto type = vigil::sniff::sniff({data, size});
  if (type.category != vigil::sniff::Category::kArchive) {
    type = vigil::sniff::ContentType{"zip", vigil::sniff::Category::kArchive, "application/zip"};
  }
  const vigil::extract::ItemInput in{prov, "fuzz.bin", type, {data, size}, 0};
  // A 1 MiB child budget and 1,000 children: a dispatcher's limits, so that a bomb is cut.
  vigil::extract::testing::CollectingEmitter out(1 << 20, 1000);
  if (extractor->probe(in)) extractor->extract(in, out, {});
  return 0;
}
