// The video module: keyframe hashing (phash/video.hpp) over OpenCV videoio, in a shared library of
// its own, libvigil_video.so, which the media module loads the first time a scan meets a video.
// videoio brings some 110 shared libraries (FFmpeg and its codecs); loading them cost every scan
// about 0.06 s of CPU when they came with the media module, videos or not (issue 14).
//
// Built from the same sources by the same compiler as the media module, so C++ types cross the
// boundary; kVideoModuleAbi guards against a stale module.
#pragma once

#include <cstdint>
#include <span>

#include "vigil/core/result.hpp"
#include "vigil/phash/video.hpp"

namespace vigil::pipeline {

inline constexpr int kVideoModuleAbi = 1;

struct VideoModule {
  int abi = 0;
  Result<phash::VideoHashes> (*hash_keyframes)(std::span<const std::uint8_t> bytes,
                                               const phash::VideoOptions& options) = nullptr;
};

// dlopen()s libvigil_video.so from beside the media module (or $VIGIL_VIDEO_MODULE) once; later
// calls return the same module, or the same error.
Result<const VideoModule*> load_video_module();

}  // namespace vigil::pipeline
