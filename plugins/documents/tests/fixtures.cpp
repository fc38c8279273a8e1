#include "fixtures.hpp"

#include "vigil/olecf/testing/cfb_writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <cairo-pdf.h>
#include <cairo.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace vigil::plugins::documents::fixtures {
namespace {

cv::Mat draw(int width, int height, int seed) {
  cv::Mat m(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      m.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<std::uint8_t>((x * 255) / width),
                                        static_cast<std::uint8_t>((y * 255) / height),
                                        static_cast<std::uint8_t>((seed * 53) % 256));
    }
  }
  cv::circle(m, {width / 3 + seed % 7, height / 2}, std::min(width, height) / 4,
             cv::Scalar(20, 200, 240), -1);
  cv::rectangle(m, {width / 2, height / 5}, {width - 5, height / 2 + seed % 11},
                cv::Scalar(200, 40, 90), -1);
  return m;
}

Bytes encode(const std::string& ext, const cv::Mat& m) {
  std::vector<std::uint8_t> out;
  if (!cv::imencode(ext, m, out)) throw std::runtime_error("imencode " + ext);
  return out;
}

la_ssize_t append_cb(archive* /*a*/, void* client, const void* buf, size_t n) {
  auto* out = static_cast<Bytes*>(client);
  const auto* p = static_cast<const std::uint8_t*>(buf);
  out->insert(out->end(), p, p + n);
  return static_cast<la_ssize_t>(n);
}

cairo_status_t cairo_append(void* closure, const unsigned char* data, unsigned int length) {
  auto* out = static_cast<Bytes*>(closure);
  out->insert(out->end(), data, data + length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

Bytes synthetic_jpeg(int width, int height, int seed) {
  return encode(".jpg", draw(width, height, seed));
}
Bytes synthetic_png(int width, int height, int seed) {
  return encode(".png", draw(width, height, seed));
}

Bytes make_zip(const Members& members) {
  Bytes out;
  std::unique_ptr<archive, int (*)(archive*)> a(archive_write_new(), archive_write_free);
  archive_write_set_format_zip(a.get());
  archive_write_set_bytes_in_last_block(a.get(), 1);
  if (archive_write_open(a.get(), &out, nullptr, append_cb, nullptr) != ARCHIVE_OK)
    throw std::runtime_error("archive_write_open");
  for (const auto& [name, bytes] : members) {
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(),
                                                               archive_entry_free);
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(bytes.size()));
    archive_entry_set_mtime(e.get(), 1'700'000'000, 0);  // fixed: 2023-11-14T22:13:20Z
    if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK)
      throw std::runtime_error("archive_write_header");
    if (archive_write_data(a.get(), bytes.data(), bytes.size()) !=
        static_cast<la_ssize_t>(bytes.size()))
      throw std::runtime_error("archive_write_data");
  }
  archive_write_close(a.get());
  return out;
}

Bytes make_docx(const Members& media) {
  const std::string types =
      R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
      R"(<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">)"
      R"(<Default Extension="jpeg" ContentType="image/jpeg"/>)"
      R"(<Default Extension="png" ContentType="image/png"/>)"
      R"(<Override PartName="/word/document.xml" ContentType="application/)"
      R"(vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>)";
  const std::string document =
      R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
      R"(<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">)"
      R"(<w:body><w:p><w:r><w:t>synthetic</w:t></w:r></w:p></w:body></w:document>)";
  Members all;
  all.emplace_back("[Content_Types].xml", Bytes(types.begin(), types.end()));
  all.emplace_back("word/document.xml", Bytes(document.begin(), document.end()));
  for (const auto& m : media) all.push_back(m);
  return make_zip(all);
}

Bytes make_cfb(const Members& members) {
  std::vector<olecf::testing::Stream> streams;
  for (const auto& [name, bytes] : members) streams.push_back({name, bytes});
  return olecf::testing::make_cfb(std::move(streams), {.pad_to_regular = true, .sort_names = true});
}

