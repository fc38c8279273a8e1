// libFuzzer target: any bytes through the documents extractor's probe() and extract() (OOXML
// through libarchive, OLE through libolecf, PDF through libqpdf, and the picture finder); no
// crash, leak or out-of-bounds read (ASan/UBSan). Seeds: plugins/documents/fuzz/corpus/.
#include <cstddef>
#include <cstdint>

#include "documents/documents.hpp"
#include "vigil/extract/testing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto extractor = vigil::plugins::make_documents_extractor();
  const auto prov = vigil::Provenance::evidence("fuzz");
  const vigil::sniff::ContentType type;
  const vigil::extract::ItemInput in{prov, "fuzz", type, {data, size}, 0};
  vigil::extract::testing::CollectingEmitter out(1 << 20, 1000);
  if (extractor->probe(in)) extractor->extract(in, out, {});
  return 0;
}
