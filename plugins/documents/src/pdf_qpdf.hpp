// The libqpdf side of the PDF reader, behind an interface of standard types only: qpdf 11's
// public headers do not compile as C++20 with clang and libstdc++ 12 (JSON.hh holds a
// std::vector of its own incomplete type, which C++20's constexpr vector rejects), so
// pdf_qpdf.cpp is built as C++17 and nothing else includes qpdf.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vigil::plugins::documents {

struct PdfImage {
  std::string locator;  // "object 12", or "object 12 3" when the generation is not 0
  std::string name;     // "object12.jpg" / "object12.jp2"
  std::vector<std::uint8_t> bytes;
};

struct PdfCallbacks {
  std::uint64_t budget = 0;                            // child byte budget
  std::function<void(std::string, std::string)> warn;  // code, message
  std::function<bool(PdfImage)> image;                 // false: stop
  std::function<bool()> stopped;                       // the scan was cancelled
};

struct PdfCounts {
  bool opened = false;    // qpdf read the file (else nothing was counted)
  bool complete = false;  // every object was looked at (no stop, no emitter limit)
  std::uint64_t image_streams = 0;
  std::uint64_t not_extracted = 0;
};

PdfCounts scan_pdf_images(const std::uint8_t* data, std::size_t size, const PdfCallbacks& cb);

}  // namespace vigil::plugins::documents
