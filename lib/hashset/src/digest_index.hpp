// Layout shared by the builder and the reader of one algorithm's exact index:
//   <alg>.prefix  64-byte header + (2^bits + 1) u32: first key index of each bucket, where the
//                 bucket is the leading `bits` bits of the digest
//   <alg>.keys    n distinct digests, ascending, digest_size bytes each
//   <alg>.first   n + 1 u32: key i names records post[first[i] .. first[i+1])
//   <alg>.post    record ids (u32), ascending within each key
#pragma once

#include <cstdint>

namespace vigil::hashset::detail {

inline constexpr char kPrefixMagic[8] = {'V', 'G', 'D', 'I', 'D', 'X', '0', '1'};
inline constexpr std::size_t kPrefixHeader = 64;

inline std::uint32_t bucket_of(const std::uint8_t* digest, unsigned bits) {
  const std::uint32_t lead =
      (std::uint32_t{digest[0]} << 16) | (std::uint32_t{digest[1]} << 8) | std::uint32_t{digest[2]};
  return lead >> (24 - bits);
}

}  // namespace vigil::hashset::detail
