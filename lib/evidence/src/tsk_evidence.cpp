// Disk images through The Sleuth Kit (image layer: raw, split raw, EWF, AFF, VMDK, VHD; volume
// systems; file systems; APFS pools). Every TSK call is wrapped here and turned into an Error.
#include <fcntl.h>
#include <sys/stat.h>
#include <tsk/libtsk.h>
#include <unistd.h>
// After libtsk.h, which it needs: NTFS_INFO (the place of $MFT, for resident data).
#include <tsk/fs/tsk_ntfs.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "evidence_internal.hpp"

namespace vigil::evidence {
namespace {

std::string tsk_error_text() {
  const char* e = tsk_error_get();
  std::string s = e != nullptr ? e : "unknown TSK error";
  tsk_error_reset();
  // TSK's messages span lines; keep one line.
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

const char* fs_type_name(TSK_FS_TYPE_ENUM t) {
  const char* n = tsk_fs_type_toname(t);
  return n != nullptr ? n : "unknown";
}

const char* vs_scheme_name(TSK_VS_TYPE_ENUM t) {
  switch (t) {
    case TSK_VS_TYPE_DOS:
      return "mbr";
    case TSK_VS_TYPE_GPT:
      return "gpt";
    case TSK_VS_TYPE_BSD:
      return "bsd";
    case TSK_VS_TYPE_MAC:
      return "apm";
    case TSK_VS_TYPE_SUN:
      return "sun";
    default:
      return "other";
  }
}

// Timestamp precision per file system and time (seconds and nanoseconds are what TSK keeps).
std::uint64_t precision_for(TSK_FS_TYPE_ENUM t, char which) {
  constexpr std::uint64_t kSecond = 1'000'000'000ULL;
  if (TSK_FS_TYPE_ISNTFS(t)) return 100;
  if (t == TSK_FS_TYPE_EXFAT) return which == 'a' ? 2 * kSecond : 10'000'000ULL;
  if (TSK_FS_TYPE_ISFAT(t)) {
    // FAT: modification 2 s, creation 10 ms, last access a date only.
    if (which == 'b') return 10'000'000ULL;
    if (which == 'a') return 86'400 * kSecond;
    return 2 * kSecond;
  }
  if (t == TSK_FS_TYPE_EXT4) return 1;
  return kSecond;
}

std::optional<Timestamp> make_time(time_t s, std::int64_t ns, std::uint64_t precision) {
  if (s == 0 && ns == 0) return std::nullopt;
  return Timestamp{static_cast<std::int64_t>(s), static_cast<std::uint32_t>(ns), precision};
}

char name_type_char(TSK_FS_NAME_TYPE_ENUM t) {
  if (t < TSK_FS_NAME_TYPE_STR_MAX) return tsk_fs_name_type_str[t][0];
  return '-';
}

// Adds the media ranges that hold bytes [from, from + len) of a non-resident stream, walking its
// runs (addresses in file-system blocks from the file system's start at `base`).
void map_stream_bytes(const TSK_FS_ATTR* a, std::uint64_t from, std::uint64_t len,
                      std::uint64_t block_size, std::uint64_t base, ContentLocation& loc) {
  const std::uint64_t to = from + len;
  for (const TSK_FS_ATTR_RUN* run = a->nrd.run; run != nullptr; run = run->next) {
    const std::uint64_t run_from = static_cast<std::uint64_t>(run->offset) * block_size;
    const std::uint64_t run_to = run_from + static_cast<std::uint64_t>(run->len) * block_size;
    const std::uint64_t lo = std::max(from, run_from);
    const std::uint64_t hi = std::min(to, run_to);
    if (lo >= hi) continue;
    if ((run->flags & TSK_FS_ATTR_RUN_FLAG_SPARSE) != 0) continue;  // zeros, nothing on disk
    if ((run->flags & TSK_FS_ATTR_RUN_FLAG_FILLER) != 0) {
      loc.complete = false;  // TSK never found where this part lies
      continue;
    }
    loc.ranges.push_back(
        {base + static_cast<std::uint64_t>(run->addr) * block_size + (lo - run_from), hi - lo});
  }
}

// TSK hides some failed image reads. tsk_img_read (4.11, tsk/img/img_io.c), asked for a length
// that is not a whole number of sectors (the end of a file), reads a rounded-up length into a
// zeroed bounce buffer and, when that read fails or finds the end of the image, copies the
// buffer and reports the whole length read: an unreadable range would become an "ok" item whose
// digests are those of zeros. So the read function of every image vigil opens is wrapped to count
// the reads that failed or found nothing; a content read during which the count grew is an error.
struct ImageReadGuard {
  ssize_t (*read)(TSK_IMG_INFO*, TSK_OFF_T, char*, size_t) = nullptr;
  std::uint64_t failures = 0;
};
std::mutex g_read_guards_mutex;
std::unordered_map<const TSK_IMG_INFO*, ImageReadGuard> g_read_guards;

std::atomic<void (*)()> g_read_observer{nullptr};

ssize_t counted_image_read(TSK_IMG_INFO* img, TSK_OFF_T off, char* buf, size_t len) {
  ssize_t (*read)(TSK_IMG_INFO*, TSK_OFF_T, char*, size_t) = nullptr;
  {
    const std::lock_guard lock(g_read_guards_mutex);
    read = g_read_guards.at(img).read;
  }
  const ssize_t got = read(img, off, buf, len);
  if (auto* observe = g_read_observer.load(std::memory_order_relaxed)) observe();
  if (len > 0 && got <= 0) {
    const std::lock_guard lock(g_read_guards_mutex);
    ++g_read_guards.at(img).failures;
  }
  return got;
}

void guard_image_reads(TSK_IMG_INFO* img) {
  const std::lock_guard lock(g_read_guards_mutex);
  g_read_guards[img] = ImageReadGuard{img->read, 0};
  img->read = counted_image_read;
}

void unguard_image_reads(const TSK_IMG_INFO* img) {
  const std::lock_guard lock(g_read_guards_mutex);
  g_read_guards.erase(img);
}

std::uint64_t image_read_failures(const TSK_IMG_INFO* img) {
  const std::lock_guard lock(g_read_guards_mutex);
  const auto it = g_read_guards.find(img);
  return it == g_read_guards.end() ? 0 : it->second.failures;
}

class TskReader final : public EntryReader {
 public:
  TskReader(TSK_FS_FILE* file, const Entry& e) : file_(file), entry_(e) {
    // The attribute read, for its initialised size (below). TSK keeps it with the file.
    attr_ = e.has_attr ? tsk_fs_file_attr_get_type(
                             file, static_cast<TSK_FS_ATTR_TYPE_ENUM>(e.attr_type), e.attr_id, 1)
                       : tsk_fs_file_attr_get(file);
    tsk_error_reset();
  }
  ~TskReader() override { tsk_fs_file_close(file_); }
  TskReader(const TskReader&) = delete;
  TskReader& operator=(const TskReader&) = delete;

  Result<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> buf) override {
    if (offset >= entry_.size || buf.empty()) return std::size_t{0};
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), entry_.size - offset));
    TSK_IMG_INFO* img = file_->fs_info != nullptr ? file_->fs_info->img_info : nullptr;
    const std::uint64_t failures_before = image_read_failures(img);
    ssize_t got = 0;
    auto* out = reinterpret_cast<char*>(buf.data());
    if (entry_.has_attr) {
      got = tsk_fs_file_read_type(file_, static_cast<TSK_FS_ATTR_TYPE_ENUM>(entry_.attr_type),
                                  entry_.attr_id, static_cast<TSK_OFF_T>(offset), out, want,
                                  TSK_FS_FILE_READ_FLAG_NONE);
    } else {
      got = tsk_fs_file_read(file_, static_cast<TSK_OFF_T>(offset), out, want,
                             TSK_FS_FILE_READ_FLAG_NONE);
    }
    if (got < 0) {
      return make_error(ErrorCode::kIo,
                        "read failed at offset " + std::to_string(offset) + ": " + tsk_error_text(),
                        entry_.provenance.str());
    }
    if (image_read_failures(img) != failures_before) {
      tsk_error_reset();
      return make_error(ErrorCode::kIo,
                        "read failed at offset " + std::to_string(offset) +
                            ": the evidence could not be read in this range (TSK returned "
                            "zeros in place of the unreadable bytes)",
                        entry_.provenance.str());
    }
    if (got == 0 && beyond_initialised(offset)) {
      // A non-resident stream reads as zeros from its initialised size ("valid data size" in
      // the NTFS attribute header; see libfsntfs's "New Technologies File System (NTFS)"
      // format description, github.com/libyal/libfsntfs) up to its data size. TSK fills those
      // zeros itself inside a mapped run but returns nothing when no run maps the offset: the
      // case of NTFS $BadClus:$Bad, a stream as long as the volume, initialised size 0, whose
      // run list is empty on a volume without bad clusters. Its content is zeros, not an error.
      std::fill_n(buf.begin(), want, std::uint8_t{0});
      return want;
    }
    return static_cast<std::size_t>(got);
  }
  [[nodiscard]] std::uint64_t size() const override { return entry_.size; }

 private:
  [[nodiscard]] bool beyond_initialised(std::uint64_t offset) const {
    if (attr_ == nullptr || (attr_->flags & TSK_FS_ATTR_NONRES) == 0) return false;
    if (attr_->nrd.initsize < 0 || attr_->size < 0) return false;
    const auto init = static_cast<std::uint64_t>(attr_->nrd.initsize);
    return offset >= init && init <= static_cast<std::uint64_t>(attr_->size) &&
           entry_.size == static_cast<std::uint64_t>(attr_->size);
  }

  TSK_FS_FILE* file_;
  Entry entry_;
  const TSK_FS_ATTR* attr_ = nullptr;
};

