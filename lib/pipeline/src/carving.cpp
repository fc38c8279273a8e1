#include "carving.hpp"
#include "hand_offs.hpp"

#include <fmt/format.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>

#include "carve/carve.hpp"
#include "vigil/digest/multi_hasher.hpp"
#include "vigil/pipeline/carving.hpp"

namespace vigil::pipeline {

std::string CarvingSettings::to_json() const {
  std::string mb = "{";
  for (std::size_t i = 0; i < kCarveFormats.size(); ++i) {
    if (i) mb += ',';
    mb += fmt::format("\"{}\":{}", kCarveFormats[i], max_bytes[i]);
  }
  mb += '}';
  // Keys sorted (canonical JSON).
  return fmt::format(
      "{{\"enabled\":{},\"look_ahead\":{},\"max_bytes\":{},\"max_items\":{},\"max_runs\":{},"
      "\"max_seconds\":{},\"max_slack\":{},\"slack\":{},\"window\":{}}}",
      enabled, look_ahead, mb, max_items, max_runs, max_seconds, max_slack, slack, window);
}

namespace detail {
namespace {

namespace carve = plugins::carve;
using evidence::ByteRange;

// A stretch of the evidence read as one stream: the unallocated runs of a file system, a
// partition table's unallocated space, or one file's slack.
struct Region {
  std::string layer;  // "unalloc", "unpartitioned", "slack"
  Provenance parent;  // the volume, or the file whose slack it is
  int volume = 0;
  std::string fs_type;                     // the volume's file system ("" for unpartitioned space)
  std::size_t job = 0;                     // the volume job it belongs to (limits)
  std::vector<ByteRange> extents;          // where its bytes lie in the media, in stream order
  std::vector<std::uint64_t> starts;       // stream offset of each extent
  std::uint64_t length = 0;                // bytes in the stream
  const evidence::Entry* entry = nullptr;  // slack: the file (read through TSK's slack flag)

  // The carver's offsets are origin + stream offset: for a region in one place (unpartitioned
  // space, a free run, most slack) media offsets, so that its messages name them.
  [[nodiscard]] std::uint64_t origin() const {
    return extents.size() == 1 ? extents.front().offset : 0;
  }
  void add(ByteRange r) {
    starts.push_back(length);
    extents.push_back(r);
    length += r.length;
  }
  // The media ranges holding stream bytes [from, from + len).
  void place(std::uint64_t from, std::uint64_t len, std::vector<ByteRange>& out) const {
    auto it = std::upper_bound(starts.begin(), starts.end(), from);
    std::size_t i = it == starts.begin() ? 0 : static_cast<std::size_t>(it - starts.begin()) - 1;
    while (len > 0 && i < extents.size()) {
      const std::uint64_t in = from - starts[i];
      if (in >= extents[i].length) {
        ++i;
        continue;
      }
      const std::uint64_t n = std::min(len, extents[i].length - in);
      const std::uint64_t at = extents[i].offset + in;
      if (!out.empty() && out.back().offset + out.back().length == at) {
        out.back().length += n;
      } else {
        out.push_back({at, n});
      }
      from += n;
      len -= n;
      ++i;
    }
  }
};

Region region_of(std::string layer, Provenance parent, int volume, std::string fs_type,
                 std::size_t job) {
  Region r;
  r.layer = std::move(layer);
  r.parent = std::move(parent);
  r.volume = volume;
  r.fs_type = std::move(fs_type);
  r.job = job;
  return r;
}

// Everything carved on one volume shares its limits.
struct Job {
  Provenance provenance;  // the volume's
  int volume = 0;
  std::string fs_type;
  std::uint64_t items = 0;  // pictures stored or resumed (writer)
  bool item_limit = false;
  std::chrono::steady_clock::time_point started{};
  bool started_set = false;
  std::atomic<bool> timed_out{false};
};

// One piece of work: a window of a region, or (slack) a whole small region.
struct Window {
  std::size_t region = 0;
  std::uint64_t start = 0;       // stream offset
  std::uint64_t search_len = 0;  // signatures may start in [start, start + search_len)
  std::uint64_t read_len = 0;
};

// A carved picture after processing: the task the writer stores.
struct CarvedItem {
  std::uint64_t start = 0;      // stream offset of its first byte
  std::uint64_t end = 0;        // stream offset after its first fragment's last byte
  std::vector<ByteRange> runs;  // where its bytes lie in the media
  ItemTask task;
};

struct Unit {
  std::vector<Window> windows;
  std::vector<std::vector<CarvedItem>> found;  // per window
  std::vector<case_store::WarningRecord> warnings;
  std::uint64_t bytes = 0;  // bytes searched
  std::size_t job = 0;
  bool skipped = false;  // the job's time limit was reached before the unit ran
  bool done = false;     // carved ahead, while the walk ran (CarveRun)
};

struct CarveWorker {
  std::unique_ptr<evidence::Evidence> evidence;
  std::optional<std::string> open_error;
};

std::string_view extension(carve::Format f) {
  switch (f) {
    case carve::Format::kJpeg:
      return "jpg";
    case carve::Format::kPng:
      return "png";
    case carve::Format::kGif:
      return "gif";
    case carve::Format::kBmp:
      return "bmp";
    case carve::Format::kWebp:
      return "webp";
  }
  return "bin";
}

// Fragments of a carved picture in stream offsets (the carver's offsets are base + position).
template <class C>
std::vector<ByteRange> fragments_of(const C& c) {
  std::vector<ByteRange> out;
  if constexpr (requires { c.fragments; }) {
    for (const auto& f : c.fragments) out.push_back({f.offset, f.length});
  }
  if (out.empty()) out.push_back({c.offset, c.bytes.size()});
  return out;
}

std::string locator_of(const std::vector<ByteRange>& runs) {
  std::string s;
  for (const auto& r : runs) {
    if (!s.empty()) s += ',';
    s += fmt::format("{}+{}", r.offset, r.length);
  }
  return s;
}

class Collector final : public carve::Sink {
 public:
  // final: the bytes are all the memory budget allows (a re-read cut picture): a picture cut by
  // their end is kept as partial, never carved again.
  Collector(const CarveInputs& in, const Region& region, const Window& w,
            std::vector<CarvedItem>& out, std::vector<case_store::WarningRecord>& warnings,
            bool final = false)
      : in_(in), region_(region), w_(w), out_(out), warnings_(warnings), final_(final) {}

