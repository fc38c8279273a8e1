// The carver's decoders (decode.hpp). All three read from memory, check the header's dimensions
// against Limits before any pixel buffer exists, and decode into one row (JPEG, GIF) or a 1/8
// scaled picture (WebP), so a header claiming 100,000 x 100,000 pixels costs a header read.
#include "decode.hpp"

#include <gif_lib.h>
#include <jpeglib.h>
// After jpeglib.h: the message codes and the WARNMS macro.
#include <jerror.h>
#include <webp/decode.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

namespace vigil::plugins::carve::detail {
namespace {

using Span = std::span<const std::uint8_t>;

// --- JPEG: libjpeg's error manager calls error_exit on an error and emit_message(-1) on a
// warning ("Corrupt JPEG data: ..."); both end the decode here through longjmp, as libjpeg's own
// example.c does for errors.
constexpr int kMaxJpegScans = 100;  // progressive scans (each walks every block: a known DoS)

struct JpegGuard {
  jpeg_error_mgr err{};
  jpeg_progress_mgr progress{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = {};
};

JpegGuard* guard_of(j_common_ptr cinfo) {
  // err is the first member: the error manager pointer is the guard's address.
  return reinterpret_cast<JpegGuard*>(cinfo->err);
}

[[noreturn]] void jpeg_error(j_common_ptr cinfo) {
  JpegGuard* g = guard_of(cinfo);
  (*cinfo->err->format_message)(cinfo, g->message);
  std::longjmp(g->jump, 1);
}

void jpeg_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  jpeg_error(cinfo);       // a warning is corrupt data: stop here
}

void jpeg_progress(j_common_ptr cinfo) {
  if (cinfo->is_decompressor == 0) return;
  const auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > kMaxJpegScans) {
    JpegGuard* g = guard_of(cinfo);
    std::snprintf(g->message, sizeof g->message, "more than %d scans", kMaxJpegScans);
    std::longjmp(g->jump, 1);
  }
}

// A source manager over two memory segments read one after the other (libjpeg.txt,
// "Compressed data handling (source and destination managers)"). At the end of the second it
// warns like jpeg_mem_src does, and the warning stops the decode.
struct TwoSegments {
  jpeg_source_mgr pub{};
  Span seg[2];
  int current = 0;
};

const JOCTET kFakeEoi[2] = {0xFF, JPEG_EOI};

void two_init(j_decompress_ptr) {}
void two_term(j_decompress_ptr) {}

boolean two_fill(j_decompress_ptr cinfo) {
  auto* src = reinterpret_cast<TwoSegments*>(cinfo->src);
  while (src->current < 1) {
    ++src->current;
    if (!src->seg[src->current].empty()) {
      src->pub.next_input_byte = src->seg[src->current].data();
      src->pub.bytes_in_buffer = src->seg[src->current].size();
      return TRUE;
    }
  }
  src->current = 2;
  WARNMS(cinfo, JWRN_JPEG_EOF);  // stops the decode (jpeg_message)
  src->pub.next_input_byte = kFakeEoi;
  src->pub.bytes_in_buffer = 2;
  return TRUE;
}

void two_skip(j_decompress_ptr cinfo, long num_bytes) {
  if (num_bytes <= 0) return;
  auto* src = reinterpret_cast<TwoSegments*>(cinfo->src);
  auto left = static_cast<std::size_t>(num_bytes);
  while (left > src->pub.bytes_in_buffer) {
    left -= src->pub.bytes_in_buffer;
    src->pub.bytes_in_buffer = 0;
    two_fill(cinfo);
  }
  src->pub.next_input_byte += left;
  src->pub.bytes_in_buffer -= left;
}

// How far libjpeg has read, counted in the concatenation.
std::size_t two_position(const TwoSegments& src) {
  if (src.current >= 2) return src.seg[0].size() + src.seg[1].size();
  const auto in = static_cast<std::size_t>(src.pub.next_input_byte - src.seg[src.current].data());
  return (src.current == 1 ? src.seg[0].size() : 0) + in;
}

// The libjpeg part: only trivially destructible locals, so that longjmp skips no destructor.
struct JpegRun {
  std::size_t stopped_at = 0;
  std::size_t scan_start = 0;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  JDIMENSION rows = 0;
  std::uint64_t worst_row = 0;  // the largest sum of |sample - sample above| along one row
  std::size_t row_bytes = 0;
  bool too_large = false;
  bool failed = false;
};

void run_jpeg(TwoSegments& src, const Limits& limits, JpegGuard& g, JpegRun& r) {
  jpeg_decompress_struct cinfo{};
  cinfo.err = jpeg_std_error(&g.err);
  g.err.error_exit = jpeg_error;
  g.err.emit_message = jpeg_message;
  if (setjmp(g.jump) != 0) {
    r.failed = true;
    r.stopped_at = two_position(src);
    jpeg_destroy_decompress(&cinfo);
    return;
  }
  jpeg_create_decompress(&cinfo);
  g.progress.progress_monitor = jpeg_progress;
  cinfo.progress = &g.progress;
  // libjpeg-turbo's memory manager refuses pools past this (a second guard behind the check).
  cinfo.mem->max_memory_to_use = static_cast<long>(std::min<std::uint64_t>(
      limits.max_decode_memory, static_cast<std::uint64_t>(std::numeric_limits<long>::max())));
  src.pub.init_source = two_init;
  src.pub.fill_input_buffer = two_fill;
  src.pub.skip_input_data = two_skip;
  src.pub.resync_to_restart = jpeg_resync_to_restart;
  src.pub.term_source = two_term;
  src.pub.next_input_byte = src.seg[0].data();
  src.pub.bytes_in_buffer = src.seg[0].size();
  cinfo.src = &src.pub;
  jpeg_read_header(&cinfo, TRUE);
  r.scan_start = two_position(src);
  r.width = cinfo.image_width;
  r.height = cinfo.image_height;
  const std::uint64_t pixels = std::uint64_t{cinfo.image_width} * cinfo.image_height;
  // A progressive JPEG keeps every coefficient block (64 x 2 bytes per 8x8 block per
  // component) until its last scan.
  const std::uint64_t coefficients =
      cinfo.progressive_mode != 0
          ? (pixels / 64 + 1) * 128 * static_cast<std::uint64_t>(cinfo.num_components)
          : 0;
  if (pixels > limits.max_decode_pixels || coefficients > limits.max_decode_memory) {
    r.too_large = true;
    jpeg_destroy_decompress(&cinfo);
    return;
  }
  cinfo.scale_num = 1;
  cinfo.scale_denom = 8;
  cinfo.dct_method = JDCT_IFAST;
  cinfo.do_fancy_upsampling = FALSE;
  cinfo.do_block_smoothing = FALSE;
  jpeg_start_decompress(&cinfo);
  const std::size_t row_bytes =
      std::size_t{cinfo.output_width} * static_cast<std::size_t>(cinfo.output_components);
  JSAMPARRAY rows =
      (*cinfo.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&cinfo), JPOOL_IMAGE,
                                 static_cast<JDIMENSION>(std::max<std::size_t>(row_bytes, 1)), 2);
  r.row_bytes = row_bytes;
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = rows[r.rows & 1];
    const JSAMPROW above = rows[(r.rows + 1) & 1];
    if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) continue;
    if (r.rows > 0) {
      std::uint64_t sum = 0;
      for (std::size_t i = 0; i < row_bytes; ++i) {
        sum +=
            static_cast<std::uint64_t>(row[i] > above[i] ? row[i] - above[i] : above[i] - row[i]);
      }
      r.worst_row = std::max(r.worst_row, sum);
    }
    ++r.rows;
  }
  jpeg_finish_decompress(&cinfo);
  r.stopped_at = two_position(src);
  jpeg_destroy_decompress(&cinfo);
}

}  // namespace