class TskEvidence final : public Evidence {
 public:
  ~TskEvidence() override {
    for (auto* fs : fs_)
      if (fs != nullptr) tsk_fs_close(fs);
    for (const auto* pool : pools_) tsk_pool_close(pool);
    for (auto* img : pool_imgs_) tsk_img_close(img);
    if (vs_ != nullptr) tsk_vs_close(vs_);
    if (img_ != nullptr) {
      unguard_image_reads(img_);
      tsk_img_close(img_);
    }
  }

  static Result<std::unique_ptr<Evidence>> open(EvidenceInfo info, TSK_IMG_TYPE_ENUM type,
                                                const OpenOptions& options) {
    auto ev = std::unique_ptr<TskEvidence>(new TskEvidence());
    ev->info_ = std::move(info);
    ev->options_ = options;
    std::vector<const char*> names;
    for (const auto& s : ev->info_.segments) names.push_back(s.c_str());
    // EWF: TSK globs the other segments itself when given the first one.
    const int n = type == TSK_IMG_TYPE_EWF_EWF ? 1 : static_cast<int>(names.size());
    ev->img_ = tsk_img_open_utf8(n, names.data(), type, 0);
    if (ev->img_ == nullptr) {
      return make_error(ErrorCode::kCorrupt, "cannot open " + ev->info_.path + " as " +
                                                 image_format_name(ev->info_.format) +
                                                 " image: " + tsk_error_text());
    }
    guard_image_reads(ev->img_);
    ev->info_.size = static_cast<std::uint64_t>(ev->img_->size);
    if (ev->info_.format == ImageFormat::kRaw || ev->info_.format == ImageFormat::kSplitRaw)
      ev->raw_ = RawSegments::open(ev->info_.segments, ev->info_.size);
    ev->info_.sector_size = ev->img_->sector_size;
    if (auto r = ev->load_volumes(); !r) return r.error();
    return std::unique_ptr<Evidence>(std::move(ev));
  }

