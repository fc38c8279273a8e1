// vigil_documents_fixtures DIR: writes the documents extractor's fixtures for end-to-end tests,
// each holding synthetic pictures (tests/fixtures.hpp):
//   picture_in.docx  word/media/image1.jpeg (160x120, seed 21) and image2.png (64x48, seed 22)
//   picture_in.doc   OLE "Data" stream holding a JPEG (120x90, seed 23) and a PNG (60x40, 24)
//   picture_in.pdf   a DCTDecode image XObject: the JPEG 200x150, seed 25, byte for byte
//   filters.pdf      written by hand: a JPEG behind [/ASCIIHexDecode /DCTDecode] (48x32, seed
//                    26), and a raw-sample image (counted, not emitted)
// and the pictures themselves (docx_image1.jpg, ...), so a test can list their digests.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "fixtures.hpp"

namespace fx = vigil::plugins::documents::fixtures;

namespace {
bool write(const std::string& path, const fx::Bytes& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  return static_cast<bool>(f);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: vigil_documents_fixtures DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  const auto docx_jpeg = fx::synthetic_jpeg(160, 120, 21);
  const auto docx_png = fx::synthetic_png(64, 48, 22);
  const auto doc_jpeg = fx::synthetic_jpeg(120, 90, 23);
  const auto doc_png = fx::synthetic_png(60, 40, 24);
  const auto pdf_jpeg = fx::synthetic_jpeg(200, 150, 25);
  const auto filters_jpeg = fx::synthetic_jpeg(48, 32, 26);
  const bool ok =
      write(dir + "/picture_in.docx", fx::make_docx({{"word/media/image1.jpeg", docx_jpeg},
                                                     {"word/media/image2.png", docx_png}})) &&
      write(dir + "/picture_in.doc", fx::make_doc({doc_jpeg, doc_png})) &&
      write(dir + "/picture_in.pdf", fx::make_pdf_with_jpeg(pdf_jpeg, 200, 150)) &&
      write(dir + "/docx_image1.jpg", docx_jpeg) && write(dir + "/docx_image2.png", docx_png) &&
      write(dir + "/doc_image1.jpg", doc_jpeg) && write(dir + "/doc_image2.png", doc_png) &&
      write(dir + "/pdf_image1.jpg", pdf_jpeg) &&
      write(
          dir + "/filters.pdf",
          fx::make_pdf_by_hand({{"[/ASCIIHexDecode /DCTDecode]", fx::ascii_hex(filters_jpeg)},
                                {"/ASCIIHexDecode", fx::ascii_hex(fx::Bytes(8 * 8 * 3, 0x7F))}})) &&
      write(dir + "/filters_image1.jpg", filters_jpeg);
  if (!ok) {
    std::cerr << "vigil_documents_fixtures: cannot write into " << dir << "\n";
    return 2;
  }
  return 0;
}
