// The archive extractor: the members of ZIP (with ZIP64), 7z, RAR 4/5 and tar archives, and the
// content of gzip, bzip2 and xz streams, read through libarchive (plugins/archive/README.md).
#pragma once

#include <memory>

#include "vigil/extract/extractor.hpp"

namespace vigil::plugins {

std::unique_ptr<extract::Extractor> make_archive_extractor();

}  // namespace vigil::plugins
