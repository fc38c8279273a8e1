#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "test_util.hpp"
#include "vigil/hashset/hash_set.hpp"
#include "vigil/hashset/import.hpp"
#include "vigil/hashset/parsers.hpp"

namespace vigil::hashset {
namespace {

using testing::samples;
using testing::TempDir;

Digest hex(const char* h) { return *Digest::from_hex(h); }

constexpr const char* kMd5Empty = "d41d8cd98f00b204e9800998ecf8427e";
constexpr const char* kMd5Abc = "900150983cd24fb0d6963f7d28e17f72";
constexpr const char* kMd5Hello = "6f5902ac237024bdd0c176cb93063dc4";
constexpr const char* kMd5Fox = "9e107d9d372bb6826bd81d3542a419d6";
constexpr const char* kSha1Abc = "a9993e364706816aba3e25717850c26c9cd0d89d";
constexpr const char* kSha256Abc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

constexpr const char* kSha1Empty = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
constexpr const char* kSha256Fox =
    "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592";
// First frame of pdq/vpdq-sample-40-frames.txt: SHA-256 of "vigil vpdq frame 0" (a value that
// describes no picture; make_samples.py), quality 90.
constexpr const char* kVpdqFrame0 =
    "7084f8e549d4fee579dd6ff80be12a7b092936abb770f00956df74da5a1171c5";

struct Expect {
  const char* file;
  Format format;
  std::uint64_t records, md5, sha1, sha256, pdq;
  const char* name;             // the listed name of "abc" (nullptr: the format carries no names)
  bool size;                    // the format carries the size
  bool name_attribute = false;  // the name is kept as the attribute "FileName" (VICS 1.2 Media)
};

// Every sample lists the same contents (make_samples.py): "", "abc", "hello world\n" and the fox
// sentence; the counts follow from the digests each format holds.
const Expect kSamples[] = {
    {"NSRLFile-rds2-synthetic.txt", Format::kRds2, 4, 4, 4, 0, 0, "abc.txt", true},
    {"NSRLProd-rds2-synthetic.txt", Format::kNsrlProd, 0, 0, 0, 0, 0, nullptr, false},
    {"hashdeep.txt", Format::kHashdeep, 4, 4, 0, 4, 0, "./abc.txt", true},
    {"hashkeeper-synthetic.hsh", Format::kHashKeeper, 4, 4, 0, 0, 0, "abc.txt", false},
    {"hashlookup-response-illustrative.json", Format::kHashlookup, 1, 1, 1, 1, 0, "abc.txt", true},
    {"icse-style-synthetic.csv", Format::kIcse, 4, 4, 4, 0, 0, nullptr, false},
    {"md5-bsd.txt", Format::kSumList, 4, 4, 0, 0, 0, "abc.txt", false},
    {"md5sum.txt", Format::kSumList, 4, 4, 0, 0, 0, "abc.txt", false},
    {"md5sum.txt-md5.idx", Format::kTskIdx, 4, 4, 0, 0, 0, nullptr, false},
    {"rdsv3-minimal-synthetic.db", Format::kRdsV3, 4, 4, 4, 4, 0, "abc.txt", true},
    {"sha1sum.txt", Format::kSumList, 4, 0, 4, 0, 0, "abc.txt", false},
    {"sha256sum.txt", Format::kSumList, 4, 0, 0, 4, 0, "abc.txt", false},
    {"vics-1.2-media-nist-style-synthetic.json", Format::kVics, 4, 4, 4, 0, 0, "abc.txt", true,
     true},
    {"vics-1.3-case-synthetic.json", Format::kVics, 4, 4, 4, 4, 0, "abc.txt", true},
    {"vics-2.0-case-synthetic.json", Format::kVics, 4, 4, 4, 4, 0, "abc.txt", true},
    {"vics-2.0-hashset-synthetic.json", Format::kVics, 4, 4, 4, 0, 0, nullptr, true},
    {"xways-import-md5.txt", Format::kPlain, 4, 4, 0, 0, 0, nullptr, false},
    {"xways-import-sha1.txt", Format::kPlain, 4, 0, 4, 0, 0, nullptr, false},
    {"pdq/vpdq-sample-40-frames.txt", Format::kVpdq, 40, 0, 0, 0, 40, nullptr, false},
};

// Imports every sample, then checks its counts, one lookup that finds the record of "abc" with
// every digest the format holds (the values, not just that something matched), and one lookup
// that must find nothing.
TEST(Import, EverySampleImportsWithItsCountsDigestsAndLookups) {
  for (const auto& e : kSamples) {
    SCOPED_TRACE(e.file);
    TempDir tmp;
    auto f = detect_format(samples() / e.file);
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_EQ(*f, e.format);
    ImportOptions opt;
    opt.imported_at = "2026-01-01T00:00:00Z";
    auto rep = import_set({samples() / e.file}, tmp.path() / "set", opt);
    ASSERT_TRUE(rep.ok()) << rep.error().message;
    EXPECT_EQ(rep->rejected, 0u);
    auto set = HashSet::open(tmp.path() / "set");
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_EQ(set->record_count(), e.records);
    EXPECT_EQ(set->digest_count(Algorithm::kMd5), e.md5);
    EXPECT_EQ(set->digest_count(Algorithm::kSha1), e.sha1);
    EXPECT_EQ(set->digest_count(Algorithm::kSha256), e.sha256);
    EXPECT_EQ(set->pdq_index().size(), e.pdq);
    ASSERT_EQ(set->info().sources.size(), 1u);
    EXPECT_EQ(set->info().sources[0].sha256.size(), 64u);
    EXPECT_EQ(set->info().sources[0].size, std::filesystem::file_size(samples() / e.file));

    // A digest that no sample lists is never found.
    EXPECT_FALSE(set->contains(hex("0123456789abcdef0123456789abcdef")));
    EXPECT_FALSE(set->contains(hex("0123456789abcdef0123456789abcdef01234567")));
    if (e.format == Format::kNsrlProd) {  // product names only: nothing to look up
      EXPECT_FALSE(set->contains(hex(kMd5Abc)));
      continue;
    }
    if (e.format == Format::kVpdq) {
      const auto q = Hash256::from_hex(kVpdqFrame0);
      ASSERT_TRUE(q.has_value());
      const auto hits = set->find_near(*q, 0);
      ASSERT_EQ(hits.size(), 1u);
      EXPECT_EQ(hits[0].distance, 0);
      auto r = set->record(set->pdq_record(hits[0].index));
      ASSERT_TRUE(r.ok());
      ASSERT_TRUE(r->pdq.has_value());
      EXPECT_EQ(r->pdq->to_hex(), kVpdqFrame0);
      EXPECT_EQ(r->pdq_quality, 90);
      EXPECT_EQ(r->source_line, 1u);
      continue;
    }
    // The record of "abc", found by the first digest the format holds.
    const char* probe = e.md5 != 0 ? kMd5Abc : (e.sha1 != 0 ? kSha1Abc : kSha256Abc);
    std::vector<std::uint32_t> ids;
    set->find(hex(probe), ids);
    ASSERT_EQ(ids.size(), 1u);
    auto r = set->record(ids[0]);
    ASSERT_TRUE(r.ok());
    if (e.md5 != 0) {
      ASSERT_TRUE(r->md5.has_value());
      EXPECT_EQ(r->md5->to_hex(), kMd5Abc);
    }
    if (e.sha1 != 0) {
      ASSERT_TRUE(r->sha1.has_value());
      EXPECT_EQ(r->sha1->to_hex(), kSha1Abc);
      EXPECT_TRUE(set->contains(hex(kSha1Abc)));
    }
    if (e.sha256 != 0) {
      ASSERT_TRUE(r->sha256.has_value());
      EXPECT_EQ(r->sha256->to_hex(), kSha256Abc);
      EXPECT_TRUE(set->contains(hex(kSha256Abc)));
    }
    if (e.name_attribute) {
      ASSERT_NE(r->attribute("FileName"), nullptr);
      EXPECT_EQ(*r->attribute("FileName"), e.name);
    } else {
      EXPECT_EQ(r->file_name, e.name != nullptr ? e.name : "");
    }
    if (e.size) {
      ASSERT_TRUE(r->size.has_value());
      EXPECT_EQ(*r->size, 3u);
    }
    // A second content, by another algorithm where the format has one.
    if (e.records == 4) {
      if (e.sha256 != 0) {
        EXPECT_TRUE(set->contains(hex(kSha256Fox)));
      }
      if (e.sha1 != 0) {
        EXPECT_TRUE(set->contains(hex(kSha1Empty)));
      }
      if (e.md5 != 0) {
        EXPECT_TRUE(set->contains(hex(kMd5Hello)));
      }
    }
  }
}

TEST(Import, PlainListOf64HexIsAmbiguousUntilForced) {
  const auto needles = samples() / "pdq" / "needles.txt";
  auto f = detect_format(needles);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("ambiguous"), std::string::npos);
  EXPECT_NE(f.error().message.find("pdq"), std::string::npos);
  TempDir tmp;
  ImportOptions opt;
  opt.format = Format::kPdq;
  auto rep = import_set({needles}, tmp.path() / "set", opt);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  auto set = HashSet::open(tmp.path() / "set");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->pdq_index().size(), 100u);
  EXPECT_EQ(set->record(0)->pdq_quality, -1);  // the list gives no quality
}