  [[nodiscard]] const EvidenceInfo& info() const override { return info_; }
  [[nodiscard]] const std::vector<Volume>& volumes() const override { return volumes_; }
  [[nodiscard]] const std::vector<Warning>& open_warnings() const override { return warnings_; }
  [[nodiscard]] StoredHashes stored_hashes() const override {
    if (info_.format != ImageFormat::kEwf) return {};
    return read_ewf_stored_hashes(info_.segments);
  }

  Result<std::size_t> read_media(std::uint64_t offset, std::span<std::uint8_t> buf) override {
    if (offset >= info_.size) return std::size_t{0};
    const std::uint64_t failures_before = image_read_failures(img_);
    const ssize_t got = tsk_img_read(img_, static_cast<TSK_OFF_T>(offset),
                                     reinterpret_cast<char*>(buf.data()), buf.size());
    if (got < 0 || image_read_failures(img_) != failures_before) {
      return make_error(
          ErrorCode::kIo,
          "media read failed at offset " + std::to_string(offset) + ": " + tsk_error_text(),
          info_.name);
    }
    return static_cast<std::size_t>(got);
  }

  std::optional<MappedBytes> map_media(std::uint64_t offset, std::uint64_t length) override {
    if (raw_ == nullptr) return std::nullopt;
    return raw_->map(offset, length);
  }

  Result<void> walk(int volume, const EntryCallback& on_entry,
                    const WarningCallback& on_warning) override {
    if (volume < 0 || static_cast<std::size_t>(volume) >= volumes_.size() ||
        fs_[static_cast<std::size_t>(volume)] == nullptr) {
      return make_error(ErrorCode::kInvalidArgument,
                        "volume " + std::to_string(volume) + " holds no open file system");
    }
    TSK_FS_INFO* fs = fs_[static_cast<std::size_t>(volume)];
    WalkState st{this,        &volumes_[static_cast<std::size_t>(volume)],
                 fs,          &on_entry,
                 &on_warning, false,
                 {},          {},
                 {}};
    const auto flags = static_cast<TSK_FS_DIR_WALK_FLAG_ENUM>(
        TSK_FS_DIR_WALK_FLAG_ALLOC | TSK_FS_DIR_WALK_FLAG_UNALLOC | TSK_FS_DIR_WALK_FLAG_RECURSE);
    tsk_error_reset();
    const uint8_t rc = tsk_fs_dir_walk(fs, fs->root_inum, flags, &TskEvidence::walk_cb, &st);
    if (rc != 0 && !st.stopped) {
      // TSK stops the whole walk on some errors; what was listed stays listed, and the cause is
      // a warning on the volume rather than a fatal error for the evidence.
      on_warning(Warning{"file-system walk ended early: " + tsk_error_text(), st.vol->provenance});
    } else if (tsk_error_get_errno() != 0) {
      // A part of the walk failed and TSK went on without it, reporting success: a failed
      // allocation (tsk_malloc under the worker's memory limit) in the search for orphan files,
      // whose result is then missing. The error is left in TSK's error state; the volume's
      // listing may be incomplete, and the warning says so.
      const bool memory = tsk_error_get_errno() == TSK_ERR_AUX_MALLOC;
      on_warning(
          Warning{std::string("file-system walk incomplete: ") +
                      (memory ? "TSK could not allocate memory" : "TSK recorded an error") +
                      " and went on without that part (such as the search for orphan files), so "
                      "entries of this volume may be missing from the listing: " +
                      tsk_error_text(),
                  st.vol->provenance});
    }
    tsk_error_reset();
    return {};
  }

