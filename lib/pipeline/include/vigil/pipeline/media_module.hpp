// The media module: everything that needs OpenCV (picture decoding, PDQ, pHash) lives in a shared
// library, libvigil_media.so, that vigil loads only when a command needs it. OpenCV as Debian
// builds it pulls in some 150 shared libraries (GDAL, GDCM, codecs), whose loading and relocation
// would otherwise be paid by every command, `vigil ls` included.
//
// The module is built from the same sources, by the same compiler, in the same build as the
// executable, so C++ types cross the boundary; kMediaModuleAbi guards against a stale module.
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "vigil/core/result.hpp"
#include "vigil/pipeline/analysers.hpp"

namespace vigil::pipeline {

inline constexpr int kMediaModuleAbi = 3;

// The options of `vigil hash` (cli/hash.cpp parses them; the module runs the command).
struct HashCommand {
  std::vector<std::string> paths;
  bool json = false;
  bool pdq_csv = false;
  bool dihedral = false;
  bool fast_triage = false;
  std::string pipeline = "canonical";
  std::uint64_t max_pixels = 100'000'000;
  bool accept_truncated = false;
  int threads = 0;  // 0: every core
};

// Runs `vigil hash`; returns the exit status.
int run_hash_command(const HashCommand& options);
Result<std::string> blurred_thumbnail(std::span<const std::uint8_t> bytes, int max_side);

struct MediaModule {
  int abi = 0;
  Analyser (*make_media_analyser)(const AnalysisSettings& settings,
                                  std::shared_ptr<OpenSets> sets) = nullptr;
  int (*run_hash)(const HashCommand& options) = nullptr;
  // A small, greyscale, heavily blurred PNG of a picture (report --thumbnails blurred).
  Result<std::string> (*blurred_thumbnail)(std::span<const std::uint8_t> bytes,
                                           int max_side) = nullptr;
};

// dlopen()s libvigil_media.so from beside the executable (or $VIGIL_MEDIA_MODULE) once; later
// calls return the same module.
Result<const MediaModule*> load_media_module();

// load_media_module() started on a thread of its own, so that the caller goes on meanwhile
// (loading and relocating the module's libraries takes about 0.15 s of CPU, as long as carving a
// GiB). Wait for it before any fork(): a fork while the thread loads would copy a half-loaded
// module.
std::shared_future<Result<const MediaModule*>> start_loading_media_module();

// The media analyser of a scan over a module still loading: the first item to analyse waits for
// it. A module that cannot be loaded ends the process there with one message and exit status 2,
// before that item is recorded (the scan's open batch is not committed).
Analyser media_analyser(std::shared_future<Result<const MediaModule*>> module,
                        const AnalysisSettings& settings, std::shared_ptr<OpenSets> sets);

}  // namespace vigil::pipeline
