// Test fixtures for the documents extractor, built by our own code from synthetic pictures: a
// ZIP/OOXML writer (libarchive), a minimal OLE compound file writer ([MS-CFB] version 3) and a
// PDF with an embedded JPEG (cairo embeds JPEG mime data as a DCTDecode image XObject).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace vigil::plugins::documents::fixtures {

using Bytes = std::vector<std::uint8_t>;
using Members = std::vector<std::pair<std::string, Bytes>>;

// Synthetic pictures (shapes and gradients drawn by OpenCV; `seed` varies them).
Bytes synthetic_jpeg(int width, int height, int seed);
Bytes synthetic_png(int width, int height, int seed);

// A ZIP (deflate) holding the members in order.
Bytes make_zip(const Members& members);
// A minimal .docx: [Content_Types].xml first, word/document.xml, and the given media parts.
Bytes make_docx(const Members& media);

// An OLE compound file ([MS-CFB] v3, 512-byte sectors; the shared test writer in
// lib/olecf/testing) with these streams in its root storage, in directory order. Every stream
// is padded with zeros to 4096 bytes (the mini stream cutoff) when shorter, so that all live in
// regular sectors.
Bytes make_cfb(const Members& streams);
// A Word-97-like file: a "WordDocument" stream and a "Data" stream holding the pictures
// between filler bytes, as OfficeArt BLIPs keep them.
Bytes make_doc(const std::vector<Bytes>& pictures);

// A one-page PDF (cairo) showing the JPEG, embedded as a DCTDecode image XObject.
Bytes make_pdf_with_jpeg(const Bytes& jpeg, int width, int height);

// A PDF written by hand (ISO 32000-1 §7.5: header, objects, cross-reference table, trailer)
// whose objects 4, 5, ... are image XObjects with the given /Filter value (PDF syntax, e.g.
// "[/ASCIIHexDecode /DCTDecode]") and stream data, after a catalog (1), pages (2) and a page
// (3) that draws them.
struct PdfImageSpec {
  std::string filter;
  Bytes data;
};
Bytes make_pdf_by_hand(const std::vector<PdfImageSpec>& images);
// Hex digits of the bytes, ending with the ASCIIHexDecode end marker '>'.
Bytes ascii_hex(const Bytes& b);

}  // namespace vigil::plugins::documents::fixtures
