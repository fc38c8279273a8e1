// Replay driver for the libFuzzer targets in the normal (gcc) build: calls the target's
// LLVMFuzzerTestOneInput once on every file of the folders given, the way libFuzzer runs a
// corpus (https://llvm.org/docs/LibFuzzer.html, "Running"), without the fuzzing engine. CTest
// runs each target over its committed seed corpus and its regression inputs, so every change
// exercises every parser on them. A crash, abort or sanitizer report fails the test; so does a
// replay that found no input at all, so that a moved or emptied corpus cannot pass silently.
//
//   <target>_replay DIR_OR_FILE...
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Optional in a target, as in libFuzzer.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

// Files a replay reads from a folder: regular files, sorted by name, without the folder's
// README (regression folders document their inputs beside them).
bool collect(const fs::path& arg, std::vector<fs::path>& out) {
  std::error_code ec;
  if (fs::is_regular_file(arg, ec)) {
    out.push_back(arg);
    return true;
  }
  if (!fs::is_directory(arg, ec)) {
    std::fprintf(stderr, "replay: %s: not a file or folder\n", arg.c_str());
    return false;
  }
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (it->is_regular_file(ec) && !name.starts_with("README") && !name.starts_with("."))
      files.push_back(it->path());
  }
  if (ec) {
    std::fprintf(stderr, "replay: %s: %s\n", arg.c_str(), ec.message().c_str());
    return false;
  }
  std::sort(files.begin(), files.end());
  out.insert(out.end(), files.begin(), files.end());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    if (!collect(argv[i], inputs)) return 1;
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no input in the folders given: nothing was tested\n");
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  std::uintmax_t bytes = 0;
  for (const auto& p : inputs) {
    std::ifstream in(p, std::ios::binary);
    const std::vector<char> data((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) {
      std::fprintf(stderr, "replay: %s: cannot read\n", p.c_str());
      return 1;
    }
    // Printed before the call, so that the input of a crash is the last line of the log.
    std::printf("replay: %s (%zu bytes)\n", p.c_str(), data.size());
    std::fflush(stdout);
    // A copy of exactly `size` bytes, so that a read past the end is past the allocation.
    std::vector<std::uint8_t> copy(data.begin(), data.end());
    LLVMFuzzerTestOneInput(copy.empty() ? nullptr : copy.data(), copy.size());
    bytes += copy.size();
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  std::printf("replay: %zu inputs, %ju bytes, %lld ms, no crash\n", inputs.size(), bytes,
              static_cast<long long>(ms));
  return 0;
}
