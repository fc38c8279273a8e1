#include "fixtures.hpp"

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

void put16(Bytes& b, std::size_t at, std::uint32_t v) {
  b[at] = static_cast<std::uint8_t>(v);
  b[at + 1] = static_cast<std::uint8_t>(v >> 8U);
}
void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
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

constexpr std::uint32_t kEndOfChain = 0xFFFFFFFEU;
constexpr std::uint32_t kFreeSect = 0xFFFFFFFFU;
constexpr std::uint32_t kFatSect = 0xFFFFFFFDU;
constexpr std::uint32_t kNoStream = 0xFFFFFFFFU;
constexpr std::size_t kSector = 512;

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

Bytes make_cfb(const Members& streams_in) {
  // Directory order: [MS-CFB] §2.6.4 compares names by length, then upper-cased; a chain of
  // right siblings in that order is a valid (if unbalanced) tree.
  Members streams = streams_in;
  for (auto& [name, bytes] : streams) {
    if (bytes.size() < 4096) bytes.resize(4096, 0);
  }
  std::sort(streams.begin(), streams.end(), [](const auto& a, const auto& b) {
    if (a.first.size() != b.first.size()) return a.first.size() < b.first.size();
    std::string ua = a.first;
    std::string ub = b.first;
    for (auto& c : ua) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (auto& c : ub) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return ua < ub;
  });
  std::vector<std::uint32_t> first_sector;
  std::size_t data_sectors = 0;
  for (const auto& s : streams) {
    first_sector.push_back(static_cast<std::uint32_t>(data_sectors));
    data_sectors += (s.second.size() + kSector - 1) / kSector;
  }
  const std::size_t entries = streams.size() + 1;
  const std::size_t dir_sectors = (entries + 3) / 4;
  std::size_t fat_sectors = 1;
  while (fat_sectors * 128 < data_sectors + dir_sectors + fat_sectors) ++fat_sectors;
  if (fat_sectors > 109) throw std::runtime_error("make_cfb: too large for a header-only DIFAT");
  const std::size_t total = data_sectors + dir_sectors + fat_sectors;
  Bytes out(kSector * (1 + total), 0);

  // Header (§2.2).
  std::memcpy(out.data(), "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
  put16(out, 24, 0x003E);
  put16(out, 26, 0x0003);
  put16(out, 28, 0xFFFE);
  put16(out, 30, 9);
  put16(out, 32, 6);
  put32(out, 44, static_cast<std::uint32_t>(fat_sectors));
  put32(out, 48, static_cast<std::uint32_t>(data_sectors));
  put32(out, 56, 4096);
  put32(out, 60, kEndOfChain);
  put32(out, 68, kEndOfChain);
  for (std::size_t i = 0; i < 109; ++i) {
    put32(out, 76 + 4 * i,
          i < fat_sectors ? static_cast<std::uint32_t>(data_sectors + dir_sectors + i) : kFreeSect);
  }
  auto sector_at = [](std::size_t s) { return kSector * (s + 1); };

  // Stream data.
  for (std::size_t i = 0; i < streams.size(); ++i) {
    std::memcpy(out.data() + sector_at(first_sector[i]), streams[i].second.data(),
                streams[i].second.size());
  }
  // Directory (§2.6): root entry, then the streams.
  auto entry = [&](std::size_t id, const std::string& name, std::uint8_t type, std::uint32_t right,
                   std::uint32_t child, std::uint32_t start, std::uint32_t size) {
    const std::size_t at = sector_at(data_sectors) + 128 * id;
    for (std::size_t c = 0; c < name.size(); ++c) put16(out, at + 2 * c, std::uint8_t(name[c]));
    put16(out, at + 64, static_cast<std::uint32_t>(2 * (name.size() + 1)));
    out[at + 66] = type;
    out[at + 67] = 1;  // black
    put32(out, at + 68, kNoStream);
    put32(out, at + 72, right);
    put32(out, at + 76, child);
    put32(out, at + 116, start);
    put32(out, at + 120, size);
  };
  entry(0, "Root Entry", 5, kNoStream, streams.empty() ? kNoStream : 1, kEndOfChain, 0);
  for (std::size_t i = 0; i < streams.size(); ++i) {
    const auto right = i + 1 < streams.size() ? static_cast<std::uint32_t>(i + 2) : kNoStream;
    entry(i + 1, streams[i].first, 2, right, kNoStream, first_sector[i],
          static_cast<std::uint32_t>(streams[i].second.size()));
  }
  for (std::size_t id = entries; id < dir_sectors * 4; ++id) {
    const std::size_t at = sector_at(data_sectors) + 128 * id;
    put32(out, at + 68, kNoStream);
    put32(out, at + 72, kNoStream);
    put32(out, at + 76, kNoStream);
  }
  // FAT (§2.3).
  std::vector<std::uint32_t> fat(fat_sectors * 128, kFreeSect);
  for (std::size_t i = 0; i < streams.size(); ++i) {
    const std::size_t n = (streams[i].second.size() + kSector - 1) / kSector;
    for (std::size_t k = 0; k < n; ++k) {
      fat[first_sector[i] + k] =
          k + 1 < n ? static_cast<std::uint32_t>(first_sector[i] + k + 1) : kEndOfChain;
    }
  }
  for (std::size_t k = 0; k < dir_sectors; ++k) {
    fat[data_sectors + k] =
        k + 1 < dir_sectors ? static_cast<std::uint32_t>(data_sectors + k + 1) : kEndOfChain;
  }
  for (std::size_t k = 0; k < fat_sectors; ++k) fat[data_sectors + dir_sectors + k] = kFatSect;
  for (std::size_t k = 0; k < fat.size(); ++k)
    put32(out, sector_at(data_sectors + dir_sectors) + 4 * k, fat[k]);
  return out;
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