TEST(Import, VicsLookupsGiveSetCategoryAndStatus) {
  TempDir tmp;
  ImportOptions opt;
  opt.name = "Project VIC US";
  opt.version = "2024-03";
  opt.publisher = "synthetic";
  auto rep = import_set({samples() / "vics-2.0-hashset-synthetic.json"}, tmp.path() / "vic", opt);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->info.profile.name, "vics-us");
  HashSetGroup group;
  auto set = HashSet::open(tmp.path() / "vic");
  ASSERT_TRUE(set.ok());
  group.add(std::move(*set));
  struct Want {
    const char* md5;
    Category::State state;
    const char* raw;
    Status status;
  };
  for (const Want& w : {Want{kMd5Empty, Category::State::kValue, "0", Status::kIgnore},
                        Want{kMd5Abc, Category::State::kValue, "1", Status::kAlert},
                        Want{kMd5Hello, Category::State::kValue, "4", Status::kKnown},
                        Want{kMd5Fox, Category::State::kAbsent, "", Status::kKnown}}) {
    SCOPED_TRACE(w.md5);
    auto m = group.find(hex(w.md5));
    ASSERT_EQ(m.size(), 1u);
    const HashSet& s = group.sets()[m[0].set];
    EXPECT_EQ(s.info().name, "Project VIC US");
    EXPECT_EQ(s.info().version, "2024-03");
    auto r = s.record(m[0].record);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->category.state, w.state);
    EXPECT_EQ(r->category.raw, w.raw);
    EXPECT_EQ(r->status, w.status);
  }
  // SHA-1 of "abc" names the same record.
  auto m = group.find(hex(kSha1Abc));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(group.sets()[0].record(m[0].record)->md5->to_hex(), kMd5Abc);
  EXPECT_TRUE(group.find(hex("00000000000000000000000000000001")).empty());
}

