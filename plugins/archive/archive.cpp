// Reads archives and compressed streams through libarchive, from memory, member by member.
//
// Format documents (libarchive implements the parsing; this file follows their member model):
//   ZIP    PKWARE APPNOTE.TXT 6.3.x (ZIP64 §4.3.14-4.3.15, traditional encryption §6.1)
//   7z     7-Zip's 7zFormat.txt (DOC/7zFormat.txt in the 7-Zip source distribution)
//   RAR    RARLAB "RAR 5.0 archive format" (rarlab.com/technote.htm) and the RAR 4.x technote
//   tar    POSIX.1-2017 pax, "ustar Interchange Format" and pax extended headers; GNU tar
//   gzip   RFC 1952 (the member name and time come from its header, §2.3.1)
//   bzip2  the bzip2 format of bzip2/libbzip2 1.0.x;  xz  "The .xz File Format" 1.0.4
// A raw compressed stream has one member, its decompressed content; a compressed tar is read as
// tar (libarchive stacks the filter under the format). Nested archives are not opened here: the
// dispatcher extracts every child again.
#include "archive/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "vigil/core/byte_reader.hpp"

namespace vigil::plugins {
namespace {

using extract::Child;
using extract::ChildStatus;
using extract::Emitter;
using extract::ItemInput;

constexpr std::size_t kBlock = 64 * 1024;
// libarchive may answer ARCHIVE_RETRY or ARCHIVE_WARN without making progress; after this many
// in a row the archive is given up, so that hostile bytes cannot spin the loop.
constexpr int kMaxStalls = 8;
// Past a member cut at the budget, a stream format (tar.gz, 7z, RAR, a raw stream) can reach the
// next member only by decompressing the rest; at most this much is decompressed per item for
// that, so a bomb costs seconds, not hours.
constexpr std::uint64_t kMaxSkipBytes = std::uint64_t{4} << 30;
// A gzip FNAME field longer than this is not taken as a name (RFC 1952 sets no bound).
constexpr std::size_t kMaxGzipName = 4096;
// Reserved up front for a member's bytes at most; the declared size is the archive's word only.
constexpr std::uint64_t kMaxReserve = std::uint64_t{16} << 20;

constexpr std::array<std::string_view, 7> kInputTypes{"zip",  "7z",    "rar", "tar",
                                                      "gzip", "bzip2", "xz"};

struct ReadDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ReadDeleter>;

// libarchive converts member names into the calling thread's locale charset; under the "C"
// locale a UTF-8 name does not convert and comes back null. Around the libarchive calls that
// convert names (open, next header, name getters), this thread and only this thread runs under
// C.UTF-8 (uselocale is per thread): UTF-8 names (ZIP's flag bit 11, 7z's UTF-16, pax) arrive as
// UTF-8, and names in an undeclared charset as their bytes. The emitter's callbacks run under the
// thread's own locale.
class Utf8Locale {
 public:
  Utf8Locale() : loc_(newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr))) {}
  ~Utf8Locale() {
    if (loc_ != static_cast<locale_t>(nullptr)) freelocale(loc_);
  }
  Utf8Locale(const Utf8Locale&) = delete;
  Utf8Locale& operator=(const Utf8Locale&) = delete;

  class Scope {
   public:
    explicit Scope(const Utf8Locale& l)
        : on_(l.loc_ != static_cast<locale_t>(nullptr)),
          old_(on_ ? uselocale(l.loc_) : static_cast<locale_t>(nullptr)) {}
    ~Scope() {
      if (on_) uselocale(old_);
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    bool on_;
    locale_t old_;
  };

