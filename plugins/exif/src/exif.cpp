// Reads EXIF (CIPA DC-008-2019, Exif 2.32) and XMP (ISO 16684-1) metadata through exiv2 0.27
// from JPEG, TIFF, PNG, WebP and HEIF (exiv2's ISO BMFF reader) pictures. Each field is a
// record of the item; the IFD1 thumbnail (Exif 2.32 §4.5.4) is a child item.
#include "exif/exif.hpp"

#include "vigil/core/text.hpp"

#include <exiv2/exiv2.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <mutex>
#include <optional>
#include <string>

namespace vigil::plugins {
namespace {

// exiv2 0.27 keeps process-wide state: the XMP toolkit must be initialised once before threads
// decode XMP (XmpParser::initialize is not thread-safe; namespace registration during decode is
// serialised through the lock function given to it), BMFF (HEIF) support is a global switch,
// and its log handler writes to stderr. All three are set exactly once.
std::mutex& xmp_mutex() {
  static std::mutex m;
  return m;
}
void xmp_lock(void* /*data*/, bool lock) {
  if (lock) {
    xmp_mutex().lock();
  } else {
    xmp_mutex().unlock();
  }
}
void init_exiv2_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
    Exiv2::XmpParser::initialize(xmp_lock, nullptr);
    Exiv2::enableBMFF(true);
  });
}

std::string fixed(double v, int digits) {
  std::array<char, 64> buf{};
  const auto res =
      std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed, digits);
  return {buf.data(), res.ptr};
}