TEST(Import, VicsCaseExportCarriesSha256FromAlternativeHashes) {
  TempDir tmp;
  auto rep = import_set({samples() / "vics-2.0-case-synthetic.json"}, tmp.path() / "s", {});
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->info.sources[0].detail, "VICS 2.0 US #Cases");
  auto set = HashSet::open(tmp.path() / "s");
  std::vector<std::uint32_t> ids;
  set->find(hex(kSha256Abc), ids);
  ASSERT_EQ(ids.size(), 1u);
  auto r = set->record(ids[0]);
  EXPECT_EQ(r->md5->to_hex(), kMd5Abc);
  EXPECT_EQ(r->file_name, "abc.txt");
  EXPECT_EQ(r->category.raw, "1");
  ASSERT_NE(r->attribute("IsDistributed"), nullptr);
  EXPECT_EQ(*r->attribute("IsDistributed"), "false");
}

// Records parsed from a string, for parser-level checks.
struct Collect : RecordSink {
  std::vector<Record> records;
  std::vector<std::pair<std::uint64_t, std::string>> rejected;
  Result<void> record(Record&& r) override {
    records.push_back(std::move(r));
    return {};
  }
  void reject(std::uint64_t line, std::string reason) override {
    rejected.emplace_back(line, std::move(reason));
  }
};