  bool carved(const carve::Carved& c) override {
    auto frags = fragments_of(c);
    for (auto& f : frags) f.offset -= region_.origin();  // stream offsets from here on
    const std::uint64_t read_end = w_.start + w_.read_len;
    const std::uint64_t last_end = frags.back().offset + frags.back().length;
    // Cut by the end of the window's bytes, not by the picture: carved again with the whole
    // largest carve after it (redo), so that a window's size never shortens a picture.
    if (c.partial && !c.size_limited && last_end >= read_end && read_end < region_.length) {
      if (!final_) {
        redo_ = frags.front().offset;
        return false;
      }
      out_.push_back(make_item(c, frags, "cut at the memory budget (--max-memory)"));
      return true;
    }
    out_.push_back(make_item(c, frags));
    return true;
  }
  void warn(std::string code, std::string message) override {
    // A partial picture's warning is on its own item (make_item), and the count of pictures is
    // the volume's, kept by the writer: the carver's per-window versions would repeat them.
    if (code == "truncated" || message.find("pictures carved") != std::string::npos) return;
    // The carver names media offsets for a region in one place, else offsets in the stream of
    // the volume's unallocated runs.
    warnings_.push_back({region_.parent.str(), std::move(code),
                         fmt::format("carve {}{}: {}", region_.layer,
                                     region_.origin() == 0 && region_.extents.size() > 1
                                         ? " (offsets in the stream of unallocated runs)"
                                         : "",
                                     message)});
  }
  [[nodiscard]] std::optional<std::uint64_t> redo() const { return redo_; }

 private:
  CarvedItem make_item(const carve::Carved& c, const std::vector<ByteRange>& frags,
                       std::string_view cut = {});

