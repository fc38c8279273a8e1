#include "vigil/pipeline/thumbnail_links.hpp"

#include <sqlite3.h>

#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "vigil/core/text.hpp"

namespace vigil::pipeline {
namespace {

class Query {
 public:
  Query(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  ~Query() { sqlite3_finalize(s_); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  [[nodiscard]] bool ok() const { return s_ != nullptr; }
  [[nodiscard]] Error error(const std::string& what) const {
    return make_error(ErrorCode::kIo, "thumbnail links: " + what + ": " + sqlite3_errmsg(db_));
  }
  sqlite3_stmt* get() { return s_; }
  std::string str(int col) {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(s_, col));
    return p == nullptr ? std::string()
                        : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col)));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

// "<prefix><n>_<field>" -> (n, field); false for other names.
bool split_name(std::string_view name, std::string_view prefix, std::uint64_t& n,
                std::string& field) {
  if (name.substr(0, prefix.size()) != prefix) return false;
  name.remove_prefix(prefix.size());
  const auto us = name.find('_');
  if (us == 0 || us == std::string_view::npos) return false;
  n = 0;
  for (const char c : name.substr(0, us)) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  field = std::string(name.substr(us + 1));
  return true;
}

struct IndexItem {
  std::string provenance;
  std::map<std::string, std::string> fields;
};

std::string describe(const IndexItem& it) {
  const auto get = [&it](const char* k) {
    const auto f = it.fields.find(k);
    return f == it.fields.end() ? std::string() : f->second;
  };
  std::string path = get("path");
  if (path.empty()) path = get("name");
  if (path.empty()) path = "(no path in the index)";
  std::string facts;
  const auto add = [&facts](const std::string& s) { facts += (facts.empty() ? "" : ", ") + s; };
  if (const auto s = get("size"); !s.empty()) add("size " + s + " bytes");
  if (const auto t = get("modified"); !t.empty()) add("modified " + t);
  if (const auto t = get("created"); !t.empty()) add("created " + t);
  if (const auto t = get("accessed"); !t.empty()) add("accessed " + t);
  const std::string source = "Windows Search index " + it.provenance + ", item " + get("work_id");
  return path + " (" + (facts.empty() ? source : facts + "; " + source) + ")";
}

}  // namespace

Result<ThumbnailLinkStats> link_thumbnails(case_store::CaseStore& store) {
  sqlite3* db = store.handle();
  ThumbnailLinkStats stats;
  if (auto r = store.begin_batch(); !r) return r.error();
  // Whatever happens below, the batch ends; an error leaves the store as it was.
  bool committed = false;
  struct Guard {
    sqlite3* db;
    bool& done;
    ~Guard() {
      if (!done) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  } guard{db, committed};

  {
    Query del(db, "DELETE FROM records WHERE extractor = ?1");
    if (!del.ok()) return del.error("prepare");
    sqlite3_bind_text(del.get(), 1, kThumbnailLinksExtractor, -1, SQLITE_STATIC);
    if (sqlite3_step(del.get()) != SQLITE_DONE) return del.error("delete");
  }

  // Index items by (evidence, cache id), in index item id and item order.
  std::map<std::tuple<std::int64_t, std::int64_t, std::uint64_t>, IndexItem> items;
  {
    Query q(db,
            "SELECT r.item_id, i.evidence_id, i.provenance, r.name, r.value FROM records r JOIN "
            "items i ON i.id = r.item_id WHERE r.extractor = 'searchindex' ORDER BY r.item_id, "
            "r.seq");
    if (!q.ok()) return q.error("prepare");
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
      std::uint64_t n = 0;
      std::string field;
      if (!split_name(q.str(3), "item_", n, field)) continue;
      auto& it = items[{sqlite3_column_int64(q.get(), 1), sqlite3_column_int64(q.get(), 0), n}];
      it.provenance = q.str(2);
      it.fields[field] = q.str(4);
    }
    if (rc != SQLITE_DONE) return q.error("read index records");
  }
  std::map<std::pair<std::int64_t, std::string>, std::vector<const IndexItem*>> by_id;
  for (const auto& [key, it] : items) {
    const auto id = it.fields.find("thumbnail_cache_id");
    if (id == it.fields.end()) continue;
    ++stats.index_items;
    by_id[{std::get<0>(key), id->second}].push_back(&it);
  }

  // Thumbcache entries, in cache item id and entry order.
  struct Entry {
    std::int64_t cache_item;
    std::int64_t evidence;
    std::uint64_t n;
    std::string cache_id;
  };
  std::vector<Entry> entries;
  {
    Query q(db,
            "SELECT r.item_id, i.evidence_id, r.name, r.value FROM records r JOIN items i ON "
            "i.id = r.item_id WHERE r.extractor = 'thumbcache' ORDER BY r.item_id, r.seq");
    if (!q.ok()) return q.error("prepare");
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
      std::uint64_t n = 0;
      std::string field;
      if (!split_name(q.str(2), "entry_", n, field) || field != "cache_id") continue;
      entries.push_back(
          {sqlite3_column_int64(q.get(), 0), sqlite3_column_int64(q.get(), 1), n, q.str(3)});
    }
    if (rc != SQLITE_DONE) return q.error("read thumbcache records");
  }
  stats.cache_entries = entries.size();

