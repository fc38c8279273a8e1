// EWF (E01/Ex01) metadata through libewf: the segment set and the hashes the acquisition tool
// stored. Reading the media for analysis goes through TSK's image layer, which also uses libewf;
// verification reads it here, through a handle of its own, to learn which chunks failed.
#include <libewf.h>

#include <algorithm>
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

EwfMediaRead read_ewf_media(const std::vector<std::string>& segments,
                            const std::function<void(std::span<const std::uint8_t>)>& consume,
                            const ProgressCallback& progress) {
  EwfMediaRead out;
  auto h = EwfHandle::open(segments);
  if (!h) {
    out.open_error = h.error().message;
    return out;
  }
  libewf_error_t* err = nullptr;
  auto& c = out.chunks;
  size64_t media_size = 0;
  uint32_t bytes_per_sector = 0;
  uint32_t sectors_per_chunk = 0;
  if (libewf_handle_get_media_size(h->get(), &media_size, &err) != 1 ||
      libewf_handle_get_bytes_per_sector(h->get(), &bytes_per_sector, &err) != 1 ||
      libewf_handle_get_sectors_per_chunk(h->get(), &sectors_per_chunk, &err) != 1 ||
      bytes_per_sector == 0 || sectors_per_chunk == 0) {
    out.open_error = "cannot read the EWF media geometry: " + ewf_error_text(err);
    return out;
  }
  out.media_size = media_size;
  c.checked = true;
  c.bytes_per_sector = bytes_per_sector;
  c.sectors_per_chunk = sectors_per_chunk;
  const std::uint64_t chunk_size = std::uint64_t{bytes_per_sector} * sectors_per_chunk;
  c.chunks = (media_size + chunk_size - 1) / chunk_size;
  // Whole chunks per read, about 4 MiB: libewf decompresses and checks each chunk once.
  const std::uint64_t per_read = std::max<std::uint64_t>(1, (4ULL << 20) / chunk_size) * chunk_size;
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(
      std::min<std::uint64_t>(per_read, std::max<std::uint64_t>(media_size, 1))));
  std::vector<SectorRange> unreadable;
  std::uint64_t off = 0;
  while (off < media_size) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), media_size - off));
    const ssize_t got =
        libewf_handle_read_random(h->get(), buf.data(), want, static_cast<off64_t>(off), &err);
    if (got != static_cast<ssize_t>(want)) {
      if (err != nullptr) libewf_error_free(&err);
      // Chunk by chunk, so that one bad chunk does not hide the good ones beside it.
      for (std::uint64_t at = off; at < off + want; at += chunk_size) {
        const auto n =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size, off + want - at));
        auto* dst = buf.data() + (at - off);
        const ssize_t one =
            libewf_handle_read_random(h->get(), dst, n, static_cast<off64_t>(at), &err);
        if (one != static_cast<ssize_t>(n)) {
          if (err != nullptr) libewf_error_free(&err);
          std::memset(dst, 0, n);
          unreadable.push_back(
              {at / bytes_per_sector, (n + bytes_per_sector - 1) / bytes_per_sector});
        }
      }
    }
    consume(std::span<const std::uint8_t>(buf.data(), want));
    off += want;
    if (progress) progress(off, media_size);
  }
  out.bytes_read = off;
  uint32_t errors = 0;
  std::vector<SectorRange> bad;
  if (libewf_handle_get_number_of_checksum_errors(h->get(), &errors, &err) != 1) {
    c.structure_error = "cannot list the chunks that failed their checksum: " + ewf_error_text(err);
  }
  for (uint32_t i = 0; i < errors; ++i) {
    uint64_t first = 0;
    uint64_t count = 0;
    if (libewf_handle_get_checksum_error(h->get(), i, &first, &count, &err) != 1) {
      c.structure_error =
          "cannot read checksum error " + std::to_string(i) + ": " + ewf_error_text(err);
      continue;
    }
    if (count > 0) bad.push_back({first, count});
  }
  c.checksum_errors = merge_ranges(std::move(bad));
  c.unreadable = merge_ranges(std::move(unreadable));
  const int corrupted = libewf_handle_segment_files_corrupted(h->get(), &err);
  if (corrupted < 0) {
    c.structure_error = ewf_error_text(err);
  } else if (corrupted == 1) {
    c.structure_error = "the segment set is incomplete (the last segment has no closing section)";
  }
  return out;
}

StoredHashes read_ewf_stored_hashes(const std::vector<std::string>& segments) {
  auto h = EwfHandle::open(segments);
  if (!h) return {};
  return StoredHashes{stored_hash(h->get(), "MD5"), stored_hash(h->get(), "SHA1")};
}

std::string libewf_version() { return libewf_get_version(); }

}  // namespace vigil::evidence
