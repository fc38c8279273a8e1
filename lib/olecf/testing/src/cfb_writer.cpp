#include "vigil/olecf/testing/cfb_writer.hpp"

#include <algorithm>
#include <cctype>

namespace vigil::olecf::testing {
namespace {

constexpr std::uint32_t kEnd = 0xFFFFFFFE;
constexpr std::uint32_t kFree = 0xFFFFFFFF;
constexpr std::uint32_t kFatSect = 0xFFFFFFFD;
constexpr std::uint32_t kNoStream = 0xFFFFFFFF;
constexpr std::size_t kSector = 512;
constexpr std::size_t kMini = 64;
constexpr std::size_t kCutoff = 4096;

void put16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v);
  b[at + 1] = static_cast<std::uint8_t>(v >> 8);
}
void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::size_t sectors_for(std::size_t bytes, std::size_t unit) { return (bytes + unit - 1) / unit; }

void dir_entry(Bytes& dir, std::size_t index, const std::string& name, std::uint8_t type,
               std::uint32_t right, std::uint32_t child, std::uint32_t start, std::uint32_t size) {
  const std::size_t at = index * 128;
  for (std::size_t i = 0; i < name.size() && i < 31; ++i)
    put16(dir, at + 2 * i, static_cast<std::uint8_t>(name[i]));
  put16(dir, at + 64, static_cast<std::uint16_t>(2 * (std::min<std::size_t>(name.size(), 31) + 1)));
  dir[at + 66] = type;
  dir[at + 67] = 1;  // black
  put32(dir, at + 68, kNoStream);
  put32(dir, at + 72, right);
  put32(dir, at + 76, child);
  put32(dir, at + 116, start);
  put32(dir, at + 120, size);
}

}  // namespace