  Result<ContentLocation> content_location(const Entry& entry) override {
    const auto vol = static_cast<std::size_t>(entry.volume);
    if (entry.volume < 0 || vol >= fs_.size() || fs_[vol] == nullptr) {
      return make_error(ErrorCode::kInvalidArgument, "entry's volume holds no file system",
                        entry.provenance.str());
    }
    TSK_FS_INFO* fs = fs_[vol];
    std::unique_ptr<TSK_FS_FILE, decltype(&tsk_fs_file_close)> file(
        tsk_fs_file_open_meta(fs, nullptr, entry.inode), &tsk_fs_file_close);
    if (!file) {
      return make_error(ErrorCode::kCorrupt, "cannot open metadata: " + tsk_error_text(),
                        entry.provenance.str());
    }
    const TSK_FS_ATTR* a =
        entry.has_attr
            ? tsk_fs_file_attr_get_type(
                  file.get(), static_cast<TSK_FS_ATTR_TYPE_ENUM>(entry.attr_type), entry.attr_id, 1)
            : tsk_fs_file_attr_get(file.get());
    ContentLocation loc;
    if (a == nullptr) {
      tsk_error_reset();
      loc.complete = entry.size == 0;
      return loc;
    }
    const std::uint64_t base = media_base_[vol] + static_cast<std::uint64_t>(fs->offset);
    const std::uint64_t bs = fs->block_size;
    if ((a->flags & TSK_FS_ATTR_NONRES) != 0) {
      // A compressed stream's runs hold compression units, not file bytes one for one: take
      // every run. Otherwise only the runs under the stream's size hold its content (the rest is
      // slack).
      const bool compressed = (a->flags & TSK_FS_ATTR_COMP) != 0;
      const auto size = static_cast<std::uint64_t>(a->size);
      map_stream_bytes(a, 0, compressed ? UINT64_MAX / 2 : size, bs, base, loc);
    } else if ((a->flags & TSK_FS_ATTR_RES) != 0 && TSK_FS_TYPE_ISNTFS(fs->ftype)) {
      // NTFS resident data lives in the file's MFT record: record number x record size, placed
      // through the runs of $MFT's own $DATA.
      const auto* ntfs = reinterpret_cast<const NTFS_INFO*>(fs);
      if (ntfs->mft_data == nullptr || (ntfs->mft_data->flags & TSK_FS_ATTR_NONRES) == 0) {
        loc.complete = false;
      } else {
        map_stream_bytes(ntfs->mft_data, entry.inode * ntfs->mft_rsize_b, ntfs->mft_rsize_b, bs,
                         base, loc);
      }
    } else {
      loc.complete = false;  // data inside metadata of another file system (ext4 inline data)
    }
    return loc;
  }

  Result<UnallocatedRuns> unallocated_runs(int volume, std::size_t max_runs) override {
    const auto vol = static_cast<std::size_t>(volume);
    if (volume < 0 || vol >= fs_.size() || fs_[vol] == nullptr) {
      return make_error(ErrorCode::kInvalidArgument,
                        "volume " + std::to_string(volume) + " holds no open file system");
    }
    TSK_FS_INFO* fs = fs_[vol];
    struct State {
      UnallocatedRuns* out;
      std::uint64_t base;
      std::uint64_t bs;
      std::uint64_t limit;  // the media's end: never a range past it
      std::size_t max_runs;
    };
    UnallocatedRuns out;
    State st{&out, media_base_[vol] + static_cast<std::uint64_t>(fs->offset), fs->block_size,
             info_.size, max_runs};
    if (st.bs == 0) return out;
    // Addresses only (AONLY): the walk never reads the blocks, so listing the free space of a
    // large volume costs one callback per block and no I/O beyond the allocation bitmaps.
    const auto flags = static_cast<TSK_FS_BLOCK_WALK_FLAG_ENUM>(TSK_FS_BLOCK_WALK_FLAG_UNALLOC |
                                                                TSK_FS_BLOCK_WALK_FLAG_AONLY);
    // last_block_act: the last block the image holds (a truncated image ends before the file
    // system says it does).
    const TSK_DADDR_T last = std::min(fs->last_block, fs->last_block_act);
    const auto cb = [](const TSK_FS_BLOCK* b, void* ptr) -> TSK_WALK_RET_ENUM {
      auto& s = *static_cast<State*>(ptr);
      const std::uint64_t off = s.base + static_cast<std::uint64_t>(b->addr) * s.bs;
      if (off >= s.limit) return TSK_WALK_CONT;
      const std::uint64_t len = std::min(s.bs, s.limit - off);
      auto& r = s.out->ranges;
      if (!r.empty() && r.back().offset + r.back().length == off) {
        r.back().length += len;
      } else {
        if (r.size() >= s.max_runs) {
          s.out->truncated = true;
          return TSK_WALK_STOP;
        }
        r.push_back({off, len});
      }
      s.out->bytes += len;
      return TSK_WALK_CONT;
    };
    if (last >= fs->first_block &&
        tsk_fs_block_walk(fs, fs->first_block, last, flags, cb, &st) != 0) {
      const std::string why = tsk_error_text();
      if (out.ranges.empty())
        return make_error(ErrorCode::kCorrupt, "block walk failed: " + why,
                          volumes_[vol].provenance.str());
      out.truncated = true;  // what was listed stays listed
    }
    tsk_error_reset();
    return out;
  }

