// The carving search and the carve extractor. The search looks for each format's first byte with
// std::memchr (vectorised by the C library), one stream per format, merged in offset order; only
// at a full signature does a validator run. Candidates inside an accepted picture are skipped, so
// a picture is read once; failed validations are charged to a work budget so that a span packed
// with false signatures stays linear in its size.
#include <algorithm>
#include <cstring>
#include <string>

#include "carve/carve.hpp"

namespace vigil::plugins::carve {
namespace {

using Span = std::span<const std::uint8_t>;

// The formats' first two bytes: FF D8 (JPEG SOI), 89 'P' (PNG), "GI" (GIF), "BM" (BMP) and "RI"
// (RIFF, for WebP). A candidate is a position where one of these pairs starts.
constexpr std::array<std::uint8_t, kFormats> kFirstByte = {0xFF, 0x89, 'G', 'B', 'R'};
constexpr std::array<std::uint8_t, kFormats> kSecondByte = {0xD8, 'P', 'I', 'M', 'I'};

// The format whose pair starts at p (p + 1 < n), or kFormats.
std::size_t pair_format(const std::uint8_t* b) {
  for (std::size_t k = 0; k < kFormats; ++k) {
    if (b[0] == kFirstByte[k] && b[1] == kSecondByte[k]) return k;
  }
  return kFormats;
}

// One pass over the bytes, 16 at a time: every position is compared against the five pairs at
// once (GCC/Clang vector extensions: SSE2 on x86-64, NEON on ARM, no intrinsics), and only a
// block holding a pair is looked at byte by byte. On random bytes a pair occurs every ~13,000
// bytes, so the loop runs at memory speed, instead of stopping at every first byte (~every 51
// bytes for five first bytes).
using V16 = std::uint8_t __attribute__((vector_size(16)));

// The first position p in [from, end) with a pair at p; `end` when none. Needs end < n (the
// second byte of a pair is read).
std::size_t next_pair(const std::uint8_t* d, std::size_t n, std::size_t from, std::size_t end) {
  std::size_t p = from;
  while (p < end && p + 17 <= n) {
    V16 a;
    V16 b;
    std::memcpy(&a, d + p, 16);
    std::memcpy(&b, d + p + 1, 16);
    const auto m = ((a == 0xFF) & (b == 0xD8)) | ((a == 0x89) & (b == 'P')) |
                   ((a == 'G') & (b == 'I')) | ((a == 'B') & (b == 'M')) |
                   ((a == 'R') & (b == 'I'));
    std::uint64_t lanes[2];
    std::memcpy(lanes, &m, 16);
    if ((lanes[0] | lanes[1]) != 0) {
      // Matching bytes are 0xFF in the mask: the lowest one is the first pair in the block.
      const std::size_t j = lanes[0] != 0
                                ? static_cast<std::size_t>(__builtin_ctzll(lanes[0])) / 8
                                : 8 + static_cast<std::size_t>(__builtin_ctzll(lanes[1])) / 8;
      return std::min(p + j, end);
    }
    p += 16;
  }
  for (; p < end && p + 1 < n; ++p) {
    if (pair_format(d + p) < kFormats) return p;
  }
  return end;
}

// The full signature at p (the first two bytes are already known to match).
bool signature_at(Format f, Span d, std::size_t p) {
  const std::size_t left = d.size() - p;
  const std::uint8_t* b = d.data() + p;
  switch (f) {
    case Format::kJpeg:
      return left >= 3 && b[1] == 0xD8 && b[2] == 0xFF;
    case Format::kPng:
      return left >= 8 && std::memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0;
    case Format::kGif:
      return left >= 6 && (std::memcmp(b, "GIF87a", 6) == 0 || std::memcmp(b, "GIF89a", 6) == 0);
    case Format::kBmp:
      // "BM" is common in text: require the DIB header size of a known version as well.
      if (left < 18 || b[1] != 'M') return false;
      return (b[14] == 12 || b[14] == 40 || b[14] == 56 || b[14] == 108 || b[14] == 124) &&
             b[15] == 0 && b[16] == 0 && b[17] == 0;
    case Format::kWebp:
      return left >= 12 && std::memcmp(b, "RIFF", 4) == 0 && std::memcmp(b + 8, "WEBP", 4) == 0;
  }
  return false;
}

std::string where(Format f, std::uint64_t offset, std::uint64_t length) {
  return std::string(format_name(f)) + "@" + std::to_string(offset) + "+" + std::to_string(length);
}

}  // namespace

Stats carve_span(Span data, std::uint64_t base_offset, const Limits& limits, Sink& sink,
                 std::stop_token stop) {
  return carve_span(data, data.size(), base_offset, limits, sink, stop);
}

Stats carve_span(Span data, std::size_t search_len, std::uint64_t base_offset, const Limits& limits,
                 Sink& sink, std::stop_token stop) {
  Stats st;
  const std::size_t n = data.size();
  const std::uint8_t* d = data.data();
  // Signatures start in [0, search_end); a pair needs its second byte, so p + 1 < n.
  const std::size_t search_end = n == 0 ? 0 : std::min(search_len, n - 1);
  const std::uint64_t work_budget = limits.work_fixed + limits.work_factor * std::uint64_t{n};
  std::uint64_t work = 0;
  auto limit_warning = [&](std::string message) {
    ++st.limits_reached;
    sink.warn("limit", std::move(message));
  };
  std::size_t pos = 0;
  for (;;) {
    pos = next_pair(d, n, pos, search_end);
    if (pos >= search_end) break;
    const std::size_t k = pair_format(d + pos);
    const auto f = static_cast<Format>(k);
    if (k >= kFormats || !signature_at(f, data, pos)) {
      ++pos;
      continue;
    }
    if (stop.stop_requested()) {
      st.stopped = true;
      break;
    }
    ++st.candidates;
    const std::uint64_t cap = std::max<std::uint64_t>(limits.max_bytes[k], 1);
    const std::size_t span_len = static_cast<std::size_t>(std::min<std::uint64_t>(n - pos, cap));
    const Validation v = validate(f, data.subspan(pos, span_len));
    if (v.verdict == Verdict::kReject || v.length == 0 || v.length > span_len) {
      ++st.rejected;
      work += std::max<std::size_t>(v.walked, 1);
      if (work > work_budget) {
        limit_warning("carving stopped at offset " + std::to_string(base_offset + pos) +
                      ": failed validations read " + std::to_string(work) + " bytes (budget " +
                      std::to_string(work_budget) + ")");
        st.stopped = true;
        break;
      }
      ++pos;
      continue;
    }
    const bool size_limited = v.verdict == Verdict::kTruncated && v.at_end && span_len < n - pos;
    const bool partial = v.verdict == Verdict::kTruncated;
    const std::uint64_t offset = base_offset + pos;
    if (size_limited) {
      limit_warning(where(f, offset, v.length) + ": cut at the largest " +
                    std::string(format_name(f)) + " carve (" + std::to_string(cap) + " bytes)");
    } else if (partial) {
      sink.warn("truncated",
                where(f, offset, v.length) + ": " + std::string(v.reason) + "; carved as partial");
    }
    ++st.carved;
    st.partial += partial ? 1 : 0;
    Carved c{f, offset, data.subspan(pos, v.length), partial, size_limited, v.reason, {}};
    c.fragments.push_back({offset, v.length});
    if (!sink.carved(c)) {
      st.stopped = true;
      break;
    }
    // No overlap: the search resumes after the accepted picture.
    pos += v.length;
    if (st.carved >= limits.max_items) {
      if (next_pair(d, n, pos, search_end) < search_end) {
        limit_warning("carving stopped at offset " + std::to_string(base_offset + pos) + ": " +
                      std::to_string(limits.max_items) + " pictures carved (the per-item limit)");
        st.stopped = true;
      }
      break;
    }
  }
  return st;
}

}  // namespace vigil::plugins::carve

