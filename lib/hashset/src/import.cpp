#include "vigil/hashset/import.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>

#include "line_util.hpp"
#include "mapped_file.hpp"
#include "vigil/hashset/parsers.hpp"

namespace vigil::hashset {
namespace fs = std::filesystem;

namespace {

struct FormatName {
  Format format;
  const char* name;
};
constexpr FormatName kNames[] = {
    {Format::kVics, "vics"},
    {Format::kRdsV3, "rdsv3"},
    {Format::kRds2, "rds2"},
    {Format::kNsrlProd, "nsrl-prod"},
    {Format::kHashdeep, "hashdeep"},
    {Format::kSumList, "sumlist"},
    {Format::kHashKeeper, "hashkeeper"},
    {Format::kIcse, "icse"},
    {Format::kPlain, "plain"},
    {Format::kPdq, "pdq"},
    {Format::kVpdq, "vpdq"},
    {Format::kTskIdx, "tsk-idx"},
    {Format::kHashlookup, "hashlookup"},
};

// Reads a file through a 1 MiB buffer and hashes every byte on the way, so a list is read once
// for both its records and its SHA-256.
class HashingFileBuf : public std::streambuf {
 public:
  explicit HashingFileBuf(std::FILE* f) : f_(f), buf_(1 << 20) {}
  std::string finish() {
    // Hash what the parser did not read (trailing bytes after a JSON document, say).
    while (underflow() != traits_type::eof()) setg(buf_.data(), egptr(), egptr());
    return sha_.hex_final();
  }
  [[nodiscard]] std::uint64_t total() const { return total_; }
  [[nodiscard]] bool error() const { return std::ferror(f_) != 0; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    const std::size_t n = std::fread(buf_.data(), 1, buf_.size(), f_);
    if (n == 0) return traits_type::eof();
    sha_.update(buf_.data(), n);
    total_ += n;
    setg(buf_.data(), buf_.data(), buf_.data() + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::FILE* f_;
  std::vector<char> buf_;
  detail::Sha256 sha_;
  std::uint64_t total_ = 0;
};

std::string now_utc() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Feeds parsed records to the builder: sets source and status, applies the PDQ quality gate and
// keeps every rejection.
class BuilderSink : public RecordSink {
 public:
  BuilderSink(SetBuilder& b, const StatusProfile& p, int min_quality, ImportReport& report,
              std::size_t keep)
      : b_(b), p_(p), min_quality_(min_quality), report_(report), keep_(keep) {}
  void set_source(std::uint32_t s) {
    source_ = s;
    records_ = rejected_ = 0;
  }
  Result<void> record(Record&& r) override {
    if (r.pdq) {
      if (r.pdq->is_zero()) {
        reject(r.source_line, "all-zero PDQ hash (invalid)");
        return {};
      }
      if (r.pdq_quality >= 0 && r.pdq_quality < min_quality_) {
        reject(r.source_line, "PDQ quality " + std::to_string(r.pdq_quality) +
                                  " below the minimum " + std::to_string(min_quality_));
        return {};
      }
    }
    r.source = source_;
    r.status = p_.status_for(r.category);
    auto id = b_.add(r);
    if (!id) return id.error();
    ++records_;
    return {};
  }
  void reject(std::uint64_t line, std::string reason) override {
    ++rejected_;
    ++report_.rejected;
    b_.reject(source_, line, reason);
    if (report_.rejections.size() < keep_)
      report_.rejections.push_back({source_, line, std::move(reason)});
  }
  std::uint64_t records_ = 0, rejected_ = 0;

 private:
  SetBuilder& b_;
  const StatusProfile& p_;
  int min_quality_;
  ImportReport& report_;
  std::size_t keep_;
  std::uint32_t source_ = 0;
};

StatusProfile default_profile(Format f, const std::string& vics_profile) {
  switch (f) {
    case Format::kVics:
      return vics_profile == "UK" ? StatusProfile::vics_uk() : StatusProfile::vics_us();
    case Format::kRdsV3:
    case Format::kRds2:
    case Format::kHashlookup:
      return StatusProfile::nsrl();
    case Format::kIcse:
      return StatusProfile::custom(Status::kAlert);
    default:
      return StatusProfile::custom(Status::kKnown);
  }
}

// Peeks at a VICS file's context string to choose its default profile before streaming it.
std::string peek_vics_profile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  for (const char* p : {"/US/", "/UK/", "/CUSTOM/", "/Default/"})
    if (head.find(std::string(".xml") + p) != std::string::npos)
      return std::string(p).substr(1, std::strlen(p) - 2);
  return {};
}

// Replaces `target` by `built` atomically: renameat2(RENAME_EXCHANGE) swaps two directories in one
// step, so a reader sees the old set or the new one and never a missing or half-written folder.
Result<bool> swap_into_place(const fs::path& built, const fs::path& target) {
  std::error_code ec;
  if (!fs::exists(target, ec)) {
    if (std::rename(built.c_str(), target.c_str()) != 0)
      return make_error(ErrorCode::kIo,
                        target.string() + ": rename failed: " + std::strerror(errno));
    return false;
  }
  if (!fs::exists(target / "set.json", ec))
    return make_error(ErrorCode::kInvalidArgument,
                      target.string() + " exists and is not a hash set; not replacing it");
  if (renameat2(AT_FDCWD, built.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0)
    return make_error(ErrorCode::kIo,
                      target.string() + ": atomic exchange failed: " + std::strerror(errno));
  fs::remove_all(built, ec);  // now the old set
  return true;
}

}  // namespace

std::string_view format_name(Format f) {
  for (const auto& n : kNames)
    if (n.format == f) return n.name;
  return "unknown";
}

std::optional<Format> format_from_name(std::string_view name) {
  for (const auto& n : kNames)
    if (name == n.name) return n.format;
  if (name == "md5sum" || name == "sha1sum" || name == "sha256sum") return Format::kSumList;
  if (name == "nsrl" || name == "rds") return Format::kRdsV3;
  if (name == "nsrlfile") return Format::kRds2;
  if (name == "hsh") return Format::kHashKeeper;
  if (name == "vics1" || name == "vics2") return Format::kVics;
  return std::nullopt;
}

Result<Format> detect_format(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, file.string() + ": cannot open");
  std::string head(64 * 1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  const bool truncated = in.gcount() == static_cast<std::streamsize>(head.size());
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (head.empty()) return make_error(ErrorCode::kCorrupt, file.string() + ": empty file");
  if (head.compare(0, 16, std::string("SQLite format 3\0", 16)) == 0) return Format::kRdsV3;
  std::string_view body = head;
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  const auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos)
    return make_error(ErrorCode::kCorrupt, file.string() + ": only blank lines");
  if (body[first] == '{' || body[first] == '[') {
    if (body.find("odata.metadata") != std::string_view::npos ||
        body.find("@odata.context") != std::string_view::npos)
      return Format::kVics;
    if (body.find("\"SHA-1\"") != std::string_view::npos ||
        body.find("\"MD5\"") != std::string_view::npos ||
        body.find("hashlookup") != std::string_view::npos)
      return Format::kHashlookup;
    return make_error(ErrorCode::kUnsupported,
                      file.string() + ": JSON, but neither VICS nor hashlookup");
  }
  // Text: sample up to 32 non-blank lines (the last one only if complete).
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < body.size() && lines.size() < 32) {
    auto end = body.find('\n', pos);
    if (end == std::string_view::npos) {
      if (truncated) break;
      end = body.size();
    }
    std::string_view l = body.substr(pos, end - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (!detail::trim(l).empty() || lines.empty()) lines.push_back(l);
    pos = end + 1;
  }
  const std::string_view l0 = lines.empty() ? std::string_view() : lines[0];
  if (l0.rfind("%%%% HASHDEEP-", 0) == 0) return Format::kHashdeep;
  if (l0.rfind("\"file_id\",\"hashset_id\"", 0) == 0) return Format::kHashKeeper;
  if (l0.rfind("\"SHA-1\",", 0) == 0) return Format::kRds2;
  if (l0.rfind("\"ProductCode\",", 0) == 0) return Format::kNsrlProd;
  if (l0.size() > 42 && l0.substr(0, 41) == std::string(41, '0') && l0[41] == '|')
    return Format::kTskIdx;
  {
    std::vector<std::string> cols;
    if (l0.find(';') != std::string_view::npos && detail::split_csv(l0, ';', cols)) {
      bool md5 = false, sha1 = false;
      for (auto& c : cols) {
        md5 = md5 || c == "MD5";
        sha1 = sha1 || c == "SHA1";
      }
      if (md5 && sha1) return Format::kIcse;
    }
  }
  std::vector<Format> fits;
  for (Format f : {Format::kSumList, Format::kPlain, Format::kPdq, Format::kVpdq}) {
    bool all = true;
    for (std::size_t i = 0; i < lines.size() && all; ++i)
      all = detail::line_fits(f, lines[i], i == 0) || (i > 0 && detail::trim(lines[i]).empty());
    if (all) fits.push_back(f);
  }
  if (fits.size() == 1) return fits[0];
  if (fits.empty())
    return make_error(ErrorCode::kUnsupported,
                      file.string() + ": unknown list format (use --format)");
  std::string names;
  for (Format f : fits) names += (names.empty() ? "" : ", ") + std::string(format_name(f));
  return make_error(ErrorCode::kInvalidArgument, file.string() + ": ambiguous format, could be " +
                                                     names + " (choose one with --format)");
}

Result<ImportReport> import_set(const std::vector<fs::path>& given, const fs::path& out,
                                const ImportOptions& options) {
  if (given.empty()) return make_error(ErrorCode::kInvalidArgument, "no list files given");
  // Detect every format first: a wrong file fails the import before anything is written.
  std::vector<std::pair<fs::path, Format>> detected;
  for (const auto& f : given) {
    if (options.format) {
      detected.emplace_back(f, *options.format);
      continue;
    }
    auto d = detect_format(f);
    if (!d) return d.error();
    detected.emplace_back(f, *d);
  }
  // Product tables first, so RDS 2.x records can carry product names; sources are recorded in
  // this processing order.
  std::stable_partition(detected.begin(), detected.end(),
                        [](const auto& p) { return p.second == Format::kNsrlProd; });
  std::vector<fs::path> files;
  std::vector<Format> formats;
  for (const auto& [f, fmt] : detected) {
    files.push_back(f);
    formats.push_back(fmt);
  }
  ImportReport report;
  SetInfo& info = report.info;
  info.name = options.name.empty() ? fs::path(files[0]).stem().string() : options.name;
  info.publisher = options.publisher;
  info.imported_at = options.imported_at.empty() ? now_utc() : options.imported_at;
  info.min_pdq_quality = options.min_pdq_quality;
  {
    std::size_t main = 0;
    while (main + 1 < formats.size() && formats[main] == Format::kNsrlProd) ++main;
    info.profile = options.profile
                       ? *options.profile
                       : default_profile(formats[main], formats[main] == Format::kVics
                                                            ? peek_vics_profile(files[main])
                                                            : std::string());
  }

  const fs::path target = fs::absolute(out);
  std::random_device rd;
  const fs::path tmp =
      target.parent_path() / ("." + target.filename().string() + ".tmp-" +
                              std::to_string(getpid()) + "-" + std::to_string(rd() % 1000000));
  auto builder = SetBuilder::create(tmp, options.build);
  if (!builder) return builder.error();
  auto fail = [&](Error e) -> Result<ImportReport> {
    builder->reset();
    std::error_code ec;
    fs::remove_all(tmp, ec);
    return e;
  };

  std::map<std::string, std::string> products;
  std::string version_hint;
  BuilderSink sink(**builder, info.profile, options.min_pdq_quality, report,
                   options.rejections_kept);
  for (std::size_t i = 0; i < files.size(); ++i) {
    SourceFile src;
    src.path = files[i].string();
    src.format = std::string(format_name(formats[i]));
    sink.set_source(static_cast<std::uint32_t>(i));
    auto where = [&](const Error& e) { return make_error(e.code, src.path + ": " + e.message); };
    Result<ParseResult> parsed = ParseResult{};
    if (formats[i] == Format::kRdsV3) {
      auto h = detail::sha256_file(files[i]);
      if (!h) return fail(h.error());
      src.sha256 = h->first;
      src.size = h->second;
      parsed = parse_rdsv3(files[i], sink);
    } else {
      std::FILE* f = std::fopen(files[i].c_str(), "rb");
      if (f == nullptr)
        return fail(make_error(ErrorCode::kIo, src.path + ": " + std::strerror(errno)));
      HashingFileBuf buf(f);
      std::istream in(&buf);
      switch (formats[i]) {
        case Format::kVics:
          parsed = parse_vics(in, sink);
          break;
        case Format::kHashlookup:
          parsed = parse_hashlookup(in, sink);
          break;
        case Format::kNsrlProd: {
          auto p = parse_nsrl_products(in);
          if (!p) {
            parsed = p.error();
          } else {
            products.insert(p->begin(), p->end());
            ParseResult pr;
            pr.detail = "NSRL RDS 2.x NSRLProd.txt (" + std::to_string(p->size()) + " products)";
            parsed = pr;
          }
          break;
        }
        default:
          parsed = parse_lines(formats[i], in, sink, &products);
      }
      src.sha256 = buf.finish();
      src.size = buf.total();
      const bool read_error = buf.error();
      std::fclose(f);
      if (read_error) return fail(make_error(ErrorCode::kIo, src.path + ": read error"));
    }
    if (!parsed) return fail(where(parsed.error()));
    src.detail = parsed->detail;
    if (version_hint.empty()) version_hint = parsed->version;
    src.records = sink.records_;
    src.rejected = sink.rejected_;
    info.sources.push_back(std::move(src));
  }
  info.version =
      !options.version.empty() ? options.version : (version_hint.empty() ? "1" : version_hint);
  info.rejected = report.rejected;
  info.set_id = info.compute_set_id();
  if (auto r = (*builder)->finish(info); !r) return fail(r.error());
  builder->reset();
  auto swapped = swap_into_place(tmp, target);
  if (!swapped) return fail(swapped.error());
  report.replaced = *swapped;
  return report;
}

}  // namespace vigil::hashset
