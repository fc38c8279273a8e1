// Thumbs.db: an OLE compound file ([MS-CFB]) read through libolecf. Two kinds, told apart by the
// streams of the root storage (the layouts follow the Forensics Wiki page "Thumbs.db" and
// Vinetto, github.com/AtesComp/Vinetto, src/vinetto/thumbOLE.py):
//   * Windows XP/2000: a "Catalog" stream (header: u16 header size, u16 version, u32 entry count,
//     u32 thumbnail width, u32 height; entries: u32 entry size, u32 index, FILETIME, UTF-16LE
//     file name ending in 4 zero bytes) and one stream per thumbnail, named by the index's
//     decimal digits reversed ("1", "01", "321"), holding a 12-byte header (u32 header size,
//     u32 revision, u32 data size) and then the picture (a JPEG; "type 1" streams hold a
//     non-standard JPEG without its tables, emitted as stored).
//   * Windows 7 and later on network shares: streams named "<size>_<hex cache id>" ("256_...",
//     "96_..."), each a 24-byte header of the same shape and then the picture.
#include "thumbsdb/thumbsdb.hpp"

#include <libolecf.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "vigil/core/byte_reader.hpp"
#include "vigil/core/text.hpp"
#include "vigil/core/time.hpp"
#include "vigil/olecf/memory_file.hpp"
#include "vigil/sniff/sniff.hpp"

namespace vigil::plugins {
namespace thumbsdb {
namespace {

constexpr std::size_t kMaxStreams = 100'000;         // root entries read (hostile directories)
constexpr std::size_t kMaxCatalogEntries = 100'000;  // XP folders hold a few thousand at most

struct ItemFree {
  void operator()(libolecf_item_t* i) const { libolecf_item_free(&i, nullptr); }
};
using Item = std::unique_ptr<libolecf_item_t, ItemFree>;

// libolecf follows a stream's sector chain for as many sectors as the stream's size needs and
// does not notice a chain that comes back to a sector it has already read (it then returns the
// same sectors again as if they were the stream's). The chains are checked here, from the
// header, FAT, mini FAT and directory ([MS-CFB] §2.2-2.6), before a stream's bytes are trusted.
// Result: stream name (root storage) -> what is wrong with its chain.
class ChainCheck {
 public:
  explicit ChainCheck(std::span<const std::uint8_t> b) : b_(b) {
    ByteReader r(b);
    r.seek(30);
    shift_ = r.read_le<std::uint16_t>();
    r.seek(44);
    const auto fat_count = r.read_le<std::uint32_t>();
    const auto dir_start = r.read_le<std::uint32_t>();
    r.seek(56);
    cutoff_ = r.read_le<std::uint32_t>();
    const auto minifat_start = r.read_le<std::uint32_t>();
    r.skip(4);
    auto difat_next = r.read_le<std::uint32_t>();
    const auto difat_count = r.read_le<std::uint32_t>();
    if (!r.ok() || (shift_ != 9 && shift_ != 12)) return;
    const std::size_t size = std::size_t{1} << shift_;
    // FAT sector numbers: 109 in the header, then DIFAT sectors (last entry: the next one).
    std::vector<std::uint32_t> fat_sectors;
    for (std::size_t i = 0; i < 109 && fat_sectors.size() < fat_count; ++i) {
      r.seek(76 + 4 * i);
      fat_sectors.push_back(r.read_le<std::uint32_t>());
    }
    std::set<std::uint32_t> difat_seen;
    for (std::uint32_t k = 0; k < difat_count && fat_sectors.size() < fat_count; ++k) {
      if (!difat_seen.insert(difat_next).second || !in_file(difat_next)) break;
      ByteReader d(sector(difat_next));
      for (std::size_t i = 0; i + 1 < size / 4 && fat_sectors.size() < fat_count; ++i)
        fat_sectors.push_back(d.read_le<std::uint32_t>());
      difat_next = d.read_le<std::uint32_t>();
    }
    for (const auto s : fat_sectors) {
      if (!in_file(s)) break;  // libolecf reports a FAT outside the file itself
      ByteReader f(sector(s));
      for (std::size_t i = 0; i < size / 4; ++i) fat_.push_back(f.read_le<std::uint32_t>());
    }
    // Directory and mini FAT chains (loops here are reported by name "directory"/"mini FAT").
    std::vector<std::uint32_t> dir_chain;
    if (const auto p = walk(fat_, dir_start, SIZE_MAX, dir_chain); !p.empty()) {
      problems_["directory"] = p;
    }
    std::vector<std::uint32_t> minifat_chain;
    if (minifat_start != kEnd) {
      if (const auto p = walk(fat_, minifat_start, SIZE_MAX, minifat_chain); !p.empty())
        problems_["mini FAT"] = p;
      for (const auto s : minifat_chain) {
        ByteReader f(sector(s));
        for (std::size_t i = 0; i < size / 4; ++i) minifat_.push_back(f.read_le<std::uint32_t>());
      }
    }
    for (const auto ds : dir_chain) {
      const auto sec = sector(ds);
      for (std::size_t at = 0; at + 128 <= sec.size(); at += 128) entry(sec.subspan(at, 128));
    }
  }

