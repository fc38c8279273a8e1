// vigil report --case DIR --out OUT --case-number N --exhibit E...: the court-ready report of a
// case (PDF, HTML, CSV, JSON Lines, DFXML, CASE/UCO, VICS) with a manifest of every file,
// optionally signed; vigil report --verify OUT checks a report. Reads only the case store.
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "commands.hpp"
#include "vigil/case/pg_store.hpp"
#include "vigil/core/text.hpp"
#include "vigil/digest/multi_hasher.hpp"
#include "vigil/evidence/evidence.hpp"
#include "vigil/pipeline/media_module.hpp"
#include "vigil/report/report.hpp"
#include "vigil/version.hpp"

namespace vigil::cli {
namespace {

struct ReportCliOptions {
  std::string case_dir, out_dir, formats;
  std::string store;     // postgresql://...: report on this shared case instead of a folder's
  std::string snapshot;  // keep the snapshot of the PostgreSQL case here
  std::string case_number;
  std::vector<std::string> exhibits;
  std::string examiner, examiner_id, agency, requester, authority;
  std::string report_time, display_tz, sign_key, verify_dir, public_key;
  std::string thumbnails = "none";
  bool quiet = false;
};

// --thumbnails blurred: reads a matched picture again from its evidence (read-only), checks the
// bytes against the SHA-256 the scan recorded, and has the media module make the blurred
// greyscale PNG in memory. Evidence handles are opened once per evidence path.
class Thumbnailer {
 public:
  Result<std::string> operator()(const report::ItemInfo& item, const report::EvidenceInfo& ev) {
    static constexpr std::uint64_t kMaxBytes = 256ULL << 20;
    if (item.size > kMaxBytes) return make_error(ErrorCode::kLimit, "picture larger than 256 MiB");
    auto media = pipeline::load_media_module();
    if (!media) return media.error();
    auto& handle = open_[ev.path];
    if (!handle) {
      auto opened = evidence::open_evidence(ev.path);
      if (!opened) return opened.error();
      handle = std::move(*opened);
    }
    evidence::Entry e;
    e.volume = item.volume;
    e.inode = item.inode;
    e.size = item.size;
    e.meta_type = 'r';
    e.has_meta = true;
    e.provenance = Provenance::evidence(ev.name);
    // "64-128-2" names NTFS attribute type 128, id 2 (the stream the scan read).
    if (const auto d1 = item.inode_str.find('-'); d1 != std::string::npos) {
      const auto d2 = item.inode_str.find('-', d1 + 1);
      if (d2 != std::string::npos) {
        e.has_attr = true;
        e.attr_type = static_cast<std::uint32_t>(std::stoul(item.inode_str.substr(d1 + 1)));
        e.attr_id = static_cast<std::uint16_t>(std::stoul(item.inode_str.substr(d2 + 1)));
      }
    }
    auto reader = handle->open_reader(e);
    if (!reader) return reader.error();
    std::vector<std::uint8_t> bytes(item.size);
    std::uint64_t off = 0;
    while (off < item.size) {
      auto got = (*reader)->read(off, std::span(bytes).subspan(off));
      if (!got) return got.error();
      if (*got == 0) break;
      off += *got;
    }
    const auto d = digest::digest_buffer(std::span(bytes).first(off), true);
    if (item.sha256.empty() || d.hex(digest::Algorithm::kSha256) != item.sha256)
      return make_error(
          ErrorCode::kMismatch,
          "the evidence no longer gives the bytes the scan recorded (SHA-256 differs)");
    return (*media)->blurred_thumbnail(bytes, 160);
  }

