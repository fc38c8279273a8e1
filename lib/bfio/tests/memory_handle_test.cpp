#include "vigil/bfio/memory_handle.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace vigil::bfio {
namespace {

TEST(BfioMemoryHandle, ReadsSeeksAndRefusesWrites) {
  const std::vector<std::uint8_t> bytes{1, 2, 3, 4, 5, 6, 7, 8};
  MemoryHandle h(bytes);
  ASSERT_EQ(libbfio_handle_open(h.get(), LIBBFIO_OPEN_READ, nullptr), 1);
  size64_t size = 0;
  ASSERT_EQ(libbfio_handle_get_size(h.get(), &size, nullptr), 1);
  EXPECT_EQ(size, 8U);
  std::uint8_t buf[16] = {};
  EXPECT_EQ(libbfio_handle_read_buffer(h.get(), buf, 3, nullptr), 3);
  EXPECT_EQ(buf[2], 3);
  EXPECT_EQ(libbfio_handle_seek_offset(h.get(), 6, SEEK_SET, nullptr), 6);
  // A read past the end returns what is there, then nothing.
  EXPECT_EQ(libbfio_handle_read_buffer(h.get(), buf, 16, nullptr), 2);
  EXPECT_EQ(buf[1], 8);
  EXPECT_EQ(libbfio_handle_read_buffer(h.get(), buf, 16, nullptr), 0);
  EXPECT_EQ(libbfio_handle_seek_offset(h.get(), -20, SEEK_END, nullptr), -1);
  EXPECT_LT(libbfio_handle_write_buffer(h.get(), buf, 1, nullptr), 0);
  EXPECT_EQ(libbfio_handle_close(h.get(), nullptr), 0);
}

}  // namespace
}  // namespace vigil::bfio
