// The TIFF decoder of codecs.hpp: libtiff (TIFF 6.0, with its LZW, Deflate, JPEG and other codecs)
// reading from memory, first directory (page) only.
//
// The pixels are those OpenCV 4.6's TiffDecoder gave under IMREAD_COLOR: an 8-bit result made it
// go through libtiff's RGBA interface for every kind of TIFF (TIFFRGBAImageOK, then
// TIFFReadRGBAStrip per strip or TIFFReadRGBATile per tile), so the conversions are libtiff's own:
// palette lookup, min-is-white inversion, 16-bit samples scaled to 8 bits by its rounding table,
// YCbCr and CMYK to RGB, unassociated alpha premultiplied; the alpha is then dropped and R,G,B
// written as B,G,R. Rows of each strip or tile come back bottom-up from libtiff and are put in
// place the way OpenCV did (a picture whose Orientation tag says its rows start at the bottom is
// left in stored row order, as OpenCV left it). OpenCV's refusals are kept: no image width, length
// or photometric tag, more than 4 samples per pixel, a bit depth other than 1, 8, 10, 12, 14, 16,
// 32 or 64 (so 4-bit palettes too), tiles or strips of 2^24 rows or columns or above, strip or tile
// buffers of 1 GiB or more.
//
// libtiff's messages never reach stderr: handlers set on the handle (libtiff 4.5's
// TIFFOpenOptions) and process-wide fallbacks (for the few messages libtiff still sends without a
// handle) collect them; an error fails the decode with its text, a warning becomes a note.
#include <tiffio.h>

#include <opencv2/core.hpp>

#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "codecs.hpp"

namespace vigil::phash::detail {
namespace {

constexpr std::uint64_t kOpenCvMaxSide = 1 << 20;
constexpr std::uint64_t kOpenCvMaxPixels = std::uint64_t{1} << 30;
constexpr std::uint64_t kOpenCvMaxTileSide = 1 << 24;
constexpr std::uint64_t kOpenCvMaxTileBytes = std::uint64_t{1} << 30;

Error corrupt(const std::string& why) { return make_error(ErrorCode::kCorrupt, "tiff: " + why); }

// The bytes libtiff reads through the client callbacks below: read-only, seeks clamped to the
// end as OpenCV's buffer source did.
struct Source {
  std::span<const std::uint8_t> bytes;
  std::uint64_t pos = 0;
};

tmsize_t source_read(thandle_t handle, void* out, tmsize_t n) {
  auto* src = static_cast<Source*>(handle);
  if (n <= 0 || src->pos >= src->bytes.size()) return 0;
  const auto take =
      std::min<std::uint64_t>(static_cast<std::uint64_t>(n), src->bytes.size() - src->pos);
  std::memcpy(out, src->bytes.data() + src->pos, take);
  src->pos += take;
  return static_cast<tmsize_t>(take);
}

tmsize_t source_write(thandle_t, void*, tmsize_t) { return -1; }

toff_t source_seek(thandle_t handle, toff_t offset, int whence) {
  auto* src = static_cast<Source*>(handle);
  const std::uint64_t size = src->bytes.size();
  std::uint64_t pos = src->pos;
  switch (whence) {
    case SEEK_SET:
      pos = offset;
      break;
    case SEEK_CUR:
      pos += offset;
      break;
    case SEEK_END:
      pos = size + offset;
      break;
    default:
      return static_cast<toff_t>(-1);
  }
  src->pos = std::min(pos, size);
  return src->pos;
}

int source_close(thandle_t) { return 0; }

toff_t source_size(thandle_t handle) { return static_cast<Source*>(handle)->bytes.size(); }

// Mapping is declined, as OpenCV's buffer source declined it: libtiff then reads strips and tiles
// through source_read, and its read path is not its mapped path (libtiff 4.5.0 refuses small
// uncompressed tiles through the former: "Invalid tile byte count for tile 0. Expected 768, got
// 1024" for 16x16 RGB tiles, so OpenCV failed on those and so must we).
int source_map(thandle_t, void**, toff_t*) { return 0; }

void source_unmap(thandle_t, void*, toff_t) {}

// What libtiff said during one decode.
struct Messages {
  std::string error;
  DecoderNotes* notes = nullptr;
};

std::string format_message(const char* module, const char* fmt, va_list ap) {
  char text[1024];
  std::vsnprintf(text, sizeof text, fmt != nullptr ? fmt : "", ap);
  std::string out;
  if (module != nullptr && module[0] != '\0') out = std::string(module) + ": ";
  return out + text;
}

void record_error(Messages* m, const char* module, const char* fmt, va_list ap) {
  if (m == nullptr) return;
  if (m->error.empty()) m->error = format_message(module, fmt, ap);
}

void record_warning(Messages* m, const char* module, const char* fmt, va_list ap) {
  if (m == nullptr || m->notes == nullptr) return;
  m->notes->add("tiff: " + format_message(module, fmt, ap));
}

int handle_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  record_error(static_cast<Messages*>(user), module, fmt, ap);
  return 1;  // handled: libtiff does not pass it on to the process-wide handler
}

int handle_warning(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  record_warning(static_cast<Messages*>(user), module, fmt, ap);
  return 1;
}

// The process-wide handlers only see messages libtiff sends without a handle; they go to the
// decode running on this thread, or nowhere.
thread_local Messages* current_messages = nullptr;

void global_error(const char* module, const char* fmt, va_list ap) {
  record_error(current_messages, module, fmt, ap);
}

void global_warning(const char* module, const char* fmt, va_list ap) {
  record_warning(current_messages, module, fmt, ap);
}

void install_global_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    TIFFSetErrorHandler(global_error);
    TIFFSetWarningHandler(global_warning);
  });
}

