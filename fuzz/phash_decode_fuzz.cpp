// libFuzzer target: header check, decode from memory (lib/phash/src/codecs.hpp: libjpeg-turbo,
// libpng, libtiff, libwebp, giflib and our BMP reader) and PDQ + pHash on
// whatever decodes. The pixel cap is small so the fuzzer spends its time on parsing.
#include <cstddef>
#include <cstdint>
#include <span>

#include "vigil/phash/decode.hpp"
#include "vigil/phash/opencv_phash.hpp"
#include "vigil/phash/pdq.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto image = vigil::phash::decode_image(std::span<const std::uint8_t>(data, size),
                                          vigil::phash::DecodeLimits{1'000'000});
  if (!image.ok()) return 0;
  vigil::phash::PdqHasher hasher({vigil::phash::PdqPipeline::kCanonical, true});
  const auto& bgr = image->bgr;
  auto pdq = hasher.hash_bgr(bgr.data, bgr.cols, bgr.rows, bgr.step[0]);
  if (!pdq.too_small && pdq.hash.popcount() > 128) __builtin_trap();
  (void)vigil::phash::opencv_phash(bgr);
  return 0;
}