  // Every thumbcache picture by (cache item, locator), read once: a lookup per entry would scan
  // all of a cache's children each time (quadratic in the entries of one cache).
  std::map<std::pair<std::int64_t, std::string>, std::int64_t> pictures;
  {
    Query q(db,
            "SELECT id, parent_id, path FROM items WHERE extractor = 'thumbcache' AND parent_id "
            "IS NOT NULL ORDER BY id");
    if (!q.ok()) return q.error("prepare");
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW)
      pictures.emplace(std::pair{sqlite3_column_int64(q.get(), 1), q.str(2)},
                       sqlite3_column_int64(q.get(), 0));
    if (rc != SQLITE_DONE) return q.error("read thumbcache pictures");
  }
  Query next_seq(db, "SELECT COALESCE(MAX(seq), -1) + 1 FROM records WHERE item_id = ?1");
  Query insert(db,
               "INSERT INTO records(item_id, seq, extractor, name, value) VALUES(?1, ?2, ?3, ?4, "
               "?5)");
  if (!next_seq.ok() || !insert.ok()) return insert.error("prepare");
  for (const auto& e : entries) {
    const auto hits = by_id.find({e.evidence, e.cache_id});
    if (hits == by_id.end()) continue;
    ++stats.entries_linked;
    // The picture child's locator, exactly as plugins/thumbcache names it.
    const std::string locator = "entry " + std::to_string(e.n) + " (id " + e.cache_id + ")";
    std::int64_t target = e.cache_item;
    std::string name = "entry_" + std::to_string(e.n) + "_original_file";
    if (const auto pic = pictures.find({e.cache_item, locator}); pic != pictures.end()) {
      target = pic->second;
      name = "original_file";
    }
    for (const IndexItem* hit : hits->second) {
      sqlite3_bind_int64(next_seq.get(), 1, target);
      if (sqlite3_step(next_seq.get()) != SQLITE_ROW) return next_seq.error("next record");
      const std::int64_t seq = sqlite3_column_int64(next_seq.get(), 0);
      sqlite3_reset(next_seq.get());
      const std::string value = describe(*hit);
      sqlite3_bind_int64(insert.get(), 1, target);
      sqlite3_bind_int64(insert.get(), 2, seq);
      sqlite3_bind_text(insert.get(), 3, kThumbnailLinksExtractor, -1, SQLITE_STATIC);
      sqlite3_bind_text(insert.get(), 4, name.data(), static_cast<int>(name.size()),
                        SQLITE_TRANSIENT);
      // Paths from the index are evidence bytes: kept exactly (a BLOB when not UTF-8, as the
      // case store keeps every extractor record).
      if (is_valid_utf8(value)) {
        sqlite3_bind_text(insert.get(), 5, value.data(), static_cast<int>(value.size()),
                          SQLITE_TRANSIENT);
      } else {
        sqlite3_bind_blob(insert.get(), 5, value.data(), static_cast<int>(value.size()),
                          SQLITE_TRANSIENT);
      }
      if (sqlite3_step(insert.get()) != SQLITE_DONE) return insert.error("insert");
      sqlite3_reset(insert.get());
      ++stats.links;
    }
  }
  if (auto r = store.commit_batch(); !r) return r.error();
  committed = true;
  return stats;
}

}  // namespace vigil::pipeline