struct ThreadMessages {
  explicit ThreadMessages(Messages* m) : previous(current_messages) { current_messages = m; }
  ~ThreadMessages() { current_messages = previous; }
  ThreadMessages(const ThreadMessages&) = delete;
  ThreadMessages& operator=(const ThreadMessages&) = delete;
  Messages* previous;
};

struct TiffCloser {
  void operator()(TIFF* tif) const { TIFFClose(tif); }
};

struct OptionsFree {
  void operator()(TIFFOpenOptions* opts) const { TIFFOpenOptionsFree(opts); }
};

}  // namespace

Result<cv::Mat> decode_tiff(std::span<const std::uint8_t> bytes, const DecodeLimits& limits,
                            DecoderNotes& notes) {
  install_global_handlers();
  Messages messages;
  messages.notes = &notes;
  ThreadMessages scope(&messages);
  auto failed = [&](const std::string& what) {
    return corrupt(messages.error.empty() ? what : messages.error);
  };

  Source source{bytes};
  std::unique_ptr<TIFFOpenOptions, OptionsFree> opts(TIFFOpenOptionsAlloc());
  if (!opts) return make_error(ErrorCode::kInternal, "tiff: cannot allocate open options");
  TIFFOpenOptionsSetErrorHandlerExtR(opts.get(), handle_error, &messages);
  TIFFOpenOptionsSetWarningHandlerExtR(opts.get(), handle_warning, &messages);
  std::unique_ptr<TIFF, TiffCloser> tif(
      TIFFClientOpenExt("memory", "r", &source, source_read, source_write, source_seek,
                        source_close, source_size, source_map, source_unmap, opts.get()));
  if (!tif) return failed("cannot open");
  if (!messages.error.empty()) return failed("");
  TIFF* t = tif.get();

  std::uint32_t width = 0, height = 0;
  std::uint16_t photometric = 0;
  if (TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &width) == 0) return failed("no image width");
  if (TIFFGetField(t, TIFFTAG_IMAGELENGTH, &height) == 0) return failed("no image length");
  if (TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photometric) == 0) return failed("no photometric");

  const bool grey = photometric == PHOTOMETRIC_MINISWHITE || photometric == PHOTOMETRIC_MINISBLACK;
  std::uint16_t bps = 8;
  std::uint16_t spp = grey ? 1 : 3;
  if (TIFFGetField(t, TIFFTAG_BITSPERSAMPLE, &bps) == 0) bps = 1;  // bilevel may omit it
  TIFFGetField(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
  // OpenCV's header check (TiffDecoder::readHeader), except for 3-sample LogLuv, which it let
  // through to the RGBA interface unchecked.
  if (!(spp == 3 && photometric == PHOTOMETRIC_LOGLUV)) {
    if (bps > 8 && (photometric > 2 || (spp != 1 && spp != 3 && spp != 4))) bps = 8;
    if (spp < 1 || spp > 4) return failed(std::to_string(spp) + " samples per pixel");
    if (bps != 1 && bps != 8 && bps != 10 && bps != 12 && bps != 14 && bps != 16 && bps != 32 &&
        bps != 64)
      return failed(std::to_string(bps) + " bits per sample");
  }

  if (width == 0 || height == 0) return failed("zero width or height");
  const std::uint64_t pixels = std::uint64_t{width} * height;
  if (pixels > limits.max_pixels)
    return make_error(ErrorCode::kLimit, "picture of " + std::to_string(pixels) +
                                             " pixels is above the cap of " +
                                             std::to_string(limits.max_pixels));
  if (width > kOpenCvMaxSide || height > kOpenCvMaxSide || pixels > kOpenCvMaxPixels)
    return failed("picture of " + std::to_string(width) + "x" + std::to_string(height) +
                  " is above OpenCV's size limits");

  // The strip or tile layout, with OpenCV's defaults and caps (TiffDecoder::readData).
  const bool tiled = TIFFIsTiled(t) != 0;
  std::uint32_t tile_w = width;
  std::uint32_t tile_h = 0;
  if (tiled) {
    if (TIFFGetField(t, TIFFTAG_TILEWIDTH, &tile_w) == 0) return failed("no tile width");
    if (TIFFGetField(t, TIFFTAG_TILELENGTH, &tile_h) == 0) return failed("no tile length");
  } else {
    TIFFGetField(t, TIFFTAG_ROWSPERSTRIP, &tile_h);
  }
  if (tile_w == 0) tile_w = width;
  if (tile_h == 0 || (!tiled && tile_h == UINT32_MAX)) tile_h = height;
  if (tile_w > kOpenCvMaxTileSide || tile_h > kOpenCvMaxTileSide)
    return failed("tile or strip of 2^24 rows or columns or more");
  if (std::uint64_t{tile_w} * tile_h * spp * std::max(1, bps / 8) >= kOpenCvMaxTileBytes ||
      std::uint64_t{tile_w} * tile_h * 4 >= kOpenCvMaxTileBytes)
    return failed("tile or strip of 1 GiB or more");
  // A tile is decoded whole into its raster, so a tile far larger than the picture (which
  // OpenCV would have allocated up to 1 GiB for) is held to the pixel cap.
  if (tiled && std::uint64_t{tile_w} * tile_h > limits.max_pixels)
    return make_error(ErrorCode::kLimit,
                      "tile of " + std::to_string(tile_w) + "x" + std::to_string(tile_h) +
                          " pixels is above the cap of " + std::to_string(limits.max_pixels));

  char why[1024] = {};
  if (TIFFRGBAImageOK(t, why) == 0) return corrupt(std::string("not decodable as RGBA: ") + why);
  if (!messages.error.empty()) return failed("");

  std::uint16_t orientation = ORIENTATION_TOPLEFT;
  TIFFGetField(t, TIFFTAG_ORIENTATION, &orientation);
  const bool bottom_first =
      orientation == ORIENTATION_BOTRIGHT || orientation == ORIENTATION_RIGHTBOT ||
      orientation == ORIENTATION_BOTLEFT || orientation == ORIENTATION_LEFTBOT;

  // A strip raster holds at most the picture's rows; a tile raster is always whole.
  const std::uint32_t raster_rows = tiled ? tile_h : std::min(tile_h, height);
  std::vector<std::uint32_t> raster(std::size_t{tile_w} * raster_rows);
  cv::Mat out(static_cast<int>(height), static_cast<int>(width), CV_8UC3);
  for (std::uint32_t y = 0; y < height; y += tile_h) {
    const std::uint32_t rows = std::min(tile_h, height - y);
    const std::uint32_t out_y = bottom_first ? height - y - rows : y;
    for (std::uint32_t x = 0; x < width; x += tile_w) {
      const std::uint32_t cols = std::min(tile_w, width - x);
      const std::uint32_t* first = raster.data();
      if (tiled) {
        if (TIFFReadRGBATile(t, x, y, raster.data()) == 0 || !messages.error.empty())
          return failed("cannot read tile");
        first += std::size_t{tile_h - rows} * tile_w;  // a short tile sits at the raster's bottom
      } else {
        if (TIFFReadRGBAStrip(t, y, raster.data()) == 0 || !messages.error.empty())
          return failed("cannot read strip");
      }
      // Raster row i (bottom-up) is picture row out_y + rows - 1 - i; each pixel is packed
      // A,B,G,R from the top byte down.
      for (std::uint32_t i = 0; i < rows; ++i) {
        const std::uint32_t* src = first + std::size_t{i} * tile_w;
        auto* dst = out.ptr<std::uint8_t>(static_cast<int>(out_y + rows - 1 - i)) + 3 * x;
        for (std::uint32_t j = 0; j < cols; ++j, dst += 3) {
          dst[0] = static_cast<std::uint8_t>(TIFFGetB(src[j]));
          dst[1] = static_cast<std::uint8_t>(TIFFGetG(src[j]));
          dst[2] = static_cast<std::uint8_t>(TIFFGetR(src[j]));
        }
      }
    }
  }
  return out;
}

}  // namespace vigil::phash::detail