std::string trimmed(std::string s) {
  // ASCII fields are NUL-padded and often space-padded (Exif 2.32 §4.6.2 "ASCII").
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

// Records are UTF-8. EXIF ASCII fields often hold other encodings (Latin-1, Shift-JIS): such a
// value is recorded with U+FFFD in place of the invalid bytes, and its exact bytes in hex under
// "<name>_hex", so that nothing is lost.
void text_record(extract::Emitter& out, const std::string& name, const std::string& value) {
  if (is_valid_utf8(value)) {
    out.record({name, value});
    return;
  }
  out.record({name, lossy_utf8(value)});
  out.record({name + "_hex",
              hex_encode({reinterpret_cast<const std::uint8_t*>(value.data()), value.size()})});
}

class Reader {
 public:
  Reader(const Exiv2::ExifData& exif, extract::Emitter& out) : exif_(exif), out_(out) {}

  [[nodiscard]] const Exiv2::Exifdatum* find(const char* key) const {
    const auto it = exif_.findKey(Exiv2::ExifKey(key));
    return it == exif_.end() ? nullptr : &*it;
  }

  void text(const char* key, const char* record) {
    const auto* d = find(key);
    if (d == nullptr) return;
    const std::string v = trimmed(d->toString());
    if (!v.empty()) text_record(out_, record, v);
  }

  // "YYYY:MM:DD HH:MM:SS" (Exif 2.32 §4.6.5 DateTimeOriginal) as ISO 8601, with the offset of
  // OffsetTimeOriginal ("+HH:MM") when present; without it the time is local and says so by
  // having no zone designator.
  void datetime_original() {
    const auto* d = find("Exif.Photo.DateTimeOriginal");
    if (d == nullptr) return;
    const std::string raw = trimmed(d->toString());
    if (raw.empty()) return;
    if (!valid_exif_datetime(raw)) {
      out_.warn("corrupt", "EXIF DateTimeOriginal is not YYYY:MM:DD HH:MM:SS: \"" + raw + "\"");
      return;
    }
    std::string iso = raw.substr(0, 4) + "-" + raw.substr(5, 2) + "-" + raw.substr(8, 2) + "T" +
                      raw.substr(11, 8);
    if (const auto* o = find("Exif.Photo.OffsetTimeOriginal")) {
      const std::string off = trimmed(o->toString());
      if (valid_offset(off)) {
        iso += off;
      } else if (!off.empty()) {
        out_.warn("corrupt", "EXIF OffsetTimeOriginal is not +HH:MM: \"" + off + "\"");
      }
    }
    out_.record({"datetime_original", iso});
  }

  // GPSLatitude/GPSLongitude are three rationals (degrees, minutes, seconds) and the Ref tag
  // gives the hemisphere (Exif 2.32 §4.6.6). Without a Ref the sign is unknown: a warning.
  void gps_coordinate(const char* key, const char* ref_key, char negative, const char* record,
                      double max) {
    const auto* d = find(key);
    if (d == nullptr) return;
    const auto* ref = find(ref_key);
    const std::string ref_text = ref == nullptr ? std::string() : trimmed(ref->toString());
    const auto dms = rationals(*d, 3);
    if (!dms) {
      out_.warn("corrupt", std::string("EXIF ") + key + " is not three valid rationals");
      return;
    }
    const double v = (*dms)[0] + (*dms)[1] / 60.0 + (*dms)[2] / 3600.0;
    if (ref_text.size() != 1 || (ref_text[0] != negative && ref_text[0] != positive_of(negative))) {
      out_.warn("corrupt", std::string("EXIF ") + ref_key + " is missing or invalid (\"" +
                               ref_text + "\"): the sign of " + record + " is unknown");
      return;
    }
    if (v > max) {
      out_.warn("corrupt", std::string("EXIF ") + key + " is out of range: " + fixed(v, 7));
      return;
    }
    out_.record({record, fixed(ref_text[0] == negative ? -v : v, 7)});
  }

  // GPSAltitude in metres; GPSAltitudeRef 1 means below sea level, 0 (the default when the tag
  // is absent, Exif 2.32 §4.6.6) above.
  void gps_altitude() {
    const auto* d = find("Exif.GPSInfo.GPSAltitude");
    if (d == nullptr) return;
    const auto v = rationals(*d, 1);
    if (!v) {
      out_.warn("corrupt", "EXIF GPSAltitude is not a valid rational");
      return;
    }
    long ref = 0;
    if (const auto* r = find("Exif.GPSInfo.GPSAltitudeRef"); r != nullptr && r->count() > 0)
      ref = r->toLong(0);
    if (ref != 0 && ref != 1) {
      out_.warn("corrupt", "EXIF GPSAltitudeRef is " + std::to_string(ref) + ", not 0 or 1");
      return;
    }
    out_.record({"gps_altitude", fixed(ref == 1 ? -(*v)[0] : (*v)[0], 2)});
  }

  void orientation() {
    const auto* d = find("Exif.Image.Orientation");
    if (d == nullptr || d->count() == 0) return;
    const long v = d->toLong(0);
    if (v < 1 || v > 8) {
      out_.warn("corrupt", "EXIF Orientation is " + std::to_string(v) + ", not 1..8");
      return;
    }
    out_.record({"orientation", std::to_string(v)});
  }

 private:
  static char positive_of(char negative) { return negative == 'S' ? 'N' : 'E'; }

  static bool valid_exif_datetime(const std::string& s) {
    if (s.size() < 19) return false;
    for (std::size_t i = 0; i < 19; ++i) {
      const bool sep = i == 4 || i == 7 || i == 10 || i == 13 || i == 16;
      const char want = i == 10 ? ' ' : (i == 4 || i == 7 ? ':' : ':');
      if (sep ? s[i] != want : (s[i] < '0' || s[i] > '9')) return false;
    }
    return true;
  }
  static bool valid_offset(const std::string& s) {
    return s.size() == 6 && (s[0] == '+' || s[0] == '-') && std::isdigit(s[1]) != 0 &&
           std::isdigit(s[2]) != 0 && s[3] == ':' && std::isdigit(s[4]) != 0 &&
           std::isdigit(s[5]) != 0;
  }
  // The first n values as unsigned rationals; a zero denominator is invalid.
  static std::optional<std::array<double, 3>> rationals(const Exiv2::Exifdatum& d, long n) {
    if (d.typeId() != Exiv2::unsignedRational || d.count() < n) return std::nullopt;
    const auto* value = dynamic_cast<const Exiv2::URationalValue*>(&d.value());
    if (value == nullptr) return std::nullopt;
    std::array<double, 3> out{};
    for (long i = 0; i < n; ++i) {
      const auto& r = value->value_[static_cast<std::size_t>(i)];
      if (r.second == 0) return std::nullopt;
      out[static_cast<std::size_t>(i)] = static_cast<double>(r.first) / r.second;
    }
    return out;
  }

  const Exiv2::ExifData& exif_;
  extract::Emitter& out_;
};

void xmp_text(const Exiv2::XmpData& xmp, const char* key, const char* record,
              extract::Emitter& out) {
  const auto it = xmp.findKey(Exiv2::XmpKey(key));
  if (it == xmp.end()) return;
  const std::string v = trimmed(it->toString());
  if (!v.empty()) text_record(out, record, v);
}

void emit_thumbnail(const Exiv2::ExifData& exif, extract::Emitter& out) {
  const Exiv2::ExifThumbC thumb(exif);
  const std::string ext = thumb.extension();
  if (ext.empty()) return;  // no IFD1 thumbnail
  const Exiv2::DataBuf buf = thumb.copy();
  if (buf.size_ <= 0) {
    out.warn("corrupt", "EXIF thumbnail is declared but its bytes are not in the file");
    return;
  }
  const auto size = static_cast<std::uint64_t>(buf.size_);
  if (size > out.child_byte_budget()) {
    out.warn("limit",
             "EXIF thumbnail of " + std::to_string(size) + " bytes exceeds the child byte budget");
    return;
  }
  extract::Child child;
  child.layer = "exif";
  child.locator = "thumbnail";
  child.name = "thumbnail" + ext;
  child.declared_size = size;
  child.bytes.assign(buf.pData_, buf.pData_ + buf.size_);
  out.child(std::move(child));
}

class ExifExtractor final : public extract::Extractor {
 public:
  [[nodiscard]] std::string_view name() const override { return "exif"; }
  [[nodiscard]] std::string_view version() const override { return "1"; }
  [[nodiscard]] std::vector<std::string_view> input_types() const override {
    return {"jpeg", "tiff", "png", "webp", "heic"};
  }
  [[nodiscard]] std::string_view outputs() const override {
    return "records: make, model, body_serial, lens_model, lens_serial, datetime_original, "
           "gps_latitude, gps_longitude, gps_altitude, software, orientation, xmp_creator_tool, "
           "xmp_create_date, xmp_modify_date; child: the EXIF thumbnail (layer exif)";
  }
  [[nodiscard]] std::string_view limits() const override {
    return "whatever exiv2 0.27 reads; a field that does not follow Exif 2.32 is a warning, "
           "never a guess";
  }
  [[nodiscard]] bool probe(const extract::ItemInput& item) const override {
    const auto n = item.type.name;
    return n == "jpeg" || n == "tiff" || n == "png" || n == "webp" || n == "heic";
  }
  void extract(const extract::ItemInput& item, extract::Emitter& out,
               std::stop_token /*stop*/) const override {
    init_exiv2_once();
    try {
      auto image =
          Exiv2::ImageFactory::open(item.bytes.data(), static_cast<long>(item.bytes.size()));
      if (image.get() == nullptr) return;
      image->readMetadata();
      const Exiv2::ExifData& exif = image->exifData();
      Reader r(exif, out);
      r.text("Exif.Image.Make", "make");
      r.text("Exif.Image.Model", "model");
      r.text("Exif.Photo.BodySerialNumber", "body_serial");
      r.text("Exif.Photo.LensModel", "lens_model");
      r.text("Exif.Photo.LensSerialNumber", "lens_serial");
      r.datetime_original();
      r.gps_coordinate("Exif.GPSInfo.GPSLatitude", "Exif.GPSInfo.GPSLatitudeRef", 'S',
                       "gps_latitude", 90.0);
      r.gps_coordinate("Exif.GPSInfo.GPSLongitude", "Exif.GPSInfo.GPSLongitudeRef", 'W',
                       "gps_longitude", 180.0);
      r.gps_altitude();
      r.text("Exif.Image.Software", "software");
      r.orientation();
      const Exiv2::XmpData& xmp = image->xmpData();
      xmp_text(xmp, "Xmp.xmp.CreatorTool", "xmp_creator_tool", out);
      xmp_text(xmp, "Xmp.xmp.CreateDate", "xmp_create_date", out);
      xmp_text(xmp, "Xmp.xmp.ModifyDate", "xmp_modify_date", out);
      emit_thumbnail(exif, out);
    } catch (const Exiv2::AnyError& e) {
      // exiv2 reports damaged metadata by throwing; what was recorded before stays.
      out.warn("corrupt", std::string("exiv2: ") + e.what());
    }
  }
};

}  // namespace

std::unique_ptr<extract::Extractor> make_exif_extractor() {
  return std::make_unique<ExifExtractor>();
}

}  // namespace vigil::plugins
