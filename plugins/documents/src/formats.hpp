// The three container families of the documents extractor, one function each.
#pragma once

#include <stop_token>

#include "vigil/extract/extractor.hpp"

namespace vigil::plugins::documents {

inline constexpr std::string_view kOleSignature = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

bool looks_like_pdf(std::span<const std::uint8_t> bytes);

void extract_ooxml(const extract::ItemInput& item, extract::Emitter& out, std::stop_token stop);
void extract_ole(const extract::ItemInput& item, extract::Emitter& out, std::stop_token stop);
void extract_pdf(const extract::ItemInput& item, extract::Emitter& out, std::stop_token stop);

}  // namespace vigil::plugins::documents