  const CarveInputs& in_;
  const Region& region_;
  const Window& w_;
  std::vector<CarvedItem>& out_;
  std::vector<case_store::WarningRecord>& warnings_;
  std::optional<std::uint64_t> redo_;
  bool final_ = false;
};

CarvedItem Collector::make_item(const carve::Carved& c, const std::vector<ByteRange>& frags,
                                std::string_view cut) {
  CarvedItem item;
  item.start = frags.front().offset;
  item.end = frags.front().offset + frags.front().length;
  auto& runs = item.runs;
  for (const auto& f : frags) region_.place(f.offset, f.length, runs);
  const std::string locator = locator_of(runs);
  // One link, layer "carve" like the carve extractor's children: "carve:unalloc@OFF+LEN".
  const auto provenance =
      region_.parent.child("carve", fmt::format("{}@{}", region_.layer, locator));
  auto& t = item.task;
  auto& r = t.record;
  r.evidence_id = in_.evidence_id;
  r.provenance = provenance.str();
  r.volume = region_.volume;
  r.fs_type = region_.fs_type;
  r.path = fmt::format("{}@{}", region_.layer, locator);
  r.name = fmt::format("{}@{}.{}", region_.layer, runs.empty() ? 0 : runs.front().offset,
                       extension(c.format));
  r.name_type = 'r';
  r.meta_type = 'r';
  r.deleted = region_.layer != "slack";
  r.meta_allocated = false;
  r.extractor = "carve";
  // A reassembled JPEG is an inference (its second range chosen because the join decodes), a
  // partial one is cut: both said, never "ok".
  r.child_status =
      extract::child_status_name(c.partial                ? extract::ChildStatus::kPartial
                                 : c.fragments.size() > 1 ? extract::ChildStatus::kReassembled
                                                          : extract::ChildStatus::kOk);
  r.byte_runs = byte_runs_json(runs);
  r.size = c.bytes.size();
  const auto bytes = c.bytes;
  const auto type = sniff::sniff(bytes.first(std::min(bytes.size(), sniff::kSniffBytes)), r.name);
  r.content_type = std::string(type.name);
  r.category = sniff::category_name(type.category);
  t.media = type.is_media();
  if (c.partial) {
    t.warnings.push_back({r.provenance, "truncated",
                          fmt::format("carved {} is partial ({} bytes): {}",
                                      carve::format_name(c.format), c.bytes.size(),
                                      c.size_limited ? std::string_view("cut at the largest carve")
                                      : !cut.empty() ? cut
                                                     : std::string_view(c.reason))});
  }
  try {
    const auto d = digest::digest_buffer(bytes, true);
    r.status = "ok";
    r.bytes_read = bytes.size();
    r.xxh3_128 = d.hex(digest::Algorithm::kXxh3_128);
    r.md5 = d.hex(digest::Algorithm::kMd5);
    r.sha1 = d.hex(digest::Algorithm::kSha1);
    r.sha256 = d.hex(digest::Algorithm::kSha256);
    evidence::Entry e;
    e.provenance = provenance;
    e.volume = r.volume;
    e.path = r.path;
    e.name = r.name;
    e.size = bytes.size();
    e.name_type = 'r';
    e.meta_type = 'r';
    e.has_meta = true;
    const ItemView view{e, type, bytes};
    for (const auto& a : *in_.analysers) a(view, r, t.extras, t.warnings);
    // Extractors see the carved picture like any item (EXIF, its thumbnail, ...).
    in_.dispatcher->extract_entry(provenance, r.name, type, bytes, t);
  } catch (const std::exception& ex) {
    r.status = "error";
    r.xxh3_128.clear();
    r.md5.clear();
    r.sha1.clear();
    r.sha256.clear();
    t.extras = {};
    t.children.clear();
    t.warnings.push_back({r.provenance, "internal", ex.what()});
  }
  return item;
}

carve::Limits limits_for(const CarvingSettings& s) {
  carve::Limits l;
  for (std::size_t i = 0; i < carve::kFormats && i < s.max_bytes.size(); ++i)
    l.max_bytes[i] = s.max_bytes[i];
  // Per window, one more than the volume's limit: the writer keeps the volume's count (in order,
  // so deterministic) and needs to see the picture past it to say that the limit was reached.
  l.max_items = s.max_items + 1;
  return l;
}

// Reads stream bytes [from, from + buf.size()) of a region; returns bytes read.
Result<std::size_t> read_region(evidence::Evidence& ev, const Region& region, std::uint64_t from,
                                std::span<std::uint8_t> buf) {
  if (region.entry != nullptr) {
    std::size_t done = 0;
    while (done < buf.size()) {
      auto got = ev.read_slack(*region.entry, from + done, buf.subspan(done));
      if (!got) return got.error();
      if (*got == 0) break;
      done += *got;
    }
    return done;
  }
  std::vector<ByteRange> where;
  region.place(from, buf.size(), where);
  std::size_t done = 0;
  for (const auto& r : where) {
    std::uint64_t off = 0;
    while (off < r.length) {
      auto got = ev.read_media(r.offset + off,
                               buf.subspan(done, static_cast<std::size_t>(r.length - off)));
      if (!got) return got.error();
      if (*got == 0) return done;
      off += *got;
      done += *got;
    }
  }
  return done;
}

// Stream bytes [from, from + len) of a region: mapped from a raw image when they lie in one place
// in it (no copy; `map` keeps them mapped), else read into `buf`.
Result<std::span<const std::uint8_t>> region_bytes(evidence::Evidence& ev, const Region& region,
                                                   std::uint64_t from, std::uint64_t len,
                                                   std::vector<std::uint8_t>& buf,
                                                   std::optional<evidence::MappedBytes>& map) {
  if (region.entry == nullptr) {
    std::vector<ByteRange> where;
    region.place(from, len, where);
    if (where.size() == 1) {
      map = ev.map_media(where.front().offset, where.front().length);
      if (map) return map->bytes();
    }
  }
  buf.resize(static_cast<std::size_t>(len));
  auto got = read_region(ev, region, from, buf);
  if (!got) return got.error();
  return std::span<const std::uint8_t>(buf).first(*got);
}

void carve_window(const CarveInputs& in, CarveWorker& w, const Region& region, const Window& win,
                  std::size_t order, std::vector<CarvedItem>& out,
                  std::vector<case_store::WarningRecord>& warnings) {
  const auto& s = in.settings->carving;
  if (w.open_error) {
    warnings.push_back({region.parent.str(), "open", *w.open_error});
    return;
  }
  // The window's bytes are held in the budget while they are carved, mapped pages (resident
  // while searched) as much as a read buffer; the buffer is freed with the hold. Windows fit a
  // worker's share of the budget (carve_evidence), so this waits only for other workers.
  BudgetHold hold;
  if (!in.budget->acquire(win.read_len, order)) {
    warnings.push_back({region.parent.str(), "internal",
                        fmt::format("carve {} {}+{}: more than the memory budget", region.layer,
                                    win.start, win.read_len)});
    return;
  }
  hold = BudgetHold(in.budget, win.read_len);
  std::vector<std::uint8_t> buf;
  std::optional<evidence::MappedBytes> map;
  auto got = region_bytes(*w.evidence, region, win.start, win.read_len, buf, map);
  if (!got) {
    warnings.push_back(
        {region.parent.str(), "read",
         fmt::format("{} {}+{}: {}", region.layer, win.start, win.read_len, got.error().message)});
    return;
  }
  const auto data = *got;
  const carve::Limits limits = limits_for(s);
  Collector sink(in, region, win, out, warnings);
  carve::carve_span(data, static_cast<std::size_t>(win.search_len), region.origin() + win.start,
                    limits, sink);
  // The window's bytes are done with (its pictures are digested and analysed): given back
  // before the re-read below asks for more, so that a worker never waits while it holds.
  map.reset();
  buf = {};
  hold.reset();
  if (!sink.redo()) return;
  // A picture cut by the window's end: read it again with the largest carve (and look-ahead
  // for a second fragment) after its start, and keep the first picture carved there. At most
  // the whole budget: a picture longer than that is kept as partial (Collector, final).
  const std::uint64_t at = *sink.redo();
  std::uint64_t longest = 0;
  for (const auto b : s.max_bytes) longest = std::max(longest, b);
  const std::uint64_t wanted = std::min(region.length - at, longest + s.look_ahead);
  const std::uint64_t len = std::min(wanted, in.budget->capacity());
  if (!in.budget->acquire(len, order)) return;  // len <= capacity: never refused
  hold = BudgetHold(in.budget, len);
  std::vector<std::uint8_t> big;
  std::optional<evidence::MappedBytes> big_map;
  auto again = region_bytes(*w.evidence, region, at, len, big, big_map);
  if (!again) {
    warnings.push_back({region.parent.str(), "read",
                        fmt::format("{} {}+{}: {}", region.layer, at, len, again.error().message)});
    return;
  }
  carve::Limits one = limits;
  one.max_items = 1;
  Window redo{win.region, at, 1, again->size()};
  Collector sink2(in, region, redo, out, warnings, len < wanted);
  carve::carve_span(*again, 1, region.origin() + at, one, sink2);
}

}  // namespace

std::string byte_runs_json(const std::vector<evidence::ByteRange>& runs) {
  std::string s = "[";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (i) s += ',';
    s += fmt::format("[{},{}]", runs[i].offset, runs[i].length);
  }
  return s + "]";
}

// Everything carving one evidence needs, from the listing of its space to the writer.
struct CarveRun::State {
  CarveInputs in;
  std::unique_ptr<evidence::Evidence> ev;  // this run's handle: listing, deleted files' bytes
  std::vector<std::unique_ptr<Job>> jobs;
  std::vector<std::size_t> job_of_volume;  // volume index -> job (kNoJob: not carved)
  std::vector<Region> regions;
  std::vector<Unit> units;
  std::size_t slack_from = 0;  // units from here carve slack (appended by finish)
  std::vector<case_store::WarningRecord> list_warnings;
  std::uint64_t window = 0;
  std::uint64_t look_ahead = 0;
  tbb::enumerable_thread_specific<CarveWorker> workers;
  std::size_t next = 0;  // units taken so far (by the ahead thread, then by finish)
  // Ahead: stopped by finish() (or the destructor), bounded in units and in pictures held.
  std::atomic<bool> stop_ahead{false};
  std::atomic<std::size_t> held_items{0};
  std::optional<std::chrono::steady_clock::time_point> ahead_stopped;
  std::thread ahead;

