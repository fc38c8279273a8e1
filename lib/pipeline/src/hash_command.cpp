// vigil hash PATH... (runs inside the media module; cli/hash.cpp parses the options): exact digests
// (XXH3-128, MD5, SHA-1, SHA-256) and perceptual hashes (PDQ with its pipeline, OpenCV pHash) of
// loose files and folders (recursive, sorted, symbolic links inside folders not followed). Each
// file is read once: the digests and the decoder see the same bytes in memory. Output: a TSV table
// (default), the PDQ reference tool's `hash,quality,path` lines (--pdq-csv) or JSON Lines (--json).
// Files are hashed on every core (--threads) and printed in the sorted order, whatever the number
// of threads: the output is identical for any --threads.
#include <fmt/format.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <opencv2/core/utility.hpp>
#include <string>
#include <system_error>
#include <vector>

#include "hand_offs.hpp"
#include "vigil/core/text.hpp"
#include "vigil/digest/multi_hasher.hpp"
#include "vigil/phash/picture_hasher.hpp"
#include "vigil/pipeline/media_module.hpp"

namespace vigil::pipeline {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitItemErrors = 1;
constexpr int kExitFatal = 2;

// The module cannot call the executable's cli::fatal(); this prints the same one line.
int fatal(const std::string& message) {
  std::cerr << "vigil: " << message << '\n';
  return kExitFatal;
}

namespace fs = std::filesystem;
using digest::Algorithm;

// Pictures are decoded from memory; a file that sniffs as a picture but is larger than this is
// digested only (with a warning) rather than held whole in memory.
constexpr std::uint64_t kMaxPictureFileBytes = 1ull << 30;
constexpr std::size_t kChunk = 1 << 20;

struct FileResult {
  std::string path;
  std::uint64_t size = 0;
  digest::DigestSet digests;
  bool picture = false;                        // sniffed as a picture format
  std::optional<phash::PictureHashes> hashes;  // when decoded
  std::optional<Error> error;                  // read error, or a picture that did not hash
};

// Reads the file once: the first chunk decides whether it is a picture; a picture is kept whole
// in memory for the decoder, anything else streams through the digests chunk by chunk.
FileResult process_file(const fs::path& path, digest::MultiHasher& hasher,
                        phash::PictureHasher& pictures) {
  FileResult r;
  r.path = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    r.error = make_error(ErrorCode::kIo, "cannot open for reading");
    return r;
  }
  std::error_code ec;
  const std::uint64_t expected = fs::file_size(path, ec);
  hasher.reset(true);
  std::vector<std::uint8_t> buffer(kChunk);
  in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(kChunk));
  buffer.resize(static_cast<std::size_t>(in.gcount()));
  const auto format = phash::sniff_image_format(buffer);
  r.picture = format != phash::ImageFormat::kUnknown;
  bool keep = r.picture && (ec || expected <= kMaxPictureFileBytes);
  std::vector<std::uint8_t> whole;
  if (keep && !ec) whole.reserve(static_cast<std::size_t>(expected));
  while (!buffer.empty()) {
    hasher.update(buffer);
    r.size += buffer.size();
    if (keep && r.size > kMaxPictureFileBytes) {  // grew past the size first reported
      keep = false;
      std::vector<std::uint8_t>().swap(whole);
    }
    if (keep) whole.insert(whole.end(), buffer.begin(), buffer.end());
    if (!in) break;
    buffer.resize(kChunk);
    in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(kChunk));
    buffer.resize(static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) {
    r.error = make_error(ErrorCode::kIo, "read failed after " + std::to_string(r.size) + " bytes");
    return r;
  }
  r.digests = hasher.finish();
  if (r.picture && !keep) {
    r.error = make_error(ErrorCode::kLimit, "picture file above 1 GiB: digests only");
  } else if (r.picture) {
    auto h = pictures.hash(whole);
    if (h.ok()) {
      r.hashes = std::move(h).value();
    } else {
      r.error = h.error();
    }
  }
  return r;
}

// What each thread hashes with: built once per thread, reused for every file it takes.
struct Worker {
  explicit Worker(const phash::PictureHashOptions& options) : pictures(options) {}
  digest::MultiHasher hasher;
  phash::PictureHasher pictures;
};

constexpr int kMaxThreads = 1024;

