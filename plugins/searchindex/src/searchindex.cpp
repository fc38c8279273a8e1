// The Windows Search index: which file each System_ThumbnailCacheId belongs to.
//
// Microsoft documents the property (System.ThumbnailCacheId, "a unique value used as a key to
// cache thumbnails", UInt64, formatID 446D16B1-8DAD-4870-A748-402EA43D788C, propID 100:
// https://learn.microsoft.com/windows/win32/properties/props-system-thumbnailcacheid) but not
// the index's storage. The table and column names below are those that public tools read:
//
//   Windows.edb (ESE), Windows XP Search, Vista, 7: table SystemIndex_0A, one column per property
//     named after it with '.' as '_' (System_ItemPathDisplay, System_ThumbnailCacheId,
//     System_Size, System_DateModified, ...). Joachim Metz, "Windows Search" (libyal/esedb-kb,
//     documentation/Windows Search.asciidoc): column lists of XP, Vista and 7; binary values
//     big-endian in XP and 7, little-endian in Vista; System_ThumbnailCacheId "Binary data,
//     64-bit big-endian" in 7, "Currency (64-bit)" in Vista. Eric Kutcher, Thumbcache Viewer
//     (thumbcacheviewer/thumbcacheviewer, thumbcache_viewer/read_esedb.cpp) reads the same
//     table and chooses the byte order from the database header's format revision (little-endian
//     for revision 0x0C, Vista, and 0x14 and later, Windows 8 and later).
//   Windows.edb (ESE), Windows 8 and 10: table SystemIndex_PropertyStore, columns named
//     "<hex>-<property>" (4447-System_ItemPathDisplay). Thumbcache Viewer
//     (read_esedb.cpp, get_column_info_win8: "values are in little endian") and fox-it
//     dissect.target (dissect/target/plugins/os/windows/search.py: columns matched on the part
//     after the first '-', "as these column name prefixes might be dynamic").
//   Windows.db (SQLite), Windows 11: SystemIndex_1_PropertyStore(WorkId, ColumnId, Value), one
//     row per property of an item, and SystemIndex_1_PropertyStore_Metadata(Id, UniqueKey), the
//     property of each ColumnId, UniqueKey again "<hex>-<property>". dissect.target (same file,
//     parse_sqlite) and Thumbcache Viewer (read_sqlitedb.cpp, map_entries.cpp: the join of the
//     two tables; System_ThumbnailCacheId an 8-byte little-endian value, VT_UI8).
// Times are FILETIMEs; in Windows.db they and System_Size are 8-byte little-endian BLOBs (the
// dump published by misohena.jp, "Windows Searchのデータベースを覗く", 2024-11-09).
#include "searchindex/searchindex.hpp"

#include <libesedb.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/bfio/memory_handle.hpp"
#include "vigil/core/byte_reader.hpp"
#include "vigil/core/text.hpp"

