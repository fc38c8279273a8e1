// generate_report over a synthetic case store: every format written, hostile names escaped,
// exact and near matches apart, byte-identical re-runs, integrity manifest and signature, and
// clear refusals that leave nothing behind.
#include "vigil/report/report.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "vigil/case/case_store.hpp"
#include "vigil/core/text.hpp"
#include "vigil/report/reader.hpp"

namespace vigil::report {
namespace {
namespace fs = std::filesystem;

const std::string kBadBytes("Pictures/bad\xff\xfe.jpg");
const std::string kScript = "Hostile/<script>alert(1)</script>.jpg";
const std::string kFormula = "Hostile/=cmd|'/c calc'!A1.png";
const std::string kArabic = "Pictures/صور/عطلة الصيف.jpg";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("vigil_report_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    case_dir_ = (root_ / "case").string();
    auto store = case_store::CaseStore::open(case_dir_, true);
    ASSERT_TRUE(store) << store.error().describe();
    auto& s = **store;
    auto run = s.begin_run({"2024-03-01T12:00:00Z", "0.1.0", "abc123", R"({"tsk":"4.11.1"})",
                            "testhost", R"(["vigil","scan","--case","c","img.E01"])",
                            R"({"digests":"media","threads":1})"});
    ASSERT_TRUE(run);
    auto ev = s.add_evidence({"/evidence/img.E01", "img.E01", "ewf", 1000, R"(["img.E01"])",
                              "73aa10670bdffdb77ec312fe5dc6082a", ""});
    ASSERT_TRUE(ev);
    ASSERT_TRUE(s.add_volume({*ev, 0, "gpt", "filesystem", "ntfs", "VIGIL_NTFS",
                              "img.E01 > vol:0@1048576", 1048576, 4096}));
    ASSERT_TRUE(s.begin_batch());
    auto set = s.add_hash_set(
        {"synthetic list", "2024.1", "test lab", "custom", "2024-02-01T00:00:00Z",
         R"([{"file":"list.json","sha256":")" + std::string(64, 'a') + R"(","size":10}])",
         R"({"md5":2,"pdq":1})", "set-identity-1"});
    ASSERT_TRUE(set);
    const auto add = [&](const std::string& path, const std::string& md5, bool deleted,
                         const std::vector<case_store::MatchRecord>& matches,
                         const std::string& status = "ok",
                         const std::vector<case_store::ExtractedRecord>& records = {}) {
      case_store::ItemRecord it;
      it.evidence_id = *ev;
      it.provenance = "img.E01 > vol:0@1048576 > " + path;
      it.fs_type = "ntfs";
      it.inode = 64;
      it.inode_str = "64-128-1";
      it.path = path;
      it.name = path.substr(path.rfind('/') + 1);
      it.size = 1234;
      it.deleted = deleted;
      it.content_type = "jpeg";
      it.category = "image";
      it.times.modified = Timestamp{1709294400, 123456700, 100};
      it.status = status;
      if (status == "ok") {
        it.md5 = md5;
        it.sha1 = std::string(40, 'b');
        it.sha256 = std::string(64, 'c');
        it.xxh3_128 = std::string(32, 'd');
      }
      case_store::ItemExtras x;
      x.perceptual.push_back({"pdq", "pdq-fullres", std::string(64, 'e'), 90});
      x.matches = matches;
      x.records = records;
      auto r = s.add_item(it, x);
      ASSERT_TRUE(r) << r.error().describe();
    };
    case_store::MatchRecord exact{
        *set, "exact", "md5",   std::string(32, '1'), std::string(32, '1'), -1, -1, -1, -1,
        "",   "1",     "alert", R"({"MD5":"11"})"};
    case_store::MatchRecord near{
        *set,    "near", "pdq",   std::string(64, 'e'), std::string(64, 'f'), 12, 31, 90, 100,
        "rot90", "2",    "alert", R"({"pdq":"ff"})"};
    add(kScript, std::string(32, '1'), false, {exact});
    // EXIF GPS (plugins/exif records): a whole position, and a latitude without its longitude.
    add(kFormula, std::string(32, '2'), true, {near}, "ok", {{"exif", "gps_latitude", "10.5"}});
    add(kBadBytes, std::string(32, '3'), false, {exact});
    add(kArabic, std::string(32, '4'), false, {}, "ok",
        {{"exif", "make", "Vigil"},
         {"exif", "gps_latitude", "-33.8666667"},
         {"exif", "gps_longitude", "151.2000000"},
         {"exif", "gps_altitude", "12.50"}});
    add("Pictures/unreadable.jpg", "", false, {}, "error");
    ASSERT_TRUE(s.add_warning(
        {"img.E01 > vol:0@1048576 > Pictures/unreadable.jpg", "read", "short read at offset 0"}));
    ASSERT_TRUE(s.commit_batch());
    ASSERT_TRUE(s.audit(*run, "2024-03-01T12:00:00Z", "scan-started", "{}"));
    ASSERT_TRUE(s.end_run(*run, "complete", "2024-03-01T12:01:00Z", R"({"items":5})"));
  }
  void TearDown() override { fs::remove_all(root_); }

