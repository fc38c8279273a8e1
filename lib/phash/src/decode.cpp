// Decoding from memory behind a header check; see decode.hpp. giflib is called here, the other
// formats' libraries in codec_*.cpp (codecs.hpp); their failures become vigil::Error values on the
// spot.
#include "vigil/phash/decode.hpp"

#include <gif_lib.h>

#include <opencv2/core.hpp>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "codecs.hpp"
#include "vigil/core/byte_reader.hpp"

#if defined(VIGIL_HAVE_LIBHEIF)
#include "heif_decode.hpp"
#endif

namespace vigil::phash {
namespace {

Error limit_error(std::uint64_t pixels, const DecodeLimits& limits) {
  return make_error(ErrorCode::kLimit, "picture of " + std::to_string(pixels) +
                                           " pixels is above the cap of " +
                                           std::to_string(limits.max_pixels));
}

// giflib reads through a callback; this one serves the in-memory bytes.
struct GifSource {
  std::span<const std::uint8_t> bytes;
  std::size_t pos = 0;
};

int gif_read(GifFileType* gif, GifByteType* out, int n) {
  auto* src = static_cast<GifSource*>(gif->UserData);
  if (n <= 0) return 0;
  const std::size_t take = std::min(static_cast<std::size_t>(n), src->bytes.size() - src->pos);
  if (take > 0) std::memcpy(out, src->bytes.data() + src->pos, take);
  src->pos += take;
  return static_cast<int>(take);
}

struct GifCloser {
  void operator()(GifFileType* gif) const {
    int error = 0;
    DGifCloseFile(gif, &error);
  }
};

Error gif_error(const std::string& what, int code) {
  const char* text = GifErrorString(code);
  return make_error(ErrorCode::kCorrupt,
                    "gif: " + what + (text != nullptr ? std::string(": ") + text : std::string()));
}

// The first image of a GIF (GIF89a section 20-22), drawn at its own size with its local colour
// table, else the global one. Records before it (extensions) are skipped; nothing after it is
// read, so an animation of any number of frames costs one frame.
Result<cv::Mat> decode_gif_first_frame(std::span<const std::uint8_t> bytes,
                                       const DecodeLimits& limits) {
  GifSource src{bytes};
  int error = 0;
  std::unique_ptr<GifFileType, GifCloser> gif(DGifOpen(&src, gif_read, &error));
  if (!gif) return gif_error("cannot open", error);
  for (;;) {
    GifRecordType type = UNDEFINED_RECORD_TYPE;
    if (DGifGetRecordType(gif.get(), &type) == GIF_ERROR)
      return gif_error("bad record", gif->Error);
    if (type == TERMINATE_RECORD_TYPE || type == UNDEFINED_RECORD_TYPE)
      return make_error(ErrorCode::kCorrupt, "gif: no image in the file");
    if (type == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* block = nullptr;
      if (DGifGetExtension(gif.get(), &code, &block) == GIF_ERROR)
        return gif_error("bad extension", gif->Error);
      while (block != nullptr)
        if (DGifGetExtensionNext(gif.get(), &block) == GIF_ERROR)
          return gif_error("bad extension block", gif->Error);
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(gif.get()) == GIF_ERROR)
      return gif_error("bad image descriptor", gif->Error);
    const GifImageDesc& desc = gif->Image;
    if (desc.Width <= 0 || desc.Height <= 0)
      return make_error(ErrorCode::kCorrupt, "gif: image of zero size");
    const std::uint64_t pixels = std::uint64_t(desc.Width) * std::uint64_t(desc.Height);
    if (pixels > limits.max_pixels) return limit_error(pixels, limits);
    const ColorMapObject* map = desc.ColorMap != nullptr ? desc.ColorMap : gif->SColorMap;
    if (map == nullptr || map->ColorCount <= 0 || map->Colors == nullptr)
      return make_error(ErrorCode::kCorrupt, "gif: no colour table");
    const int w = desc.Width;
    const int h = desc.Height;
    std::vector<GifPixelType> index(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
    auto read_row = [&](int y) {
      return DGifGetLine(gif.get(), index.data() + static_cast<std::size_t>(y) * w, w) != GIF_ERROR;
    };
    if (desc.Interlace) {
      // Four passes: rows 0,8,16..; 4,12..; 2,6..; 1,3..
      static constexpr int kStart[4] = {0, 4, 2, 1};
      static constexpr int kStep[4] = {8, 8, 4, 2};
      for (int pass = 0; pass < 4; ++pass)
        for (int y = kStart[pass]; y < h; y += kStep[pass])
          if (!read_row(y)) return gif_error("bad image data", gif->Error);
    } else {
      for (int y = 0; y < h; ++y)
        if (!read_row(y)) return gif_error("bad image data", gif->Error);
    }
    cv::Mat out(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y) {
      std::uint8_t* dst = out.ptr<std::uint8_t>(y);
      const GifPixelType* row = index.data() + static_cast<std::size_t>(y) * w;
      for (int x = 0; x < w; ++x, dst += 3) {
        // An index past the colour table (the format does not forbid writing one) is black.
        if (row[x] >= map->ColorCount) {
          dst[0] = dst[1] = dst[2] = 0;
          continue;
        }
        const GifColorType& c = map->Colors[row[x]];
        dst[0] = c.Blue;
        dst[1] = c.Green;
        dst[2] = c.Red;
      }
    }
    return out;
  }
}

// Whether a JPEG has its EOI marker (T.81 B.2.1) after the start of its first scan. Marker
// segments before the first SOS are skipped by their lengths, so an EXIF thumbnail's own EOI
// inside APP1 is not mistaken for the picture's; after SOS, entropy-coded bytes never form
// FF D9 (a data FF is followed by 00, restart markers are D0-D7), so the first FF D9 is the end.
bool jpeg_has_end_marker(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  r.skip(2);
  while (r.ok() && r.remaining() > 0) {
    if (r.read_be<std::uint8_t>() != 0xFF) continue;
    std::uint8_t marker = r.read_be<std::uint8_t>();
    while (marker == 0xFF && r.ok()) marker = r.read_be<std::uint8_t>();
    if (!r.ok()) return false;
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) continue;
    if (marker == 0xD9) return false;  // EOI before any scan: nothing to decode
    const std::uint16_t length = r.read_be<std::uint16_t>();
    if (!r.ok() || length < 2 || !r.skip(length - 2u)) return false;
    if (marker == 0xDA) {
      const auto rest = bytes.subspan(r.pos());
      for (std::size_t i = 0; i + 1 < rest.size(); ++i)
        if (rest[i] == 0xFF && rest[i + 1] == 0xD9) return true;
      return false;
    }
  }
  return false;
}

int fast_triage_reduction(const ImageHeader& header) {
  if (header.format != ImageFormat::kJpeg) return 1;
  const std::uint32_t short_side = std::min(header.width, header.height);
  for (int r : {8, 4, 2})
    if (short_side / static_cast<std::uint32_t>(r) >= 256) return r;
  return 1;
}

Result<cv::Mat> decode_pixels(std::span<const std::uint8_t> bytes, ImageFormat format,
                              int reduction, const DecodeLimits& limits,
                              detail::DecoderNotes& notes) {
  switch (format) {
    case ImageFormat::kJpeg:
      return detail::decode_jpeg(bytes, reduction, limits, notes);
    case ImageFormat::kPng:
      return detail::decode_png(bytes, limits, notes);
    case ImageFormat::kGif:
      return decode_gif_first_frame(bytes, limits);
    case ImageFormat::kBmp:
      return detail::decode_bmp(bytes, limits, notes);
    case ImageFormat::kTiff:
      return detail::decode_tiff(bytes, limits, notes);
    case ImageFormat::kWebp:
      return detail::decode_webp(bytes, limits, notes);
    default:
      return make_error(ErrorCode::kUnsupported,
                        std::string(image_format_name(format)) + ": no decoder for this format");
  }
}

}  // namespace

Result<DecodedImage> decode_image(std::span<const std::uint8_t> bytes, const DecodeLimits& limits,
                                  DecodeMode mode) {
  if (sniff_image_format(bytes) == ImageFormat::kHeif) {
#if defined(VIGIL_HAVE_LIBHEIF)
    return detail::decode_heif(bytes, limits);
#else
    return make_error(ErrorCode::kUnsupported, "heif: vigil was built without libheif");
#endif
  }
  auto header = read_image_header(bytes);
  if (!header.ok()) return header.error();
  if (header->pixels() > limits.max_pixels) return limit_error(header->pixels(), limits);
  DecodedImage image;
  image.header = *header;
  if (mode == DecodeMode::kFastTriage) image.reduction = fast_triage_reduction(*header);
  if (header->format == ImageFormat::kJpeg && !jpeg_has_end_marker(bytes)) {
    if (!limits.accept_truncated_jpeg)
      return make_error(ErrorCode::kCorrupt,
                        "jpeg: no end-of-image marker after the scan data (file cut short)");
    image.truncated = true;
  }
  detail::DecoderNotes notes;
  auto pixels = decode_pixels(bytes, header->format, image.reduction, limits, notes);
  if (!pixels.ok()) return pixels.error();
  image.bgr = std::move(pixels).value();
  if (image.bgr.type() != CV_8UC3 || !image.bgr.isContinuous())
    return make_error(ErrorCode::kInternal, "decoder returned an unexpected pixel layout");
  image.decoder_warnings = notes.count;
  image.first_decoder_warning = std::move(notes.first);
  const std::uint64_t decoded = std::uint64_t(image.bgr.cols) * std::uint64_t(image.bgr.rows);
  if (decoded > limits.max_pixels) return limit_error(decoded, limits);
  return image;
}

}  // namespace vigil::phash
