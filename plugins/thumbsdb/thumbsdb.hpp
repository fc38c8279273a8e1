// thumbsdb: Windows Thumbs.db files (OLE compound files, read through libolecf), recognised by
// their streams, never by the file name: every thumbnail as a child item, with the original file
// name and time from the XP catalog (plugins/thumbsdb/README.md).
#pragma once

#include <memory>

#include "vigil/extract/extractor.hpp"

namespace vigil::plugins {

std::unique_ptr<extract::Extractor> make_thumbsdb_extractor();

}  // namespace vigil::plugins
