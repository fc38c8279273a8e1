#include "vigil/phash/video.hpp"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>
#include <optional>

#include "vigil/phash/match.hpp"

namespace vigil::phash {
namespace {

// An anonymous in-memory file (memfd_create(2)) holding the video, closed on destruction.
class MemFile {
 public:
  MemFile() = default;
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  ~MemFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  Result<void> fill(std::span<const std::uint8_t> bytes) {
    fd_ = ::memfd_create("vigil-video", MFD_CLOEXEC);
    if (fd_ < 0) return make_error(ErrorCode::kIo, "memfd_create failed for the video");
    std::size_t done = 0;
    while (done < bytes.size()) {
      const auto n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n <= 0) return make_error(ErrorCode::kIo, "cannot write the video to a memory file");
      done += static_cast<std::size_t>(n);
    }
    return {};
  }
  [[nodiscard]] std::string path() const { return fmt::format("/proc/self/fd/{}", fd_); }

 private:
  int fd_ = -1;
};

PdqResult hash_frame(PdqHasher& hasher, const cv::Mat& frame) {
  if (frame.type() == CV_8UC3)
    return hasher.hash_bgr(frame.data, frame.cols, frame.rows, frame.step);
  cv::Mat bgr;
  if (frame.channels() == 1) {
    cv::Mat grey8;
    frame.convertTo(grey8, CV_8U);
    cv::merge(std::vector<cv::Mat>{grey8, grey8, grey8}, bgr);
  } else {
    cv::Mat tmp;
    frame.convertTo(tmp, CV_8U);
    cv::Mat ch[4];
    cv::split(tmp, ch);
    cv::merge(std::vector<cv::Mat>{ch[0], ch[1], ch[2]}, bgr);
  }
  return hasher.hash_bgr(bgr.data, bgr.cols, bgr.rows, bgr.step);
}

// The frame size the stream declares (its codec parameters, read when the container was opened),
// checked before any frame is read: a hostile header that claims a huge frame is refused without
// a frame of that size being decoded. (FFmpeg's stream probing inside open() may already decode a
// first frame of codecs whose container does not give the pixel format; OpenCV gives no way to
// read the header without it.) 0 x 0 (not declared) leaves the check to the decoded frames.
Result<void> check_declared_size(cv::VideoCapture& cap, const VideoOptions& o) {
  const double w = cap.get(cv::CAP_PROP_FRAME_WIDTH);
  const double h = cap.get(cv::CAP_PROP_FRAME_HEIGHT);
  if (!(w > 0 && h > 0 && w < 1e9 && h < 1e9)) return {};
  const auto width = static_cast<std::uint64_t>(w);
  const auto height = static_cast<std::uint64_t>(h);
  if (width * height > o.max_frame_pixels)
    return make_error(ErrorCode::kLimit,
                      fmt::format("video stream declares frames of {} x {} pixels, over the cap "
                                  "of {}: not decoded",
                                  width, height, o.max_frame_pixels));
  return {};
}

Result<VideoHashes> walk(cv::VideoCapture& cap, const VideoOptions& o) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  if (auto r = check_declared_size(cap, o); !r) return r.error();
  VideoHashes out;
  out.fps = cap.get(cv::CAP_PROP_FPS);
  // A rate outside this range is a container's placeholder: use its own clock instead.
  const bool rate_ok = std::isfinite(out.fps) && out.fps > 0.1 && out.fps < 1000;
  if (!rate_ok) out.fps = 0;
  PdqHasher hasher(PdqOptions{o.pipeline, false});
  const double min_gap = o.max_keyframes_per_second > 0 ? 1.0 / o.max_keyframes_per_second : 0;
  const double examine_gap = o.examine_per_second > 0 ? 1.0 / o.examine_per_second : 0;
  double last_examined = -1e300;
  double last_kept = -1e300;
  std::optional<Hash256> last_key;  // hash of the last keyframe
  cv::Mat frame;
  for (std::int64_t n = 0;; ++n) {
    if (!cap.grab()) break;  // end of stream, or a frame FFmpeg cannot read: stop there
    ++out.frames_decoded;
    const double t =
        rate_ok ? static_cast<double>(n) / out.fps : cap.get(cv::CAP_PROP_POS_MSEC) / 1000.0;
    if (t > o.max_video_seconds) {
      out.truncated = true;
      out.truncation_reason = fmt::format("video time cap of {} s reached", o.max_video_seconds);
      break;
    }
    if (std::chrono::duration<double>(Clock::now() - start).count() > o.max_wall_seconds) {
      out.truncated = true;
      out.truncation_reason = fmt::format("decoding time cap of {} s reached", o.max_wall_seconds);
      break;
    }
    const bool periodic = t - last_kept >= o.interval_s - 1e-9;
    if (!periodic && t - last_examined < examine_gap - 1e-9) continue;
    if (!cap.retrieve(frame) || frame.empty()) continue;
    if (out.width == 0) {
      out.width = frame.cols;
      out.height = frame.rows;
    }
    // Again on every decoded frame: a stream may change size, or not declare one.
    if (static_cast<std::uint64_t>(frame.cols) * static_cast<std::uint64_t>(frame.rows) >
        o.max_frame_pixels)
      return make_error(ErrorCode::kLimit,
                        fmt::format("video frame of {} x {} pixels is over the cap of {}",
                                    frame.cols, frame.rows, o.max_frame_pixels));
    last_examined = t;
    PdqResult pdq = hash_frame(hasher, frame);
    ++out.frames_hashed;
    const bool scene_change =
        last_key && hamming_distance(pdq.hash, *last_key) > o.scene_change_distance;
    // A change within min_gap of the last keyframe waits: the next examined frame is still far
    // from that keyframe, so the new scene is kept as soon as the cap allows.
    if (!periodic && (!scene_change || t - last_kept < min_gap - 1e-9)) continue;
    if (static_cast<int>(out.frames.size()) >= o.max_keyframes) {
      out.truncated = true;
      out.truncation_reason = fmt::format("keyframe cap of {} reached", o.max_keyframes);
      break;
    }
    last_key = pdq.hash;
    out.frames.push_back({t, static_cast<int>(n), std::move(pdq)});
    last_kept = t;
  }
  if (out.frames.empty()) return make_error(ErrorCode::kCorrupt, "video has no decodable frame");
  return out;
}

