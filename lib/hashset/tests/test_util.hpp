// Helpers shared by the hashset tests: temporary folders and the known-list samples.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <unistd.h>

namespace vigil::hashset::testing {

// The known-list samples, one per format, written by testdata/hashsets/make_samples.py into a
// folder of this process (tests run in parallel) the first time a test asks; removed at exit.
// A missing tool fails the test with the script's message, which names the Debian package.
class SampleDir {
 public:
  SampleDir()
      : path_(std::filesystem::path(VIGIL_BINARY_DIR) / "hashset-test-tmp" /
              ("samples." + std::to_string(::getpid()))) {
    const std::string cmd = "python3 '" VIGIL_SOURCE_DIR "/testdata/hashsets/make_samples.py' '" +
                            path_.string() + "' 2>&1";
    if (std::system(cmd.c_str()) != 0)
      ADD_FAILURE() << "testdata/hashsets/make_samples.py failed (needs Debian's python3 and "
                       "sleuthkit): "
                    << cmd;
  }
  ~SampleDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline const std::filesystem::path& samples() {
  static const SampleDir dir;
  return dir.path();
}

// A fresh folder under the build tree, removed when the test ends.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ =
        std::filesystem::path(VIGIL_BINARY_DIR) / "hashset-test-tmp" /
        (std::string(info->test_suite_name()) + "." + info->name() + "." + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path write(const std::string& name,
                                            const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace vigil::hashset::testing
