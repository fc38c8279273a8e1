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
#include "vigil/olecf/memory_file.hpp"
#include "vigil/sniff/sniff.hpp"

namespace vigil::plugins::documents {
namespace {

// Directory depth and entry count caps: [MS-CFB] does not bound them, hostile files can loop.
constexpr int kMaxStorageDepth = 32;
constexpr std::size_t kMaxEntries = 100'000;

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
                                 olecf::error_message(error));
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
      out_.warn("corrupt", "OLE stream " + path + ": " + olecf::error_message(error));
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

}  // namespace

void extract_ole(const extract::ItemInput& item, extract::Emitter& out, std::stop_token stop) {
  const auto ole = olecf::MemoryFile::open(item.bytes);
  if (!ole) {
    out.warn("corrupt", "OLE " + ole.error().message);
    return;
  }
  libolecf_error_t* error = nullptr;
  libolecf_item_t* raw_root = nullptr;
  if (libolecf_file_get_root_item((*ole)->file(), &raw_root, &error) != 1) {
    out.warn("corrupt", "OLE root storage not readable: " + olecf::error_message(error));
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
