// carve: pictures carved out of bytes whose type is unknown (plugins/carve/README.md). The
// carving core is a function over a byte span with a base offset, so that the pipeline can feed
// it unallocated runs and slack later, with the same validators.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/extract/extractor.hpp"

namespace vigil::plugins {

std::unique_ptr<extract::Extractor> make_carve_extractor();

namespace carve {

enum class Format : std::uint8_t { kJpeg, kPng, kGif, kBmp, kWebp };
inline constexpr std::size_t kFormats = 5;
// "jpeg", "png", "gif", "bmp", "webp" (the sniff type names).
std::string_view format_name(Format f);

// What a validator made of the bytes at a candidate signature.
enum class Verdict {
  kReject,     // not a picture of this format (or a checksum that does not hold)
  kComplete,   // the structure reaches its end marker (JPEG EOI, PNG IEND, GIF trailer, ...)
  kTruncated,  // a complete header and some picture data, then the structure ends early
};

struct Validation {
  Verdict verdict = Verdict::kReject;
  std::size_t length = 0;   // bytes of the picture (complete) or of its valid part (truncated)
  std::size_t walked = 0;   // how far the validator read: its work, for the work budget
  bool at_end = false;      // the structure ran into the end of the bytes it was given
  std::string_view reason;  // why it was rejected or where it ends early (static text)
};

// Validators of structure only (no pixel decode). Each reads the bytes from the signature on;
// its work is bounded by the span it is given (the carver gives at most the format's largest
// carve) and a failed validation of random bytes stops within a few reads.
Validation validate_jpeg(std::span<const std::uint8_t> s);  // ISO/IEC 10918-1 markers to EOI
Validation validate_png(std::span<const std::uint8_t> s);   // chunks, CRC-32 each, to IEND
Validation validate_gif(std::span<const std::uint8_t> s);   // GIF89a blocks to the trailer
Validation validate_bmp(std::span<const std::uint8_t> s);   // BITMAPFILEHEADER + DIB header
Validation validate_webp(std::span<const std::uint8_t> s);  // RIFF size and chunk walk
Validation validate(Format f, std::span<const std::uint8_t> s);

struct Limits {
  // The largest carve per format, indexed by Format; a picture that runs past it is carved up to
  // it as partial, with a "limit" warning.
  std::array<std::uint64_t, kFormats> max_bytes{64ULL << 20, 64ULL << 20, 32ULL << 20, 256ULL << 20,
                                                32ULL << 20};
  std::uint64_t max_items = 10'000;  // carved pictures per span; then a "limit" warning, stop
  // Bytes that failed validations may read in total, per span: fixed + factor x span size.
  std::uint64_t work_fixed = 64ULL << 20;
  std::uint64_t work_factor = 16;

  // Validation by decoding (JPEG: libjpeg-turbo at 1/8 scale; GIF: giflib; WebP: libwebp). A
  // candidate that passes the structure check counts only when it decodes; one that decodes in
  // part is partial. false: structure only (the cheap first gate).
  bool decode = true;
  // A header claiming more pixels than this is not decoded (no allocation is attempted): the
  // picture is carved as partial with a "limit" warning. Also bounds the decoders' memory.
  std::uint64_t max_decode_pixels = 1ULL << 28;
  // Memory a decoder may allocate for one picture (a progressive JPEG keeps every coefficient,
  // lossless WebP the whole ARGB picture); an estimate above it is treated as max_decode_pixels.
  std::uint64_t max_decode_memory = 256ULL << 20;

