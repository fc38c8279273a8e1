// JPEG (ITU-T T.81) decoding through the libjpeg API of libjpeg-turbo, made to return the very
// pixels OpenCV 4.6's JpegDecoder (modules/imgcodecs/src/grfmt_jpeg.cpp) gave from
// cv::imdecode(IMREAD_COLOR or IMREAD_REDUCED_COLOR_2/4/8): the same library calls in the same
// order, the same source manager behaviour, the same CMYK conversion. See codecs.hpp.
//
// What is reproduced, and why it matters for the pixels:
// - The source is a suspending one, as OpenCV's (its fill_input_buffer returns FALSE), not
//   jpeg_mem_src: at the end of the bytes libjpeg stops instead of inserting a fake EOI marker
//   and decoding grey blocks. A baseline JPEG cut short therefore gives, below the last row that
//   could be decoded, copies of that row (OpenCV copied each row out of one libjpeg row buffer
//   that is no longer written once the decoder is suspended); a progressive one, whose scans are
//   all absorbed by jpeg_start_decompress, is no picture at all.
// - Scale 1/reduction (scale_num 1, scale_denom = reduction) before jpeg_calc_output_dimensions;
//   dct_method and do_fancy_upsampling left at libjpeg's defaults (JDCT_ISLOW, TRUE) as OpenCV
//   left them.
// - Output colour space JCS_EXT_BGR for every stream that has not four components (libjpeg-turbo
//   expands grey to B=G=R itself), JCS_CMYK for four components (CMYK or YCCK), converted by
//   OpenCV's formula (icvCvt_CMYK2BGR_8u_C4C3R, modules/imgcodecs/src/utils.cpp), which takes the
//   samples as stored, with no Adobe inversion.
// - APP1 saved as OpenCV did (for EXIF); a stream without Huffman tables (Motion JPEG frames)
//   decodes with the standard tables of T.81 K.3, which libjpeg-turbo falls back to by itself and
//   which OpenCV loaded by hand.
// jpeglib.h uses size_t and FILE without declaring them.
#include <cstddef>
#include <cstdio>

#include <jpeglib.h>

#include <opencv2/core.hpp>

#include <csetjmp>
#include <cstring>
#include <string>

#include "codecs.hpp"

