// Verification of an evidence image: a fresh read of all media bytes, hashed once with MD5, SHA-1
// and SHA-256, compared with the hashes stored in the container (E01) or given by the examiner.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vigil/evidence/evidence.hpp"

namespace vigil::evidence {

struct ExpectedHash {
  std::string algorithm;  // "md5", "sha1", "sha256"
  std::string hex;        // lower-case
};
// Parses "md5:HEX", "sha1:HEX" or "sha256:HEX"; checks the length of HEX.
Result<ExpectedHash> parse_expected_hash(const std::string& text);

struct HashCheck {
  std::string algorithm;
  std::string source;    // "stored in container" or "given with --expect"
  std::string expected;  // lower-case hex
  std::string computed;  // lower-case hex, empty if the read failed
  [[nodiscard]] bool matches() const { return !computed.empty() && expected == computed; }
};

struct VerifyResult {
  std::string md5, sha1, sha256;  // computed over the media, empty if the read failed
  std::uint64_t bytes_read = 0;
  std::vector<HashCheck> checks;          // one per stored or expected hash
  std::optional<std::string> read_error;  // why the media could not be read to the end
  // True when at least one hash was checked, all matched, and the whole media was read.
  [[nodiscard]] bool verified() const;
  // One line saying why verification failed (empty when verified).
  [[nodiscard]] std::string failure_reason() const;
};

using ProgressCallback = std::function<void(std::uint64_t done, std::uint64_t total)>;

VerifyResult verify_evidence(Evidence& evidence, const std::vector<ExpectedHash>& expected,
                             const ProgressCallback& progress = {});

}  // namespace vigil::evidence
