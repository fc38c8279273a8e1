// PDQ hashing core, written from the algorithm description (issue 5; ThreatExchange
// pdq/README.md and hashing.pdf). No packaged library computes PDQ, so it is written here.
//
// Bit-exactness: every float operation happens in the order the reference performs it (running
// box sums added then subtracted, divided by the current sample count; DCT sums accumulated in
// float over k in increasing order). The speed-ups only change the memory layout: a box pass runs
// over several independent lanes at once (all columns of a row, or eight rows transposed into a
// strip), so each lane sees exactly the reference's sequence of operations. This file is compiled
// with -ffp-contract=off so no multiply-add is fused (see lib/phash/CMakeLists.txt).
#include "vigil/phash/pdq.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vigil::phash {
namespace {

constexpr int kDown = 64;        // downsampled side
constexpr int kDct = 16;         // DCT block side
constexpr int kStripLanes = 16;  // rows filtered together in a row pass (4 SSE vectors)
constexpr int kCliSide = 512;    // the reference CLI's pre-resize target
constexpr float kLumaR = 0.299f;
constexpr float kLumaG = 0.587f;
constexpr float kLumaB = 0.114f;

// The Jarosz box window along an axis of length n for a 64-sample output: ceil(n / 128).
int window_size(int n) { return (n + 2 * kDown - 1) / (2 * kDown); }

// One box-filter pass over `lanes` interleaved vectors of `length` samples (layout
// [position][lane]). Per lane this is the reference's 1-D box: the window grows from half size
// at the start, runs at full size, and shrinks at the end; each output is the float running sum
// divided by the number of samples in it. kFixed > 0 fixes the lane count at compile time so the
// strip variant vectorises fully.
template <int kFixed>
void box_pass(const float* __restrict in, float* __restrict out, int length, int runtime_lanes,
              int window, float* __restrict sums) {
  const int lanes = kFixed > 0 ? kFixed : runtime_lanes;
  const int half = (window + 2) / 2;
  const int phase1 = half - 1;
  const int phase2 = window - half + 1;
  const int phase3 = length - window;
  const int phase4 = half - 1;
  std::fill(sums, sums + lanes, 0.0f);
  const float* right = in;
  const float* left = in;
  float* o = out;
  int count = 0;
  for (int i = 0; i < phase1; ++i, right += lanes) {
    for (int l = 0; l < lanes; ++l) sums[l] += right[l];
    ++count;
  }
  for (int i = 0; i < phase2; ++i, right += lanes, o += lanes) {
    ++count;
    const auto c = static_cast<float>(count);
    for (int l = 0; l < lanes; ++l) {
      sums[l] += right[l];
      o[l] = sums[l] / c;
    }
  }
  {
    const auto c = static_cast<float>(count);
    for (int i = 0; i < phase3; ++i, right += lanes, left += lanes, o += lanes) {
      for (int l = 0; l < lanes; ++l) {
        sums[l] += right[l];
        sums[l] -= left[l];
        o[l] = sums[l] / c;
      }
    }
  }
  for (int i = 0; i < phase4; ++i, left += lanes, o += lanes) {
    --count;
    const auto c = static_cast<float>(count);
    for (int l = 0; l < lanes; ++l) {
      sums[l] -= left[l];
      o[l] = sums[l] / c;
    }
  }
}

// Column passes run as a stream of rows: each lane (column) goes through exactly the steps of
// box_pass, one row at a time, so rows can be fed as an earlier pass produces them and nothing of
// picture size is ever stored. These are the per-row steps of the four phases.
void column_add(float* __restrict sums, const float* __restrict in, int lanes) {
  for (int l = 0; l < lanes; ++l) sums[l] += in[l];
}
void column_add_out(float* __restrict sums, const float* __restrict in, float* __restrict out,
                    float count, int lanes) {
  for (int l = 0; l < lanes; ++l) {
    sums[l] += in[l];
    out[l] = sums[l] / count;
  }
}
void column_add_sub_out(float* __restrict sums, const float* __restrict in,
                        const float* __restrict left, float* __restrict out, float count,
                        int lanes) {
  for (int l = 0; l < lanes; ++l) {
    sums[l] += in[l];
    sums[l] -= left[l];
    out[l] = sums[l] / count;
  }
}
void column_sub_out(float* __restrict sums, const float* __restrict left, float* __restrict out,
                    float count, int lanes) {
  for (int l = 0; l < lanes; ++l) {
    sums[l] -= left[l];
    out[l] = sums[l] / count;
  }
}

// The 16 x 64 DCT matrix without the constant row: D[i][j] = sqrt(2/64) cos(pi/128 (i+1)(2j+1)).
struct DctMatrix {
  std::array<float, kDct * kDown> d{};   // [i][k]
  std::array<float, kDown * kDct> dt{};  // transposed, [k][j]
  DctMatrix() {
    const double scale = std::sqrt(2.0 / kDown);
    for (int i = 0; i < kDct; ++i) {
      for (int j = 0; j < kDown; ++j) {
        const auto v = static_cast<float>(
            scale * std::cos((std::numbers::pi / 2.0 / kDown) * (i + 1) * (2 * j + 1)));
        d[i * kDown + j] = v;
        dt[j * kDct + i] = v;
      }
    }
  }
};

const DctMatrix& dct_matrix() {
  static const DctMatrix m;
  return m;
}

// Quality: the sum of |trunc((u - v) * 100 / 255)| over all vertical and horizontal neighbour
// pairs of the 64 x 64 picture, divided by 90 and capped at 100.
int quality_of(const float* a) {
  int sum = 0;
  for (int i = 0; i < kDown - 1; ++i) {
    for (int j = 0; j < kDown; ++j) {
      const float u = a[i * kDown + j];
      const float v = a[(i + 1) * kDown + j];
      const int d = static_cast<int>(((u - v) * 100.0f) / 255.0f);
      sum += std::abs(d);
    }
  }
  for (int i = 0; i < kDown; ++i) {
    for (int j = 0; j < kDown - 1; ++j) {
      const float u = a[i * kDown + j];
      const float v = a[i * kDown + j + 1];
      const int d = static_cast<int>(((u - v) * 100.0f) / 255.0f);
      sum += std::abs(d);
    }
  }
  return std::min(sum / 90, 100);
}

// B = D A D^T as two matrix products. Loops run i-k-j so the inner loop is contiguous, while each
// output element still accumulates over k in increasing order from 0.0f, as the reference does.
void dct_16x16(const float* a, float* out) {
  const DctMatrix& m = dct_matrix();
  std::array<float, kDct * kDown> t{};
  for (int i = 0; i < kDct; ++i) {
    float* ti = &t[i * kDown];
    for (int k = 0; k < kDown; ++k) {
      const float dik = m.d[i * kDown + k];
      const float* ak = a + k * kDown;
      for (int j = 0; j < kDown; ++j) ti[j] += dik * ak[j];
    }
  }
  std::fill(out, out + kDct * kDct, 0.0f);
  for (int i = 0; i < kDct; ++i) {
    float* bi = out + i * kDct;
    for (int k = 0; k < kDown; ++k) {
      const float tik = t[i * kDown + k];
      const float* dk = &m.dt[k * kDct];
      for (int j = 0; j < kDct; ++j) bi[j] += tik * dk[j];
    }
  }
}

// Median threshold: the 128th-smallest value; a bit is set only when strictly greater.
Hash256 bits_of(const float* block) {
  std::array<float, kDct * kDct> sorted{};
  std::copy(block, block + kDct * kDct, sorted.begin());
  std::nth_element(sorted.begin(), sorted.begin() + 127, sorted.end());
  const float median = sorted[127];
  Hash256 h;
  for (int k = 0; k < kDct * kDct; ++k)
    if (block[k] > median) set_pdq_bit(h, k);
  return h;
}

// The DCT block of a dihedral variant, from the original's: row index i is vertical frequency
// i + 1, so mirroring an axis negates the coefficients of odd frequency (even index) on it, and a
// quarter turn or a (anti-)transpose swaps the axes.
void dihedral_block(const float* a, Dihedral d, float* b) {
  for (int i = 0; i < kDct; ++i) {
    for (int j = 0; j < kDct; ++j) {
      const float v = a[i * kDct + j];
      const bool i_odd_freq = (i & 1) == 0;
      const bool j_odd_freq = (j & 1) == 0;
      switch (d) {
        case Dihedral::kOriginal:
          b[i * kDct + j] = v;
          break;
        case Dihedral::kRotate90:
          b[j * kDct + i] = j_odd_freq ? -v : v;
          break;
        case Dihedral::kRotate180:
          b[i * kDct + j] = ((i + j) & 1) ? -v : v;
          break;
        case Dihedral::kRotate270:
          b[j * kDct + i] = i_odd_freq ? -v : v;
          break;
        case Dihedral::kFlipX:
          b[i * kDct + j] = i_odd_freq ? -v : v;
          break;
        case Dihedral::kFlipY:
          b[i * kDct + j] = j_odd_freq ? -v : v;
          break;
        case Dihedral::kFlipPlus1:
          b[j * kDct + i] = v;
          break;
        case Dihedral::kFlipMinus1:
          b[j * kDct + i] = ((i + j) & 1) ? -v : v;
          break;
      }
    }
  }
}

bool is_grey(const std::uint8_t* bgr, int width, int height, std::size_t stride) {
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* p = bgr + static_cast<std::size_t>(y) * stride;
    for (int x = 0; x < width; ++x, p += 3)
      if (p[0] != p[1] || p[1] != p[2]) return false;
  }
  return true;
}