  ReportOptions options(const std::string& out) {
    ReportOptions o;
    o.case_dir = case_dir_;
    o.out_dir = (root_ / out).string();
    o.meta.case_number = "CASE-2024-<1>";
    o.meta.exhibits = {"EX/1"};
    o.meta.examiner = "A. Examiner";
    o.meta.report_time = "2024-03-02T00:00:00Z";
    o.meta.tool_version = "0.1.0";
    o.meta.tool_commit = "test";
    o.meta.rerun_command = "vigil report --case case --out NEW_FOLDER";
    return o;
  }

  fs::path root_;
  std::string case_dir_;
};

// A run that ended with item warnings is finished; one that was interrupted or never ended is not.
TEST(ReportData, RunsCompleteIncludesRunsThatFinishedWithWarnings) {
  ReportData d;
  EXPECT_FALSE(d.runs_complete());
  d.runs.push_back({});
  d.runs.back().status = "complete";
  d.runs.push_back({});
  d.runs.back().status = "complete-with-warnings";
  EXPECT_TRUE(d.runs_complete());
  for (const char* unfinished : {"running", "interrupted"}) {
    d.runs.push_back({});
    d.runs.back().status = unfinished;
    EXPECT_FALSE(d.runs_complete()) << unfinished;
    d.runs.pop_back();
  }
}

TEST_F(ReportTest, WritesEveryFormatWithAManifest) {
  auto r = generate_report(options("out"));
  ASSERT_TRUE(r) << r.error().describe();
  for (const char* f :
       {"report.jsonl", "items.csv", "matches.csv", "report.dfxml", "report.case.jsonld",
        "vics-case.json", "report.html", "report.pdf", "machine.sha256", "MANIFEST.sha256"})
    EXPECT_TRUE(fs::exists(root_ / "out" / f)) << f;
  EXPECT_FALSE(r->source_verified);  // stored MD5 present, never verified
  EXPECT_EQ(r->report_id.size(), std::string("VR-0000-0000-0000-0000").size());
  // Nothing left behind but the report folder.
  for (const auto& e : fs::directory_iterator(root_))
    EXPECT_TRUE(e.path().filename() == "out" || e.path().filename() == "case") << e.path();
  for (const auto& e : fs::directory_iterator(root_ / "out"))
    EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
}

TEST_F(ReportTest, HostileNamesAreEscapedEverywhere) {
  ASSERT_TRUE(generate_report(options("out")));
  const auto html = slurp(root_ / "out" / "report.html");
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;.jpg"), std::string::npos);
  EXPECT_NE(html.find("bad\\xff\\xfe.jpg"), std::string::npos);
  EXPECT_NE(html.find("SOURCE NOT VERIFIED"), std::string::npos);
  EXPECT_EQ(html.find("src=\""), std::string::npos);  // no external resources
  EXPECT_EQ(html.find("http"), std::string::npos);

  const auto csv = slurp(root_ / "out" / "items.csv");
  EXPECT_NE(csv.find("\"Hostile/=cmd|'/c calc'!A1.png\""), std::string::npos);
  const auto matches = slurp(root_ / "out" / "matches.csv");
  EXPECT_NE(matches.find("\"near\",\"yes\""), std::string::npos);

  const auto dfxml = slurp(root_ / "out" / "report.dfxml");
  EXPECT_EQ(dfxml.find("<script"), std::string::npos);
  EXPECT_NE(dfxml.find("vigil:path_b64=\"" + base64_encode(kBadBytes) + "\""), std::string::npos);

  // JSON Lines: every line parses; the non-UTF-8 path comes back exactly from path_b64.
  std::istringstream jl(slurp(root_ / "out" / "report.jsonl"));
  std::string line;
  bool found_b64 = false;
  int items = 0;
  while (std::getline(jl, line)) {
    const auto j = nlohmann::json::parse(line);
    ASSERT_TRUE(j.contains("type"));
    if (j["type"] == "item") {
      ++items;
      if (j.contains("path_b64")) {
        std::string b64 = j["path_b64"];
        EXPECT_EQ(b64, base64_encode(kBadBytes));
        found_b64 = true;
      }
    }
  }
  EXPECT_EQ(items, 5);
  EXPECT_TRUE(found_b64);
  EXPECT_TRUE(nlohmann::json::accept(slurp(root_ / "out" / "report.case.jsonld")));
  const auto vics = nlohmann::json::parse(slurp(root_ / "out" / "vics-case.json"));
  EXPECT_EQ(vics["value"][0]["Media"].size(), 4u);  // the unreadable item has no digests
}

// EXIF GPS in CASE: a uco-location:Location with a LatLongCoordinatesFacet (xsd:decimal degrees
// and metres), which the picture is Located_At; an item with only a latitude gets none.
TEST_F(ReportTest, CaseExportPlacesGpsPicturesAtALocation) {
  ASSERT_TRUE(generate_report(options("out")));
  const auto doc = nlohmann::json::parse(slurp(root_ / "out" / "report.case.jsonld"));
  EXPECT_EQ(doc["@context"]["uco-location"],
            "https://ontology.unifiedcyberontology.org/uco/location/");
  std::vector<nlohmann::json> locations, located_at;
  std::string arabic_file;
  for (const auto& n : doc["@graph"]) {
    if (n["@type"] == "uco-location:Location") locations.push_back(n);
    if (n.value("uco-core:kindOfRelationship", "") == "Located_At") located_at.push_back(n);
    if (n["@type"] == "uco-observable:File" &&
        n.value("uco-core:description", "").find(kArabic) != std::string::npos)
      arabic_file = n["@id"];
  }
  ASSERT_EQ(locations.size(), 1u);
  ASSERT_EQ(located_at.size(), 1u);
  const auto& facet = locations[0]["uco-core:hasFacet"][0];
  EXPECT_EQ(facet["@type"], "uco-location:LatLongCoordinatesFacet");
  EXPECT_EQ(facet["uco-location:latitude"]["@value"], "-33.8666667");
  EXPECT_EQ(facet["uco-location:latitude"]["@type"], "xsd:decimal");
  EXPECT_EQ(facet["uco-location:longitude"]["@value"], "151.2000000");
  EXPECT_EQ(facet["uco-location:altitude"]["@value"], "12.50");
  EXPECT_EQ(located_at[0]["@type"], "uco-core:Relationship");
  ASSERT_FALSE(arabic_file.empty());
  EXPECT_EQ(located_at[0]["uco-core:source"][0]["@id"], arabic_file);
  EXPECT_EQ(located_at[0]["uco-core:target"]["@id"], locations[0]["@id"]);
}

TEST_F(ReportTest, ExactAndNearAreSeparateAndNearNeedsReview) {
  ASSERT_TRUE(generate_report(options("out")));
  const auto html = slurp(root_ / "out" / "report.html");
  const auto exact = html.find("Exact matches</h2>");
  const auto near = html.find("Near matches (perceptual)");
  ASSERT_NE(exact, std::string::npos);
  ASSERT_NE(near, std::string::npos);
  EXPECT_LT(exact, near);
  // The near match (the formula name, variant rot90) is only after the near heading.
  const auto rot = html.find("rot90");
  EXPECT_GT(rot, near);
  EXPECT_NE(html.find("Requires examiner review"), std::string::npos);
  EXPECT_EQ(html.find("illegal"), std::string::npos);
}

// Issue 10, point 8: the report counts items per status exactly as the case store records it
// (no "not read (not media ...)": non-media items are read and digested), and cites the measured
// error rates of PDQ beside the near matches, with the accuracy document's version.
TEST_F(ReportTest, NamesEachStoredStatusAndCitesTheMeasuredErrorRates) {
  ASSERT_TRUE(generate_report(options("out")));
  const auto html = slurp(root_ / "out" / "report.html");
  EXPECT_EQ(html.find("not media, or no content"), std::string::npos);
  EXPECT_NE(html.find("Items with status ok</th><td>4"), std::string::npos);
  EXPECT_NE(html.find("Items with status error</th><td>1"), std::string::npos);
  const auto near = html.find("Near matches (perceptual)");
  const auto rates = html.find("Measured error rates");
  ASSERT_NE(near, std::string::npos);
  ASSERT_NE(rates, std::string::npos);
  EXPECT_GT(rates, near);
  EXPECT_LT(rates, html.find("Matched items in detail"));
  EXPECT_NE(html.find("docs/perceptual-accuracy.md, version "), std::string::npos);
  EXPECT_NE(html.find("False-match rate at threshold 31"), std::string::npos);
  EXPECT_NE(html.find("JPEG quality 30"), std::string::npos);
  EXPECT_NE(html.find("rotation 90 degrees"), std::string::npos);
}

TEST_F(ReportTest, SameStoreAndOptionsGiveIdenticalBytes) {
  ASSERT_TRUE(generate_report(options("a")));
  ASSERT_TRUE(generate_report(options("b")));
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(root_ / "a")) {
    EXPECT_EQ(slurp(e.path()), slurp(root_ / "b" / e.path().filename())) << e.path();
    ++n;
  }
  EXPECT_EQ(n, 10u);
  auto other = options("c");
  other.meta.report_time = "2024-03-03T00:00:00Z";
  auto r = generate_report(other);
  ASSERT_TRUE(r);
  EXPECT_NE(slurp(root_ / "a" / "report.jsonl"), slurp(root_ / "c" / "report.jsonl"));
}