TEST(Import, VicsToleratesBomStringsNullAndCrlf) {
  const std::string text =
      "\xEF\xBB\xBF{\"@odata.context\":\"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/"
      "2.0.xml/UK/"
      "$metadata#Media\",\r\n\"value\":[\r\n"
      "{\"MediaID\":\"1\",\"MD5\":\"900150983CD24FB0D6963F7D28E17F72\",\"Category\":null,"
      "\"MediaSize\":\"3\","
      "\"VictimIdentified\":\"true\",\"PhotoDNA\":\"AAEC+/"
      "==\",\"Unknown\":{\"a\":[1,2,{\"b\":3}]}},\r\n"
      "{\"MD5\":\"d41d8cd98f00b204e9800998ecf8427e\",\"Category\":\"A\",\"MediaSize\":0},\r\n"
      "{\"MD5\":\"not-a-digest\",\"Category\":1},\r\n"
      "{\"SHA1\":\"a9993e364706816aba3e25717850c26c9cd0d89d\",\"Category\":0}]}\r\n";
  std::istringstream in(text);
  Collect c;
  auto pr = parse_vics(in, c);
  ASSERT_TRUE(pr.ok()) << pr.error().message;
  EXPECT_EQ(pr->vics_profile, "UK");
  ASSERT_EQ(c.records.size(), 3u);
  EXPECT_EQ(c.records[0].category.state, Category::State::kNull);  // null is not 0
  EXPECT_EQ(*c.records[0].size, 3u);
  EXPECT_EQ(c.records[0].photodna, "AAEC+/==");
  EXPECT_EQ(*c.records[0].attribute("VictimIdentified"), "true");
  EXPECT_EQ(*c.records[0].attribute("MediaID"), "1");
  EXPECT_EQ(c.records[1].category.raw, "A");
  EXPECT_EQ(c.records[2].category.raw, "0");
  EXPECT_EQ(StatusProfile::vics_uk().status_for(c.records[1].category), Status::kAlert);
  ASSERT_EQ(c.rejected.size(), 1u);
  EXPECT_EQ(c.rejected[0].first, 3u);  // the third Media entry
}

TEST(Import, MalformedJsonFailsAndLeavesNoSet) {
  TempDir tmp;
  const auto bad = tmp.write(
      "bad.json",
      "{\"@odata.context\":\"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/"
      "$metadata#Media\",\"value\":[{\"MD5\":\"d41d8cd98f00b204e9800998ecf8427e\"},{\"MD5\":");
  auto rep = import_set({bad}, tmp.path() / "set", {});
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(rep.error().message.find("bad.json"), std::string::npos);
  EXPECT_NE(rep.error().message.find("malformed JSON"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "set"));
  for (const auto& e : std::filesystem::directory_iterator(tmp.path()))
    EXPECT_EQ(e.path().filename(), "bad.json");  // no temporary folder left behind
}