namespace vigil::plugins {
namespace searchindex {
namespace {

// More items than any index holds (a busy Windows.edb holds some hundreds of thousands); the
// cap bounds the records written for a hostile file.
constexpr std::size_t kMaxItems = 2'000'000;
// Each kind of per-value problem is warned this often, then counted in one summary warning.
constexpr std::size_t kWarningsPerKind = 10;
// A path or name longer than this is no Windows path (32,767 UTF-16 units at most).
constexpr std::size_t kMaxText = 65'536;

// The properties read, by name after the optional "<hex>-" prefix.
enum Prop { kCacheId, kPath, kFileName, kNameDisplay, kSize, kModified, kCreated, kAccessed, kNum };
constexpr std::array<std::string_view, kNum> kPropNames = {"System_ThumbnailCacheId",
                                                           "System_ItemPathDisplay",
                                                           "System_FileName",
                                                           "System_ItemNameDisplay",
                                                           "System_Size",
                                                           "System_DateModified",
                                                           "System_DateCreated",
                                                           "System_DateAccessed"};

std::optional<Prop> prop_of(std::string_view column) {
  const auto dash = column.find('-');
  if (dash != std::string_view::npos) column.remove_prefix(dash + 1);
  for (std::size_t i = 0; i < kNum; ++i) {
    if (column == kPropNames[i]) return static_cast<Prop>(i);
  }
  return std::nullopt;
}

std::string hex64(std::uint64_t v) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// FILETIME (100 ns since 1601-01-01 UTC) as ISO 8601 UTC; empty for 0 and for values past
// year 9999 (not a time any file carries).
std::string filetime_text(std::uint64_t ft) {
  constexpr std::uint64_t kEpochDiff = 116'444'736'000'000'000ULL;
  constexpr std::uint64_t kYear10000 = 2'650'467'744'000'000'000ULL;
  if (ft == 0 || ft >= kYear10000) return {};
  Timestamp t;
  const auto rel = static_cast<std::int64_t>(ft - kEpochDiff);
  std::int64_t secs = rel / 10'000'000;
  std::int64_t rem = rel % 10'000'000;
  if (rem < 0) {
    rem += 10'000'000;
    --secs;
  }
  t.seconds = secs;
  t.nanos = static_cast<std::uint32_t>(rem * 100);
  t.precision_ns = 100;
  return format_utc(t);
}

// One indexed item, as read.
struct Item {
  std::int64_t work_id = 0;
  std::optional<std::uint64_t> cache_id;
  std::string path, file_name, name_display;
  std::optional<std::uint64_t> size;
  std::uint64_t modified = 0, created = 0, accessed = 0;
};

// What both readers share: the records, the capped warnings, the totals.
class Output {
 public:
  explicit Output(extract::Emitter& out) : out_(out) {}

  void record(std::string name, std::string value) {
    out_.record({std::move(name), std::move(value)});
  }
  void warn(const std::string& code, const std::string& message) { out_.warn(code, message); }
  // A problem with one value: warned kWarningsPerKind times per kind, then counted.
  void value_problem(const std::string& kind, const std::string& message) {
    auto& n = problems_[kind];
    if (++n <= kWarningsPerKind) out_.warn("corrupt", message);
  }

  // Emits one item; false once the item cap is reached.
  bool item(const Item& it) {
    ++items_read_;
    if (!it.cache_id) return true;
    if (emitted_ >= kMaxItems) {
      if (!capped_)
        out_.warn("limit", "more than " + std::to_string(kMaxItems) +
                               " indexed items carry a thumbnail cache id; the rest are not read");
      capped_ = true;
      return false;
    }
    const std::string p = "item_" + std::to_string(emitted_++) + "_";
    record(p + "thumbnail_cache_id", hex64(*it.cache_id));
    record(p + "work_id", std::to_string(it.work_id));
    if (!it.path.empty()) record(p + "path", it.path);
    const std::string& name = !it.file_name.empty() ? it.file_name : it.name_display;
    if (!name.empty()) record(p + "name", name);
    if (it.size) record(p + "size", std::to_string(*it.size));
    if (const auto t = filetime_text(it.modified); !t.empty()) record(p + "modified", t);
    if (const auto t = filetime_text(it.created); !t.empty()) record(p + "created", t);
    if (const auto t = filetime_text(it.accessed); !t.empty()) record(p + "accessed", t);
    return true;
  }

  void finish() {
    record("indexed_items_read", std::to_string(items_read_));
    record("items_with_thumbnail_cache_id", std::to_string(emitted_));
    for (const auto& [kind, n] : problems_) {
      if (n > kWarningsPerKind)
        out_.warn("corrupt", std::to_string(n) + " values of " + kind + " could not be read (" +
                                 std::to_string(kWarningsPerKind) + " warned above)");
    }
  }

