// Evidence access: the only code in vigil that calls The Sleuth Kit and libewf.
//
// An Evidence is one opened evidence item (a disk image in any supported container, or a plain
// folder). It lists its volumes and walks every entry of every file system: allocated, deleted
// (metadata still present), orphans and NTFS alternate data streams, one Entry per data stream,
// following the rows that TSK's `fls -r -p` prints so that the two can be compared. Directory
// loops are cut by TSK's dir walk, which refuses to enter a directory already on its path.
//
// Thread contract: an Evidence is not thread-safe (TSK file-system handles keep caches). Each
// worker thread opens its own with open_evidence() on the same path; opening is cheap.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vigil/core/provenance.hpp"
#include "vigil/core/result.hpp"
#include "vigil/core/time.hpp"
#include "vigil/evidence/media_map.hpp"

namespace vigil::evidence {

enum class ImageFormat { kRaw, kSplitRaw, kEwf, kAff, kVmdk, kVhd, kFolder };
const char* image_format_name(ImageFormat f);  // "raw", "split-raw", "ewf", ...

struct EvidenceInfo {
  std::string path;  // as given on the command line
  std::string name;  // file name: the root of every provenance
  ImageFormat format = ImageFormat::kRaw;
  std::vector<std::string> segments;  // every file that makes up the image, in order
  std::uint64_t size = 0;             // media size in bytes (0 for a folder)
  std::uint32_t sector_size = 512;
};

// Hashes recorded by the acquisition tool inside the container (E01 only), as lower-case hex.
struct StoredHashes {
  std::optional<std::string> md5;
  std::optional<std::string> sha1;
};

enum class VolumeKind {
  kFileSystem,   // a partition (or the whole image) holding a file system we opened
  kUnallocated,  // space no partition claims
  kUnreadable,   // a partition whose file system could not be opened (see warning)
  kMeta,         // the partition table itself, extended-partition containers
};

const char* volume_kind_name(VolumeKind k);  // "filesystem", "unallocated", "unreadable", "meta"

struct Volume {
  int index = 0;             // position in the listing (0-based, stable)
  std::string scheme;        // "mbr", "gpt", "bsd", "apm", "none", "apfs-pool"
  std::uint64_t offset = 0;  // bytes from the start of the image
  std::uint64_t length = 0;  // bytes
  std::string description;   // the partition table's own description
  VolumeKind kind = VolumeKind::kUnallocated;
  std::string fs_type;          // "ntfs", "fat32", "ext4", ... when kind == kFileSystem
  std::uint64_t fs_offset = 0;  // offset TSK opened the file system at (fls -o in sectors)
  Provenance provenance;
};

struct Entry {
  Provenance provenance;
  int volume = 0;               // Volume::index
  std::string path;             // "/dir/name" (":stream" appended for an NTFS ADS); raw bytes
  std::string name;             // last path component (with ":stream" for an ADS); raw bytes
  std::uint64_t inode = 0;      // meta address
  std::string inode_str;        // "64-128-2" on NTFS (meta-type-id), else the number
  std::uint32_t attr_type = 0;  // NTFS attribute type (0 = default stream)
  std::uint16_t attr_id = 0;
  bool has_attr = false;  // attr_type/attr_id name the stream to read
  std::uint64_t size = 0;
  char name_type = '-';  // as fls: 'r' file, 'd' dir, 'l' link, 'v' virtual, ...
  char meta_type = '-';
  bool deleted = false;  // the name is unallocated
  bool meta_allocated = false;
  bool orphan = false;       // found only through $OrphanFiles
  bool ads = false;          // an NTFS alternate data stream
  bool has_meta = false;     // metadata was recoverable
  bool fs_metadata = false;  // a file system's own bookkeeping file (NTFS $MFT, $BadClus, ...)
  MacbTimes times;

  [[nodiscard]] bool is_regular() const { return meta_type == 'r'; }
  [[nodiscard]] bool is_directory() const { return meta_type == 'd'; }
};

struct Warning {
  std::string message;
  Provenance provenance;
};

// Reads one entry's data stream in chunks. Made by Evidence::open_reader.
class EntryReader {
 public:
  virtual ~EntryReader() = default;
  // Reads up to buf.size() bytes at offset; returns bytes read (0 at end) or an Error.
  virtual Result<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> buf) = 0;
  [[nodiscard]] virtual std::uint64_t size() const = 0;
};

// Bytes [offset, offset + length) of the media.
struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// Where an entry's content lies in the media, as the file system records it: the data runs of
// its stream (sparse runs hold no bytes and are left out) or, for content stored inside its
// metadata record (NTFS resident data), that record. `complete` is false when part of it could
// not be placed (a run TSK did not find, or a layout this module does not map).
struct ContentLocation {
  std::vector<ByteRange> ranges;
  bool complete = true;
};