// nlohmann::json throws out_of_range, not parse_error, for a number beyond a double; it escaped
// the hashlookup parser and ended the process (hashset_import_fuzz, 2026-11-27).
TEST(Import, HashlookupNumberOutOfRangeIsMalformedJson) {
  TempDir tmp;
  const auto bad = tmp.write(
      "big.json",
      "{\"SHA-256\": \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\", "
      "\"FileSize\": 1E400}\n");
  ImportOptions opt;
  opt.format = Format::kHashlookup;
  auto rep = import_set({bad}, tmp.path() / "set", opt);
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(rep.error().message.find("malformed JSON"), std::string::npos) << rep.error().message;
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "set"));
}

TEST(Import, RejectedLinesAreCountedWithLineNumbers) {
  TempDir tmp;
  const auto list = tmp.write("list.md5",
                              "d41d8cd98f00b204e9800998ecf8427e  empty.bin\n"
                              "d41d8cd98f00b204e9800998ecf8427  short.bin\n"
                              "900150983cd24fb0d6963f7d28e17f72  abc.txt\n"
                              "zz0150983cd24fb0d6963f7d28e17f72  bad.txt\n"
                              "6f5902ac237024bdd0c176cb93063dc4 *hello.txt\n");
  ImportOptions opt;
  opt.format = Format::kSumList;
  auto rep = import_set({list}, tmp.path() / "set", opt);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->rejected, 2u);
  ASSERT_EQ(rep->rejections.size(), 2u);
  EXPECT_EQ(rep->rejections[0].line, 2u);
  EXPECT_EQ(rep->rejections[1].line, 4u);
  EXPECT_EQ(rep->info.sources[0].records, 3u);
  EXPECT_EQ(rep->info.sources[0].rejected, 2u);
  std::ifstream tsv(tmp.path() / "set" / "rejected.tsv");
  std::string header, l1, l2;
  std::getline(tsv, header);
  std::getline(tsv, l1);
  std::getline(tsv, l2);
  EXPECT_EQ(l1.rfind("0\t2\t", 0), 0u);
  EXPECT_EQ(l2.rfind("0\t4\t", 0), 0u);
}

TEST(Import, OverlongLinesAreRejectedAndLongOnesKept) {
  TempDir tmp;
  const auto list = tmp.write(
      "long.txt", "d41d8cd98f00b204e9800998ecf8427e\n" + std::string(2 << 20, 'x') + "\n" +
                      std::string(100000, ' ') + "900150983cd24fb0d6963f7d28e17f72\n" +
                      "6f5902ac237024bdd0c176cb93063dc4");
  ImportOptions opt;
  opt.format = Format::kPlain;
  auto rep = import_set({list}, tmp.path() / "set", opt);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->info.records, 3u);  // the last line has no newline and still counts
  ASSERT_EQ(rep->rejections.size(), 1u);
  EXPECT_EQ(rep->rejections[0].line, 2u);
  EXPECT_NE(rep->rejections[0].reason.find("longer than"), std::string::npos);
}

TEST(Import, PdqQualityGateAndZeroHashAreRejected) {
  TempDir tmp;
  const std::string h1(64, 'a');
  const std::string h2 = "0f" + std::string(62, '1');
  const auto list = tmp.write(
      "p.pdq", h1 + ",90,a.jpg\n" + h2 + ",49,b.jpg\n" + std::string(64, '0') + ",100,c.jpg\n");
  auto rep = import_set({list}, tmp.path() / "set", {});
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->info.sources[0].format, "pdq");
  EXPECT_EQ(rep->info.records, 1u);
  ASSERT_EQ(rep->rejections.size(), 2u);
  EXPECT_EQ(rep->rejections[0].line, 2u);
  EXPECT_NE(rep->rejections[0].reason.find("quality 49"), std::string::npos);
  EXPECT_EQ(rep->rejections[1].line, 3u);
}

