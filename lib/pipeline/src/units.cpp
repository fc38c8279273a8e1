#include "vigil/pipeline/units.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "verification.hpp"
#include "vigil/digest/multi_hasher.hpp"

namespace vigil::pipeline {
namespace {

// As scan.cpp reads content: regular files with metadata; a file system's bookkeeping files
// only with --digests all.
bool reads_content(const evidence::Entry& e, DigestPolicy policy) {
  return e.has_meta && e.meta_type == 'r' && (!e.fs_metadata || policy == DigestPolicy::kAll);
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void put_bytes(std::string& out, const std::string& s) {
  put_u64(out, s.size());
  out += s;
}

void put_time(std::string& out, const std::optional<Timestamp>& t) {
  if (!t) {
    out += '\0';
    return;
  }
  out += '\1';
  put_u64(out, static_cast<std::uint64_t>(t->seconds));
  put_u64(out, t->nanos);
  put_u64(out, t->precision_ns);
}

}  // namespace

WalkFingerprint::WalkFingerprint() : hasher_(std::make_unique<digest::MultiHasher>()) {
  hasher_->reset(true);
}
WalkFingerprint::~WalkFingerprint() = default;

void WalkFingerprint::add(const evidence::Entry& e) {
  // Length-prefixed fields: no two different entries give the same bytes.
  std::string b;
  put_bytes(b, e.provenance.str());
  put_u64(b, static_cast<std::uint64_t>(e.volume));
  put_u64(b, e.inode);
  put_bytes(b, e.inode_str);
  put_u64(b, e.size);
  b += e.name_type;
  b += e.meta_type;
  b += static_cast<char>(e.deleted | (e.meta_allocated << 1) | (e.orphan << 2) | (e.ads << 3) |
                         (e.has_meta << 4) | (e.fs_metadata << 5));
  put_time(b, e.times.modified);
  put_time(b, e.times.changed);
  put_time(b, e.times.born);
  hasher_->update({reinterpret_cast<const std::uint8_t*>(b.data()), b.size()});
}

std::string WalkFingerprint::hex() { return hasher_->finish().hex(digest::Algorithm::kSha256); }

Result<FileIdentity> identify_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return make_error(ErrorCode::kIo, "cannot stat " + path + ": " + std::strerror(err));
  }
  FileIdentity id;
  id.path = path;
  id.size = static_cast<std::uint64_t>(st.st_size);
  constexpr std::uint64_t kMiB = 1 << 20;
  digest::MultiHasher h;
  h.reset(true);
  std::string size_bytes;
  put_u64(size_bytes, id.size);
  h.update({reinterpret_cast<const std::uint8_t*>(size_bytes.data()), size_bytes.size()});
  std::vector<std::uint8_t> buf(kMiB);
  // The first MiB, then the last MiB (overlapping the first on a small file: both are hashed).
  for (const std::uint64_t at : {std::uint64_t{0}, id.size > kMiB ? id.size - kMiB : 0}) {
    std::uint64_t done = 0;
    const std::uint64_t want = std::min(kMiB, id.size);
    while (done < want) {
      const auto got = ::pread(fd, buf.data() + done, want - done, static_cast<off_t>(at + done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        const int err = errno;
        ::close(fd);
        return make_error(ErrorCode::kIo, "cannot read " + path + ": " +
                                              (got < 0 ? std::strerror(err) : "file shrank"));
      }
      done += static_cast<std::uint64_t>(got);
    }
    h.update({buf.data(), want});
  }
  ::close(fd);
  id.head_tail_sha256 = h.finish().hex(digest::Algorithm::kSha256);
  return id;
}

Result<EvidenceSurvey> survey_evidence(const std::string& evidence_path, DigestPolicy digests,
                                       VerifyMode verify) {
  EvidenceSurvey s;
  s.path = std::filesystem::absolute(evidence_path).lexically_normal().string();
  auto opened = evidence::open_evidence(s.path);
  if (!opened) return opened.error();
  auto& ev = **opened;
  const auto& info = ev.info();
  s.name = info.name;
  s.format = evidence::image_format_name(info.format);
  s.size = info.size;
  s.stored_md5 = ev.stored_hashes().md5.value_or("");
  s.verify = wants_verification(verify, info.format);
  if (info.format != evidence::ImageFormat::kFolder) {
    for (const auto& seg : info.segments) {
      auto id = identify_file(seg);
      if (!id) return id.error();
      s.files.push_back(std::move(*id));
    }
  }
  WalkFingerprint fp;
  for (const auto& v : ev.volumes()) {
    if (v.kind != evidence::VolumeKind::kFileSystem) continue;
    VolumeSurvey vs;
    vs.index = v.index;
    vs.first_entry = s.content_bytes.size();
    // Walk problems are the scan's warnings; here only the entries count.
    (void)ev.walk(
        v.index,
        [&](const evidence::Entry& e) {
          fp.add(e);
          s.content_bytes.push_back(reads_content(e, digests) ? e.size : 0);
          return true;
        },
        [](const evidence::Warning&) {});
    vs.entries = s.content_bytes.size() - vs.first_entry;
    s.volumes.push_back(vs);
  }
  s.walk_fingerprint = fp.hex();
  return s;
}

}  // namespace vigil::pipeline
