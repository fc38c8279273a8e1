// The media module: everything that needs OpenCV (PDQ, pHash, and the picture decoders beside
// them) lives in a shared library, libvigil_media.so, that vigil loads only when a command needs
// it, so that `vigil ls` and the like never pay for loading its 70 shared libraries. (OpenCV
// imgcodecs and videoio, some 180 libraries more as Debian builds them, are not in it: pictures
// decode through their own libraries, lib/phash/src/codecs.hpp, and videos through the video
// module, src/video_module.hpp, loaded with the first video.)
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

// Begins load_media_module() on a thread of its own, once per process (later calls do nothing),
// so that the caller goes on meanwhile (loading and relocating the module's libraries takes about
// 0.02 s of CPU). The dynamic loader's lock is held for the whole
// load, and a thread created meanwhile waits for it (glibc sets up its TLS under that lock): begin
// once the threads that must run at once are started (scan_evidence: the verification's, the
// carving's). Never before a fork(): a fork while the thread loads would copy a half-loaded
// module.
void begin_loading_media_module();

// Starts oneTBB on the calling thread, once per process: its allocator and its scheduler, which
// open libraries with dlopen() when they start (the scalable allocator, the OpenMP runtime TBB
// coordinates with), so that the first TBB arena or container made during the module's load
// does not wait for all of it. begin_loading_media_module() calls it; scan_evidence calls it
// before its carving thread starts, so that what TBB allocates here is ordered before that
// thread's pipelines (thread creation), for ThreadSanitizer too.
void start_tbb();

// The media analyser of a scan over a module that may still be loading: the first item to
// analyse waits for it (and begins the load if nothing has). A module that cannot be loaded ends
// the process there with one message and exit status 2, before that item is recorded (the
// scan's open batch is not committed).
Analyser media_analyser(const AnalysisSettings& settings, std::shared_ptr<OpenSets> sets);

}  // namespace vigil::pipeline
