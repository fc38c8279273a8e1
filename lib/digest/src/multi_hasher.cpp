#include "vigil/digest/multi_hasher.hpp"

#include <openssl/evp.h>
#include <xxhash.h>

#include <stdexcept>

#include "vigil/core/text.hpp"

namespace vigil::digest {

const char* algorithm_name(Algorithm a) {
  switch (a) {
    case Algorithm::kXxh3_128:
      return "xxh3-128";
    case Algorithm::kMd5:
      return "md5";
    case Algorithm::kSha1:
      return "sha1";
    case Algorithm::kSha256:
      return "sha256";
  }
  return "unknown";
}

std::string DigestSet::hex(Algorithm a) const {
  auto h = [](const auto& opt) {
    return opt ? hex_encode(std::span<const std::uint8_t>(*opt)) : std::string();
  };
  switch (a) {
    case Algorithm::kXxh3_128:
      return h(xxh3_128);
    case Algorithm::kMd5:
      return h(md5);
    case Algorithm::kSha1:
      return h(sha1);
    case Algorithm::kSha256:
      return h(sha256);
  }
  return {};
}

struct MultiHasher::State {
  XXH3_state_t* xxh = nullptr;
  EVP_MD_CTX* md5 = nullptr;
  EVP_MD_CTX* sha1 = nullptr;
  EVP_MD_CTX* sha256 = nullptr;
  bool started = false;
};

MultiHasher::MultiHasher() : state_(std::make_unique<State>()) {
  state_->xxh = XXH3_createState();
  state_->md5 = EVP_MD_CTX_new();
  state_->sha1 = EVP_MD_CTX_new();
  state_->sha256 = EVP_MD_CTX_new();
  if (!state_->xxh || !state_->md5 || !state_->sha1 || !state_->sha256) throw std::bad_alloc();
  reset(false);
}

MultiHasher::~MultiHasher() {
  XXH3_freeState(state_->xxh);
  EVP_MD_CTX_free(state_->md5);
  EVP_MD_CTX_free(state_->sha1);
  EVP_MD_CTX_free(state_->sha256);
}

void MultiHasher::reset(bool cryptographic) {
  // XXH3_128bits_reset and _update are libxxhash's dispatching entry points (they pick the
  // widest SIMD path at run time).
  XXH3_128bits_reset(state_->xxh);
  state_->started = false;
  cryptographic_ = false;
  if (cryptographic) enable_cryptographic();
}

void MultiHasher::enable_cryptographic() {
  if (state_->started) throw std::logic_error("enable_cryptographic after update");
  if (cryptographic_) return;
  cryptographic_ = true;
  if (EVP_DigestInit_ex(state_->md5, EVP_md5(), nullptr) != 1 ||
      EVP_DigestInit_ex(state_->sha1, EVP_sha1(), nullptr) != 1 ||
      EVP_DigestInit_ex(state_->sha256, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("OpenSSL digest initialisation failed");
}

void MultiHasher::update(std::span<const std::uint8_t> bytes) {
  state_->started = true;
  if (bytes.empty()) return;
  XXH3_128bits_update(state_->xxh, bytes.data(), bytes.size());
  if (cryptographic_) {
    EVP_DigestUpdate(state_->md5, bytes.data(), bytes.size());
    EVP_DigestUpdate(state_->sha1, bytes.data(), bytes.size());
    EVP_DigestUpdate(state_->sha256, bytes.data(), bytes.size());
  }
}

DigestSet MultiHasher::finish() {
  DigestSet out;
  XXH128_canonical_t canon;
  XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(state_->xxh));
  std::array<std::uint8_t, 16> x{};
  std::copy(std::begin(canon.digest), std::end(canon.digest), x.begin());
  out.xxh3_128 = x;
  if (cryptographic_) {
    unsigned int len = 0;
    std::array<std::uint8_t, 16> m{};
    std::array<std::uint8_t, 20> s1{};
    std::array<std::uint8_t, 32> s256{};
    EVP_DigestFinal_ex(state_->md5, m.data(), &len);
    EVP_DigestFinal_ex(state_->sha1, s1.data(), &len);
    EVP_DigestFinal_ex(state_->sha256, s256.data(), &len);
    out.md5 = m;
    out.sha1 = s1;
    out.sha256 = s256;
  }
  reset(false);
  return out;
}

DigestSet digest_buffer(std::span<const std::uint8_t> bytes, bool cryptographic) {
  MultiHasher h;
  h.reset(cryptographic);
  h.update(bytes);
  return h.finish();
}

}  // namespace vigil::digest