  Result<ContentLocation> slack_location(const Entry& entry) override {
    const auto vol = static_cast<std::size_t>(entry.volume);
    if (entry.volume < 0 || vol >= fs_.size() || fs_[vol] == nullptr) {
      return make_error(ErrorCode::kInvalidArgument, "entry's volume holds no file system",
                        entry.provenance.str());
    }
    TSK_FS_INFO* fs = fs_[vol];
    std::unique_ptr<TSK_FS_FILE, decltype(&tsk_fs_file_close)> file(
        tsk_fs_file_open_meta(fs, nullptr, entry.inode), &tsk_fs_file_close);
    if (!file) {
      return make_error(ErrorCode::kCorrupt, "cannot open metadata: " + tsk_error_text(),
                        entry.provenance.str());
    }
    const TSK_FS_ATTR* a = attr_of(file.get(), entry);
    ContentLocation loc;
    // Resident data has no clusters; a compressed stream's runs hold compression units, so the
    // bytes after its size are not slack in the file's own terms.
    if (a == nullptr || (a->flags & TSK_FS_ATTR_NONRES) == 0 ||
        (a->flags & TSK_FS_ATTR_COMP) != 0 || a->size < 0 || a->nrd.allocsize <= a->size) {
      tsk_error_reset();
      return loc;
    }
    const auto size = static_cast<std::uint64_t>(a->size);
    const auto alloc = static_cast<std::uint64_t>(a->nrd.allocsize);
    map_stream_bytes(a, size, alloc - size, fs->block_size,
                     media_base_[vol] + static_cast<std::uint64_t>(fs->offset), loc);
    return loc;
  }

  Result<std::size_t> read_slack(const Entry& entry, std::uint64_t offset,
                                 std::span<std::uint8_t> buf) override {
    const auto vol = static_cast<std::size_t>(entry.volume);
    if (entry.volume < 0 || vol >= fs_.size() || fs_[vol] == nullptr) {
      return make_error(ErrorCode::kInvalidArgument, "entry's volume holds no file system",
                        entry.provenance.str());
    }
    std::unique_ptr<TSK_FS_FILE, decltype(&tsk_fs_file_close)> file(
        tsk_fs_file_open_meta(fs_[vol], nullptr, entry.inode), &tsk_fs_file_close);
    if (!file) {
      return make_error(ErrorCode::kCorrupt, "cannot open metadata: " + tsk_error_text(),
                        entry.provenance.str());
    }
    const TSK_FS_ATTR* a = attr_of(file.get(), entry);
    if (a == nullptr || (a->flags & TSK_FS_ATTR_NONRES) == 0 || a->size < 0 ||
        a->nrd.allocsize <= a->size) {
      tsk_error_reset();
      return std::size_t{0};
    }
    const auto size = static_cast<std::uint64_t>(a->size);
    const auto alloc = static_cast<std::uint64_t>(a->nrd.allocsize);
    if (offset >= alloc - size || buf.empty()) return std::size_t{0};
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), alloc - size - offset));
    // TSK_FS_FILE_READ_FLAG_SLACK: read on past the stream's size, up to its allocated size.
    const ssize_t got =
        tsk_fs_attr_read(a, static_cast<TSK_OFF_T>(size + offset),
                         reinterpret_cast<char*>(buf.data()), want, TSK_FS_FILE_READ_FLAG_SLACK);
    if (got < 0) {
      return make_error(ErrorCode::kIo, "slack read failed: " + tsk_error_text(),
                        entry.provenance.str());
    }
    return static_cast<std::size_t>(got);
  }

  Result<std::unique_ptr<EntryReader>> open_reader(const Entry& entry) override {
    if (entry.volume < 0 || static_cast<std::size_t>(entry.volume) >= fs_.size() ||
        fs_[static_cast<std::size_t>(entry.volume)] == nullptr) {
      return make_error(ErrorCode::kInvalidArgument, "entry's volume holds no file system",
                        entry.provenance.str());
    }
    TSK_FS_FILE* f =
        tsk_fs_file_open_meta(fs_[static_cast<std::size_t>(entry.volume)], nullptr, entry.inode);
    if (f == nullptr) {
      return make_error(ErrorCode::kCorrupt, "cannot open metadata: " + tsk_error_text(),
                        entry.provenance.str());
    }
    return std::unique_ptr<EntryReader>(std::make_unique<TskReader>(f, entry));
  }

 private:
  struct WalkState {
    TskEvidence* self;
    const Volume* vol;
    TSK_FS_INFO* fs;
    const EntryCallback* on_entry;
    const WarningCallback* on_warning;
    bool stopped = false;
    Entry scratch;
    // The folders the walk is inside (TSK's parent path with its trailing '/', and the folder's
    // inode), innermost last, and every folder inode listed so far with its path: a folder entry
    // naming one of them is a loop or a second way into a folder (note_folder).
    std::vector<std::pair<std::string, TSK_INUM_T>> inside;
    std::unordered_map<TSK_INUM_T, std::string> folders;
  };

  TskEvidence() = default;

  // The attribute an entry's stream is read from (its default one unless it names another).
  static const TSK_FS_ATTR* attr_of(TSK_FS_FILE* file, const Entry& e) {
    return e.has_attr ? tsk_fs_file_attr_get_type(
                            file, static_cast<TSK_FS_ATTR_TYPE_ENUM>(e.attr_type), e.attr_id, 1)
                      : tsk_fs_file_attr_get(file);
  }

  Result<void> load_volumes();
  void add_file_system_volume(Volume v, TSK_IMG_INFO* img, TSK_OFF_T offset, bool whole_image);
  bool try_pool(const Volume& container, TSK_OFF_T offset);

  static TSK_WALK_RET_ENUM walk_cb(TSK_FS_FILE* file, const char* path, void* ptr);
  static void note_folder(WalkState& st, TSK_FS_FILE* file, const char* path);
  static bool emit(WalkState& st, TSK_FS_FILE* file, const char* path, const TSK_FS_ATTR* attr);

  EvidenceInfo info_;
  TSK_IMG_INFO* img_ = nullptr;
  std::unique_ptr<RawSegments> raw_;  // a raw image's files, for map_media
  TSK_VS_INFO* vs_ = nullptr;
  std::vector<const TSK_POOL_INFO*> pools_;
  std::vector<TSK_IMG_INFO*> pool_imgs_;
  std::vector<Volume> volumes_;
  std::vector<TSK_FS_INFO*> fs_;  // parallel to volumes_; nullptr where no file system
  // Parallel to volumes_: where the image a file system was opened in starts in the media (0,
  // or an APFS container's offset for the volumes of its pool).
  std::vector<std::uint64_t> media_base_;
  std::vector<Warning> warnings_;
  OpenOptions options_;
};

