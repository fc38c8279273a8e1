// Extraction settings: the limits the scan enforces on items inside items (issue 12). Each limit
// reached is a counted `limit` warning on the item where it was reached, naming the limit and
// its value; every limit is a scan option and is recorded in the run's settings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::extract {
class Extractor;
}

namespace vigil::pipeline {

struct ExtractionLimits {
  // Nesting: a file-system entry is depth 0, its children depth 1. Items at max_depth are
  // recorded, digested and analysed, but not extracted further.
  int max_depth = 8;
  // Children one item may emit (all extractors together).
  std::uint64_t max_children = 1'000'000;
  // Total bytes of an item's children over the item's own size: catches overlapping-member
  // bombs, which one layer of DEFLATE (at most ~1032:1) cannot reach legitimately.
  double max_ratio = 1000.0;
  // The largest child kept: the extractors' child_byte_budget() never exceeds it.
  std::uint64_t max_child_bytes = 256ULL << 20;
  // All descendants of one file-system entry together: bounds nested bombs (42.zip).
  std::uint64_t max_total_bytes = 16ULL << 30;
  // Children are processed in batches of at most this many / this many bytes (whichever comes
  // first), each batch spread over every worker; only their small records outlive the batch.
  std::uint64_t batch_children = 256;
  std::uint64_t batch_bytes = 64ULL << 20;

  // Canonical JSON (keys sorted) for the run record.
  [[nodiscard]] std::string to_json() const;
};

// The extractors a scan runs (in registry order) and its limits.
struct ExtractionSettings {
  std::vector<const extract::Extractor*> extractors;
  ExtractionLimits limits;
  // The records of children wait for their top-level item to be stored; past this many rows in
  // one list they wait in an unlinked spool file in spool_dir ("" = $TMPDIR or /tmp), so memory
  // stays bounded whatever an item holds. Neither changes a result (not in the run record).
  std::uint64_t spool_rows = 512;
  std::string spool_dir;

  // [{"name":..., "version":...}, ...]
  [[nodiscard]] std::string extractors_json() const;
};

}  // namespace vigil::pipeline
