// Verification of an evidence image: a fresh read of all media bytes, hashed once with MD5, SHA-1
// and SHA-256, compared with the hashes stored in the container (E01) or given by the examiner.
// An EWF image is read through its own libewf handle, which checks every chunk (the Adler-32 of
// each chunk, or the zlib stream of a compressed one): any chunk that fails, or cannot be read,
// fails the verification even when the media hash matches, as ewfverify does.
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

// Sectors [first, first + count) of the media.
struct SectorRange {
  std::uint64_t first = 0;
  std::uint64_t count = 0;
  [[nodiscard]] std::uint64_t last() const { return first + count - 1; }
  friend bool operator==(const SectorRange&, const SectorRange&) = default;
};

// Sorts ranges and merges those that overlap or touch (libewf reports a run of bad chunks as one
// range; ewfverify prints them merged).
std::vector<SectorRange> merge_ranges(std::vector<SectorRange> ranges);

// What the container's own per-chunk checks found (EWF only; `checked` is false for formats that
// have none).
struct ChunkCheck {
  bool checked = false;
  std::uint32_t bytes_per_sector = 512;
  std::uint32_t sectors_per_chunk = 0;
  std::uint64_t chunks = 0;                    // chunks in the media
  std::vector<SectorRange> checksum_errors;    // merged: chunks whose checksum did not match
  std::vector<SectorRange> unreadable;         // merged: chunks libewf could not return at all
  std::optional<std::string> structure_error;  // e.g. a segment set without its closing section
  [[nodiscard]] bool damaged() const {
    return !checksum_errors.empty() || !unreadable.empty() || structure_error.has_value();
  }
  // Chunks covered by the checksum-error and unreadable ranges.
  [[nodiscard]] std::uint64_t damaged_chunks() const;
  // Checksum errors and unreadable chunks together, merged.
  [[nodiscard]] std::vector<SectorRange> damaged_ranges() const;
  // "2 chunks with checksum errors, sectors 119488-119551, 138112-138175" (plus the unreadable
  // chunks and the structure error when present); empty when nothing is damaged.
  [[nodiscard]] std::string describe() const;
};

struct VerifyResult {
  std::string md5, sha1, sha256;  // computed over the media, empty if the read failed
  std::uint64_t bytes_read = 0;
  std::vector<HashCheck> checks;          // one per stored or expected hash
  std::optional<std::string> read_error;  // why the media could not be read to the end
  ChunkCheck chunks;                      // the container's per-chunk checks (EWF)
  // True when at least one hash was checked, all matched, the whole media was read and no chunk
  // failed its own check.
  [[nodiscard]] bool verified() const;
  // One line saying why verification failed (empty when verified). Damaged chunks come first,
  // as "FAILED: N chunks with checksum errors, sectors a-b, ...", whatever the hashes say.
  [[nodiscard]] std::string failure_reason() const;
};

using ProgressCallback = std::function<void(std::uint64_t done, std::uint64_t total)>;

// Verifies opened evidence: an EWF image through its own libewf handle (every chunk checked),
// anything else through Evidence::read_media. Thread contract: for EWF only info() and
// stored_hashes() of `evidence` are used, so another thread may use the same Evidence meanwhile.
VerifyResult verify_evidence(Evidence& evidence, const std::vector<ExpectedHash>& expected,
                             const ProgressCallback& progress = {});

// An EWF segment set verified straight through libewf, without The Sleuth Kit: works on a set
// that open_evidence refuses (a truncated or damaged one), so that its damage can be reported.
VerifyResult verify_ewf(const std::vector<std::string>& segments,
                        const std::vector<ExpectedHash>& expected,
                        const ProgressCallback& progress = {});

}  // namespace vigil::evidence
