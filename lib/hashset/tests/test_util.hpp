// Helpers shared by the hashset tests: temporary folders and sample paths.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace vigil::hashset::testing {

inline std::filesystem::path samples() {
  return std::filesystem::path(VIGIL_SHARED_DIR) / "formats" / "hashsets";
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
