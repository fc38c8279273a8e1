// The measured error rates of PDQ matching, as docs/perceptual-accuracy.md states them. The
// document is compiled into vigil (so a report always cites the figures of the build that made
// it) and parsed here; every report cites them, with the document's version, beside its near
// matches (known error rates: Daubert v. Merrell Dow Pharmaceuticals, 509 U.S. 579 (1993)).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::report {

struct AccuracyRow {
  std::string transform;      // "JPEG quality 30"
  std::string near_rate;      // "300/300 (100.0 %)": near matches with the eight variants tried
  std::string plain_rate;     // "100.0 %": with the plain hash alone
  std::string mean_distance;  // as written
  int matched = -1;
  int total = -1;
  int max_distance = -1;
  int below_quality = -1;
};

struct AccuracyFigures {
  std::string source = "docs/perceptual-accuracy.md";
  std::string version;  // the document's "Version:" line, e.g. "1.0"
  std::string caption;  // what was measured: pictures, pipeline, threshold, quality gate
  int threshold = -1;   // the PDQ threshold the rates were measured at
  int min_quality = -1;
  std::vector<AccuracyRow> rows;  // recall under each transformation
  std::uint64_t pairs = 0;        // distinct pairs of originals compared
  std::uint64_t false_plain = 0, false_variants = 0;
  std::string false_plain_rate, false_variants_rate;  // as written, e.g. "0.0000 %"
  int smallest_distance = -1;                         // between two distinct originals
  std::string false_line;                             // the document's sentence

  // Every figure the report cites was found.
  [[nodiscard]] bool complete() const {
    return !version.empty() && threshold >= 0 && !rows.empty() && pairs > 0 &&
           smallest_distance >= 0;
  }
};

AccuracyFigures parse_accuracy(std::string_view markdown);

// The document as compiled into this build, and its figures.
std::string_view accuracy_document();
const AccuracyFigures& measured_accuracy();

}  // namespace vigil::report
