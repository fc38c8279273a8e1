// Thumbnail links (issue 13): a thumbcache entry's cache id joined with the Windows Search index
// item that carries the same System_ThumbnailCacheId (plugins/searchindex/README.md). The cache
// and the index are separate files found in any order, so the join runs over the case store
// after the scan has stored every item, never inside an extractor.
#pragma once

#include <cstdint>

#include "vigil/case/case_store.hpp"
#include "vigil/core/result.hpp"

namespace vigil::pipeline {

// The extractor name of the records written here (records.extractor).
inline constexpr const char* kThumbnailLinksExtractor = "thumbnail_links";

struct ThumbnailLinkStats {
  std::uint64_t cache_entries = 0;  // thumbcache entries with a cache id
  std::uint64_t index_items = 0;    // index items with a cache id
  std::uint64_t links = 0;          // records written (an entry named by two indexes: two)
  std::uint64_t entries_linked = 0;
};

// Within each evidence, every thumbcache `entry_<n>_cache_id` record whose value equals a
// searchindex `item_<m>_thumbnail_cache_id` gets a record (extractor "thumbnail_links") on the
// entry's picture (the thumbcache child "entry <n> (id ...)"), or on the cache file as
// `entry_<n>_original_file` when the entry has no picture:
//   original_file = "PATH (size N bytes, modified T, created T, accessed T; Windows Search index
//                    PROVENANCE, item WORKID)"
// Every earlier thumbnail_links record is deleted first, all in one transaction, and the rest
// is written in item-id order: running it again (a resumed or repeated scan) gives the same rows.
Result<ThumbnailLinkStats> link_thumbnails(case_store::CaseStore& store);

}  // namespace vigil::pipeline
