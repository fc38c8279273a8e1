// Windows Explorer thumbnail cache files, as described by Joachim Metz, "Windows Explorer
// Thumbnail Cache database format" (libyal/libwtcdb, documentation/, version 0.0.7, 2024):
//   cache file "CMMM": a 24-byte file header, then cache entries, each starting "CMMM" with its
//   own size; index file "IMMM" (thumbcache_idx.db): a header with the used and total entry
//   counts, then fixed-size index entries.
// The entry layouts differ between format versions 20 (Vista), 21 (Windows 7) and 30 and later
// (Windows 8, 8.1, 10, 11). Width and height in version 30+ entries follow Eric Kutcher's
// Thumbcache Viewer (thumbcacheviewer/thumbcacheviewer, globals.h), which the libwtcdb document
// leaves unnamed ("unknown").
#include "thumbcache/thumbcache.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "vigil/core/byte_reader.hpp"
#include "vigil/core/text.hpp"

namespace vigil::plugins {
namespace thumbcache {
namespace {

// The reflected form of the polynomial whose table thumbcache.dll holds (table[0x80]); the
// table is built from it, and the test checks entries against the published table.
constexpr std::uint64_t kReflectedPoly = 0x92C64265D32139A4ULL;

constexpr std::array<std::uint64_t, 256> make_table() {
  std::array<std::uint64_t, 256> t{};
  for (std::uint64_t i = 0; i < 256; ++i) {
    std::uint64_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? (c >> 1U) ^ kReflectedPoly : c >> 1U;
    t[i] = c;
  }
  return t;
}
constexpr auto kTable = make_table();

}  // namespace

std::uint64_t crc64(std::span<const std::uint8_t> bytes, std::uint64_t init) {
  std::uint64_t c = init;
  for (const std::uint8_t b : bytes) c = kTable[(c ^ b) & 0xFFU] ^ (c >> 8U);
  return c;
}

namespace {

constexpr std::size_t kFileHeaderSize = 24;
// A cache never holds this many entries (a 1 GB thumbcache_256.db holds some tens of
// thousands); the cap bounds the walk on hostile input.
constexpr std::size_t kMaxEntries = 1'000'000;
// Identifier strings are a hexadecimal cache id or a shell path/CLSID: 64 KiB is far beyond.
constexpr std::uint32_t kMaxIdentifierBytes = 65'536;

struct Layout {
  std::size_t header_size;      // fixed part of an entry, before the identifier string
  std::size_t id_size_at;       // identifier string size
  std::size_t checksummed;      // bytes covered by the header checksum
  std::size_t data_crc_at;      // data checksum
  std::size_t header_crc_at;    // header checksum
  bool has_extension = false;   // version 20: 4 UTF-16 characters at offset 16
  bool has_dimensions = false;  // version 30+: width, height at 28, 32
};

constexpr Layout kVista{56, 24, 48, 40, 48, true, false};
constexpr Layout kWin7{48, 16, 40, 32, 40, false, false};
constexpr Layout kWin8{56, 16, 48, 40, 48, false, true};

const char* version_name(std::uint32_t v) {
  switch (v) {
    case 20:
      return "Windows Vista";
    case 21:
      return "Windows 7";
    case 30:
      return "Windows 8";
    case 31:
      return "Windows 8.1";
    case 32:
      return "Windows 10/11";
    default:
      return v > 32 ? "later than Windows 11 format 32" : "unknown";
  }
}

std::string hex64(std::uint64_t v) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

const char* picture_kind(std::span<const std::uint8_t> d) {
  const ByteReader r(d);
  if (r.matches(0, "\xFF\xD8\xFF")) return "jpeg";
  if (r.matches(0, "\x89PNG\r\n\x1A\n")) return "png";
  if (r.matches(0, "BM")) return "bmp";
  return "unknown";
}

const char* extension_of(std::string_view kind) {
  if (kind == "jpeg") return ".jpg";
  if (kind == "png") return ".png";
  if (kind == "bmp") return ".bmp";
  return ".bin";
}

class CacheReader {
 public:
  CacheReader(const extract::ItemInput& item, extract::Emitter& out, std::stop_token stop)
      : bytes_(item.bytes), out_(out), stop_(std::move(stop)) {}

