// Carving settings: pictures carved out of the space no file claims (issue 14): the unallocated
// blocks of every file system, disk space that no partition covers, the slack of files, and a
// whole image in which nothing was recognised. Each limit reached is a counted `limit` warning
// with the provenance of the volume (or file) where it was reached; every setting is a scan
// option and is recorded in the run's settings.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::pipeline {

// The formats carved, in this order everywhere below: jpeg, png, gif, bmp, webp.
inline constexpr std::array<std::string_view, 5> kCarveFormats{"jpeg", "png", "gif", "bmp", "webp"};

struct CarvingSettings {
  bool enabled = true;  // --no-carve turns it off
  bool slack = true;    // carve the slack of allocated files too
  // Carved pictures per volume (its unallocated space and its files' slack together); then the
  // volume's search stops.
  std::uint64_t max_items = 100'000;
  // Seconds of carving per volume (0: no limit). The only limit whose effect depends on the
  // machine: a scan that reaches it says so in a warning.
  double max_seconds = 3600;
  // The largest carve per format (kCarveFormats order): a picture that runs past it is kept up
  // to it as a partial item.
  std::array<std::uint64_t, 5> max_bytes{64ULL << 20, 64ULL << 20, 32ULL << 20, 256ULL << 20,
                                         32ULL << 20};
  // Signatures are searched in windows of this many bytes, each read with look-ahead bytes after
  // it (for the validators and the search for a JPEG's continuation). Workers carve windows in
  // parallel; memory in flight is about threads x (window + look_ahead).
  std::uint64_t window = 32ULL << 20;
  std::uint64_t look_ahead = 8ULL << 20;
  // The largest slack read per file, and the most unallocated runs listed per volume.
  std::uint64_t max_slack = 16ULL << 20;
  std::uint64_t max_runs = 10'000'000;

  // Canonical JSON (keys sorted) for the run record and the report.
  [[nodiscard]] std::string to_json() const;
};

}  // namespace vigil::pipeline
