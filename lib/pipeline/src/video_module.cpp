// The video module's one entry point (video_module.hpp), resolved with dlsym by
// load_video_module().
#include "video_module.hpp"

namespace {

vigil::Result<vigil::phash::VideoHashes> hash_keyframes(std::span<const std::uint8_t> bytes,
                                                        const vigil::phash::VideoOptions& options) {
  return vigil::phash::hash_video_keyframes(bytes, options);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const vigil::pipeline::VideoModule*
vigil_video_module() {
  static const vigil::pipeline::VideoModule kModule{vigil::pipeline::kVideoModuleAbi,
                                                    &hash_keyframes};
  return &kModule;
}