// Every regular file under the paths, folders walked recursively and sorted for stable output.
std::vector<fs::path> collect_files(const std::vector<std::string>& roots, int& fatal_errors) {
  std::vector<fs::path> files;
  for (const auto& root : roots) {
    std::error_code ec;
    const auto st = fs::status(root, ec);
    if (ec || !fs::exists(st)) {
      std::cerr << "vigil: " << printable(root) << ": no such file or folder\n";
      ++fatal_errors;
      continue;
    }
    if (fs::is_regular_file(st)) {
      files.emplace_back(root);
      continue;
    }
    std::vector<fs::path> found;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code sec;
      if (it->is_regular_file(sec) && !it->is_symlink(sec)) found.push_back(it->path());
    }
    if (ec) std::cerr << "vigil: warning: " << printable(root) << ": " << ec.message() << '\n';
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

void print_table_header(const HashCommand& opt) {
  std::string h =
      "size\tmd5\tsha1\tsha256\txxh3_128\tformat\twidth\theight\tpdq\tquality\tpipeline";
  if (opt.dihedral)
    for (int d = 1; d < phash::kDihedralCount; ++d)
      h += fmt::format("\tpdq_{}", phash::dihedral_name(static_cast<phash::Dihedral>(d)));
  h += "\topencv_phash\tpath\n";
  std::cout << h;
}

void print_table(const FileResult& r, const HashCommand& opt) {
  std::string line = fmt::format(
      "{}\t{}\t{}\t{}\t{}", r.size, or_dash(r.digests.hex(Algorithm::kMd5)),
      or_dash(r.digests.hex(Algorithm::kSha1)), or_dash(r.digests.hex(Algorithm::kSha256)),
      or_dash(r.digests.hex(Algorithm::kXxh3_128)));
  if (r.hashes) {
    const auto& p = r.hashes->pdq;
    line +=
        fmt::format("\t{}\t{}\t{}\t{}\t{}\t{}", phash::image_format_name(r.hashes->header.format),
                    r.hashes->width, r.hashes->height, p.too_small ? "-" : p.hash.to_hex(),
                    p.quality, p.pipeline);
    if (opt.dihedral)
      for (int d = 1; d < phash::kDihedralCount; ++d)
        line += "\t" + (p.dihedral && !p.too_small ? (*p.dihedral)[d].to_hex() : std::string("-"));
    line += "\t" + (r.hashes->phash ? r.hashes->phash->to_hex() : std::string("-"));
  } else {
    line += "\t-\t-\t-\t-\t-\t-";
    if (opt.dihedral)
      for (int d = 1; d < phash::kDihedralCount; ++d) line += "\t-";
    line += "\t-";
  }
  line += "\t" + printable(r.path) + "\n";
  std::cout << line;
}

// The reference tool's format: hash,quality,path (with --dihedral the eight hashes first).
void print_pdq_csv(const FileResult& r, const HashCommand& opt) {
  if (!r.hashes || r.hashes->pdq.too_small) return;
  const auto& p = r.hashes->pdq;
  std::string line;
  if (opt.dihedral && p.dihedral) {
    for (const auto& h : *p.dihedral) line += h.to_hex() + ",";
  } else {
    line += p.hash.to_hex() + ",";
  }
  line += fmt::format("{},{}\n", p.quality, printable(r.path));
  std::cout << line;
}

void print_json(const FileResult& r) {
  std::string o = "{\"type\":\"file\",";
  append_json_text_field(o, "path", r.path);
  o += fmt::format(",\"size\":{},\"digests\":{{", r.size);
  bool first = true;
  for (auto a : {Algorithm::kXxh3_128, Algorithm::kMd5, Algorithm::kSha1, Algorithm::kSha256}) {
    const std::string hex = r.digests.hex(a);
    if (hex.empty()) continue;
    o += fmt::format("{}\"{}\":\"{}\"", first ? "" : ",", digest::algorithm_name(a), hex);
    first = false;
  }
  o += "}";
  if (r.hashes) {
    const auto& p = r.hashes->pdq;
    o += fmt::format(",\"picture\":{{\"format\":\"{}\",\"width\":{},\"height\":{}{}}}",
                     phash::image_format_name(r.hashes->header.format), r.hashes->width,
                     r.hashes->height, r.hashes->truncated ? ",\"truncated\":true" : "");
    o += fmt::format(",\"pdq\":{{\"pipeline\":\"{}\",\"quality\":{}", p.pipeline, p.quality);
    if (p.too_small) {
      o += ",\"too_small\":true";
    } else {
      o += fmt::format(",\"hash\":\"{}\"", p.hash.to_hex());
      if (p.dihedral) {
        o += ",\"dihedral\":{";
        for (int d = 0; d < phash::kDihedralCount; ++d)
          o += fmt::format("{}\"{}\":\"{}\"", d ? "," : "",
                           phash::dihedral_name(static_cast<phash::Dihedral>(d)),
                           (*p.dihedral)[d].to_hex());
        o += "}";
      }
    }
    o += "}";
    if (r.hashes->phash)
      o += fmt::format(",\"{}\":\"{}\"", phash::kOpenCvPhashName, r.hashes->phash->to_hex());
  }
  if (r.error) {
    o += fmt::format(",\"error\":{{\"code\":\"{}\",", error_code_name(r.error->code));
    append_json_text_field(o, "message", r.error->message);
    o += "}";
  }
  o += "}\n";
  std::cout << o;
}

}  // namespace