 private:
  locale_t loc_;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string error_text(struct archive* a) {
  const char* s = archive_error_string(a);
  return s != nullptr ? s : "libarchive gave no reason";
}

// libarchive has no error code for "the input ended early"; its messages say so in words.
std::string damage_code(std::string_view message) {
  const std::string m = lower(message);
  for (const char* w : {"truncat", "premature", "unexpected end", "end of file"}) {
    if (m.find(w) != std::string::npos) return "truncated";
  }
  return "corrupt";
}

bool mentions_encryption(std::string_view message) {
  const std::string m = lower(message);
  return m.find("encrypt") != std::string::npos || m.find("passphrase") != std::string::npos;
}

std::string_view filter_layer(int code) {
  switch (code) {
    case ARCHIVE_FILTER_GZIP:
      return "gzip";
    case ARCHIVE_FILTER_BZIP2:
      return "bzip2";
    case ARCHIVE_FILTER_XZ:
      return "xz";
    case ARCHIVE_FILTER_LZMA:
      return "lzma";
    default:
      return {};
  }
}

std::string_view format_layer(int format) {
  switch (format & ARCHIVE_FORMAT_BASE_MASK) {
    case ARCHIVE_FORMAT_ZIP:
      return "zip";
    case ARCHIVE_FORMAT_7ZIP:
      return "7z";
    case ARCHIVE_FORMAT_RAR:
    case ARCHIVE_FORMAT_RAR_V5:
      return "rar";
    case ARCHIVE_FORMAT_TAR:
      return "tar";
    default:
      return {};
  }
}

// The record "format": the container's own name, finer than the layer (RAR 4 or 5).
std::string_view format_record(int format) {
  switch (format & ARCHIVE_FORMAT_BASE_MASK) {
    case ARCHIVE_FORMAT_RAR:
      return "rar4";
    case ARCHIVE_FORMAT_RAR_V5:
      return "rar5";
    case ARCHIVE_FORMAT_RAW:
      return "raw";
    default:
      return format_layer(format);
  }
}

// What the container's time fields can hold: never claim more precision than the format has.
// ZIP and RAR 4 keep MS-DOS times (2 s) unless an extra field (NTFS, Unix, extended timestamp)
// carries a finer one, and libarchive does not say which it used: a time with nanoseconds is
// 100 ns (FILETIME), an even second 2 s, an odd one 1 s.
std::uint64_t precision_of(int format, std::int64_t seconds, long nanos) {
  switch (format & ARCHIVE_FORMAT_BASE_MASK) {
    case ARCHIVE_FORMAT_7ZIP:
      return 100;  // FILETIME
    case ARCHIVE_FORMAT_TAR:
      return nanos != 0 ? 1 : 1'000'000'000;  // pax times carry nanoseconds
    case ARCHIVE_FORMAT_ZIP:
    case ARCHIVE_FORMAT_RAR:
    case ARCHIVE_FORMAT_RAR_V5:
      if (nanos != 0) return 100;
      return seconds % 2 == 0 ? 2'000'000'000 : 1'000'000'000;
    default:
      return 1'000'000'000;
  }
}

std::optional<Timestamp> time_of(bool is_set, std::int64_t seconds, long nanos, int format) {
  if (!is_set) return std::nullopt;
  if (nanos < 0 || nanos > 999'999'999) nanos = 0;
  return Timestamp{seconds, static_cast<std::uint32_t>(nanos),
                   precision_of(format, seconds, nanos)};
}

MacbTimes times_of(struct archive_entry* e, int format) {
  MacbTimes t;
  t.modified = time_of(archive_entry_mtime_is_set(e) != 0, archive_entry_mtime(e),
                       archive_entry_mtime_nsec(e), format);
  t.accessed = time_of(archive_entry_atime_is_set(e) != 0, archive_entry_atime(e),
                       archive_entry_atime_nsec(e), format);
  t.changed = time_of(archive_entry_ctime_is_set(e) != 0, archive_entry_ctime(e),
                      archive_entry_ctime_nsec(e), format);
  t.born = time_of(archive_entry_birthtime_is_set(e) != 0, archive_entry_birthtime(e),
                   archive_entry_birthtime_nsec(e), format);
  return t;
}

// RFC 1952 §2.3: ID1 ID2 CM FLG MTIME(4, LE) XFL OS, then FEXTRA (XLEN, data) and FNAME
// (zero-terminated, ISO 8859-1) when their FLG bits (2, 3) are set. A raw gzip stream's member
// takes its name and modification time from here; libarchive does not report them.
struct GzipHeader {
  std::string name;
  std::optional<Timestamp> mtime;
};

GzipHeader parse_gzip_header(std::span<const std::uint8_t> bytes) {
  GzipHeader h;
  ByteReader r(bytes);
  if (!r.matches(0, "\x1F\x8B\x08")) return h;
  r.seek(3);
  const auto flags = r.read_le<std::uint8_t>();
  const auto mtime = r.read_le<std::uint32_t>();
  r.skip(2);  // XFL, OS
  if (!r.ok()) return h;
  if (mtime != 0) h.mtime = Timestamp{mtime, 0, 1'000'000'000};
  if ((flags & 0x04U) != 0) r.skip(r.read_le<std::uint16_t>());
  if ((flags & 0x08U) == 0 || !r.ok()) return h;
  const auto rest = r.read_bytes(std::min(r.remaining(), kMaxGzipName + 1));
  const auto end = std::find(rest.begin(), rest.end(), std::uint8_t{0});
  if (end != rest.end()) h.name.assign(rest.begin(), end);
  return h;
}

// A raw stream without a stored name is named after its container, minus the compression
// suffix (what gunzip, bunzip2 and unxz write), or "data" (libarchive's name for it).
std::string stream_member_name(std::string_view container) {
  const auto slash = container.find_last_of('/');
  if (slash != std::string_view::npos) container.remove_prefix(slash + 1);
  const auto dot = container.find_last_of('.');
  if (dot != std::string_view::npos && dot > 0) {
    const std::string ext = lower(container.substr(dot + 1));
    for (const char* s : {"gz", "gzip", "bz2", "bz", "xz", "lzma"}) {
      if (ext == s) return std::string(container.substr(0, dot));
    }
  }
  return "data";
}

std::string last_component(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  const auto slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

ArchivePtr new_reader() {
  ArchivePtr a(archive_read_new());
  if (!a) throw std::bad_alloc();
  // Only decoders built into libarchive. support_filter_all() would also register filters that
  // start an external program (lrzip, lzop, grzip...) when their library is missing; a scan
  // never runs programs on evidence bytes. ARCHIVE_WARN here means exactly that fallback.
  for (const auto& add : {archive_read_support_filter_gzip, archive_read_support_filter_bzip2,
                          archive_read_support_filter_xz, archive_read_support_filter_lzma}) {
    if (add(a.get()) != ARCHIVE_OK) {
      throw std::runtime_error("libarchive lacks a built-in decoder: " + error_text(a.get()));
    }
  }
  // zip registers both the central-directory (seekable) reader and the streaming one, which
  // takes over when the central directory is missing (a truncated ZIP). raw turns a bare
  // compressed stream into one member; it bids lowest, so every real format wins over it.
  for (const auto& add : {archive_read_support_format_zip, archive_read_support_format_7zip,
                          archive_read_support_format_rar, archive_read_support_format_rar5,
                          archive_read_support_format_tar, archive_read_support_format_raw}) {
    if (add(a.get()) != ARCHIVE_OK) {
      throw std::runtime_error("libarchive cannot register a format: " + error_text(a.get()));
    }
  }
  return a;
}

// One item's extraction: the reader, the emitter and what has been counted so far.
class Run {
 public:
  Run(const ItemInput& item, Emitter& out, std::stop_token stop)
      : item_(item), out_(out), stop_(std::move(stop)), a_(new_reader()) {}

  void go() {
    // libarchive chooses the filters and the format while it opens.
    int opened = ARCHIVE_FATAL;
    {
      const Utf8Locale::Scope utf8(utf8_);
      opened = archive_read_open_memory(a_.get(), item_.bytes.data(), item_.bytes.size());
    }
    if (opened != ARCHIVE_OK) {
      header_failed(error_text(a_.get()));
      return;
    }
    int stalls = 0;
    bool at_end = false;
    while (!stop_.stop_requested()) {
      struct archive_entry* entry = nullptr;
      int rc = ARCHIVE_FATAL;
      {
        const Utf8Locale::Scope utf8(utf8_);
        rc = archive_read_next_header(a_.get(), &entry);
      }
      if (rc == ARCHIVE_EOF) {
        at_end = true;
        break;
      }
      if (rc == ARCHIVE_RETRY && ++stalls <= kMaxStalls) continue;
      if (rc < ARCHIVE_WARN || entry == nullptr) {
        header_failed(error_text(a_.get()));
        break;
      }
      stalls = 0;
      if (!described_ && !describe()) return;  // not an archive after all: not my format
      if (rc == ARCHIVE_WARN) {
        out_.warn("corrupt",
                  "member header " + std::to_string(headers_ + 1) + ": " + error_text(a_.get()));
      }
      ++headers_;
      if (!member(entry)) break;
    }
    // An archive without members still says what it is (an empty ZIP; libarchive's RAR 5
    // reader also ends this way on some damaged headers).
    if (at_end && !described_ && archive_format(a_.get()) != 0 && !describe()) {
      return;
    }
    if (described_) out_.record({"members", std::to_string(members_)});
  }

 private:
  // The first header tells the format and filters. A bare stream with no filter means that
  // only the raw reader accepted the bytes: they hold no archive.
  bool describe() {
    described_ = true;
    format_ = archive_format(a_.get());
    const std::string filters = filter_names();
    for (int i = 0; i < archive_filter_count(a_.get()) && filter_.empty(); ++i) {
      filter_ = filter_layer(archive_filter_code(a_.get(), i));
    }
    if ((format_ & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW) {
      if (filter_.empty()) {
        described_ = false;
        unreadable("libarchive recognises no archive in it");
        return false;
      }
      layer_ = std::string(filter_);
    } else {
      layer_ = std::string(format_layer(format_));
    }
    stream_ = !filter_.empty() || layer_ == "7z" || layer_ == "rar";
    out_.record({"format", std::string(format_record(format_))});
    if (!filters.empty()) out_.record({"compression", filters});
    return true;
  }

  // The decompression filters under the format, innermost first ("gzip"), or "".
  std::string filter_names() const {
    std::string names;
    for (int i = 0; i < archive_filter_count(a_.get()); ++i) {
      const std::string_view f = filter_layer(archive_filter_code(a_.get(), i));
      if (f.empty()) continue;
      if (!names.empty()) names += ",";
      names += f;
    }
    return names;
  }

  // The item was typed an archive by its signature, yet cannot be opened.
  void unreadable(const std::string& why) {
    if (item_.bytes.empty()) return;
    out_.warn(damage_code(why), std::string("content typed ") + std::string(item_.type.name) +
                                    " cannot be read as an archive: " + why);
  }

  void header_failed(const std::string& why) {
    // 7z (-mhe) and RAR 5 (-hp) can encrypt the headers themselves: no name can be listed.
    if (mentions_encryption(why)) {
      out_.warn("encrypted", "after " + std::to_string(headers_) +
                                 " members, the archive's headers are encrypted (" + why +
                                 "): the remaining member names cannot be read");
      return;
    }
    if (!described_ && headers_ == 0) {
      // The raw reader accepts any byte: when a decompression filter opened the stream and no
      // format, raw included, recognises what came out, nothing came out. An empty stream is
      // not a damaged one.
      const std::string filters = filter_names();
      if (!filters.empty() && why.find("Unrecognized archive format") != std::string::npos) {
        out_.record({"format", "raw"});
        out_.record({"compression", filters});
        out_.record({"members", "0"});
        return;
      }
      unreadable(why);
      return;
    }
    out_.warn(damage_code(why), "after " + std::to_string(headers_) + " members: " + why);
  }

  // Unique locator per member: a name repeated inside one archive (a hiding trick) gets the
  // member's ordinal, so that every child has its own provenance.
  std::string locator_for(std::string path) {
    const auto h = std::hash<std::string>{}(path);
    if (!seen_.insert(h).second) path += " (#" + std::to_string(headers_) + ")";
    return path;
  }

  std::string path_of(struct archive_entry* e) const {
    const Utf8Locale::Scope utf8(utf8_);
    if (layer_ == filter_ && (format_ & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW) {
      GzipHeader gz;
      if (filter_ == "gzip") gz = parse_gzip_header(item_.bytes);
      return gz.name.empty() ? stream_member_name(item_.name) : gz.name;
    }
    if (const char* p = archive_entry_pathname(e); p != nullptr && *p != '\0') return p;
    if (const char* p = archive_entry_pathname_utf8(e); p != nullptr && *p != '\0') return p;
    return "member #" + std::to_string(headers_);
  }

  // One header. Returns false when extraction must stop.
  bool member(struct archive_entry* e) {
    const auto type = archive_entry_filetype(e);
    if (type == AE_IFDIR) return true;  // directories are not items
    std::string link;
    const char* hardlink = nullptr;
    {
      const Utf8Locale::Scope utf8(utf8_);
      hardlink = archive_entry_hardlink(e);
      const char* target = hardlink != nullptr ? hardlink : archive_entry_symlink(e);
      if (target != nullptr) link = target;
    }
    if (type == AE_IFLNK || hardlink != nullptr) {
      out_.record({hardlink != nullptr ? "hardlink" : "symlink", path_of(e) + " -> " + link});
      return true;
    }
    if (type != AE_IFREG && type != 0) return true;  // devices, FIFOs, sockets: no content

    Child c;
    c.layer = layer_;
    std::string path = path_of(e);
    if (const auto at = stored_zip_data(path)) {
      c.offset = *at;
      c.has_offset = true;
    }
    c.name = last_component(path);
    c.locator = locator_for(std::move(path));
    c.declared_size = archive_entry_size_is_set(e) != 0 && archive_entry_size(e) > 0
                          ? static_cast<std::uint64_t>(archive_entry_size(e))
                          : 0;
    c.times = times_of(e, format_);
    if (layer_ == "gzip" && (format_ & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW) {
      c.times.modified = parse_gzip_header(item_.bytes).mtime;
    }
    ++members_;

    if (archive_entry_is_encrypted(e) != 0) {
      // Never guessed: name and declared size only, and a warning that says so.
      c.status = ChildStatus::kEncrypted;
      out_.warn("encrypted", "member " + c.locator + " is encrypted (" +
                                 std::to_string(c.declared_size) +
                                 " bytes declared): listed, not read");
      return out_.child(std::move(c));
    }

    const std::uint64_t budget = out_.child_byte_budget();
    const std::uint64_t cap =
        budget == std::numeric_limits<std::uint64_t>::max() ? budget : budget + 1;
    c.bytes.reserve(static_cast<std::size_t>(std::min({c.declared_size, cap, kMaxReserve})));
    std::string error;
    const int end = read_data(c.bytes, cap, error);
    if (stop_.stop_requested()) return false;
    if (c.has_offset && !lies_at_offset(c)) {
      c.has_offset = false;  // what libarchive read is not what lies there: no offset claimed
      c.offset = 0;
    }
    if (end == kOverBudget) {
      c.bytes.resize(static_cast<std::size_t>(budget));
      c.status = ChildStatus::kPartial;
      out_.warn("limit", "member " + c.locator + " holds more than the " + std::to_string(budget) +
                             "-byte child budget (" + std::to_string(c.declared_size) +
                             " bytes declared): kept the first " + std::to_string(budget));
      if (!out_.child(std::move(c))) return false;
      return skip_rest();
    }
    if (end == kFailed) {
      // The archive is damaged here: keep what was read of this member and stop, since a
      // stream cannot be resynchronised and libarchive gives up on the archive too.
      const bool encrypted = mentions_encryption(error);
      if (encrypted && c.bytes.empty()) {
        c.status = ChildStatus::kEncrypted;
        out_.warn("encrypted", "member " + c.locator + ": " + error + ": listed, not read");
        return out_.child(std::move(c));
      }
      c.status = ChildStatus::kPartial;
      std::string kept = std::to_string(c.bytes.size()) + " bytes";
      if (c.has_offset && c.offset <= item_.bytes.size()) {
        // libarchive's streaming ZIP reader gives nothing of a stored member that the end of
        // the file cuts; its bytes lie in the item as they are, up to the end.
        const std::uint64_t present = std::min<std::uint64_t>(
            {c.declared_size, item_.bytes.size() - c.offset, out_.child_byte_budget()});
        if (present > c.bytes.size()) {
          const auto* from = item_.bytes.data() + c.offset;
          c.bytes.assign(from, from + static_cast<std::size_t>(present));
          kept = std::to_string(present) + " bytes taken as stored at offset " +
                 std::to_string(c.offset);
        }
      }
      out_.warn(damage_code(error), "member " + c.locator + ": " + error + "; kept " + kept +
                                        " of " + std::to_string(c.declared_size) + " declared");
      out_.child(std::move(c));
      return false;
    }
    return out_.child(std::move(c));
  }

  // A stored (uncompressed) ZIP member's data offset in the item: its local file header
  // (APPNOTE 4.3.7: signature, method at +8, name and extra lengths at +26 and +28) at the
  // position libarchive reports for the header, checked against the member's name. nullopt
  // when the header is not there (the central-directory reader seeks elsewhere), is compressed
  // or encrypted, or the archive sits under a filter.
  std::optional<std::uint64_t> stored_zip_data(std::string_view path) const {
    if (layer_ != "zip" || !filter_.empty()) return std::nullopt;
    const la_int64_t pos = archive_read_header_position(a_.get());
    if (pos < 0) return std::nullopt;
    ByteReader r(item_.bytes);
    if (!r.seek(static_cast<std::size_t>(pos)) || r.read_le<std::uint32_t>() != 0x04034B50U) {
      return std::nullopt;
    }
    r.skip(2);  // version needed
    const auto flags = r.read_le<std::uint16_t>();
    const auto method = r.read_le<std::uint16_t>();
    r.skip(16);  // time, date, CRC-32, compressed and uncompressed sizes
    const auto name_len = r.read_le<std::uint16_t>();
    const auto extra_len = r.read_le<std::uint16_t>();
    const auto name = r.read_bytes(name_len);
    r.skip(extra_len);
    // Flag bit 0 (§4.4.4): encrypted; its data is ciphertext, not the member's bytes.
    if (!r.ok() || method != 0 || (flags & 0x0001U) != 0 ||
        std::string_view(reinterpret_cast<const char*>(name.data()), name.size()) != path) {
      return std::nullopt;
    }
    return r.pos();
  }

  // True when the item holds the child's bytes read so far at the child's offset.
  bool lies_at_offset(const Child& c) const {
    if (c.offset > item_.bytes.size() || c.bytes.size() > item_.bytes.size() - c.offset) {
      return false;
    }
    return std::equal(c.bytes.begin(), c.bytes.end(),
                      item_.bytes.begin() + static_cast<std::ptrdiff_t>(c.offset));
  }

  static constexpr int kComplete = 0;
  static constexpr int kOverBudget = 1;
  static constexpr int kFailed = 2;

  // Reads the current member into bytes, in blocks, never beyond cap bytes.
  int read_data(std::vector<std::uint8_t>& bytes, std::uint64_t cap, std::string& error) {
    int stalls = 0;
    while (!stop_.stop_requested()) {
      const std::uint64_t room = cap - bytes.size();
      if (room == 0) return kOverBudget;
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, room));
      const la_ssize_t n = archive_read_data(a_.get(), block_.data(), want);
      if (n > 0) {
        bytes.insert(bytes.end(), block_.begin(), block_.begin() + n);
        stalls = 0;
        continue;
      }
      if (n == 0) return kComplete;
      if (n == ARCHIVE_FATAL || ++stalls > kMaxStalls) {
        error = error_text(a_.get());
        return kFailed;
      }
      // ARCHIVE_WARN (a CRC mismatch: the bytes are what the archive holds, but not what it
      // stored) or ARCHIVE_RETRY: say so and keep reading.
      if (n == ARCHIVE_WARN) {
        const std::string why = error_text(a_.get());
        const std::string m = lower(why);
        out_.warn(m.find("crc") != std::string::npos || m.find("checksum") != std::string::npos
                      ? "checksum"
                      : "corrupt",
                  "member " + std::to_string(headers_) + ": " + why);
      }
    }
    return kComplete;
  }

  // After a member cut at the budget: ZIP and plain tar reach the next header by seeking; a
  // stream must decompress the rest, at most kMaxSkipBytes per item.
  bool skip_rest() {
    if (!stream_) return true;
    const void* block = nullptr;
    std::size_t size = 0;
    la_int64_t offset = 0;
    while (!stop_.stop_requested()) {
      const int rc = archive_read_data_block(a_.get(), &block, &size, &offset);
      if (rc == ARCHIVE_EOF) return true;
      if (rc < ARCHIVE_WARN) return true;  // the next header read reports the damage
      skipped_ += size;
      if (skipped_ > kMaxSkipBytes) {
        out_.warn("limit", "stopped after " + std::to_string(headers_) +
                               " members: reaching the next member of this " + layer_ +
                               " stream would decompress more than " +
                               std::to_string(kMaxSkipBytes) + " bytes past the child budget");
        return false;
      }
    }
    return false;
  }

  const ItemInput& item_;
  Emitter& out_;
  std::stop_token stop_;
  Utf8Locale utf8_;  // before a_: freed after the reader
  ArchivePtr a_;
  bool described_ = false;
  int format_ = 0;
  std::string_view filter_;
  std::string layer_;
  bool stream_ = false;
  std::uint64_t headers_ = 0;
  std::uint64_t members_ = 0;
  std::uint64_t skipped_ = 0;
  std::unordered_set<std::size_t> seen_;
  std::vector<std::uint8_t> block_ = std::vector<std::uint8_t>(kBlock);
};

class ArchiveExtractor final : public extract::Extractor {
 public:
  [[nodiscard]] std::string_view name() const override { return "archive"; }
  [[nodiscard]] std::string_view version() const override { return "1.0"; }
  [[nodiscard]] std::vector<std::string_view> input_types() const override {
    return {kInputTypes.begin(), kInputTypes.end()};
  }
  [[nodiscard]] std::string_view outputs() const override {
    return "members of ZIP/ZIP64, 7z, RAR 4/5 and tar archives and the content of gzip, bzip2 "
           "and xz streams (children, layer zip/7z/rar/tar/gzip/bzip2/xz, locator the member "
           "path); encrypted members listed with name and size; records: format, compression, "
           "members, symlink, hardlink";
  }
  [[nodiscard]] std::string_view limits() const override {
    return "a member stops at the child byte budget (kept in part, 'limit' warning); at most "
           "4 GiB decompressed per item to skip past such members in a stream; no passphrases; "
           "built-in decoders only (no external programs)";
  }
  // By sniffed type only: content decides, never the name. An OOXML package is a ZIP that the
  // documents extractor reads (its media parts, not every XML part).
  [[nodiscard]] bool probe(const ItemInput& item) const override {
    if (std::find(kInputTypes.begin(), kInputTypes.end(), item.type.name) == kInputTypes.end())
      return false;
    return item.type.name != "zip" || !item.is_ooxml();
  }
  void extract(const ItemInput& item, Emitter& out, std::stop_token stop) const override {
    Run(item, out, std::move(stop)).go();
  }
};

}  // namespace

std::unique_ptr<extract::Extractor> make_archive_extractor() {
  return std::make_unique<ArchiveExtractor>();
}

}  // namespace vigil::plugins