  [[nodiscard]] const std::map<std::string, std::string>& problems() const { return problems_; }
  // True when the check stopped early (its step budget): chains after that point are unchecked.
  [[nodiscard]] bool incomplete() const { return budget_spent_; }

 private:
  static constexpr std::uint32_t kEnd = 0xFFFFFFFE;

  [[nodiscard]] bool in_file(std::uint32_t s) const {
    return s < 0xFFFFFFFA && ((std::uint64_t{s} + 2) << shift_) <= b_.size();
  }
  [[nodiscard]] std::span<const std::uint8_t> sector(std::uint32_t s) const {
    if (!in_file(s)) return {};
    return b_.subspan((std::size_t{s} + 1) << shift_, std::size_t{1} << shift_);
  }

  // Follows `table` from `start` for at most `needed` links; "" when the chain holds. Every
  // step counts against one budget for the whole file, so that hostile overlapping chains
  // cannot make the check quadratic.
  std::string walk(const std::vector<std::uint32_t>& table, std::uint32_t start, std::size_t needed,
                   std::vector<std::uint32_t>& chain) {
    std::unordered_set<std::uint32_t> seen;
    std::uint32_t s = start;
    while (s != kEnd && chain.size() < needed) {
      if (steps_++ > kStepBudget) {
        budget_spent_ = true;
        return {};
      }
      if (s >= table.size()) {
        return "sector " + std::to_string(s) + " is outside the allocation table";
      }
      if (!seen.insert(s).second) return "sector chain loops back to sector " + std::to_string(s);
      chain.push_back(s);
      s = table[s];
    }
    return {};
  }

  void entry(std::span<const std::uint8_t> e) {
    ByteReader r(e);
    r.seek(64);
    const auto name_bytes = r.read_le<std::uint16_t>();
    const auto type = r.read_le<std::uint8_t>();
    r.seek(116);
    const auto start = r.read_le<std::uint32_t>();
    const auto size = r.read_le<std::uint32_t>();
    if (!r.ok() || (type != 2 && type != 5) || name_bytes < 2 || name_bytes > 64 || size == 0)
      return;
    const std::string name = type == 5 ? "mini stream" : utf16_name(e.first(name_bytes));
    std::vector<std::uint32_t> chain;
    std::string p;
    if (size >= cutoff_ || type == 5) {
      const std::size_t needed = (std::size_t{size} + (std::size_t{1} << shift_) - 1) >> shift_;
      p = walk(fat_, start, needed, chain);
    } else {
      p = walk(minifat_, start, (std::size_t{size} + 63) / 64, chain);
    }
    if (!p.empty()) problems_.emplace(name, p);
  }

  static std::string utf16_name(std::span<const std::uint8_t> b);

