// documents: pictures embedded in office documents and PDF (plugins/documents/README.md).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "vigil/extract/extractor.hpp"

namespace vigil::plugins {

std::unique_ptr<extract::Extractor> make_documents_extractor();

// True for a ZIP that is an OOXML package (ECMA-376 Part 2 §10.1.2.4: the package holds the
// part "[Content_Types].xml"). The archive extractor leaves these to documents.
bool is_ooxml_package(std::span<const std::uint8_t> bytes);

}  // namespace vigil::plugins
