// Video keyframe hashing and vPDQ-style matching (issue 5, "Video").
//
// Keyframes: the frames are decoded in order through OpenCV videoio (FFmpeg backend); up to
// `examine_per_second` frames a second are hashed with PDQ, and one is kept as a keyframe when it
// is the first, when `interval_s` has passed since the last keyframe, or when its PDQ distance to
// the last keyframe exceeds `scene_change_distance` (a scene change); keyframes are never closer
// than 1 / max_keyframes_per_second. Each keyframe carries its timestamp (frame number / frame
// rate, as Meta's vPDQ writes it) and frame number.
//
// Matching follows vPDQ (ThreatExchange vpdq/README: a video matches when enough of its frames
// are within the PDQ threshold of some frame of the other video, with a quality gate on both
// sides). Frames are compared in their plain orientation only (vPDQ has no dihedral variants).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "vigil/core/hash256.hpp"
#include "vigil/core/result.hpp"
#include "vigil/phash/pdq.hpp"

namespace vigil::phash {

struct VideoOptions {
  double interval_s = 1.0;                // a keyframe at least this often
  int scene_change_distance = 31;         // PDQ bits from the last keyframe that start a new one
  double max_keyframes_per_second = 4;    // cap: keyframes are at least 1/this seconds apart
  double examine_per_second = 8;          // frames hashed a second to look for scene changes
  int max_keyframes = 3600;               // cap per video; the rest is not hashed (truncated)
  double max_video_seconds = 4 * 3600.0;  // cap on video time examined
  double max_wall_seconds = 120;          // cap on decoding time per video
  std::uint64_t max_frame_pixels = 100'000'000;  // a bigger frame size is an error
  PdqPipeline pipeline = PdqPipeline::kCanonical;
};

struct VideoFrameHash {
  double timestamp_s = 0;  // frame_number / frame rate (or the container's time without a rate)
  int frame_number = 0;    // 0-based index in decode order
  PdqResult pdq;
};

struct VideoHashes {
  std::vector<VideoFrameHash> frames;  // the keyframes, in time order
  double fps = 0;                      // the container's frame rate (0 when unknown)
  int width = 0, height = 0;
  std::int64_t frames_decoded = 0;  // frames read from the stream
  std::int64_t frames_hashed = 0;   // frames hashed (examined), keyframes included
  bool truncated = false;           // a cap stopped the walk; truncation_reason says which
  std::string truncation_reason;
};

// Hashes the keyframes of a video held in memory. OpenCV's VideoCapture opens only paths and URLs,
// so the bytes are written to an anonymous memory file (memfd_create) opened as /proc/self/fd/N;
// nothing touches the disk. A video that does not open, has no decodable frame, or has frames
// larger than max_frame_pixels is an Error (kFormat / kLimit): the caller makes it a warning. The
// frame size the stream declares is checked right after opening, before any frame is read.
[[nodiscard]] Result<VideoHashes> hash_video_keyframes(std::span<const std::uint8_t> bytes,
                                                       const VideoOptions& options = {});
// The same for a file on disk.
[[nodiscard]] Result<VideoHashes> hash_video_file(const std::filesystem::path& path,
                                                  const VideoOptions& options = {});

// "vpdq-frame@12.345": the case store pipeline name that keeps each keyframe's row unique.
std::string vpdq_frame_pipeline(double timestamp_s);

// One frame of a video as matching sees it (a keyframe, or a line of a vPDQ list).
struct VpdqFrame {
  Hash256 hash;
  int quality = -1;  // -1: unknown (a list without qualities); not gated
  double timestamp_s = 0;
};

VpdqFrame to_vpdq_frame(const VideoFrameHash& frame);

struct VpdqMatchOptions {
  int threshold = 31;     // PDQ Hamming distance
  int min_quality = 50;   // frames below it on either side are left out
  double fraction = 0.8;  // of the query's usable frames that must match
};

struct VpdqMatch {
  bool near = false;             // query_frames > 0 && query_fraction >= options.fraction
  int query_frames = 0;          // query frames with a valid hash and enough quality
  int matched_query_frames = 0;  // of those, within the threshold of some usable listed frame
  int listed_frames = 0;         // listed frames with a valid hash and enough quality
  int matched_listed_frames = 0;
  double query_fraction = 0;   // matched_query_frames / query_frames
  double listed_fraction = 0;  // matched_listed_frames / listed_frames
  // The worst (largest) of the best distances of the matched query frames, and that pair.
  int worst_distance = -1;
  int worst_query_index = -1, worst_listed_index = -1;
};

// Brute force over all pairs (popcount of 256 bits): a 3600 x 3600 comparison is ~13 M popcounts.
[[nodiscard]] VpdqMatch vpdq_match(std::span<const VpdqFrame> query,
                                   std::span<const VpdqFrame> listed,
                                   const VpdqMatchOptions& options = {});

}  // namespace vigil::phash