Result<VideoHashes> open_and_walk(const std::string& path, const VideoOptions& o) {
  cv::VideoCapture cap;
  // OpenCV reports backend trouble through exceptions or a false open(); both are a bad video.
  try {
    // FFmpeg's interrupt callback bounds a read that hangs on hostile bytes (the wall-clock cap
    // is only checked between frames).
    const int timeout_ms = static_cast<int>(std::clamp(o.max_wall_seconds, 1.0, 3600.0) * 1000);
    const std::vector<int> params = {cv::CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms,
                                     cv::CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms};
    if (!cap.open(path, cv::CAP_FFMPEG, params) || !cap.isOpened())
      return make_error(ErrorCode::kUnsupported, "video does not open (FFmpeg backend)");
    return walk(cap, o);
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kCorrupt, fmt::format("video decoding failed: {}", e.what()));
  }
}

}  // namespace

Result<VideoHashes> hash_video_keyframes(std::span<const std::uint8_t> bytes,
                                         const VideoOptions& options) {
  if (bytes.empty()) return make_error(ErrorCode::kCorrupt, "video is empty");
  MemFile file;
  if (auto r = file.fill(bytes); !r) return r.error();
  return open_and_walk(file.path(), options);
}

Result<VideoHashes> hash_video_file(const std::filesystem::path& path,
                                    const VideoOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return make_error(ErrorCode::kNotFound, "video file not found", path.string());
  return open_and_walk(path.string(), options);
}

}  // namespace vigil::phash