  void run() {
    ByteReader h(bytes_);
    h.seek(4);
    const auto version = h.read_le<std::uint32_t>();
    const auto cache_type = h.read_le<std::uint32_t>();
    const auto first = h.read_le<std::uint32_t>();
    const auto available = h.read_le<std::uint32_t>();
    const auto count = h.read_le<std::uint32_t>();
    if (!h.ok()) {
      out_.warn("truncated", "thumbcache file header: " + std::to_string(bytes_.size()) +
                                 " bytes, shorter than its 24 bytes");
      return;
    }
    out_.record({"format_version", std::to_string(version)});
    out_.record({"windows_version", version_name(version)});
    out_.record({"cache_type", std::to_string(cache_type)});
    out_.record({"first_entry_offset", std::to_string(first)});
    out_.record({"available_entry_offset", std::to_string(available)});
    if (version == 20 || version == 21) out_.record({"header_entry_count", std::to_string(count)});

    const Layout* layout = version == 20 ? &kVista : version == 21 ? &kWin7 : nullptr;
    if (layout == nullptr && version >= 30) layout = &kWin8;
    if (layout == nullptr) {
      out_.warn("corrupt", "thumbcache format version " + std::to_string(version) +
                               " is not one that Windows writes (20, 21, 30 or later)");
      return;
    }
    layout_ = *layout;
    // Entries start after the header; a first-entry offset inside the file is where the walk
    // begins (0 means "not set").
    std::size_t pos = kFileHeaderSize;
    if (first != 0) {
      if (first >= kFileHeaderSize && first < bytes_.size()) {
        pos = first;
      } else {
        out_.warn("corrupt", "thumbcache first entry offset " + std::to_string(first) +
                                 " lies outside the file; entries read from offset 24");
      }
    }
    walk(pos);
    out_.record({"entries", std::to_string(entries_)});
    out_.record({"entries_with_data", std::to_string(with_data_)});
    out_.record({"empty_entries", std::to_string(empty_)});
    out_.record({"free_entries", std::to_string(free_)});
    out_.record({"unparsed_bytes", std::to_string(garbage_bytes_)});
    out_.record({"header_checksum_mismatches", std::to_string(header_bad_)});
    out_.record({"data_checksum_mismatches", std::to_string(data_bad_)});
  }

 private:
  // Sequential walk: every step moves forward by at least one entry header, so it ends.
  void walk(std::size_t pos) {
    bool stopped = false;
    while (pos < bytes_.size() && !stopped) {
      if (stop_.stop_requested()) return;
      if (entries_ >= kMaxEntries) {
        out_.warn("limit", "thumbcache holds more than " + std::to_string(kMaxEntries) +
                               " entries; the rest are not read");
        return;
      }
      const ByteReader r(bytes_);
      if (!r.matches(pos, "CMMM")) {
        // Slack or overwritten data: find the next entry signature.
        const std::size_t next = find_signature(pos + 1);
        const bool all_zero = std::all_of(bytes_.begin() + static_cast<std::ptrdiff_t>(pos),
                                          bytes_.begin() + static_cast<std::ptrdiff_t>(next),
                                          [](std::uint8_t b) { return b == 0; });
        if (!all_zero) {
          out_.warn("corrupt", "thumbcache offset " + std::to_string(pos) + ": " +
                                   std::to_string(next - pos) +
                                   " bytes that are not an entry (no CMMM signature)");
        }
        garbage_bytes_ += next - pos;
        pos = next;
        continue;
      }
      const std::size_t advance = entry(pos, stopped);
      pos += advance;
    }
  }

  std::size_t find_signature(std::size_t from) const {
    if (from >= bytes_.size()) return bytes_.size();
    const std::string_view hay(reinterpret_cast<const char*>(bytes_.data()) + from,
                               bytes_.size() - from);
    const auto at = hay.find("CMMM");
    return at == std::string_view::npos ? bytes_.size() : from + at;
  }

