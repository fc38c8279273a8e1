// A synthetic Windows 11 Windows.db (SQLite) for tests, fuzz seeds and the end-to-end image:
// the two tables the index's readers use, SystemIndex_1_PropertyStore(WorkId, ColumnId, Value)
// WITHOUT ROWID and SystemIndex_1_PropertyStore_Metadata(Id, UniqueKey, Name, VariantType)
// (README.md, "Format documents"), filled with the items given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vigil::plugins::searchindex::testing {

struct IndexedFile {
  std::int64_t work_id = 0;
  std::optional<std::uint64_t> cache_id;  // absent: an item without a thumbnail
  std::string path;                       // System_ItemPathDisplay
  std::string name;                       // System_FileName
  std::uint64_t size = 0;
  std::uint64_t modified = 0, created = 0, accessed = 0;  // FILETIMEs
};

struct WriteOptions {
  bool metadata_table = true;  // false: an index without its metadata table
  bool wal_header = false;     // true: header bytes 18/19 set to 2 (WAL mode), as Windows leaves it
  bool cache_id_as_integer = false;  // the id stored as an SQLite INTEGER instead of 8 bytes
  bool short_cache_id = false;       // a damaged id: 5 bytes instead of 8
};

// Writes PATH (replacing it); throws std::runtime_error on failure.
void write_windows_db(const std::string& path, const std::vector<IndexedFile>& files,
                      const WriteOptions& options = {});

// The same bytes in memory (through a temporary file next to nothing the caller owns).
std::vector<std::uint8_t> windows_db_bytes(const std::vector<IndexedFile>& files,
                                           const WriteOptions& options = {});

}  // namespace vigil::plugins::searchindex::testing