namespace vigil::phash::detail {
namespace {

// libjpeg calls error_exit on an error (which must not return) and emit_message for warnings and
// trace messages. Everything here is plain data: longjmp skips no destructor.
struct JpegErrors {
  jpeg_error_mgr pub;  // first member: libjpeg's err pointer is the address of the whole
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  DecoderNotes* notes;
  bool scan_limit;  // stopped by on_progress, not by libjpeg
};

JpegErrors* errors_of(j_common_ptr cinfo) { return reinterpret_cast<JpegErrors*>(cinfo->err); }

[[noreturn]] void on_error(j_common_ptr cinfo) {
  JpegErrors* e = errors_of(cinfo);
  (*cinfo->err->format_message)(cinfo, e->message);
  std::longjmp(e->jump, 1);
}

void on_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  // A warning ("Corrupt JPEG data: ..."): libjpeg goes on, and so does OpenCV; we count it.
  ++cinfo->err->num_warnings;  // as the default emit_message does
  DecoderNotes& notes = *errors_of(cinfo)->notes;
  if (notes.count > 0) {
    ++notes.count;  // only the first text is kept: do not format the others
    return;
  }
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  try {
    notes.add(text);
  } catch (...) {
    ++notes.count;  // no memory for the text: an exception must not cross libjpeg's C frames
  }
}

// A progressive JPEG may hold any number of scans, and each walks every block of the picture:
// thousands of tiny scans keep a decoder busy for minutes (a known denial of service of libjpeg;
// libjpeg-turbo's TurboJPEG API has a scan limit for it, its libjpeg API leaves it to the caller's
// progress monitor). A real picture has about ten; the carver's validation stops at 100
// (plugins/carve/src/decode.cpp). Over the limit the picture is not decoded: a counted `limit`
// warning, where OpenCV decoded on.
constexpr int kMaxScans = 500;

void on_progress(j_common_ptr cinfo) {
  if (cinfo->is_decompressor == 0) return;
  if (reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number <= kMaxScans) return;
  JpegErrors* e = errors_of(cinfo);
  e->scan_limit = true;
  std::snprintf(e->message, sizeof e->message, "more than %d scans: not decoded", kMaxScans);
  std::longjmp(e->jump, 1);
}

// The suspending memory source: all the bytes are in the buffer from the start; asking for more
// suspends the decoder (returns FALSE) instead of feeding it a fake EOI as jpeg_mem_src does.
void source_nothing(j_decompress_ptr) {}

boolean source_no_more(j_decompress_ptr) { return FALSE; }

void source_skip(j_decompress_ptr cinfo, long count) {
  jpeg_source_mgr* src = cinfo->src;
  if (count <= 0) return;
  if (static_cast<unsigned long>(count) > src->bytes_in_buffer) {
    // Past the end: the next read suspends.
    src->next_input_byte += src->bytes_in_buffer;
    src->bytes_in_buffer = 0;
  } else {
    src->next_input_byte += count;
    src->bytes_in_buffer -= static_cast<std::size_t>(count);
  }
}

// One decode's libjpeg state, owned by decode_jpeg's frame (never by a frame that calls setjmp),
// so that the destructor runs on every path, errors included.
struct JpegSession {
  jpeg_decompress_struct cinfo{};
  JpegErrors errors{};
  jpeg_source_mgr source{};
  jpeg_progress_mgr progress{};
  bool created = false;
  ~JpegSession() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
};

// Stage 1: the header and the output size at 1/reduction. Returns false with errors.message set.
bool read_header(JpegSession& s, std::span<const std::uint8_t> bytes, int reduction) {
  if (setjmp(s.errors.jump) != 0) return false;
  // Before the call: a failure inside it leaves cinfo.mem null or valid, and
  // jpeg_destroy_decompress copes with both.
  s.created = true;
  jpeg_create_decompress(&s.cinfo);
  s.source.init_source = source_nothing;
  s.source.fill_input_buffer = source_no_more;
  s.source.skip_input_data = source_skip;
  s.source.resync_to_restart = jpeg_resync_to_restart;
  s.source.term_source = source_nothing;
  s.source.next_input_byte = bytes.data();
  s.source.bytes_in_buffer = bytes.size();
  s.cinfo.src = &s.source;
  s.progress.progress_monitor = on_progress;
  s.cinfo.progress = &s.progress;
  // OpenCV kept APP1 for its EXIF reader; it does not change the pixels, but keeps the calls alike.
  jpeg_save_markers(&s.cinfo, JPEG_APP0 + 1, 0xffff);
  // Suspended in the header (bytes end first) or a tables-only stream: OpenCV's next call,
  // jpeg_calc_output_dimensions, failed on the decoder's state, so there was no picture.
  if (jpeg_read_header(&s.cinfo, TRUE) != JPEG_HEADER_OK) {
    std::strcpy(s.errors.message, "the data ends inside the header");
    return false;
  }
  s.cinfo.scale_num = 1;
  s.cinfo.scale_denom = static_cast<unsigned int>(reduction);
  jpeg_calc_output_dimensions(&s.cinfo);
  return true;
}

// OpenCV's CMYK to BGR (utils.cpp, icvCvt_CMYK2BGR_8u_C4C3R): each of C, M, Y becomes
// k - ((255 - v) * k >> 8) and goes to R, G, B respectively.
void cmyk_row_to_bgr(const JSAMPLE* cmyk, std::uint8_t* bgr, JDIMENSION width) {
  for (JDIMENSION x = 0; x < width; ++x, cmyk += 4, bgr += 3) {
    const int k = cmyk[3];
    bgr[2] = static_cast<std::uint8_t>(k - (((255 - cmyk[0]) * k) >> 8));
    bgr[1] = static_cast<std::uint8_t>(k - (((255 - cmyk[1]) * k) >> 8));
    bgr[0] = static_cast<std::uint8_t>(k - (((255 - cmyk[2]) * k) >> 8));
  }
}

enum class PixelsOutcome {
  kError,      // no picture (errors.message says why)
  kComplete,   // every row decoded
  kCutShort,   // the bytes ended first: the rows below the last decoded one repeat it
  kLateError,  // every row decoded, then jpeg_finish_decompress failed (errors.message)
};

// Stage 2: the pixels into `out` (output_height rows of output_width*3 bytes, `step` apart).
// *decoded_rows is the number of rows libjpeg delivered.
PixelsOutcome read_pixels(JpegSession& s, std::uint8_t* out, std::size_t step,
                          JDIMENSION* decoded_rows) {
  // volatile: read after a longjmp that may come from libjpeg after it was set.
  volatile bool all_rows_read = false;
  volatile JDIMENSION rows = 0;
  if (setjmp(s.errors.jump) != 0) {
    *decoded_rows = rows;
    // OpenCV declared success once every row was copied, before jpeg_finish_decompress (which
    // reads on to the EOI marker): an error there still left it a picture.
    return all_rows_read ? PixelsOutcome::kLateError : PixelsOutcome::kError;
  }
  jpeg_decompress_struct& cinfo = s.cinfo;
  const bool cmyk = cinfo.num_components == 4;
  cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_BGR;
  cinfo.out_color_components = cmyk ? 4 : 3;
  // A progressive or multi-scan stream is absorbed whole here; suspended (the bytes end first),
  // OpenCV went on to jpeg_read_scanlines, which failed on the decoder's state: no picture.
  if (!jpeg_start_decompress(&cinfo)) {
    std::strcpy(s.errors.message,
                "the data ends before the last scan of a multi-scan (progressive) picture");
    return PixelsOutcome::kError;
  }
  // One row buffer from libjpeg's pool, as OpenCV's: when the decoder suspends it is no longer
  // written, and every later row is a copy of what it holds. OpenCV's was uninitialised; ours is
  // zeroed so that a stream cut before the first row gives black, not heap garbage.
  const JDIMENSION width = cinfo.output_width;
  JSAMPARRAY buffer =
      (*cinfo.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&cinfo), JPOOL_IMAGE, width * 4, 1);
  std::memset(buffer[0], 0, static_cast<std::size_t>(width) * 4);
  bool cut_short = false;
  for (JDIMENSION y = 0; y < cinfo.output_height; ++y) {
    if (jpeg_read_scanlines(&cinfo, buffer, 1) == 1)
      rows = rows + 1;
    else
      cut_short = true;
    std::uint8_t* dst = out + static_cast<std::size_t>(y) * step;
    if (cmyk)
      cmyk_row_to_bgr(buffer[0], dst, width);
    else
      std::memcpy(dst, buffer[0], static_cast<std::size_t>(width) * 3);
  }
  all_rows_read = true;
  *decoded_rows = rows;
  // Cut short, jpeg_finish_decompress can only fail (JERR_TOO_LITTLE_DATA), as it did for OpenCV.
  if (cut_short) return PixelsOutcome::kCutShort;
  jpeg_finish_decompress(&cinfo);
  return PixelsOutcome::kComplete;
}

