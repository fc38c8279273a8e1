// The per-item analysers the scan runs after the digest pass: perceptual hashing of pictures
// (PDQ with its eight dihedral variants, OpenCV pHash) from the bytes already in memory, and
// matching of every item against known lists (exact digests; PDQ near matches within the
// threshold, quality-gated on both sides, through all eight variants).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vigil/case/case_store.hpp"
#include "vigil/hashset/hash_set.hpp"
#include "vigil/phash/pdq.hpp"  // header-only types; the code that uses them is in the module
#include "vigil/pipeline/perceptual_cache.hpp"
#include "vigil/pipeline/scan.hpp"

namespace vigil::pipeline {

struct AnalysisSettings {
  bool perceptual = true;  // PDQ + pHash of pictures
  phash::PdqPipeline pdq_pipeline = phash::PdqPipeline::kCanonical;
  std::uint64_t max_pixels = 100'000'000;
  int pdq_threshold = 31;
  int pdq_min_quality = 50;
  // Videos (keyframes hashed with PDQ when perceptual is on) near-match a listed vPDQ video when
  // at least this fraction of their usable keyframes is within pdq_threshold of its frames.
  double vpdq_fraction = 0.8;
  // Perceptual results shared by every item with the same bytes in this case (null: each item
  // is decoded on its own). Not a setting: the results are the same either way.
  std::shared_ptr<PerceptualCache> reuse;

  [[nodiscard]] std::string to_json() const;
};

// Known lists opened for a scan, with the case store ids of their releases.
struct OpenSets {
  hashset::HashSetGroup group;
  std::vector<std::int64_t> case_ids;  // parallel to group.sets()
};

// Opens each set folder and records its release in the case store.
Result<std::shared_ptr<OpenSets>> open_hash_sets(const std::vector<std::string>& paths,
                                                 case_store::CaseStore& store);

// Whether any open list holds MD5, SHA-1 or SHA-256 digests: then every item with content must
// get them (ScanSettings::list_digests), or a list naming a non-media file could never match.
bool holds_file_digests(const OpenSets& sets);

// The analyser to hand to scan_evidence; sets may be null (no known lists). Implemented in the
// media module (media_module.hpp): call it through load_media_module().
Analyser make_media_analyser_impl(const AnalysisSettings& settings, std::shared_ptr<OpenSets> sets);

}  // namespace vigil::pipeline
