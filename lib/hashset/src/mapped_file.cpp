#include "mapped_file.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace vigil::hashset::detail {

MappedFile::~MappedFile() {
  if (data_ != nullptr && size_ > 0) munmap(const_cast<std::uint8_t*>(data_), size_);
}
MappedFile::MappedFile(MappedFile&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
  if (this != &o) {
    if (data_ != nullptr && size_ > 0) munmap(const_cast<std::uint8_t*>(data_), size_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

Result<MappedFile> MappedFile::open(const std::filesystem::path& path, Access access) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::kIo, path.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return make_error(ErrorCode::kIo, path.string() + ": " + std::strerror(e));
  }
  MappedFile m;
  m.size_ = static_cast<std::size_t>(st.st_size);
  if (m.size_ > 0) {
    void* p = mmap(nullptr, m.size_, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      m.size_ = 0;
      return make_error(ErrorCode::kIo, path.string() + ": mmap: " + std::strerror(e));
    }
    madvise(p, m.size_, access == Access::kRandom ? MADV_RANDOM : MADV_SEQUENTIAL);
    m.data_ = static_cast<const std::uint8_t*>(p);
  }
  ::close(fd);
  return m;
}

Result<MappedFile> MappedFile::anonymous_copy(std::span<const std::uint8_t> bytes) {
  MappedFile m;
  if (bytes.empty()) return m;
  void* p = mmap(nullptr, bytes.size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return make_error(ErrorCode::kIo, std::string("mmap: ") + std::strerror(errno));
  madvise(p, bytes.size(), MADV_HUGEPAGE);
  std::memcpy(p, bytes.data(), bytes.size());
  mprotect(p, bytes.size(), PROT_READ);
  m.data_ = static_cast<const std::uint8_t*>(p);
  m.size_ = bytes.size();
  return m;
}

FileWriter::~FileWriter() {
  if (f_ != nullptr) std::fclose(f_);
}
FileWriter::FileWriter(FileWriter&& o) noexcept
    : f_(std::exchange(o.f_, nullptr)),
      path_(std::move(o.path_)),
      buffer_(std::move(o.buffer_)),
      offset_(o.offset_),
      failed_(o.failed_) {}
FileWriter& FileWriter::operator=(FileWriter&& o) noexcept {
  if (this != &o) {
    if (f_ != nullptr) std::fclose(f_);
    f_ = std::exchange(o.f_, nullptr);
    path_ = std::move(o.path_);
    buffer_ = std::move(o.buffer_);
    offset_ = o.offset_;
    failed_ = o.failed_;
  }
  return *this;
}

Result<FileWriter> FileWriter::create(const std::filesystem::path& path, std::size_t buffer) {
  FileWriter w;
  w.f_ = std::fopen(path.c_str(), "wbx");
  if (w.f_ == nullptr)
    return make_error(ErrorCode::kIo, path.string() + ": " + std::strerror(errno));
  w.path_ = path;
  w.buffer_.resize(buffer);
  std::setvbuf(w.f_, w.buffer_.data(), _IOFBF, w.buffer_.size());
  return w;
}

void FileWriter::write(const void* data, std::size_t n) {
  if (failed_ || n == 0) return;
  if (std::fwrite(data, 1, n, f_) != n) failed_ = true;
  offset_ += n;
}

void FileWriter::pad_to(std::size_t alignment) {
  static constexpr std::uint8_t kZeros[64] = {};
  while (offset_ % alignment != 0)
    write(kZeros, std::min<std::size_t>(64, alignment - offset_ % alignment));
}

Result<void> FileWriter::close(bool sync) {
  if (f_ == nullptr) return make_error(ErrorCode::kInternal, "writer already closed");
  bool ok = !failed_ && std::fflush(f_) == 0 && (!sync || fsync(fileno(f_)) == 0);
  int e = errno;
  ok = (std::fclose(f_) == 0) && ok;
  f_ = nullptr;
  if (!ok)
    return make_error(ErrorCode::kIo, path_.string() + ": write failed: " + std::strerror(e));
  return {};
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}
Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Sha256::update(const void* data, std::size_t n) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, n);
}
std::string Sha256::hex_final() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &len);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kDigits[md[i] >> 4]);
    out.push_back(kDigits[md[i] & 15]);
  }
  return out;
}

Result<std::pair<std::string, std::uint64_t>> sha256_file(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return make_error(ErrorCode::kIo, path.string() + ": " + std::strerror(errno));
  Sha256 h;
  std::vector<char> buf(1 << 20);
  std::uint64_t total = 0;
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    h.update(buf.data(), n);
    total += n;
  }
  bool err = std::ferror(f) != 0;
  std::fclose(f);
  if (err) return make_error(ErrorCode::kIo, path.string() + ": read error");
  return std::make_pair(h.hex_final(), total);
}

}  // namespace vigil::hashset::detail
