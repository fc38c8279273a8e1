#include "documents/documents.hpp"

#include <algorithm>
#include <string_view>

#include "formats.hpp"
#include "vigil/core/byte_reader.hpp"

namespace vigil::plugins {
namespace {

constexpr std::string_view kContentTypes = "[Content_Types].xml";
// Bounds on the probe's walk, so that probe() stays cheap on a ZIP with a million members.
constexpr int kProbeLocalHeaders = 16;
constexpr int kProbeCentralEntries = 256;

bool name_at(const ByteReader& r, std::size_t offset, std::size_t length) {
  if (length != kContentTypes.size()) return false;
  return r.matches(offset, kContentTypes);
}

// Local file headers from the start (APPNOTE.TXT 4.3.7), while their sizes are known.
bool ooxml_by_local_headers(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  std::size_t pos = 0;
  for (int i = 0; i < kProbeLocalHeaders; ++i) {
    if (!r.matches(pos, "PK\x03\x04") || !r.seek(pos + 6)) return false;
    const std::uint16_t flags = r.read_le<std::uint16_t>();
    r.seek(pos + 18);
    const std::uint32_t compressed = r.read_le<std::uint32_t>();
    r.skip(4);
    const std::uint16_t name_length = r.read_le<std::uint16_t>();
    const std::uint16_t extra_length = r.read_le<std::uint16_t>();
    if (!r.ok()) return false;
    if (name_at(r, pos + 30, name_length)) return true;
    // Bit 3: sizes follow the data; 0xFFFFFFFF: ZIP64 sizes. Either way, stop walking here.
    if ((flags & 0x08U) != 0 || compressed == 0xFFFFFFFFU) return false;
    pos += 30U + name_length + extra_length + compressed;
  }
  return false;
}

// The central directory (APPNOTE.TXT 4.3.12), found through the end record (4.3.16).
bool ooxml_by_central_directory(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 22) return false;
  ByteReader r(bytes);
  const std::size_t lowest = bytes.size() > 22 + 0xFFFF ? bytes.size() - 22 - 0xFFFF : 0;
  for (std::size_t eocd = bytes.size() - 22;; --eocd) {
    if (r.matches(eocd, "PK\x05\x06")) {
      r.seek(eocd + 10);
      const std::uint16_t entries = r.read_le<std::uint16_t>();
      r.skip(4);
      std::size_t pos = r.read_le<std::uint32_t>();
      if (!r.ok()) return false;
      const int walk = std::min<int>(entries, kProbeCentralEntries);
      for (int i = 0; i < walk; ++i) {
        if (!r.matches(pos, "PK\x01\x02") || !r.seek(pos + 28)) return false;
        const std::uint16_t name_length = r.read_le<std::uint16_t>();
        const std::uint16_t extra_length = r.read_le<std::uint16_t>();
        const std::uint16_t comment_length = r.read_le<std::uint16_t>();
        if (!r.ok()) return false;
        if (name_at(r, pos + 46, name_length)) return true;
        pos += 46U + name_length + extra_length + comment_length;
      }
      return false;
    }
    if (eocd == lowest) return false;
  }
}

class DocumentsExtractor final : public extract::Extractor {
 public:
  [[nodiscard]] std::string_view name() const override { return "documents"; }
  [[nodiscard]] std::string_view version() const override { return "1"; }
  [[nodiscard]] std::vector<std::string_view> input_types() const override {
    return {"zip", "ole2", "pdf"};
  }
  [[nodiscard]] std::string_view outputs() const override {
    return "children: OOXML media/embedded parts and thumbnail (layer ooxml), pictures in OLE "
           "streams and embedded ZIP/PDF streams whole (layer ole), PDF JPEG/JPEG 2000 image "
           "XObjects (layer pdf); records: "
           "pdf_image_streams, pdf_images_not_extracted";
  }
  [[nodiscard]] std::string_view limits() const override {
    return "OLE streams no larger than the file; pictures found by structure (JPEG, PNG, GIF, "
           "BMP) only; PDF images other than DCTDecode/JPXDecode are counted, not emitted; a PDF "
           "whose xref/object streams inflate past 64 MiB (256 MiB in all) is not read";
  }
  [[nodiscard]] bool probe(const extract::ItemInput& item) const override {
    const ByteReader r(item.bytes);
    if (r.matches(0, documents::kOleSignature)) return true;
    if (r.matches(0, "PK\x03\x04")) return is_ooxml_package(item.bytes);
    return documents::looks_like_pdf(item.bytes);
  }
  void extract(const extract::ItemInput& item, extract::Emitter& out,
               std::stop_token stop) const override {
    const ByteReader r(item.bytes);
    if (r.matches(0, documents::kOleSignature)) {
      documents::extract_ole(item, out, stop);
    } else if (r.matches(0, "PK\x03\x04")) {
      documents::extract_ooxml(item, out, stop);
    } else if (documents::looks_like_pdf(item.bytes)) {
      documents::extract_pdf(item, out, stop);
    }
  }
};

}  // namespace

bool is_ooxml_package(std::span<const std::uint8_t> bytes) {
  return ooxml_by_local_headers(bytes) || ooxml_by_central_directory(bytes);
}

std::unique_ptr<extract::Extractor> make_documents_extractor() {
  return std::make_unique<DocumentsExtractor>();
}

namespace documents {

bool looks_like_pdf(std::span<const std::uint8_t> bytes) {
  // ISO 32000-1 §7.5.2 puts "%PDF-" first; common readers also accept a header a little later
  // (within the first 1024 bytes), and hiding a PDF behind a few junk bytes must not hide it.
  const std::string_view head(reinterpret_cast<const char*>(bytes.data()),
                              std::min<std::size_t>(bytes.size(), 1024));
  return head.find("%PDF-") != std::string_view::npos;
}

}  // namespace documents
}  // namespace vigil::plugins
