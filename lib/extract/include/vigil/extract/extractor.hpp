// Extractors: code that reads one item and finds items inside it (archive members, pictures
// embedded in documents, EXIF thumbnails, thumbnail-cache entries, carved runs) and records about
// it (EXIF fields, catalogue names, original paths).
//
// Contract (shaped after bulk_extractor's scanner API and plaso's parser/mediator split):
//   * An Extractor is an object, never a global. It declares once its name, version, the content
//     types it reads, what it emits and its limits.
//   * probe() is cheap and does no I/O: it decides from the sniffed type and the first bytes.
//   * extract() is const and thread-safe: many workers call it at once on different items. Any
//     state it needs lives on its stack. It may throw; the dispatcher turns an exception into a
//     counted item error with the item's provenance, and what was emitted before it stays.
//   * An extractor never touches storage or output. It speaks only through its Emitter:
//     record(), warn() and child(). The dispatcher sniffs, digests, hashes, matches and extracts
//     every child exactly like a file-system entry, and enforces depth, count, size and
//     expansion limits: when child() returns false the extractor stops emitting and returns.
//   * "Not my format" (probe false, or bytes that turn out not to be the format) is not a
//     warning. A damaged or truncated container is: warn(), and keep what was already emitted.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/provenance.hpp"
#include "vigil/core/time.hpp"
#include "vigil/sniff/sniff.hpp"

namespace vigil::extract {

// The item an extractor reads: its whole content in memory (the scan keeps items up to the
// retention cap; a larger container is a counted `limit` warning, never read in part).
struct ItemInput {
  const Provenance& provenance;
  std::string_view name;  // file or member name, raw bytes (may be empty)
  const sniff::ContentType& type;
  std::span<const std::uint8_t> bytes;
  int depth = 0;  // 0 for a file-system entry, parent's depth + 1 for a child

  // Whether the bytes are an OOXML package (sniff::is_ooxml_package, which walks the ZIP's
  // local headers or central directory): decided once per item, however many probes ask (the
  // archive extractor leaves such a ZIP to the documents extractor, which reads it). The probes
  // of one item run one after another, on one thread.
  [[nodiscard]] bool is_ooxml() const {
    if (!ooxml_decided) ooxml_decided = sniff::is_ooxml_package(bytes);
    return *ooxml_decided;
  }
  // is_ooxml()'s decision once made; an extractor never sets it (tests may).
  mutable std::optional<bool> ooxml_decided{};
};

// How a child's bytes relate to what the container declared.
enum class ChildStatus {
  kOk,         // complete
  kEncrypted,  // the container encrypts it: name and declared size only, no bytes
  kPartial,    // only part could be read (a truncated archive member, a JPEG that decodes in part)
  // Whole, but put together by inference, not read as one file: a JPEG joined from two
  // fragments by gap carving (plugins/carve). Its second fragment was chosen because the join
  // decodes, which a wrong continuation can also do, so an examiner confirms it.
  kReassembled,
};
// "ok", "encrypted", "partial", "reassembled"
const char* child_status_name(ChildStatus s);

struct Child {
  // The provenance link that names the child inside its parent: layer "zip", "tar", "7z",
  // "gzip", "ole", "ooxml", "pdf", "exif"...; locator the member path, stream name or object
  // number ("inner.zip", "word/media/image1.jpeg", "object 12", "thumbnail").
  std::string layer;
  std::string locator;
  std::string name;                 // the child's own file name, if it has one (raw bytes)
  std::uint64_t declared_size = 0;  // the size the container states (0 when unknown)
  std::uint64_t offset = 0;         // byte offset inside the parent where known, else 0
  bool has_offset = false;          // offset is meaningful (a stored member, a carved run)
  MacbTimes times;                  // times the container records for the member
  ChildStatus status = ChildStatus::kOk;
  std::vector<std::uint8_t> bytes;  // the child's content (empty when encrypted)
};

// A fact about the item, stored as (extractor, name, value). Names are lower_snake_case and
// documented in the plugin's README (e.g. exif: "make", "gps_latitude", "datetime_original").
struct Record {
  std::string name;
  std::string value;  // UTF-8 text; numbers in C locale; times ISO 8601
};

class Emitter {
 public:
  virtual ~Emitter() = default;
  virtual void record(Record r) = 0;
  // A problem with the item's bytes: code is a short word ("corrupt", "truncated", "limit",
  // "checksum", "encrypted"), message says what and where (member name, offset).
  virtual void warn(std::string code, std::string message) = 0;
  // Hands a child to the dispatcher. Returns false when the extractor must stop (a count,
  // size or expansion limit was reached; the dispatcher has already recorded the warning).
  virtual bool child(Child c) = 0;
  // The most bytes the next child may hold. An extractor that decompresses stops reading a
  // member at this many bytes + 1, and emits it as kPartial with a "limit" warning, so that a
  // decompression bomb never reaches memory.
  [[nodiscard]] virtual std::uint64_t child_byte_budget() const = 0;
};

class Extractor {
 public:
  virtual ~Extractor() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;     // the plugins/ folder name
  [[nodiscard]] virtual std::string_view version() const = 0;  // bump when output changes
  // Content types (sniff names: "zip", "gzip", "ole2", "jpeg", ...) it reads.
  [[nodiscard]] virtual std::vector<std::string_view> input_types() const = 0;
  [[nodiscard]] virtual std::string_view outputs() const = 0;  // one line: what it emits
  [[nodiscard]] virtual std::string_view limits() const = 0;   // one line: its own limits
  // Cheap, no I/O: true when extract() should run on this item.
  [[nodiscard]] virtual bool probe(const ItemInput& item) const = 0;
  virtual void extract(const ItemInput& item, Emitter& out, std::stop_token stop) const = 0;
};

}  // namespace vigil::extract
