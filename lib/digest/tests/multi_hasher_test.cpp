#include "vigil/digest/multi_hasher.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace vigil::digest {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

TEST(MultiHasher, KnownAnswers) {
  // Reference values from coreutils md5sum/sha1sum/sha256sum and xxhsum -H2 on "abc".
  const auto d = digest_buffer(bytes_of("abc"), true);
  EXPECT_EQ(d.hex(Algorithm::kMd5), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(d.hex(Algorithm::kSha1), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(d.hex(Algorithm::kSha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(d.hex(Algorithm::kXxh3_128), "06b05ab6733a618578af5f94892f3950");
}

TEST(MultiHasher, XxhOnlyLeavesCryptographicEmpty) {
  const auto d = digest_buffer(bytes_of("abc"), false);
  EXPECT_TRUE(d.xxh3_128.has_value());
  EXPECT_FALSE(d.md5.has_value());
  EXPECT_EQ(d.hex(Algorithm::kSha1), "");
}

TEST(MultiHasher, ChunkedEqualsWhole) {
  std::vector<std::uint8_t> data(1 << 20);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 31 + 7);
  MultiHasher h;
  h.reset(true);
  for (std::size_t off = 0; off < data.size(); off += 4093)
    h.update(std::span(data).subspan(off, std::min<std::size_t>(4093, data.size() - off)));
  EXPECT_EQ(h.finish(), digest_buffer(data, true));
  // The hasher is reusable after finish().
  h.reset(true);
  h.update(bytes_of("abc"));
  EXPECT_EQ(h.finish(), digest_buffer(bytes_of("abc"), true));
}

TEST(MultiHasher, EnableAfterUpdateIsRefused) {
  MultiHasher h;
  h.reset(false);
  h.update(bytes_of("x"));
  EXPECT_THROW(h.enable_cryptographic(), std::logic_error);
}

}  // namespace vigil::digest
