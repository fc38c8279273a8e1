#include "windows_db_writer.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace vigil::plugins::searchindex::testing {
namespace {

// Column ids and unique keys. 33 = 4447-System_ItemPathDisplay, 434 = 4392-System_FileExtension
// and 438 = 14F-System_FileAttributes are those Thumbcache Viewer's read_sqlitedb.cpp names for
// Windows 11; 15F-System_DateModified is the key dissect.target's search.py quotes. The other
// ids and hex prefixes are ours (the reader ignores the prefix and looks the ids up).
struct Key {
  int id;
  const char* unique_key;
  int variant_type;  // VT_LPWSTR 31, VT_UI8 21, VT_FILETIME 64, VT_UI4 19
};
constexpr Key kPath{33, "4447-System_ItemPathDisplay", 31};
constexpr Key kName{40, "11-System_FileName", 31};
constexpr Key kExtension{434, "4392-System_FileExtension", 31};
constexpr Key kAttributes{438, "14F-System_FileAttributes", 19};
constexpr Key kModified{441, "15F-System_DateModified", 64};
constexpr Key kCreated{444, "15E-System_DateCreated", 64};
constexpr Key kAccessed{445, "15D-System_DateAccessed", 64};
constexpr Key kSize{448, "13F-System_Size", 21};
constexpr Key kCacheId{596, "4A1-System_ThumbnailCacheId", 21};

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

std::string le8(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i)
    s[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
  return s;
}

}  // namespace

void write_windows_db(const std::string& path, const std::vector<IndexedFile>& files,
                      const WriteOptions& options) {
  std::filesystem::remove(path);
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot create " + path);
  }
  const auto exec = [db](const std::string& sql) {
    check(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), db, sql.c_str());
  };
  exec("PRAGMA page_size=4096");
  exec("BEGIN");
  // Tables a Windows 11 Windows.db holds beside the two read (misohena.jp's listing); empty.
  exec(
      "CREATE TABLE CatalogStorageManager(CatalogID INTEGER, IsDeleted INTEGER, CatalogName TEXT)");
  exec("CREATE TABLE SystemIndex_1(IndexID INTEGER, IndexDescription BLOB)");
  exec(
      "CREATE TABLE SystemIndex_1_PropertyStore(WorkId INTEGER NOT NULL, ColumnId INTEGER NOT "
      "NULL, Value BLOB NOT NULL, PRIMARY KEY(WorkId, ColumnId)) WITHOUT ROWID");
  if (options.metadata_table) {
    exec(
        "CREATE TABLE SystemIndex_1_PropertyStore_Metadata(Id INTEGER PRIMARY KEY, UniqueKey "
        "TEXT, Name TEXT, VariantType INTEGER)");
    for (const Key& k :
         {kPath, kName, kExtension, kAttributes, kModified, kCreated, kAccessed, kSize, kCacheId}) {
      std::string name = k.unique_key;
      name = name.substr(name.find('-') + 1);
      for (auto& c : name) c = c == '_' ? '.' : c;
      char* sql =
          sqlite3_mprintf("INSERT INTO SystemIndex_1_PropertyStore_Metadata VALUES(%d, %Q, %Q, %d)",
                          k.id, k.unique_key, name.c_str(), k.variant_type);
      exec(sql);
      sqlite3_free(sql);
    }
  }
  sqlite3_stmt* ins = nullptr;
  check(sqlite3_prepare_v2(db, "INSERT INTO SystemIndex_1_PropertyStore VALUES(?1, ?2, ?3)", -1,
                           &ins, nullptr),
        db, "prepare");
  const auto put_blob = [&](std::int64_t w, int col, const std::string& v) {
    sqlite3_bind_int64(ins, 1, w);
    sqlite3_bind_int(ins, 2, col);
    sqlite3_bind_blob(ins, 3, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    check(sqlite3_step(ins), db, "insert");
    sqlite3_reset(ins);
  };
  const auto put_text = [&](std::int64_t w, int col, const std::string& v) {
    sqlite3_bind_int64(ins, 1, w);
    sqlite3_bind_int(ins, 2, col);
    sqlite3_bind_text(ins, 3, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    check(sqlite3_step(ins), db, "insert");
    sqlite3_reset(ins);
  };
  for (const auto& f : files) {
    put_text(f.work_id, kPath.id, f.path);
    put_text(f.work_id, kName.id, f.name);
    const auto dot = f.name.rfind('.');
    put_text(f.work_id, kExtension.id, dot == std::string::npos ? "" : f.name.substr(dot));
    sqlite3_bind_int64(ins, 1, f.work_id);
    sqlite3_bind_int(ins, 2, kAttributes.id);
    sqlite3_bind_int(ins, 3, 32);  // FILE_ATTRIBUTE_ARCHIVE
    check(sqlite3_step(ins), db, "insert");
    sqlite3_reset(ins);
    put_blob(f.work_id, kModified.id, le8(f.modified));
    put_blob(f.work_id, kCreated.id, le8(f.created));
    put_blob(f.work_id, kAccessed.id, le8(f.accessed));
    put_blob(f.work_id, kSize.id, le8(f.size));
    if (f.cache_id) {
      if (options.cache_id_as_integer) {
        sqlite3_bind_int64(ins, 1, f.work_id);
        sqlite3_bind_int(ins, 2, kCacheId.id);
        sqlite3_bind_int64(ins, 3, static_cast<sqlite3_int64>(*f.cache_id));
        check(sqlite3_step(ins), db, "insert");
        sqlite3_reset(ins);
      } else if (options.short_cache_id) {
        put_blob(f.work_id, kCacheId.id, le8(*f.cache_id).substr(0, 5));
      } else {
        put_blob(f.work_id, kCacheId.id, le8(*f.cache_id));
      }
    }
  }
  sqlite3_finalize(ins);
  exec("COMMIT");
  if (options.wal_header) exec("PRAGMA journal_mode=WAL");
  sqlite3_close(db);
  // Leave no -wal/-shm beside the file: the database alone, as a scan finds it.
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
}

std::vector<std::uint8_t> windows_db_bytes(const std::vector<IndexedFile>& files,
                                           const WriteOptions& options) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto path = (dir / ("vigil-windows-db-" + std::to_string(::getpid()) + "-" +
                            std::to_string(reinterpret_cast<std::uintptr_t>(&files)) + ".db"))
                        .string();
  write_windows_db(path, files, options);
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  return bytes;
}

}  // namespace vigil::plugins::searchindex::testing
