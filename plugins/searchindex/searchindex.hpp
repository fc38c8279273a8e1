// searchindex: the Windows Search index (Windows.edb, ESE, Windows Vista to 10, through libesedb;
// Windows.db, SQLite, Windows 11), recognised by content: every indexed item that carries a
// System_ThumbnailCacheId, with its path, name, size and times, as records of the index
// (plugins/searchindex/README.md). lib/pipeline's thumbnail links join them to thumbcache
// entries after the scan.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "vigil/extract/extractor.hpp"

namespace vigil::plugins {

std::unique_ptr<extract::Extractor> make_searchindex_extractor();

}  // namespace vigil::plugins
