// Project VIC VICS JSON (1.1-1.3 "odata.metadata", 2.0 "@odata.context"; #Media hash sets and
// #Cases case exports). No public schema exists (the model URLs are identifiers only), so the
// fields are those that open producers and consumers use, e.g. IPED's importer
// (https://github.com/sepinf-inc/IPED) and the Clees4All exporter
// (https://github.com/askclees/X-Ways-Clees4All).
// Streams through nlohmann::json's SAX interface, so memory does not grow with the file: only the
// Media entry being read is held. Numbers and booleans written as strings are accepted; a UTF-8
// BOM is skipped by nlohmann's lexer; CR is JSON whitespace.
#include <charconv>
#include <nlohmann/json.hpp>

#include "vigil/hashset/parsers.hpp"

namespace vigil::hashset {
namespace {

using json = nlohmann::json;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string normalise_name(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '-' && c != '_' && c != ' ')
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

class VicsSax {
 public:
  explicit VicsSax(RecordSink& sink) : sink_(sink) {}

  // --- nlohmann::json SAX interface ---
  bool null() { return scalar(Scalar{Scalar::kNull, {}}); }
  bool boolean(bool v) { return scalar(Scalar{Scalar::kBool, v ? "true" : "false"}); }
  bool number_integer(json::number_integer_t v) {
    return scalar(Scalar{Scalar::kNumber, std::to_string(v)});
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return scalar(Scalar{Scalar::kNumber, std::to_string(v)});
  }
  bool number_float(json::number_float_t, const json::string_t& s) {
    return scalar(Scalar{Scalar::kNumber, s});
  }
  bool string(json::string_t& v) { return scalar(Scalar{Scalar::kString, std::move(v)}); }
  bool binary(json::binary_t&) { return true; }
  bool key(json::string_t& k) {
    key_ = std::move(k);
    return true;
  }
  bool start_object(std::size_t) { return open(true); }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(false); }
  bool end_array() { return close(); }
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& ex) {
    error_ =
        make_error(ErrorCode::kCorrupt, "malformed JSON at byte " + std::to_string(position) +
                                            " near '" + token.substr(0, 40) + "': " + ex.what());
    return false;
  }

  Result<ParseResult> result() {
    if (!error_.message.empty()) return error_;
    if (!saw_context_)
      return make_error(ErrorCode::kUnsupported,
                        "not VICS JSON: no odata.metadata / @odata.context");
    if (!saw_value_) return make_error(ErrorCode::kCorrupt, "VICS JSON without a \"value\" array");
    ParseResult pr;
    pr.detail = "VICS " + (version_.empty() ? std::string("?") : version_) +
                (profile_.empty() ? "" : " " + profile_) + (shape_.empty() ? "" : " #" + shape_);
    pr.vics_profile = profile_;
    return pr;
  }

 private:
  struct Scalar {
    enum Kind { kNull, kBool, kNumber, kString } kind;
    std::string text;
  };
  enum class Frame : std::uint8_t {
    kRoot,
    kValueArray,
    kTop,
    kMediaArray,
    kMedia,
    kFilesArray,
    kFile,
    kAltArray,
    kAlt
  };

  bool open(bool object) {
    if (skip_ > 0) {
      ++skip_;
      return true;
    }
    const std::string k = std::move(key_);
    key_.clear();
    if (frames_.empty()) {
      if (!object) return fail("VICS JSON must be an object at the top");
      frames_.push_back(Frame::kRoot);
      return true;
    }
    const Frame top = frames_.back();
    Frame next{};
    bool known = true;
    switch (top) {
      case Frame::kRoot:
        known = !object && k == "value";
        if (known) saw_value_ = true;
        next = Frame::kValueArray;
        break;
      case Frame::kValueArray:
        known = object;
        next = Frame::kTop;
        if (known) begin_media(false);  // counted when it turns out to be a Media entry
        break;
      case Frame::kTop:
      case Frame::kMedia:
        if (!object && k == "Media" && top == Frame::kTop) {
          is_case_ = true;
          next = Frame::kMediaArray;
        } else if (!object && k == "MediaFiles") {
          next = Frame::kFilesArray;
        } else if (!object && k == "AlternativeHashes") {
          next = Frame::kAltArray;
        } else {
          known = false;
        }
        break;
      case Frame::kMediaArray:
        known = object;
        next = Frame::kMedia;
        if (known) begin_media(true);
        break;
      case Frame::kFilesArray:
        known = object;
        next = Frame::kFile;
        break;
      case Frame::kAltArray:
        known = object;
        next = Frame::kAlt;
        alt_name_.clear();
        alt_value_.clear();
        break;
      default:
        known = false;
    }
    if (!known) {
      skip_ = 1;  // a collection we do not import: count depth only, keep nothing
      return true;
    }
    frames_.push_back(next);
    return true;
  }

  bool close() {
    if (skip_ > 0) {
      --skip_;
      return true;
    }
    if (frames_.empty()) return fail("unbalanced JSON");
    const Frame f = frames_.back();
    frames_.pop_back();
    if (f == Frame::kMedia || (f == Frame::kTop && !is_case_)) return end_media();
    if (f == Frame::kTop) is_case_ = false;
    if (f == Frame::kAlt) end_alt();
    return true;
  }

