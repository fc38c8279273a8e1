#include "vigil/report/report.hpp"

#include <cairo.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <pango/pango.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "vigil/core/text.hpp"
#include "vigil/core/time.hpp"
#include "vigil/report/reader.hpp"

namespace vigil::report {
namespace fs = std::filesystem;

std::string sha256_hex(std::string_view bytes) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  EVP_Digest(bytes.data(), bytes.size(), md, nullptr, EVP_sha256(), nullptr);
  return hex_encode({md, sizeof md});
}

Result<ManifestEntry> sha256_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr)
    return make_error(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::string buf(1 << 16, '\0');
  std::uint64_t size = 0;
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    EVP_DigestUpdate(ctx, buf.data(), n);
    size += n;
  }
  const bool err = std::ferror(f) != 0;
  std::fclose(f);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  if (err) return make_error(ErrorCode::kIo, "cannot read " + path);
  return ManifestEntry{fs::path(path).filename().string(), hex_encode({md, len}), size};
}

std::string derived_uuid(std::string_view name) {
  // RFC 4122 section 4.3: SHA-1 over namespace id + name, version 5. The namespace is vigil's own
  // (a fixed random UUID, 6b1c5f0e-8a57-4c4e-9d55-7669676696c1).
  static constexpr unsigned char kNamespace[16] = {0x6b, 0x1c, 0x5f, 0x0e, 0x8a, 0x57, 0x4c, 0x4e,
                                                   0x9d, 0x55, 0x76, 0x69, 0x67, 0x66, 0x96, 0xc1};
  std::string input(reinterpret_cast<const char*>(kNamespace), sizeof kNamespace);
  input.append(name);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), md, &len, EVP_sha1(), nullptr);
  md[6] = static_cast<unsigned char>((md[6] & 0x0f) | 0x50);
  md[8] = static_cast<unsigned char>((md[8] & 0x3f) | 0x80);
  const std::string h = hex_encode({md, 16});
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

std::string default_report_time() {
  if (const char* sde = std::getenv("SOURCE_DATE_EPOCH"); sde != nullptr && *sde != '\0')
    return format_utc(Timestamp{std::strtoll(sde, nullptr, 10), 0, 1'000'000'000});
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return format_utc(
      Timestamp{std::chrono::duration_cast<std::chrono::seconds>(now).count(), 0, 1'000'000'000});
}

namespace {

Result<void> write_small_file(const std::string& dir, const std::string& name,
                              const std::string& content) {
  auto f = AtomicFile::create(dir, name);
  if (!f) return f.error();
  (*f)->write(content);
  return (*f)->commit();
}

std::string manifest_text(std::vector<ManifestEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const ManifestEntry& a, const ManifestEntry& b) { return a.file < b.file; });
  std::string s;
  for (const auto& e : entries) s += e.sha256 + "  " + e.file + "\n";  // sha256sum -c format
  return s;
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, "cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string openssl_error() {
  return "OpenSSL could not use the key (is it an Ed25519 key in PEM form?)";
}

// Ed25519 over the manifest bytes (RFC 8032: deterministic, so a re-run signs identically).
Result<std::pair<std::string, std::string>> sign_manifest(const std::string& key_path,
                                                          const std::string& manifest) {
  std::FILE* f = std::fopen(key_path.c_str(), "rb");
  if (f == nullptr)
    return make_error(ErrorCode::kNotFound,
                      "cannot open signing key " + key_path + ": " + std::strerror(errno));
  EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (key == nullptr)
    return make_error(ErrorCode::kInvalidArgument,
                      "signing key " + key_path + " is not a PEM private key");
  if (EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return make_error(ErrorCode::kInvalidArgument,
                      "signing key " + key_path + " is not an Ed25519 key");
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string sig(64, '\0');
  std::size_t sig_len = sig.size();
  const bool ok =
      EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                     reinterpret_cast<const unsigned char*>(manifest.data()), manifest.size()) == 1;
  EVP_MD_CTX_free(ctx);
  std::string pub;
  if (ok) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (PEM_write_bio_PUBKEY(bio, key) == 1) {
      char* p = nullptr;
      const long n = BIO_get_mem_data(bio, &p);
      pub.assign(p, static_cast<std::size_t>(n));
    }
    BIO_free(bio);
  }
  EVP_PKEY_free(key);
  if (!ok || pub.empty()) return make_error(ErrorCode::kInvalidArgument, openssl_error());
  sig.resize(sig_len);
  return std::pair{base64_encode(sig) + "\n", pub};
}

std::string public_key_fingerprint(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key, &der);
  if (n <= 0) return {};
  std::string fp = sha256_hex({reinterpret_cast<char*>(der), static_cast<std::size_t>(n)});
  OPENSSL_free(der);
  return fp;
}

std::string decode_base64(std::string_view s) {
  std::string clean;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) clean += c;
  std::string out((clean.size() / 4) * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()),
                                static_cast<int>(clean.size()));
  if (n < 0) return {};
  out.resize(static_cast<std::size_t>(n));
  // EVP_DecodeBlock keeps the padding bytes as zeros.
  std::size_t pad = 0;
  if (!clean.empty() && clean.back() == '=') ++pad;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(out.size() - pad);
  return out;
}

}  // namespace

