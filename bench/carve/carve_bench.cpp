// vigil_carve_bench: throughput and recall of the carver (plugins/carve) outside a scan. Not run
// by ctest (timings never belong in tests); bench/carve/run.sh drives it. Modes:
//   draw OUTDIR N SEED         writes N synthetic pictures (JPEG, PNG, BMP; drawn with OpenCV)
//   random SIZE_MIB NJPEG SEED [IMAGE]
//                              SIZE_MIB of random bytes with NJPEG synthetic JPEGs at offsets
//                              that are not sector multiples; carves it with 1 and 2 threads and
//                              prints the times; IMAGE: also writes the bytes there
//   fragments FIRST_SEED COUNT bifragment JPEGs with random gaps: reassembled exactly, off, missed
//   image IMAGE OUTDIR THREADS carves a raw image (mapped) in 64 MiB windows on
//                              THREADS threads, writes every carved picture to OUTDIR
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "carve/carve.hpp"

namespace carve = vigil::plugins::carve;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes draw(const std::string& ext, int seed) {
  std::mt19937 rng(static_cast<unsigned>(seed));
  const int w = 160 + static_cast<int>(rng() % 480);
  const int h = 120 + static_cast<int>(rng() % 360);
  cv::Mat m(h, w, CV_8UC3);
  cv::theRNG().state = static_cast<std::uint64_t>(seed) * 7919 + 1;
  cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(255));
  cv::GaussianBlur(m, m, {9, 9}, 0);
  for (int i = 0; i < 6; ++i) {
    cv::circle(m, {static_cast<int>(rng() % w), static_cast<int>(rng() % h)},
               10 + static_cast<int>(rng() % 60),
               cv::Scalar(static_cast<double>(rng() % 256), static_cast<double>(rng() % 256),
                          static_cast<double>(rng() % 256)),
               -1);
  }
  cv::putText(m, "vigil bench " + std::to_string(seed), {8, h - 10}, cv::FONT_HERSHEY_SIMPLEX, 0.6,
              cv::Scalar(255, 255, 255));
  Bytes out;
  if (!cv::imencode(ext, m, out)) {
    std::cerr << "OpenCV cannot write " << ext << "\n";
    std::exit(2);
  }
  return out;
}

Bytes random_bytes(std::size_t n, unsigned seed) {
  Bytes b(n);
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    const std::uint64_t x = rng();
    std::copy_n(reinterpret_cast<const std::uint8_t*>(&x), 8, b.data() + i);
  }
  return b;
}

struct Found {
  std::uint64_t offset;
  Bytes bytes;
  carve::Format format;
  bool partial;
  std::size_t fragments;
};

class Keep final : public carve::Sink {
 public:
  explicit Keep(bool keep_bytes) : keep_bytes_(keep_bytes) {}
  bool carved(const carve::Carved& c) override {
    found.push_back({c.offset, keep_bytes_ ? Bytes(c.bytes.begin(), c.bytes.end()) : Bytes{},
                     c.format, c.partial, c.fragments.size()});
    return true;
  }
  void warn(std::string, std::string) override { ++warnings; }
  std::vector<Found> found;
  std::size_t warnings = 0;

 private:
  bool keep_bytes_;
};

