// Shared between the evidence module's sources; not part of its public API.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vigil/evidence/evidence.hpp"

namespace vigil::evidence {

Result<std::unique_ptr<Evidence>> open_tsk_evidence(EvidenceInfo info);
Result<std::unique_ptr<Evidence>> open_folder_evidence(EvidenceInfo info);
StoredHashes read_ewf_stored_hashes(const std::vector<std::string>& segments);
// Fails when the segment set lacks segments or the last one is truncated.
Result<void> check_ewf_complete(const std::vector<std::string>& segments);
// All segments of an EWF set, found from the first (libewf_glob).
Result<std::vector<std::string>> glob_ewf_segments(const std::string& first);

}  // namespace vigil::evidence
