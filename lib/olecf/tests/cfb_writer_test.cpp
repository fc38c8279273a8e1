// The test-support writer (testing/cfb_writer.hpp) against libolecf: every stream reads back
// with its name and bytes, from the mini stream and from regular sectors, in either directory
// order; padding and the deliberate chain loops do what they say.
#include "vigil/olecf/testing/cfb_writer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vigil/olecf/memory_file.hpp"

namespace vigil::olecf {
namespace {

using testing::Bytes;
using testing::CfbOptions;
using testing::make_cfb;
using testing::Stream;

struct Read {
  std::string name;
  Bytes data;
  bool ok = true;
};

std::vector<Read> read_back(const Bytes& file) {
  std::vector<Read> out;
  auto f = MemoryFile::open(file);
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().message);
  if (!f.ok()) return out;
  libolecf_item_t* root = nullptr;
  EXPECT_EQ(libolecf_file_get_root_item((*f)->file(), &root, nullptr), 1);
  int n = 0;
  libolecf_item_get_number_of_sub_items(root, &n, nullptr);
  for (int i = 0; i < n; ++i) {
    libolecf_item_t* item = nullptr;
    if (libolecf_item_get_sub_item(root, i, &item, nullptr) != 1) continue;
    Read r;
    std::size_t name_size = 0;
    libolecf_item_get_utf8_name_size(item, &name_size, nullptr);
    std::string name(name_size, '\0');
    libolecf_item_get_utf8_name(item, reinterpret_cast<std::uint8_t*>(name.data()), name_size,
                                nullptr);
    r.name = name.c_str();
    std::uint32_t size = 0;
    libolecf_item_get_size(item, &size, nullptr);
    r.data.resize(size);
    std::size_t got = 0;
    while (got < size) {
      const auto k = libolecf_stream_read_buffer(item, r.data.data() + got, size - got, nullptr);
      if (k <= 0) {
        r.ok = false;
        break;
      }
      got += static_cast<std::size_t>(k);
    }
    out.push_back(std::move(r));
    libolecf_item_free(&item, nullptr);
  }
  libolecf_item_free(&root, nullptr);
  return out;
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  // Not periodic over a sector: a looped chain cannot read back the same bytes by chance.
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7 + i / 251);
  return b;
}

TEST(CfbWriter, StreamsReadBackFromMiniAndRegularSectors) {
  const std::vector<Stream> streams = {
      {"small", pattern(100, 1)}, {"two_minis", pattern(130, 2)}, {"big", pattern(9000, 3)}};
  const auto got = read_back(make_cfb(streams));
  ASSERT_EQ(got.size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].name, streams[i].name);
    EXPECT_TRUE(got[i].ok);
    EXPECT_EQ(got[i].data, streams[i].data) << streams[i].name;
  }
}

TEST(CfbWriter, PaddedAndSortedAsTheDirectoryOrdersNames) {
  const std::vector<Stream> streams = {{"WordDocument", pattern(600, 4)}, {"Data", pattern(50, 5)}};
  const auto got = read_back(make_cfb(streams, {.pad_to_regular = true, .sort_names = true}));
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].name, "Data");  // shorter name first ([MS-CFB] §2.6.4)
  EXPECT_EQ(got[1].name, "WordDocument");
  ASSERT_EQ(got[0].data.size(), 4096U);  // padded to the mini stream cutoff
  EXPECT_EQ(Bytes(got[0].data.begin(), got[0].data.begin() + 50), pattern(50, 5));
}

TEST(CfbWriter, LoopedChainsDoNotReadBackWhole) {
  const std::vector<Stream> big = {{"big", pattern(9000, 6)}};
  const std::vector<Stream> mini = {{"mini", pattern(300, 7)}};
  for (const auto& [streams, options] : {std::pair{big, CfbOptions{.loop_big_stream_chain = true}},
                                         std::pair{mini, CfbOptions{.loop_mini_chain = true}}}) {
    const auto got = read_back(make_cfb(streams, options));
    // libolecf either fails the read or reads the loop's bytes again: never the stream itself.
    for (const auto& r : got) EXPECT_TRUE(!r.ok || r.data != streams[0].data) << r.name;
  }
}

}  // namespace
}  // namespace vigil::olecf