Result<ReportResult> generate_report(const ReportOptions& opt) {
  if (opt.meta.case_number.empty())
    return make_error(ErrorCode::kInvalidArgument, "a case number is required (--case-number)");
  if (opt.meta.exhibits.empty() || std::any_of(opt.meta.exhibits.begin(), opt.meta.exhibits.end(),
                                               [](const std::string& e) { return e.empty(); }))
    return make_error(ErrorCode::kInvalidArgument,
                      "at least one exhibit id is required (--exhibit)");
  if (const auto& tz = opt.meta.display_tz; !tz.empty()) {
    // An IANA zone name from the system's tzdata, nothing else (no paths, no POSIX TZ rules).
    const bool plain = tz.find("..") == std::string::npos && tz[0] != '/' &&
                       tz.find_first_not_of(
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                           "0123456789/_+-") == std::string::npos;
    std::error_code tz_ec;
    if (!plain || !fs::is_regular_file(fs::path("/usr/share/zoneinfo") / tz, tz_ec))
      return make_error(ErrorCode::kInvalidArgument,
                        "unknown time zone " + tz + " (an IANA name such as Europe/Berlin)");
  }
  std::set<std::string> formats(opt.formats.begin(), opt.formats.end());
  if (formats.empty()) formats.insert(std::begin(kFormats), std::end(kFormats));
  for (const auto& f : formats)
    if (std::find_if(std::begin(kFormats), std::end(kFormats),
                     [&](const char* k) { return f == k; }) == std::end(kFormats))
      return make_error(ErrorCode::kInvalidArgument, "unknown report format: " + f);

  std::error_code ec;
  // "OUT/" names the same folder as "OUT": the staging folder goes beside it, not inside.
  fs::path out = fs::path(opt.out_dir).lexically_normal();
  if (out.filename().empty()) out = out.parent_path();
  if (out.empty()) return make_error(ErrorCode::kInvalidArgument, "--out names no folder");
  if (fs::exists(out, ec) && !(fs::is_directory(out, ec) && fs::is_empty(out, ec)))
    return make_error(ErrorCode::kInvalidArgument,
                      opt.out_dir + " already exists; a report is never overwritten");

  auto reader = CaseReader::open(opt.case_dir);
  if (!reader) return reader.error();
  ReportMeta meta = opt.meta;
  meta.report_libraries = std::string("cairo ") + cairo_version_string() + ", pango " +
                          pango_version_string() + ", " + OpenSSL_version(OPENSSL_VERSION) +
                          ", SQLite " + sqlite3_libversion();
  auto data = (*reader)->load(std::move(meta));
  if (!data) return data.error();
  if (data->meta.thumbnails == "blurred" && opt.thumbnailer) {
    for (const auto& it : data->matched_items) {
      const auto* ev = data->evidence_by_id(it.evidence_id);
      if (ev == nullptr) continue;
      static constexpr const char* kPictures[] = {"jpeg", "png",  "gif",  "bmp",
                                                  "tiff", "webp", "heic", "avif"};
      if (std::find(std::begin(kPictures), std::end(kPictures), it.content_type) ==
          std::end(kPictures)) {
        data->thumbnail_notes[it.id] = "no thumbnail: not a picture (" +
                                       (it.content_type.empty() ? "unknown" : it.content_type) +
                                       ")";
        continue;
      }
      auto png = opt.thumbnailer(it, *ev);
      if (png) {
        data->thumbnails[it.id] = std::move(*png);
      } else {
        data->thumbnail_notes[it.id] = "no thumbnail: " + png.error().message;
      }
    }
  }

  // Everything is written into a staging folder beside OUT, renamed to OUT at the end.
  const fs::path staging = out.parent_path() / ("." + out.filename().string() + ".partial-" +
                                                std::to_string(::getpid()));
  fs::remove_all(staging, ec);
  if (!fs::create_directories(staging, ec))
    return make_error(ErrorCode::kIo, "cannot create " + staging.string() + ": " + ec.message());
  struct Cleanup {
    fs::path p;
    bool keep = false;
    ~Cleanup() {
      std::error_code e;
      if (!keep) fs::remove_all(p, e);
    }
  } cleanup{staging};
  const std::string dir = staging.string();

  std::vector<std::unique_ptr<Writer>> writers;
  const auto add = [&](Result<std::unique_ptr<Writer>> w) -> Result<void> {
    if (!w) return w.error();
    writers.push_back(std::move(*w));
    return {};
  };
  if (formats.count("jsonl"))
    if (auto r = add(make_jsonl_writer(dir)); !r) return r.error();
  if (formats.count("csv")) {
    if (auto r = add(make_csv_writer(dir)); !r) return r.error();
    if (auto r = add(make_matches_csv_writer(dir)); !r) return r.error();
  }
  if (formats.count("dfxml"))
    if (auto r = add(make_dfxml_writer(dir)); !r) return r.error();
  if (formats.count("case"))
    if (auto r = add(make_case_writer(dir)); !r) return r.error();
  if (formats.count("vics"))
    if (auto r = add(make_vics_writer(dir)); !r) return r.error();

  for (auto& w : writers)
    if (auto r = w->begin(*data); !r) return r.error();
  if (!writers.empty()) {
    auto r = (*reader)->for_each_item([&](const ItemInfo& it) -> Result<void> {
      for (auto& w : writers)
        if (auto wr = w->item(it); !wr) return wr;
      return {};
    });
    if (!r) return r.error();
  }
  MachineManifest machine;
  machine.manifest_file = kMachineManifestFile;
  for (auto& w : writers) {
    if (auto r = w->end(*data); !r) return r.error();
    auto e = sha256_file(dir + "/" + w->file_name());
    if (!e) return e.error();
    machine.files.push_back(*e);
  }
  std::sort(machine.files.begin(), machine.files.end(),
            [](const ManifestEntry& a, const ManifestEntry& b) { return a.file < b.file; });
  const std::string machine_text = manifest_text(machine.files);
  if (auto r = write_small_file(dir, kMachineManifestFile, machine_text); !r) return r.error();
  machine.manifest_sha256 = sha256_hex(machine_text);

  if (formats.count("html"))
    if (auto r = write_html(dir, *data, machine); !r) return r.error();
  if (formats.count("pdf"))
    if (auto r = write_pdf(dir, *data, machine); !r) return r.error();

  ReportResult result;
  result.report_id = data->meta.report_id;
  result.source_verified = data->source_verified();
  for (const auto& entry : fs::directory_iterator(staging)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    auto e = sha256_file(entry.path().string());
    if (!e) return e.error();
    result.files.push_back(*e);
  }
  std::sort(result.files.begin(), result.files.end(),
            [](const ManifestEntry& a, const ManifestEntry& b) { return a.file < b.file; });
  const std::string manifest = manifest_text(result.files);
  if (auto r = write_small_file(dir, kManifestFile, manifest); !r) return r.error();
  if (!opt.sign_key.empty()) {
    auto sig = sign_manifest(opt.sign_key, manifest);
    if (!sig) return sig.error();
    if (auto r = write_small_file(dir, kSignatureFile, sig->first); !r) return r.error();
    if (auto r = write_small_file(dir, kPublicKeyFile, sig->second); !r) return r.error();
    result.signed_manifest = true;
  }
  if (fs::exists(out, ec)) fs::remove(out, ec);  // the empty folder checked above
  fs::rename(staging, out, ec);
  if (ec)
    return make_error(ErrorCode::kIo, "cannot rename " + staging.string() + " to " + opt.out_dir +
                                          ": " + ec.message());
  cleanup.keep = true;
  return result;
}

