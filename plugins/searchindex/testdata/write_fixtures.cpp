// Synthetic Windows Search index files (our own, README.md):
//   vigil_searchindex_fixtures seeds DIR
//     the fuzz seeds: Windows 11 Windows.db files (plain, WAL header, integer ids, without the
//     metadata table) and ESE-signed files that exercise the ESE error paths (no ESE database
//     can be written here: see README.md, "Not done");
//   vigil_searchindex_fixtures windows-db OUT [CACHE_ID_HEX PATH SIZE MTIME_FILETIME]...
//     one Windows.db listing the given items (the end-to-end image).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "windows_db_writer.hpp"

namespace {

using vigil::plugins::searchindex::testing::IndexedFile;
using vigil::plugins::searchindex::testing::write_windows_db;

std::vector<IndexedFile> sample() {
  return {
      {1, 0x1122334455667788ULL, "C:\\Users\\alice\\Pictures\\red square.png", "red square.png",
       4242, 133'000'000'000'000'000ULL, 132'900'000'000'000'000ULL, 133'100'000'000'000'000ULL},
      {2, std::nullopt, "C:\\Users\\alice\\Documents\\notes.txt", "notes.txt", 10,
       133'000'000'000'000'000ULL, 0, 0},
      {7, 0x00ABCDEF01234567ULL, "C:\\Users\\alice\\Pictures\\blue circle.jpg", "blue circle.jpg",
       9000, 133'200'000'000'000'000ULL, 0, 0}};
}

void write_bytes(const std::filesystem::path& p, const std::vector<std::uint8_t>& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// An ESE file header (libyal libesedb format document): signature, state, revision, page
// size; the rest zeros, and a table name so that the extractor reads it.
std::vector<std::uint8_t> ese_like(std::size_t size, std::uint32_t state, std::uint32_t revision,
                                   std::uint32_t page_size) {
  std::vector<std::uint8_t> b(size, 0);
  const auto put32 = [&b](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4 && at + static_cast<std::size_t>(i) < b.size(); ++i)
      b[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  put32(4, 0x89ABCDEF);
  put32(8, 0x620);  // format version
  put32(52, state);
  put32(232, revision);
  put32(236, page_size);
  const char name[] = "SystemIndex_PropertyStore";
  if (size > 200 + sizeof name) std::memcpy(b.data() + size - sizeof name - 8, name, sizeof name);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "seeds") {
    const std::filesystem::path dir = argv[2];
    std::filesystem::create_directories(dir);
    write_windows_db((dir / "windows.db").string(), sample());
    write_windows_db((dir / "windows_wal.db").string(), sample(), {.wal_header = true});
    write_windows_db((dir / "windows_integer_ids.db").string(), sample(),
                     {.cache_id_as_integer = true});
    write_windows_db((dir / "windows_no_metadata.db").string(), sample(),
                     {.metadata_table = false});
    write_bytes(dir / "ese_dirty.edb", ese_like(16384, 2, 0x14, 4096));
    write_bytes(dir / "ese_truncated.edb", ese_like(200, 3, 0x14, 4096));
    write_bytes(dir / "ese_bad_page_size.edb", ese_like(16384, 3, 0x11, 1000));
    return 0;
  }
  if (argc >= 3 && std::string(argv[1]) == "windows-db" && (argc - 3) % 4 == 0) {
    std::vector<IndexedFile> files;
    for (int i = 3; i + 3 < argc; i += 4) {
      IndexedFile f;
      f.work_id = 100 + (i - 3) / 4;
      f.cache_id = std::stoull(argv[i], nullptr, 16);
      f.path = argv[i + 1];
      f.name = f.path.substr(f.path.find_last_of("\\/") + 1);
      f.size = std::stoull(argv[i + 2]);
      f.modified = f.created = f.accessed = std::stoull(argv[i + 3]);
      files.push_back(f);
    }
    write_windows_db(argv[2], files, {.wal_header = true});
    return 0;
  }
  std::fprintf(stderr,
               "usage: vigil_searchindex_fixtures seeds DIR\n"
               "       vigil_searchindex_fixtures windows-db OUT [CACHE_ID_HEX PATH SIZE "
               "MTIME_FILETIME]...\n");
  return 2;
}
