// A check run before qpdf sees a PDF: the streams qpdf decodes by itself while it parses, with no
// size limit in qpdf 11.3 (cross-reference streams, ISO 32000-1 §7.5.8, and object streams,
// §7.5.7), are inflated here first, up to a limit. A 1 MB Flate stream of zeros declared as an
// xref stream made qpdf build a 1 GiB buffer (56 s); with this check it is a `limit` warning.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace vigil::plugins::documents {

// Most bytes one such stream may inflate to, and all of them together.
inline constexpr std::uint64_t kMaxStructureStream = 64ULL << 20U;
inline constexpr std::uint64_t kMaxStructureTotal = 256ULL << 20U;

// Empty when every Flate-encoded xref or object stream stays within the limits; otherwise what
// went over (stream offset and size).
std::string pdf_structure_bomb(std::span<const std::uint8_t> bytes);

}  // namespace vigil::plugins::documents
