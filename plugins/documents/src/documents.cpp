#include "documents/documents.hpp"

#include <algorithm>
#include <string_view>

#include "formats.hpp"
#include "vigil/core/byte_reader.hpp"

namespace vigil::plugins {
namespace {

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
    if (r.matches(0, "PK\x03\x04")) return item.is_ooxml();
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
