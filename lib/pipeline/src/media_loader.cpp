#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <cstdlib>
#include <future>
#include <iostream>
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

std::shared_future<Result<const MediaModule*>> start_loading_media_module() {
  return std::async(std::launch::async, [] { return load_media_module(); }).share();
}

Analyser media_analyser(std::shared_future<Result<const MediaModule*>> module,
                        const AnalysisSettings& settings, std::shared_ptr<OpenSets> sets) {
  struct Deferred {
    std::shared_future<Result<const MediaModule*>> module;
    std::once_flag made;
    Analyser analyser;
    AnalysisSettings settings;
    std::shared_ptr<OpenSets> sets;
  };
  auto d = std::make_shared<Deferred>();
  d->module = std::move(module);
  d->settings = settings;
  d->sets = std::move(sets);
  return [d](const ItemView& item, case_store::ItemRecord& record, case_store::ItemExtras& extras,
             std::vector<case_store::WarningRecord>& warnings) {
    std::call_once(d->made, [&d] {
      const auto& loaded = d->module.get();
      if (!loaded) {
        std::cerr << "vigil: " << loaded.error().message << "\n";
        std::_Exit(2);  // an installation fault, not the evidence's: nothing more is recorded
      }
      d->analyser = (*loaded)->make_media_analyser(d->settings, d->sets);
    });
    d->analyser(item, record, extras, warnings);
  };
}

}  // namespace vigil::pipeline