  bool scalar(Scalar s) {
    const std::string k = std::move(key_);
    key_.clear();
    if (skip_ > 0 || frames_.empty()) return true;
    switch (frames_.back()) {
      case Frame::kRoot:
        if ((k == "odata.metadata" || k == "@odata.context") && s.kind == Scalar::kString)
          return context(s.text);
        return true;
      case Frame::kTop:
        if (is_case_) return true;
        [[fallthrough]];
      case Frame::kMedia:
        media_field(k, s);
        return true;
      case Frame::kFile:
        if (k == "FileName" && s.kind == Scalar::kString && cur_.file_name.empty())
          cur_.file_name = s.text;
        return true;
      case Frame::kAlt:
        if (k == "HashName" && s.kind == Scalar::kString) alt_name_ = s.text;
        if (k == "HashValue" && s.kind == Scalar::kString) alt_value_ = s.text;
        return true;
      default:
        return true;
    }
  }

  bool context(const std::string& v) {
    // ".../DataModels/1.3.xml#Cases" or ".../DataModels/2.0.xml/US/$metadata#Media"
    const auto dm = v.find("DataModels/");
    if (dm == std::string::npos) return fail("unknown VICS data model: " + v.substr(0, 120));
    saw_context_ = true;
    const auto xml = v.find(".xml", dm);
    if (xml != std::string::npos) version_ = v.substr(dm + 11, xml - dm - 11);
    const auto hash = v.rfind('#');
    if (hash != std::string::npos) shape_ = v.substr(hash + 1);
    if (xml != std::string::npos && xml + 5 < v.size() && v[xml + 4] == '/') {
      const auto slash = v.find('/', xml + 5);
      if (slash != std::string::npos) profile_ = v.substr(xml + 5, slash - xml - 5);
    }
    return true;
  }

  void begin_media(bool count) {
    cur_ = Record{};
    bad_.clear();
    if (count) cur_.source_line = ++ordinal_;
  }

  void digest_field(std::string_view name, const std::string& text, Algorithm a) {
    if (cur_.digest(a)) return;  // the first value wins (SHA1 may also sit in AlternativeHashes)
    auto d = Digest::from_hex(text, a);
    if (!d) {
      if (bad_.empty())
        bad_ = std::string(name) + " is not a valid " + std::string(algorithm_name(a)) + " digest";
      return;
    }
    cur_.set_digest(*d);
  }

  void media_field(const std::string& k, const Scalar& s) {
    if (k == "odata.id" || ends_with(k, "@odata.navigationLinkUrl")) return;  // OData plumbing
    const std::string n = normalise_name(k);
    if (n == "MD5" || n == "SHA1" || n == "SHA256") {
      if (s.kind == Scalar::kNull || (s.kind == Scalar::kString && s.text.empty())) return;
      digest_field(k, s.text, *algorithm_from_name(n));
      return;
    }
    if (k == "PhotoDNA") {
      if (s.kind == Scalar::kString) cur_.photodna = s.text;  // opaque: kept exactly
      return;
    }
    if (k == "Category") {
      cur_.category = s.kind == Scalar::kNull ? Category::null() : Category::value(s.text);
      return;
    }
    if (k == "MediaSize") {
      std::uint64_t v = 0;
      auto [p, ec] = std::from_chars(s.text.data(), s.text.data() + s.text.size(), v);
      if (s.kind != Scalar::kNull && ec == std::errc() && p == s.text.data() + s.text.size()) {
        cur_.size = v;
        return;
      }
    }
    if (s.kind == Scalar::kNull) return;
    cur_.attributes.emplace_back(k, s.text);
  }

  void end_alt() {
    const std::string n = normalise_name(alt_name_);
    if (n == "SHA256" || n == "SHA2256")
      digest_field("AlternativeHashes SHA256", alt_value_, Algorithm::kSha256);
    else if (n == "SHA1")
      digest_field("AlternativeHashes SHA1", alt_value_, Algorithm::kSha1);
    else if (n == "MD5")
      digest_field("AlternativeHashes MD5", alt_value_, Algorithm::kMd5);
    else if (n == "PHOTODNA" && cur_.photodna.empty())
      cur_.photodna = alt_value_;
    else if (!alt_name_.empty())
      cur_.attributes.emplace_back("AlternativeHash:" + alt_name_, alt_value_);
  }

  bool end_media() {
    if (cur_.source_line == 0) cur_.source_line = ++ordinal_;
    if (bad_.empty() && !cur_.md5 && !cur_.sha1 && !cur_.sha256)
      bad_ = "Media entry without MD5, SHA1 or SHA256";
    if (!bad_.empty()) {
      sink_.reject(cur_.source_line, bad_);
      return true;
    }
    if (auto r = sink_.record(std::move(cur_)); !r) {
      error_ = r.error();
      return false;
    }
    return true;
  }

  bool fail(std::string message) {
    error_ = make_error(ErrorCode::kCorrupt, std::move(message));
    return false;
  }

  RecordSink& sink_;
  std::vector<Frame> frames_;  // at most 5 deep: skipped subtrees only count depth
  std::uint64_t skip_ = 0;
  std::string key_;
  bool is_case_ = false;
  bool saw_context_ = false;
  bool saw_value_ = false;
  Record cur_;
  std::string bad_;
  std::string alt_name_, alt_value_;
  std::uint64_t ordinal_ = 0;
  std::string version_, profile_, shape_;
  Error error_;
};

}  // namespace

Result<ParseResult> parse_vics(std::istream& in, RecordSink& sink) {
  VicsSax sax(sink);
  try {
    json::sax_parse(in, &sax);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kCorrupt, std::string("malformed JSON: ") + e.what());
  }
  return sax.result();
}

}  // namespace vigil::hashset
