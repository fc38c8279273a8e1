// A compiled hash set: one folder, opened read-only and memory-mapped (layout in
// lib/hashset/README.md). Lookups never copy the index; a set is immutable once built, and
// replacing it (import.hpp) swaps whole folders, so an open HashSet keeps seeing one version.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "vigil/core/result.hpp"
#include "vigil/hashset/pdq_index.hpp"
#include "vigil/hashset/profile.hpp"
#include "vigil/hashset/types.hpp"

namespace vigil::hashset {

// One imported source file.
struct SourceFile {
  std::string path;    // as given on the command line
  std::string format;  // format_name() of the importer used
  std::string detail;  // e.g. "VICS 2.0 US #Media" or "RDSv3 2099.01.1 (FILE table)"
  std::string sha256;  // of the file's bytes
  std::uint64_t size = 0;
  std::uint64_t records = 0;
  std::uint64_t rejected = 0;
};

// What a set remembers about itself. The identity a case records is (name, version, set_id).
struct SetInfo {
  std::string name;
  std::string version;
  std::string publisher;
  std::string imported_at;  // ISO-8601 UTC
  // Hex SHA-256 over name, version and every source's SHA-256 in order: two imports of the same
  // files under the same name and version have the same id.
  std::string set_id;
  StatusProfile profile;
  std::vector<SourceFile> sources;
  std::uint64_t records = 0;
  std::map<std::string, std::uint64_t> unique_digests;  // "md5" -> distinct digests; also "pdq"
  std::uint64_t rejected = 0;
  int min_pdq_quality = 50;

  // Computes set_id from the fields above.
  [[nodiscard]] std::string compute_set_id() const;
};

class HashSet {
 public:
  HashSet();
  ~HashSet();
  HashSet(HashSet&&) noexcept;
  HashSet& operator=(HashSet&&) noexcept;

  // Opens a set folder; checks every file's size against its header.
  [[nodiscard]] static Result<HashSet> open(const std::filesystem::path& dir);

  [[nodiscard]] const SetInfo& info() const;
  [[nodiscard]] const std::filesystem::path& path() const;
  [[nodiscard]] std::uint64_t record_count() const;
  // Decodes one record; an id out of range or a damaged record table is an Error.
  [[nodiscard]] Result<Record> record(std::uint32_t id) const;

  // True if any record names the digest.
  [[nodiscard]] bool contains(const Digest& d) const;
  // found[i] = contains(digests[i]) for many digests at once, with their memory accesses
  // overlapped (prefetch): the fast path when a scan has a batch of digests to check.
  void contains_many(std::span<const Digest> digests, std::span<std::uint8_t> found) const;
  // Appends the id of every record that names the digest (in ascending order).
  void find(const Digest& d, std::vector<std::uint32_t>& record_ids) const;
  [[nodiscard]] std::uint64_t digest_count(Algorithm a) const;
  // The distinct digests of one algorithm in ascending order: i < digest_count(a).
  [[nodiscard]] Digest digest_at(Algorithm a, std::uint64_t i) const;

  // Perceptual hashes: every stored PDQ hash within `threshold` of q; PdqHit::index is a position
  // in pdq_index(), pdq_record() maps it to the record.
  [[nodiscard]] std::vector<PdqHit> find_near(const Hash256& q, int threshold) const;
  [[nodiscard]] const PdqIndex& pdq_index() const;
  [[nodiscard]] std::uint32_t pdq_record(std::uint32_t pdq_index) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Several open sets queried together: every set and record that names a digest.
struct SetMatch {
  std::size_t set = 0;  // index into HashSetGroup::sets()
  std::uint32_t record = 0;
  int distance = 0;  // 0 for exact matches; the Hamming distance for near matches
};

class HashSetGroup {
 public:
  void add(HashSet set) { sets_.push_back(std::move(set)); }
  [[nodiscard]] const std::vector<HashSet>& sets() const { return sets_; }
  [[nodiscard]] std::vector<SetMatch> find(const Digest& d) const;
  [[nodiscard]] std::vector<SetMatch> find_near(const Hash256& q, int threshold) const;

 private:
  std::vector<HashSet> sets_;
};

}  // namespace vigil::hashset