void TskEvidence::add_file_system_volume(Volume v, TSK_IMG_INFO* img, TSK_OFF_T offset,
                                         bool whole_image) {
  TSK_FS_INFO* fs = tsk_fs_open_img(img, offset, TSK_FS_TYPE_DETECT);
  v.index = static_cast<int>(volumes_.size());
  if (v.provenance.empty()) {
    v.provenance = Provenance::evidence(info_.name)
                       .child("vol", std::to_string(v.index) + "@" + std::to_string(v.offset));
  }
  if (fs != nullptr) {
    v.kind = VolumeKind::kFileSystem;
    v.fs_type = fs_type_name(fs->ftype);
    v.fs_offset = static_cast<std::uint64_t>(offset);
    volumes_.push_back(std::move(v));
    fs_.push_back(fs);
    media_base_.push_back(0);
    return;
  }
  const std::string why = tsk_error_text();
  if (try_pool(v, offset)) return;
  if (whole_image) return;  // the caller decides what an unrecognised image means
  v.kind = VolumeKind::kUnreadable;
  warnings_.push_back(
      Warning{"no file system could be opened in " + v.description + ": " + why, v.provenance});
  volumes_.push_back(std::move(v));
  fs_.push_back(nullptr);
  media_base_.push_back(0);
}

// APFS containers are pools: each APFS volume inside is a file system of its own.
bool TskEvidence::try_pool(const Volume& container, TSK_OFF_T offset) {
  const TSK_POOL_INFO* pool = tsk_pool_open_img_sing(img_, offset, TSK_POOL_TYPE_DETECT);
  if (pool == nullptr) {
    tsk_error_reset();
    return false;
  }
  pools_.push_back(pool);
  int n = 0;
  for (const TSK_POOL_VOLUME_INFO* pv = pool->vol_list; pv != nullptr; pv = pv->next, ++n) {
    TSK_IMG_INFO* pimg = pool->get_img_info(pool, pv->block);
    Volume v;
    v.scheme = "apfs-pool";
    v.offset = container.offset;
    v.length = container.length;
    v.description = std::string("APFS volume ") + (pv->desc != nullptr ? pv->desc : "") +
                    " (block " + std::to_string(pv->block) + ")";
    v.index = static_cast<int>(volumes_.size());
    v.provenance = container.provenance.child("apfs", std::to_string(n));
    if (pimg == nullptr) {
      v.kind = VolumeKind::kUnreadable;
      warnings_.push_back(Warning{"cannot open APFS volume: " + tsk_error_text(), v.provenance});
      volumes_.push_back(std::move(v));
      fs_.push_back(nullptr);
      media_base_.push_back(container.offset);
      continue;
    }
    pool_imgs_.push_back(pimg);
    TSK_FS_INFO* fs = tsk_fs_open_img(pimg, 0, TSK_FS_TYPE_APFS_DETECT);
    if (fs == nullptr) {
      v.kind = VolumeKind::kUnreadable;
      warnings_.push_back(
          Warning{"cannot open APFS file system: " + tsk_error_text(), v.provenance});
      volumes_.push_back(std::move(v));
      fs_.push_back(nullptr);
      media_base_.push_back(container.offset);
      continue;
    }
    v.kind = VolumeKind::kFileSystem;
    v.fs_type = fs_type_name(fs->ftype);
    volumes_.push_back(std::move(v));
    fs_.push_back(fs);
    media_base_.push_back(container.offset);
  }
  return true;
}

