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
};

struct Carved {
  Format format;
  std::uint64_t offset;                 // base_offset + position in the span
  std::span<const std::uint8_t> bytes;  // the carved picture (or its valid part)
  bool partial;                         // structure ends early, or cut by the format's limit
  bool size_limited;                    // cut by Limits::max_bytes
  std::string_view reason;              // where the structure ended early, when partial
};

struct Stats {
  std::uint64_t candidates = 0;  // full signatures found
  std::uint64_t rejected = 0;    // candidates the validator refused
  std::uint64_t carved = 0;      // pictures handed to the sink (partial ones included)
  std::uint64_t partial = 0;
  std::uint64_t skipped = 0;  // candidates inside a picture already carved
  bool stopped = false;       // a limit, the sink or the stop token ended the search early
};

class Sink {
 public:
  virtual ~Sink() = default;
  // A validated picture; false stops the search.
  virtual bool carved(const Carved& c) = 0;
  // A counted warning ("limit", "truncated"); the message names the offset.
  virtual void warn(std::string code, std::string message) = 0;
};

// Searches every byte offset of `data` for the five formats' signatures (memchr per first
// byte), validates each candidate, and hands the pictures to the sink in offset order. Pictures
// never overlap: candidates inside an accepted picture are skipped (an EXIF thumbnail inside a
// carved JPEG is the exif extractor's). Offsets given to the sink are base_offset + position.
Stats carve_span(std::span<const std::uint8_t> data, std::uint64_t base_offset,
                 const Limits& limits, Sink& sink, std::stop_token stop = {});

}  // namespace carve
}  // namespace vigil::plugins
