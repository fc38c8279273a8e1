#include "pdf_guard.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace vigil::plugins::documents {
namespace {

// How far back from a "stream" keyword its dictionary may start; object and xref stream
// dictionaries are short.
constexpr std::size_t kDictWindow = 8192;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The dictionary text with #xx name escapes undone (ISO 32000-1 §7.3.5: /Obj#53tm is /ObjStm).
std::string unescape_names(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '#' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool has_name(std::string_view dict, std::string_view name) {
  for (std::size_t at = dict.find(name); at != std::string_view::npos;
       at = dict.find(name, at + 1)) {
    const std::size_t end = at + name.size();
    // A whole name: the next character is a delimiter or white space (§7.2.2), not /ObjStmX.
    if (end >= dict.size() ||
        std::string_view(" \t\r\n\f\0/<>[]()%", 15).find(dict[end]) != std::string_view::npos)
      return true;
  }
  return false;
}

// Bytes the zlib stream at data inflates to, counting no further than cap + 1.
std::uint64_t inflated_size(std::span<const std::uint8_t> data, std::uint64_t cap) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return 0;
  std::array<std::uint8_t, 64 * 1024> out{};
  std::uint64_t total = 0;
  std::size_t offset = 0;
  while (total <= cap) {
    const std::size_t chunk = std::min<std::size_t>(data.size() - offset, 1U << 20U);
    z.next_in = const_cast<Bytef*>(data.data() + offset);  // zlib's API is not const-correct
    z.avail_in = static_cast<uInt>(chunk);
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&z, Z_NO_FLUSH);
    offset += chunk - z.avail_in;
    total += out.size() - z.avail_out;
    if (rc == Z_STREAM_END || (rc != Z_OK && rc != Z_BUF_ERROR)) break;
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && offset >= data.size()) break;  // input ends
  }
  inflateEnd(&z);
  return total;
}

}  // namespace

std::string pdf_structure_bomb(std::span<const std::uint8_t> bytes) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::uint64_t total = 0;
  for (std::size_t at = text.find("stream"); at != std::string_view::npos;
       at = text.find("stream", at + 6)) {
    if (at >= 3 && text.substr(at - 3, 3) == "end") continue;  // "endstream"
    // The keyword is followed by CRLF or LF (ISO 32000-1 §7.3.8.1); readers also take a lone CR.
    std::size_t data = at + 6;
    if (text.substr(data, 2) == "\r\n") {
      data += 2;
    } else if (data < text.size() && (text[data] == '\n' || text[data] == '\r')) {
      data += 1;
    } else {
      continue;
    }
    const std::size_t from = at > kDictWindow ? at - kDictWindow : 0;
    std::string_view window = text.substr(from, at - from);
    if (const auto obj = window.rfind("obj"); obj != std::string_view::npos)
      window = window.substr(obj);
    const std::string dict = unescape_names(window);
    if (!has_name(dict, "/ObjStm") && !has_name(dict, "/XRef")) continue;
    if (!has_name(dict, "/FlateDecode")) continue;
    const std::uint64_t n = inflated_size(bytes.subspan(data), kMaxStructureStream);
    if (n > kMaxStructureStream) {
      return "the cross-reference or object stream at byte " + std::to_string(at) +
             " inflates to more than " + std::to_string(kMaxStructureStream) + " bytes";
    }
    total += n;
    if (total > kMaxStructureTotal) {
      return "cross-reference and object streams inflate to more than " +
             std::to_string(kMaxStructureTotal) + " bytes in all";
    }
  }
  return {};
}

}  // namespace vigil::plugins::documents
