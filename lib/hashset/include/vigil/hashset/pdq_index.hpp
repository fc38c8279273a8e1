// Exact-recall near search over 256-bit perceptual hashes (PDQ) by multi-index hashing
// (Norouzi, Punjani, Fleet: "Fast Search in Hamming Space with Multi-Index Hashing", CVPR 2012).
// The hash is cut into 16 words of 16 bits. If two hashes differ in at most T bits, then by the
// pigeonhole principle at least one word differs in at most floor(T/16) bits; so enumerating, for
// every word of the query, all values within that radius and verifying each candidate with the
// full distance finds every stored hash within T: no approximate misses. FAISS's
// IndexBinaryMultiHash does the same, but it would pull a large dependency for one loop, so this is
// written by hand.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "vigil/core/hash256.hpp"
#include "vigil/core/result.hpp"

namespace vigil::hashset {

struct PdqHit {
  std::uint32_t index = 0;  // position of the stored hash in the index
  int distance = 0;         // Hamming distance to the query
  friend bool operator==(const PdqHit&, const PdqHit&) = default;
};

class PdqIndex {
 public:
  // The largest threshold the multi-index answers itself: radius 3 per word enumerates 697 values
  // per word. At radius 4 (T = 64..79) the probes would already reach about 0.6 n candidates, each
  // a random read, so above this threshold search() scans all hashes in order instead: slower on a
  // large set, but the same exact answer.
  static constexpr int kMaxIndexedThreshold = 63;
  // The largest threshold accepted (vigil's --pdq-threshold range 0..128: two unrelated PDQ hashes
  // differ in about 128 bits, so a larger threshold matches nearly everything).
  static constexpr int kMaxThreshold = 128;

  PdqIndex();
  ~PdqIndex();
  PdqIndex(PdqIndex&&) noexcept;
  PdqIndex& operator=(PdqIndex&&) noexcept;

  // Builds in memory (about 100 bytes per hash while building, 96 afterwards).
  static PdqIndex build(std::vector<Hash256> hashes);
  // Writes the index to one file; open() maps it read-only.
  [[nodiscard]] Result<void> write(const std::filesystem::path& path) const;
  [[nodiscard]] static Result<PdqIndex> open(const std::filesystem::path& path);

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] const Hash256& hash(std::size_t i) const;
  [[nodiscard]] std::span<const Hash256> hashes() const;

  // Every stored hash within `threshold` (0..kMaxThreshold) of q, sorted by (distance, index):
  // by the multi-index up to kMaxIndexedThreshold, by a linear scan above it. A threshold out of
  // range yields an empty result.
  [[nodiscard]] std::vector<PdqHit> search(const Hash256& q, int threshold) const;
  // The same answer by a linear scan: the reference the tests and the benchmark compare with.
  [[nodiscard]] static std::vector<PdqHit> brute_force(std::span<const Hash256> hashes,
                                                       const Hash256& q, int threshold);

  struct Impl;  // public name so that helpers in the implementation file can take it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::hashset
