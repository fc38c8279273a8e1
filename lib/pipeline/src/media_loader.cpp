#include <oneapi/tbb/cache_aligned_allocator.h>
#include <oneapi/tbb/task_arena.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <cstdlib>
#include <future>
#include <iostream>
#include <mutex>
#include <string>

#include "module_entry.hpp"
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
    auto m = detail::open_module<MediaModule>(path, "vigil_media_module", "media module");
    if (!m) {
      loaded = m.error();
      return;
    }
    if ((*m)->abi != kMediaModuleAbi || (*m)->make_media_analyser == nullptr ||
        (*m)->run_hash == nullptr || (*m)->blurred_thumbnail == nullptr) {
      loaded = detail::not_of_this_build(path, "media module");
      return;
    }
    loaded = *m;
  });
  return loaded;
}

namespace {

std::once_flag g_loading_begun;
// The load's result; the last copy's destructor (at exit) waits for a load still running.
std::shared_future<Result<const MediaModule*>> g_loading;

}  // namespace

void start_tbb() {
  static std::once_flag started;
  std::call_once(started, [] {
    tbb::cache_aligned_allocator<char> tbb_allocator;
    tbb_allocator.deallocate(tbb_allocator.allocate(1), 1);
    tbb::task_arena().execute([] {});
  });
}

void begin_loading_media_module() {
  std::call_once(g_loading_begun, [] {
    start_tbb();
    g_loading = std::async(std::launch::async, [] { return load_media_module(); }).share();
  });
}

Analyser media_analyser(const AnalysisSettings& settings, std::shared_ptr<OpenSets> sets) {
  struct Deferred {
    std::once_flag made;
    Analyser analyser;
    AnalysisSettings settings;
    std::shared_ptr<OpenSets> sets;
  };
  auto d = std::make_shared<Deferred>();
  d->settings = settings;
  d->sets = std::move(sets);
  return [d](const ItemView& item, case_store::ItemRecord& record, case_store::ItemExtras& extras,
             std::vector<case_store::WarningRecord>& warnings) {
    std::call_once(d->made, [&d] {
      begin_loading_media_module();
      const auto& loaded = g_loading.get();
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