Error jpeg_error(const JpegErrors& e) {
  return make_error(e.scan_limit ? ErrorCode::kLimit : ErrorCode::kCorrupt,
                    std::string("jpeg: ") + e.message);
}

}  // namespace

Result<cv::Mat> decode_jpeg(std::span<const std::uint8_t> bytes, int reduction,
                            const DecodeLimits& limits, DecoderNotes& notes) {
  if (reduction != 1 && reduction != 2 && reduction != 4 && reduction != 8)
    return make_error(ErrorCode::kInvalidArgument,
                      "jpeg: reduction " + std::to_string(reduction) + " is not 1, 2, 4 or 8");
  JpegSession s;
  s.cinfo.err = jpeg_std_error(&s.errors.pub);
  s.errors.pub.error_exit = on_error;
  s.errors.pub.emit_message = on_message;
  s.errors.notes = &notes;
  if (!read_header(s, bytes, reduction)) return jpeg_error(s.errors);

  const std::uint64_t pixels =
      std::uint64_t(s.cinfo.output_width) * std::uint64_t(s.cinfo.output_height);
  if (pixels > limits.max_pixels)
    return make_error(ErrorCode::kLimit, "picture of " + std::to_string(pixels) +
                                             " pixels is above the cap of " +
                                             std::to_string(limits.max_pixels));
  cv::Mat bgr(static_cast<int>(s.cinfo.output_height), static_cast<int>(s.cinfo.output_width),
              CV_8UC3);
  JDIMENSION decoded_rows = 0;
  switch (read_pixels(s, bgr.ptr<std::uint8_t>(), bgr.step[0], &decoded_rows)) {
    case PixelsOutcome::kError:
      return jpeg_error(s.errors);
    case PixelsOutcome::kCutShort:
      // libjpeg says nothing when a suspending source runs dry: say it here.
      notes.add("jpeg: the data ends after row " + std::to_string(decoded_rows) + " of " +
                std::to_string(s.cinfo.output_height) +
                "; the rows below repeat the last decoded one");
      break;
    case PixelsOutcome::kLateError:
      notes.add(std::string("jpeg: after the last row: ") + s.errors.message);
      break;
    case PixelsOutcome::kComplete:
      break;
  }
  return bgr;
}

}  // namespace vigil::phash::detail