  // Reads the entry at `pos`; returns how far to move (>= 4).
  std::size_t entry(std::size_t pos, bool& stopped) {
    const std::size_t n = entries_++;
    const std::string where =
        "thumbcache entry " + std::to_string(n) + " at offset " + std::to_string(pos);
    ByteReader r(bytes_);
    r.seek(pos + 4);
    const auto size = r.read_le<std::uint32_t>();
    const auto hash = r.read_le<std::uint64_t>();
    r.seek(pos + layout_.id_size_at);
    const auto id_size = r.read_le<std::uint32_t>();
    const auto pad_size = r.read_le<std::uint32_t>();
    const auto data_size = r.read_le<std::uint32_t>();
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    if (layout_.has_dimensions) {
      width = r.read_le<std::uint32_t>();
      height = r.read_le<std::uint32_t>();
    }
    r.seek(pos + layout_.data_crc_at);
    const auto data_crc = r.read_le<std::uint64_t>();
    const auto header_crc = r.read_le<std::uint64_t>();
    if (!r.ok()) {
      out_.warn("truncated", where + ": the file ends inside the entry header");
      ++free_;
      return bytes_.size() - pos;
    }
    const std::string prefix = "entry_" + std::to_string(n) + "_";
    if (size < layout_.header_size) {
      out_.warn("corrupt", where + ": entry size " + std::to_string(size) +
                               " is smaller than the entry header (" +
                               std::to_string(layout_.header_size) + " bytes)");
      ++free_;
      return 4;  // resynchronise at the next signature
    }
    const bool size_past_end = size > bytes_.size() - pos;
    if (hash == 0 && id_size == 0 && data_size == 0) {
      // The first available (free) entry: it can span the rest of the file, all zeros.
      ++free_;
      return size_past_end ? bytes_.size() - pos : size;
    }
    if (size_past_end) {
      out_.warn("truncated", where + ": entry size " + std::to_string(size) +
                                 " points past the end of the file (" +
                                 std::to_string(bytes_.size() - pos) + " bytes left)");
    }
    // Header checksum: CRC-64 of the entry's first bytes, from -1.
    const auto head = bytes_.subspan(pos, layout_.checksummed);
    const bool header_ok = crc64(head) == header_crc;
    if (!header_ok) {
      ++header_bad_;
      out_.warn("checksum", where + ": header CRC-64 " + hex64(header_crc) +
                                " does not match the header (" + hex64(crc64(head)) + ")");
    }
    out_.record({prefix + "cache_id", hex64(hash)});
    out_.record({prefix + "header_checksum", header_ok ? "ok" : "mismatch"});

    const std::uint64_t id_at = pos + layout_.header_size;
    const std::uint64_t data_at = id_at + std::uint64_t{id_size} + pad_size;
    const std::uint64_t entry_end = pos + std::uint64_t{size};
    std::string identifier;
    if (id_size > kMaxIdentifierBytes ||
        id_at + id_size > std::min<std::uint64_t>(entry_end, bytes_.size())) {
      out_.warn("corrupt", where + ": identifier string size " + std::to_string(id_size) +
                               " does not fit in the entry");
    } else {
      identifier = utf16le_to_utf8(bytes_.subspan(id_at, id_size), false);
    }
    if (layout_.has_extension) {
      const std::string ext = utf16le_to_utf8(bytes_.subspan(pos + 16, 8), true);
      if (!ext.empty()) out_.record({prefix + "extension", ext});
    }
    out_.record({prefix + "identifier", identifier});
    out_.record({prefix + "data_size", std::to_string(data_size)});
    if (layout_.has_dimensions) {
      out_.record({prefix + "width", std::to_string(width)});
      out_.record({prefix + "height", std::to_string(height)});
    }
    const std::size_t advance = size_past_end ? bytes_.size() - pos : size;
    if (data_size == 0) {
      ++empty_;
      out_.record({prefix + "data_checksum", "none (no data)"});
      return advance;
    }
    ++with_data_;
    if (data_at + data_size > entry_end && !size_past_end) {
      out_.warn("corrupt", where + ": data of " + std::to_string(data_size) +
                               " bytes runs past the entry's own size " + std::to_string(size));
    }
    if (data_at >= bytes_.size()) {
      out_.warn("truncated", where + ": its data (" + std::to_string(data_size) +
                                 " bytes) lies past the end of the file");
      out_.record({prefix + "data_checksum", "not checked (data missing)"});
      return advance;
    }
    const std::uint64_t have = std::min<std::uint64_t>(data_size, bytes_.size() - data_at);
    const auto data = bytes_.subspan(data_at, have);
    extract::Child child;
    child.status = extract::ChildStatus::kOk;
    if (have < data_size) {
      out_.warn("truncated", where + ": the file holds " + std::to_string(have) + " of its " +
                                 std::to_string(data_size) + " data bytes");
      out_.record({prefix + "data_checksum", "not checked (data truncated)"});
      child.status = extract::ChildStatus::kPartial;
    } else {
      const bool data_ok = crc64(data) == data_crc;
      if (!data_ok) {
        ++data_bad_;
        out_.warn("checksum", where + ": data CRC-64 " + hex64(data_crc) +
                                  " does not match the data (" + hex64(crc64(data)) + ")");
      }
      out_.record({prefix + "data_checksum", data_ok ? "ok" : "mismatch"});
    }
    const std::string kind = picture_kind(data);
    out_.record({prefix + "data_type", kind});
    if (have > out_.child_byte_budget()) {
      out_.warn("limit", where + ": picture of " + std::to_string(have) +
                             " bytes exceeds the child byte budget");
      return advance;
    }
    child.layer = "thumbcache";
    char id_hex[17];
    std::snprintf(id_hex, sizeof id_hex, "%016llx", static_cast<unsigned long long>(hash));
    child.locator = "entry " + std::to_string(n) + " (id 0x" + id_hex + ")";
    child.name = (identifier.empty() ? std::string(id_hex) : identifier) + extension_of(kind);
    child.declared_size = data_size;
    child.offset = data_at;
    child.has_offset = true;
    child.bytes.assign(data.begin(), data.end());
    if (!out_.child(std::move(child))) stopped = true;
    return advance;
  }