  static constexpr std::size_t kNoJob = ~std::size_t{0};
  // Windows carved ahead of the walk at most (32 MiB each by default), and pictures kept: what
  // is carved ahead waits in memory, unstored, until the walk ends.
  static constexpr std::size_t kAheadUnits = 64;
  static constexpr std::size_t kAheadItems = 4096;

  explicit State(CarveInputs i)
      : in(std::move(i)), workers([this] {
          CarveWorker w;
          evidence::OpenOptions o;
          o.unrecognised_as_unallocated = true;
          auto e = evidence::open_evidence(in.path, o);
          if (e) {
            w.evidence = std::move(*e);
          } else {
            w.open_error = e.error().message;
          }
          return w;
        }) {}

  // Takes the next unit for a pipeline's input filter (the job's time limit decided here).
  Unit* take(std::size_t end) {
    if (next >= end) return nullptr;
    Unit* u = &units[next++];
    if (u->done) return u;
    const auto& s = in.settings->carving;
    auto& job = *jobs[u->job];
    const auto now = std::chrono::steady_clock::now();
    if (!job.started_set) {
      job.started = now;
      job.started_set = true;
    }
    if (s.max_seconds > 0 &&
        std::chrono::duration<double>(now - job.started).count() > s.max_seconds)
      u->skipped = true;
    return u;
  }

