// PDQ near matching: Hamming distance at or under a threshold (default 31) between hashes whose
// quality reaches a minimum (default 50) on both sides, trying the query's eight dihedral variants
// so a mirrored or rotated copy is caught (it is ~128 bits from the plain hash and a few bits
// from the right variant).
#pragma once

#include <optional>

#include "vigil/core/hash256.hpp"
#include "vigil/phash/pdq.hpp"

namespace vigil::phash {

inline constexpr int kPdqDefaultThreshold = 31;
inline constexpr int kPdqDefaultMinQuality = 50;

// A PDQ hash can be valid only with 1..128 bits set: the median threshold sets a bit only for
// values strictly above the 128th-smallest of 256. All-zero hashes (the reference tool prints one
// for an undecodable file; ThreatExchange issue 1609) and heavier ones are malformed.
[[nodiscard]] bool is_valid_pdq_hash(const Hash256& hash);

struct PdqMatchOptions {
  int threshold = kPdqDefaultThreshold;
  int min_quality = kPdqDefaultMinQuality;
  bool dihedral = true;  // use the query's eight variants when it has them
};

enum class PdqMatchStatus {
  kNear,        // within the threshold
  kFar,         // valid and good enough, but farther than the threshold
  kLowQuality,  // one side below min_quality: not compared
  kInvalid,     // one side has no hash (too small) or a malformed hash: not compared
};

struct PdqMatch {
  PdqMatchStatus status = PdqMatchStatus::kInvalid;
  int distance = 256;                      // smallest distance over the variants tried
  Dihedral variant = Dihedral::kOriginal;  // the query variant that gave it
  [[nodiscard]] bool near() const { return status == PdqMatchStatus::kNear; }
};

// Compares a query with one candidate from a list. candidate_quality may be unknown (a list
// without qualities); then only the query's quality is gated.
[[nodiscard]] PdqMatch pdq_near(const PdqResult& query, const Hash256& candidate,
                                std::optional<int> candidate_quality,
                                const PdqMatchOptions& options = {});

}  // namespace vigil::phash