Result<VerifyResult> verify_report(const std::string& out_dir, const std::string& public_key) {
  VerifyResult v;
  auto manifest = read_file(out_dir + "/" + kManifestFile);
  if (!manifest) return make_error(ErrorCode::kNotFound, out_dir + " holds no " + kManifestFile);
  std::map<std::string, std::string> listed;
  std::istringstream in(*manifest);
  std::string line;
  while (std::getline(in, line)) {
    const auto sp = line.find("  ");
    if (sp != 64 || line.size() <= 66) {
      v.problems.push_back("malformed manifest line: " + printable(line));
      continue;
    }
    listed[line.substr(66)] = line.substr(0, 64);
  }
  for (const auto& [file, hash] : listed) {
    const std::string path = out_dir + "/" + file;
    if (file.find('/') != std::string::npos || file == ".." || file == ".") {
      v.problems.push_back("manifest names a file outside the report: " + printable(file));
      continue;
    }
    auto e = sha256_file(path);
    if (!e) {
      v.problems.push_back("missing: " + file);
      continue;
    }
    ++v.files_checked;
    if (e->sha256 != hash)
      v.problems.push_back("changed: " + file + " (SHA-256 " + e->sha256 + ", manifest says " +
                           hash + ")");
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == kManifestFile || name == kSignatureFile || name == kPublicKeyFile) continue;
    if (!listed.count(name)) v.problems.push_back("not in the manifest: " + printable(name));
  }
  // machine.sha256 must agree with the files it lists (its hash is the one printed on the cover).
  if (auto mm = read_file(out_dir + "/" + kMachineManifestFile); mm) {
    std::istringstream min(*mm);
    while (std::getline(min, line)) {
      if (line.size() <= 66) continue;
      const auto it = listed.find(line.substr(66));
      if (it == listed.end() || it->second != line.substr(0, 64))
        v.problems.push_back(std::string(kMachineManifestFile) + " disagrees about " +
                             printable(line.substr(66)));
    }
  }
  const bool has_sig = fs::exists(out_dir + "/" + kSignatureFile, ec);
  if (has_sig || !public_key.empty()) {
    v.signature_checked = true;
    auto sig_text = read_file(out_dir + "/" + kSignatureFile);
    const std::string key_path = public_key.empty() ? out_dir + "/" + kPublicKeyFile : public_key;
    std::FILE* f = std::fopen(key_path.c_str(), "rb");
    EVP_PKEY* key = f ? PEM_read_PUBKEY(f, nullptr, nullptr, nullptr) : nullptr;
    if (f) std::fclose(f);
    if (!sig_text) {
      v.problems.push_back("the report is not signed (no " + std::string(kSignatureFile) + ")");
    } else if (key == nullptr || EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
      v.problems.push_back("cannot read an Ed25519 public key from " + key_path);
    } else {
      v.signer_fingerprint = public_key_fingerprint(key);
      const std::string sig = decode_base64(*sig_text);
      EVP_MD_CTX* ctx = EVP_MD_CTX_new();
      const bool good =
          EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
          EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                           reinterpret_cast<const unsigned char*>(manifest->data()),
                           manifest->size()) == 1;
      EVP_MD_CTX_free(ctx);
      if (!good) v.problems.push_back("the signature does not match the manifest");
    }
    EVP_PKEY_free(key);
  }
  return v;
}

}  // namespace vigil::report