Bytes make_cfb(std::vector<Stream> streams, const CfbOptions& options) {
  if (options.pad_to_regular) {
    for (auto& s : streams)
      if (s.data.size() < kCutoff) s.data.resize(kCutoff, 0);
  }
  if (options.sort_names) {
    const auto upper = [](std::string s) {
      for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return s;
    };
    std::stable_sort(streams.begin(), streams.end(), [&upper](const Stream& a, const Stream& b) {
      if (a.name.size() != b.name.size()) return a.name.size() < b.name.size();
      return upper(a.name) < upper(b.name);
    });
  }
  // Mini stream: small streams one after the other, each padded to 64 bytes.
  Bytes mini_stream;
  std::vector<std::uint32_t> mini_fat;
  std::vector<std::uint32_t> start(streams.size(), kEnd);
  bool mini_looped = false;
  for (std::size_t i = 0; i < streams.size(); ++i) {
    const auto& s = streams[i];
    if (s.data.size() >= kCutoff || s.data.empty()) continue;
    const auto first = static_cast<std::uint32_t>(mini_fat.size());
    const std::size_t n = sectors_for(s.data.size(), kMini);
    for (std::size_t k = 0; k < n; ++k)
      mini_fat.push_back(k + 1 < n ? first + static_cast<std::uint32_t>(k) + 1 : kEnd);
    if (options.loop_mini_chain && !mini_looped && n >= 2) {
      mini_fat[first + 1] = first;  // the second mini sector leads back to the first
      mini_looped = true;
    }
    start[i] = first;
    mini_stream.insert(mini_stream.end(), s.data.begin(), s.data.end());
    mini_stream.resize(mini_fat.size() * kMini, 0);
  }
  const std::size_t dir_sectors = sectors_for((streams.size() + 1) * 128, kSector);
  const std::size_t minifat_sectors = sectors_for(mini_fat.size() * 4, kSector);
  const std::size_t ministream_sectors = sectors_for(mini_stream.size(), kSector);
  std::size_t big_sectors = 0;
  for (const auto& s : streams)
    if (s.data.size() >= kCutoff) big_sectors += sectors_for(s.data.size(), kSector);
  const std::size_t other = dir_sectors + minifat_sectors + ministream_sectors + big_sectors;
  std::size_t fat_sectors = 1;
  while (fat_sectors * 128 < fat_sectors + other) ++fat_sectors;  // up to 109: no DIFAT needed
  const std::size_t total = fat_sectors + other;

  std::vector<std::uint32_t> fat(fat_sectors * 128, kFree);
  std::size_t next = 0;
  auto chain = [&fat, &next](std::size_t n) {
    const auto first = static_cast<std::uint32_t>(next);
    for (std::size_t k = 0; k < n; ++k, ++next)
      fat[next] = k + 1 < n ? static_cast<std::uint32_t>(next + 1) : kEnd;
    return n == 0 ? kEnd : first;
  };
  for (std::size_t k = 0; k < fat_sectors; ++k) fat[next++] = kFatSect;
  const std::uint32_t dir_start = chain(dir_sectors);
  const std::uint32_t minifat_start = chain(minifat_sectors);
  const std::uint32_t ministream_start = chain(ministream_sectors);
  bool big_looped = false;
  for (std::size_t i = 0; i < streams.size(); ++i) {
    if (streams[i].data.size() < kCutoff) continue;
    start[i] = chain(sectors_for(streams[i].data.size(), kSector));
    if (options.loop_big_stream_chain && !big_looped) {
      fat[start[i] + 1] = start[i];  // the second sector leads back to the first
      big_looped = true;
    }
  }

  Bytes out((total + 1) * kSector, 0);
  const std::uint8_t sig[] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
  std::copy(std::begin(sig), std::end(sig), out.begin());
  put16(out, 24, 0x003E);
  put16(out, 26, 3);
  put16(out, 28, 0xFFFE);
  put16(out, 30, 9);
  put16(out, 32, 6);
  put32(out, 44, static_cast<std::uint32_t>(fat_sectors));
  put32(out, 48, dir_start);
  put32(out, 56, kCutoff);
  put32(out, 60, minifat_sectors == 0 ? kEnd : minifat_start);
  put32(out, 64, static_cast<std::uint32_t>(minifat_sectors));
  put32(out, 68, kEnd);
  for (std::size_t k = 0; k < 109; ++k)
    put32(out, 76 + 4 * k, k < fat_sectors ? static_cast<std::uint32_t>(k) : kFree);
  auto sector_at = [](std::size_t s) { return (s + 1) * kSector; };
  for (std::size_t k = 0; k < fat.size(); ++k) put32(out, sector_at(0) + 4 * k, fat[k]);

  Bytes dir(dir_sectors * kSector, 0);
  dir_entry(dir, 0, "Root Entry", 5, kNoStream, streams.empty() ? kNoStream : 1,
            ministream_sectors == 0 ? kEnd : ministream_start,
            static_cast<std::uint32_t>(mini_stream.size()));
  for (std::size_t i = 0; i < streams.size(); ++i) {
    const std::uint32_t right =
        i + 1 < streams.size() ? static_cast<std::uint32_t>(i + 2) : kNoStream;
    dir_entry(dir, i + 1, streams[i].name, 2, right, kNoStream,
              streams[i].data.empty() ? kEnd : start[i],
              static_cast<std::uint32_t>(streams[i].data.size()));
  }
  std::copy(dir.begin(), dir.end(),
            out.begin() + static_cast<std::ptrdiff_t>(sector_at(dir_start)));
  if (minifat_sectors > 0) {
    for (std::size_t k = 0; k < minifat_sectors * 128; ++k)
      put32(out, sector_at(minifat_start) + 4 * k, k < mini_fat.size() ? mini_fat[k] : kFree);
    std::copy(mini_stream.begin(), mini_stream.end(),
              out.begin() + static_cast<std::ptrdiff_t>(sector_at(ministream_start)));
  }
  for (std::size_t i = 0; i < streams.size(); ++i) {
    if (streams[i].data.size() < kCutoff) continue;
    std::copy(streams[i].data.begin(), streams[i].data.end(),
              out.begin() + static_cast<std::ptrdiff_t>(sector_at(start[i])));
  }
  return out;
}

}  // namespace vigil::olecf::testing