TEST(Import, NsrlProductNamesAttachToRds2Records) {
  TempDir tmp;
  auto rep = import_set(
      {samples() / "NSRLFile-rds2-synthetic.txt", samples() / "NSRLProd-rds2-synthetic.txt"},
      tmp.path() / "nsrl", {});
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->info.profile.name, "nsrl");
  auto set = HashSet::open(tmp.path() / "nsrl");
  std::vector<std::uint32_t> ids;
  set->find(hex(kSha1Abc), ids);
  ASSERT_EQ(ids.size(), 1u);
  auto r = set->record(ids[0]);
  EXPECT_EQ(r->status, Status::kKnown);
  EXPECT_EQ(r->file_name, "abc.txt");
  EXPECT_EQ(*r->size, 3u);
  ASSERT_NE(r->attribute("ProductName"), nullptr);
  EXPECT_EQ(*r->attribute("ProductName"), "Vigil Sample Suite 2.5");
}

void exec(sqlite3* db, const char* sql) {
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql;
}

TEST(Import, RdsV3FullEditionWhereFileIsAView) {
  TempDir tmp;
  const auto path = tmp.path() / "full.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  exec(
      db,
      "CREATE TABLE METADATA (metadata_id INTEGER, package_id INTEGER, file_name TEXT, extension "
      "TEXT, "
      "bytes INTEGER, md5 TEXT, sha1 TEXT, sha256 TEXT);"
      "CREATE VIEW FILE AS SELECT UPPER(sha256) AS sha256, UPPER(sha1) AS sha1, UPPER(md5) AS md5, "
      "file_name || '.' || extension AS file_name, bytes AS file_size, package_id FROM METADATA;"
      "CREATE TABLE PKG (package_id INTEGER, name TEXT, version TEXT);"
      "INSERT INTO PKG VALUES (7, 'Synthetic', '2');"
      "CREATE TABLE VERSION (version TEXT, build_set TEXT);"
      "INSERT INTO VERSION VALUES ('2099.03.1', 'synthetic-full');"
      "INSERT INTO METADATA VALUES (1, 7, 'abc', 'txt', 3, '900150983cd24fb0d6963f7d28e17f72', "
      "'a9993e364706816aba3e25717850c26c9cd0d89d', "
      "'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');"
      "INSERT INTO METADATA VALUES (2, 7, 'bad', 'bin', 1, 'nothex', NULL, NULL);");
  sqlite3_close(db);
  auto rep = import_set({path}, tmp.path() / "set", {});
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->info.version, "2099.03.1");
  EXPECT_NE(rep->info.sources[0].detail.find("view, full edition"), std::string::npos);
  EXPECT_EQ(rep->info.records, 1u);
  ASSERT_EQ(rep->rejections.size(), 1u);
  EXPECT_EQ(rep->rejections[0].line, 2u);
  auto set = HashSet::open(tmp.path() / "set");
  std::vector<std::uint32_t> ids;
  set->find(hex(kSha256Abc), ids);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(set->record(ids[0])->file_name, "abc.txt");
  ASSERT_NE(set->record(ids[0])->attribute("package"), nullptr);
  EXPECT_EQ(*set->record(ids[0])->attribute("package"), "Synthetic 2");
}