Bytes make_doc(const std::vector<Bytes>& pictures) {
  Bytes data;
  for (std::size_t i = 0; i < pictures.size(); ++i) {
    // Filler standing in for the PICF and OfficeArt record headers in front of each BLIP.
    data.insert(data.end(), 68 + 8 * i, static_cast<std::uint8_t>(0x11 * (i + 1)));
    data.insert(data.end(), pictures[i].begin(), pictures[i].end());
  }
  data.insert(data.end(), 100, 0);
  Bytes word(4096, 0);
  word[0] = 0xEC;  // FIB wIdent ([MS-DOC] §2.5.2)
  word[1] = 0xA5;
  return make_cfb({{"WordDocument", word}, {"Data", data}});
}

Bytes make_pdf_with_jpeg(const Bytes& jpeg, int width, int height) {
  Bytes out;
  cairo_surface_t* pdf = cairo_pdf_surface_create_for_stream(cairo_append, &out, width, height);
  // Fixed metadata so that the file is the same on every run.
  cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATE_DATE, "2024-01-01T00:00:00Z");
  cairo_surface_t* image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  auto* copy = new Bytes(jpeg);
  cairo_surface_set_mime_data(
      image, CAIRO_MIME_TYPE_JPEG, copy->data(), copy->size(),
      [](void* p) { delete static_cast<Bytes*>(p); }, copy);
  cairo_t* cr = cairo_create(pdf);
  cairo_set_source_surface(cr, image, 0, 0);
  cairo_paint(cr);
  cairo_destroy(cr);
  cairo_surface_destroy(image);
  cairo_surface_finish(pdf);
  const auto status = cairo_surface_status(pdf);
  cairo_surface_destroy(pdf);
  if (status != CAIRO_STATUS_SUCCESS) throw std::runtime_error("cairo PDF");
  return out;
}

Bytes ascii_hex(const Bytes& b) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  Bytes out;
  for (const auto c : b) {
    out.push_back(static_cast<std::uint8_t>(kHex[c >> 4U]));
    out.push_back(static_cast<std::uint8_t>(kHex[c & 15U]));
  }
  out.push_back('>');
  return out;
}

Bytes make_pdf_by_hand(const std::vector<PdfImageSpec>& images) {
  Bytes out;
  auto put = [&out](const std::string& s) { out.insert(out.end(), s.begin(), s.end()); };
  std::vector<std::size_t> offsets;
  put("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
  std::string xobjects;
  std::string content;
  for (std::size_t i = 0; i < images.size(); ++i) {
    xobjects += "/Im" + std::to_string(i) + " " + std::to_string(4 + i) + " 0 R ";
    content += "q 10 0 0 10 0 0 cm /Im" + std::to_string(i) + " Do Q\n";
  }
  const std::size_t content_id = 4 + images.size();
  offsets.push_back(out.size());
  put("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
  offsets.push_back(out.size());
  put("2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
  offsets.push_back(out.size());
  put("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Resources << /XObject << " +
      xobjects + ">> >> /Contents " + std::to_string(content_id) + " 0 R >>\nendobj\n");
  for (std::size_t i = 0; i < images.size(); ++i) {
    offsets.push_back(out.size());
    put(std::to_string(4 + i) +
        " 0 obj\n<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceRGB "
        "/BitsPerComponent 8 /Filter " +
        images[i].filter + " /Length " + std::to_string(images[i].data.size()) + " >>\nstream\n");
    out.insert(out.end(), images[i].data.begin(), images[i].data.end());
    put("\nendstream\nendobj\n");
  }
  offsets.push_back(out.size());
  put(std::to_string(content_id) + " 0 obj\n<< /Length " + std::to_string(content.size()) +
      " >>\nstream\n" + content + "\nendstream\nendobj\n");
  const std::size_t xref = out.size();
  put("xref\n0 " + std::to_string(offsets.size() + 1) + "\n0000000000 65535 f \n");
  for (const auto o : offsets) {
    std::string line = std::to_string(o);
    line.insert(0, 10 - line.size(), '0');
    put(line + " 00000 n \n");
  }
  put("trailer\n<< /Size " + std::to_string(offsets.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
      std::to_string(xref) + "\n%%EOF\n");
  return out;
}

}  // namespace vigil::plugins::documents::fixtures