inline float luma_of(const std::uint8_t* p) {
  return kLumaR * static_cast<float>(p[2]) + kLumaG * static_cast<float>(p[1]) +
         kLumaB * static_cast<float>(p[0]);
}

// The three products of luma_of, tabulated: each is rounded to float on its own in either form,
// so (r + g) + b from the tables gives the same bits with three loads instead of three
// conversions and multiplications.
struct LumaTables {
  std::array<float, 256> r{}, g{}, b{};
  LumaTables() {
    for (int v = 0; v < 256; ++v) {
      r[v] = kLumaR * static_cast<float>(v);
      g[v] = kLumaG * static_cast<float>(v);
      b[v] = kLumaB * static_cast<float>(v);
    }
  }
};

const LumaTables& luma_tables() {
  static const LumaTables t;
  return t;
}

void luma_row_of(const std::uint8_t* __restrict p, int width, float* __restrict out) {
  const LumaTables& t = luma_tables();
  for (int c = 0; c < width; ++c, p += 3) out[c] = t.r[p[2]] + t.g[p[1]] + t.b[p[0]];
}

// Rows -> strip: rows[l][c] (l < kStripLanes) to strip[c * kStripLanes + l]. Pure data
// movement; with SSE2 it moves 4 x 4 blocks through registers.
void rows_to_strip(const float* const* rows, int width, float* __restrict strip) {
  int c = 0;
#if defined(__SSE2__)
  for (; c + 4 <= width; c += 4) {
    for (int l = 0; l < kStripLanes; l += 4) {
      __m128 r0 = _mm_loadu_ps(rows[l] + c);
      __m128 r1 = _mm_loadu_ps(rows[l + 1] + c);
      __m128 r2 = _mm_loadu_ps(rows[l + 2] + c);
      __m128 r3 = _mm_loadu_ps(rows[l + 3] + c);
      _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
      float* dst = strip + static_cast<std::size_t>(c) * kStripLanes + l;
      _mm_storeu_ps(dst, r0);
      _mm_storeu_ps(dst + kStripLanes, r1);
      _mm_storeu_ps(dst + 2 * kStripLanes, r2);
      _mm_storeu_ps(dst + 3 * kStripLanes, r3);
    }
  }
#endif
  for (; c < width; ++c)
    for (int l = 0; l < kStripLanes; ++l)
      strip[static_cast<std::size_t>(c) * kStripLanes + l] = rows[l][c];
}

