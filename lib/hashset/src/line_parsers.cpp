// Parsers of the line-based list formats. Field layouts follow their public descriptions:
// NIST "Data Formats of the NSRL Reference Data Set (RDS) Distribution" for RDS 2.x
// (https://www.nist.gov/itl/ssd/software-quality-group/national-software-reference-library-nsrl);
// The Sleuth Kit's hfind(1) binary-search index (https://github.com/sleuthkit/sleuthkit,
// tsk/hashdb); the hashdeep 1.0 file format (https://github.com/jessek/hashdeep); GNU coreutils
// md5sum/sha1sum/sha256sum, text, binary and --tag forms
// (https://www.gnu.org/software/coreutils/manual/html_node/md5sum-invocation.html); HashKeeper as
// TSK reads it (tsk/hashdb/hashkeeper.c); the Interpol ICSE CSV header that IPED's importer reads
// (https://github.com/sepinf-inc/IPED); the X-Ways Forensics hash-set text import (its manual);
// PDQ "hash,quality,name" and vPDQ frame lines (https://github.com/facebook/ThreatExchange,
// pdq/README.md and vpdq/). Written by hand: no packaged library reads these formats, and the
// CSV dialects are small.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "line_util.hpp"
#include "vigil/hashset/parsers.hpp"

namespace vigil::hashset {
namespace {

using detail::LineReader;
using detail::split_csv;
using detail::trim;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool parse_u64(std::string_view s, std::uint64_t& v) {
  s = trim(s);
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

// Sets a digest of a known algorithm from hex; the reason on failure.
std::optional<std::string> set_digest(Record& r, std::string_view hex, Algorithm a,
                                      std::string_view column) {
  auto d = Digest::from_hex(trim(hex), a);
  if (!d)
    return std::string(column) + ": not a " + std::string(algorithm_name(a)) + " digest (" +
           std::to_string(trim(hex).size()) + " characters)";
  r.set_digest(*d);
  return std::nullopt;
}

// A header row: column name -> position.
struct Columns {
  std::vector<std::string> names;
  [[nodiscard]] int find(std::string_view name) const {
    for (std::size_t i = 0; i < names.size(); ++i)
      if (lower(names[i]) == lower(name)) return static_cast<int>(i);
    return -1;
  }
};

class LineFormat {
 public:
  virtual ~LineFormat() = default;
  // Line 1 (BOM stripped). Returns false if the header is not of this format.
  virtual Result<bool> header(std::string_view line) = 0;
  // Parses one data line into r; a reason on rejection. nullopt and no digest = skip silently
  // (comments and blank lines that the format defines).
  virtual std::optional<std::string> line(std::string_view line, Record& r) = 0;
  virtual std::string detail() const = 0;
};

class SumList : public LineFormat {
 public:
  Result<bool> header(std::string_view) override { return false; }
  std::optional<std::string> line(std::string_view l, Record& r) override {
    // BSD / --tag: "MD5 (name) = hex"; the name may itself hold ") = ", so split at the last one.
    const auto paren = l.find(" (");
    const auto eq = l.rfind(") = ");
    if (paren != std::string_view::npos && eq != std::string_view::npos && eq > paren) {
      auto a = algorithm_from_name(l.substr(0, paren));
      if (!a) return "BSD line with an unknown algorithm";
      ++bsd_;
      r.file_name = std::string(l.substr(paren + 2, eq - paren - 2));
      return set_digest(r, l.substr(eq + 4), *a, "digest");
    }
    // GNU: "hex  name" (text) or "hex *name" (binary); a leading '\' marks an escaped name.
    bool escaped = false;
    if (!l.empty() && l.front() == '\\') {
      escaped = true;
      l.remove_prefix(1);
    }
    const auto sp = l.find(' ');
    if (sp == std::string_view::npos || sp + 1 >= l.size() ||
        (l[sp + 1] != ' ' && l[sp + 1] != '*'))
      return "not an md5sum-style line (hex, two spaces or ' *', name)";
    auto d = Digest::from_hex(l.substr(0, sp));
    if (!d) return "digest is not 32, 40 or 64 hex digits";
    r.set_digest(*d);
    std::string_view name = l.substr(sp + 2);
    if (escaped) {
      for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\' && i + 1 < name.size()) {
          ++i;
          if (name[i] == 'n')
            r.file_name.push_back('\n');
          else if (name[i] == '\\')
            r.file_name.push_back('\\');
          else
            return "unknown escape in name";
        } else {
          r.file_name.push_back(name[i]);
        }
      }
    } else {
      r.file_name = std::string(name);
    }
    ++gnu_;
    return std::nullopt;
  }
  std::string detail() const override {
    return gnu_ && bsd_ ? "checksum list (GNU and BSD lines)"
           : bsd_       ? "checksum list (BSD)"
                        : "checksum list (GNU)";
  }

