// The template extractor: the shape every plugin copies (plugins/_template/README.md).
#pragma once

#include <memory>

#include "vigil/extract/extractor.hpp"

namespace vigil::plugins {

std::unique_ptr<extract::Extractor> make_template_extractor();

}  // namespace vigil::plugins
