// Times from file systems, always UTC, with the precision the file system records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vigil {

struct Timestamp {
  std::int64_t seconds = 0;                    // since 1970-01-01T00:00:00Z
  std::uint32_t nanos = 0;                     // 0..999'999'999
  std::uint64_t precision_ns = 1'000'000'000;  // FAT 2e9 (mtime), NTFS 100, ext4 1, ISO 1e9

  friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

// ISO 8601 in UTC with as many fraction digits as the precision carries, e.g.
// 2024-01-02T03:04:05Z (1 s or 2 s), 2024-01-02T03:04:05.1234567Z (100 ns).
std::string format_utc(const Timestamp& t);
void append_utc(std::string& out, const Timestamp& t);
// Precision as a short label: "2s", "1s", "10ms", "100ns", "1ns".
std::string precision_label(std::uint64_t precision_ns);

// The four MACB times of an entry; any may be absent.
struct MacbTimes {
  std::optional<Timestamp> modified;
  std::optional<Timestamp> accessed;
  std::optional<Timestamp> changed;  // metadata change (ext, NTFS MFT change)
  std::optional<Timestamp> born;     // creation
};

}  // namespace vigil
