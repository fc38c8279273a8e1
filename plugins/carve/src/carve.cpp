// The carving search and the carve extractor. The search looks for each format's first byte with
// std::memchr (vectorised by the C library), one stream per format, merged in offset order; only
// at a full signature does a validator run. Candidates inside an accepted picture are skipped, so
// a picture is read once; failed validations are charged to a work budget so that a span packed
// with false signatures stays linear in its size.
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "carve/carve.hpp"
#include "decode.hpp"

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
// once (GCC/Clang vector extensions: SSE2 code on x86-64, no intrinsics), and only a
// block holding a pair is looked at byte by byte. On random bytes a pair occurs every ~13,000
// bytes, so the loop runs at memory speed, instead of stopping at every first byte (~every 51
// bytes for five first bytes).
using V16 = std::uint8_t __attribute__((vector_size(16)));

// The pair mask of the 16 positions at b: 0xFF where a pair starts.
inline V16 pair_mask(const std::uint8_t* b) {
  V16 x;
  V16 y;
  std::memcpy(&x, b, 16);
  std::memcpy(&y, b + 1, 16);
  return ((x == 0xFF) & (y == 0xD8)) | ((x == 0x89) & (y == 'P')) | ((x == 'G') & (y == 'I')) |
         ((x == 'B') & (y == 'M')) | ((x == 'R') & (y == 'I'));
}

// The first position p in [from, end) with a pair at p; `end` when none. Needs end < n (the
// second byte of a pair is read).
// 32 positions a vector for the long runs without a pair (one AVX2 instruction a compare).
using V32 = std::uint8_t __attribute__((vector_size(32)));

