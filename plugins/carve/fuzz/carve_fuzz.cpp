// libFuzzer target: any bytes through each structure validator at offset 0, each decoder (the
// JPEG one also as two segments cut where the first byte says), carve_span with a small
// fragment alignment (so that bifragment gap carving runs on small inputs) and through the
// carve extractor (every offset); no crash, leak, hang or out-of-bounds read (ASan/UBSan). A
// validator's answer must stay inside its input, a carve's fragments inside the span and their
// lengths add up to its bytes. Seeds: plugins/carve/fuzz/corpus/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "carve/carve.hpp"
#include "carve/src/decode.hpp"
#include "vigil/extract/testing.hpp"

namespace {

namespace carve = vigil::plugins::carve;

class Check final : public carve::Sink {
 public:
  Check(std::uint64_t base, std::size_t size) : base_(base), size_(size) {}
  bool carved(const carve::Carved& c) override {
    std::uint64_t sum = 0;
    for (const auto& f : c.fragments) {
      if (f.offset < base_ || f.offset + f.length > base_ + size_) std::abort();
      sum += f.length;
    }
    if (c.fragments.empty() || sum != c.bytes.size() || c.offset != c.fragments[0].offset) {
      std::abort();
    }
    return true;
  }
  void warn(std::string, std::string) override {}

 private:
  std::uint64_t base_;
  std::size_t size_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  for (std::size_t f = 0; f < carve::kFormats; ++f) {
    const auto v = carve::validate(static_cast<carve::Format>(f), bytes);
    if (v.length > size) std::abort();
  }
  carve::Limits limits;
  limits.max_decode_pixels = 1 << 22;
  limits.max_decode_memory = 64 << 20;
  const auto j = carve::detail::decode_jpeg(bytes, {}, limits);
  if (j.stopped_at > size) std::abort();
  if (size > 1) {
    const std::size_t cut = data[0] % size;
    const auto two = carve::detail::decode_jpeg(bytes.subspan(0, cut), bytes.subspan(cut), limits);
    if (two.stopped_at > size) std::abort();
  }
  carve::detail::decode_gif(bytes, limits);
  carve::detail::decode_webp(bytes, limits);
  // Gap carving on small inputs: 16-byte alignment, a base that is not a multiple of it.
  limits.fragment_alignment = 16;
  limits.max_gap = 4096;
  limits.max_gap_decodes = 16;
  Check sink(7, size);
  carve::carve_span(bytes, size / 2 + 1, 7, limits, sink);
  static const auto extractor = vigil::plugins::make_carve_extractor();
  const auto prov = vigil::Provenance::evidence("fuzz");
  const vigil::sniff::ContentType type;
  const vigil::extract::ItemInput in{prov, "fuzz", type, bytes, 0};
  vigil::extract::testing::CollectingEmitter out(1 << 20, 1000);
  if (extractor->probe(in)) extractor->extract(in, out, {});
  return 0;
}
