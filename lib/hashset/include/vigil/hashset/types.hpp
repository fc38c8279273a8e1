// The data model of a known list (hash set): digests, records, categories and statuses. A record
// is one entry of an imported list as its publisher wrote it; the raw category is kept exactly
// (absent, null and "0" are three different things) and the status is derived from it through a
// named profile (profile.hpp). "Known" means listed by a publisher, never "safe".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/core/hash256.hpp"

namespace vigil::hashset {

enum class Algorithm : std::uint8_t { kMd5 = 0, kSha1 = 1, kSha256 = 2 };
inline constexpr std::array<Algorithm, 3> kAlgorithms = {Algorithm::kMd5, Algorithm::kSha1,
                                                         Algorithm::kSha256};

constexpr std::size_t digest_size(Algorithm a) {
  switch (a) {
    case Algorithm::kMd5:
      return 16;
    case Algorithm::kSha1:
      return 20;
    case Algorithm::kSha256:
      return 32;
  }
  return 0;
}
// "md5", "sha1", "sha256": the names used in file names, JSON and on the command line.
std::string_view algorithm_name(Algorithm a);
std::optional<Algorithm> algorithm_from_name(std::string_view name);  // also "SHA-1", "SHA256"
// The algorithm a hex digest of this many characters belongs to (32, 40, 64).
std::optional<Algorithm> algorithm_for_hex_length(std::size_t hex_chars);

// An exact digest in binary form.
struct Digest {
  Algorithm algorithm = Algorithm::kMd5;
  std::array<std::uint8_t, 32> bytes{};  // only the first size() bytes are meaningful

  [[nodiscard]] std::size_t size() const { return digest_size(algorithm); }
  [[nodiscard]] std::string to_hex() const;  // lower case
  // Exactly 32, 40 or 64 hex digits of either case; the length picks the algorithm.
  static std::optional<Digest> from_hex(std::string_view hex);
  // Hex of the given algorithm only (wrong length or a non-hex digit: nullopt).
  static std::optional<Digest> from_hex(std::string_view hex, Algorithm algorithm);
  friend bool operator==(const Digest& a, const Digest& b) {
    return a.algorithm == b.algorithm && a.bytes == b.bytes;
  }
};

enum class Status : std::uint8_t {
  kAlert = 0,   // the examiner must look at it (e.g. VICS US category 1-3)
  kKnown = 1,   // listed by the publisher with no alert (NSRL: known, not "known good")
  kIgnore = 2,  // listed as not pertinent by the publisher's own scheme
};
std::string_view status_name(Status s);
std::optional<Status> status_from_name(std::string_view name);

// A category as the list wrote it.
struct Category {
  enum class State : std::uint8_t { kAbsent = 0, kNull = 1, kValue = 2 };
  State state = State::kAbsent;
  std::string raw;  // the value's text when state == kValue ("0", "1", "A"...)

  static Category absent() { return {}; }
  static Category null() { return {State::kNull, {}}; }
  static Category value(std::string v) { return {State::kValue, std::move(v)}; }
  // "absent", "null" or the raw value: used in outputs and in the profile table.
  [[nodiscard]] std::string describe() const;
  friend bool operator==(const Category&, const Category&) = default;
};

// One entry of a known list. Fields a format does not carry stay empty.
struct Record {
  std::optional<Digest> md5;
  std::optional<Digest> sha1;
  std::optional<Digest> sha256;
  std::optional<Hash256> pdq;
  int pdq_quality = -1;  // -1: the list gave no quality
  Category category;
  Status status = Status::kKnown;
  std::string photodna;   // opaque text, kept exactly as the list wrote it
  std::string file_name;  // as listed (may be any bytes)
  std::optional<std::uint64_t> size;
  // Other fields of the source record, in source order ("MediaID", "VictimIdentified", ...),
  // values as text (booleans "true"/"false").
  std::vector<std::pair<std::string, std::string>> attributes;
  std::uint32_t source = 0;       // index into the set's source files
  std::uint64_t source_line = 0;  // 1-based line (or row / record number) in that source

  [[nodiscard]] const std::optional<Digest>& digest(Algorithm a) const {
    return a == Algorithm::kMd5 ? md5 : (a == Algorithm::kSha1 ? sha1 : sha256);
  }
  std::optional<Digest>& digest(Algorithm a) {
    return a == Algorithm::kMd5 ? md5 : (a == Algorithm::kSha1 ? sha1 : sha256);
  }
  void set_digest(const Digest& d) { digest(d.algorithm) = d; }
  [[nodiscard]] bool has_any_hash() const { return md5 || sha1 || sha256 || pdq; }
  // The first attribute with this key, or nullptr.
  [[nodiscard]] const std::string* attribute(std::string_view key) const;
  friend bool operator==(const Record&, const Record&) = default;
};

// Parses hex into bytes; false on odd length or a non-hex digit.
bool parse_hex(std::string_view hex, std::uint8_t* out, std::size_t out_size);
bool is_hex(std::string_view s);

}  // namespace vigil::hashset