// Windows of `window` bytes searched, each with the rest of the run (up to the largest carve)
// as look-ahead, handed out to `threads` threads; results merged in window order.
std::vector<Found> carve_windows(std::span<const std::uint8_t> data, unsigned threads,
                                 bool keep_bytes, carve::Stats& total) {
  constexpr std::size_t kWindow = 64ULL << 20;
  constexpr std::size_t kLookahead = 64ULL << 20;
  const std::size_t windows = (data.size() + kWindow - 1) / kWindow;
  std::vector<std::vector<Found>> results(windows);
  std::vector<carve::Stats> stats(windows);
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t k = next++; k < windows; k = next++) {
      const std::size_t from = k * kWindow;
      const std::size_t len = std::min(data.size() - from, kWindow + kLookahead);
      Keep sink(keep_bytes);
      stats[k] = carve::carve_span(data.subspan(from, len), kWindow, from, carve::Limits{}, sink);
      results[k] = std::move(sink.found);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  std::vector<Found> all;
  for (std::size_t k = 0; k < windows; ++k) {
    total.candidates += stats[k].candidates;
    total.carved += stats[k].carved;
    total.reassembled += stats[k].reassembled;
    total.partial += stats[k].partial;
    for (auto& f : results[k]) all.push_back(std::move(f));
  }
  return all;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int mode_draw(const std::string& dir, int n, int seed) {
  static const char* kExt[] = {".jpg", ".png", ".bmp"};
  for (int i = 0; i < n; ++i) {
    // Mostly JPEG (what cameras write); every fourth a PNG, every eighth a BMP.
    const int kind = i % 8 == 7 ? 2 : (i % 4 == 3 ? 1 : 0);
    const Bytes b = draw(kExt[kind], seed + i);
    char name[64];
    std::snprintf(name, sizeof name, "/pic%03d%s", i, kExt[kind]);
    std::ofstream(dir + name, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }
  return 0;
}

int mode_random(std::size_t mib, int njpeg, int seed, const char* image) {
  Bytes data = random_bytes(mib << 20, static_cast<unsigned>(seed));
  std::mt19937_64 rng(static_cast<unsigned>(seed) + 1);
  std::vector<std::pair<std::uint64_t, Bytes>> planted;
  const std::size_t stride = data.size() / static_cast<std::size_t>(njpeg + 1);
  for (int i = 0; i < njpeg; ++i) {
    Bytes j = draw(".jpg", seed + 100 + i);
    // Not on a sector: an odd offset inside the i-th stride.
    const std::size_t at = stride * static_cast<std::size_t>(i + 1) + 1 + 2 * (rng() % 1000);
    std::copy(j.begin(), j.end(), data.begin() + static_cast<long>(at));
    planted.emplace_back(at, std::move(j));
  }
  if (image != nullptr) {
    std::ofstream(image, std::ios::binary)
        .write(reinterpret_cast<const char*>(data.data()),
               static_cast<std::streamsize>(data.size()));
  }
  for (const unsigned threads : {1u, 2u}) {
    // Best of three runs: the machine is shared.
    double best = 1e9;
    std::size_t found = 0;
    std::size_t exact = 0;
    for (int run = 0; run < 3; ++run) {
      carve::Stats st;
      const auto t0 = std::chrono::steady_clock::now();
      const auto all = carve_windows(data, threads, true, st);
      best = std::min(best, seconds_since(t0));
      found = all.size();
      exact = 0;
      for (const auto& [at, bytes] : planted) {
        exact += std::any_of(all.begin(), all.end(),
                             [&](const Found& f) { return f.offset == at && f.bytes == bytes; })
                     ? 1
                     : 0;
      }
    }
    std::printf(
        "random %zu MiB, %d JPEGs at odd offsets, %u thread(s): %.3f s, %.2f GB/s, "
        "carved %zu, planted found exactly %zu/%d\n",
        mib, njpeg, threads, best, static_cast<double>(data.size()) / best / 1e9, found, exact,
        njpeg);
  }
  return 0;
}

int mode_image(const char* image, const std::string& dir, unsigned threads) {
  // Mapped, not copied: the pages are read as the windows reach them (as a scan reads).
  const int fd = ::open(image, O_RDONLY);
  struct stat sb {};
  if (fd < 0 || ::fstat(fd, &sb) != 0 || sb.st_size <= 0) {
    std::cerr << "cannot read " << image << "\n";
    return 2;
  }
  const auto size = static_cast<std::size_t>(sb.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) {
    std::cerr << "cannot map " << image << "\n";
    return 2;
  }
  const std::span<const std::uint8_t> data(static_cast<const std::uint8_t*>(map), size);
  carve::Stats st;
  const auto t0 = std::chrono::steady_clock::now();
  const auto all = carve_windows(data, threads, true, st);
  const double t = seconds_since(t0);
  for (const auto& f : all) {
    char name[96];
    std::snprintf(name, sizeof name, "/%012llu%s.%s", static_cast<unsigned long long>(f.offset),
                  f.partial ? "_partial" : "", std::string(carve::format_name(f.format)).c_str());
    std::ofstream(dir + name, std::ios::binary)
        .write(reinterpret_cast<const char*>(f.bytes.data()),
               static_cast<std::streamsize>(f.bytes.size()));
  }
  std::printf(
      "image %s, %u thread(s): carve %.3f s, %.2f GB/s, candidates %llu, "
      "carved %zu, partial %llu, reassembled %llu\n",
      image, threads, t, static_cast<double>(data.size()) / t / 1e9,
      static_cast<unsigned long long>(st.candidates), all.size(),
      static_cast<unsigned long long>(st.partial), static_cast<unsigned long long>(st.reassembled));
  return 0;
}

// Bifragment reassembly over many seeds: a 320x240 JPEG of smoothed noise at offset 1000, split
// at an absolute 4 KiB boundary (after 8, 12 or 16 KiB), 12 KiB of random bytes between the
// fragments; counts byte-for-byte reassemblies, joins that are off, and misses.
int mode_fragments(int from, int count) {
  int exact = 0;
  int wrong = 0;
  int missed = 0;
  for (int seed = from; seed < from + count; ++seed) {
    cv::Mat m(240, 320, CV_8UC3);
    cv::theRNG().state = static_cast<std::uint64_t>(seed) + 1;
    cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(255));
    cv::GaussianBlur(m, m, {5, 5}, 0);
    cv::circle(m, {106, 120}, 60, cv::Scalar(30, 200, 90), -1);
    Bytes jpg;
    cv::imencode(".jpg", m, jpg, {cv::IMWRITE_JPEG_QUALITY, 90});
    const std::size_t start = 1000;
    const std::size_t split = 8192 + 4096 * static_cast<std::size_t>(seed % 3);
    Bytes disk = random_bytes(start, static_cast<unsigned>(seed));
    disk.insert(disk.end(), jpg.begin(), jpg.begin() + static_cast<long>(split - start));
    const Bytes gap = random_bytes(3 * 4096, static_cast<unsigned>(seed) + 61);
    disk.insert(disk.end(), gap.begin(), gap.end());
    disk.insert(disk.end(), jpg.begin() + static_cast<long>(split - start), jpg.end());
    const Bytes tail = random_bytes(777, static_cast<unsigned>(seed) + 9);
    disk.insert(disk.end(), tail.begin(), tail.end());
    Keep sink(true);
    const auto st = carve::carve_span(disk, 0, carve::Limits{}, sink);
    if (st.reassembled == 1 && !sink.found.empty() && sink.found[0].bytes == jpg) {
      ++exact;
    } else if (st.reassembled == 1) {
      ++wrong;
    } else {
      ++missed;
    }
  }
  std::printf("fragments, seeds %d..%d: reassembled exactly %d, join off %d, missed %d\n", from,
              from + count - 1, exact, wrong, missed);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "draw" && argc == 5)
    return mode_draw(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
  if (mode == "random" && (argc == 5 || argc == 6)) {
    return mode_random(static_cast<std::size_t>(std::atol(argv[2])), std::atoi(argv[3]),
                       std::atoi(argv[4]), argc == 6 ? argv[5] : nullptr);
  }
  if (mode == "fragments" && argc == 4)
    return mode_fragments(std::atoi(argv[2]), std::atoi(argv[3]));
  if (mode == "image" && argc == 5) {
    return mode_image(argv[2], argv[3], static_cast<unsigned>(std::atoi(argv[4])));
  }
  std::cerr << "usage: vigil_carve_bench draw OUTDIR N SEED | random SIZE_MIB NJPEG SEED [IMAGE] "
               "| image IMAGE OUTDIR THREADS | fragments FIRST_SEED COUNT\n";
  return 2;
}
