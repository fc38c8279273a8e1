#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "vigil/report/writers.hpp"

namespace vigil::report {

Result<std::unique_ptr<AtomicFile>> AtomicFile::create(const std::string& dir,
                                                       const std::string& name) {
  auto f = std::unique_ptr<AtomicFile>(new AtomicFile());
  f->final_ = dir + "/" + name;
  f->temp_ = dir + "/." + name + ".partial";
  f->f_ = std::fopen(f->temp_.c_str(), "wbx");
  if (f->f_ == nullptr)
    return make_error(ErrorCode::kIo, "cannot create " + f->temp_ + ": " + std::strerror(errno));
  f->buf_.reserve(kFlushAt + 65536);
  return f;
}

AtomicFile::~AtomicFile() {
  if (f_ != nullptr) {
    std::fclose(f_);
    std::remove(temp_.c_str());
  }
}

void AtomicFile::write(std::string_view s) {
  buf_.append(s);
  maybe_flush();
}

void AtomicFile::flush() {
  if (!buf_.empty() && !failed_ && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) {
    failed_ = true;
    saved_errno_ = errno;
  }
  buf_.clear();
}

Result<void> AtomicFile::commit() {
  flush();
  if (!failed_ && std::fflush(f_) != 0) {
    failed_ = true;
    saved_errno_ = errno;
  }
  if (!failed_ && ::fsync(fileno(f_)) != 0) {
    failed_ = true;
    saved_errno_ = errno;
  }
  const int rc = std::fclose(f_);
  f_ = nullptr;
  if (!failed_ && rc != 0) {
    failed_ = true;
    saved_errno_ = errno;
  }
  if (failed_) {
    std::remove(temp_.c_str());
    return make_error(ErrorCode::kIo, "cannot write " + final_ + ": " +
                                          (saved_errno_ == ENOSPC ? std::string("the disk is full")
                                                                  : std::strerror(saved_errno_)));
  }
  if (std::rename(temp_.c_str(), final_.c_str()) != 0) {
    const int e = errno;
    std::remove(temp_.c_str());
    return make_error(ErrorCode::kIo, "cannot rename " + temp_ + ": " + std::strerror(e));
  }
  return {};
}

}  // namespace vigil::report
