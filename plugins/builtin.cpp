// Registry::builtin(): the explicit list of vigil's extractors (docs/ARCHITECTURE.md convention 2).
// A plugin is registered by two lines here, its header and its factory in the list, and nothing
// else; plugins/registry_test.cpp fails when a folder under plugins/ is missing from the list. The
// list order is the order extractors run on an item: keep it alphabetical.
#include "vigil/extract/registry.hpp"

// --- one include per plugin ---
// (plugins add "#include "<name>/<name>.hpp"" here)
#include "archive/archive.hpp"
#include "carve/carve.hpp"
#include "documents/documents.hpp"
#include "exif/exif.hpp"
#include "searchindex/searchindex.hpp"
#include "thumbcache/thumbcache.hpp"
#include "thumbsdb/thumbsdb.hpp"

namespace vigil::extract {

const Registry& Registry::builtin() {
  static const Registry registry([] {
    std::vector<std::unique_ptr<Extractor>> all;
    // --- one line per plugin: all.push_back(<namespace>::make_<name>_extractor()); ---
    all.push_back(plugins::make_archive_extractor());
    all.push_back(plugins::make_carve_extractor());
    all.push_back(plugins::make_documents_extractor());
    all.push_back(plugins::make_exif_extractor());
    all.push_back(plugins::make_searchindex_extractor());
    all.push_back(plugins::make_thumbcache_extractor());
    all.push_back(plugins::make_thumbsdb_extractor());
    return all;
  }());
  return registry;
}

}  // namespace vigil::extract