 private:
  std::map<std::string, std::unique_ptr<evidence::Evidence>> open_;
};

// Single-quotes an argument for a POSIX shell when it needs it.
std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_./:=,+@") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// "2024-03-01T12:00:00Z" (optionally with a fraction): the only form --report-time accepts, so
// the report says exactly what was asked.
bool is_utc_time(const std::string& s) {
  if (s.size() < 20 || s.back() != 'Z') return false;
  const std::string pattern = "dddd-dd-ddTdd:dd:dd";
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(s[i])) : s[i] != pattern[i])
      return false;
  }
  if (s.size() == 20) return true;
  if (s[19] != '.' || s.size() < 22) return false;
  for (std::size_t i = 20; i + 1 < s.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

std::vector<std::string> split_formats(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto comma = s.find(',', start);
    const std::string f =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!f.empty()) out.push_back(f);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int run_verify_report(const ReportCliOptions& opt) {
  auto v = report::verify_report(opt.verify_dir, opt.public_key);
  if (!v) return fatal("verify " + opt.verify_dir + ": " + v.error().message);
  for (const auto& p : v->problems) std::cout << "FAILED: " << p << '\n';
  std::cout << fmt::format("{} file{} checked", v->files_checked, v->files_checked == 1 ? "" : "s");
  if (v->signature_checked)
    std::cout << (v->problems.empty() ? "; Ed25519 signature good" : "; signature checked")
              << (v->signer_fingerprint.empty()
                      ? ""
                      : " (public key SHA-256 " + v->signer_fingerprint + ")");
  else
    std::cout << "; not signed";
  std::cout << '\n' << (v->problems.empty() ? "report verified" : "REPORT NOT VERIFIED") << '\n';
  return v->problems.empty() ? kExitOk : kExitFatal;
}

int run_report(const ReportCliOptions& opt) {
  if (!opt.verify_dir.empty()) return run_verify_report(opt);
  if (opt.case_dir.empty() && opt.store.empty()) return fatal("--case (or --store) is required");
  if (opt.out_dir.empty()) return fatal("--out is required");
  if (opt.case_number.empty())
    return fatal("--case-number is required: a report must identify its case");
  if (opt.exhibits.empty())
    return fatal("--exhibit is required: a report must identify its exhibit(s)");
  report::ReportOptions r;
  r.case_dir = opt.case_dir;
  // A PostgreSQL case is read as one consistent snapshot, copied into a SQLite store of the same
  // schema in a private folder, so that one reader serves both backends and the same content
  // gives the same report bytes.
  std::unique_ptr<std::string, void (*)(std::string*)> snapshot_dir(nullptr, [](std::string* d) {
    std::error_code ec;
    std::filesystem::remove_all(*d, ec);
    delete d;
  });
  if (!opt.snapshot.empty() && opt.store.empty()) return fatal("--snapshot needs --store");
  if (!opt.store.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                        "/vigil-report-snapshot-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr)
      return fatal("cannot make a folder for the PostgreSQL snapshot in " + templ);
    snapshot_dir.reset(new std::string(templ));
    const std::string default_case =
        opt.case_dir.empty()
            ? std::string()
            : std::filesystem::absolute(opt.case_dir).lexically_normal().filename().string();
    r.case_dir = opt.snapshot.empty() ? templ : opt.snapshot;
    auto copied = case_store::pg::snapshot(opt.store, default_case, r.case_dir);
    if (!copied) return fatal(copied.error().message);
  }
  r.out_dir = opt.out_dir;
  r.formats = split_formats(opt.formats);
  r.sign_key = opt.sign_key;
  auto& m = r.meta;
  m.case_number = opt.case_number;
  m.exhibits = opt.exhibits;
  m.examiner = opt.examiner;
  m.examiner_id = opt.examiner_id;
  m.agency = opt.agency;
  m.requester = opt.requester;
  m.authority = opt.authority;
  m.display_tz = opt.display_tz;
  m.thumbnails = opt.thumbnails;
  if (opt.thumbnails == "blurred") {
    r.thumbnailer = [t = std::make_shared<Thumbnailer>()](const report::ItemInfo& i,
                                                          const report::EvidenceInfo& e) {
      return (*t)(i, e);
    };
  }
  m.report_time = opt.report_time.empty() ? report::default_report_time() : opt.report_time;
  if (!is_utc_time(m.report_time))
    return fatal("--report-time must be UTC ISO 8601, e.g. 2024-03-01T12:00:00Z");
  m.tool_version = kVersion;
  m.tool_commit = kGitCommit;
  // The command that reproduces this report byte for byte: the same options and the pinned time.
  // --out is a new folder because a report is never overwritten; --out and --sign do not change
  // the content.
  std::string cmd = opt.store.empty()
                        ? "vigil report --case " + shell_quote(opt.case_dir) + " --out NEW_FOLDER"
                        : "vigil report --store " +
                              shell_quote(case_store::pg::redacted(opt.store)) +
                              (opt.case_dir.empty() ? "" : " --case " + shell_quote(opt.case_dir)) +
                              " --out NEW_FOLDER";
  if (!opt.formats.empty()) cmd += " --format " + shell_quote(opt.formats);
  cmd += " --case-number " + shell_quote(opt.case_number);
  for (const auto& e : opt.exhibits) cmd += " --exhibit " + shell_quote(e);
  const std::pair<const char*, const std::string*> optional[] = {
      {"--examiner", &opt.examiner},   {"--examiner-id", &opt.examiner_id},
      {"--agency", &opt.agency},       {"--requester", &opt.requester},
      {"--authority", &opt.authority}, {"--display-tz", &opt.display_tz}};
  if (opt.thumbnails != "none") cmd += " --thumbnails " + opt.thumbnails;
  for (const auto& [flag, value] : optional)
    if (!value->empty()) cmd += std::string(" ") + flag + " " + shell_quote(*value);
  cmd += " --report-time " + m.report_time;
  m.rerun_command = cmd;

  auto result = report::generate_report(r);
  if (!result) return fatal("report: " + result.error().message);
  if (!opt.quiet) {
    std::cerr << fmt::format("report {} written to {} ({} files{}){}\n", result->report_id,
                             printable(opt.out_dir), result->files.size(),
                             result->signed_manifest ? ", manifest signed" : "",
                             result->source_verified ? "" : "; SOURCE NOT VERIFIED");
  }
  return kExitOk;
}

}  // namespace

