#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <cstdlib>
#include <mutex>
#include <string>

#include "vigil/pipeline/media_module.hpp"

namespace vigil::pipeline {
namespace {

std::string module_path() {
  if (const char* env = std::getenv("VIGIL_MEDIA_MODULE"); env != nullptr && *env != '\0')
    return env;
  std::array<char, PATH_MAX> buf{};
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  std::string dir = n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : std::string();
  dir = dir.substr(0, dir.find_last_of('/') + 1);
  return dir + "libvigil_media.so";
}

}  // namespace

Result<const MediaModule*> load_media_module() {
  static std::once_flag once;
  static Result<const MediaModule*> loaded = make_error(ErrorCode::kInternal, "not loaded");
  std::call_once(once, [] {
    const std::string path = module_path();
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      loaded = make_error(ErrorCode::kNotFound,
                          std::string("cannot load the media module: ") + ::dlerror());
      return;
    }
    using Entry = const MediaModule* (*)();
    auto entry = reinterpret_cast<Entry>(::dlsym(handle, "vigil_media_module"));
    const MediaModule* m = entry != nullptr ? entry() : nullptr;
    if (m == nullptr || m->abi != kMediaModuleAbi || m->make_media_analyser == nullptr ||
        m->run_hash == nullptr || m->blurred_thumbnail == nullptr) {
      loaded = make_error(ErrorCode::kInternal,
                          path + " is not a media module of this vigil build (rebuild it)");
      return;
    }
    loaded = m;
  });
  return loaded;
}

}  // namespace vigil::pipeline