DecodeResult decode_jpeg(Span first, Span second, const Limits& limits) {
  DecodeResult out;
  const std::size_t total = first.size() + second.size();
  if (first.size() < 4) return out;
  JpegGuard g;
  JpegRun r;
  TwoSegments src;
  src.seg[0] = first;
  src.seg[1] = second;
  run_jpeg(src, limits, g, r);
  out.width = r.width;
  out.height = r.height;
  out.scan_start = r.scan_start;
  out.stopped_at = std::min(r.stopped_at, total);
  if (r.too_large) {
    out.outcome = Decoded::kTooLarge;
    out.message = "not decoded: " + std::to_string(r.width) + "x" + std::to_string(r.height) +
                  " pixels is over the decode limit";
    return out;
  }
  if (!r.failed) {
    out.outcome = Decoded::kOk;
    out.roughness =
        r.row_bytes > 0 ? static_cast<double>(r.worst_row) / static_cast<double>(r.row_bytes) : 0.0;
    return out;
  }
  out.message = g.message;
  // Some picture data decoded: past the first scan header by more than a few bytes.
  out.outcome =
      r.scan_start > 0 && out.stopped_at > r.scan_start + 16 ? Decoded::kPartial : Decoded::kFailed;
  return out;
}

// --- GIF: giflib reads through an input function; its position is where decoding stopped.
namespace {
constexpr int kMaxGifFrames = 10'000;

struct GifSource {
  Span s;
  std::size_t pos = 0;
};

int gif_read(GifFileType* gif, GifByteType* buf, int len) {
  auto* src = static_cast<GifSource*>(gif->UserData);
  const std::size_t want = len > 0 ? static_cast<std::size_t>(len) : 0;
  const std::size_t n = std::min(want, src->s.size() - src->pos);
  if (n > 0) std::memcpy(buf, src->s.data() + src->pos, n);
  src->pos += n;
  return static_cast<int>(n);
}

std::string gif_message(int code) {
  const char* m = GifErrorString(code);
  return m != nullptr ? std::string(m) : "GIF error " + std::to_string(code);
}
}  // namespace

