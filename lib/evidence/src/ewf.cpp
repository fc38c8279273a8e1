// EWF (E01/Ex01) metadata through libewf: the segment set and the hashes the acquisition tool
// stored. Reading the media itself goes through TSK's image layer, which also uses libewf.
#include <libewf.h>

#include <array>
#include <cctype>
#include <cstring>

#include "evidence_internal.hpp"
#include "vigil/evidence/verify.hpp"

namespace vigil::evidence {
namespace {

std::string ewf_error_text(libewf_error_t* err) {
  if (err == nullptr) return "unknown libewf error";
  std::array<char, 1024> buf{};
  libewf_error_sprint(err, buf.data(), buf.size());
  libewf_error_free(&err);
  std::string s(buf.data());
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// A libewf handle opened read-only on all segments; closed on destruction.
class EwfHandle {
 public:
  static Result<EwfHandle> open(const std::vector<std::string>& segments) {
    EwfHandle h;
    libewf_error_t* err = nullptr;
    if (libewf_handle_initialize(&h.handle_, &err) != 1)
      return make_error(ErrorCode::kInternal, ewf_error_text(err));
    std::vector<char*> names;
    for (const auto& s : segments) names.push_back(const_cast<char*>(s.c_str()));
    if (libewf_handle_open(h.handle_, names.data(), static_cast<int>(names.size()),
                           LIBEWF_OPEN_READ, &err) != 1) {
      return make_error(ErrorCode::kCorrupt, "cannot open EWF segments: " + ewf_error_text(err));
    }
    h.opened_ = true;
    return h;
  }
  EwfHandle() = default;
  EwfHandle(EwfHandle&& o) noexcept : handle_(o.handle_), opened_(o.opened_) {
    o.handle_ = nullptr;
    o.opened_ = false;
  }
  EwfHandle& operator=(EwfHandle&&) = delete;
  EwfHandle(const EwfHandle&) = delete;
  EwfHandle& operator=(const EwfHandle&) = delete;
  ~EwfHandle() {
    if (handle_ == nullptr) return;
    if (opened_) libewf_handle_close(handle_, nullptr);
    libewf_handle_free(&handle_, nullptr);
  }
  libewf_handle_t* get() const { return handle_; }

 private:
  libewf_handle_t* handle_ = nullptr;
  bool opened_ = false;
};

std::optional<std::string> stored_hash(libewf_handle_t* h, const char* name) {
  std::array<uint8_t, 256> value{};
  libewf_error_t* err = nullptr;
  const int rc =
      libewf_handle_get_utf8_hash_value(h, reinterpret_cast<const uint8_t*>(name),
                                        std::strlen(name), value.data(), value.size(), &err);
  if (rc != 1) {
    if (err != nullptr) libewf_error_free(&err);
    return std::nullopt;
  }
  std::string s(reinterpret_cast<const char*>(value.data()));
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace

Result<std::vector<std::string>> glob_ewf_segments(const std::string& first) {
  char** names = nullptr;
  int count = 0;
  libewf_error_t* err = nullptr;
  if (libewf_glob(first.c_str(), first.size(), LIBEWF_FORMAT_UNKNOWN, &names, &count, &err) != 1) {
    return make_error(ErrorCode::kNotFound,
                      "cannot find the EWF segments of " + first + ": " + ewf_error_text(err));
  }
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.emplace_back(names[i]);
  libewf_glob_free(names, count, nullptr);
  return out;
}

Result<void> check_ewf_complete(const std::vector<std::string>& segments) {
  auto h = EwfHandle::open(segments);
  if (!h) return h.error();
  libewf_error_t* err = nullptr;
  const int corrupted = libewf_handle_segment_files_corrupted(h->get(), &err);
  if (corrupted < 0) return make_error(ErrorCode::kCorrupt, ewf_error_text(err));
  if (corrupted == 1) {
    // libewf finds no closing ("done") section in the last segment: the set is cut short.
    return make_error(ErrorCode::kCorrupt,
                      "EWF segment set is incomplete: " + std::to_string(segments.size()) +
                          " segment(s) found from " + segments.front() + " to " + segments.back() +
                          ", and the last has no closing section (a segment is missing or "
                          "truncated)");
  }
  return {};
}

StoredHashes read_ewf_stored_hashes(const std::vector<std::string>& segments) {
  auto h = EwfHandle::open(segments);
  if (!h) return {};
  return StoredHashes{stored_hash(h->get(), "MD5"), stored_hash(h->get(), "SHA1")};
}

std::string libewf_version() { return libewf_get_version(); }

}  // namespace vigil::evidence
