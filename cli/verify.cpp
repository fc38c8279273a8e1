// vigil verify EVIDENCE: an E01's stored MD5/SHA-1 against a fresh read of the media, with every
// chunk's own checksum checked, or any image against --expect ALGORITHM:HEX. Exit 0 when
// verified, 2 when not (one-line reason; damaged chunks are named by sector range).
#include <fmt/format.h>

#include <iostream>

#include "commands.hpp"
#include "progress.hpp"
#include "vigil/core/text.hpp"
#include "vigil/evidence/verify.hpp"

namespace vigil::cli {
namespace {

struct VerifyOptions {
  std::string evidence;
  std::vector<std::string> expect;
  bool quiet = false;
};

int run_verify(const VerifyOptions& opt) {
  std::vector<evidence::ExpectedHash> expected;
  for (const auto& e : opt.expect) {
    auto parsed = evidence::parse_expected_hash(e);
    if (!parsed) return fatal("--expect " + e + ": " + parsed.error().message);
    expected.push_back(*parsed);
  }
  Progress progress(opt.quiet);
  const auto on_progress = [&](std::uint64_t done, std::uint64_t all) {
    progress.update(done, all, 0);
  };
  evidence::VerifyResult r;
  std::string shown_path = opt.evidence;
  // An EWF set is verified through libewf alone, so that a set TSK cannot open (truncated,
  // damaged) still gets its damaged chunks named rather than one "cannot open" line.
  const auto segments = evidence::ewf_segments(opt.evidence);
  if (!segments.empty()) {
    std::cout << fmt::format("evidence:  {}\nformat:    ewf ({} segment{})\n",
                             printable(opt.evidence), segments.size(),
                             segments.size() == 1 ? "" : "s");
    std::cout.flush();
    r = evidence::verify_ewf(segments, expected, on_progress);
    progress.finish();
    std::cout << fmt::format("media:     {} bytes\n", r.bytes_read);
  } else {
    auto opened = evidence::open_evidence(opt.evidence);
    if (!opened)
      return fatal("verification failed for " + opt.evidence + ": " + opened.error().describe());
    auto& ev = **opened;
    const auto& info = ev.info();
    shown_path = info.path;
    if (info.format == evidence::ImageFormat::kFolder)
      return fatal(opt.evidence + ": a folder has no media hash to verify");
    std::cout << fmt::format("evidence:  {}\nformat:    {} ({} segment{})\nmedia:     {} bytes\n",
                             printable(info.path), evidence::image_format_name(info.format),
                             info.segments.size(), info.segments.size() == 1 ? "" : "s", info.size);
    std::cout.flush();
    r = evidence::verify_evidence(ev, expected, on_progress);
    progress.finish();
  }
  if (r.chunks.checked) {
    std::cout << fmt::format("chunks:    {} of {} failed their checksum or could not be read{}\n",
                             r.chunks.damaged_chunks(), r.chunks.chunks,
                             r.chunks.damaged() ? ": " + r.chunks.describe() : "");
  }
  for (const auto& c : r.checks) {
    std::cout << fmt::format("{:<7} {}: {}\n{:<7} computed:            {}   {}\n", c.algorithm,
                             c.source, c.expected, "", c.computed.empty() ? "-" : c.computed,
                             c.matches() ? "match" : "MISMATCH");
  }
  std::cout << fmt::format("computed over {} bytes: md5 {} sha1 {} sha256 {}\n", r.bytes_read,
                           r.md5.empty() ? "-" : r.md5, r.sha1.empty() ? "-" : r.sha1,
                           r.sha256.empty() ? "-" : r.sha256);
  if (r.verified()) {
    std::cout << "result:    verified\n";
    return kExitOk;
  }
  const std::string reason = r.failure_reason();
  std::cout << "result:    " << (r.chunks.damaged() ? reason : "NOT VERIFIED") << "\n";
  std::cout.flush();
  return fatal("verification failed for " + shown_path + ": " + reason);
}

}  // namespace

void register_verify(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand(
      "verify", "Check an image's stored hashes (E01) or --expect hashes against a fresh read");
  auto opt = std::make_shared<VerifyOptions>();
  sub->add_option("EVIDENCE", opt->evidence, "Evidence image (first segment for split sets)")
      ->required();
  sub->add_option("--expect", opt->expect,
                  "Expected hash of the media: md5:HEX, sha1:HEX or sha256:HEX (repeatable)")
      ->allow_extra_args(false);
  sub->add_flag("-q,--quiet", opt->quiet, "No progress bar");
  sub->callback([opt, &action] { action = [opt] { return run_verify(*opt); }; });
}

}  // namespace vigil::cli