  // Carves a unit's windows (any worker).
  void carve(Unit* u) {
    if (u->skipped || u->done) return;
    const std::size_t order = static_cast<std::size_t>(u - units.data());
    const ActivityScope busy(in.watch, Activity::kCarve, in.watch_evidence, order);
    const auto& s = in.settings->carving;
    auto& w = workers.local();
    u->found.resize(u->windows.size());
    for (std::size_t k = 0; k < u->windows.size(); ++k) {
      auto& win = u->windows[k];
      auto& region = regions[win.region];
      try {
        if (region.entry != nullptr) {
          // Slack: placed here, by this worker's handle.
          if (w.open_error) break;
          auto loc = w.evidence->slack_location(*region.entry);
          if (!loc || loc->ranges.empty()) continue;
          std::uint64_t total = 0;
          for (const auto& b : loc->ranges) total += b.length;
          if (total > s.max_slack)
            u->warnings.push_back({region.parent.str(), "limit",
                                   fmt::format("carve: limit max-slack={} reached: {} bytes of "
                                               "slack, the first {} carved",
                                               s.max_slack, total, s.max_slack)});
          for (const auto& b : loc->ranges) region.add(b);
          // Never more than the memory budget holds (carve_window).
          region.length = std::min({region.length, s.max_slack, in.budget->capacity()});
          win.search_len = region.length;
          win.read_len = region.length;
        }
        if (win.read_len == 0) continue;
        u->bytes += win.search_len;
        carve_window(in, w, region, win, order, u->found[k], u->warnings);
      } catch (const std::exception& ex) {
        u->warnings.push_back({region.parent.str(), "internal",
                               fmt::format("carve {}: {}", region.layer, ex.what())});
      }
    }
    for (const auto& f : u->found) held_items += f.size();
  }

