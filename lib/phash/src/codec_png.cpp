// PNG (ISO/IEC 15948, W3C PNG 2nd edition) through libpng 1.6: decoding to the very pixels OpenCV
// 4.6's PngDecoder (modules/imgcodecs/src/grfmt_png.cpp, readHeader and readData) gave from
// cv::imdecode(IMREAD_COLOR), see codecs.hpp; and encode_grey_png (decode.hpp), the report's
// thumbnails.
//
// The decode asks libpng for the transforms OpenCV asked for an 8-bit, 3-channel result, in its
// order: 16-bit samples stripped to their high byte (png_set_strip_16, not the rounding
// png_set_scale_16), png_set_swap otherwise (a no-op below 16 bits), the alpha channel stripped
// (so tRNS transparency is dropped, never composited), palette expanded to RGB, grey of 1, 2 or 4
// bits expanded to 8, then B,G,R order for colour or grey copied to three channels, and libpng's
// interlace handling. libpng's defaults are kept where OpenCV kept them: CRC errors (an error in a
// critical chunk, a warning and the chunk dropped in an ancillary one), benign errors as warnings,
// the 1,000,000-pixel width and height limits. The bytes are read until IEND (png_read_end), so a
// file cut or damaged after its image data is no picture, as it was no picture for OpenCV.
#include <png.h>

#include <opencv2/core.hpp>

#include <csetjmp>
#include <cstring>
#include <string>
#include <vector>

#include "codecs.hpp"

namespace vigil::phash {
namespace {

// libpng's messages are copied here by the error callback, which then longjmps to the frame that
// called setjmp (png_jmpbuf); that frame holds no object with a destructor.
struct PngMessage {
  char text[256] = {};
  void set(png_const_charp message) {
    std::strncpy(text, message != nullptr ? message : "unknown error", sizeof text - 1);
  }
};

// --- Decoding ---

struct PngReader {
  png_structp png = nullptr;
  png_infop info = nullptr;
  png_infop end_info = nullptr;
  std::span<const std::uint8_t> bytes;
  std::size_t pos = 0;
  detail::DecoderNotes* notes = nullptr;
  PngMessage error;
  ~PngReader() {
    if (png != nullptr)
      png_destroy_read_struct(&png, info != nullptr ? &info : nullptr,
                              end_info != nullptr ? &end_info : nullptr);
  }
};

[[noreturn]] void on_read_error(png_structp png, png_const_charp message) {
  static_cast<PngReader*>(png_get_error_ptr(png))->error.set(message);
  png_longjmp(png, 1);
}

void on_read_warning(png_structp png, png_const_charp message) {
  detail::DecoderNotes& notes = *static_cast<PngReader*>(png_get_error_ptr(png))->notes;
  try {
    notes.add(std::string("png: ") + (message != nullptr ? message : ""));
  } catch (...) {
    ++notes.count;  // no memory for the text: an exception must not cross libpng's C frames
  }
}

// The bytes in memory; asking for more than there is is an error (OpenCV's reader raised one too).
void read_bytes(png_structp png, png_bytep out, png_size_t count) {
  auto* r = static_cast<PngReader*>(png_get_io_ptr(png));
  if (count > r->bytes.size() - r->pos) png_error(png, "the data ends before the file does");
  std::memcpy(out, r->bytes.data() + r->pos, count);
  r->pos += count;
}

// Stage 1: signature and chunks up to the first IDAT.
bool read_info(PngReader& r) {
  if (setjmp(png_jmpbuf(r.png)) != 0) return false;
  png_set_read_fn(r.png, &r, read_bytes);
  png_read_info(r.png, r.info);
  return true;
}

// Stage 2: the transforms, then the rows (pointers into the result) and the chunks to IEND.
bool read_rows(PngReader& r, png_bytepp rows, png_uint_32 width) {
  if (setjmp(png_jmpbuf(r.png)) != 0) return false;
  const int bit_depth = png_get_bit_depth(r.png, r.info);
  const int color_type = png_get_color_type(r.png, r.info);
  if (bit_depth == 16)
    png_set_strip_16(r.png);
  else
    png_set_swap(r.png);  // OpenCV's call on a little-endian machine; nothing below 16 bits
  png_set_strip_alpha(r.png);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(r.png);
  if ((color_type & PNG_COLOR_MASK_COLOR) == 0 && bit_depth < 8)
    png_set_expand_gray_1_2_4_to_8(r.png);
  if ((color_type & PNG_COLOR_MASK_COLOR) != 0)
    png_set_bgr(r.png);
  else
    png_set_gray_to_rgb(r.png);
  png_set_interlace_handling(r.png);
  png_read_update_info(r.png, r.info);
  // Every colour type comes out as 8-bit B,G,R; anything else would overrun the rows.
  if (png_get_rowbytes(r.png, r.info) != static_cast<png_size_t>(width) * 3)
    png_error(r.png, "unexpected row layout after the transforms");
  png_read_image(r.png, rows);
  png_read_end(r.png, r.end_info);
  return true;
}

Error png_corrupt(const PngMessage& message) {
  return make_error(ErrorCode::kCorrupt, std::string("png: ") + message.text);
}

// --- Encoding ---

struct PngWriter {
  png_structp png = nullptr;
  png_infop info = nullptr;
  std::string* out = nullptr;
  PngMessage error;
  ~PngWriter() {
    if (png != nullptr) png_destroy_write_struct(&png, info != nullptr ? &info : nullptr);
  }
};

[[noreturn]] void on_write_error(png_structp png, png_const_charp message) {
  static_cast<PngWriter*>(png_get_error_ptr(png))->error.set(message);
  png_longjmp(png, 1);
}

void on_write_warning(png_structp, png_const_charp) {}  // nothing the caller could act on

void write_bytes(png_structp png, png_bytep data, png_size_t count) {
  auto* w = static_cast<PngWriter*>(png_get_io_ptr(png));
  bool failed = false;
  try {
    w->out->append(reinterpret_cast<const char*>(data), count);
  } catch (...) {
    failed = true;  // png_error (a longjmp) only once the exception is over
  }
  if (failed) png_error(png, "out of memory for the encoded picture");
}

void flush_nothing(png_structp) {}

bool write_png(PngWriter& w, png_uint_32 width, png_uint_32 height, png_bytepp rows) {
  if (setjmp(png_jmpbuf(w.png)) != 0) return false;
  png_set_write_fn(w.png, &w, write_bytes, flush_nothing);
  png_set_IHDR(w.png, w.info, width, height, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(w.png, 9);
  png_write_info(w.png, w.info);
  png_write_image(w.png, rows);
  png_write_end(w.png, nullptr);
  return true;
}

}  // namespace

namespace detail {

Result<cv::Mat> decode_png(std::span<const std::uint8_t> bytes, const DecodeLimits& limits,
                           DecoderNotes& notes) {
  PngReader r;
  r.bytes = bytes;
  r.notes = &notes;
  r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, on_read_error, on_read_warning);
  if (r.png == nullptr) return make_error(ErrorCode::kInternal, "png: cannot create a reader");
  r.info = png_create_info_struct(r.png);
  r.end_info = png_create_info_struct(r.png);
  if (r.info == nullptr || r.end_info == nullptr)
    return make_error(ErrorCode::kInternal, "png: cannot create a reader");
  if (!read_info(r)) return png_corrupt(r.error);