// Strip -> rows, the inverse of rows_to_strip.
void strip_to_rows(const float* __restrict strip, int width, float* const* rows) {
  int c = 0;
#if defined(__SSE2__)
  for (; c + 4 <= width; c += 4) {
    for (int l = 0; l < kStripLanes; l += 4) {
      const float* src = strip + static_cast<std::size_t>(c) * kStripLanes + l;
      __m128 r0 = _mm_loadu_ps(src);
      __m128 r1 = _mm_loadu_ps(src + kStripLanes);
      __m128 r2 = _mm_loadu_ps(src + 2 * kStripLanes);
      __m128 r3 = _mm_loadu_ps(src + 3 * kStripLanes);
      _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
      _mm_storeu_ps(rows[l] + c, r0);
      _mm_storeu_ps(rows[l + 1] + c, r1);
      _mm_storeu_ps(rows[l + 2] + c, r2);
      _mm_storeu_ps(rows[l + 3] + c, r3);
    }
  }
#endif
  for (; c < width; ++c)
    for (int l = 0; l < kStripLanes; ++l)
      rows[l][c] = strip[static_cast<std::size_t>(c) * kStripLanes + l];
}

// The 64 sample positions along an axis of length n: pixel centres, (int)((i + 0.5) * n / 64).
std::array<int, kDown> sample_positions(int n) {
  std::array<int, kDown> pos{};
  for (int i = 0; i < kDown; ++i) pos[i] = static_cast<int>(((i + 0.5) * n) / kDown);
  return pos;
}

}  // namespace

