// Opening one of this build's modules (the media module, media_module.hpp; the video module,
// video_module.hpp): dlopen() at a path, then the table its one extern "C" entry function returns.
// The caller checks the table's ABI number and entries.
#pragma once

#include <dlfcn.h>

#include <string>

#include "vigil/core/result.hpp"

namespace vigil::pipeline::detail {

inline Error not_of_this_build(const std::string& path, const std::string& what) {
  return make_error(ErrorCode::kInternal,
                    path + " is not a " + what + " of this vigil build (rebuild it)");
}

// `what` names the module in messages ("media module"): "cannot load the media module: ..."
// when dlopen fails, "PATH is not a media module of this vigil build" when it has no entry.
template <typename Table>
Result<const Table*> open_module(const std::string& path, const char* entry_name,
                                 const std::string& what) {
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr)
    return make_error(ErrorCode::kNotFound, "cannot load the " + what + ": " + ::dlerror());
  using Entry = const Table* (*)();
  auto entry = reinterpret_cast<Entry>(::dlsym(handle, entry_name));
  const Table* table = entry != nullptr ? entry() : nullptr;
  if (table == nullptr) return not_of_this_build(path, what);
  return table;
}

}  // namespace vigil::pipeline::detail
