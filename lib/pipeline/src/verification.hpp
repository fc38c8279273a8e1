// Evidence verification during a scan (issue 10), beside the workers rather than before them: an
// EWF image is read through a libewf handle of its own in a thread of its own, so the scan makes
// no serial pass first. What it finds is recorded when the workers are done, before the scan
// returns: the result and the damaged chunks with the evidence, and every item whose content
// lies in a damaged chunk marked "damaged" (its digests removed) with a warning naming the
// sectors. Items are placed by their data runs (Evidence::content_location), so the marking is
// the same for any thread count and whatever the workers' caches held.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "vigil/case/case_store.hpp"
#include "vigil/evidence/evidence.hpp"
#include "vigil/evidence/verify.hpp"
#include "vigil/pipeline/scan.hpp"

namespace vigil::pipeline {

// Whether the mode asks for evidence of this format to be verified.
bool wants_verification(VerifyMode mode, evidence::ImageFormat format);

class BackgroundVerification {
 public:
  // Starts the verification thread when the mode asks for it; else does nothing.
  BackgroundVerification(const std::string& path, const evidence::EvidenceInfo& info,
                         VerifyMode mode);
  // Waits for the thread (a scan that fails early still ends with it joined).
  ~BackgroundVerification();
  BackgroundVerification(const BackgroundVerification&) = delete;
  BackgroundVerification& operator=(const BackgroundVerification&) = delete;

  // Waits for the result and records it. entries are every entry of the evidence (resumed ones
  // included, so that a resumed scan marks them too); has_content says which were read. Returns
  // the number of warnings added. ev is used from this thread only.
  Result<std::uint64_t> finish(evidence::Evidence& ev, const std::vector<evidence::Entry>& entries,
                               const std::function<bool(const evidence::Entry&)>& has_content,
                               case_store::CaseStore& store, std::int64_t evidence_id,
                               std::int64_t run_id);
  // Waits for the result and returns what finish() would record (apply_verification records
  // it). ran is false when no verification was asked for.
  Result<VerificationOutcome> outcome(
      evidence::Evidence& ev, const std::vector<evidence::Entry>& entries,
      const std::function<bool(const evidence::Entry&)>& has_content);

 private:
  std::optional<std::future<evidence::VerifyResult>> result_;
};

// The ranges of `damaged` (sectors of bytes_per_sector bytes) that overlap `where`.
std::vector<evidence::SectorRange> damaged_overlap(
    const evidence::ContentLocation& where, const std::vector<evidence::SectorRange>& damaged,
    std::uint32_t bytes_per_sector);

// JSON of a chunk check for the evidence record (case_store::set_evidence_verification).
std::string chunk_check_json(const evidence::ChunkCheck& c);

}  // namespace vigil::pipeline
