#include "vigil/pipeline/scan.hpp"

#include <fmt/format.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <shared_mutex>

#include "carving.hpp"
#include "extraction.hpp"
#include "hand_offs.hpp"
#include "verification.hpp"
#include "vigil/core/text.hpp"
#include "vigil/digest/multi_hasher.hpp"
#include "vigil/evidence/verify.hpp"
#include "vigil/pipeline/containment.hpp"
#include "vigil/pipeline/media_module.hpp"
#include "vigil/pipeline/memory_budget.hpp"
#include "vigil/pipeline/units.hpp"

namespace vigil::pipeline {
namespace {

using case_store::ItemRecord;
using case_store::WarningRecord;

// One worker thread's state, made by the factory on first use: its own evidence handle (TSK
// handles are not shared between threads), hasher contexts and buffers.
struct Worker {
  std::unique_ptr<evidence::Evidence> evidence;
  std::optional<Error> open_error;
  std::unique_ptr<digest::MultiHasher> hasher = std::make_unique<digest::MultiHasher>();
  std::vector<std::uint8_t> chunk;
};

// A top-level item and, once extracted, all its descendants (extraction.hpp).
using Task = detail::ItemTask;

ItemRecord record_for(const evidence::Entry& e, std::int64_t evidence_id,
                      const std::string& fs_type) {
  ItemRecord r;
  r.evidence_id = evidence_id;
  r.provenance = e.provenance.str();
  r.volume = e.volume;
  r.fs_type = fs_type;
  r.inode = e.inode;
  r.inode_str = e.inode_str;
  r.path = e.path;
  r.name = e.name;
  r.size = e.size;
  r.name_type = e.name_type;
  r.meta_type = e.meta_type;
  r.deleted = e.deleted;
  r.orphan = e.orphan;
  r.ads = e.ads;
  r.meta_allocated = e.meta_allocated;
  r.times = e.times;
  r.status = "not-read";
  return r;
}

// Content is read for regular files with metadata; directories, links, virtual files and names
// whose metadata is gone have no content of their own. A file system's bookkeeping files
// ($MFT, $LogFile, $BadClus:$Bad, whose runs TSK does not cover) are listed but read only with
// --digests all, where known-software lists may name them.
bool has_content(const evidence::Entry& e, DigestPolicy policy) {
  return e.has_meta && e.meta_type == 'r' && (!e.fs_metadata || policy == DigestPolicy::kAll);
}

// Whether MD5/SHA-1/SHA-256 run for an item of this type.
bool cryptographic(const sniff::ContentType& type, const ScanSettings& s) {
  return type.is_media() || s.digests == DigestPolicy::kAll || s.list_digests;
}

void process(Task& t, const evidence::Entry& e, Worker& w, const ScanSettings& s,
             MemoryBudget& budget, const std::vector<Analyser>& analysers,
             const detail::Dispatcher& dispatcher) {
  if (!has_content(e, s.digests)) return;
  if (w.open_error) {
    t.record.status = "error";
    t.warnings.push_back({t.record.provenance, "open", w.open_error->message});
    return;
  }
  auto reader = w.evidence->open_reader(e);
  if (!reader) {
    t.record.status = "error";
    t.warnings.push_back({t.record.provenance, "open", reader.error().message});
    return;
  }
  w.hasher->reset(false);
  // The whole content of a media item, for the analysers, under a reservation of the shared
  // budget. Declared after the hold so that the bytes are freed before the hold gives them back.
  BudgetHold hold;
  std::vector<std::uint8_t> retained;
  sniff::ContentType type;
  bool retain = false;
  std::uint64_t off = 0;
  std::optional<std::string> failure;
  while (off < e.size) {
    auto got = (*reader)->read(off, w.chunk);
    if (!got) {
      failure = got.error().message;
      break;
    }
    if (*got == 0) {
      failure = fmt::format("content ends after {} of {} bytes", off, e.size);
      break;
    }
    const auto bytes = std::span<const std::uint8_t>(w.chunk).first(*got);
    if (off == 0) {
      type = sniff::sniff(bytes.first(std::min(bytes.size(), sniff::kSniffBytes)), e.name);
      if (cryptographic(type, s)) w.hasher->enable_cryptographic();
      // Waits while other workers hold the budget: whether an item is analysed depends on its
      // size and the budget, never on the thread count or on what else is in flight.
      retain = (type.is_media() || dispatcher.reads(type)) && e.size <= s.retain_limit() &&
               budget.acquire(e.size, t.index);
      if (retain) {
        hold = BudgetHold(&budget, e.size);
        retained.reserve(e.size);
      }
    }
    w.hasher->update(bytes);
    if (retain) retained.insert(retained.end(), bytes.begin(), bytes.end());
    off += *got;
  }
  if (e.size == 0 && (s.digests == DigestPolicy::kAll || s.list_digests))
    w.hasher->enable_cryptographic();
  t.record.bytes_read = off;
  t.record.content_type = std::string(type.name);
  t.record.category = sniff::category_name(type.category);
  t.record.extension_mismatch = sniff::extension_mismatch(type, e.name);
  t.media = type.is_media();
  const auto d = w.hasher->finish();
  if (failure) {
    // Digests of a partial read would name bytes that are not the item: leave them empty.
    t.record.status = "error";
    t.warnings.push_back({t.record.provenance, "read", *failure});
    return;
  }
  t.record.status = "ok";
  t.record.xxh3_128 = d.hex(digest::Algorithm::kXxh3_128);
  t.record.md5 = d.hex(digest::Algorithm::kMd5);
  t.record.sha1 = d.hex(digest::Algorithm::kSha1);
  t.record.sha256 = d.hex(digest::Algorithm::kSha256);
  if (!analysers.empty()) {
    const ItemView view{
        e, type,
        retain ? std::span<const std::uint8_t>(retained) : std::span<const std::uint8_t>()};
    for (const auto& a : analysers) a(view, t.record, t.extras, t.warnings);
  }
  // Extractors run after the analysers, on the bytes still held (extraction.cpp).
  if (retain) {
    dispatcher.extract_entry(e.provenance, e.name, type, retained, t);
  } else if (e.size > 0 && dispatcher.enabled() && dispatcher.reads(type)) {
    // (An empty item holds nothing to extract: no limit was reached.)
    t.warnings.push_back({t.record.provenance, "limit",
                          fmt::format("limit retain_limit={} reached (256 MiB, or --max-memory "
                                      "less one read chunk when smaller): an item of {} bytes is "
                                      "not kept in memory, so no extractor reads it",
                                      s.retain_limit(), e.size)});
  }
}

}  // namespace

// Set by request_stop(), possibly from a signal handler: it must be lock-free to be safe there
// (C++20 [support.signal]).
std::atomic<bool> g_stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void request_stop() noexcept { g_stop_requested.store(true); }
bool stop_requested() noexcept { return g_stop_requested.load(); }

std::string ScanSettings::to_json() const {
  return fmt::format(
      "{{\"chunk_size\":{},\"digests\":\"{}\",\"list_digests\":{},\"max_memory\":{},"
      "\"max_retained\":{},\"retain_limit\":{},\"threads\":{},\"verify\":\"{}\"}}",
      chunk_size, digests == DigestPolicy::kAll ? "all" : "media", list_digests, max_memory,
      max_retained, retain_limit(), threads, verify_mode_name(verify));
}

const char* verify_mode_name(VerifyMode m) {
  switch (m) {
    case VerifyMode::kStored:
      return "stored-hashes";
    case VerifyMode::kAlways:
      return "always";
    case VerifyMode::kOff:
      return "off";
  }
  return "unknown";
}

std::uint64_t ScanSettings::retain_budget() const {
  // The budget less the one read chunk that a worker holds while it fills a retained item.
  return max_memory > chunk_size ? max_memory - chunk_size : 0;
}

std::uint64_t ScanSettings::retain_limit() const { return std::min(max_retained, retain_budget()); }

Result<ScanStats> scan_evidence(const std::string& evidence_path, case_store::CaseStore& store,
                                std::int64_t run_id, const ScanSettings& settings,
                                const std::vector<Analyser>& analysers,
                                const ScanProgress& progress, UnitScope* unit) {
  const std::string path = std::filesystem::absolute(evidence_path).lexically_normal().string();
  // An image in which nothing is recognised is carved whole (carving.hpp); with carving off it
  // is refused as before.
  evidence::OpenOptions open_options;
  open_options.unrecognised_as_unallocated = settings.carving.enabled;
  auto opened = evidence::open_evidence(path, open_options);
  if (!opened) return opened.error();
  auto& ev = **opened;
  // Supervised scan (containment.hpp): what this worker does is published, and what an earlier
  // worker crashed on is recorded instead of being processed again.
  const Containment* watch = settings.containment.get();
  const std::int64_t watch_evidence = watch != nullptr ? watch->evidence_position(path) : -1;
  const auto& info = ev.info();
  ScanStats stats;

  std::string segments = "[";
  for (std::size_t i = 0; i < info.segments.size(); ++i) {
    if (i) segments += ',';
    append_json_string(segments, lossy_utf8(info.segments[i]));
  }
  segments += ']';
  const auto stored = ev.stored_hashes();
  auto evidence_id =
      store.add_evidence({path, info.name, evidence::image_format_name(info.format), info.size,
                          segments, stored.md5.value_or(""), stored.sha1.value_or("")});
  if (!evidence_id) return evidence_id.error();
  if (auto r = store.audit(
          run_id, case_store::now_utc(), "evidence-opened",
          fmt::format("{{\"evidence_id\":{},\"format\":\"{}\",\"size\":{},"
                      "\"segments\":{}}}",
                      *evidence_id, evidence::image_format_name(info.format), info.size, segments));
      !r)
    return r.error();

  // Verification runs beside the walk and the workers; its result is recorded at the end.
  // (A work unit verifies only when its plan asks it to.)
  BackgroundVerification verification(
      path, info, unit != nullptr && !unit->verify ? VerifyMode::kOff : settings.verify);

  // Memory in flight: the media items kept whole, all workers together, within one budget; and
  // one read chunk per worker. The largest item kept is the same for any thread count.
  MemoryBudget budget(settings.retain_budget());
  const detail::Dispatcher dispatcher(settings.extraction, settings.digests, analysers);
  const int threads = settings.threads > 0 ? settings.threads : tbb::info::default_concurrency();
  // Carving of the space no file claims starts now, beside the walk (carving.hpp); what it finds
  // is stored after the entries. In a plan, the evidence's carve unit carves it.
  std::optional<detail::CarveRun> carving;
  start_tbb();  // before the carving thread (media_module.hpp)
  if (!stop_requested() && (unit == nullptr || unit->carve))
    carving.emplace(detail::CarveInputs{path, *evidence_id, &settings, &analysers, &dispatcher,
                                        threads, &budget, watch, watch_evidence});
  // Not before: a thread started while the module loads waits for the whole load.
  if (settings.begin_media_load) begin_loading_media_module();

  // Walk first (metadata only): the list fixes the order of everything that follows.
  std::vector<evidence::Entry> entries;
  std::vector<WarningRecord> walk_warnings;
  for (const auto& w : ev.open_warnings())
    walk_warnings.push_back({w.provenance.str(), "volume", w.message});
  if (auto r = store.begin_batch(); !r) return r.error();
  for (const auto& v : ev.volumes()) {
    if (auto r =
            store.add_volume({*evidence_id, v.index, v.scheme, evidence::volume_kind_name(v.kind),
                              v.fs_type, v.description, v.provenance.str(), v.offset, v.length});
        !r)
      return r.error();
    if (v.kind != evidence::VolumeKind::kFileSystem) continue;
    if (const auto* why =
            watch != nullptr ? watch->quarantined_volume(watch_evidence, v.index) : nullptr) {
      walk_warnings.push_back({v.provenance.str(), why->first, why->second});
      continue;
    }
    const ActivityScope walking(watch, Activity::kWalk, watch_evidence,
                                static_cast<std::uint64_t>(v.index));
    auto r = ev.walk(
        v.index,
        [&entries, watch](const evidence::Entry& e) {
          entries.push_back(e);
          if (watch != nullptr) watch->tick();
          return true;
        },
        [&walk_warnings](const evidence::Warning& w) {
          walk_warnings.push_back({w.provenance.str(), "walk", w.message});
        });
    if (!r) walk_warnings.push_back({v.provenance.str(), "walk", r.error().message});
  }
  // Carving ahead ends with the walk: from here the entries' pipeline has every core, and the
  // scan's TBB work is launched from this thread alone (oneTBB's allocator hands memory freed by
  // one thread's pipelines to another thread's, an ordering ThreadSanitizer cannot see; joined
  // here, the carving thread's work is ordered before everything after: hand_offs.hpp).
  if (carving) carving->stop_ahead();
  for (const auto& w : walk_warnings) {
    if (auto r = store.add_warning(w); !r) return r.error();
  }
  if (auto r = store.commit_batch(); !r) return r.error();
  stats.entries = entries.size();
  stats.warnings = walk_warnings.size();
  const std::uint64_t first = unit != nullptr ? unit->first_entry : 0;
  const std::uint64_t end =
      unit != nullptr ? std::min<std::uint64_t>(unit->end_entry, entries.size()) : entries.size();
  if (unit != nullptr) {
    unit->walk_entries = entries.size();
    WalkFingerprint fp;
    for (const auto& e : entries) fp.add(e);
    unit->walk_fingerprint = fp.hex();
    stats.entries = end > first ? end - first : 0;
    if (!unit->count_walk_warnings) stats.warnings = 0;
  }

  auto recorded = store.recorded_items(*evidence_id);
  if (!recorded) return recorded.error();
  std::vector<std::size_t> todo;
  todo.reserve(entries.size());
  for (std::size_t i = first; i < end; ++i) {
    if (recorded->count(entries[i].provenance.str()) != 0) {
      ++stats.items_resumed;
      continue;
    }
    todo.push_back(i);
    if (has_content(entries[i], settings.digests)) stats.bytes_total += entries[i].size;
  }
  recorded->clear();

  std::vector<std::string> fs_type(ev.volumes().size());
  for (const auto& v : ev.volumes()) fs_type[static_cast<std::size_t>(v.index)] = v.fs_type;

  // Items in flight together when an earlier worker died (containment.hpp): each is processed
  // with no other item beside it, so that a second crash names its item.
  const auto suspects =
      watch != nullptr ? watch->suspects(watch_evidence) : std::vector<std::uint64_t>{};
  std::shared_mutex suspect_alone;
  tbb::enumerable_thread_specific<Worker> workers([&path, &settings, &open_options] {
    Worker w;
    auto e = evidence::open_evidence(path, open_options);
    if (e) {
      w.evidence = std::move(*e);
    } else {
      w.open_error = e.error();
    }
    w.chunk.resize(settings.chunk_size);
    return w;
  });

  std::size_t next = 0;
  std::optional<Error> store_error;  // written and read by the writer stage only
  // The input stage runs concurrently with the writer: it learns of a failed write through this.
  std::atomic<bool> store_failed{false};
  const auto fail = [&store_error, &store_failed](const Error& e) {
    store_error = e;
    store_failed = true;
  };
  // The input stage stops at a failed write or at Ctrl-C (request_stop).
  const auto stopping = [&store_failed] { return store_failed.load() || stop_requested(); };
  std::size_t in_batch = 0;
  auto batch_started = std::chrono::steady_clock::now();
  bool batch_open = false;
  // More threads than cores is allowed (an examiner may ask); TBB needs to be told so.
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  // The filters run on TBB's workers in an order ThreadSanitizer cannot see (hand_offs.hpp).
  detail::HandOffs hand;
  arena.execute([&] {
    // Built before the launch: the workers read the filter bodies.
    const tbb::filter<void, void> filters =
        tbb::make_filter<void, Task*>(tbb::filter_mode::serial_in_order,
                                      hand.serial([&](tbb::flow_control& fc) -> Task* {
                                        if (next >= todo.size() || stopping()) {
                                          fc.stop();
                                          return nullptr;
                                        }
                                        auto* t = new Task();
                                        t->index = todo[next++];
                                        return t;
                                      })) &
        tbb::make_filter<Task*, Task*>(tbb::filter_mode::parallel, hand.parallel([&](Task* t) {
          const auto& e = entries[t->index];
          t->record = record_for(e, *evidence_id, fs_type[static_cast<std::size_t>(e.volume)]);
          std::unique_lock<std::shared_mutex> alone;
          std::shared_lock<std::shared_mutex> beside;
          if (!suspects.empty()) {
            if (std::binary_search(suspects.begin(), suspects.end(), t->index)) {
              alone = std::unique_lock(suspect_alone);
            } else {
              beside = std::shared_lock(suspect_alone);
            }
          }
          const ActivityScope busy(watch, Activity::kItem, watch_evidence, t->index);
          if (const auto* why =
                  watch != nullptr ? watch->quarantined_item(watch_evidence, t->index) : nullptr) {
            // An earlier worker died on this item: it is not read again.
            t->record.status = "error";
            t->warnings.push_back({t->record.provenance, "crash", *why});
            return t;
          }
          try {
            process(*t, e, workers.local(), settings, budget, analysers, dispatcher);
          } catch (const std::exception& ex) {
            // A library throwing on hostile bytes is an item error, never a crash.
            t->record.status = "error";
            t->record.xxh3_128.clear();
            t->record.md5.clear();
            t->record.sha1.clear();
            t->record.sha256.clear();
            t->extras = {};
            t->warnings.push_back({t->record.provenance, "internal", ex.what()});
          }
          return t;
        })) &
        tbb::make_filter<Task*, void>(tbb::filter_mode::serial_in_order, hand.serial([&](Task* t) {
          std::unique_ptr<Task> owned(t);
          if (store_error) return;
          if (!batch_open) {
            if (auto r = store.begin_batch(); !r) {
              fail(r.error());
              return;
            }
            batch_open = true;
            batch_started = std::chrono::steady_clock::now();
          }
          // The item and all its descendants in the same transaction: a resumed scan
          // never finds a parent without its children.
          if (auto r = detail::store_task(store, *t, stats); !r) {
            fail(r.error());
            return;
          }
          in_batch += 1 + t->children.size();
          if (in_batch >= 2000 ||
              std::chrono::steady_clock::now() - batch_started > std::chrono::milliseconds(500)) {
            if (auto r = store.commit_batch(); !r) {
              fail(r.error());
              return;
            }
            batch_open = false;
            in_batch = 0;
          }
          if (progress) progress(stats);
        }));
    hand.launch();
    tbb::parallel_pipeline(static_cast<std::size_t>(threads) * 4, filters);
  });
  hand.joined();
  stats.child_bytes_peak = dispatcher.peak_bytes_held();
  stats.child_rows_peak = dispatcher.peak_rows_held();
  if (store_error) return *store_error;
  if (batch_open) {
    if (auto r = store.commit_batch(); !r) return r.error();
  }
  // Carved pictures after the entries (merged after them in a plan, as here), then the slack of
  // the entries' files.
  if (!stop_requested() && carving) {
    if (auto r = carving->finish(entries, store, stats); !r) return r.error();
    if (progress) progress(stats);
  }
  // Media kept whole and carving windows, the most held at once.
  stats.peak_retained = budget.peak();
  if (stop_requested()) {
    // Interrupted: what is stored is complete; the verification's thread is joined unread.
    stats.interrupted = true;
    if (progress) progress(stats);
    return stats;
  }
  const auto read = [&settings](const evidence::Entry& e) {
    return has_content(e, settings.digests);
  };
  if (unit != nullptr) {
    // A unit returns the verification's outcome; the merge records it after every item.
    auto outcome = verification.outcome(ev, entries, read);
    if (!outcome) return outcome.error();
    unit->verification = std::move(*outcome);
  } else {
    // The verification's result, and the items read from damaged chunks, before the run ends.
    auto verified = verification.finish(ev, entries, read, store, *evidence_id, run_id);
    if (!verified) return verified.error();
    stats.warnings += *verified;
  }
  if (progress) progress(stats);
  if (auto r = store.audit(run_id, case_store::now_utc(), "evidence-scanned",
                           fmt::format("{{\"evidence_id\":{},\"entries\":{},\"items_recorded\":{},"
                                       "\"items_resumed\":{},\"bytes_read\":{},\"warnings\":{},"
                                       "\"child_rows_peak\":{},\"child_bytes_peak\":{}}}",
                                       *evidence_id, stats.entries, stats.items_recorded,
                                       stats.items_resumed, stats.bytes_read, stats.warnings,
                                       stats.child_rows_peak, stats.child_bytes_peak));
      !r)
    return r.error();
  return stats;
}

}  // namespace vigil::pipeline