  std::span<const std::uint8_t> bytes_;
  extract::Emitter& out_;
  std::stop_token stop_;
  Layout layout_{kWin7};
  std::size_t entries_ = 0;
  std::size_t with_data_ = 0;
  std::size_t empty_ = 0;
  std::size_t free_ = 0;
  std::size_t header_bad_ = 0;
  std::size_t data_bad_ = 0;
  std::uint64_t garbage_bytes_ = 0;
};

// thumbcache_idx.db: version 20/21 put "IMMM" at offset 0 (used entries at 12, total at 16);
// version 30 and later put it at offset 4 (used at 20, total at 24). Index entries are
// 40 (v20), 32 (v21), 56 (v30), 64 (v31) or 72 (v32+) bytes.
void read_index(std::span<const std::uint8_t> bytes, extract::Emitter& out) {
  const ByteReader r0(bytes);
  const bool old = r0.matches(0, "IMMM");
  ByteReader r(bytes);
  r.seek(old ? 4 : 8);
  const auto version = r.read_le<std::uint32_t>();
  r.seek(old ? 12 : 20);
  const auto used = r.read_le<std::uint32_t>();
  const auto total = r.read_le<std::uint32_t>();
  if (!r.ok()) {
    out.warn("truncated", "thumbcache index header: the file ends inside it");
    return;
  }
  out.record({"index_format_version", std::to_string(version)});
  out.record({"index_used_entries", std::to_string(used)});
  out.record({"index_total_entries", std::to_string(total)});
  std::uint64_t entry_size = 0;
  switch (version) {
    case 20:
      entry_size = 40;
      break;
    case 21:
      entry_size = 32;
      break;
    case 30:
      entry_size = 56;
      break;
    case 31:
      entry_size = 64;
      break;
    default:
      entry_size = version >= 32 ? 72 : 0;
  }
  if (entry_size == 0) {
    out.warn("corrupt", "thumbcache index format version " + std::to_string(version) +
                            " is not one that Windows writes");
    return;
  }
  if (used > total) {
    out.warn("corrupt", "thumbcache index: " + std::to_string(used) + " used entries of only " +
                            std::to_string(total));
  }
  if (std::uint64_t{total} * entry_size > bytes.size()) {
    out.warn("truncated", "thumbcache index: " + std::to_string(total) + " entries of " +
                              std::to_string(entry_size) + " bytes do not fit in the file (" +
                              std::to_string(bytes.size()) + " bytes)");
  }
}

bool is_index(std::span<const std::uint8_t> b) {
  const ByteReader r(b);
  return r.matches(0, "IMMM") || r.matches(4, "IMMM");
}

class ThumbcacheExtractor final : public extract::Extractor {
 public:
  [[nodiscard]] std::string_view name() const override { return "thumbcache"; }
  [[nodiscard]] std::string_view version() const override { return "1"; }
  [[nodiscard]] std::vector<std::string_view> input_types() const override {
    return {"thumbcache"};
  }
  [[nodiscard]] std::string_view outputs() const override {
    return "each cache entry's id, identifier, size and CRC-64 checks as records; its picture "
           "(JPEG/PNG/BMP) as a child; index file entry counts";
  }
  [[nodiscard]] std::string_view limits() const override {
    return "1,000,000 entries per cache; identifier strings up to 64 KiB";
  }
  [[nodiscard]] bool probe(const extract::ItemInput& item) const override {
    const ByteReader r(item.bytes);
    return r.matches(0, "CMMM") || is_index(item.bytes);
  }
  void extract(const extract::ItemInput& item, extract::Emitter& out,
               std::stop_token stop) const override {
    if (is_index(item.bytes)) {
      read_index(item.bytes, out);
      return;
    }
    CacheReader(item, out, std::move(stop)).run();
  }
};

}  // namespace
}  // namespace thumbcache

std::unique_ptr<extract::Extractor> make_thumbcache_extractor() {
  return std::make_unique<thumbcache::ThumbcacheExtractor>();
}

}  // namespace vigil::plugins
