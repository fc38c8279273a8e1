#include "progress.hpp"

#include <fmt/format.h>

namespace vigil::cli {

std::string human_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 4) {
    bytes /= 1024.0;
    ++u;
  }
  return fmt::format("{:.1f} {}", bytes, kUnits[u]);
}

void Progress::update(std::uint64_t bytes_done, std::uint64_t bytes_total, std::uint64_t items_done,
                      std::uint64_t items_total) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double rate = secs > 0 ? static_cast<double>(bytes_done) / secs : 0;
  std::string eta = "--:--";
  if (rate > 0 && bytes_total > bytes_done) {
    const auto left =
        static_cast<std::uint64_t>(static_cast<double>(bytes_total - bytes_done) / rate);
    eta = fmt::format("{:02}:{:02}:{:02}", left / 3600, (left / 60) % 60, left % 60);
  }
  const double frac =
      bytes_total > 0 ? static_cast<double>(bytes_done) / static_cast<double>(bytes_total) : 0;
  const int width = 24;
  const int filled = static_cast<int>(frac * width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(width - filled), '.');
  std::string items = items_total > 0 ? fmt::format("{}/{} items", items_done, items_total)
                                      : fmt::format("{} items", items_done);
  std::fprintf(stderr, "\r[%s] %5.1f%% %s of %s, %s, %s/s, %s left \x1b[K", bar.c_str(),
               frac * 100.0, human_bytes(static_cast<double>(bytes_done)).c_str(),
               human_bytes(static_cast<double>(bytes_total)).c_str(), items.c_str(),
               human_bytes(rate).c_str(), eta.c_str());
  drawn_ = true;
}

void Progress::finish() {
  if (enabled_ && drawn_) std::fprintf(stderr, "\r\x1b[K");
  drawn_ = false;
}

}  // namespace vigil::cli
