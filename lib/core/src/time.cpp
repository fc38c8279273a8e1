#include "vigil/core/time.hpp"

#include <fmt/format.h>

#include <atomic>
#include <climits>
#include <cstdint>

namespace vigil {
namespace {

// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm; works for any int64 day,
// including dates before 1970 that corrupt file systems produce).
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

int fraction_digits(std::uint64_t precision_ns) {
  int digits = 9;
  std::uint64_t p = precision_ns;
  while (digits > 0 && p >= 10 && p % 10 == 0) {
    p /= 10;
    --digits;
  }
  return precision_ns >= 1'000'000'000 ? 0 : digits;
}

}  // namespace

// Hand-written digits: listings format millions of times, and this is several times faster than a
// general-purpose formatter.
void append_utc(std::string& out, const Timestamp& t) {
  std::int64_t days = t.seconds / 86400;
  std::int64_t rem = t.seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  std::int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  // Listings format many times of the same day in a row: the calendar arithmetic is cached in
  // one relaxed atomic word (day number, year, month, day), shared by all threads without a lock.
  static std::atomic<std::uint64_t> cache{~0ULL};
  const std::uint64_t c = cache.load(std::memory_order_relaxed);
  if (days >= INT32_MIN && days <= INT32_MAX &&
      static_cast<std::int32_t>(c >> 32) == static_cast<std::int32_t>(days) && c != ~0ULL) {
    y = static_cast<std::int64_t>((c >> 16) & 0xFFFF);
    m = static_cast<unsigned>((c >> 8) & 0xFF);
    d = static_cast<unsigned>(c & 0xFF);
  } else {
    civil_from_days(days, y, m, d);
    if (days >= INT32_MIN && days <= INT32_MAX && y >= 0 && y <= 9999) {
      cache.store((static_cast<std::uint64_t>(static_cast<std::uint32_t>(days)) << 32) |
                      (static_cast<std::uint64_t>(y) << 16) | (m << 8) | d,
                  std::memory_order_relaxed);
    }
  }
  // Only corrupt metadata has years outside 0000-9999: written by fmt, then the rest.
  const bool wide_year = y < 0 || y > 9999;
  if (wide_year) {
    out += fmt::format("{:04}", y);
    y = 0;
  }
  // "YYYY-MM-DDTHH:MM:SS" then ".fffffffff" and "Z", written into one buffer and appended once.
  char buf[32];
  auto two = [&buf](int at, std::int64_t v) {
    buf[at] = static_cast<char>('0' + v / 10);
    buf[at + 1] = static_cast<char>('0' + v % 10);
  };
  two(0, y / 100);
  two(2, y % 100);
  buf[4] = '-';
  two(5, m);
  buf[7] = '-';
  two(8, d);
  buf[10] = 'T';
  two(11, rem / 3600);
  buf[13] = ':';
  two(14, (rem / 60) % 60);
  buf[16] = ':';
  two(17, rem % 60);
  std::size_t len = 19;
  const int digits = fraction_digits(t.precision_ns);
  if (digits > 0) {
    buf[len++] = '.';
    std::uint32_t v = t.nanos;
    for (int i = 8; i >= 0; --i) {
      if (i < digits) buf[len + static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    len += static_cast<std::size_t>(digits);
  }
  buf[len++] = 'Z';
  const std::size_t skip = wide_year ? 4 : 0;
  out.append(buf + skip, len - skip);
}

std::string format_utc(const Timestamp& t) {
  std::string out;
  out.reserve(32);
  append_utc(out, t);
  return out;
}

std::string precision_label(std::uint64_t precision_ns) {
  // The precisions file systems have, without formatting.
  switch (precision_ns) {
    case 1:
      return "1ns";
    case 100:
      return "100ns";
    case 1'000'000'000:
      return "1s";
    case 2'000'000'000:
      return "2s";
    case 10'000'000:
      return "10ms";
    default:
      break;
  }
  constexpr std::uint64_t kDay = 86'400ULL * 1'000'000'000ULL;
  if (precision_ns >= kDay && precision_ns % kDay == 0)
    return fmt::format("{}d", precision_ns / kDay);
  if (precision_ns >= 1'000'000'000 && precision_ns % 1'000'000'000 == 0)
    return fmt::format("{}s", precision_ns / 1'000'000'000);
  if (precision_ns >= 1'000'000 && precision_ns % 1'000'000 == 0)
    return fmt::format("{}ms", precision_ns / 1'000'000);
  if (precision_ns >= 1'000 && precision_ns % 1'000 == 0)
    return fmt::format("{}us", precision_ns / 1'000);
  return fmt::format("{}ns", precision_ns);
}

}  // namespace vigil
