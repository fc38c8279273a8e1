// libFuzzer target: video keyframe hashing from bytes in memory (OpenCV videoio's FFmpeg backend
// over a memfd, then PDQ of the frames it decodes). The caps are small so that the fuzzer spends
// its time on container and stream parsing rather than on long videos.
#include <cstddef>
#include <cstdint>
#include <span>

#include "vigil/phash/video.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vigil::phash::VideoOptions options;
  options.max_keyframes = 4;
  options.max_video_seconds = 10;
  options.max_wall_seconds = 5;
  options.max_frame_pixels = 1'000'000;
  auto hashes =
      vigil::phash::hash_video_keyframes(std::span<const std::uint8_t>(data, size), options);
  if (hashes && static_cast<int>(hashes->frames.size()) > options.max_keyframes) __builtin_trap();
  return 0;
}
