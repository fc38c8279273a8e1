#include "vigil/hashset/export.hpp"

#include <charconv>
#include <set>

#include "vigil/core/text.hpp"

namespace vigil::hashset {
namespace {

bool is_uint(std::string_view s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size() && (s == "0" || s[0] != '0');
}

// JSON string; bytes that are not UTF-8 are replaced (VICS has no place for raw bytes).
void json_string(std::string& out, std::string_view s) {
  append_json_string(out, is_valid_utf8(s) ? std::string(s) : lossy_utf8(s));
}

// VICS flags written as JSON booleans when they hold "true"/"false" (some exporters write the
// strings; importers accept both).
bool is_flag(std::string_view k) {
  static const std::set<std::string_view> kFlags = {"VictimIdentified", "OffenderIdentified",
                                                    "IsDistributed",    "IsPrecategorized",
                                                    "IsSuspected",      "SelfGenerated"};
  return kFlags.count(k) > 0;
}

void vics_media(std::string& o, const Record& r) {
  o += "    {";
  bool first = true;
  auto key = [&](std::string_view k) {
    o += first ? "\n      " : ",\n      ";
    first = false;
    json_string(o, k);
    o += ": ";
  };
  std::vector<std::pair<std::string, std::string>> alt;
  for (const auto& [k, v] : r.attributes) {
    if (k.rfind("AlternativeHash:", 0) == 0) {
      alt.emplace_back(k.substr(16), v);
      continue;
    }
    key(k);
    if ((k == "MediaID" && is_uint(v)) || (is_flag(k) && (v == "true" || v == "false")))
      o += v;
    else
      json_string(o, v);
  }
  if (r.md5) key("MD5"), o += '"' + r.md5->to_hex() + '"';
  if (r.sha1) key("SHA1"), o += '"' + r.sha1->to_hex() + '"';
  if (r.size) key("MediaSize"), o += std::to_string(*r.size);
  if (!r.photodna.empty()) key("PhotoDNA"), json_string(o, r.photodna);
  if (r.category.state == Category::State::kNull) key("Category"), o += "null";
  if (r.category.state == Category::State::kValue) {
    key("Category");
    if (is_uint(r.category.raw))
      o += r.category.raw;
    else
      json_string(o, r.category.raw);
  }
  if (!r.file_name.empty()) {
    key("MediaFiles");
    o += "[{";
    if (r.md5) o += "\"MD5\": \"" + r.md5->to_hex() + "\", ";
    o += "\"FileName\": ";
    json_string(o, r.file_name);
    o += "}]";
  }
  if (r.sha256) alt.insert(alt.begin(), {"SHA256", r.sha256->to_hex()});
  if (!alt.empty()) {
    key("AlternativeHashes");
    o += "[";
    for (std::size_t i = 0; i < alt.size(); ++i) {
      o += i ? ", {" : "{";
      if (r.md5) o += "\"MD5\": \"" + r.md5->to_hex() + "\", ";
      o += "\"HashName\": ";
      json_string(o, alt[i].first);
      o += ", \"HashValue\": ";
      json_string(o, alt[i].second);
      o += "}";
    }
    o += "]";
  }
  o += "\n    }";
}

// GNU coreutils escapes a name holding '\' or a newline and marks the line with a leading '\'.
void sum_line(std::string& o, const Digest& d, const std::string& name) {
  const bool escape = name.find_first_of("\\\n") != std::string::npos;
  if (escape) o += '\\';
  o += d.to_hex();
  o += "  ";
  for (char c : name) {
    if (escape && c == '\\')
      o += "\\\\";
    else if (c == '\n')
      o += "\\n";
    else
      o += c;
  }
  o += '\n';
}

}  // namespace

std::optional<ExportFormat> export_format_from_name(std::string_view name) {
  if (name == "vics2" || name == "vics") return ExportFormat::kVics2;
  if (name == "hashdeep") return ExportFormat::kHashdeep;
  if (name == "md5sum") return ExportFormat::kMd5sum;
  if (name == "sha1sum") return ExportFormat::kSha1sum;
  if (name == "sha256sum") return ExportFormat::kSha256sum;
  return std::nullopt;
}

Result<ExportReport> export_set(const HashSet& set, ExportFormat format, std::ostream& out) {
  ExportReport rep;
  std::string o;
  if (format == ExportFormat::kVics2) {
    const std::string profile = set.info().profile.name == "vics-uk" ? "UK" : "US";
    o = "{\n  \"@odata.context\": "
        "\"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/" +
        profile + "/$metadata#Media\",\n  \"value\": [\n";
  } else if (format == ExportFormat::kHashdeep) {
    o = "%%%% HASHDEEP-1.0\n%%%% size,md5,sha1,sha256,filename\n## vigil hashset export: ";
    o += set.info().name + " " + set.info().version + "\n##\n";
  }
  for (std::uint64_t id = 0; id < set.record_count(); ++id) {
    auto r = set.record(static_cast<std::uint32_t>(id));
    if (!r) return r.error();
    switch (format) {
      case ExportFormat::kVics2:
        if (rep.written > 0) o += ",\n";
        vics_media(o, *r);
        ++rep.written;
        break;
      case ExportFormat::kHashdeep: {
        if (!r->md5 && !r->sha1 && !r->sha256) {
          ++rep.skipped;
          break;
        }
        if (r->file_name.find_first_of("\r\n") != std::string::npos) {
          ++rep.skipped;  // hashdeep has no escape for a newline in a name
          break;
        }
        o += r->size ? std::to_string(*r->size) : "";
        for (Algorithm a : kAlgorithms) o += "," + (r->digest(a) ? r->digest(a)->to_hex() : "");
        o += "," + r->file_name + "\n";
        ++rep.written;
        break;
      }
      default: {
        const Algorithm a = format == ExportFormat::kMd5sum    ? Algorithm::kMd5
                            : format == ExportFormat::kSha1sum ? Algorithm::kSha1
                                                               : Algorithm::kSha256;
        if (!r->digest(a)) {
          ++rep.skipped;
          break;
        }
        sum_line(o, *r->digest(a), r->file_name);
        ++rep.written;
      }
    }
    if (o.size() > (1 << 20)) {
      out.write(o.data(), static_cast<std::streamsize>(o.size()));
      o.clear();
    }
  }
  if (format == ExportFormat::kVics2) o += "\n  ]\n}\n";
  out.write(o.data(), static_cast<std::streamsize>(o.size()));
  if (!out) return make_error(ErrorCode::kIo, "write failed");
  return rep;
}

}  // namespace vigil::hashset