 private:
  std::uint64_t gnu_ = 0, bsd_ = 0;
};

class PlainList : public LineFormat {
 public:
  Result<bool> header(std::string_view l) override {
    l = trim(l);
    if (is_hex(l)) return false;  // a data line, not a header
    forced_ = algorithm_from_name(l);
    if (!forced_)
      return make_error(ErrorCode::kUnsupported,
                        "plain list: first line is neither a digest nor an algorithm name");
    header_ = std::string(l);
    return true;
  }
  std::optional<std::string> line(std::string_view l, Record& r) override {
    l = trim(l);
    if (l.empty()) return std::nullopt;
    auto d = forced_ ? Digest::from_hex(l, *forced_) : Digest::from_hex(l);
    if (!d)
      return forced_ ? "not a " + std::string(algorithm_name(*forced_)) + " digest"
                     : std::string("not a 32, 40 or 64 hex digit digest");
    r.set_digest(*d);
    return std::nullopt;
  }
  std::string detail() const override {
    return header_.empty() ? "plain digest list" : "plain digest list (header " + header_ + ")";
  }

 private:
  std::optional<Algorithm> forced_;
  std::string header_;
};

std::optional<std::string> parse_pdq_hex(std::string_view hex, Record& r) {
  auto h = Hash256::from_hex(trim(hex));
  if (!h) return "PDQ hash is not 64 hex digits";
  r.pdq = *h;
  return std::nullopt;
}

std::optional<std::string> parse_quality(std::string_view q, Record& r) {
  std::uint64_t v = 0;
  if (!parse_u64(q, v) || v > 100) return "PDQ quality is not an integer 0-100";
  r.pdq_quality = static_cast<int>(v);
  return std::nullopt;
}

class PdqList : public LineFormat {
 public:
  Result<bool> header(std::string_view) override { return false; }
  std::optional<std::string> line(std::string_view l, Record& r) override {
    if (trim(l).empty()) return std::nullopt;
    // pdq-photo-hasher: "hash,quality,filename"; the file name is the rest and may hold commas.
    const auto c1 = l.find(',');
    if (auto e = parse_pdq_hex(l.substr(0, c1), r)) return e;
    if (c1 == std::string_view::npos) return std::nullopt;
    const auto c2 = l.find(',', c1 + 1);
    if (auto e =
            parse_quality(l.substr(c1 + 1, c2 == std::string_view::npos ? l.npos : c2 - c1 - 1), r))
      return e;
    if (c2 != std::string_view::npos) r.file_name = std::string(l.substr(c2 + 1));
    return std::nullopt;
  }
  std::string detail() const override { return "PDQ list"; }
};

class VpdqList : public LineFormat {
 public:
  Result<bool> header(std::string_view) override { return false; }
  std::optional<std::string> line(std::string_view l, Record& r) override {
    if (trim(l).empty()) return std::nullopt;
    std::vector<std::string> f;
    if (!split_csv(l, ',', f) || f.size() != 4)
      return "vPDQ line is not frame,quality,hash,timestamp";
    std::uint64_t frame = 0;
    if (!parse_u64(f[0], frame)) return "vPDQ frame number is not an integer";
    if (auto e = parse_quality(f[1], r)) return e;
    if (auto e = parse_pdq_hex(f[2], r)) return e;
    double ts = 0;
    auto t = trim(f[3]);
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), ts);
    if (ec != std::errc() || p != t.data() + t.size()) return "vPDQ timestamp is not a number";
    r.attributes.emplace_back("frame", std::to_string(frame));
    r.attributes.emplace_back("timestamp", std::string(t));
    return std::nullopt;
  }
  std::string detail() const override { return "vPDQ frame list"; }
};

class TskIdx : public LineFormat {
 public:
  Result<bool> header(std::string_view l) override {
    if (l.size() > 42 && l.substr(0, 41) == std::string(41, '0') && l[41] == '|') {
      detail_ = "TSK hfind index (" + std::string(l.substr(42)) + ")";
      return true;
    }
    return make_error(ErrorCode::kUnsupported, "TSK index: missing header line");
  }
  std::optional<std::string> line(std::string_view l, Record& r) override {
    const auto bar = l.find('|');
    if (bar == std::string_view::npos) return "TSK index line without '|'";
    if (bar == 41 && l.substr(0, 40) == std::string(40, '0')) return std::nullopt;  // header rows
    auto d = Digest::from_hex(l.substr(0, bar));
    if (!d) return "TSK index digest is not hex of a known length";
    std::uint64_t off = 0;
    if (!parse_u64(l.substr(bar + 1), off)) return "TSK index offset is not a number";
    r.set_digest(*d);
    r.attributes.emplace_back("offset", std::to_string(off));
    return std::nullopt;
  }
  std::string detail() const override { return detail_; }

