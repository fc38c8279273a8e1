// Reads "TPL1" containers, a toy format that exists only to show the shape of an extractor:
//   "TPL1" | u16 LE name length | name | u32 LE member count |
//   count x ( u8 flags (bit 0: encrypted) | u16 LE name length | name | u32 LE size | bytes )
// An encrypted member stores its size but no bytes.
#include "_template/template.hpp"

#include <algorithm>
#include <string>

#include "vigil/core/byte_reader.hpp"

namespace vigil::plugins {
namespace {

constexpr std::string_view kMagic = "TPL1";

std::string read_name(ByteReader& r) {
  const auto len = r.read_le<std::uint16_t>();
  const auto bytes = r.read_bytes(len);
  return {bytes.begin(), bytes.end()};
}

class TemplateExtractor final : public extract::Extractor {
 public:
  [[nodiscard]] std::string_view name() const override { return "template"; }
  [[nodiscard]] std::string_view version() const override { return "1.0"; }
  [[nodiscard]] std::vector<std::string_view> input_types() const override { return {"unknown"}; }
  [[nodiscard]] std::string_view outputs() const override {
    return "members of TPL1 containers (children); record: title";
  }
  [[nodiscard]] std::string_view limits() const override {
    return "members stop at the dispatcher's child byte budget";
  }
  // Cheap and without I/O: the first bytes are already in memory.
  [[nodiscard]] bool probe(const extract::ItemInput& item) const override {
    return ByteReader(item.bytes).matches(0, kMagic);
  }

  void extract(const extract::ItemInput& item, extract::Emitter& out,
               std::stop_token stop) const override {
    ByteReader r(item.bytes);
    if (!r.matches(0, kMagic)) return;  // not my format: no warning
    r.skip(kMagic.size());
    const std::string title = read_name(r);
    const auto count = r.read_le<std::uint32_t>();
    if (!r.ok()) {
      out.warn("truncated", "TPL1 header ends at byte " + std::to_string(item.bytes.size()));
      return;
    }
    out.record({"title", title});
    for (std::uint32_t i = 0; i < count && !stop.stop_requested(); ++i) {
      const std::size_t member_offset = r.pos();
      const auto flags = r.read_le<std::uint8_t>();
      std::string member = read_name(r);
      const auto size = r.read_le<std::uint32_t>();
      if (!r.ok()) {
        // Members already emitted stay; the rest is lost and said so.
        out.warn("truncated", "TPL1 member " + std::to_string(i) + " header at byte " +
                                  std::to_string(member_offset) + " is cut short");
        return;
      }
      extract::Child c;
      c.layer = "tpl";
      c.locator = member;
      c.name = member;
      c.declared_size = size;
      if ((flags & 1U) != 0) {
        c.status = extract::ChildStatus::kEncrypted;
        if (!out.child(std::move(c))) return;
        continue;
      }
      c.offset = r.pos();
      c.has_offset = true;
      // Never take more than the dispatcher allows: a declared size is attacker-controlled.
      const std::uint64_t budget = out.child_byte_budget();
      const std::size_t avail = std::min<std::size_t>(size, r.remaining());
      const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(avail, budget));
      const auto bytes = r.read_bytes(take);
      c.bytes.assign(bytes.begin(), bytes.end());
      if (take < size) {
        c.status = extract::ChildStatus::kPartial;
        out.warn(take < avail ? "limit" : "truncated", "TPL1 member " + member + ": " +
                                                           std::to_string(take) + " of " +
                                                           std::to_string(size) + " bytes");
      }
      if (!out.child(std::move(c))) return;
      if (take < size) return;  // the stream is out of step after a cut member
    }
  }
};

}  // namespace

std::unique_ptr<extract::Extractor> make_template_extractor() {
  return std::make_unique<TemplateExtractor>();
}

}  // namespace vigil::plugins