Result<void> TskEvidence::load_volumes() {
  const auto root = Provenance::evidence(info_.name);
  vs_ = tsk_vs_open(img_, 0, TSK_VS_TYPE_DETECT);
  if (vs_ == nullptr) {
    tsk_error_reset();
    // No partition table: a file system (or pool) over the whole image.
    Volume v;
    v.scheme = "none";
    v.offset = 0;
    v.length = info_.size;
    v.description = "whole image";
    const std::size_t before = volumes_.size();
    add_file_system_volume(v, img_, 0, /*whole_image=*/true);
    if (volumes_.size() == before && options_.unrecognised_as_unallocated && info_.size > 0) {
      // A wiped or unknown disk: its bytes are still evidence; the scan carves them whole.
      v.kind = VolumeKind::kUnallocated;
      v.description = "whole image (no volume system or file system recognised)";
      v.index = 0;
      v.provenance = root.child("vol", "0@0");
      warnings_.push_back(Warning{"no partition table, file system or pool recognised in " +
                                      std::string(image_format_name(info_.format)) + " image of " +
                                      std::to_string(info_.size) +
                                      " bytes: the whole image is carved as "
                                      "unallocated space",
                                  v.provenance});
      volumes_.push_back(std::move(v));
      fs_.push_back(nullptr);
      media_base_.push_back(0);
      return {};
    }
    if (volumes_.size() == before) {
      return make_error(ErrorCode::kUnsupported,
                        info_.path + ": no partition table, file system or pool recognised in " +
                            image_format_name(info_.format) + " image of " +
                            std::to_string(info_.size) + " bytes");
    }
    return {};
  }
  const char* scheme = vs_scheme_name(vs_->vstype);
  for (TSK_PNUM_T i = 0; i < vs_->part_count; ++i) {
    const TSK_VS_PART_INFO* p = tsk_vs_part_get(vs_, i);
    if (p == nullptr) continue;
    Volume v;
    v.scheme = scheme;
    v.offset = static_cast<std::uint64_t>(p->start) * vs_->block_size;
    v.length = static_cast<std::uint64_t>(p->len) * vs_->block_size;
    v.description = p->desc != nullptr ? p->desc : "";
    if ((p->flags & TSK_VS_PART_FLAG_META) != 0) {
      v.kind = VolumeKind::kMeta;
    } else if ((p->flags & TSK_VS_PART_FLAG_UNALLOC) != 0) {
      v.kind = VolumeKind::kUnallocated;
    } else {
      add_file_system_volume(std::move(v), img_, static_cast<TSK_OFF_T>(p->start) * vs_->block_size,
                             /*whole_image=*/false);
      continue;
    }
    v.index = static_cast<int>(volumes_.size());
    v.provenance = root.child("vol", std::to_string(v.index) + "@" + std::to_string(v.offset));
    volumes_.push_back(std::move(v));
    fs_.push_back(nullptr);
    media_base_.push_back(0);
  }
  return {};
}

TSK_WALK_RET_ENUM TskEvidence::walk_cb(TSK_FS_FILE* file, const char* path, void* ptr) {
  auto& st = *static_cast<WalkState*>(ptr);
  if (file->name == nullptr || TSK_FS_ISDOT(file->name->name)) return TSK_WALK_CONT;
  note_folder(st, file, path);
  // NTFS: one row per $DATA stream and per directory index, as fls prints them. (fls in TSK 4.11
  // prints no $FILE_NAME rows from a dir walk; neither do we, so the listings stay comparable.)
  if (TSK_FS_TYPE_ISNTFS(st.fs->ftype) && file->meta != nullptr) {
    bool printed = false;
    const int cnt = tsk_fs_file_attr_getsize(file);
    for (int i = 0; i < cnt; ++i) {
      const TSK_FS_ATTR* a = tsk_fs_file_attr_get_idx(file, i);
      if (a == nullptr) continue;
      const bool data = a->type == TSK_FS_ATTR_TYPE_NTFS_DATA;
      const bool index = a->type == TSK_FS_ATTR_TYPE_NTFS_IDXROOT;
      if (!data && !index) continue;
      printed = true;
      if (!emit(st, file, path, a)) return TSK_WALK_STOP;
    }
    if (!printed && !emit(st, file, path, nullptr)) return TSK_WALK_STOP;
    return TSK_WALK_CONT;
  }
  return emit(st, file, path, nullptr) ? TSK_WALK_CONT : TSK_WALK_STOP;
}

// A crafted image can give a folder a second name: an entry that names a folder the walk is
// inside (a loop: following it never ends) or a folder already listed elsewhere. TSK's walk keeps
// the stack of folders it is in and silently does not descend into one on it, so the loop would
// end the walk with no trace; it is a warning here, naming the entry, its inode and the folder it
// points back to. Only allocated names of folders count: a deleted name may point at an inode
// that was reused since, which is no loop.
void TskEvidence::note_folder(WalkState& st, TSK_FS_FILE* file, const char* path) {
  const std::string_view parent = path != nullptr ? path : "";
  while (!st.inside.empty() && !parent.starts_with(st.inside.back().first)) st.inside.pop_back();
  const bool folder = file->name->type == TSK_FS_NAME_TYPE_DIR ||
                      (file->meta != nullptr && TSK_FS_IS_DIR_META(file->meta->type));
  if (!folder || (file->name->flags & TSK_FS_NAME_FLAG_ALLOC) == 0) return;
  const TSK_INUM_T inum = file->name->meta_addr;
  std::string here = "/" + std::string(parent) + file->name->name;
  const auto loc = [&](const std::string& p, TSK_INUM_T i) {
    return p + " (inode " + std::to_string(i) + ")";
  };
  const auto warn = [&](const std::string& what) {
    (*st.on_warning)(Warning{what, st.vol->provenance.child(st.vol->fs_type, loc(here, inum))});
  };
  if (inum == st.fs->root_inum) {
    warn("directory loop: the folder entry " + loc(here, inum) +
         " names the root folder, which holds it; not followed");
    return;
  }
  for (const auto& [p, i] : st.inside) {
    if (i != inum) continue;
    std::string ancestor = "/" + p;
    if (ancestor.size() > 1) ancestor.pop_back();
    warn("directory loop: the folder entry " + loc(here, inum) + " names the folder " +
         loc(ancestor, i) + ", which holds it; not followed");
    return;
  }
  if (const auto [it, fresh] = st.folders.emplace(inum, here); !fresh) {
    warn("folder listed twice: the folder entry " + loc(here, inum) + " names the folder " +
         loc(it->second, inum) + " already listed; its content is listed under both paths");
  }
  st.inside.emplace_back(std::string(parent) + file->name->name + "/", inum);
}