DecodeResult decode_gif(Span s, const Limits& limits) {
  DecodeResult out;
  GifSource src{s, 0};
  int error = 0;
  GifFileType* gif = DGifOpen(&src, gif_read, &error);
  if (gif == nullptr) {
    out.message = gif_message(error);
    out.stopped_at = src.pos;
    return out;
  }
  out.width = static_cast<std::uint32_t>(std::max(gif->SWidth, 0));
  out.height = static_cast<std::uint32_t>(std::max(gif->SHeight, 0));
  std::uint64_t rows_done = 0;
  std::uint64_t pixels_done = 0;
  std::vector<GifPixelType> row;
  bool ok = false;
  bool too_large = false;
  for (;;) {
    GifRecordType type = UNDEFINED_RECORD_TYPE;
    if (DGifGetRecordType(gif, &type) == GIF_ERROR) break;
    if (type == TERMINATE_RECORD_TYPE) {
      ok = true;
      break;
    }
    if (type == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* ext = nullptr;
      if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR) break;
      bool failed = false;
      while (ext != nullptr) {
        if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR) {
          failed = true;
          break;
        }
      }
      if (failed) break;
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) break;
    // giflib keeps a SavedImage (and a local colour map) for every image descriptor it reads,
    // even without DGifSlurp: a GIF of millions of tiny frames would hold them all.
    if (gif->ImageCount >= kMaxGifFrames) {
      too_large = true;
      break;
    }
    if (DGifGetImageDesc(gif) == GIF_ERROR) break;
    const int w = gif->Image.Width;
    const int h = gif->Image.Height;
    // Every frame counts against the pixel limit: an animation of many large frames is bounded.
    const std::uint64_t frame =
        static_cast<std::uint64_t>(std::max(w, 0)) * static_cast<std::uint64_t>(std::max(h, 0));
    if (w <= 0 || h <= 0 || pixels_done + frame > limits.max_decode_pixels) {
      too_large = w > 0 && h > 0;
      break;
    }
    row.resize(static_cast<std::size_t>(w));
    bool failed = false;
    for (int y = 0; y < h; ++y) {
      if (DGifGetLine(gif, row.data(), w) == GIF_ERROR) {
        failed = true;
        break;
      }
      ++rows_done;
    }
    pixels_done += frame;
    if (failed) break;
  }
  out.stopped_at = src.pos;
  if (!ok)
    out.message = too_large ? "not decoded: frames over the decode limit (pixels, or 10,000 frames)"
                            : gif_message(gif->Error);
  DGifCloseFile(gif, &error);
  if (ok) {
    out.outcome = Decoded::kOk;
  } else if (too_large) {
    out.outcome = Decoded::kTooLarge;
  } else {
    out.outcome = rows_done > 0 ? Decoded::kPartial : Decoded::kFailed;
  }
  return out;
}

