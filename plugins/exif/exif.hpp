// exif: camera, time and GPS metadata of pictures, and the EXIF thumbnail as a child item
// (plugins/exif/README.md).
#pragma once

#include <memory>

#include "vigil/extract/extractor.hpp"

namespace vigil::plugins {

std::unique_ptr<extract::Extractor> make_exif_extractor();

}  // namespace vigil::plugins
