// Work units (issue 16): what `vigil plan` needs to split a case into units that run apart
// (another process, another node) and whose stores `vigil merge` folds into the case exactly as
// one `vigil scan` would have written it.
//
// A unit is a contiguous range of one evidence item's walk (every volume, walk order): the whole
// evidence, one volume, or a slice of a large file system. Each unit walks the whole evidence
// again (metadata only) and reads only its range; the walk's fingerprint shows that every unit,
// and the plan, saw the same entries in the same order. The evidence's own identity (its files'
// sizes and a hash of their first and last MiB) lets a merge refuse evidence that changed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vigil/core/result.hpp"
#include "vigil/evidence/evidence.hpp"
#include "vigil/pipeline/scan.hpp"

namespace vigil::digest {
class MultiHasher;
}

namespace vigil::pipeline {

// SHA-256 over each entry's provenance, inode, size, types, flags and times (not the access
// time, which reading a folder's files may change), in walk order.
class WalkFingerprint {
 public:
  WalkFingerprint();
  ~WalkFingerprint();
  WalkFingerprint(const WalkFingerprint&) = delete;
  WalkFingerprint& operator=(const WalkFingerprint&) = delete;
  void add(const evidence::Entry& e);
  std::string hex();  // ends the fingerprint

 private:
  std::unique_ptr<digest::MultiHasher> hasher_;
};

// One file of an evidence item (an image segment): its size and the SHA-256 of its first and
// last MiB with the size. Cheap on a 4 TB image; a change anywhere else is found by the walk's
// fingerprint (metadata) or, for E01, by the stored MD5 and the chunk checksums.
struct FileIdentity {
  std::string path;
  std::uint64_t size = 0;
  std::string head_tail_sha256;
  friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};
Result<FileIdentity> identify_file(const std::string& path);

// What the plan knows of one evidence item.
struct VolumeSurvey {
  int index = 0;
  std::uint64_t first_entry = 0, entries = 0;  // its range of the evidence's walk
};
struct EvidenceSurvey {
  std::string path;  // absolute, as the scan records it
  std::string name, format;
  std::uint64_t size = 0;
  std::string stored_md5;
  std::vector<FileIdentity> files;  // every segment (none for a folder)
  std::vector<VolumeSurvey> volumes;
  std::vector<std::uint64_t> content_bytes;  // per entry, walk order: bytes a scan reads
  std::string walk_fingerprint;
  bool verify = false;  // the settings' verification mode verifies this evidence
};

// Opens and walks the evidence (metadata only), as scan_evidence does.
Result<EvidenceSurvey> survey_evidence(const std::string& path, DigestPolicy digests,
                                       VerifyMode verify);

}  // namespace vigil::pipeline