std::string_view dihedral_name(Dihedral d) {
  static constexpr std::array<std::string_view, kDihedralCount> kNames = {
      "original", "rotate90", "rotate180", "rotate270",
      "flipx",    "flipy",    "flipplus1", "flipminus1"};
  const auto i = static_cast<std::size_t>(d);
  return i < kNames.size() ? kNames[i] : std::string_view("unknown");
}

void set_pdq_bit(Hash256& hash, int k) {
  const int word = (k & 255) >> 4;
  const int bit = k & 15;
  const int byte = 2 * (15 - word) + (bit >= 8 ? 0 : 1);
  hash.bytes[byte] = static_cast<std::uint8_t>(hash.bytes[byte] | (1u << (bit & 7)));
}

bool pdq_bit(const Hash256& hash, int k) {
  const int word = (k & 255) >> 4;
  const int bit = k & 15;
  const int byte = 2 * (15 - word) + (bit >= 8 ? 0 : 1);
  return ((hash.bytes[byte] >> (bit & 7)) & 1u) != 0;
}

namespace {

// The whole pipeline after luminance, shared by both entry points. luma_row(r, tmp) returns the
// luminance of row r, either a pointer into a plane or tmp (width floats) filled on the spot.
//
// The four Jarosz passes are chained as a stream over the rows: pass 1 (rows) filters a strip of
// kStripLanes rows; its rows feed pass 2 (columns), which keeps only the last col_window +
// kStripLanes input rows in a ring; pass 2's output rows gather into a strip for pass 3 (rows),
// of which only the 64 sampled columns are kept; pass 4 (columns) runs on those. The working set
// is a few rows, whatever the picture size.
template <class Scratch, class LumaRow>
PdqResult hash_plane(int width, int height, const PdqOptions& options, LumaRow luma_row,
                     Scratch& s) {
  PdqResult r;
  r.pipeline = std::string(pdq_pipeline_name(options.pipeline));
  const auto w = static_cast<std::size_t>(width);
  const int row_window = window_size(width);
  const int col_window = window_size(height);
  const int col_half = (col_window + 2) / 2;
  const auto rows_at = sample_positions(height);
  const auto cols_at = sample_positions(width);
  const int ring_rows = col_window + kStripLanes;

  s.ring.resize(w * static_cast<std::size_t>(ring_rows));
  s.pass2.resize(w * kStripLanes);
  s.strip_a.resize(w * kStripLanes);
  s.strip_b.resize(w * kStripLanes);
  s.sums.assign(std::max<std::size_t>(w, kDown), 0.0f);
  s.strip_sums.resize(kStripLanes);
  s.sampled.resize(static_cast<std::size_t>(height) * kDown * 2);
  // kStripLanes row buffers for luminance computed on the spot, plus one zero row and one
  // discard row for the lanes past the last row of the picture.
  s.rows.assign(w * (kStripLanes + 2), 0.0f);
  float* zero_row = s.rows.data() + w * kStripLanes;
  float* discard_row = zero_row + w;
  float* g = s.sampled.data();                                              // [row][64], pass 3
  float* g2 = s.sampled.data() + static_cast<std::size_t>(height) * kDown;  // pass 4
  std::array<const float*, kStripLanes> in_rows{};
  std::array<float*, kStripLanes> out_rows{};

  auto ring_row = [&](int row) {
    return s.ring.data() + static_cast<std::size_t>(row % ring_rows) * w;
  };
  auto pass2_row = [&](int row) {
    return s.pass2.data() + static_cast<std::size_t>(row % kStripLanes) * w;
  };
  // Pass 3 on the strip of pass-2 rows first..first+n-1, keeping the 64 sampled columns.
  auto pass3 = [&](int first, int n) {
    for (int l = 0; l < kStripLanes; ++l) in_rows[l] = l < n ? pass2_row(first + l) : zero_row;
    rows_to_strip(in_rows.data(), width, s.strip_a.data());
    box_pass<kStripLanes>(s.strip_a.data(), s.strip_b.data(), width, kStripLanes, row_window,
                          s.strip_sums.data());
    for (int l = 0; l < n; ++l)
      for (int j = 0; j < kDown; ++j)
        g[static_cast<std::size_t>(first + l) * kDown + j] =
            s.strip_b[static_cast<std::size_t>(cols_at[j]) * kStripLanes + l];
  };
  // After pass 2 wrote its output row `out`: run pass 3 once a strip is complete.
  auto pass2_done = [&](int out) {
    if (out % kStripLanes == kStripLanes - 1 || out == height - 1)
      pass3(out - out % kStripLanes, out % kStripLanes + 1);
  };
  // Pass 2 (columns), fed one pass-1 row at a time; same phases as box_pass.
  float* sums = s.sums.data();
  int count = 0;
  auto pass2_push = [&](int in) {
    const float* row = ring_row(in);
    if (in < col_half - 1) {
      column_add(sums, row, width);
      ++count;
    } else if (in < col_window) {
      ++count;
      const int out = in - (col_half - 1);
      column_add_out(sums, row, pass2_row(out), static_cast<float>(count), width);
      pass2_done(out);
    } else {
      const int out = in - (col_half - 1);
      column_add_sub_out(sums, row, ring_row(in - col_window), pass2_row(out),
                         static_cast<float>(count), width);
      pass2_done(out);
    }
  };

  // Pass 1 (rows) from the luminance, a strip of rows at a time, into the ring.
  for (int r0 = 0; r0 < height; r0 += kStripLanes) {
    const int n = std::min(kStripLanes, height - r0);
    for (int l = 0; l < kStripLanes; ++l) {
      in_rows[l] = l < n ? luma_row(r0 + l, s.rows.data() + w * l) : zero_row;
      out_rows[l] = l < n ? ring_row(r0 + l) : discard_row;
    }
    rows_to_strip(in_rows.data(), width, s.strip_a.data());
    box_pass<kStripLanes>(s.strip_a.data(), s.strip_b.data(), width, kStripLanes, row_window,
                          s.strip_sums.data());
    strip_to_rows(s.strip_b.data(), width, out_rows.data());
    for (int l = 0; l < n; ++l) pass2_push(r0 + l);
  }
  // Pass 2's last phase: the window shrinks at the bottom edge.
  for (int i = 0; i < col_half - 1; ++i) {
    --count;
    const int left = height - col_window + i;
    const int out = height - col_half + 1 + i;
    column_sub_out(sums, ring_row(left), pass2_row(out), static_cast<float>(count), width);
    pass2_done(out);
  }
  // Pass 4 (columns) over the 64 kept columns only.
  box_pass<kDown>(g, g2, height, kDown, col_window, s.sums.data());

  std::array<float, kDown * kDown> down{};
  for (int i = 0; i < kDown; ++i)
    for (int j = 0; j < kDown; ++j)
      down[i * kDown + j] = g2[static_cast<std::size_t>(rows_at[i]) * kDown + j];

  r.quality = quality_of(down.data());
  std::array<float, kDct * kDct> block{};
  dct_16x16(down.data(), block.data());
  r.hash = bits_of(block.data());
  if (options.dihedral) {
    std::array<Hash256, kDihedralCount> all{};
    all[0] = r.hash;
    std::array<float, kDct * kDct> variant{};
    for (int d = 1; d < kDihedralCount; ++d) {
      dihedral_block(block.data(), static_cast<Dihedral>(d), variant.data());
      all[d] = bits_of(variant.data());
    }
    r.dihedral = all;
  }
  return r;
}

PdqResult too_small_result(const PdqOptions& options) {
  PdqResult r;
  r.pipeline = std::string(pdq_pipeline_name(options.pipeline));
  r.too_small = true;
  return r;
}

bool needs_cli_resize(const PdqOptions& options, int width, int height) {
  return options.pipeline == PdqPipeline::kCli512 && (width > kCliSide || height > kCliSide);
}

// Nearest-neighbour source index of output x for the reference CLI's 512 step.
int cli_source(int x, int n) {
  return static_cast<int>((static_cast<std::int64_t>(x) * n) / kCliSide);
}

}  // namespace