// The unallocated blocks of a file-system volume as byte ranges of the media, adjacent blocks
// merged, in offset order. `truncated`: the listing stopped at the caller's run limit.
struct UnallocatedRuns {
  std::vector<ByteRange> ranges;
  std::uint64_t bytes = 0;
  bool truncated = false;
};

struct OpenOptions {
  // An image in which no volume system, file system or pool is recognised (a wiped or unknown
  // disk) opens as one VolumeKind::kUnallocated volume over the whole image, with an open
  // warning that says so, instead of failing with kUnsupported. The scan carves it whole.
  bool unrecognised_as_unallocated = false;
};

// Return false from a callback to stop the walk.
using EntryCallback = std::function<bool(const Entry&)>;
using WarningCallback = std::function<void(const Warning&)>;

class Evidence {
 public:
  virtual ~Evidence() = default;
  [[nodiscard]] virtual const EvidenceInfo& info() const = 0;
  [[nodiscard]] virtual const std::vector<Volume>& volumes() const = 0;
  // Problems met while opening (a damaged partition, an unknown file system); the evidence is
  // still usable.
  [[nodiscard]] virtual const std::vector<Warning>& open_warnings() const = 0;
  // Walks every entry of a file-system volume in directory order.
  virtual Result<void> walk(int volume, const EntryCallback& on_entry,
                            const WarningCallback& on_warning) = 0;
  virtual Result<std::unique_ptr<EntryReader>> open_reader(const Entry& entry) = 0;
  // Reads raw bytes of the media (not for folders).
  virtual Result<std::size_t> read_media(std::uint64_t offset, std::span<std::uint8_t> buf) = 0;
  // Media bytes [offset, offset + length) mapped read-only, without a copy, when the image is raw
  // and the range lies in one of its files (media_map.hpp); nullopt otherwise: use read_media.
  virtual std::optional<MappedBytes> map_media(std::uint64_t offset, std::uint64_t length) {
    (void)offset;
    (void)length;
    return std::nullopt;
  }
  [[nodiscard]] virtual StoredHashes stored_hashes() const { return {}; }
  // Where the entry's content lies in the media (images only; a folder has no media).
  virtual Result<ContentLocation> content_location(const Entry& entry) {
    return make_error(ErrorCode::kUnsupported, "this evidence has no media to locate content in",
                      entry.provenance.str());
  }
  // The unallocated blocks of a file-system volume (TSK's block walk over unallocated blocks),
  // at most max_runs ranges: a badly fragmented free space of a huge volume stays bounded.
  virtual Result<UnallocatedRuns> unallocated_runs(int volume, std::size_t max_runs) {
    (void)max_runs;
    return make_error(ErrorCode::kUnsupported,
                      "volume " + std::to_string(volume) + " has no blocks to list");
  }
  // A file's slack: the bytes between the end of its stream and the end of the last cluster
  // allocated to it, placed in the media (empty for resident, compressed or sparse-only data).
  virtual Result<ContentLocation> slack_location(const Entry& entry) {
    return make_error(ErrorCode::kUnsupported, "this evidence has no slack",
                      entry.provenance.str());
  }
  // Reads the slack (TSK's slack read flag): `offset` counts from the end of the stream.
  virtual Result<std::size_t> read_slack(const Entry& entry, std::uint64_t offset,
                                         std::span<std::uint8_t> buf) {
    (void)offset;
    (void)buf;
    return make_error(ErrorCode::kUnsupported, "this evidence has no slack",
                      entry.provenance.str());
  }
};

// Opens evidence read-only: a folder, or an image whose format is detected from its bytes.
// Split raw and E01 segments are found from the first segment.
Result<std::unique_ptr<Evidence>> open_evidence(const std::string& path,
                                                const OpenOptions& options = {});

// The segments of an EWF set when path is a segment file of one (found by its signature, never by
// its name), else an empty list. Unlike open_evidence this accepts a truncated or damaged set.
std::vector<std::string> ewf_segments(const std::string& path);

// The files that make up a split raw image starting at path (".001"/".000"/".aa" siblings), or
// just {path} if it has no numbered siblings.
std::vector<std::string> find_split_segments(const std::string& path);

// Called on the reading thread after each read that TSK makes of an image (the walk's reads
// included), so that a supervisor can tell a walk that is slow from one stuck inside TSK
// (lib/pipeline containment.hpp). Must be cheap and thread-safe; nullptr: none.
void set_image_read_observer(void (*observer)());

// Versions of the libraries behind this module, for the run record.
std::string tsk_version();
std::string libewf_version();

}  // namespace vigil::evidence