 private:
  std::string detail_ = "TSK hfind index";
};

class Hashdeep : public LineFormat {
 public:
  Result<bool> header(std::string_view l) override {
    if (l.rfind("%%%% HASHDEEP-", 0) != 0)
      return make_error(ErrorCode::kUnsupported, "hashdeep: missing %%%% HASHDEEP header");
    version_ = std::string(l.substr(14));
    return true;
  }
  std::optional<std::string> line(std::string_view l, Record& r) override {
    if (l.rfind("%%%% ", 0) == 0) {
      std::vector<std::string> cols;
      split_csv(l.substr(5), ',', cols);
      cols_.names = cols;
      if (cols_.names.empty() || lower(cols_.names.back()) != "filename")
        return "hashdeep column line does not end in filename";
      return std::nullopt;
    }
    if (l.rfind("##", 0) == 0 || trim(l).empty()) return std::nullopt;  // comments (FORMATS 4.1)
    if (cols_.names.empty()) return "hashdeep data line before the column line";
    // Every column but the last is comma-free; the file name is the rest of the line.
    std::vector<std::string_view> f;
    std::size_t pos = 0;
    for (std::size_t i = 0; i + 1 < cols_.names.size(); ++i) {
      const auto c = l.find(',', pos);
      if (c == std::string_view::npos) return "hashdeep line has too few fields";
      f.push_back(l.substr(pos, c - pos));
      pos = c + 1;
    }
    r.file_name = std::string(l.substr(pos));
    for (std::size_t i = 0; i < f.size(); ++i) {
      const std::string col = lower(cols_.names[i]);
      if (trim(f[i]).empty()) continue;  // a column this line has no value for
      if (col == "size") {
        std::uint64_t v = 0;
        if (!parse_u64(f[i], v)) return "hashdeep size is not a number";
        r.size = v;
      } else if (auto a = algorithm_from_name(col)) {
        if (auto e = set_digest(r, f[i], *a, col)) return e;
      } else {
        r.attributes.emplace_back(col, std::string(f[i]));  // tiger, whirlpool: kept as text
      }
    }
    if (!r.md5 && !r.sha1 && !r.sha256)
      return "hashdeep line without an md5, sha1 or sha256 column";
    return std::nullopt;
  }
  std::string detail() const override {
    std::string d = "hashdeep " + version_;
    for (std::size_t i = 0; i < cols_.names.size(); ++i) d += (i ? "," : " ") + cols_.names[i];
    return d;
  }

 private:
  std::string version_;
  Columns cols_;
};

// CSV formats with a header row: NSRL RDS 2.x, HashKeeper, ICSE.
class HeaderCsv : public LineFormat {
 public:
  HeaderCsv(Format f, const std::map<std::string, std::string>* products)
      : format_(f), sep_(f == Format::kIcse ? ';' : ','), products_(products) {}
  Result<bool> header(std::string_view l) override {
    if (!split_csv(l, sep_, cols_.names))
      return make_error(ErrorCode::kCorrupt, "header row is not valid CSV");
    for (auto& n : cols_.names) n = std::string(trim(n));
    auto need = [&](std::initializer_list<const char*> any) -> Result<bool> {
      for (const char* n : any)
        if (cols_.find(n) >= 0) return true;
      return make_error(ErrorCode::kUnsupported, std::string(format_name(format_)) +
                                                     ": unknown column layout (no " + *any.begin() +
                                                     " column)");
    };
    switch (format_) {
      case Format::kRds2:
        return need({"SHA-1", "MD5"});
      case Format::kHashKeeper:
        return need({"hash"});
      default:
        return need({"MD5", "SHA1"});
    }
  }
  std::optional<std::string> line(std::string_view l, Record& r) override {
    if (trim(l).empty()) return std::nullopt;
    if (!split_csv(l, sep_, fields_)) return "unbalanced quotes";
    if (fields_.size() != cols_.names.size())
      return "expected " + std::to_string(cols_.names.size()) + " fields, found " +
             std::to_string(fields_.size());
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      const std::string& col = cols_.names[i];
      const std::string key = lower(col);
      const std::string& v = fields_[i];
      std::optional<Algorithm> a;
      if (format_ == Format::kHashKeeper && key == "hash")
        a = Algorithm::kMd5;
      else if (key == "md5" || key == "sha-1" || key == "sha1" || key == "sha-256" ||
               key == "sha256")
        a = algorithm_from_name(key);
      if (a) {
        if (trim(v).empty() && format_ == Format::kIcse) continue;  // ICSE rows may lack SHA1
        if (auto e = set_digest(r, v, *a, col)) return e;
      } else if (key == "filename" || key == "file_name") {
        r.file_name = v;
      } else if (key == "filesize" || key == "file_size") {
        std::uint64_t s = 0;
        if (!parse_u64(v, s)) return col + " is not a number";
        r.size = s;
      } else if (key == "photodna") {
        r.photodna = v;
      } else {
        r.attributes.emplace_back(col, v);
        if (key == "productcode" && products_ != nullptr) {
          auto it = products_->find(std::string(trim(v)));
          if (it != products_->end()) r.attributes.emplace_back("ProductName", it->second);
        }
      }
    }
    if (!r.md5 && !r.sha1 && !r.sha256) return "row without a digest";
    return std::nullopt;
  }
  std::string detail() const override {
    switch (format_) {
      case Format::kRds2:
        return cols_.find("CRC32") == 1 + cols_.find("MD5") ? "NSRL RDS 2.x NSRLFile.txt"
                                                            : "NSRL RDS (1.5 column order)";
      case Format::kHashKeeper:
        return "HashKeeper";
      default:
        return "ICSE-style CSV";
    }
  }

 private:
  Format format_;
  char sep_;
  const std::map<std::string, std::string>* products_;
  Columns cols_;
  std::vector<std::string> fields_;
};