PdqResult PdqHasher::hash_luma(std::span<const float> luma, int width, int height) {
  if (width < kPdqMinDimension || height < kPdqMinDimension ||
      luma.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height))
    return too_small_result(options_);
  const float* src = luma.data();
  std::size_t stride = static_cast<std::size_t>(width);
  if (needs_cli_resize(options_, width, height)) {
    scratch_.luma.resize(static_cast<std::size_t>(kCliSide) * kCliSide);
    for (int y = 0; y < kCliSide; ++y) {
      const float* row = src + static_cast<std::size_t>(cli_source(y, height)) * stride;
      for (int x = 0; x < kCliSide; ++x)
        scratch_.luma[static_cast<std::size_t>(y) * kCliSide + x] = row[cli_source(x, width)];
    }
    src = scratch_.luma.data();
    width = height = kCliSide;
    stride = kCliSide;
  }
  auto row = [src, stride](int r, float*) { return src + static_cast<std::size_t>(r) * stride; };
  return hash_plane(width, height, options_, row, scratch_);
}

PdqResult PdqHasher::hash_bgr(const std::uint8_t* bgr, int width, int height, std::size_t stride) {
  if (bgr == nullptr || width < kPdqMinDimension || height < kPdqMinDimension)
    return too_small_result(options_);
  const bool grey = is_grey(bgr, width, height, stride);
  if (needs_cli_resize(options_, width, height)) {
    // Resample first: nearest neighbour commutes with the per-pixel luminance.
    scratch_.luma.resize(static_cast<std::size_t>(kCliSide) * kCliSide);
    for (int y = 0; y < kCliSide; ++y) {
      const std::uint8_t* row = bgr + static_cast<std::size_t>(cli_source(y, height)) * stride;
      for (int x = 0; x < kCliSide; ++x) {
        const std::uint8_t* p = row + static_cast<std::size_t>(cli_source(x, width)) * 3;
        scratch_.luma[static_cast<std::size_t>(y) * kCliSide + x] =
            grey ? static_cast<float>(p[0]) : luma_of(p);
      }
    }
    const float* src = scratch_.luma.data();
    auto row = [src](int r, float*) { return src + static_cast<std::size_t>(r) * kCliSide; };
    return hash_plane(kCliSide, kCliSide, options_, row, scratch_);
  }
  auto row = [bgr, stride, width, grey](int r, float* tmp) -> const float* {
    const std::uint8_t* p = bgr + static_cast<std::size_t>(r) * stride;
    if (grey) {
      for (int c = 0; c < width; ++c) tmp[c] = static_cast<float>(p[3 * c]);
    } else {
      luma_row_of(p, width, tmp);
    }
    return tmp;
  };
  return hash_plane(width, height, options_, row, scratch_);
}

PdqResult pdq_from_luma(std::span<const float> luma, int width, int height,
                        const PdqOptions& options) {
  PdqHasher hasher(options);
  return hasher.hash_luma(luma, width, height);
}

}  // namespace vigil::phash