// --- WebP: WebPGetFeatures reads the header; the incremental decoder reports how many (scaled)
// rows it produced when the data stops early or is corrupt.
DecodeResult decode_webp(Span s, const Limits& limits) {
  DecodeResult out;
  WebPBitstreamFeatures features;
  const VP8StatusCode hs = WebPGetFeatures(s.data(), s.size(), &features);
  if (hs != VP8_STATUS_OK) {
    out.message = "WebP header status " + std::to_string(static_cast<int>(hs));
    return out;
  }
  out.width = static_cast<std::uint32_t>(features.width);
  out.height = static_cast<std::uint32_t>(features.height);
  const std::uint64_t pixels = std::uint64_t{out.width} * std::uint64_t{out.height};
  // Lossless WebP decodes into a whole ARGB picture (4 bytes a pixel) before any scaling.
  if (pixels > limits.max_decode_pixels || pixels * 4 > limits.max_decode_memory) {
    out.outcome = Decoded::kTooLarge;
    out.message = "not decoded: " + std::to_string(out.width) + "x" + std::to_string(out.height) +
                  " pixels is over the decode limit";
    return out;
  }
  if (features.has_animation != 0) {
    // An animation needs libwebpdemux's frame decoder; the structure check stands for it.
    out.outcome = Decoded::kOk;
    out.message = "animated: structure checked, frames not decoded";
    return out;
  }
  WebPDecoderConfig config;
  if (WebPInitDecoderConfig(&config) == 0) {
    out.message = "libwebp version mismatch";
    return out;
  }
  config.options.use_scaling = 1;
  config.options.scaled_width = std::max(1, features.width / 8);
  config.options.scaled_height = std::max(1, features.height / 8);
  config.options.bypass_filtering = 1;
  config.output.colorspace = MODE_RGB;
  WebPIDecoder* idec = WebPIDecode(nullptr, 0, &config);
  if (idec == nullptr) {
    out.message = "libwebp cannot start a decoder";
    return out;
  }
  const VP8StatusCode st = WebPIUpdate(idec, s.data(), s.size());
  int rows = 0;
  int left = 0;
  int top = 0;
  int width = 0;
  if (WebPIDecodedArea(idec, &left, &top, &width, &rows) == nullptr) rows = 0;
  WebPIDelete(idec);
  WebPFreeDecBuffer(&config.output);
  out.stopped_at = s.size();
  if (st == VP8_STATUS_OK) {
    out.outcome = Decoded::kOk;
    return out;
  }
  out.message = st == VP8_STATUS_SUSPENDED ? "data ends before the picture does"
                                           : "WebP status " + std::to_string(static_cast<int>(st));
  out.outcome = rows > 0 ? Decoded::kPartial : Decoded::kFailed;
  return out;
}

}  // namespace vigil::plugins::carve::detail
