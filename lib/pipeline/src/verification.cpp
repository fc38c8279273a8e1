#include "verification.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "vigil/core/text.hpp"

namespace vigil::pipeline {
namespace {

std::string ranges_json(const std::vector<evidence::SectorRange>& ranges) {
  std::string out = "[";
  for (const auto& r : ranges) {
    if (out.size() > 1) out += ',';
    out += fmt::format("[{},{}]", r.first, r.last());
  }
  return out + "]";
}

std::string ranges_text(const std::vector<evidence::SectorRange>& ranges) {
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{}-{}", r.first, r.last());
  }
  return out;
}

}  // namespace

bool wants_verification(VerifyMode mode, evidence::ImageFormat format) {
  if (format == evidence::ImageFormat::kFolder) return false;
  switch (mode) {
    case VerifyMode::kOff:
      return false;
    case VerifyMode::kAlways:
      return true;
    case VerifyMode::kStored:
      // EWF carries the acquisition hashes and a checksum per chunk; no other format we open
      // stores hashes of its own.
      return format == evidence::ImageFormat::kEwf;
  }
  return false;
}

BackgroundVerification::BackgroundVerification(const std::string& path,
                                               const evidence::EvidenceInfo& info,
                                               VerifyMode mode) {
  if (!wants_verification(mode, info.format)) return;
  if (info.format == evidence::ImageFormat::kEwf) {
    result_ = std::async(std::launch::async,
                         [segments = info.segments] { return evidence::verify_ewf(segments, {}); });
    return;
  }
  // Any other image: a handle of its own (TSK handles are not shared between threads).
  result_ = std::async(std::launch::async, [path] {
    // (An image in which nothing is recognised is verified like any other: its bytes are read.)
    evidence::OpenOptions o;
    o.unrecognised_as_unallocated = true;
    auto opened = evidence::open_evidence(path, o);
    if (!opened) {
      evidence::VerifyResult r;
      r.read_error = opened.error().message;
      return r;
    }
    return evidence::verify_evidence(**opened, {});
  });
}

BackgroundVerification::~BackgroundVerification() {
  if (result_ && result_->valid()) result_->wait();
}

std::vector<evidence::SectorRange> damaged_overlap(
    const evidence::ContentLocation& where, const std::vector<evidence::SectorRange>& damaged,
    std::uint32_t bytes_per_sector) {
  std::vector<evidence::SectorRange> hit;
  const std::uint64_t bps = bytes_per_sector == 0 ? 512 : bytes_per_sector;
  for (const auto& d : damaged) {
    const std::uint64_t lo = d.first * bps;
    const std::uint64_t hi = (d.first + d.count) * bps;
    const bool overlaps = std::any_of(where.ranges.begin(), where.ranges.end(), [&](const auto& r) {
      return r.length > 0 && r.offset < hi && lo < r.offset + r.length;
    });
    if (overlaps) hit.push_back(d);
  }
  return hit;
}

std::string chunk_check_json(const evidence::ChunkCheck& c) {
  if (!c.checked) return {};
  std::string structure = "null";
  if (c.structure_error) {
    structure.clear();
    append_json_string(structure, *c.structure_error);
  }
  return fmt::format(
      "{{\"bytes_per_sector\":{},\"checksum_errors\":{},\"chunks\":{},\"damaged_chunks\":{},"
      "\"sectors_per_chunk\":{},\"structure_error\":{},\"unreadable\":{}}}",
      c.bytes_per_sector, ranges_json(c.checksum_errors), c.chunks, c.damaged_chunks(),
      c.sectors_per_chunk, structure, ranges_json(c.unreadable));
}

Result<std::uint64_t> BackgroundVerification::finish(
    evidence::Evidence& ev, const std::vector<evidence::Entry>& entries,
    const std::function<bool(const evidence::Entry&)>& has_content, case_store::CaseStore& store,
    std::int64_t evidence_id, std::int64_t run_id) {
  auto found = outcome(ev, entries, has_content);
  if (!found) return found.error();
  if (!found->ran) return std::uint64_t{0};
  if (auto r = store.begin_batch(); !r) return r.error();
  auto warnings = apply_verification(*found, store, evidence_id, run_id);
  if (!warnings) return warnings.error();
  if (auto r = store.commit_batch(); !r) return r.error();
  return *warnings;
}

