// Buffered output for large listings: each line is built whole and written in big blocks, so a
// listing of millions of entries costs one write per megabyte, never interleaved.
#pragma once

#include <cstdio>
#include <string>

namespace vigil::cli {

class Output {
 public:
  explicit Output(std::FILE* f) : f_(f) { buf_.reserve(kFlushAt + 4096); }
  ~Output() { flush(); }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  std::string& buffer() { return buf_; }
  // Call after each whole line.
  void line_done() {
    if (buf_.size() >= kFlushAt) flush();
  }
  void flush() {
    if (!buf_.empty()) std::fwrite(buf_.data(), 1, buf_.size(), f_);
    buf_.clear();
    std::fflush(f_);
  }

 private:
  static constexpr std::size_t kFlushAt = 1 << 20;
  std::FILE* f_;
  std::string buf_;
};

}  // namespace vigil::cli
