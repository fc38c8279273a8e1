#include "record_codec.hpp"

#include "vigil/core/byte_reader.hpp"

namespace vigil::hashset::detail {
namespace {

enum Flags : std::uint8_t {
  kHasMd5 = 1,
  kHasSha1 = 2,
  kHasSha256 = 4,
  kHasPdq = 8,
  kHasSize = 16,
};

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_string(std::string& out, const std::string& s) {
  put_varint(out, s.size());
  out.append(s);
}

bool get_varint(ByteReader& r, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    const auto b = r.read_le<std::uint8_t>();
    if (!r.ok()) return false;
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

bool get_string(ByteReader& r, std::string& s) {
  std::uint64_t n = 0;
  if (!get_varint(r, n) || n > r.remaining()) return false;
  auto b = r.read_bytes(static_cast<std::size_t>(n));
  s.assign(reinterpret_cast<const char*>(b.data()), b.size());
  return r.ok();
}

}  // namespace

void encode_record(const Record& r, std::string& out) {
  std::uint8_t flags = 0;
  if (r.md5) flags |= kHasMd5;
  if (r.sha1) flags |= kHasSha1;
  if (r.sha256) flags |= kHasSha256;
  if (r.pdq) flags |= kHasPdq;
  if (r.size) flags |= kHasSize;
  out.push_back(static_cast<char>(flags));
  out.push_back(static_cast<char>(r.category.state));
  out.push_back(static_cast<char>(r.status));
  put_varint(out, r.source);
  put_varint(out, r.source_line);
  for (Algorithm a : kAlgorithms)
    if (const auto& d = r.digest(a))
      out.append(reinterpret_cast<const char*>(d->bytes.data()), d->size());
  if (r.pdq) {
    out.append(reinterpret_cast<const char*>(r.pdq->bytes.data()), 32);
    out.push_back(static_cast<char>(r.pdq_quality + 1));
  }
  if (r.size) put_varint(out, *r.size);
  put_string(out, r.category.raw);
  put_string(out, r.photodna);
  put_string(out, r.file_name);
  put_varint(out, r.attributes.size());
  for (const auto& [k, v] : r.attributes) {
    put_string(out, k);
    put_string(out, v);
  }
}

Result<Record> decode_record(std::span<const std::uint8_t> bytes) {
  ByteReader in(bytes);
  Record r;
  auto bad = [] { return make_error(ErrorCode::kCorrupt, "damaged record in records.bin"); };
  const auto flags = in.read_le<std::uint8_t>();
  const auto state = in.read_le<std::uint8_t>();
  const auto status = in.read_le<std::uint8_t>();
  if (!in.ok() || state > 2 || status > 2) return bad();
  r.category.state = static_cast<Category::State>(state);
  r.status = static_cast<Status>(status);
  std::uint64_t v = 0;
  if (!get_varint(in, v) || v > UINT32_MAX) return bad();
  r.source = static_cast<std::uint32_t>(v);
  if (!get_varint(in, r.source_line)) return bad();
  const std::uint8_t digest_flags[3] = {kHasMd5, kHasSha1, kHasSha256};
  for (std::size_t i = 0; i < 3; ++i) {
    if ((flags & digest_flags[i]) == 0) continue;
    Digest d;
    d.algorithm = kAlgorithms[i];
    auto b = in.read_bytes(d.size());
    if (!in.ok()) return bad();
    std::copy(b.begin(), b.end(), d.bytes.begin());
    r.set_digest(d);
  }
  if (flags & kHasPdq) {
    Hash256 h;
    auto b = in.read_bytes(32);
    const auto q = in.read_le<std::uint8_t>();
    if (!in.ok() || q > 101) return bad();
    std::copy(b.begin(), b.end(), h.bytes.begin());
    r.pdq = h;
    r.pdq_quality = static_cast<int>(q) - 1;
  }
  if (flags & kHasSize) {
    if (!get_varint(in, v)) return bad();
    r.size = v;
  }
  if (!get_string(in, r.category.raw) || !get_string(in, r.photodna) ||
      !get_string(in, r.file_name) || !get_varint(in, v) || v > in.remaining())
    return bad();
  r.attributes.resize(static_cast<std::size_t>(v));
  for (auto& [k, val] : r.attributes)
    if (!get_string(in, k) || !get_string(in, val)) return bad();
  return r;
}

}  // namespace vigil::hashset::detail
