// OLE compound files ([MS-CFB]) read through libolecf: every stream is searched for complete
// pictures (pictures.hpp). Word keeps pictures in the "Data" stream ([MS-DOC] §2.8.26
// PICFAndOfficeArtData, whose OfficeArt BLIPs hold JPEG/PNG files as they are, [MS-ODRAW]
// §2.2.23-2.2.30); PowerPoint in "Pictures" ([MS-PPT] §2.1.3); Excel in the workbook's drawing
// records ([MS-XLS] MsoDrawingGroup). Searching every stream finds them all, and pictures in
// embedded objects (ObjectPool) too.
#include <libolecf.h>

#include <cstring>
#include <memory>
#include <string>

#include "formats.hpp"
#include "pictures.hpp"
#include "vigil/core/byte_reader.hpp"
#include "vigil/sniff/sniff.hpp"

namespace vigil::plugins::documents {
namespace {

// Directory depth and entry count caps: [MS-CFB] does not bound them, hostile files can loop.
constexpr int kMaxStorageDepth = 32;
constexpr std::size_t kMaxEntries = 100'000;

// libbfio I/O handle over the item's bytes in memory (libolecf reads only through libbfio).
struct MemoryIo {
  std::span<const std::uint8_t> bytes;
  std::uint64_t pos = 0;
  bool open = false;
};

int io_free(intptr_t** /*io*/, libbfio_error_t** /*error*/) { return 1; }  // owned by the caller
int io_clone(intptr_t** /*dst*/, intptr_t* /*src*/, libbfio_error_t** /*error*/) { return -1; }
int io_open(intptr_t* io, int /*flags*/, libbfio_error_t** /*error*/) {
  auto* m = reinterpret_cast<MemoryIo*>(io);
  m->open = true;
  m->pos = 0;
  return 1;
}
int io_close(intptr_t* io, libbfio_error_t** /*error*/) {
  reinterpret_cast<MemoryIo*>(io)->open = false;
  return 0;
}
ssize_t io_read(intptr_t* io, uint8_t* buffer, size_t size, libbfio_error_t** /*error*/) {
  auto* m = reinterpret_cast<MemoryIo*>(io);
  if (m->pos >= m->bytes.size()) return 0;
  const std::size_t n = std::min<std::uint64_t>(size, m->bytes.size() - m->pos);
  std::memcpy(buffer, m->bytes.data() + m->pos, n);
  m->pos += n;
  return static_cast<ssize_t>(n);
}
ssize_t io_write(intptr_t* /*io*/, const uint8_t* /*buffer*/, size_t /*size*/,
                 libbfio_error_t** /*error*/) {
  return -1;
}
off64_t io_seek(intptr_t* io, off64_t offset, int whence, libbfio_error_t** /*error*/) {
  auto* m = reinterpret_cast<MemoryIo*>(io);
  std::int64_t base = 0;
  if (whence == SEEK_CUR) base = static_cast<std::int64_t>(m->pos);
  if (whence == SEEK_END) base = static_cast<std::int64_t>(m->bytes.size());
  const std::int64_t target = base + offset;
  if (target < 0) return -1;
  m->pos = static_cast<std::uint64_t>(target);
  return target;
}
int io_exists(intptr_t* /*io*/, libbfio_error_t** /*error*/) { return 1; }
int io_is_open(intptr_t* io, libbfio_error_t** /*error*/) {
  return reinterpret_cast<MemoryIo*>(io)->open ? 1 : 0;
}
int io_get_size(intptr_t* io, size64_t* size, libbfio_error_t** /*error*/) {
  *size = reinterpret_cast<MemoryIo*>(io)->bytes.size();
  return 1;
}

std::string olecf_message(libolecf_error_t* error) {
  if (error == nullptr) return "unknown libolecf error";
  std::string text(512, '\0');
  const int n = libolecf_error_sprint(error, text.data(), text.size());
  text.resize(n > 0 ? std::min<std::size_t>(static_cast<std::size_t>(n), text.size()) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  libolecf_error_free(&error);
  return text.empty() ? "unknown libolecf error" : text;
}

struct ItemCloser {
  void operator()(libolecf_item_t* i) const { libolecf_item_free(&i, nullptr); }
};
using ItemPtr = std::unique_ptr<libolecf_item_t, ItemCloser>;

std::string item_name(libolecf_item_t* item) {
  size_t size = 0;
  if (libolecf_item_get_utf8_name_size(item, &size, nullptr) != 1 || size == 0) return {};
  std::string name(size, '\0');
  if (libolecf_item_get_utf8_name(item, reinterpret_cast<uint8_t*>(name.data()), size, nullptr) !=
      1)
    return {};
  while (!name.empty() && name.back() == '\0') name.pop_back();
  return name;
}

class OleWalker {
 public:
  OleWalker(const extract::ItemInput& item, extract::Emitter& out, std::stop_token stop)
      : item_(item), out_(out), stop_(std::move(stop)) {}

  // Returns false when the emitter asked to stop.
  bool walk(libolecf_item_t* storage, const std::string& path, int depth) {
    if (depth > kMaxStorageDepth) {
      out_.warn("limit", "OLE storage " + path + " nested deeper than " +
                             std::to_string(kMaxStorageDepth) + " levels");
      return true;
    }
    int count = 0;
    if (libolecf_item_get_number_of_sub_items(storage, &count, nullptr) != 1) {
      out_.warn("corrupt", "OLE storage " + path + ": sub-items not readable");
      return true;
    }
    for (int i = 0; i < count; ++i) {
      if (stop_.stop_requested()) return false;
      if (++entries_ > kMaxEntries) {
        out_.warn("limit", "OLE directory holds more than " + std::to_string(kMaxEntries) +
                               " entries; the rest are not read");
        return false;
      }
      libolecf_item_t* raw = nullptr;
      libolecf_error_t* error = nullptr;
      if (libolecf_item_get_sub_item(storage, i, &raw, &error) != 1) {
        out_.warn("corrupt", "OLE storage " + path + ": entry " + std::to_string(i) + ": " +
                                 olecf_message(error));
        continue;
      }
      ItemPtr sub(raw);
      const std::string child_path = path + (path.ends_with('/') ? "" : "/") + item_name(raw);
      uint8_t type = 0;
      if (libolecf_item_get_type(raw, &type, nullptr) != 1) continue;
      if (type == LIBOLECF_ITEM_TYPE_STORAGE) {
        if (!walk(raw, child_path, depth + 1)) return false;
      } else if (type == LIBOLECF_ITEM_TYPE_STREAM) {
        if (!scan_stream(raw, child_path)) return false;
      }
    }
    return true;
  }

 private:
  bool scan_stream(libolecf_item_t* stream, const std::string& path) {
    uint32_t size = 0;
    if (libolecf_item_get_size(stream, &size, nullptr) != 1) {
      out_.warn("corrupt", "OLE stream " + path + ": size not readable");
      return true;
    }
    if (size == 0) return true;
    if (path == "/EncryptedPackage") {
      // [MS-OFFCRYPTO] §2.3.4.4: an encrypted OOXML package inside OLE; nothing can be read.
      out_.warn("encrypted", "OLE stream /EncryptedPackage: the document is encrypted");
      return true;
    }
    // A stream cannot hold more bytes than the file: CFB stores streams uncompressed.
    if (size > item_.bytes.size()) {
      out_.warn("corrupt", "OLE stream " + path + " declares " + std::to_string(size) +
                               " bytes, more than the file holds");
      return true;
    }
    std::vector<std::uint8_t> data(size);
    libolecf_error_t* error = nullptr;
    const ssize_t n = libolecf_stream_read_buffer(stream, data.data(), data.size(), &error);
    if (n < 0) {
      out_.warn("corrupt", "OLE stream " + path + ": " + olecf_message(error));
      return true;
    }
    if (static_cast<std::size_t>(n) < data.size()) {
      out_.warn("truncated", "OLE stream " + path + ": read " + std::to_string(n) + " of " +
                                 std::to_string(size) + " bytes");
      data.resize(static_cast<std::size_t>(n));
    }
    // An embedded document kept whole in a stream (Word's ObjectPool/_n/Package holds an OOXML
    // package; a CONTENTS stream can hold a PDF) is one child, read again by the extractors,
    // rather than searched here: its pictures are compressed or would be found twice.
    const ByteReader head(data);
    if (head.matches(0, "PK\x03\x04") || head.matches(0, "%PDF-")) return emit_whole(path, data);
    const PictureScan scan = find_pictures(data);
    if (scan.out_of_work) {
      out_.warn("limit", "OLE stream " + path + ": picture search stopped at byte " +
                             std::to_string(scan.stopped_at) +
                             " (step budget: the stream holds many overlapping picture headers)");
    }
    for (const auto& t : scan.truncated) {
      out_.warn("truncated", "OLE stream " + path + "@" + std::to_string(t.offset) + ": " +
                                 std::string(picture_extension(t.kind)) +
                                 " picture ends before its end marker; not emitted");
    }
    for (const auto& p : scan.pictures) {
      if (stop_.stop_requested()) return false;
      const std::string locator = "stream " + path + "@" + std::to_string(p.offset);
      if (p.crc_mismatch) out_.warn("checksum", "OLE " + locator + ": PNG chunk CRC-32 mismatch");
      if (p.size > out_.child_byte_budget()) {
        out_.warn("limit", "OLE " + locator + ": picture of " + std::to_string(p.size) +
                               " bytes exceeds the child byte budget");
        continue;
      }
      extract::Child child;
      child.layer = "ole";
      child.locator = locator;
      child.declared_size = p.size;
      child.bytes.assign(data.begin() + static_cast<std::ptrdiff_t>(p.offset),
                         data.begin() + static_cast<std::ptrdiff_t>(p.offset + p.size));
      if (!out_.child(std::move(child))) return false;
    }
    return true;
  }

  bool emit_whole(const std::string& path, std::vector<std::uint8_t>& data) {
    if (data.size() > out_.child_byte_budget()) {
      out_.warn("limit", "OLE stream " + path + " of " + std::to_string(data.size()) +
                             " bytes exceeds the child byte budget");
      return true;
    }
    extract::Child child;
    child.layer = "ole";
    child.locator = "stream " + path;
    child.name = path.substr(path.rfind('/') + 1);
    child.declared_size = data.size();
    child.bytes = std::move(data);
    return out_.child(std::move(child));
  }

  const extract::ItemInput& item_;
  extract::Emitter& out_;
  std::stop_token stop_;
  std::size_t entries_ = 0;
};

// Checks the header fields that size libolecf's allocations ([MS-CFB] §2.2) against the file,
// before libolecf sees them: libolecf 20181231 sizes its allocation tables from the header's
// FAT and mini FAT sector counts alone (found by fuzzing: 8 GB for a 6 KB file). Every
// directory, FAT, mini FAT and DIFAT sector lies in the file, so no count can exceed the file's
// sector count. Empty when sane.
std::string cfb_header_problem(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  if (!r.seek(26)) return "header shorter than 512 bytes";
  const std::uint16_t major = r.read_le<std::uint16_t>();
  const std::uint16_t byte_order = r.read_le<std::uint16_t>();
  const std::uint16_t sector_shift = r.read_le<std::uint16_t>();
  const std::uint16_t mini_shift = r.read_le<std::uint16_t>();
  r.seek(40);
  const std::uint32_t dir_sectors = r.read_le<std::uint32_t>();
  const std::uint32_t fat_sectors = r.read_le<std::uint32_t>();
  r.seek(64);
  const std::uint32_t minifat_sectors = r.read_le<std::uint32_t>();
  r.skip(4);
  const std::uint32_t difat_sectors = r.read_le<std::uint32_t>();
  if (!r.ok() || bytes.size() < 512) return "header shorter than 512 bytes";
  if (byte_order != 0xFFFE) return "byte order mark is not FFFE";
  if (!((major == 3 && sector_shift == 9) || (major == 4 && sector_shift == 12)))
    return "version " + std::to_string(major) + " with sector shift " +
           std::to_string(sector_shift) + " (only 3/9 and 4/12 exist)";
  if (mini_shift != 6) return "mini sector shift " + std::to_string(mini_shift) + ", not 6";
  const std::uint64_t sectors = bytes.size() >> sector_shift;
  const std::pair<const char*, std::uint32_t> counts[] = {{"directory", dir_sectors},
                                                          {"FAT", fat_sectors},
                                                          {"mini FAT", minifat_sectors},
                                                          {"DIFAT", difat_sectors}};
  for (const auto& [what, n] : counts) {
    if (n > sectors)
      return "header claims " + std::to_string(n) + " " + what + " sectors; the file holds " +
             std::to_string(sectors) + " sectors";
  }
  return {};
}

struct BfioCloser {
  void operator()(libbfio_handle_t* h) const { libbfio_handle_free(&h, nullptr); }
};
struct FileCloser {
  void operator()(libolecf_file_t* f) const {
    libolecf_file_close(f, nullptr);
    libolecf_file_free(&f, nullptr);
  }
};

}  // namespace

void extract_ole(const extract::ItemInput& item, extract::Emitter& out, std::stop_token stop) {
  if (const std::string problem = cfb_header_problem(item.bytes); !problem.empty()) {
    out.warn("corrupt", "OLE compound file header: " + problem);
    return;
  }
  MemoryIo io{item.bytes};
  libbfio_handle_t* raw_handle = nullptr;
  if (libbfio_handle_initialize(&raw_handle, reinterpret_cast<intptr_t*>(&io), io_free, io_clone,
                                io_open, io_close, io_read, io_write, io_seek, io_exists,
                                io_is_open, io_get_size, LIBBFIO_FLAG_IO_HANDLE_NON_MANAGED,
                                nullptr) != 1)
    throw std::bad_alloc();
  std::unique_ptr<libbfio_handle_t, BfioCloser> handle(raw_handle);

  libolecf_file_t* raw_file = nullptr;
  if (libolecf_file_initialize(&raw_file, nullptr) != 1) throw std::bad_alloc();
  libolecf_error_t* error = nullptr;
  if (libolecf_file_open_file_io_handle(raw_file, handle.get(), LIBOLECF_OPEN_READ, &error) != 1) {
    libolecf_file_free(&raw_file, nullptr);
    out.warn("corrupt", "OLE compound file not readable: " + olecf_message(error));
    return;
  }
  std::unique_ptr<libolecf_file_t, FileCloser> file(raw_file);

  libolecf_item_t* raw_root = nullptr;
  if (libolecf_file_get_root_item(file.get(), &raw_root, &error) != 1) {
    out.warn("corrupt", "OLE root storage not readable: " + olecf_message(error));
    return;
  }
  ItemPtr root(raw_root);
  // A Thumbs.db (a "Catalog" stream, or Windows 7's "256_<id>" thumbnail streams) belongs to
  // the thumbsdb extractor: its pictures would otherwise be emitted twice, under two chains.
  int root_items = 0;
  if (libolecf_item_get_number_of_sub_items(root.get(), &root_items, nullptr) == 1) {
    for (int i = 0; i < root_items; ++i) {
      libolecf_item_t* sub = nullptr;
      if (libolecf_item_get_sub_item(root.get(), i, &sub, nullptr) != 1) continue;
      const std::string name = item_name(sub);
      libolecf_item_free(&sub, nullptr);
      if (sniff::is_thumbs_db_stream_name(name)) return;
    }
  }
  OleWalker walker(item, out, std::move(stop));
  walker.walk(root.get(), "/", 0);
}

}  // namespace vigil::plugins::documents