namespace vigil::plugins {
namespace {

// Feeds carved pictures to the Emitter as children of the item.
class ChildSink final : public carve::Sink {
 public:
  explicit ChildSink(extract::Emitter& out) : out_(out) {}
  bool carved(const carve::Carved& c) override {
    extract::Child child;
    child.layer = "carve";
    child.locator = std::string(carve::format_name(c.format)) + "@" + std::to_string(c.offset) +
                    "+" + std::to_string(c.bytes.size());
    child.declared_size = c.bytes.size();
    child.offset = c.offset;
    child.has_offset = true;
    child.status = c.partial ? extract::ChildStatus::kPartial : extract::ChildStatus::kOk;
    child.bytes.assign(c.bytes.begin(), c.bytes.end());
    return out_.child(std::move(child));
  }
  void warn(std::string code, std::string message) override {
    out_.warn(std::move(code), std::move(message));
  }

 private:
  extract::Emitter& out_;
};

class CarveExtractor final : public extract::Extractor {
 public:
  [[nodiscard]] std::string_view name() const override { return "carve"; }
  [[nodiscard]] std::string_view version() const override { return "1.0"; }
  [[nodiscard]] std::vector<std::string_view> input_types() const override { return {"unknown"}; }
  [[nodiscard]] std::string_view outputs() const override {
    return "JPEG, PNG, GIF, BMP and WebP pictures found at any byte offset (children, layer carve, "
           "locator <type>@<offset>+<length>); records: carve_candidates, carve_rejected, "
           "carved, carved_partial";
  }
  [[nodiscard]] std::string_view limits() const override {
    return "largest carve: jpeg/png 64 MiB, gif/webp 32 MiB, bmp 256 MiB (and the child byte "
           "budget); 10,000 pictures per item; failed validations read at most 64 MiB + 16x the "
           "item";
  }
  // Only items no other extractor unpacks and sniff could not type: containers are unpacked by
  // their own extractors, and their members come back here only when their type is unknown.
  [[nodiscard]] bool probe(const extract::ItemInput& item) const override {
    return item.type.name == "unknown" && item.bytes.size() >= 16;
  }

  void extract(const extract::ItemInput& item, extract::Emitter& out,
               std::stop_token stop) const override {
    carve::Limits limits;
    const std::uint64_t budget = std::max<std::uint64_t>(out.child_byte_budget(), 1);
    for (auto& m : limits.max_bytes) m = std::min(m, budget);
    ChildSink sink(out);
    const carve::Stats st = carve::carve_span(item.bytes, 0, limits, sink, stop);
    out.record({"carve_candidates", std::to_string(st.candidates)});
    out.record({"carve_rejected", std::to_string(st.rejected)});
    out.record({"carved", std::to_string(st.carved)});
    out.record({"carved_partial", std::to_string(st.partial)});
  }
};

}  // namespace

std::unique_ptr<extract::Extractor> make_carve_extractor() {
  return std::make_unique<CarveExtractor>();
}

}  // namespace vigil::plugins
