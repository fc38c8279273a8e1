// PDF images to children and records (the qpdf side is pdf_qpdf.cpp).
#include "formats.hpp"
#include "pdf_guard.hpp"
#include "pdf_qpdf.hpp"

namespace vigil::plugins::documents {

void extract_pdf(const extract::ItemInput& item, extract::Emitter& out, std::stop_token stop) {
  if (const std::string bomb = pdf_structure_bomb(item.bytes); !bomb.empty()) {
    out.warn("limit", "PDF not read: " + bomb + " (qpdf would hold it all in memory)");
    return;
  }
  PdfCallbacks cb;
  cb.budget = out.child_byte_budget();
  cb.warn = [&out](std::string code, std::string message) {
    out.warn(std::move(code), std::move(message));
  };
  cb.image = [&out](PdfImage image) {
    extract::Child child;
    child.layer = "pdf";
    child.locator = std::move(image.locator);
    child.name = std::move(image.name);
    child.declared_size = image.bytes.size();
    child.bytes = std::move(image.bytes);
    return out.child(std::move(child));
  };
  cb.stopped = [&stop] { return stop.stop_requested(); };
  const PdfCounts counts = scan_pdf_images(item.bytes.data(), item.bytes.size(), cb);
  // Counts are facts only when every object was seen: a PDF that qpdf could not open is already
  // a warning, and one cut short by a stop or the emitter's limit was counted in part.
  if (!counts.opened || !counts.complete) return;
  out.record({"pdf_image_streams", std::to_string(counts.image_streams)});
  out.record({"pdf_images_not_extracted", std::to_string(counts.not_extracted)});
}

}  // namespace vigil::plugins::documents