bool TskEvidence::emit(WalkState& st, TSK_FS_FILE* file, const char* path,
                       const TSK_FS_ATTR* attr) {
  // One Entry per walk, refilled for every row: its strings keep their capacity, so a walk of
  // millions of entries does not allocate for each of them.
  Entry& e = st.scratch;
  e.volume = st.vol->index;
  e.name.assign(file->name->name);
  e.inode = file->name->meta_addr;
  e.inode_str = std::to_string(e.inode);
  const TSK_FS_META* m = file->meta;
  e.has_meta = m != nullptr;
  e.name_type = name_type_char(file->name->type);
  e.meta_type = '-';
  e.meta_allocated = false;
  e.size = 0;
  e.times = {};
  if (m != nullptr) {
    if (attr != nullptr && attr->type == TSK_FS_ATTR_TYPE_NTFS_DATA &&
        TSK_FS_IS_DIR_META(m->type)) {
      e.meta_type = 'r';  // a data stream on a directory is file content (fls does the same)
    } else {
      e.meta_type = m->type < TSK_FS_META_TYPE_STR_MAX ? tsk_fs_meta_type_str[m->type][0] : '-';
    }
    e.meta_allocated = (m->flags & TSK_FS_META_FLAG_ALLOC) != 0;
    e.size = attr != nullptr ? static_cast<std::uint64_t>(attr->size)
                             : static_cast<std::uint64_t>(m->size);
    const auto t = st.fs->ftype;
    e.times.modified = make_time(m->mtime, m->mtime_nano, precision_for(t, 'm'));
    e.times.accessed = make_time(m->atime, m->atime_nano, precision_for(t, 'a'));
    e.times.changed = make_time(m->ctime, m->ctime_nano, precision_for(t, 'c'));
    e.times.born = make_time(m->crtime, m->crtime_nano, precision_for(t, 'b'));
  }
  e.deleted = (file->name->flags & TSK_FS_NAME_FLAG_UNALLOC) != 0;
  // NTFS reserves MFT records 0-23 for its own files ($MFT, $LogFile, $BadClus, $Extend...).
  e.fs_metadata =
      TSK_FS_TYPE_ISNTFS(st.fs->ftype) && e.inode < 24 && !e.name.empty() && e.name[0] == '$';
  e.path.assign(1, '/');
  if (path != nullptr) e.path += path;
  e.orphan = e.path.rfind("/$OrphanFiles/", 0) == 0;
  e.path += e.name;
  e.has_attr = false;
  e.attr_type = 0;
  e.attr_id = 0;
  e.ads = false;
  if (attr != nullptr) {
    e.has_attr = true;
    e.attr_type = static_cast<std::uint32_t>(attr->type);
    e.attr_id = attr->id;
    e.inode_str += "-" + std::to_string(e.attr_type) + "-" + std::to_string(e.attr_id);
    if (attr->name != nullptr &&
        (attr->type != TSK_FS_ATTR_TYPE_NTFS_IDXROOT || std::strcmp(attr->name, "$I30") != 0)) {
      if (attr->type == TSK_FS_ATTR_TYPE_NTFS_DATA) e.ads = true;
      e.path += ':';
      e.path += attr->name;
      e.name += ':';
      e.name += attr->name;
    }
  }
  std::string locator;
  locator.reserve(e.path.size() + e.inode_str.size() + 10);
  locator += e.path;
  locator += " (inode ";
  locator += e.inode_str;
  locator += ')';
  e.provenance = st.vol->provenance.child(st.vol->fs_type, std::move(locator));
  return (*st.on_entry)(e) ? true : (st.stopped = true, false);
}

}  // namespace

Result<std::unique_ptr<Evidence>> open_tsk_evidence(EvidenceInfo info, const OpenOptions& options) {
  TSK_IMG_TYPE_ENUM type = TSK_IMG_TYPE_RAW;
  switch (info.format) {
    case ImageFormat::kRaw:
    case ImageFormat::kSplitRaw:
      type = TSK_IMG_TYPE_RAW;
      break;
    case ImageFormat::kEwf:
      type = TSK_IMG_TYPE_EWF_EWF;
      break;
    case ImageFormat::kAff:
      type = TSK_IMG_TYPE_AFF_ANY;
      break;
    case ImageFormat::kVmdk:
      type = TSK_IMG_TYPE_VMDK_VMDK;
      break;
    case ImageFormat::kVhd:
      type = TSK_IMG_TYPE_VHD_VHD;
      break;
    case ImageFormat::kFolder:
      return make_error(ErrorCode::kInternal, "a folder is not a TSK image");
  }
  return TskEvidence::open(std::move(info), type, options);
}

std::string tsk_version() { return tsk_version_get_str(); }

void set_image_read_observer(void (*observer)()) {
  g_read_observer.store(observer, std::memory_order_relaxed);
}

}  // namespace vigil::evidence
