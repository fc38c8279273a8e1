// A plain folder as evidence (loose files an examiner was given). Names are kept as raw bytes;
// symbolic links are listed, never followed, so a link loop cannot trap the walk.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "evidence_internal.hpp"

namespace vigil::evidence {
namespace {

class FdReader final : public EntryReader {
 public:
  FdReader(int fd, std::uint64_t size, std::string prov)
      : fd_(fd), size_(size), prov_(std::move(prov)) {}
  ~FdReader() override { ::close(fd_); }
  FdReader(const FdReader&) = delete;
  FdReader& operator=(const FdReader&) = delete;

  Result<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> buf) override {
    for (;;) {
      const ssize_t got = ::pread(fd_, buf.data(), buf.size(), static_cast<off_t>(offset));
      if (got >= 0) return static_cast<std::size_t>(got);
      if (errno == EINTR) continue;
      return make_error(ErrorCode::kIo, std::string("read failed: ") + std::strerror(errno), prov_);
    }
  }
  [[nodiscard]] std::uint64_t size() const override { return size_; }

 private:
  int fd_;
  std::uint64_t size_;
  std::string prov_;
};

Timestamp ts(const struct timespec& t) {
  return Timestamp{static_cast<std::int64_t>(t.tv_sec), static_cast<std::uint32_t>(t.tv_nsec), 1};
}

char type_char(mode_t m) {
  if (S_ISREG(m)) return 'r';
  if (S_ISDIR(m)) return 'd';
  if (S_ISLNK(m)) return 'l';
  if (S_ISFIFO(m)) return 'p';
  if (S_ISSOCK(m)) return 's';
  if (S_ISCHR(m)) return 'c';
  if (S_ISBLK(m)) return 'b';
  return '-';
}

class FolderEvidence final : public Evidence {
 public:
  explicit FolderEvidence(EvidenceInfo info) : info_(std::move(info)) {
    Volume v;
    v.scheme = "none";
    v.description = "folder";
    v.kind = VolumeKind::kFileSystem;
    v.fs_type = "dir";
    v.provenance = Provenance::evidence(info_.name);
    volumes_.push_back(std::move(v));
  }
  [[nodiscard]] const EvidenceInfo& info() const override { return info_; }
  [[nodiscard]] const std::vector<Volume>& volumes() const override { return volumes_; }
  [[nodiscard]] const std::vector<Warning>& open_warnings() const override { return warnings_; }

  Result<void> walk(int volume, const EntryCallback& on_entry,
                    const WarningCallback& on_warning) override {
    if (volume != 0) return make_error(ErrorCode::kInvalidArgument, "a folder has one volume");
    walk_dir("", on_entry, on_warning);
    return {};
  }

  Result<std::unique_ptr<EntryReader>> open_reader(const Entry& entry) override {
    const std::string p = info_.path + entry.path;
    // O_NOATIME: reading the evidence must not change its access time (open(2)); the kernel
    // allows it to the file's owner or a process with CAP_FOWNER, and refuses it with EPERM
    // otherwise, when the file is opened as usual (the access time may then change).
    int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM) fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      return make_error(ErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno),
                        entry.provenance.str());
    return std::unique_ptr<EntryReader>(
        std::make_unique<FdReader>(fd, entry.size, entry.provenance.str()));
  }

  Result<std::size_t> read_media(std::uint64_t, std::span<std::uint8_t>) override {
    return make_error(ErrorCode::kUnsupported, "a folder has no media to read");
  }

 private:
  // Returns false when the callback asked to stop.
  bool walk_dir(const std::string& rel, const EntryCallback& on_entry,
                const WarningCallback& on_warning) {
    const std::string dir = info_.path + rel;
    // Listed through a descriptor opened with O_NOATIME (as the files are read, open_reader):
    // listing a folder must not change its access time either.
    const char* where = dir.empty() ? "/" : dir.c_str();
    int fd = ::open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM) fd = ::open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* d = fd >= 0 ? ::fdopendir(fd) : nullptr;
    if (d == nullptr && fd >= 0) ::close(fd);
    if (d == nullptr) {
      on_warning(Warning{std::string("cannot list folder: ") + std::strerror(errno),
                         volumes_[0].provenance.child("dir", rel.empty() ? "/" : rel)});
      return true;
    }
    std::vector<std::string> names;
    while (const dirent* de = ::readdir(d)) {
      if (std::strcmp(de->d_name, ".") == 0 || std::strcmp(de->d_name, "..") == 0) continue;
      names.emplace_back(de->d_name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());  // stable order, independent of the host fs
    for (const auto& n : names) {
      Entry e;
      e.path = rel + "/" + n;
      e.name = n;
      e.provenance = volumes_[0].provenance.child("dir", e.path);
      struct stat st {};
      if (::lstat((info_.path + e.path).c_str(), &st) != 0) {
        on_warning(Warning{std::string("cannot stat: ") + std::strerror(errno), e.provenance});
        continue;
      }
      e.inode = st.st_ino;
      e.inode_str = std::to_string(e.inode);
      e.size = S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
      e.name_type = e.meta_type = type_char(st.st_mode);
      e.meta_allocated = true;
      e.has_meta = true;
      e.times.modified = ts(st.st_mtim);
      e.times.accessed = ts(st.st_atim);
      e.times.changed = ts(st.st_ctim);
      if (!on_entry(e)) return false;
      if (S_ISDIR(st.st_mode) && !walk_dir(e.path, on_entry, on_warning)) return false;
    }
    return true;
  }

  EvidenceInfo info_;
  std::vector<Volume> volumes_;
  std::vector<Warning> warnings_;
};

}  // namespace

Result<std::unique_ptr<Evidence>> open_folder_evidence(EvidenceInfo info) {
  return std::unique_ptr<Evidence>(std::make_unique<FolderEvidence>(std::move(info)));
}

}  // namespace vigil::evidence
