#include "vigil/evidence/verify.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "evidence_internal.hpp"
#include "vigil/digest/multi_hasher.hpp"

namespace vigil::evidence {
namespace {

std::string plural(std::uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string range_list(const std::vector<SectorRange>& ranges) {
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += ", ";
    out += std::to_string(r.first) + "-" + std::to_string(r.last());
  }
  return out;
}

std::uint64_t chunks_in(const std::vector<SectorRange>& ranges, std::uint32_t per_chunk) {
  if (per_chunk == 0) return 0;
  std::uint64_t n = 0;
  for (const auto& r : ranges) {
    if (r.count == 0) continue;
    n += r.last() / per_chunk - r.first / per_chunk + 1;
  }
  return n;
}

void add_checks(VerifyResult& r, const StoredHashes& stored,
                const std::vector<ExpectedHash>& expected) {
  auto computed_for = [&r](const std::string& alg) {
    if (alg == "md5") return r.md5;
    if (alg == "sha1") return r.sha1;
    return r.sha256;
  };
  if (stored.md5) r.checks.push_back({"md5", "stored in container", *stored.md5, r.md5});
  if (stored.sha1) r.checks.push_back({"sha1", "stored in container", *stored.sha1, r.sha1});
  for (const auto& e : expected)
    r.checks.push_back({e.algorithm, "given with --expect", e.hex, computed_for(e.algorithm)});
}

}  // namespace

std::vector<SectorRange> merge_ranges(std::vector<SectorRange> ranges) {
  std::erase_if(ranges, [](const SectorRange& r) { return r.count == 0; });
  std::sort(ranges.begin(), ranges.end(),
            [](const SectorRange& a, const SectorRange& b) { return a.first < b.first; });
  std::vector<SectorRange> out;
  for (const auto& r : ranges) {
    if (!out.empty() && r.first <= out.back().first + out.back().count) {
      const auto end = std::max(out.back().first + out.back().count, r.first + r.count);
      out.back().count = end - out.back().first;
    } else {
      out.push_back(r);
    }
  }
  return out;
}

std::uint64_t ChunkCheck::damaged_chunks() const {
  return chunks_in(damaged_ranges(), sectors_per_chunk);
}

std::vector<SectorRange> ChunkCheck::damaged_ranges() const {
  std::vector<SectorRange> all = checksum_errors;
  all.insert(all.end(), unreadable.begin(), unreadable.end());
  return merge_ranges(std::move(all));
}

std::string ChunkCheck::describe() const {
  std::string out;
  if (!checksum_errors.empty()) {
    out = plural(chunks_in(checksum_errors, sectors_per_chunk), "chunk", "chunks") +
          " with checksum errors, sectors " + range_list(checksum_errors);
  }
  if (!unreadable.empty()) {
    if (!out.empty()) out += "; ";
    out += plural(chunks_in(unreadable, sectors_per_chunk), "chunk", "chunks") +
           " unreadable, sectors " + range_list(unreadable);
  }
  if (structure_error) {
    if (!out.empty()) out += "; ";
    out += *structure_error;
  }
  return out;
}

Result<ExpectedHash> parse_expected_hash(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos)
    return make_error(ErrorCode::kInvalidArgument, "expected ALGORITHM:HEX, got '" + text + "'");
  ExpectedHash e{text.substr(0, colon), text.substr(colon + 1)};
  for (auto& c : e.algorithm) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto& c : e.hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t want = 0;
  if (e.algorithm == "md5") want = 32;
  if (e.algorithm == "sha1") want = 40;
  if (e.algorithm == "sha256") want = 64;
  if (want == 0)
    return make_error(ErrorCode::kInvalidArgument,
                      "unknown hash algorithm '" + e.algorithm + "' (md5, sha1 or sha256)");
  if (e.hex.size() != want ||
      !std::all_of(e.hex.begin(), e.hex.end(), [](unsigned char c) { return std::isxdigit(c); }))
    return make_error(ErrorCode::kInvalidArgument,
                      e.algorithm + " needs " + std::to_string(want) + " hex digits");
  return e;
}

bool VerifyResult::verified() const {
  if (read_error || checks.empty() || chunks.damaged()) return false;
  return std::all_of(checks.begin(), checks.end(), [](const HashCheck& c) { return c.matches(); });
}

std::string VerifyResult::failure_reason() const {
  if (chunks.damaged()) {
    std::string out = "FAILED: " + chunks.describe();
    for (const auto& c : checks) {
      if (!c.matches()) out += "; " + c.algorithm + " mismatch";
    }
    if (read_error) out += "; " + *read_error;
    return out;
  }
  if (read_error) return "media could not be read to the end: " + *read_error;
  if (checks.empty()) return "no hash to verify against (the image stores none; give --expect)";
  for (const auto& c : checks) {
    if (!c.matches())
      return c.algorithm + " mismatch: " + c.source + " " + c.expected + ", computed " + c.computed;
  }
  return {};
}

VerifyResult verify_ewf(const std::vector<std::string>& segments,
                        const std::vector<ExpectedHash>& expected,
                        const ProgressCallback& progress) {
  VerifyResult r;
  digest::MultiHasher hasher;
  hasher.reset(true);
  auto read = read_ewf_media(
      segments, [&hasher](std::span<const std::uint8_t> b) { hasher.update(b); }, progress);
  r.bytes_read = read.bytes_read;
  r.chunks = std::move(read.chunks);
  if (read.open_error) {
    r.read_error = *read.open_error;
  } else {
    const auto d = hasher.finish();
    r.md5 = d.hex(digest::Algorithm::kMd5);
    r.sha1 = d.hex(digest::Algorithm::kSha1);
    r.sha256 = d.hex(digest::Algorithm::kSha256);
  }
  add_checks(r, read_ewf_stored_hashes(segments), expected);
  return r;
}

VerifyResult verify_evidence(Evidence& evidence, const std::vector<ExpectedHash>& expected,
                             const ProgressCallback& progress) {
  if (evidence.info().format == ImageFormat::kEwf)
    return verify_ewf(evidence.info().segments, expected, progress);
  VerifyResult r;
  const std::uint64_t total = evidence.info().size;
  digest::MultiHasher hasher;
  hasher.reset(true);
  std::vector<std::uint8_t> buf(4 << 20);
  std::uint64_t off = 0;
  while (off < total) {
    auto got = evidence.read_media(off, buf);
    if (!got) {
      r.read_error = got.error().message;
      break;
    }
    if (*got == 0) {
      r.read_error =
          "unexpected end of media at byte " + std::to_string(off) + " of " + std::to_string(total);
      break;
    }
    hasher.update(std::span(buf).first(*got));
    off += *got;
    if (progress) progress(off, total);
  }
  r.bytes_read = off;
  const auto d = hasher.finish();
  if (!r.read_error) {
    r.md5 = d.hex(digest::Algorithm::kMd5);
    r.sha1 = d.hex(digest::Algorithm::kSha1);
    r.sha256 = d.hex(digest::Algorithm::kSha256);
  }
  add_checks(r, evidence.stored_hashes(), expected);
  return r;
}

}  // namespace vigil::evidence