std::unique_ptr<LineFormat> make_format(Format f,
                                        const std::map<std::string, std::string>* products) {
  switch (f) {
    case Format::kSumList:
      return std::make_unique<SumList>();
    case Format::kPlain:
      return std::make_unique<PlainList>();
    case Format::kPdq:
      return std::make_unique<PdqList>();
    case Format::kVpdq:
      return std::make_unique<VpdqList>();
    case Format::kTskIdx:
      return std::make_unique<TskIdx>();
    case Format::kHashdeep:
      return std::make_unique<Hashdeep>();
    case Format::kRds2:
    case Format::kHashKeeper:
    case Format::kIcse:
      return std::make_unique<HeaderCsv>(f, products);
    default:
      return nullptr;
  }
}

bool header_required(Format f) {
  return f == Format::kTskIdx || f == Format::kHashdeep || f == Format::kRds2 ||
         f == Format::kHashKeeper || f == Format::kIcse;
}

}  // namespace

Result<ParseResult> parse_lines(Format format, std::istream& in, RecordSink& sink,
                                const std::map<std::string, std::string>* products) {
  auto fmt = make_format(format, products);
  if (!fmt) return make_error(ErrorCode::kInvalidArgument, "not a line-based format");
  LineReader reader(in);
  std::string_view l;
  bool first = true;
  while (reader.next(l)) {
    const auto n = reader.line_number();
    if (reader.too_long()) {
      sink.reject(n, "line longer than " + std::to_string(LineReader::kMaxLine) + " bytes");
      continue;
    }
    if (first) {
      first = false;
      auto h = fmt->header(l);
      if (!h) {
        if (header_required(format))
          return make_error(h.error().code, "line 1: " + h.error().message);
        sink.reject(n, h.error().message);
        continue;
      }
      if (*h) continue;
    }
    Record r;
    r.source_line = n;
    if (auto reason = fmt->line(l, r)) {
      sink.reject(n, *reason);
      continue;
    }
    if (!r.has_any_hash()) continue;  // a blank line or a comment the format defines
    if (auto res = sink.record(std::move(r)); !res) return res.error();
  }
  if (reader.failed())
    return make_error(ErrorCode::kIo,
                      "read error after line " + std::to_string(reader.line_number()));
  if (first && header_required(format)) return make_error(ErrorCode::kCorrupt, "empty file");
  ParseResult pr;
  pr.detail = fmt->detail();
  return pr;
}

Result<std::map<std::string, std::string>> parse_nsrl_products(std::istream& in) {
  LineReader reader(in);
  std::string_view l;
  Columns cols;
  std::vector<std::string> f;
  std::map<std::string, std::string> out;
  int code = -1, name = -1, version = -1;
  while (reader.next(l)) {
    if (reader.too_long() || !split_csv(l, ',', f)) continue;
    if (reader.line_number() == 1) {
      cols.names = f;
      code = cols.find("ProductCode");
      name = cols.find("ProductName");
      version = cols.find("ProductVersion");
      if (code < 0 || name < 0)
        return make_error(ErrorCode::kUnsupported, "NSRLProd: no ProductCode/ProductName columns");
      continue;
    }
    if (f.size() != cols.names.size()) continue;
    std::string v = f[name];
    if (version >= 0 && !f[version].empty()) v += " " + f[version];
    out[std::string(trim(f[code]))] = v;
  }
  return out;
}

namespace detail {

bool line_fits(Format f, std::string_view line, bool first_line) {
  auto fmt = make_format(f, nullptr);
  if (!fmt) return false;
  if (first_line) {
    auto h = fmt->header(line);
    if (!h) return false;
    if (*h) return true;
  }
  Record r;
  return !fmt->line(line, r).has_value();
}

}  // namespace detail
}  // namespace vigil::hashset