Result<VerificationOutcome> BackgroundVerification::outcome(
    evidence::Evidence& ev, const std::vector<evidence::Entry>& entries,
    const std::function<bool(const evidence::Entry&)>& has_content) {
  VerificationOutcome out;
  if (!result_) return out;
  const evidence::VerifyResult v = result_->get();
  result_.reset();
  out.ran = true;
  out.md5 = v.md5;
  out.sha1 = v.sha1;
  out.sha256 = v.sha256;
  out.result = v.verified() ? "verified" : "not verified: " + v.failure_reason();
  out.chunk_check = chunk_check_json(v.chunks);
  const auto warn = [&out](std::string provenance, const char* code, std::string message) {
    out.actions.push_back({false, {std::move(provenance), code, std::move(message)}});
  };
  if (!v.verified()) warn(ev.info().name, "verify", "evidence not verified: " + v.failure_reason());
  const auto damaged = v.chunks.damaged_ranges();
  if (damaged.empty()) return out;
  const std::string all = ranges_text(damaged);
  // A volume holding damaged sectors: its own metadata (directories, MFT records, inode
  // tables) may have been read from them, so its listing may be affected too.
  for (const auto& vol : ev.volumes()) {
    if (vol.kind != evidence::VolumeKind::kFileSystem) continue;
    const auto hit = damaged_overlap(evidence::ContentLocation{{{vol.offset, vol.length}}, true},
                                     damaged, v.chunks.bytes_per_sector);
    if (hit.empty()) continue;
    warn(vol.provenance.str(), "damaged",
         "this volume holds damaged EWF chunks (sectors " + ranges_text(hit) +
             "): file-system metadata read from them, and so its listing, may be wrong");
  }
  for (const auto& e : entries) {
    if (!has_content(e) || e.size == 0) continue;
    std::string prov = e.provenance.str();
    auto where = ev.content_location(e);
    if (!where) {
      warn(std::move(prov), "damage-unknown",
           "the image has damaged chunks (sectors " + all +
               ") and this item's content could not be placed to rule them out: " +
               where.error().message);
      continue;
    }
    const auto hit = damaged_overlap(*where, damaged, v.chunks.bytes_per_sector);
    if (hit.empty()) {
      if (!where->complete) {
        warn(std::move(prov), "damage-unknown",
             "the image has damaged chunks (sectors " + all +
                 ") and part of this item's content could not be placed to rule them out");
      }
      continue;
    }
    out.actions.push_back(
        {true,
         {std::move(prov), "damaged",
          "content read from damaged EWF chunks (sectors " + ranges_text(hit) +
              ": checksum error or unreadable); the bytes read may not be the file's, so no "
              "digest is recorded"}});
  }
  return out;
}

Result<std::uint64_t> apply_verification(const VerificationOutcome& outcome,
                                         case_store::CaseStore& store, std::int64_t evidence_id,
                                         std::int64_t run_id) {
  if (!outcome.ran) return std::uint64_t{0};
  if (auto r = store.set_evidence_verification(evidence_id, outcome.md5, outcome.sha1,
                                               outcome.sha256, outcome.result, outcome.chunk_check);
      !r)
    return r.error();
  std::string audit = fmt::format("{{\"evidence_id\":{},\"result\":", evidence_id);
  append_json_string(audit, outcome.result);
  audit += ",\"chunk_check\":" +
           (outcome.chunk_check.empty() ? std::string("null") : outcome.chunk_check) + "}";
  if (auto r = store.audit(run_id, case_store::now_utc(), "evidence-verified", audit); !r)
    return r.error();
  std::uint64_t warnings = 0;
  for (const auto& a : outcome.actions) {
    if (a.mark_damaged) {
      auto ids = store.mark_item_damaged(evidence_id, a.warning.provenance);
      if (!ids) return ids.error();
      if (ids->empty()) continue;  // not recorded (a scan that failed before reaching it)
    }
    if (auto r = store.add_warning(a.warning); !r) return r.error();
    ++warnings;
  }
  return warnings;
}

}  // namespace vigil::pipeline