TEST_F(ReportTest, RefusesWithoutCaseNumberOrExhibitAndNeverOverwrites) {
  auto o = options("out");
  o.meta.case_number.clear();
  EXPECT_FALSE(generate_report(o));
  o = options("out");
  o.meta.exhibits.clear();
  EXPECT_FALSE(generate_report(o));
  EXPECT_FALSE(fs::exists(root_ / "out"));
  ASSERT_TRUE(generate_report(options("out")));
  auto again = generate_report(options("out"));
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("never overwritten"), std::string::npos);
  o = options("x");
  o.case_dir = (root_ / "nocase").string();
  auto missing = generate_report(o);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(ReportTest, VerifyDetectsChangesAndSignatures) {
  // An Ed25519 key made here (never stored in the repository).
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
  ASSERT_EQ(EVP_PKEY_keygen_init(kctx), 1);
  ASSERT_EQ(EVP_PKEY_keygen(kctx, &key), 1);
  EVP_PKEY_CTX_free(kctx);
  const std::string key_path = (root_ / "key.pem").string();
  std::FILE* f = std::fopen(key_path.c_str(), "wb");
  ASSERT_EQ(PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  std::fclose(f);
  EVP_PKEY_free(key);

  auto o = options("signed");
  o.sign_key = key_path;
  auto r = generate_report(o);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_TRUE(r->signed_manifest);
  auto v = verify_report((root_ / "signed").string());
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->problems.empty()) << v->problems.front();
  EXPECT_TRUE(v->signature_checked);
  EXPECT_EQ(v->files_checked, 9u);

  // Change one byte of the CSV: verify names it.
  {
    std::fstream csv(root_ / "signed" / "items.csv",
                     std::ios::in | std::ios::out | std::ios::binary);
    csv.seekp(3);
    csv.put('X');
  }
  v = verify_report((root_ / "signed").string());
  ASSERT_TRUE(v);
  ASSERT_FALSE(v->problems.empty());
  EXPECT_NE(v->problems.front().find("items.csv"), std::string::npos);

  // A manifest edited to match no longer matches its signature.
  {
    std::ofstream m(root_ / "signed" / kManifestFile, std::ios::app);
    m << std::string(64, '0') << "  extra.txt\n";
  }
  v = verify_report((root_ / "signed").string());
  ASSERT_TRUE(v);
  bool sig_bad = false;
  for (const auto& p : v->problems) sig_bad |= p.find("signature") != std::string::npos;
  EXPECT_TRUE(sig_bad);

  // A key that is not Ed25519 is refused before anything is left under the final name.
  {
    std::ofstream bad(root_ / "bad.pem");
    bad << "not a key\n";
  }
  o = options("badkey");
  o.sign_key = (root_ / "bad.pem").string();
  EXPECT_FALSE(generate_report(o));
  EXPECT_FALSE(fs::exists(root_ / "badkey"));
}

