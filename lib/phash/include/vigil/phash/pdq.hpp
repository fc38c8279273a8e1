// PDQ: Meta's open 256-bit perceptual hash with a 0-100 quality, as specified by the algorithm
// description in ThreatExchange's pdq/README and hashing.pdf (issue 5 restates it): float
// luminance, Jarosz tent-filter downsampling to 64x64, gradient quality, a 16x64 cosine matrix
// giving a 16x16 DCT block, median threshold. Written from that description (no reference code is
// copied); the reference's float operation order is kept so the bits are identical.
//
// Bit k (0..255) of PDQ is bit (k % 16) of 16-bit word k / 16; the hex string writes the words
// from 15 down to 0, so vigil::Hash256 (bytes in hex-string order) holds word w in bytes
// 2 * (15 - w) and 2 * (15 - w) + 1, high byte first.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/hash256.hpp"

namespace vigil::phash {

// Which picture PDQ sees. kCanonical hashes the full-resolution picture, as the Java and Python
// implementations do. kCli512 reproduces the reference command-line tool, which first resizes any
// picture over 512 px on a side to exactly 512 x 512 by nearest neighbour (src = floor(x * W /
// 512)); a compatibility pipeline for lists made with that tool.
enum class PdqPipeline { kCanonical, kCli512 };

// Stable names stored beside every hash: "pdq-fullres" and "pdq-cli512".
// Inline (no OpenCV behind them) so that the executable, which does not link the picture code,
// names and parses pipelines with the same functions as the media module.
inline std::string_view pdq_pipeline_name(PdqPipeline pipeline) {
  switch (pipeline) {
    case PdqPipeline::kCanonical:
      return "pdq-fullres";
    case PdqPipeline::kCli512:
      return "pdq-cli512";
  }
  return "pdq-unknown";
}
// Parses "canonical"/"fullres"/"pdq-fullres" and "cli512"/"pdq-cli512".
inline std::optional<PdqPipeline> parse_pdq_pipeline(std::string_view text) {
  if (text == "canonical" || text == "fullres" || text == "pdq-fullres")
    return PdqPipeline::kCanonical;
  if (text == "cli512" || text == "pdq-cli512") return PdqPipeline::kCli512;
  return std::nullopt;
}

// The eight dihedral variants, in the reference tool's order (pdq-photo-hasher --pdqdih-across).
enum class Dihedral {
  kOriginal = 0,
  kRotate90 = 1,  // counter-clockwise
  kRotate180 = 2,
  kRotate270 = 3,   // counter-clockwise
  kFlipX = 4,       // top/bottom
  kFlipY = 5,       // mirror left/right
  kFlipPlus1 = 6,   // transpose
  kFlipMinus1 = 7,  // anti-transpose
};
inline constexpr int kDihedralCount = 8;
std::string_view dihedral_name(Dihedral d);  // "original", "rotate90", ... "flipminus1"

// Images smaller than this on either side get no hash (the reference's MIN_HASHABLE_DIM).
inline constexpr int kPdqMinDimension = 5;

struct PdqResult {
  Hash256 hash;            // all zero when too_small
  int quality = 0;         // 0..100; match only at >= 50 by default
  std::string pipeline;    // pdq_pipeline_name() of the pipeline that produced it
  bool too_small = false;  // under kPdqMinDimension px on a side: no hash, quality 0
  // Hashes of the eight dihedral variants (index = Dihedral), when asked for; [0] == hash.
  std::optional<std::array<Hash256, kDihedralCount>> dihedral;
};

struct PdqOptions {
  PdqPipeline pipeline = PdqPipeline::kCanonical;
  bool dihedral = false;  // also compute the eight variants (cheap: sign flips of one DCT)
};

// Sets PDQ bit k (0..255) in a Hash256, and reads it; the mapping described above.
void set_pdq_bit(Hash256& hash, int k);
[[nodiscard]] bool pdq_bit(const Hash256& hash, int k);

// Hashes a picture given as row-major luminance. Keeps its scratch buffers between calls, so one
// hasher per thread avoids allocations; not thread-safe.
class PdqHasher {
 public:
  explicit PdqHasher(PdqOptions options = {}) : options_(options) {}

  [[nodiscard]] const PdqOptions& options() const { return options_; }

  // luma.size() must be width * height (checked; a mismatch gives too_small with quality 0).
  PdqResult hash_luma(std::span<const float> luma, int width, int height);

  // Luminance Y = 0.299 R + 0.587 G + 0.114 B in float, from interleaved 8-bit B,G,R (OpenCV's
  // order), row stride in bytes. A picture whose every pixel has R == G == B is taken as grey
  // (Y = the value), as the reference sees it after ImageMagick writes such a picture as PGM.
  PdqResult hash_bgr(const std::uint8_t* bgr, int width, int height, std::size_t stride);

 private:
  // Buffers reused between pictures: a few rows and strips of rows, the 64 kept columns, and the
  // 512 x 512 plane of the cli512 pipeline. Nothing of full picture size.
  struct Scratch {
    std::vector<float> luma, ring, pass2, strip_a, strip_b, sums, strip_sums, sampled, rows;
  };
  PdqOptions options_;
  Scratch scratch_;
};

// One-shot convenience over PdqHasher.
PdqResult pdq_from_luma(std::span<const float> luma, int width, int height,
                        const PdqOptions& options = {});

}  // namespace vigil::phash
