// A progress line on stderr, only when stderr is a terminal and not --quiet.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace vigil::cli {

class Progress {
 public:
  explicit Progress(bool quiet) : enabled_(!quiet && ::isatty(STDERR_FILENO) == 1) {}
  ~Progress() { finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Redraws at most five times a second.
  void update(std::uint64_t bytes_done, std::uint64_t bytes_total, std::uint64_t items_done,
              std::uint64_t items_total = 0);
  void finish();
  [[nodiscard]] bool enabled() const { return enabled_; }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

std::string human_bytes(double bytes);

}  // namespace vigil::cli