TEST_F(ReportTest, DisplayTimeZoneBesideUtc) {
  auto o = options("tz");
  o.meta.display_tz = "Europe/Berlin";
  o.formats = {"html"};
  ASSERT_TRUE(generate_report(o));
  const auto html = slurp(root_ / "tz" / "report.html");
  EXPECT_NE(html.find("2024-03-01T12:00:00.1234567Z (UTC, precision 100ns); Europe/Berlin: "
                      "2024-03-01 13:00:00.1234567 CET (+0100)"),
            std::string::npos);
  o = options("badtz");
  o.meta.display_tz = "../../etc/passwd";
  EXPECT_FALSE(generate_report(o));
  EXPECT_FALSE(fs::exists(root_ / "badtz"));
}

TEST(ReportTime, SourceDateEpochPinsTheDefault) {
  setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  EXPECT_EQ(default_report_time(), "2023-11-14T22:13:20Z");
  unsetenv("SOURCE_DATE_EPOCH");
  EXPECT_EQ(default_report_time().size(), std::string("2023-11-14T22:13:20Z").size());
}

TEST_F(ReportTest, AWriteFailureLeavesNothingBehind) {
  // A file-size limit makes writes fail as a full disk would (EFBIG instead of ENOSPC).
  struct rlimit old {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 40000;  // room for SQLite's 32 KiB shared-memory file, not for the PDF
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  auto r = generate_report(options("full"));
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  EXPECT_NE(r.error().message.find("cannot write"), std::string::npos) << r.error().message;
  EXPECT_FALSE(fs::exists(root_ / "full"));
  for (const auto& e : fs::directory_iterator(root_))
    EXPECT_EQ(e.path().filename().string().find(".partial"), std::string::npos) << e.path();
}

TEST_F(ReportTest, ReaderRefusesANewerSchemaAndABusyCase) {
  {
    auto store = case_store::CaseStore::open(case_dir_, false);
    ASSERT_TRUE(store);
    auto busy = CaseReader::open(case_dir_);
    ASSERT_FALSE(busy);
    EXPECT_EQ(busy.error().code, ErrorCode::kBusy);
    ASSERT_EQ(sqlite3_exec((*store)->handle(), "PRAGMA user_version=99", nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  auto newer = CaseReader::open(case_dir_);
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().code, ErrorCode::kUnsupported);
  auto o = options("out");
  EXPECT_FALSE(generate_report(o));
  EXPECT_FALSE(fs::exists(root_ / "out"));
}

}  // namespace
}  // namespace vigil::report