  // Bifragment gap carving of JPEGs (Garfinkel, DFRWS 2007): fragment ends and gap ends lie on
  // multiples of `fragment_alignment` in ABSOLUTE offsets (base_offset + position): 512 for
  // sectors, or the cluster size when the caller knows clusters are aligned to it. 0 disables
  // gap carving.
  std::uint32_t fragment_alignment = 512;
  std::uint64_t max_gap = 8ULL << 20;   // the largest gap searched after the break point
  std::uint32_t max_gap_decodes = 128;  // trial decodes of concatenations per broken JPEG
};

// One contiguous run of a carved picture in the evidence: absolute (base_offset + position).
struct Fragment {
  std::uint64_t offset;
  std::uint64_t length;
};

struct Carved {
  Format format;
  std::uint64_t offset;  // base_offset + position in the span (the first fragment's start)
  // The carved picture (or its valid part). For a contiguous picture it points into the span;
  // for a reassembled JPEG at an owned buffer (the fragments concatenated). Valid only during
  // the Sink::carved call: copy what you keep.
  std::span<const std::uint8_t> bytes;
  bool partial;             // structure or decoding ends early, or cut by the format's limit
  bool size_limited;        // cut by Limits::max_bytes
  std::string_view reason;  // why it is partial (valid only during the sink call)
  // Where the picture lies in the evidence, in order: one entry for a contiguous picture, two
  // for a reassembled bifragment JPEG. Sum of lengths == bytes.size().
  std::vector<Fragment> fragments;
  // Decoding: true when the decoder ran over the whole picture without an error or warning.
  bool decoded = false;
  // When decoding stopped early: the absolute offset in the evidence where the decoder gave up
  // (approximate: the decoder's read position at its first error); 0 otherwise.
  std::uint64_t decode_stopped_at = 0;
  std::uint32_t width = 0;  // from the header (0 when unknown)
  std::uint32_t height = 0;
};

struct Stats {
  std::uint64_t candidates = 0;  // full signatures found
  std::uint64_t rejected = 0;    // candidates the validator refused
  std::uint64_t carved = 0;      // pictures handed to the sink (partial ones included)
  std::uint64_t partial = 0;
  std::uint64_t skipped = 0;          // candidates inside a picture already carved
  std::uint64_t decode_rejected = 0;  // structurally valid, but nothing of it decodes
  std::uint64_t decode_partial = 0;   // decodes only in part (counted in partial too)
  std::uint64_t reassembled = 0;      // bifragment JPEGs put back together
  std::uint64_t gap_searches = 0;     // broken JPEGs whose continuation was searched for
  std::uint64_t limits_reached = 0;   // "limit" warnings given
  bool stopped = false;               // a limit, the sink or the stop token ended the search early
};

class Sink {
 public:
  virtual ~Sink() = default;
  // A validated picture; false stops the search.
  virtual bool carved(const Carved& c) = 0;
  // A counted warning ("limit", "truncated"); the message names the offset.
  virtual void warn(std::string code, std::string message) = 0;
};

// Searches every byte offset of `data` for the five formats' signatures, validates each
// candidate (structure, then decoding), and hands the pictures to the sink in offset order.
// Pictures never overlap: candidates inside an accepted picture are skipped (an EXIF thumbnail
// inside a carved JPEG is the exif extractor's). Offsets given to the sink are base_offset +
// position. Thread-safe: no shared mutable state; run one call per window on each core.
Stats carve_span(std::span<const std::uint8_t> data, std::uint64_t base_offset,
                 const Limits& limits, Sink& sink, std::stop_token stop = {});

// The same, for one window of a larger run: signatures may START only in the first
// `search_len` bytes of `data`; the bytes after are look-ahead, read only to validate pictures
// that start inside and to search for a JPEG's second fragment. Cutting a run into windows
// [k*W, k*W + W + lookahead) with search_len W carves every picture exactly once (a picture
// longer than its window's look-ahead is cut there as partial, so make the look-ahead at least
// the largest carve). search_len > data.size() means the whole span.
Stats carve_span(std::span<const std::uint8_t> data, std::size_t search_len,
                 std::uint64_t base_offset, const Limits& limits, Sink& sink,
                 std::stop_token stop = {});

}  // namespace carve
}  // namespace vigil::plugins
