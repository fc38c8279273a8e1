// One read, all digests: every byte of an item goes through update() once and feeds XXH3-128
// and, when asked for, MD5, SHA-1 and SHA-256 (docs/ARCHITECTURE.md, "Data flow").
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace vigil::digest {

enum class Algorithm { kXxh3_128, kMd5, kSha1, kSha256 };

const char* algorithm_name(Algorithm a);  // "xxh3-128", "md5", "sha1", "sha256"

struct DigestSet {
  std::optional<std::array<std::uint8_t, 16>> xxh3_128;  // big-endian canonical form
  std::optional<std::array<std::uint8_t, 16>> md5;
  std::optional<std::array<std::uint8_t, 20>> sha1;
  std::optional<std::array<std::uint8_t, 32>> sha256;

  // Lower-case hex of one digest, or empty if it was not computed.
  [[nodiscard]] std::string hex(Algorithm a) const;
  friend bool operator==(const DigestSet&, const DigestSet&) = default;
};

// Not thread-safe; one per worker thread (contexts are reused between items).
class MultiHasher {
 public:
  MultiHasher();
  ~MultiHasher();
  MultiHasher(const MultiHasher&) = delete;
  MultiHasher& operator=(const MultiHasher&) = delete;

  // Starts a new item. With cryptographic=false only XXH3-128 is computed.
  void reset(bool cryptographic);
  // Whether MD5/SHA-1/SHA-256 are running for the current item.
  [[nodiscard]] bool cryptographic() const { return cryptographic_; }
  // Turns MD5/SHA-1/SHA-256 on for the current item; only valid before the first update()
  // (the pipeline decides after sniffing the first chunk, which it has not yet hashed).
  void enable_cryptographic();
  void update(std::span<const std::uint8_t> bytes);
  DigestSet finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
  bool cryptographic_ = false;
};

// Convenience for a whole buffer in memory.
DigestSet digest_buffer(std::span<const std::uint8_t> bytes, bool cryptographic);

}  // namespace vigil::digest
