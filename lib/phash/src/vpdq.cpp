// vPDQ matching of keyframe hashes, and the case store's names for keyframe rows. Kept apart
// from video.cpp, whose decoding needs OpenCV videoio (the video module, loaded only when a scan
// meets a video).
#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <vector>

#include "vigil/phash/match.hpp"
#include "vigil/phash/video.hpp"

namespace vigil::phash {
namespace {

int distance64(const Hash256& a, const Hash256& b) {
  int n = 0;
  for (std::size_t i = 0; i < 32; i += 8) {
    std::uint64_t x = 0, y = 0;
    std::memcpy(&x, a.bytes.data() + i, 8);
    std::memcpy(&y, b.bytes.data() + i, 8);
    n += std::popcount(x ^ y);
  }
  return n;
}

bool usable(const VpdqFrame& f, int min_quality) {
  if (f.quality >= 0 && f.quality < min_quality) return false;
  return is_valid_pdq_hash(f.hash);
}

}  // namespace

std::string vpdq_frame_pipeline(double timestamp_s) {
  return fmt::format("vpdq-frame@{:.3f}", timestamp_s);
}

VpdqFrame to_vpdq_frame(const VideoFrameHash& frame) {
  return {frame.pdq.hash, frame.pdq.too_small ? 0 : frame.pdq.quality, frame.timestamp_s};
}

VpdqMatch vpdq_match(std::span<const VpdqFrame> query, std::span<const VpdqFrame> listed,
                     const VpdqMatchOptions& options) {
  VpdqMatch m;
  std::vector<std::size_t> lis;
  for (std::size_t j = 0; j < listed.size(); ++j)
    if (usable(listed[j], options.min_quality)) lis.push_back(j);
  m.listed_frames = static_cast<int>(lis.size());
  std::vector<std::uint8_t> listed_hit(listed.size(), 0);
  for (std::size_t i = 0; i < query.size(); ++i) {
    if (!usable(query[i], options.min_quality)) continue;
    ++m.query_frames;
    int best = 257;
    std::size_t best_j = 0;
    for (std::size_t j : lis) {
      const int d = distance64(query[i].hash, listed[j].hash);
      if (d <= options.threshold) listed_hit[j] = 1;
      if (d < best) {
        best = d;
        best_j = j;
      }
    }
    if (best > options.threshold) continue;
    ++m.matched_query_frames;
    if (best > m.worst_distance) {
      m.worst_distance = best;
      m.worst_query_index = static_cast<int>(i);
      m.worst_listed_index = static_cast<int>(best_j);
    }
  }
  for (auto h : listed_hit) m.matched_listed_frames += h;
  if (m.query_frames > 0) m.query_fraction = double(m.matched_query_frames) / m.query_frames;
  if (m.listed_frames > 0) m.listed_fraction = double(m.matched_listed_frames) / m.listed_frames;
  m.near = m.query_frames > 0 && m.query_fraction >= options.fraction - 1e-12;
  return m;
}

}  // namespace vigil::phash