  void carve_ahead();
  void plan_space();
  void plan_slack(const std::vector<evidence::Entry>& entries);
  void add_units(std::size_t first_region);
};

// The unallocated and unpartitioned space, volume by volume, in volume order.
void CarveRun::State::plan_space() {
  const auto& s = in.settings->carving;
  const std::uint64_t media = ev->info().size;
  job_of_volume.assign(ev->volumes().size(), kNoJob);
  for (const auto& v : ev->volumes()) {
    auto job = std::make_unique<Job>();
    job->provenance = v.provenance;
    job->volume = v.index;
    job->fs_type = v.fs_type;
    const std::size_t j = jobs.size();
    if (v.kind == evidence::VolumeKind::kFileSystem) {
      auto runs = ev->unallocated_runs(v.index, static_cast<std::size_t>(s.max_runs));
      if (!runs) {
        list_warnings.push_back(
            {v.provenance.str(), "carve", "unallocated space not listed: " + runs.error().message});
      } else {
        if (runs->truncated)
          list_warnings.push_back(
              {v.provenance.str(), "limit",
               fmt::format("carve: limit max-runs={} reached: unallocated space after {} runs "
                           "({} bytes) is not carved",
                           s.max_runs, runs->ranges.size(), runs->bytes)});
        Region r = region_of("unalloc", v.provenance, v.index, v.fs_type, j);
        for (const auto& b : runs->ranges) r.add(b);
        if (r.length > 0) regions.push_back(std::move(r));
      }
    } else if (v.kind == evidence::VolumeKind::kUnallocated ||
               v.kind == evidence::VolumeKind::kUnreadable) {
      // Disk space no partition covers (or holds a file system we could open): carved whole.
      if (v.offset >= media) continue;
      Region r =
          region_of(v.kind == evidence::VolumeKind::kUnallocated ? "unpartitioned" : "unreadable",
                    v.provenance, v.index, {}, j);
      r.add({v.offset, std::min(v.length, media - v.offset)});
      if (r.length > 0) regions.push_back(std::move(r));
    } else {
      continue;
    }
    if (static_cast<std::size_t>(v.index) < job_of_volume.size())
      job_of_volume[static_cast<std::size_t>(v.index)] = j;
    jobs.push_back(std::move(job));
  }

  // Each worker's window (search + look-ahead) fits its share of the memory budget, so that the
  // workers carve side by side within --max-memory; a smaller window finds the same pictures
  // (a picture cut by a window's end is carved again whole, carve_window). The look-ahead (how
  // far a JPEG's continuation is searched) is kept, unless the whole budget cannot hold it.
  const std::uint64_t share =
      in.budget->capacity() / static_cast<std::uint64_t>(std::max(in.threads, 1));
  window = std::max<std::uint64_t>(s.window, 1 << 16);
  look_ahead = s.look_ahead;
  if (window + look_ahead > share)
    window = std::max<std::uint64_t>(share > look_ahead ? share - look_ahead : 0, 1 << 16);
  if (window + look_ahead > in.budget->capacity()) {
    look_ahead = in.budget->capacity() > window ? in.budget->capacity() - window : 0;
    list_warnings.push_back(
        {jobs.empty() ? std::string() : jobs.front()->provenance.str(), "limit",
         fmt::format("carve: look-ahead cut from {} to {} bytes by the memory budget ({} bytes): "
                     "a JPEG's continuation is searched that far only",
                     s.look_ahead, look_ahead, in.budget->capacity())});
  }
  add_units(0);
}

// The slack of every allocated file, volume by volume (after all of the space above).
void CarveRun::State::plan_slack(const std::vector<evidence::Entry>& entries) {
  const auto& s = in.settings->carving;
  const std::size_t first = regions.size();
  if (s.slack) {
    for (const auto& v : ev->volumes()) {
      if (v.kind != evidence::VolumeKind::kFileSystem) continue;
      const std::size_t j = static_cast<std::size_t>(v.index) < job_of_volume.size()
                                ? job_of_volume[static_cast<std::size_t>(v.index)]
                                : kNoJob;
      if (j == kNoJob) continue;
      for (const auto& e : entries) {
        if (e.volume != v.index || !e.has_meta || !e.is_regular() || !e.meta_allocated ||
            e.deleted || e.fs_metadata || e.size == 0)
          continue;
        Region r = region_of("slack", e.provenance, v.index, v.fs_type, j);
        r.entry = &e;
        regions.push_back(std::move(r));  // placed by the worker that carves it
      }
    }
  }
  slack_from = units.size();
  add_units(first);
}

// Units of work for regions [first_region, end): windows of the large regions; slack regions
// batched (their size is known only once placed, and is at most max_slack each).
void CarveRun::State::add_units(std::size_t first_region) {
  const auto& s = in.settings->carving;
  constexpr std::size_t kSlackBatch = 256;
  for (std::size_t i = first_region; i < regions.size(); ++i) {
    const auto& r = regions[i];
    if (r.entry != nullptr) {
      if (units.size() == slack_from || units.back().job != r.job ||
          units.back().windows.size() >= kSlackBatch) {
        units.emplace_back();
        units.back().job = r.job;
      }
      units.back().windows.push_back({i, 0, s.max_slack, s.max_slack});
      continue;
    }
    for (std::uint64_t at = 0; at < r.length; at += window) {
      Unit u;
      u.job = r.job;
      const std::uint64_t search = std::min(window, r.length - at);
      u.windows.push_back({i, at, search, std::min(window + look_ahead, r.length - at)});
      units.push_back(std::move(u));
    }
  }
}

// On the ahead thread: carves windows in order until finish() stops it, kAheadUnits or
// kAheadItems are reached, or the space is done. Nothing is stored here.
void CarveRun::State::carve_ahead() {
  const std::size_t end = std::min(units.size(), kAheadUnits);
  tbb::task_arena arena(in.threads);
  // The filters run on TBB's workers in an order ThreadSanitizer cannot see (hand_offs.hpp).
  HandOffs hand;
  arena.execute([&] {
    const tbb::filter<void, void> filters =
        tbb::make_filter<void, Unit*>(
            tbb::filter_mode::serial_in_order, hand.serial([&](tbb::flow_control& fc) -> Unit* {
              Unit* u = nullptr;
              if (!stop_ahead.load() && !stop_requested() && held_items.load() < kAheadItems)
                u = take(end);
              if (u == nullptr) fc.stop();
              return u;
            })) &
        tbb::make_filter<Unit*, void>(tbb::filter_mode::parallel, hand.parallel([&](Unit* u) {
          carve(u);
          u->done = true;
        }));
    hand.launch();
    tbb::parallel_pipeline(static_cast<std::size_t>(in.threads) * 2, filters);
  });
  hand.joined();
  ahead_stopped = std::chrono::steady_clock::now();
}

// Under ThreadSanitizer the space is carved after the walk, as slack is: the pipelines of two
// threads (the carving thread's and the scan's) hand memory to each other through oneTBB's
// allocator and start each other's workers inside libtbb, orderings that ThreadSanitizer cannot
// see and hand_offs.hpp cannot state (the write it reports against has lost its stack, so no
// suppression can name it). The release and ASan builds carve ahead; the tsan stage checks the
// rest of the scan.
#ifdef VIGIL_TSAN_ANNOTATIONS
constexpr bool kCarveAhead = false;
#else
constexpr bool kCarveAhead = true;
#endif

CarveRun::CarveRun(CarveInputs in) {
  const auto& s = in.settings->carving;
  if (!s.enabled) return;
  evidence::OpenOptions o;
  o.unrecognised_as_unallocated = true;
  auto ev = evidence::open_evidence(in.path, o);
  // The scan opened this evidence already; one that no longer opens is the scan's error then.
  if (!ev) return;
  if ((*ev)->info().format == evidence::ImageFormat::kFolder || (*ev)->info().size == 0) return;
  state_ = std::make_unique<State>(std::move(in));
  state_->ev = std::move(*ev);
  state_->plan_space();
  if (!state_->units.empty() && kCarveAhead)
    state_->ahead = std::thread([st = state_.get()] { st->carve_ahead(); });
}

CarveRun::~CarveRun() { stop_ahead(); }

void CarveRun::stop_ahead() {
  if (state_ == nullptr || !state_->ahead.joinable()) return;
  state_->stop_ahead = true;
  state_->ahead.join();
}

namespace {

// A deleted file listed from its surviving entry has its bytes in unallocated clusters, so
// carving finds it again. The carve that starts at the entry's first content byte with the same
// length and the same content (its SHA-256) is that file: not a second item (the examiner would
// see one picture twice). A carve that differs in any way (longer, shorter, other bytes, two
// fragments) is kept. The file's bytes are read and hashed, not its stored digests compared: a
// plan's carve unit has no entries in its store, and must decide as a scan does.
class DeletedFiles {
 public:
  DeletedFiles(evidence::Evidence& ev, const std::vector<evidence::Entry>& entries) : ev_(ev) {
    for (const auto& e : entries) {
      if (!e.deleted || !e.has_meta || !e.is_regular() || e.fs_metadata || e.size == 0) continue;
      auto where = ev.content_location(e);
      if (!where || where->ranges.empty()) continue;
      by_start_[where->ranges.front().offset].push_back(&e);
    }
  }