int run_hash_command(const HashCommand& opt) {
  const auto pipeline = phash::parse_pdq_pipeline(opt.pipeline);
  if (!pipeline) return fatal("--pdq-pipeline " + opt.pipeline + ": expected canonical or cli512");
  if (opt.json && opt.pdq_csv) return fatal("--json and --pdq-csv exclude each other");
  if (opt.fast_triage && *pipeline != phash::PdqPipeline::kCanonical)
    return fatal("--fast-triage works with the canonical pipeline only");
  int missing = 0;
  const auto files = collect_files(opt.paths, missing);
  if (missing > 0 && files.empty()) return kExitFatal;

  if (opt.threads < 0 || opt.threads > kMaxThreads)
    return fatal(
        fmt::format("--threads {}: expected 0 (every core) to {}", opt.threads, kMaxThreads));
  const int threads = opt.threads > 0 ? opt.threads : tbb::info::default_concurrency();

  phash::PictureHashOptions po;
  po.limits.max_pixels = opt.max_pixels;
  po.limits.accept_truncated_jpeg = opt.accept_truncated;
  po.mode = opt.fast_triage ? phash::DecodeMode::kFastTriage : phash::DecodeMode::kFull;
  po.pdq = {*pipeline, opt.dihedral};
  po.phash = true;
  // One file per thread; OpenCV's own thread pool would only compete with the workers (and make
  // --threads 1 use more than one core).
  cv::setNumThreads(1);
  tbb::enumerable_thread_specific<Worker> workers(po);

  if (!opt.json && !opt.pdq_csv) print_table_header(opt);
  int errors = missing;
  int hashed = 0;
  const auto output = [&](const FileResult& r) {
    if (r.hashes) ++hashed;
    if (r.hashes && r.hashes->truncated)
      std::cerr << "vigil: warning: " << printable(r.path)
                << ": jpeg cut short, hashed as decoded (--accept-truncated)\n";
    if (r.error) {
      ++errors;
      std::cerr << "vigil: warning: " << printable(r.path) << ": " << r.error->describe() << '\n';
    }
    if (opt.json) {
      print_json(r);
    } else if (opt.pdq_csv) {
      print_pdq_csv(r, opt);
    } else {
      print_table(r, opt);
    }
  };
  // Read and hash in parallel, print in order. Tokens bound the results waiting to be printed;
  // at most `threads` files (each held whole in memory while it is decoded) are in work at once.
  std::size_t next = 0;
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  // The filters run on TBB's workers in an order ThreadSanitizer cannot see (hand_offs.hpp).
  // A result travels as a plain pointer (a class-type token would be built by TBB's header code
  // where ThreadSanitizer watches it); the printing filter owns and frees it.
  detail::HandOffs hand;
  arena.execute([&] {
    // Built before the launch: the workers read the filter bodies.
    const tbb::filter<void, void> filters =
        tbb::make_filter<void, std::size_t>(tbb::filter_mode::serial_in_order,
                                            hand.serial([&](tbb::flow_control& fc) -> std::size_t {
                                              if (next >= files.size()) fc.stop();
                                              return next++;
                                            })) &
        tbb::make_filter<std::size_t, FileResult*>(
            tbb::filter_mode::parallel, hand.parallel([&](std::size_t i) -> FileResult* {
              Worker& w = workers.local();
              try {
                return std::make_unique<FileResult>(process_file(files[i], w.hasher, w.pictures))
                    .release();
              } catch (const std::exception& e) {
                // A library throwing on hostile bytes is this file's error, never a crash.
                auto r = std::make_unique<FileResult>();
                r->path = files[i].string();
                r->error = make_error(ErrorCode::kInternal, e.what());
                return r.release();
              }
            })) &
        tbb::make_filter<FileResult*, void>(tbb::filter_mode::serial_in_order,
                                            hand.serial([&](FileResult* r) {
                                              const std::unique_ptr<FileResult> owned(r);
                                              output(*owned);
                                            }));
    hand.launch();
    tbb::parallel_pipeline(static_cast<std::size_t>(threads) * 2, filters);
  });
  hand.joined();
  std::cout.flush();
  std::cerr << fmt::format(
      "vigil hash: {} files, {} pictures hashed ({}), {} with errors\n", files.size(), hashed,
      opt.fast_triage ? phash::kPdqFastTriageName : phash::pdq_pipeline_name(*pipeline), errors);
  return errors > 0 ? kExitItemErrors : kExitOk;
}

}  // namespace vigil::pipeline