  const png_uint_32 width = png_get_image_width(r.png, r.info);
  const png_uint_32 height = png_get_image_height(r.png, r.info);
  const std::uint64_t pixels = std::uint64_t(width) * std::uint64_t(height);
  if (pixels > limits.max_pixels)
    return make_error(ErrorCode::kLimit, "picture of " + std::to_string(pixels) +
                                             " pixels is above the cap of " +
                                             std::to_string(limits.max_pixels));
  // libpng refuses widths and heights above 2^31 - 1 (and, by default, above 1,000,000).
  cv::Mat bgr(static_cast<int>(height), static_cast<int>(width), CV_8UC3);
  std::vector<png_bytep> rows(height);
  for (png_uint_32 y = 0; y < height; ++y) rows[y] = bgr.ptr<png_byte>(static_cast<int>(y));
  if (!read_rows(r, rows.data(), width)) return png_corrupt(r.error);
  return bgr;
}

}  // namespace detail

Result<std::string> encode_grey_png(const cv::Mat& grey) {
  if (grey.type() != CV_8UC1 || grey.dims != 2 || grey.empty())
    return make_error(ErrorCode::kInternal,
                      "png: encode_grey_png wants a non-empty 8-bit one-channel picture");
  std::string out;
  PngWriter w;
  w.out = &out;
  w.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w, on_write_error, on_write_warning);
  if (w.png == nullptr) return make_error(ErrorCode::kInternal, "png: cannot create a writer");
  w.info = png_create_info_struct(w.png);
  if (w.info == nullptr) return make_error(ErrorCode::kInternal, "png: cannot create a writer");
  std::vector<png_bytep> rows(static_cast<std::size_t>(grey.rows));
  // libpng takes non-const row pointers but only reads them when writing.
  for (int y = 0; y < grey.rows; ++y) rows[y] = const_cast<png_bytep>(grey.ptr<png_byte>(y));
  if (!write_png(w, static_cast<png_uint_32>(grey.cols), static_cast<png_uint_32>(grey.rows),
                 rows.data()))
    return make_error(ErrorCode::kInternal, std::string("png: ") + w.error.text);
  return out;
}

}  // namespace vigil::phash
