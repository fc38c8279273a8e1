#include "vigil/evidence/verify.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "vigil/digest/multi_hasher.hpp"

namespace vigil::evidence {

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
  if (read_error || checks.empty()) return false;
  return std::all_of(checks.begin(), checks.end(), [](const HashCheck& c) { return c.matches(); });
}

std::string VerifyResult::failure_reason() const {
  if (read_error) return "media could not be read to the end: " + *read_error;
  if (checks.empty()) return "no hash to verify against (the image stores none; give --expect)";
  for (const auto& c : checks) {
    if (!c.matches())
      return c.algorithm + " mismatch: " + c.source + " " + c.expected + ", computed " + c.computed;
  }
  return {};
}

VerifyResult verify_evidence(Evidence& evidence, const std::vector<ExpectedHash>& expected,
                             const ProgressCallback& progress) {
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
  auto computed_for = [&r](const std::string& alg) {
    if (alg == "md5") return r.md5;
    if (alg == "sha1") return r.sha1;
    return r.sha256;
  };
  const auto stored = evidence.stored_hashes();
  if (stored.md5) r.checks.push_back({"md5", "stored in container", *stored.md5, r.md5});
  if (stored.sha1) r.checks.push_back({"sha1", "stored in container", *stored.sha1, r.sha1});
  for (const auto& e : expected)
    r.checks.push_back({e.algorithm, "given with --expect", e.hex, computed_for(e.algorithm)});
  return r;
}

}  // namespace vigil::evidence
