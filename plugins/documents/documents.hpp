// documents: pictures embedded in office documents and PDF (plugins/documents/README.md).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "vigil/extract/extractor.hpp"

namespace vigil::plugins {

std::unique_ptr<extract::Extractor> make_documents_extractor();

}  // namespace vigil::plugins
