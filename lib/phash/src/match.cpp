#include "vigil/phash/match.hpp"

namespace vigil::phash {

bool is_valid_pdq_hash(const Hash256& hash) {
  const int weight = hash.popcount();
  return weight >= 1 && weight <= 128;
}

PdqMatch pdq_near(const PdqResult& query, const Hash256& candidate,
                  std::optional<int> candidate_quality, const PdqMatchOptions& options) {
  PdqMatch m;
  if (query.too_small || !is_valid_pdq_hash(query.hash) || !is_valid_pdq_hash(candidate)) {
    m.status = PdqMatchStatus::kInvalid;
    return m;
  }
  if (query.quality < options.min_quality ||
      (candidate_quality && *candidate_quality < options.min_quality)) {
    m.status = PdqMatchStatus::kLowQuality;
    return m;
  }
  m.distance = hamming_distance(query.hash, candidate);
  if (options.dihedral && query.dihedral) {
    // Ties keep the earliest variant, so the plain hash wins when it is as close as any.
    for (int d = 1; d < kDihedralCount; ++d) {
      const int dist = hamming_distance((*query.dihedral)[d], candidate);
      if (dist < m.distance) {
        m.distance = dist;
        m.variant = static_cast<Dihedral>(d);
      }
    }
  }
  m.status = m.distance <= options.threshold ? PdqMatchStatus::kNear : PdqMatchStatus::kFar;
  return m;
}

}  // namespace vigil::phash
