// Shared between the evidence module's sources; not part of its public API.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vigil/evidence/evidence.hpp"
#include "vigil/evidence/verify.hpp"

namespace vigil::evidence {

Result<std::unique_ptr<Evidence>> open_tsk_evidence(EvidenceInfo info, const OpenOptions& options);
Result<std::unique_ptr<Evidence>> open_folder_evidence(EvidenceInfo info);
StoredHashes read_ewf_stored_hashes(const std::vector<std::string>& segments);
// Fails when the segment set lacks segments or the last one is truncated.
Result<void> check_ewf_complete(const std::vector<std::string>& segments);
// Reads the whole media of an EWF set through a libewf handle of its own, in order, handing each
// block to `consume`, and collects what libewf's per-chunk checks found. A chunk that cannot be
// read at all is counted as unreadable and passed on as zeros, so that the read goes on.
struct EwfMediaRead {
  ChunkCheck chunks;
  std::uint64_t media_size = 0;
  std::uint64_t bytes_read = 0;
  std::optional<std::string> open_error;  // the set could not be opened at all
};
EwfMediaRead read_ewf_media(const std::vector<std::string>& segments,
                            const std::function<void(std::span<const std::uint8_t>)>& consume,
                            const ProgressCallback& progress);
// All segments of an EWF set, found from the first (libewf_glob).
Result<std::vector<std::string>> glob_ewf_segments(const std::string& first);

}  // namespace vigil::evidence