TEST(Import, SqliteWithoutHashColumnsOrTruncatedIsAnError) {
  TempDir tmp;
  const auto path = tmp.path() / "odd.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  exec(db, "CREATE TABLE FILE (name TEXT, size INTEGER); INSERT INTO FILE VALUES ('a', 1);");
  sqlite3_close(db);
  auto rep = import_set({path}, tmp.path() / "set", {});
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(rep.error().message.find("unknown RDSv3 layout"), std::string::npos);

  // The minimal sample cut in half.
  std::ifstream in(samples() / "rdsv3-minimal-synthetic.db", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  const auto cut = tmp.write("cut.db", bytes.substr(0, bytes.size() / 2));
  rep = import_set({cut}, tmp.path() / "set", {});
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(rep.error().message.find("cut.db"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "set"));
}

TEST(Import, NewerReleaseReplacesTheSetAtomically) {
  TempDir tmp;
  ImportOptions opt;
  opt.name = "lab";
  opt.version = "1";
  auto v1 = import_set({samples() / "md5sum.txt"}, tmp.path() / "set", opt);
  ASSERT_TRUE(v1.ok());
  auto old_set = HashSet::open(tmp.path() / "set");  // stays readable after the swap
  ASSERT_TRUE(old_set.ok());
  opt.version = "2";
  auto v2 = import_set({samples() / "sha1sum.txt"}, tmp.path() / "set", opt);
  ASSERT_TRUE(v2.ok()) << v2.error().message;
  EXPECT_TRUE(v2->replaced);
  EXPECT_NE(v1->info.set_id, v2->info.set_id);
  auto now = HashSet::open(tmp.path() / "set");
  EXPECT_EQ(now->info().version, "2");
  EXPECT_TRUE(now->contains(hex(kSha1Abc)));
  EXPECT_FALSE(now->contains(hex(kMd5Abc)));
  EXPECT_TRUE(old_set->contains(hex(kMd5Abc)));
  EXPECT_EQ(old_set->info().set_id, v1->info.set_id);
  std::size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(tmp.path())) (void)e, ++entries;
  EXPECT_EQ(entries, 1u);  // the old version's folder is gone
}

TEST(Import, SameFilesSameNameGiveTheSameSetId) {
  TempDir tmp;
  ImportOptions opt;
  opt.name = "n";
  opt.version = "v";
  auto a = import_set({samples() / "md5sum.txt"}, tmp.path() / "a", opt);
  opt.imported_at = "2000-01-01T00:00:00Z";
  auto b = import_set({samples() / "md5sum.txt"}, tmp.path() / "b", opt);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->info.set_id, b->info.set_id);
}

// TSK's hfind is the reference for NSRL and md5sum lookups (hfind(1), The Sleuth Kit): the same
// digests must be found, and a digest absent from the list must be absent from both.
std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(Import, LookupsAgreeWithHfind) {
  ASSERT_EQ(std::system("command -v hfind >/dev/null 2>&1"), 0)
      << "hfind is missing: install Debian's sleuthkit (scripts/install-deps.sh)";
  struct Case {
    const char* sample;
    const char* index_type;
    Algorithm algorithm;
  };
  for (const Case& c : {Case{"md5sum.txt", "md5sum", Algorithm::kMd5},
                        Case{"NSRLFile-rds2-synthetic.txt", "nsrl-md5", Algorithm::kMd5},
                        Case{"NSRLFile-rds2-synthetic.txt", "nsrl-sha1", Algorithm::kSha1}}) {
    SCOPED_TRACE(std::string(c.sample) + " " + c.index_type);
    TempDir tmp;
    const auto copy = tmp.path() / c.sample;
    std::filesystem::copy_file(samples() / c.sample, copy);
    ASSERT_EQ(std::system(("hfind -i " + std::string(c.index_type) + " '" + copy.string() +
                           "' >/dev/null 2>&1")
                              .c_str()),
              0);
    ASSERT_TRUE(import_set({copy}, tmp.path() / "set", {}).ok());
    auto set = HashSet::open(tmp.path() / "set");
    ASSERT_TRUE(set.ok());
    std::vector<std::string> queries;
    for (std::uint64_t i = 0; i < set->digest_count(c.algorithm); ++i)
      queries.push_back(set->digest_at(c.algorithm, i).to_hex());
    queries.push_back(c.algorithm == Algorithm::kMd5 ? "0123456789abcdef0123456789abcdef"
                                                     : "0123456789abcdef0123456789abcdef01234567");
    ASSERT_EQ(queries.size(), 5u);
    for (const auto& q : queries) {
      const std::string out = run("hfind '" + copy.string() + "' " + q + " 2>&1");
      const bool hfind_hit = out.find("Hash Not Found") == std::string::npos && !out.empty();
      EXPECT_EQ(set->contains(*Digest::from_hex(q)), hfind_hit) << q << ": " << out;
    }
  }
}

}  // namespace
}  // namespace vigil::hashset