  std::span<const std::uint8_t> b_;
  std::uint16_t shift_ = 0;
  std::uint32_t cutoff_ = 4096;
  std::vector<std::uint32_t> fat_;
  std::vector<std::uint32_t> minifat_;
  std::map<std::string, std::string> problems_;
  static constexpr std::size_t kStepBudget = 50'000'000;
  std::size_t steps_ = 0;
  bool budget_spent_ = false;
};

std::string utf8_name(libolecf_item_t* item) {
  size_t size = 0;
  if (libolecf_item_get_utf8_name_size(item, &size, nullptr) != 1 || size == 0 || size > 4096)
    return {};
  std::string name(size, '\0');
  if (libolecf_item_get_utf8_name(item, reinterpret_cast<uint8_t*>(name.data()), size, nullptr) !=
      1)
    return {};
  while (!name.empty() && name.back() == '\0') name.pop_back();
  return name;
}

std::string ChainCheck::utf16_name(std::span<const std::uint8_t> b) { return utf16le_to_utf8(b); }

// FILETIME (100 ns since 1601-01-01 UTC) to a Timestamp; 0 means "not set".
std::optional<Timestamp> from_filetime(std::uint64_t ft) {
  constexpr std::uint64_t kEpochDiff = 116'444'736'000'000'000ULL;
  if (ft == 0) return std::nullopt;
  Timestamp t;
  const auto rel = static_cast<std::int64_t>(ft - kEpochDiff);  // wraps below 1970 as intended
  std::int64_t secs = rel / 10'000'000;
  std::int64_t rem = rel % 10'000'000;
  if (rem < 0) {
    rem += 10'000'000;
    --secs;
  }
  t.seconds = secs;
  t.nanos = static_cast<std::uint32_t>(rem * 100);
  t.precision_ns = 100;
  return t;
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 10 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "<decimal size>_<hex>": the Windows 7+ network-share stream names (256_..., 96_...), by the
// same rule the sniffer uses.
bool is_sized_name(std::string_view s) {
  return s != "Catalog" && sniff::is_thumbs_db_stream_name(s);
}

struct CatalogEntry {
  std::string name;
  std::uint64_t filetime = 0;
};

struct StreamRef {
  std::string name;
  Item item;
};

class Reader {
 public:
  Reader(const extract::ItemInput& item, extract::Emitter& out, std::stop_token stop)
      : item_(item), out_(out), stop_(std::move(stop)) {}

  void run() {
    // Thumbs.db by content: sniff says "thumbsdb" when the directory lay in its first bytes;
    // an "ole2" item is one only if its root holds the thumbnail streams (checked below).
    const bool sniffed = item_.type.name == "thumbsdb";
    const auto ole = olecf::MemoryFile::open(item_.bytes);
    if (!ole) {
      if (sniffed) out_.warn("corrupt", "Thumbs.db " + ole.error().message);
      return;
    }
    libolecf_error_t* error = nullptr;
    libolecf_item_t* raw_root = nullptr;
    if (libolecf_file_get_root_item((*ole)->file(), &raw_root, &error) != 1) {
      const std::string why = olecf::error_message(error);
      if (sniffed) out_.warn("corrupt", "Thumbs.db root storage not readable: " + why);
      return;
    }
    const Item root(raw_root);
    const ChainCheck chains(item_.bytes);
    chains_ = &chains;
    collect(root.get());
    const bool xp = catalog_.has_value();
    if (!xp && sized_.empty()) {
      if (sniffed) {
        out_.warn("corrupt",
                  "Thumbs.db holds neither a Catalog stream nor 256_/96_ thumbnail streams");
      }
      return;  // an OLE file that is not a Thumbs.db: not this extractor's format
    }
    out_.record({"kind", xp ? "xp" : "windows7_network"});
    for (const char* what : {"directory", "mini FAT", "mini stream"}) {
      if (const auto it = chains.problems().find(what); it != chains.problems().end())
        out_.warn("corrupt", std::string("Thumbs.db ") + what + ": " + it->second);
    }
    if (chains.incomplete()) {
      out_.warn("limit",
                "Thumbs.db sector chains: the loop check stopped at its step budget; "
                "later streams are read unchecked");
    }
    if (xp) read_catalog();
    for (auto& s : numbered_) {
      if (stop_.stop_requested() || stopped_) break;
      thumbnail(s, 12);
    }
    for (auto& s : sized_) {
      if (stop_.stop_requested() || stopped_) break;
      thumbnail(s, 24);
    }
    std::size_t unmatched = 0;
    for (const auto& [index, e] : entries_) unmatched += seen_.count(index) == 0 ? 1 : 0;
    if (xp) out_.record({"catalog_entries_without_stream", std::to_string(unmatched)});
    out_.record({"thumbnails", std::to_string(thumbnails_)});
    out_.record({"other_streams", std::to_string(other_)});
  }

 private:
  void collect(libolecf_item_t* root) {
    int count = 0;
    libolecf_error_t* error = nullptr;
    if (libolecf_item_get_number_of_sub_items(root, &count, &error) != 1) {
      warn_if_thumbs("corrupt",
                     "Thumbs.db root storage entries not readable: " + olecf::error_message(error));
      return;
    }
    for (int i = 0; i < count; ++i) {
      if (static_cast<std::size_t>(i) >= kMaxStreams) {
        out_.warn("limit", "Thumbs.db root storage holds more than " + std::to_string(kMaxStreams) +
                               " entries; the rest are not read");
        break;
      }
      libolecf_item_t* raw = nullptr;
      if (libolecf_item_get_sub_item(root, i, &raw, &error) != 1) {
        pending_.push_back("root entry " + std::to_string(i) + ": " + olecf::error_message(error));
        continue;
      }
      Item sub(raw);
      uint8_t type = 0;
      if (libolecf_item_get_type(raw, &type, nullptr) != 1 || type != LIBOLECF_ITEM_TYPE_STREAM) {
        ++other_;
        continue;
      }
      std::string name = utf8_name(raw);
      if (name == "Catalog") {
        catalog_.emplace(StreamRef{name, std::move(sub)});
      } else if (all_digits(name)) {
        numbered_.push_back({std::move(name), std::move(sub)});
      } else if (is_sized_name(name)) {
        sized_.push_back({std::move(name), std::move(sub)});
      } else {
        ++other_;
      }
    }
    // Warnings about entries are only true once the file is known to be a Thumbs.db.
    if (catalog_ || !sized_.empty() || item_.type.name == "thumbsdb") {
      for (const auto& p : pending_) out_.warn("corrupt", "Thumbs.db " + p);
    }
  }

  void warn_if_thumbs(const char* code, const std::string& message) {
    if (item_.type.name == "thumbsdb") out_.warn(code, message);
  }

  // The whole stream, or nothing (with a warning) when libolecf cannot read it.
  std::optional<std::vector<std::uint8_t>> read_stream(StreamRef& s) {
    if (const auto it = chains_->problems().find(s.name); it != chains_->problems().end()) {
      out_.warn("corrupt", "Thumbs.db stream " + s.name + ": " + it->second + "; not read");
      return std::nullopt;
    }
    uint32_t size = 0;
    libolecf_error_t* error = nullptr;
    if (libolecf_item_get_size(s.item.get(), &size, &error) != 1) {
      out_.warn("corrupt", "Thumbs.db stream " + s.name +
                               ": size not readable: " + olecf::error_message(error));
      return std::nullopt;
    }
    // CFB stores streams uncompressed: a stream larger than the file is a damaged directory.
    if (size > item_.bytes.size()) {
      out_.warn("corrupt", "Thumbs.db stream " + s.name + " declares " + std::to_string(size) +
                               " bytes, more than the file holds (" +
                               std::to_string(item_.bytes.size()) + ")");
      return std::nullopt;
    }
    std::vector<std::uint8_t> data(size);
    if (size == 0) return data;
    const ssize_t n = libolecf_stream_read_buffer(s.item.get(), data.data(), data.size(), &error);
    if (n < 0) {
      out_.warn("corrupt", "Thumbs.db stream " + s.name + ": " + olecf::error_message(error));
      return std::nullopt;
    }
    if (static_cast<std::size_t>(n) < data.size()) {
      out_.warn("truncated", "Thumbs.db stream " + s.name + ": read " + std::to_string(n) + " of " +
                                 std::to_string(size) + " bytes");
      data.resize(static_cast<std::size_t>(n));
    }
    return data;
  }

  void read_catalog() {
    const auto data = read_stream(*catalog_);
    if (!data) return;
    ByteReader r(*data);
    const auto header_size = r.read_le<std::uint16_t>();
    const auto version = r.read_le<std::uint16_t>();
    const auto count = r.read_le<std::uint32_t>();
    const auto width = r.read_le<std::uint32_t>();
    const auto height = r.read_le<std::uint32_t>();
    if (!r.ok() || header_size < 8 || header_size > data->size()) {
      out_.warn("corrupt", "Thumbs.db Catalog header: " + std::to_string(data->size()) +
                               " bytes, header size " + std::to_string(header_size));
      return;
    }
    out_.record({"catalog_version", std::to_string(version)});
    out_.record({"catalog_count", std::to_string(count)});
    if (header_size >= 16) {
      out_.record({"thumbnail_width", std::to_string(width)});
      out_.record({"thumbnail_height", std::to_string(height)});
    }
    std::size_t pos = header_size;
    std::size_t read = 0;
    while (pos < data->size()) {
      if (read >= kMaxCatalogEntries) {
        out_.warn("limit", "Thumbs.db Catalog: more than " + std::to_string(kMaxCatalogEntries) +
                               " entries; the rest are not read");
        break;
      }
      ByteReader e(*data);
      e.seek(pos);
      const auto size = e.read_le<std::uint32_t>();
      const auto index = e.read_le<std::uint32_t>();
      const auto filetime = e.read_le<std::uint64_t>();
      if (!e.ok()) {
        out_.warn("truncated", "Thumbs.db Catalog entry at byte " + std::to_string(pos) +
                                   ": the stream ends inside its 16-byte header");
        break;
      }
      if (size < 16 || size > data->size() - pos) {
        if (size == 0 && std::all_of(data->begin() + static_cast<std::ptrdiff_t>(pos), data->end(),
                                     [](std::uint8_t b) { return b == 0; }))
          break;  // zero padding after the last entry
        out_.warn("corrupt", "Thumbs.db Catalog entry at byte " + std::to_string(pos) +
                                 ": entry size " + std::to_string(size) +
                                 " does not fit in the stream");
        break;
      }
      CatalogEntry c;
      c.filetime = filetime;
      c.name = utf16le_to_utf8(std::span(*data).subspan(pos + 16, size - 16));
      if (entries_.count(index) != 0) {
        out_.warn("corrupt", "Thumbs.db Catalog: index " + std::to_string(index) +
                                 " appears twice; the first entry is kept");
      } else {
        const std::string prefix = "entry_" + std::to_string(index) + "_";
        out_.record({prefix + "name", c.name});
        if (const auto t = from_filetime(filetime)) out_.record({prefix + "time", format_utc(*t)});
        entries_.emplace(index, std::move(c));
      }
      ++read;
      pos += size;
    }
    out_.record({"catalog_entries", std::to_string(read)});
    if (read != count) {
      out_.warn("corrupt", "Thumbs.db Catalog header counts " + std::to_string(count) +
                               " entries; the stream holds " + std::to_string(read));
    }
  }

  void thumbnail(StreamRef& s, std::uint32_t expected_header) {
    const auto data = read_stream(s);
    if (!data) return;
    const std::string where = "Thumbs.db stream " + s.name;
    ByteReader r(*data);
    const auto header_size = r.read_le<std::uint32_t>();
    r.skip(4);
    const auto data_size = r.read_le<std::uint32_t>();
    if (!r.ok() || header_size < 12 || header_size > data->size()) {
      out_.warn("corrupt", where + ": thumbnail header size " + std::to_string(header_size) +
                               " in a stream of " + std::to_string(data->size()) + " bytes");
      return;
    }
    if (header_size != expected_header) {
      out_.warn("corrupt", where + ": thumbnail header of " + std::to_string(header_size) +
                               " bytes, not " + std::to_string(expected_header));
    }
    const std::size_t available = data->size() - header_size;
    std::size_t take = data_size;
    extract::Child child;
    if (data_size > available) {
      out_.warn("truncated", where + ": header declares " + std::to_string(data_size) +
                                 " picture bytes; the stream holds " + std::to_string(available));
      take = available;
      child.status = extract::ChildStatus::kPartial;
    } else if (data_size < available) {
      // Trailing bytes after the declared picture are kept out of the child, and said.
      out_.warn("corrupt", where + ": " + std::to_string(available - data_size) +
                               " bytes after the declared picture");
    }
    if (take == 0) {
      out_.warn("corrupt", where + ": no picture bytes");
      return;
    }
    if (take > out_.child_byte_budget()) {
      out_.warn("limit", where + ": picture of " + std::to_string(take) +
                             " bytes exceeds the child byte budget");
      return;
    }
    child.layer = "thumbsdb";
    child.locator = "stream " + s.name;
    child.declared_size = data_size;
    const auto first = data->begin() + static_cast<std::ptrdiff_t>(header_size);
    child.bytes.assign(first, first + static_cast<std::ptrdiff_t>(take));
    child.name = s.name + ".jpg";
    if (expected_header == 12) {
      // Stream "01" is index 10: the digits reversed.
      std::string digits(s.name.rbegin(), s.name.rend());
      const auto index = static_cast<std::uint32_t>(std::stoull(digits) & 0xFFFFFFFFULL);
      seen_.insert(index);
      if (const auto it = entries_.find(index); it != entries_.end()) {
        if (!it->second.name.empty()) child.name = it->second.name;
        child.times.modified = from_filetime(it->second.filetime);
      }
    }
    ++thumbnails_;
    if (!out_.child(std::move(child))) stopped_ = true;
  }

  const extract::ItemInput& item_;
  extract::Emitter& out_;
  std::stop_token stop_;
  const ChainCheck* chains_ = nullptr;
  std::optional<StreamRef> catalog_;
  std::vector<StreamRef> numbered_;
  std::vector<StreamRef> sized_;
  std::vector<std::string> pending_;
  std::map<std::uint32_t, CatalogEntry> entries_;
  std::set<std::uint32_t> seen_;
  std::size_t other_ = 0;
  std::size_t thumbnails_ = 0;
  bool stopped_ = false;
};

bool is_cfb(std::span<const std::uint8_t> b) {
  return ByteReader(b).matches(0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
}

class ThumbsDbExtractor final : public extract::Extractor {
 public:
  [[nodiscard]] std::string_view name() const override { return "thumbsdb"; }
  [[nodiscard]] std::string_view version() const override { return "1"; }
  [[nodiscard]] std::vector<std::string_view> input_types() const override {
    return {"thumbsdb", "ole2"};
  }
  [[nodiscard]] std::string_view outputs() const override {
    return "every Thumbs.db thumbnail as a child (XP: named and dated from the Catalog); catalog "
           "names and times as records";
  }
  [[nodiscard]] std::string_view limits() const override {
    return "100,000 root entries; 100,000 catalog entries";
  }
  // Every OLE compound file is opened: whether it is a Thumbs.db is decided by its streams.
  [[nodiscard]] bool probe(const extract::ItemInput& item) const override {
    return is_cfb(item.bytes);
  }
  void extract(const extract::ItemInput& item, extract::Emitter& out,
               std::stop_token stop) const override {
    Reader(item, out, std::move(stop)).run();
  }
};

}  // namespace
}  // namespace thumbsdb

std::unique_ptr<extract::Extractor> make_thumbsdb_extractor() {
  return std::make_unique<thumbsdb::ThumbsDbExtractor>();
}

}  // namespace vigil::plugins
