// load_video_module() (video_module.hpp), compiled into the media module.
#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string>

#include "module_entry.hpp"
#include "video_module.hpp"

namespace vigil::pipeline {
namespace {

// Beside the media module itself: the directory of the object that holds this function.
std::string module_path() {
  if (const char* env = std::getenv("VIGIL_VIDEO_MODULE"); env != nullptr && *env != '\0')
    return env;
  Dl_info info{};
  std::string dir;
  if (::dladdr(reinterpret_cast<void*>(&module_path), &info) != 0 && info.dli_fname != nullptr)
    dir = info.dli_fname;
  dir = dir.substr(0, dir.find_last_of('/') + 1);
  return dir + "libvigil_video.so";
}

}  // namespace

Result<const VideoModule*> load_video_module() {
  static std::once_flag once;
  static Result<const VideoModule*> loaded = make_error(ErrorCode::kInternal, "not loaded");
  std::call_once(once, [] {
    const std::string path = module_path();
    auto m = detail::open_module<VideoModule>(path, "vigil_video_module", "video module");
    if (!m) {
      loaded = m.error();
      return;
    }
    if ((*m)->abi != kVideoModuleAbi || (*m)->hash_keyframes == nullptr) {
      loaded = detail::not_of_this_build(path, "video module");
      return;
    }
    loaded = *m;
  });
  return loaded;
}

}  // namespace vigil::pipeline