 private:
  extract::Emitter& out_;
  std::map<std::string, std::size_t> problems_;
  std::size_t items_read_ = 0;
  std::size_t emitted_ = 0;
  bool capped_ = false;
};

// ---------------------------------------------------------------------------------------------
// Windows.db (SQLite)

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtCloser>;

// The progress handler stops a query that runs longer than any real index needs (a hostile
// schema or a page loop that SQLite has not yet detected), or when the scan stops.
struct Budget {
  std::uint64_t ticks = 0;
  std::uint64_t max_ticks = 0;
  const std::stop_token* stop = nullptr;
};
int progress(void* p) {
  auto* b = static_cast<Budget*>(p);
  return (++b->ticks > b->max_ticks || b->stop->stop_requested()) ? 1 : 0;
}

std::optional<std::uint64_t> sqlite_u64(sqlite3_stmt* s, int col) {
  if (sqlite3_column_type(s, col) == SQLITE_INTEGER)
    return static_cast<std::uint64_t>(sqlite3_column_int64(s, col));
  if (sqlite3_column_type(s, col) == SQLITE_BLOB && sqlite3_column_bytes(s, col) == 8) {
    const auto* b = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, col));
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8U) | b[i];
    return v;
  }
  return std::nullopt;
}

std::optional<std::string> sqlite_text(sqlite3_stmt* s, int col) {
  const int type = sqlite3_column_type(s, col);
  if (type == SQLITE_TEXT) {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
    const auto n = static_cast<std::size_t>(sqlite3_column_bytes(s, col));
    if (n > kMaxText) return std::nullopt;
    return std::string(t, n);
  }
  if (type == SQLITE_BLOB) {
    const auto n = static_cast<std::size_t>(sqlite3_column_bytes(s, col));
    if (n > kMaxText * 2 || n % 2 != 0) return std::nullopt;
    const auto* b = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, col));
    return utf16le_to_utf8({b, n});
  }
  return std::nullopt;
}

class SqliteReader {
 public:
  SqliteReader(std::span<const std::uint8_t> bytes, Output& out, const std::stop_token& stop)
      : bytes_(bytes), out_(out), stop_(stop) {}

