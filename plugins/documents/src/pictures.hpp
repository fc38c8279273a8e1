// Finds complete pictures inside an arbitrary byte run (an OLE stream such as Word's "Data" or
// PowerPoint's "Pictures", where OfficeArt BLIP records hold the picture files as they are).
// Each candidate is measured by walking its own structure, never by searching for an end marker:
//   JPEG  ISO/IEC 10918-1 (ITU-T T.81) Annex B: marker segments, entropy-coded data up to EOI
//   PNG   PNG 1.2 / ISO/IEC 15948 §5: signature, chunks with lengths and CRC-32, up to IEND
//   GIF   GIF89a specification: screen descriptor, colour tables, blocks, up to the trailer
//   BMP   BITMAPFILEHEADER + BITMAPINFOHEADER (Windows GDI): the file size the header states
// A candidate that is not a picture (random bytes that happen to look like a signature) is
// skipped silently; one whose structure holds but which runs off the end is reported as a problem.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::plugins::documents {

enum class PictureKind { kJpeg, kPng, kGif, kBmp };
std::string_view picture_extension(PictureKind k);  // "jpg", "png", "gif", "bmp"

// kOutOfWork: the search's step budget ran out (find_pictures only).
enum class Measure { kNotPicture, kComplete, kTruncated, kOutOfWork };

struct Measured {
  Measure result = Measure::kNotPicture;
  std::size_t size = 0;       // bytes of the complete picture
  bool crc_mismatch = false;  // PNG: a chunk after IHDR failed its CRC-32
};

// Measures the picture that starts at `offset`, if one does.
Measured measure_picture(std::span<const std::uint8_t> data, std::size_t offset, PictureKind k);

struct FoundPicture {
  PictureKind kind;
  std::size_t offset;
  std::size_t size;
  bool crc_mismatch = false;
};
struct PictureProblem {
  PictureKind kind;
  std::size_t offset;
};
struct PictureScan {
  std::vector<FoundPicture> pictures;
  std::vector<PictureProblem> truncated;  // structure held, but the bytes end inside it
  // The search takes at most (size + 65536) structure steps, which no real stream needs;
  // past that it stops at stopped_at, so that a hostile stream cannot make it quadratic.
  bool out_of_work = false;
  std::size_t stopped_at = 0;
};

// Every complete picture in `data`, in order; a found picture's bytes are not searched again
// (so an EXIF thumbnail inside a JPEG is left to the exif extractor).
PictureScan find_pictures(std::span<const std::uint8_t> data);

}  // namespace vigil::plugins::documents
