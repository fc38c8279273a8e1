// `vigil report`: the court-ready report of a case, from the case store alone
// (docs/ARCHITECTURE.md, "The report"). Outputs go to a staging folder beside OUT and
// the folder is renamed to OUT only when every file is complete, so a failed run (disk full, bad
// key) leaves nothing under the final name.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "vigil/core/result.hpp"
#include "vigil/report/model.hpp"
#include "vigil/report/writers.hpp"

namespace vigil::report {

// The formats `--format` accepts, in the order they are written.
inline constexpr const char* kFormats[] = {"jsonl", "csv", "dfxml", "case", "vics", "html", "pdf"};

inline constexpr const char* kManifestFile = "MANIFEST.sha256";        // sha256sum -c format
inline constexpr const char* kMachineManifestFile = "machine.sha256";  // machine outputs only
inline constexpr const char* kSignatureFile = "MANIFEST.sha256.sig";   // Ed25519, base64
inline constexpr const char* kPublicKeyFile = "MANIFEST.pub.pem";      // the signer's public key

struct ReportOptions {
  std::string case_dir;
  std::string out_dir;               // must not exist yet (a report is never overwritten)
  std::vector<std::string> formats;  // empty: all
  ReportMeta meta;                   // case number, exhibits, examiner, ... (report_id derived)
  std::string sign_key;              // Ed25519 private key (PEM) or empty
  // With meta.thumbnails == "blurred": makes the blurred greyscale PNG of a matched picture from
  // the evidence (the report itself never reads evidence or decodes pictures).
  std::function<Result<std::string>(const ItemInfo&, const EvidenceInfo&)> thumbnailer;
};

struct ReportResult {
  std::string report_id;
  std::vector<ManifestEntry> files;  // every output file with its SHA-256
  bool source_verified = false;
  bool signed_manifest = false;
};

// The report time when none is given: SOURCE_DATE_EPOCH if set, else the clock (UTC, seconds).
std::string default_report_time();

Result<ReportResult> generate_report(const ReportOptions& options);

struct VerifyResult {
  std::vector<std::string> problems;  // empty: every file matches and the signature is good
  std::size_t files_checked = 0;
  bool signature_checked = false;
  std::string signer_fingerprint;  // SHA-256 of the public key (DER), when signed
};

// Checks every file in OUT's MANIFEST.sha256 (and that no file is missing or unlisted) and, when
// present, the Ed25519 signature; public_key (PEM) overrides the key stored beside the report.
Result<VerifyResult> verify_report(const std::string& out_dir, const std::string& public_key = {});

// SHA-256 helpers (OpenSSL libcrypto), shared by the writers.
std::string sha256_hex(std::string_view bytes);
Result<ManifestEntry> sha256_file(const std::string& path);
// A UUID (RFC 4122 version 5, SHA-1 name-based) in vigil's namespace: ids derived from content.
std::string derived_uuid(std::string_view name);

}  // namespace vigil::report