// The first position p in [from, end) with a pair at p; `end` when none. Needs end < n (the
// second byte of a pair is read). Built twice, for AVX2 and for the SSE2 baseline, and picked
// when the program loads by what the CPU has (GCC's function multi-versioning): AVX2 more than
// halves the time of the loop that every byte of unclaimed space passes through. (The 64-byte
// test is written out here, not as a function returning a V32: the baseline clone must not
// pass AVX-sized vectors.)
// Under ThreadSanitizer the baseline alone: GCC instruments the clones' resolver too, and the
// dynamic loader runs it while relocating, before the TSan runtime is set up, so every program
// linking this crashed at load (SIGSEGV in next_pair's resolver).
#if defined(__SANITIZE_THREAD__)
#define VIGIL_PAIR_CLONES
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VIGIL_PAIR_CLONES
#endif
#endif
#ifndef VIGIL_PAIR_CLONES
#define VIGIL_PAIR_CLONES __attribute__((target_clones("avx2", "default")))
#endif
VIGIL_PAIR_CLONES std::size_t next_pair(const std::uint8_t* d, std::size_t n, std::size_t from,
                                        std::size_t end) {
  std::size_t p = from;
  // 64 positions per test of the combined masks: the common case (no pair) costs one branch.
  while (p < end && p + 65 <= n) {
    V32 m{};
    for (std::size_t half = 0; half < 64; half += 32) {
      V32 x;
      V32 y;
      std::memcpy(&x, d + p + half, 32);
      std::memcpy(&y, d + p + half + 1, 32);
      m |= ((x == 0xFF) & (y == 0xD8)) | ((x == 0x89) & (y == 'P')) | ((x == 'G') & (y == 'I')) |
           ((x == 'B') & (y == 'M')) | ((x == 'R') & (y == 'I'));
    }
    std::uint64_t lanes[4];
    std::memcpy(lanes, &m, 32);
    if ((lanes[0] | lanes[1] | lanes[2] | lanes[3]) != 0) break;
    p += 64;
  }
  while (p < end && p + 17 <= n) {
    const V16 m = pair_mask(d + p);
    std::uint64_t lanes[2];
    std::memcpy(lanes, &m, 16);
    if ((lanes[0] | lanes[1]) != 0) {
      // Matching bytes are 0xFF in the mask: the lowest one is the first pair in the block.
      const std::size_t j = lanes[0] != 0
                                ? static_cast<std::size_t>(__builtin_ctzll(lanes[0])) / 8
                                : 8 + static_cast<std::size_t>(__builtin_ctzll(lanes[1])) / 8;
      return std::min(p + j, end);
    }
    p += 16;  // the combined test found a pair in these 64 bytes: found before this runs out
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

// --- Bifragment gap carving of JPEGs (Garfinkel, "Carving contiguous and fragmented files with
// fast object validation", DFRWS 2007; the DFRWS 2006/2007 forensic challenges). A JPEG whose
// decode stops inside its scan data is taken to be the first fragment, broken at an aligned
// boundary b at or before the first bad block; the second fragment starts at an aligned boundary
// c after a gap and runs to an EOI. Candidate pairs are validated by decoding the two segments
// as one (no copy); the first whole decode wins.

// A block of entropy-coded data is never a run of one byte value (a wiped or zeroed sector) nor
// all printable text: such a block is where another file's bytes begin.
bool foreign_block(const std::uint8_t* b, std::size_t len) {
  if (len == 0) return false;
  // Checked 64 bytes at a time with no branch inside, so that the compiler vectorises it: the
  // gap search asks this of every aligned block in up to max_gap of text (most of its time when
  // it was a byte loop with an early exit).
  constexpr std::size_t kStep = 64;
  const std::uint8_t first = b[0];
  bool same = true;
  bool text = true;
  std::size_t i = 0;
  const auto check = [&](std::size_t from, std::size_t to) {
    std::uint8_t differs = 0;
    std::uint8_t binary = 0;
    for (std::size_t k = from; k < to; ++k) {
      const std::uint8_t c = b[k];
      differs |= static_cast<std::uint8_t>(c ^ first);
      const bool printable = static_cast<std::uint8_t>(c - 0x20) < 0x5F;
      const bool space = c == '\n' || c == '\r' || c == '\t';
      binary |= static_cast<std::uint8_t>(!(printable || space));
    }
    same = same && differs == 0;
    text = text && binary == 0;
  };
  for (; i + kStep <= len; i += kStep) {
    check(i, i + kStep);
    if (!same && !text) return false;
  }
  check(i, len);
  return same || text;
}

// A segment that may stand between the scans of a progressive JPEG (T.81 B.2.4, B.2.3), checked
// in full so that a false marker in random bytes is not jumped over: DHT (tables that exactly
// fill it), DQT (whole tables), DRI (length 4) and SOS (1-4 components).
bool between_scans_segment(Span d, std::size_t i, std::uint8_t m, std::size_t len) {
  const std::size_t start = i + 4;
  if (len < 2 || start + len - 2 > d.size()) return false;
  const std::size_t end = start + len - 2;
  switch (m) {
    case 0xC4: {  // DHT: Tc/Th, 16 counts, the symbols; repeated
      std::size_t p = start;
      if (p == end) return false;
      while (p < end) {
        if (end - p < 17 || (d[p] >> 4) > 1 || (d[p] & 0x0F) > 3) return false;
        std::size_t symbols = 0;
        for (std::size_t k = 1; k <= 16; ++k) symbols += d[p + k];
        if (symbols == 0 || symbols > 256 || end - p - 17 < symbols) return false;
        p += 17 + symbols;
      }
      return p == end;
    }
    case 0xDB: {  // DQT: Pq/Tq, 64 or 128 bytes; repeated
      std::size_t p = start;
      if (p == end) return false;
      while (p < end) {
        if ((d[p] >> 4) > 1 || (d[p] & 0x0F) > 3) return false;
        const std::size_t table = (d[p] >> 4) == 0 ? 64 : 128;
        if (end - p < 1 + table) return false;
        p += 1 + table;
      }
      return p == end;
    }
    case 0xDD:  // DRI
      return len == 4;
    case 0xDA: {  // SOS: Ns, 2 bytes per component, Ss, Se, Ah/Al
      const std::size_t ns = d[start];
      return ns >= 1 && ns <= 4 && len == 6 + 2 * ns;
    }
    default:
      return false;
  }
}

// Whether entropy-coded data could continue at c: walks scan data from c (T.81 B.1.1.5: 0xFF is
// followed by 0x00 stuffing or RSTn) and the segments a progressive JPEG puts between scans
// (between_scans_segment), up to an EOI. Returns the end of the EOI, or 0.
// `budget` counts bytes read across calls, bounding the work of one gap search.
// `straight` is set to where the walk first left scan data (a table segment jumped over): a
// walk from any c' in (c, straight) meets the same bytes, so it ends the same way.
std::size_t continuation_end(Span d, std::size_t c, std::size_t limit, std::uint64_t& budget,
                             std::size_t& fail_at, std::size_t& straight) {
  std::size_t p = c;
  straight = ~std::size_t{0};
  const std::size_t n = std::min(limit, d.size());
  while (p < n) {
    const void* q = std::memchr(d.data() + p, 0xFF, n - p);
    if (q == nullptr) break;
    const auto i = static_cast<std::size_t>(static_cast<const std::uint8_t*>(q) - d.data());
    const std::size_t read = i + 2 - p;
    if (budget < read) {
      budget = 0;
      return 0;
    }
    budget -= read;
    if (i + 1 >= n) break;
    const std::uint8_t m = d[i + 1];
    if (m == 0x00 || (m >= 0xD0 && m <= 0xD7) || m == 0xFF) {
      p = i + (m == 0xFF ? 1 : 2);
      continue;
    }
    if (m == 0xD9) return i + 2;
    if (i + 4 > n) break;
    const std::size_t len = (std::size_t{d[i + 2]} << 8) | d[i + 3];
    if (!between_scans_segment(d, i, m, len)) {
      fail_at = i + 2;
      return 0;
    }
    straight = std::min(straight, i);
    p = i + 2 + len;  // after SOS this is the scan data again
  }
  return 0;
}

struct Reassembly {
  std::size_t break_at = 0;  // end of the first fragment (span position)
  std::size_t resume = 0;    // start of the second
  std::size_t end = 0;       // end of the second (after EOI)
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  bool found = false;
  bool work_limited = false;  // stopped at max_gap_decodes (or the byte budget)
  bool gap_limited = false;   // the span went on past max_gap after the break
  std::uint64_t work = 0;     // bytes the walks read and the trial decodes were given
};

constexpr std::size_t kMaxBreakCandidates = 8;  // aligned boundaries tried around the bad point
constexpr std::size_t kBreakMargin = 2048;      // how far after the decoder's stop a break may be

Reassembly gap_carve(Span d, std::size_t pos, std::size_t scan_start, std::size_t first_bad,
                     std::uint64_t base_offset, std::size_t cap, const Limits& limits,
                     std::uint64_t work_left) {
  Reassembly r;
  const std::uint64_t a = limits.fragment_alignment;
  if (a == 0 || first_bad <= scan_start + 16) return r;
  const std::size_t n = d.size();
  // Aligned (absolute) boundaries in the span: position x with (base_offset + x) % a == 0.
  constexpr std::size_t kNone = ~std::size_t{0};
  auto align_down = [&](std::size_t x) -> std::size_t {
    const auto rem = static_cast<std::size_t>((base_offset + x) % a);
    return rem <= x ? x - rem : kNone;
  };
  auto align_up = [&](std::size_t x) -> std::size_t {
    const std::uint64_t rem = (base_offset + x) % a;
    return rem == 0 ? x : x + static_cast<std::size_t>(a - rem);
  };
  const std::size_t block = static_cast<std::size_t>(std::min<std::uint64_t>(a, 512));
  // The first foreign block after the scan start moves the bad point back to where the gap
  // begins (text, zeros: the decoder may run over them without an error).
  // Such a block is taken as the exact start of the gap (entropy-coded data never looks so).
  std::vector<std::size_t> breaks;  // span positions, nearest the bad point first
  for (std::size_t x = align_up(pos + scan_start); x + block <= n && x < pos + first_bad; x += a) {
    if (foreign_block(d.data() + x, block)) {
      if (x > pos + scan_start + 16) breaks.push_back(x);
      first_bad = x - pos;
      break;
    }
  }
  // The decoder notices corrupt data late (at a false marker, an impossible code), or up to an
  // MCU early (libjpeg-turbo rewinds to the start of the MCU it could not finish): the break is
  // one of the aligned boundaries around where it stopped, nearest first, alternately after and
  // before it.
  if (breaks.empty()) {
    const std::size_t stop = pos + first_bad;
    std::size_t up = align_up(stop);
    std::size_t down = align_down(stop);
    if (down == up) up += a;
    const std::size_t lowest = pos + scan_start + 16;
    const std::size_t highest = std::min(n, stop + kBreakMargin);
    while (breaks.size() < kMaxBreakCandidates) {
      const bool up_ok = up <= highest;
      const bool down_ok = down != kNone && down > lowest;
      if (!up_ok && !down_ok) break;
      if (up_ok) {
        breaks.push_back(up);
        up += a;
      }
      if (down_ok && breaks.size() < kMaxBreakCandidates) {
        breaks.push_back(down);
        down = down >= a ? down - a : kNone;
      }
    }
  }
  // Nearest first: a late detection stops a little after the break, a rewound MCU a little
  // before it.
  std::stable_sort(breaks.begin(), breaks.end(), [&](std::size_t x, std::size_t y) {
    const std::size_t stop = pos + first_bad;
    const std::size_t dx = x > stop ? x - stop : stop - x;
    const std::size_t dy = y > stop ? y - stop : stop - y;
    return dx < dy;
  });
  if (breaks.empty()) return r;
  const std::size_t lowest_break = *std::min_element(breaks.begin(), breaks.end());
  const std::size_t highest_break = *std::max_element(breaks.begin(), breaks.end());
  // Bytes the continuation walks may read: the gap twice and the largest carve twice.
  // Never more than the span's work budget has left (a span of many broken JPEGs stays linear).
  std::uint64_t walk_budget = std::min(2 * limits.max_gap + 2 * std::uint64_t{cap}, work_left);
  const std::uint64_t walk_start = walk_budget;
  const std::size_t c_end =
      static_cast<std::size_t>(std::min<std::uint64_t>(n, highest_break + limits.max_gap + 1));
  r.gap_limited = c_end < n;
  // Continuation candidates (c, end of its EOI), in offset order. A walk from c that runs
  // through scan data covers every later c' it passes: they end at the same EOI (or fail at the
  // same point), so each byte is walked about once.
  struct Candidate {
    std::size_t c;
    std::size_t eoi;
  };
  std::vector<Candidate> candidates;
  std::size_t memo_from = 0;
  std::size_t memo_until = 0;
  std::size_t memo_eoi = 0;
  for (std::size_t c = lowest_break + a; c < c_end && c + block <= n; c += a) {
    if (foreign_block(d.data() + c, block)) continue;
    std::size_t eoi = 0;
    if (c > memo_from && c < memo_until) {
      eoi = memo_eoi;
    } else {
      std::size_t fail_at = c + block;
      std::size_t straight = 0;
      eoi = continuation_end(d, c, n, walk_budget, fail_at, straight);
      if (walk_budget == 0) {
        r.work_limited = true;
        break;
      }
      // A second fragment holds no foreign block (zeros, text) either: such a block inside
      // means c is still in the gap.
      for (std::size_t x = c + a; eoi != 0 && x + block <= eoi; x += a) {
        if (foreign_block(d.data() + x, block)) {
          fail_at = x + block;
          eoi = 0;
        }
      }
      // Up to the byte before the 0xFF pair that decided (the EOI's, or the bad marker's): a walk
      // from the pair's second byte reads it as data, not as a marker, and may go on. (A gap
      // ending in 0xFF made the right start of a second fragment look like a failed walk.)
      memo_from = c;
      memo_until = std::min((eoi != 0 ? eoi : fail_at) - 1, straight);
      memo_eoi = eoi;
    }
    if (eoi != 0) candidates.push_back({c, eoi});
  }
  r.work += walk_start - walk_budget;
  // Trials. Candidates ending at the same EOI form a group; the first group after the gap is the
  // likeliest second fragment. Its first candidates are its likeliest starts: the first aligned
  // block after the gap, or one to three blocks later (the end of a random gap can read as scan
  // data that runs on into the fragment); later ones lie inside it. So the trials go group by
  // group in offset order, in a group by candidate (its first few), and for each candidate break
  // by break, nearest the bad point first: the right pair comes within a few dozen trials even
  // when the span after the gap holds many false groups (random bytes that happen to walk to an
  // FFD9). A break-first order spent all of max_gap_decodes on them before it tried the right
  // break (a JPEG of the carve bench, 9 of 10 reassembled).
  // A decode that passes is not proof: a few hundred bytes of gap decoded as garbage can make up
  // for as many bytes of picture skipped. So the pairs around the first one that passes are
  // tried too, and the passing picture with the smallest step between two rows wins
  // (DecodeResult::roughness).
  constexpr std::size_t kPerEoi = 8;
  constexpr std::size_t kNeighbours = 3;  // aligned blocks either side of the first pass
  std::uint32_t decodes = 0;
  double best = 0;
  auto trial = [&](std::size_t b, const Candidate& cand) {
    const std::size_t len1 = b - pos;
    const std::size_t len2 = cand.eoi - cand.c;
    if (len1 + len2 > cap || decodes >= limits.max_gap_decodes) return;
    if (r.work + len1 + len2 > work_left) {
      decodes = limits.max_gap_decodes;  // the span's budget is spent: no more trials
      return;
    }
    ++decodes;
    r.work += len1 + len2;
    const auto dr = detail::decode_jpeg(d.subspan(pos, len1), d.subspan(cand.c, len2), limits);
    if (dr.outcome != detail::Decoded::kOk || dr.stopped_at != len1 + len2) return;
    if (r.found && dr.roughness >= best) return;
    best = dr.roughness;
    r.break_at = b;
    r.resume = cand.c;
    r.end = cand.eoi;
    r.width = dr.width;
    r.height = dr.height;
    r.found = true;
  };
  // Where each group starts in `candidates` (offset order; a group's candidates are adjacent).
  std::vector<std::size_t> group_starts;
  for (std::size_t i = 0; i < candidates.size(); ++i)
    if (i == 0 || candidates[i].eoi != candidates[i - 1].eoi) group_starts.push_back(i);
  group_starts.push_back(candidates.size());
  for (std::size_t g = 0; g + 1 < group_starts.size() && !r.found; ++g) {
    const std::size_t end = std::min(group_starts[g + 1], group_starts[g] + kPerEoi);
    for (std::size_t i = group_starts[g]; i < end && !r.found; ++i) {
      for (const std::size_t b : breaks) {
        if (candidates[i].c <= b) continue;
        trial(b, candidates[i]);
        if (r.found) break;
        if (decodes >= limits.max_gap_decodes) {
          r.work_limited = true;
          return r;
        }
      }
    }
  }
  if (!r.found) return r;
  const std::size_t b0 = r.break_at;
  const std::size_t c0 = r.resume;
  const std::size_t near = kNeighbours * a;
  for (const std::size_t b : breaks) {
    if (b + near < b0 || b > b0 + near) continue;
    for (const Candidate& cand : candidates) {
      if (cand.eoi != r.end || cand.c <= b || cand.c + near < c0 || cand.c > c0 + near) continue;
      if (b == b0 && cand.c == c0) continue;
      trial(b, cand);
    }
  }
  return r;
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
  // Second fragments of reassembled JPEGs: no candidate starts inside one.
  std::vector<std::pair<std::size_t, std::size_t>> claims;
  std::size_t pos = 0;
  for (;;) {
    pos = next_pair(d, n, pos, search_end);
    if (pos >= search_end) break;
    if (!claims.empty()) {
      // The search only moves forward past a claim: the ones behind it are done with.
      std::erase_if(claims, [&](const auto& cl) { return cl.second <= pos; });
      const auto inside = std::find_if(claims.begin(), claims.end(), [&](const auto& cl) {
        return pos >= cl.first && pos < cl.second;
      });
      if (inside != claims.end()) {
        ++st.skipped;
        pos = inside->second;
        continue;
      }
    }
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
    bool partial = v.verdict == Verdict::kTruncated;
    const std::uint64_t offset = base_offset + pos;
    Carved c{f, offset, data.subspan(pos, v.length), partial, size_limited, v.reason, {}};
    c.fragments.push_back({offset, v.length});
    std::string reason(v.reason);
    std::vector<std::uint8_t> joined;  // the reassembled JPEG
    std::size_t resume = pos + v.length;
    if (limits.decode && (f == Format::kJpeg || f == Format::kGif || f == Format::kWebp)) {
      const Span picture = data.subspan(pos, v.length);
      const detail::DecodeResult dr = f == Format::kJpeg  ? detail::decode_jpeg(picture, {}, limits)
                                      : f == Format::kGif ? detail::decode_gif(picture, limits)
                                                          : detail::decode_webp(picture, limits);
      c.width = dr.width;
      c.height = dr.height;
      if (dr.outcome == detail::Decoded::kOk) {
        c.decoded = true;
      } else if (dr.outcome == detail::Decoded::kTooLarge) {
        partial = true;
        reason = dr.message;
        limit_warning(where(f, offset, v.length) + ": " + dr.message + " (" +
                      std::to_string(limits.max_decode_pixels) + " pixels, " +
                      std::to_string(limits.max_decode_memory) + " bytes); carved as partial");
      } else {
        // A JPEG broken inside its scan data: look for its second fragment.
        detail::DecodeResult whole = dr;
        bool reassembled = false;
        if (f == Format::kJpeg && dr.outcome == detail::Decoded::kPartial && !size_limited &&
            limits.fragment_alignment > 0) {
          ++st.gap_searches;
          const Reassembly ra =
              gap_carve(data, pos, dr.scan_start, dr.stopped_at, base_offset, span_len, limits,
                        work < work_budget ? work_budget - work : 0);
          // Charged to the span's work budget like failed validations: many broken JPEGs, each
          // searched, cost at most the budget, and the budget's end stops the search below.
          work += ra.work;
          if (ra.found) {
            reassembled = true;
            const std::size_t len1 = ra.break_at - pos;
            const std::size_t len2 = ra.end - ra.resume;
            joined.reserve(len1 + len2);
            joined.assign(d + pos, d + ra.break_at);
            joined.insert(joined.end(), d + ra.resume, d + ra.end);
            c.bytes = joined;
            c.fragments = {{offset, len1}, {base_offset + ra.resume, len2}};
            c.decoded = true;
            partial = false;
            resume = ra.break_at;  // the gap is searched too; the second fragment is not
            claims.push_back({ra.resume, ra.end});
            ++st.reassembled;
          } else if (ra.work_limited) {
            limit_warning(where(f, offset, v.length) +
                          ": the search for a second fragment "
                          "stopped at its work limit (" +
                          std::to_string(limits.max_gap_decodes) + " trial decodes)");
          }
        }
        if (!reassembled && dr.outcome == detail::Decoded::kFailed) {
          ++st.rejected;
          ++st.decode_rejected;
          work += v.length;
          ++pos;
          continue;
        }
        if (!reassembled) {
          partial = true;
          ++st.decode_partial;
          c.decode_stopped_at = offset + whole.stopped_at;
          reason = "decoding stopped at offset " + std::to_string(c.decode_stopped_at) + ": " +
                   whole.message;
          // Bytes that end early are "truncated" (as without decoding); a structure that is
          // whole but does not decode is "corrupt".
          sink.warn(v.verdict == Verdict::kTruncated ? "truncated" : "corrupt",
                    where(f, offset, v.length) + ": " + std::string(v.reason) + "; " + reason +
                        "; carved as partial");
        }
      }
    }
    if (size_limited) {
      limit_warning(where(f, offset, v.length) + ": cut at the largest " +
                    std::string(format_name(f)) + " carve (" + std::to_string(cap) + " bytes)");
    } else if (v.verdict == Verdict::kTruncated && partial && c.decode_stopped_at == 0) {
      sink.warn("truncated",
                where(f, offset, v.length) + ": " + std::string(v.reason) + "; carved as partial");
    }
    c.partial = partial;
    c.reason = partial ? std::string_view(reason) : std::string_view();
    ++st.carved;
    st.partial += partial ? 1 : 0;
    if (!sink.carved(c)) {
      st.stopped = true;
      break;
    }
    if (work >= work_budget) {  // a gap search stops exactly at the budget's end
      limit_warning("carving stopped at offset " + std::to_string(offset + v.length) +
                    ": failed validations and second-fragment searches read " +
                    std::to_string(work) + " bytes (budget " + std::to_string(work_budget) + ")");
      st.stopped = true;
      break;
    }
    // No overlap: the search resumes after the accepted picture (after a reassembled JPEG's
    // first fragment, skipping its second).
    pos = resume;
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
    // <type>@<offset>+<length>; a reassembled JPEG names both fragments:
    // jpeg@<offset1>+<length1>,<offset2>+<length2>.
    child.locator = std::string(carve::format_name(c.format)) + "@";
    for (std::size_t i = 0; i < c.fragments.size(); ++i) {
      if (i > 0) child.locator += ',';
      child.locator += std::to_string(c.fragments[i].offset);
      child.locator += '+';
      child.locator += std::to_string(c.fragments[i].length);
    }
    child.declared_size = c.bytes.size();
    child.offset = c.offset;
    child.has_offset = true;
    // Two fragments: joined because the join decodes, an inference an examiner confirms.
    child.status = c.partial                ? extract::ChildStatus::kPartial
                   : c.fragments.size() > 1 ? extract::ChildStatus::kReassembled
                                            : extract::ChildStatus::kOk;
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
  [[nodiscard]] std::string_view version() const override { return "2.0"; }
  [[nodiscard]] std::vector<std::string_view> input_types() const override { return {"unknown"}; }
  [[nodiscard]] std::string_view outputs() const override {
    return "JPEG, PNG, GIF, BMP and WebP pictures found at any byte offset, JPEG, GIF and WebP "
           "validated by decoding, bifragment JPEGs reassembled (children, layer carve, locator "
           "<type>@<offset>+<length>[,<offset2>+<length2>]); records: carve_candidates, "
           "carve_rejected, carved, carved_partial, carve_decode_rejected, carved_reassembled";
  }
  [[nodiscard]] std::string_view limits() const override {
    return "largest carve: jpeg/png 64 MiB, gif/webp 32 MiB, bmp 256 MiB (and the child byte "
           "budget); 10,000 pictures per item; failed validations read at most 64 MiB + 16x the "
           "item; decoding: 2^28 pixels, 256 MiB; fragmented JPEG: gap up to 8 MiB, 128 trial "
           "decodes";
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
    out.record({"carve_decode_rejected", std::to_string(st.decode_rejected)});
    out.record({"carved_reassembled", std::to_string(st.reassembled)});
  }
};

}  // namespace

std::unique_ptr<extract::Extractor> make_carve_extractor() {
  return std::make_unique<CarveExtractor>();
}

}  // namespace vigil::plugins
