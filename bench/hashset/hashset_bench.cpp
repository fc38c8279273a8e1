// Benchmark of the compiled hash-set index and the PDQ multi-index search (bench/hashset/README.md
// has the figures). Generates its own random digests and hashes (never committed), so the only
// input is a scratch folder.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "vigil/hashset/hash_set.hpp"
#include "vigil/hashset/import.hpp"
#include "vigil/hashset/pdq_index.hpp"

namespace fs = std::filesystem;
using vigil::Hash256;
using namespace vigil::hashset;

namespace {

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Digest number i of the list: SHA-1 for even i, MD5 for odd i; recomputable for hit lookups.
Digest list_digest(std::uint64_t i) {
  Digest d;
  d.algorithm = i % 2 == 0 ? Algorithm::kSha1 : Algorithm::kMd5;
  for (std::size_t k = 0; k < d.size(); k += 8) {
    const std::uint64_t v = splitmix(i * 4 + k / 8);
    std::memcpy(d.bytes.data() + k, &v, std::min<std::size_t>(8, d.size() - k));
  }
  return d;
}

long peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

void bench_exact(const fs::path& dir, std::uint64_t n, std::uint64_t lookups,
                 std::size_t memory_mb) {
  fs::create_directories(dir);
  const fs::path list = dir / "list.txt";
  const fs::path set_dir = dir / "set";
  std::error_code ec;
  fs::remove_all(set_dir, ec);
  auto t = Clock::now();
  {
    std::FILE* f = std::fopen(list.c_str(), "wb");
    if (f == nullptr) {
      std::perror(list.c_str());
      std::exit(2);
    }
    std::string buf;
    for (std::uint64_t i = 0; i < n; ++i) {
      buf += list_digest(i).to_hex();
      buf += '\n';
      if (buf.size() > (1 << 20)) {
        std::fwrite(buf.data(), 1, buf.size(), f);
        buf.clear();
      }
    }
    std::fwrite(buf.data(), 1, buf.size(), f);
    std::fclose(f);
  }
  std::printf("generate: %llu digests (%llu SHA-1 + %llu MD5), %.1f GB list, %.1f s\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>((n + 1) / 2),
              static_cast<unsigned long long>(n / 2),
              static_cast<double>(fs::file_size(list)) / 1e9, seconds_since(t));
  std::fflush(stdout);

  ImportOptions opt;
  opt.format = Format::kPlain;
  opt.name = "bench";
  opt.build.memory_budget = memory_mb << 20;
  const long rss_before = peak_rss_mb();
  t = Clock::now();
  auto rep = import_set({list}, set_dir, opt);
  if (!rep) {
    std::fprintf(stderr, "import failed: %s\n", rep.error().message.c_str());
    std::exit(2);
  }
  std::printf(
      "import+compile: %.1f s (records %llu, rejected %llu), peak RSS %ld MB (before import %ld "
      "MB)\n",
      seconds_since(t), static_cast<unsigned long long>(rep->info.records),
      static_cast<unsigned long long>(rep->rejected), peak_rss_mb(), rss_before);
  std::uint64_t set_bytes = 0;
  for (const auto& e : fs::directory_iterator(set_dir)) set_bytes += e.file_size();
  std::printf("set folder: %.2f GB\n", static_cast<double>(set_bytes) / 1e9);
  fs::remove(list, ec);
  std::fflush(stdout);

  t = Clock::now();
  auto set = HashSet::open(set_dir);
  if (!set) {
    std::fprintf(stderr, "open failed: %s\n", set.error().message.c_str());
    std::exit(2);
  }
  std::printf("open: %.3f s\n", seconds_since(t));

  // Queries: half hits (digests of the list), half misses (fresh random digests).
  std::vector<Digest> queries(lookups);
  for (std::uint64_t i = 0; i < lookups; ++i)
    queries[i] = i % 2 == 0 ? list_digest(splitmix(i) % n) : list_digest(n + 1000 + i);
  // Warm the mapped pages with one untimed pass.
  std::uint64_t found = 0;
  for (const auto& q : queries) found += set->contains(q) ? 1 : 0;
  // Rates per core from each thread's CPU time (the machine is shared, so wall time alone would
  // measure the neighbours too); wall-clock totals are printed beside them.
  for (int batched = 0; batched < 2; ++batched)
    for (int threads : {1, 2}) {
      t = Clock::now();
      std::vector<std::thread> pool;
      std::vector<std::uint64_t> hits(threads);
      std::vector<double> cpu(threads);
      for (int w = 0; w < threads; ++w)
        pool.emplace_back([&, w] {
          const double c0 = cpu_now();
          const std::uint64_t begin = lookups * w / threads, end = lookups * (w + 1) / threads;
          if (batched) {
            std::vector<std::uint8_t> found(4096);
            for (std::uint64_t i = begin; i < end; i += found.size()) {
              const std::size_t k = std::min<std::uint64_t>(found.size(), end - i);
              set->contains_many({queries.data() + i, k}, {found.data(), k});
              for (std::size_t j = 0; j < k; ++j) hits[w] += found[j];
            }
          } else {
            std::vector<std::uint32_t> ids;
            for (std::uint64_t i = begin; i < end; ++i) {
              ids.clear();
              set->find(queries[i], ids);
              hits[w] += ids.size();
            }
          }
          cpu[w] = cpu_now() - c0;
        });
      for (auto& th : pool) th.join();
      const double s = seconds_since(t);
      std::uint64_t total = 0;
      double cpu_total = 0;
      for (int w = 0; w < threads; ++w) {
        total += hits[w];
        cpu_total += cpu[w];
      }
      std::printf(
          "%s (%d thread%s, warm): %llu lookups, wall %.2f s = %.2f M/s; CPU %.2f s = %.2f M/s per "
          "core; "
          "%llu hits\n",
          batched ? "contains_many" : "find", threads, threads == 1 ? "" : "s",
          static_cast<unsigned long long>(lookups), s, static_cast<double>(lookups) / s / 1e6,
          cpu_total, static_cast<double>(lookups) / cpu_total / 1e6,
          static_cast<unsigned long long>(total));
    }
  if (found != lookups / 2 + lookups % 2)
    std::printf("WARNING: %llu hits, expected %llu\n", static_cast<unsigned long long>(found),
                static_cast<unsigned long long>(lookups / 2 + lookups % 2));
  std::fflush(stdout);
}

void bench_pdq(std::uint64_t n, int queries, int threshold) {
  std::vector<Hash256> hashes(n);
  for (std::uint64_t i = 0; i < n; ++i)
    for (int k = 0; k < 4; ++k) {
      const std::uint64_t v = splitmix(i * 4 + static_cast<std::uint64_t>(k) + (1ULL << 40));
      std::memcpy(hashes[i].bytes.data() + 8 * k, &v, 8);
    }
  // Queries: stored hashes with 0..40 bits flipped, so there are hits at and around the threshold.
  std::vector<Hash256> qs(queries);
  for (int q = 0; q < queries; ++q) {
    Hash256 h = hashes[splitmix(static_cast<std::uint64_t>(q)) % n];
    const int flips = q % 41;
    for (int f = 0; f < flips; ++f) {
      const std::uint64_t bit =
          splitmix(static_cast<std::uint64_t>(q) * 64 + static_cast<std::uint64_t>(f)) % 256;
      h.bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    }
    qs[q] = h;
  }
  auto t = Clock::now();
  const auto index = PdqIndex::build(hashes);
  std::printf("pdq build: %llu hashes in %.1f s, peak RSS %ld MB\n",
              static_cast<unsigned long long>(n), seconds_since(t), peak_rss_mb());
  std::vector<std::vector<PdqHit>> got(queries);
  t = Clock::now();
  double c0 = cpu_now();
  for (int q = 0; q < queries; ++q) got[q] = index.search(qs[q], threshold);
  const double mih = seconds_since(t);
  const double mih_cpu = cpu_now() - c0;
  std::uint64_t want_total = 0, got_total = 0, same = 0;
  t = Clock::now();
  c0 = cpu_now();
  for (int q = 0; q < queries; ++q) {
    const auto want = PdqIndex::brute_force(hashes, qs[q], threshold);
    want_total += want.size();
    got_total += got[q].size();
    same += want == got[q] ? 1 : 0;
  }
  const double brute = seconds_since(t);
  const double brute_cpu = cpu_now() - c0;
  std::printf(
      "pdq T=%d: %d queries, index %.3f s (%.2f ms/query), brute force %.1f s (%.1f ms/query), "
      "speed-up %.0fx\n",
      threshold, queries, mih, mih * 1e3 / queries, brute, brute * 1e3 / queries, brute / mih);
  std::printf(
      "pdq T=%d CPU time: index %.3f s (%.2f ms/query), brute force %.1f s (%.1f ms/query), "
      "speed-up %.0fx\n",
      threshold, mih_cpu, mih_cpu * 1e3 / queries, brute_cpu, brute_cpu * 1e3 / queries,
      brute_cpu / mih_cpu);
  std::printf(
      "pdq recall: %llu of %llu brute-force hits found (%s), %llu results, %llu/%d queries "
      "identical\n",
      static_cast<unsigned long long>(got_total), static_cast<unsigned long long>(want_total),
      got_total == want_total && same == static_cast<std::uint64_t>(queries) ? "recall 1.0"
                                                                             : "MISMATCH",
      static_cast<unsigned long long>(got_total), static_cast<unsigned long long>(same), queries);
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = "hashset-bench-data";
  std::uint64_t n = 100'000'000, lookups = 20'000'000, pdq = 10'000'000;
  std::size_t memory_mb = 1024;
  int queries = 1000, threshold = 31;
  bool exact = true, perceptual = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--dir")
      dir = next();
    else if (a == "--digests")
      n = std::stoull(next());
    else if (a == "--lookups")
      lookups = std::stoull(next());
    else if (a == "--pdq")
      pdq = std::stoull(next());
    else if (a == "--queries")
      queries = std::stoi(next());
    else if (a == "--threshold")
      threshold = std::stoi(next());
    else if (a == "--memory-mb")
      memory_mb = std::stoull(next());
    else if (a == "--only-exact")
      perceptual = false;
    else if (a == "--only-pdq")
      exact = false;
    else {
      std::printf(
          "usage: vigil_hashset_bench [--dir D] [--digests N=1e8 (half SHA-1, half MD5)] "
          "[--lookups N=2e7]\n"
          "       [--pdq N=1e7] [--queries 1000] [--threshold 31] [--memory-mb 1024] "
          "[--only-exact|--only-pdq]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  if (exact) bench_exact(dir, n, lookups, memory_mb);
  if (perceptual) bench_pdq(pdq, queries, threshold);
  if (exact) {
    std::error_code ec;
    fs::remove_all(dir, ec);  // generated data is never kept
  }
  return 0;
}