  void run() {
    out_.record("index_format", "Windows.db (SQLite, Windows 11)");
    if (!open()) return;
    if (!has_table("SystemIndex_1_PropertyStore") ||
        !has_table("SystemIndex_1_PropertyStore_Metadata")) {
      out_.warn("corrupt",
                "a Windows Search SQLite database (it names SystemIndex_ tables) without the "
                "tables SystemIndex_1_PropertyStore and SystemIndex_1_PropertyStore_Metadata; "
                "no paths read");
      return;
    }
    out_.record("index_table", "SystemIndex_1_PropertyStore");
    std::map<std::int64_t, Prop> columns;
    {
      auto s = prepare("SELECT Id, UniqueKey FROM SystemIndex_1_PropertyStore_Metadata");
      if (!s) return;
      int rc = SQLITE_OK;
      while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
        const auto key = sqlite_text(s.get(), 1);
        if (!key) continue;
        if (const auto p = prop_of(*key)) columns[sqlite3_column_int64(s.get(), 0)] = *p;
      }
      if (rc != SQLITE_DONE) return step_failed("SystemIndex_1_PropertyStore_Metadata");
    }
    bool have_cache_id = false;
    std::string ids;
    for (const auto& [id, p] : columns) {
      have_cache_id = have_cache_id || p == kCacheId;
      ids += (ids.empty() ? "" : ",") + std::to_string(id);
    }
    if (!have_cache_id) {
      out_.warn("corrupt",
                "SystemIndex_1_PropertyStore_Metadata names no System_ThumbnailCacheId column; no "
                "thumbnail cache ids read");
      out_.finish();
      return;
    }
    // Only the columns read; in WorkId order, so items come out whole and in a fixed order.
    auto s = prepare(
        "SELECT WorkId, ColumnId, Value FROM SystemIndex_1_PropertyStore WHERE ColumnId "
        "IN (" +
        ids + ") ORDER BY WorkId, ColumnId");
    if (!s) return;
    Item it;
    bool open_item = false;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      const std::int64_t work_id = sqlite3_column_int64(s.get(), 0);
      if (open_item && work_id != it.work_id) {
        if (!out_.item(it)) return out_.finish();
        it = Item{};
      }
      open_item = true;
      it.work_id = work_id;
      const auto col = columns.find(sqlite3_column_int64(s.get(), 1));
      if (col == columns.end()) continue;
      const std::string where =
          std::string(kPropNames[col->second]) + " (WorkId " + std::to_string(work_id) + ")";
      if (col->second == kPath || col->second == kFileName || col->second == kNameDisplay) {
        const auto t = sqlite_text(s.get(), 2);
        if (!t) {
          out_.value_problem(std::string(kPropNames[col->second]),
                             "Windows.db: " + where + " is not a text value");
          continue;
        }
        (col->second == kPath       ? it.path
         : col->second == kFileName ? it.file_name
                                    : it.name_display) = *t;
        continue;
      }
      const auto v = sqlite_u64(s.get(), 2);
      if (!v) {
        out_.value_problem(std::string(kPropNames[col->second]),
                           "Windows.db: " + where + " is not an 8-byte value");
        continue;
      }
      switch (col->second) {
        case kCacheId:
          it.cache_id = *v;
          break;
        case kSize:
          it.size = *v;
          break;
        case kModified:
          it.modified = *v;
          break;
        case kCreated:
          it.created = *v;
          break;
        default:
          it.accessed = *v;
      }
    }
    if (open_item && !out_.item(it)) return out_.finish();
    if (rc != SQLITE_DONE) step_failed("SystemIndex_1_PropertyStore");
    out_.finish();
  }

 private:
  bool open() {
    // A private copy: SQLite reads it in memory, read-only, and the evidence's bytes are never
    // handed to a library that could write. A WAL-mode header (bytes 18/19 = 2) is set to the
    // rollback journal mode in the copy, since an in-memory database has no WAL; the -wal file
    // beside the database is not read (README.md).
    auto* copy = static_cast<unsigned char*>(sqlite3_malloc64(bytes_.size()));
    if (copy == nullptr) throw std::bad_alloc();
    std::memcpy(copy, bytes_.data(), bytes_.size());
    if (bytes_.size() >= 20 && copy[18] == 2 && copy[19] == 2) copy[18] = copy[19] = 1;
    sqlite3* raw = nullptr;
    if (sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      sqlite3_free(copy);
      sqlite3_close_v2(raw);
      throw std::bad_alloc();
    }
    db_.reset(raw);
    // Defences for a database file of unknown origin (https://www.sqlite.org/security.html).
    sqlite3_db_config(raw, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    sqlite3_db_config(raw, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
    sqlite3_limit(raw, SQLITE_LIMIT_LENGTH, 16 * 1024 * 1024);
    budget_.max_ticks = 10'000'000 + bytes_.size() / 16;
    budget_.stop = &stop_;
    sqlite3_progress_handler(raw, 1000, progress, &budget_);
    const int rc =
        sqlite3_deserialize(raw, "main", copy, static_cast<sqlite3_int64>(bytes_.size()),
                            static_cast<sqlite3_int64>(bytes_.size()),
                            SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
    if (rc != SQLITE_OK) {
      out_.warn("corrupt", std::string("SQLite cannot open the database: ") + sqlite3_errmsg(raw));
      return false;
    }
    if (sqlite3_exec(raw, "PRAGMA cell_size_check=ON", nullptr, nullptr, nullptr) != SQLITE_OK) {
      out_.warn("corrupt", std::string("SQLite cannot read the database: ") + sqlite3_errmsg(raw));
      return false;
    }
    return true;
  }

  bool has_table(const char* name) {
    auto s = prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?1");
    if (!s) return false;
    sqlite3_bind_text(s.get(), 1, name, -1, SQLITE_STATIC);
    return sqlite3_step(s.get()) == SQLITE_ROW;
  }

  Stmt prepare(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
      out_.warn("corrupt",
                std::string("SQLite cannot read the database: ") + sqlite3_errmsg(db_.get()));
      sqlite3_finalize(raw);
      return nullptr;
    }
    return Stmt(raw);
  }

  void step_failed(const char* table) {
    const bool interrupted = sqlite3_errcode(db_.get()) == SQLITE_INTERRUPT;
    out_.warn(interrupted && !stop_.stop_requested() ? "limit" : "corrupt",
              std::string("reading ") + table + " stopped: " +
                  (interrupted ? "the query ran past its step budget (a damaged or hostile file)"
                               : sqlite3_errmsg(db_.get())) +
                  "; the items read before are kept");
  }

  std::span<const std::uint8_t> bytes_;
  Output& out_;
  const std::stop_token& stop_;
  Budget budget_;
  Db db_;
};

// ---------------------------------------------------------------------------------------------
// Windows.edb (ESE, through libesedb)

std::string esedb_error(libesedb_error_t* error) {
  if (error == nullptr) return "libesedb gave no reason";
  char text[512] = {};
  libesedb_error_sprint(error, text, sizeof text);
  libesedb_error_free(&error);
  std::string s(text);
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s.empty() ? "libesedb gave no reason" : s;
}

struct EseFile {
  libesedb_file_t* file = nullptr;
  ~EseFile() {
    if (file != nullptr) {
      libesedb_file_close(file, nullptr);
      libesedb_file_free(&file, nullptr);
    }
  }
};
struct EseTable {
  libesedb_table_t* t = nullptr;
  ~EseTable() {
    if (t != nullptr) libesedb_table_free(&t, nullptr);
  }
};
struct EseColumn {
  libesedb_column_t* c = nullptr;
  ~EseColumn() {
    if (c != nullptr) libesedb_column_free(&c, nullptr);
  }
};
struct EseRecord {
  libesedb_record_t* r = nullptr;
  ~EseRecord() {
    if (r != nullptr) libesedb_record_free(&r, nullptr);
  }
};
struct EseLongValue {
  libesedb_long_value_t* v = nullptr;
  ~EseLongValue() {
    if (v != nullptr) libesedb_long_value_free(&v, nullptr);
  }
};

// The ESE file header (libyal libesedb, "Extensible Storage Engine (ESE) Database File (EDB)
// format", file header): signature 0x89abcdef at offset 4, database state at 52 (2: dirty
// shutdown, 3: clean shutdown), format revision at 232, page size at 236.
struct EseHeader {
  std::uint32_t state = 0;
  std::uint32_t revision = 0;
  std::uint32_t page_size = 0;
};

std::optional<EseHeader> ese_header(std::span<const std::uint8_t> b) {
  ByteReader r(b);
  if (!r.matches(4, "\xEF\xCD\xAB\x89")) return std::nullopt;
  EseHeader h;
  r.seek(52);
  h.state = r.read_le<std::uint32_t>();
  r.seek(232);
  h.revision = r.read_le<std::uint32_t>();
  h.page_size = r.read_le<std::uint32_t>();
  if (!r.ok()) return std::nullopt;
  return h;
}

class EseReader {
 public:
  EseReader(std::span<const std::uint8_t> bytes, Output& out, const std::stop_token& stop)
      : bytes_(bytes), out_(out), stop_(stop) {}

  void run() {
    out_.record("index_format", "Windows.edb (ESE)");
    const auto h = ese_header(bytes_);
    if (!h) {
      out_.warn("truncated", "ESE database header: " + std::to_string(bytes_.size()) +
                                 " bytes, too short for its fields");
      return;
    }
    out_.record("ese_format_revision", std::to_string(h->revision));
    out_.record("ese_database_state", h->state == 2   ? "dirty shutdown"
                                      : h->state == 3 ? "clean shutdown"
                                                      : std::to_string(h->state));
    // libesedb allocates page buffers of the header's page size: only the sizes ESE writes.
    const std::uint32_t sizes[] = {2048, 4096, 8192, 16384, 32768};
    if (std::find(std::begin(sizes), std::end(sizes), h->page_size) == std::end(sizes)) {
      out_.warn("corrupt", "ESE page size " + std::to_string(h->page_size) +
                               " is none of 2, 4, 8, 16 or 32 KiB; not read");
      return;
    }
    if (bytes_.size() < 2ULL * h->page_size) {
      out_.warn("truncated", "ESE database of " + std::to_string(bytes_.size()) +
                                 " bytes holds less than its two header pages");
      return;
    }
    if (h->state == 2) {
      out_.warn("dirty",
                "the Windows Search database was not shut down cleanly (dirty shutdown): changes "
                "still in its transaction logs (MSS*.log) are not in this file and are not read");
    }
    // Byte order of binary values (Thumbcache Viewer, read_esedb.cpp): little-endian in Vista
    // (revision 0x0C) and Windows 8 and later (0x14 and later), big-endian otherwise (XP, 7).
    big_endian_ = !(h->revision == 0x0C || h->revision >= 0x14);
    bfio::MemoryHandle handle(bytes_);
    EseFile f;
    if (libesedb_file_initialize(&f.file, nullptr) != 1) throw std::bad_alloc();
    libesedb_error_t* error = nullptr;
    if (libesedb_file_open_file_io_handle(f.file, handle.get(), LIBESEDB_OPEN_READ, &error) != 1) {
      libesedb_file_free(&f.file, nullptr);
      f.file = nullptr;
      out_.warn("corrupt", "libesedb cannot open the ESE database: " + esedb_error(error));
      return;
    }
    EseTable table;
    const char* chosen = nullptr;
    for (const char* name : {"SystemIndex_PropertyStore", "SystemIndex_0A"}) {
      const auto n = std::strlen(name);
      const int rc = libesedb_file_get_table_by_utf8_name(
          f.file, reinterpret_cast<const std::uint8_t*>(name), n, &table.t, nullptr);
      if (rc == 1) {
        chosen = name;
        break;
      }
    }
    if (chosen == nullptr) {
      out_.warn("corrupt",
                "an ESE database that names SystemIndex_ tables but holds neither "
                "SystemIndex_PropertyStore (Windows 8-10) nor SystemIndex_0A (XP-7); no paths "
                "read");
      return;
    }
    out_.record("index_table", chosen);
    if (!find_columns(table.t)) return;
    read_records(table.t);
    out_.finish();
  }

 private:
  struct Col {
    int entry = -1;
    std::uint32_t type = 0;
  };

  bool find_columns(libesedb_table_t* t) {
    int n = 0;
    if (libesedb_table_get_number_of_columns(t, &n, 0, nullptr) != 1) {
      out_.warn("corrupt", "libesedb cannot count the columns of the index table");
      return false;
    }
    for (int i = 0; i < n; ++i) {
      EseColumn c;
      if (libesedb_table_get_column(t, i, &c.c, 0, nullptr) != 1) continue;
      std::uint8_t name[256] = {};
      if (libesedb_column_get_utf8_name(c.c, name, sizeof name, nullptr) != 1) continue;
      const auto p = prop_of(reinterpret_cast<const char*>(name));
      if (!p) continue;
      std::uint32_t type = 0;
      libesedb_column_get_type(c.c, &type, nullptr);
      cols_[*p] = {i, type};
    }
    if (cols_[kCacheId].entry < 0) {
      out_.warn("corrupt",
                "the index table has no System_ThumbnailCacheId column; no thumbnail cache ids "
                "read");
      out_.finish();
      return false;
    }
    return true;
  }

  // The raw bytes of a value (a long value's whole data), up to `max` bytes.
  std::optional<std::vector<std::uint8_t>> raw(libesedb_record_t* r, int entry, std::size_t max) {
    if (libesedb_record_is_long_value(r, entry, nullptr) == 1) {
      EseLongValue lv;
      if (libesedb_record_get_long_value(r, entry, &lv.v, nullptr) != 1) return std::nullopt;
      size64_t size = 0;
      if (libesedb_long_value_get_data_size(lv.v, &size, nullptr) != 1 || size > max)
        return std::nullopt;
      std::vector<std::uint8_t> v(static_cast<std::size_t>(size));
      if (!v.empty() && libesedb_long_value_get_data(lv.v, v.data(), v.size(), nullptr) != 1)
        return std::nullopt;
      return v;
    }
    std::size_t size = 0;
    if (libesedb_record_get_value_data_size(r, entry, &size, nullptr) != 1 || size > max)
      return std::nullopt;
    std::vector<std::uint8_t> v(size);
    if (size > 0 && libesedb_record_get_value_data(r, entry, v.data(), size, nullptr) != 1)
      return std::nullopt;
    return v;
  }

  // An 8-byte property: a 64-bit column (Currency, signed 64-bit) in the file's native
  // little-endian, or 8 binary bytes in the index's byte order.
  std::optional<std::uint64_t> u64(libesedb_record_t* r, Prop p) {
    const Col& c = cols_[p];
    const auto v = raw(r, c.entry, 64);
    if (!v || v->empty()) return std::nullopt;
    if (v->size() != 8) {
      out_.value_problem(std::string(kPropNames[p]), "Windows.edb: " + std::string(kPropNames[p]) +
                                                         " holds " + std::to_string(v->size()) +
                                                         " bytes, not 8");
      return std::nullopt;
    }
    const bool native = c.type == LIBESEDB_COLUMN_TYPE_CURRENCY ||
                        c.type == LIBESEDB_COLUMN_TYPE_INTEGER_64BIT_SIGNED ||
                        c.type == LIBESEDB_COLUMN_TYPE_DATE_TIME;
    std::uint64_t x = 0;
    if (native || !big_endian_) {
      for (int i = 7; i >= 0; --i) x = (x << 8U) | (*v)[static_cast<std::size_t>(i)];
    } else {
      for (int i = 0; i < 8; ++i) x = (x << 8U) | (*v)[static_cast<std::size_t>(i)];
    }
    return x;
  }

  std::string text(libesedb_record_t* r, Prop p) {
    const Col& c = cols_[p];
    if (c.entry < 0) return {};
    const auto v = raw(r, c.entry, kMaxText * 2);
    if (!v || v->empty()) return {};
    if (c.type == LIBESEDB_COLUMN_TYPE_TEXT || c.type == LIBESEDB_COLUMN_TYPE_LARGE_TEXT) {
      // ESE may store text compressed (7-bit or LZXPRESS, Windows 7 and later); libesedb's
      // string reader decompresses, the raw bytes above do not.
      if (libesedb_record_is_long_value(r, c.entry, nullptr) != 1) {
        std::size_t n = 0;
        if (libesedb_record_get_value_utf8_string_size(r, c.entry, &n, nullptr) == 1 && n > 0 &&
            n <= kMaxText * 3) {
          std::string s(n, '\0');
          if (libesedb_record_get_value_utf8_string(
                  r, c.entry, reinterpret_cast<std::uint8_t*>(s.data()), n, nullptr) == 1) {
            s.resize(std::strlen(s.c_str()));
            return s;
          }
        }
      }
      return utf16le_to_utf8(*v);
    }
    // Binary columns hold Windows Search's own compressed strings in Vista (esedb-kb), which
    // are not decoded here; uncompressed UTF-16 is read as such.
    if (!v->empty() && ((*v)[0] & 0xF0) != 0 && v->size() % 2 == 1) {
      out_.value_problem("compressed " + std::string(kPropNames[p]),
                         "Windows.edb: " + std::string(kPropNames[p]) +
                             " is a Windows Search compressed string, not decoded");
      return {};
    }
    return utf16le_to_utf8(*v);
  }

  void read_records(libesedb_table_t* t) {
    int n = 0;
    if (libesedb_table_get_number_of_records(t, &n, nullptr) != 1) {
      out_.warn("corrupt", "libesedb cannot count the records of the index table");
      return;
    }
    std::size_t unreadable = 0;
    for (int i = 0; i < n; ++i) {
      if (stop_.stop_requested()) return;
      EseRecord rec;
      libesedb_error_t* error = nullptr;
      if (libesedb_table_get_record(t, i, &rec.r, &error) != 1) {
        if (++unreadable <= kWarningsPerKind)
          out_.warn("corrupt",
                    "index record " + std::to_string(i) + " cannot be read: " + esedb_error(error));
        else
          libesedb_error_free(&error);
        continue;
      }
      Item it;
      it.work_id = i;
      it.cache_id = u64(rec.r, kCacheId);
      if (it.cache_id) {
        it.path = text(rec.r, kPath);
        it.file_name = text(rec.r, kFileName);
        it.name_display = text(rec.r, kNameDisplay);
        if (cols_[kSize].entry >= 0) it.size = u64(rec.r, kSize);
        if (cols_[kModified].entry >= 0) it.modified = u64(rec.r, kModified).value_or(0);
        if (cols_[kCreated].entry >= 0) it.created = u64(rec.r, kCreated).value_or(0);
        if (cols_[kAccessed].entry >= 0) it.accessed = u64(rec.r, kAccessed).value_or(0);
      }
      if (!out_.item(it)) return;
    }
    if (unreadable > kWarningsPerKind)
      out_.warn("corrupt", std::to_string(unreadable) + " index records could not be read (" +
                               std::to_string(kWarningsPerKind) + " warned above)");
  }

  std::span<const std::uint8_t> bytes_;
  Output& out_;
  const std::stop_token& stop_;
  bool big_endian_ = false;
  std::array<Col, kNum> cols_{};
};

// Whether the bytes name a Windows Search table at all: an SQLite or ESE database that does not
// is some other database (a browser history, SRUM) and is left alone without a warning.
bool names_search_tables(std::span<const std::uint8_t> b) {
  const std::string_view hay(reinterpret_cast<const char*>(b.data()), b.size());
  return hay.find("SystemIndex_") != std::string_view::npos;
}

bool is_sqlite(std::span<const std::uint8_t> b) {
  return ByteReader(b).matches(0, std::string_view("SQLite format 3\0", 16));
}
bool is_ese(std::span<const std::uint8_t> b) {
  return ByteReader(b).matches(4, "\xEF\xCD\xAB\x89");
}

class SearchIndexExtractor final : public extract::Extractor {
 public:
  [[nodiscard]] std::string_view name() const override { return "searchindex"; }
  [[nodiscard]] std::string_view version() const override { return "1"; }
  [[nodiscard]] std::vector<std::string_view> input_types() const override {
    return {"sqlite", "ese"};
  }
  [[nodiscard]] std::string_view outputs() const override {
    return "each indexed item with a System_ThumbnailCacheId: the id, path, name, size and "
           "times as records of the index";
  }
  [[nodiscard]] std::string_view limits() const override {
    return "2,000,000 items with a thumbnail cache id per index; Vista's compressed strings not "
           "decoded; the -wal file and transaction logs beside the database not read";
  }
  [[nodiscard]] bool probe(const extract::ItemInput& item) const override {
    return is_sqlite(item.bytes) || is_ese(item.bytes);
  }
  void extract(const extract::ItemInput& item, extract::Emitter& out,
               std::stop_token stop) const override {
    if (!names_search_tables(item.bytes)) return;
    Output o(out);
    if (is_sqlite(item.bytes)) {
      SqliteReader(item.bytes, o, stop).run();
    } else {
      EseReader(item.bytes, o, stop).run();
    }
  }
};

}  // namespace
}  // namespace searchindex

std::unique_ptr<extract::Extractor> make_searchindex_extractor() {
  return std::make_unique<searchindex::SearchIndexExtractor>();
}

}  // namespace vigil::plugins