void register_report(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand(
      "report",
      "Write the court-ready report of a case (PDF, HTML, CSV, JSON Lines, DFXML, "
      "CASE/UCO, VICS) with a SHA-256 manifest; or --verify one");
  auto opt = std::make_shared<ReportCliOptions>();
  sub->add_option("--case", opt->case_dir, "Case folder (holding case.sqlite) to report on");
  sub->add_option("--store", opt->store,
                  "postgresql://... : report on this shared case (the URI's ?case=NAME, else "
                  "--case's folder name), read as one consistent snapshot")
      ->check([](const std::string& v) {
        return case_store::pg::is_uri(v) ? std::string() : "a postgresql:// URI is expected";
      });
  sub->add_option("--snapshot", opt->snapshot,
                  "With --store: also keep the snapshot the report is made from, a SQLite case "
                  "store of the same content, in this folder (new)");
  sub->add_option("--out", opt->out_dir, "New folder for the report (never overwritten)");
  sub->add_option("--format", opt->formats,
                  "Comma-separated subset of pdf,html,csv,jsonl,dfxml,case,vics (default: all)");
  sub->add_option("--case-number", opt->case_number, "The case number (required)");
  sub->add_option("--exhibit", opt->exhibits, "An exhibit id (required; repeatable)");
  sub->add_option("--examiner", opt->examiner, "Examiner's name");
  sub->add_option("--examiner-id", opt->examiner_id, "Examiner's id or badge number");
  sub->add_option("--agency", opt->agency, "Agency or laboratory");
  sub->add_option("--requester", opt->requester, "Who requested the examination");
  sub->add_option("--authority", opt->authority, "Legal authority (warrant, consent, ...)");
  sub->add_option("--report-time", opt->report_time,
                  "Report time, UTC ISO 8601 (default: SOURCE_DATE_EPOCH, else now)");
  sub->add_option("--display-tz", opt->display_tz,
                  "Show times also in this IANA time zone (e.g. Europe/Berlin), beside UTC");
  sub->add_option("--sign", opt->sign_key, "Sign the manifest with this Ed25519 private key (PEM)");
  sub->add_option("--verify", opt->verify_dir,
                  "Check a report folder: every file against its manifest, and the signature");
  sub->add_option("--public-key", opt->public_key,
                  "With --verify: the signer's public key (PEM) instead of the one in the folder");
  sub->add_option("--thumbnails", opt->thumbnails,
                  "none (default: no pixels of any matched item) or blurred (small, greyscale, "
                  "heavily blurred thumbnails of matched pictures, made in memory)")
      ->check(CLI::IsMember({"none", "blurred"}));
  sub->add_flag("-q,--quiet", opt->quiet, "No summary line");
  sub->callback([opt, &action] { action = [opt] { return run_report(*opt); }; });
}

}  // namespace vigil::cli
