// Text that came from evidence: names may hold any bytes. These helpers keep every byte: JSON
// output writes valid UTF-8 as an escaped string and anything else as base64 beside it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace vigil {

bool is_valid_utf8(std::string_view s);
std::string base64_encode(std::span<const std::uint8_t> bytes);
inline std::string base64_encode(std::string_view s) {
  return base64_encode(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}
std::string hex_encode(std::span<const std::uint8_t> bytes);
// Appends s as a quoted JSON string (all control characters escaped). s must be valid UTF-8.
void append_json_string(std::string& out, std::string_view s);
// Appends "key":"value" for text from evidence: valid UTF-8 as a string, otherwise
// "key":"<lossy with U+FFFD>","key_b64":"<exact bytes>" so no byte is ever lost.
void append_json_text_field(std::string& out, std::string_view key, std::string_view value);
// For human-readable tables: control characters (C0, DEL, C1, the line and paragraph separators,
// the bidirectional controls) and invalid UTF-8 bytes shown as \xNN escapes of their bytes.
std::string printable(std::string_view s);
void append_printable(std::string& out, std::string_view s);
// Replaces invalid UTF-8 sequences with U+FFFD.
std::string lossy_utf8(std::string_view s);
// UTF-16LE (Windows names and strings in thumbnail caches, Thumbs.db and the search index) to
// UTF-8: surrogate pairs joined, an unpaired surrogate becomes U+FFFD, an odd last byte is
// dropped. Stops at the first NUL code unit when `stop_at_nul`.
std::string utf16le_to_utf8(std::span<const std::uint8_t> b, bool stop_at_nul = true);

}  // namespace vigil