  [[nodiscard]] bool content_of_one(const CarvedItem& item) const {
    const auto& r = item.task.record;
    if (item.runs.size() != 1 || r.status != "ok" || r.sha256.empty()) return false;
    const auto it = by_start_.find(item.runs.front().offset);
    if (it == by_start_.end()) return false;
    for (const auto* e : it->second) {
      if (e->size != r.size) continue;
      auto reader = ev_.open_reader(*e);
      if (!reader) continue;
      std::vector<std::uint8_t> file(static_cast<std::size_t>(r.size));
      std::size_t got = 0;
      while (got < file.size()) {
        auto n = (*reader)->read(got, std::span<std::uint8_t>(file).subspan(got));
        if (!n || *n == 0) break;
        got += *n;
      }
      if (got != file.size()) continue;
      if (digest::digest_buffer(file, true).hex(digest::Algorithm::kSha256) == r.sha256)
        return true;
    }
    return false;
  }

 private:
  evidence::Evidence& ev_;
  std::unordered_map<std::uint64_t, std::vector<const evidence::Entry*>> by_start_;
};

}  // namespace

Result<void> CarveRun::finish(const std::vector<evidence::Entry>& entries,
                              case_store::CaseStore& store, ScanStats& stats) {
  if (state_ == nullptr) return {};
  auto& st = *state_;
  const auto& s = st.in.settings->carving;
  stop_ahead();
  // The walk's time is not carving's: each volume's clock goes on from where the ahead thread
  // left it.
  const auto now = std::chrono::steady_clock::now();
  for (auto& job : st.jobs)
    if (job->started_set && st.ahead_stopped) job->started += now - *st.ahead_stopped;
  st.plan_slack(entries);
  st.next = 0;  // from the first unit: those carved ahead are stored, in order, with the rest

  auto recorded = store.recorded_items(st.in.evidence_id);
  if (!recorded) return recorded.error();
  const DeletedFiles deleted(*st.ev, entries);

  if (auto r = store.begin_batch(); !r) return r.error();
  for (const auto& w : st.list_warnings) {
    if (auto r = store.add_warning(w); !r) return r.error();
  }
  stats.warnings += st.list_warnings.size();
  if (auto r = store.commit_batch(); !r) return r.error();

  std::optional<Error> store_error;
  std::atomic<bool> store_failed{false};
  std::vector<std::uint64_t> last_end(st.regions.size(), 0);
  std::vector<bool> any(st.regions.size(), false);
  std::size_t in_batch = 0;
  bool batch_open = false;
  auto batch_started = std::chrono::steady_clock::now();
  const auto fail = [&](const Error& e) {
    store_error = e;
    store_failed = true;
  };

  tbb::task_arena arena(st.in.threads);
  // The filters run on TBB's workers in an order ThreadSanitizer cannot see (hand_offs.hpp).
  HandOffs hand;
  arena.execute([&] {
    // Built before the launch: the workers read the filter bodies.
    const tbb::filter<void, void> filters =
        tbb::make_filter<void, Unit*>(tbb::filter_mode::serial_in_order,
                                      hand.serial([&](tbb::flow_control& fc) -> Unit* {
                                        Unit* u = nullptr;
                                        if (!store_failed.load() && !stop_requested())
                                          u = st.take(st.units.size());
                                        if (u == nullptr) fc.stop();
                                        return u;
                                      })) &
        tbb::make_filter<Unit*, Unit*>(tbb::filter_mode::parallel, hand.parallel([&](Unit* u) {
          st.carve(u);
          return u;
        })) &
        tbb::make_filter<Unit*, void>(tbb::filter_mode::serial_in_order, hand.serial([&](Unit* u) {
          if (store_error) return;
          auto& job = *st.jobs[u->job];
          if (!batch_open) {
            if (auto r = store.begin_batch(); !r) return fail(r.error());
            batch_open = true;
            batch_started = std::chrono::steady_clock::now();
          }
          const auto warn = [&](const case_store::WarningRecord& w) {
            if (auto r = store.add_warning(w); !r) return fail(r.error()), false;
            ++stats.warnings;
            return true;
          };
          if (u->skipped) {
            if (!job.timed_out.exchange(true) &&
                !warn({job.provenance.str(), "limit",
                       fmt::format("carve: limit max-carve-seconds={} reached: the rest of the "
                                   "volume's unallocated space and slack is not carved",
                                   s.max_seconds)}))
              return;
            u->found.clear();
            u->warnings.clear();
            return;
          }
          for (const auto& w : u->warnings)
            if (!warn(w)) return;
          stats.carve_bytes += u->bytes;
          for (std::size_t k = 0; k < u->found.size(); ++k) {
            const std::size_t ri = u->windows[k].region;
            for (auto& item : u->found[k]) {
              // Inside the picture carved before it in the same stream (a window cannot
              // know what the one before it carved): the same picture, or a part of it.
              if (any[ri] && item.start < last_end[ri]) continue;
              if (deleted.content_of_one(item)) {
                // A listed deleted file found again: counted (the run's summary), not stored
                // twice; the pictures inside it are not carved either, as for a stored carve.
                any[ri] = true;
                last_end[ri] = item.end;
                ++stats.carved_deleted_content;
                continue;
              }
              if (job.item_limit) continue;
              if (job.items >= s.max_items) {
                job.item_limit = true;
                if (!warn({job.provenance.str(), "limit",
                           fmt::format("carve: limit max-carve-items={} reached: pictures "
                                       "from {} on are not carved",
                                       s.max_items, item.task.record.provenance)}))
                  return;
                continue;
              }
              any[ri] = true;
              last_end[ri] = item.end;
              ++job.items;
              if (recorded->count(item.task.record.provenance) != 0) {
                ++stats.items_resumed;
                continue;
              }
              if (auto r = store_task(store, item.task, stats); !r) return fail(r.error());
              ++stats.carved;
              in_batch += 1 + item.task.children.size();
            }
          }
          u->found.clear();
          u->warnings.clear();
          if (in_batch >= 2000 ||
              std::chrono::steady_clock::now() - batch_started > std::chrono::milliseconds(500)) {
            if (auto r = store.commit_batch(); !r) return fail(r.error());
            batch_open = false;
            in_batch = 0;
          }
        }));
    hand.launch();
    tbb::parallel_pipeline(static_cast<std::size_t>(st.in.threads) * 2, filters);
  });
  hand.joined();
  if (store_error) return *store_error;
  if (batch_open) {
    if (auto r = store.commit_batch(); !r) return r.error();
  }
  return {};
}

}  // namespace detail
}  // namespace vigil::pipeline
