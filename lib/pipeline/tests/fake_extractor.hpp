// A fake extractor for the extraction tests: "FAKE" containers whose header says how many
// children to emit, how big, how deep they nest and when to throw. Byte layout:
//   "FAKE" | u32 LE count | u32 LE child size | u8 nesting | u8 throw after (0: never) |
//   u8 same locator for every child (0/1)
// A child of a container with nesting n > 0 is itself a FAKE container (count 1... the same
// count, nesting n - 1), padded to the child size; otherwise it is filler bytes unique to it.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "vigil/core/byte_reader.hpp"
#include "vigil/extract/extractor.hpp"

namespace vigil::pipeline::testing {

inline constexpr std::size_t kFakeHeader = 15;

inline std::vector<std::uint8_t> fake_container(std::uint32_t count, std::uint32_t child_size,
                                                std::uint8_t nesting = 0,
                                                std::uint8_t throw_after = 0,
                                                bool same_locator = false) {
  std::vector<std::uint8_t> b{'F', 'A', 'K', 'E'};
  for (const std::uint32_t v : {count, child_size})
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  b.push_back(nesting);
  b.push_back(throw_after);
  b.push_back(same_locator ? 1 : 0);
  return b;
}

class FakeExtractor final : public extract::Extractor {
 public:
  [[nodiscard]] std::string_view name() const override { return "fake"; }
  [[nodiscard]] std::string_view version() const override { return "0.1"; }
  [[nodiscard]] std::vector<std::string_view> input_types() const override { return {"unknown"}; }
  [[nodiscard]] std::string_view outputs() const override { return "fake children"; }
  [[nodiscard]] std::string_view limits() const override { return "none of its own"; }
  [[nodiscard]] bool probe(const extract::ItemInput& item) const override {
    return ByteReader(item.bytes).matches(0, "FAKE");
  }
  void extract(const extract::ItemInput& item, extract::Emitter& out,
               std::stop_token) const override {
    ByteReader r(item.bytes);
    r.skip(4);
    const auto count = r.read_le<std::uint32_t>();
    const auto size = r.read_le<std::uint32_t>();
    const auto nesting = r.read_le<std::uint8_t>();
    const auto throw_after = r.read_le<std::uint8_t>();
    const auto same = r.read_le<std::uint8_t>();
    if (!r.ok()) {
      out.warn("truncated", "header cut short");
      return;
    }
    out.record({"count", std::to_string(count)});
    for (std::uint32_t i = 0; i < count; ++i) {
      if (throw_after != 0 && i == throw_after) throw std::runtime_error("fake failure");
      extract::Child c;
      c.layer = "fake";
      c.locator = same != 0 ? std::string("same") : "child " + std::to_string(i);
      c.offset = i;
      c.has_offset = true;
      if (nesting > 0) {
        c.bytes = fake_container(count, size, static_cast<std::uint8_t>(nesting - 1));
      } else {
        // Unique per parent and index, so that digests differ.
        const std::string tag = item.provenance.str() + "/" + std::to_string(i);
        c.bytes.assign(tag.begin(), tag.end());
      }
      if (c.bytes.size() < size) c.bytes.resize(size, 'z');
      c.declared_size = c.bytes.size();
      if (!out.child(std::move(c))) return;
    }
  }
};

}  // namespace vigil::pipeline::testing
