#include "vigil/phash/video.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <string>
#include <vector>

namespace vigil::phash {
namespace {

namespace fs = std::filesystem;

constexpr double kFps = 10;
constexpr int kFrames = 60;  // 6 s; scenes change at frames 24 (2.4 s) and 42 (4.2 s)

// Three synthetic scenes of drawn shapes (textured enough for PDQ quality >= 50), each with a
// small square drifting a pixel a frame so consecutive frames differ a little.
cv::Mat draw_frame(int n, int scene_offset = 0) {
  const int scene = (n < 24 ? 0 : (n < 42 ? 1 : 2)) + scene_offset;
  cv::Mat m(240, 320, CV_8UC3);
  cv::RNG rng(1234 + static_cast<std::uint64_t>(scene) * 7919);
  m.setTo(cv::Scalar(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)));
  for (int i = 0; i < 25; ++i) {
    const cv::Point c(rng.uniform(0, 320), rng.uniform(0, 240));
    const cv::Scalar colour(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255));
    if (scene % 2 == 0)
      cv::circle(m, c, rng.uniform(8, 60), colour, cv::FILLED);
    else
      cv::rectangle(m, c, c + cv::Point(rng.uniform(10, 90), rng.uniform(10, 70)), colour,
                    cv::FILLED);
  }
  cv::rectangle(m, cv::Rect(10 + n, 10, 6, 6), cv::Scalar(255, 255, 255), cv::FILLED);
  return m;
}

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() /
         ("vigil_video_test_" + std::to_string(::getpid()) + "_" + name);
}

// Writes a synthetic MJPG-in-AVI video; `scale` < 1 makes a smaller re-encoded copy.
fs::path write_video(const std::string& name, double scale = 1.0, int quality = 95,
                     int scene_offset = 0,
                     int fourcc = cv::VideoWriter::fourcc('M', 'J', 'P', 'G')) {
  const auto path = temp_path(name);
  const cv::Size size(static_cast<int>(320 * scale), static_cast<int>(240 * scale));
  cv::VideoWriter w(path.string(), cv::CAP_FFMPEG, fourcc, kFps, size);
  if (!w.isOpened()) w.open(path.string(), fourcc, kFps, size);
  if (!w.isOpened()) return {};
  w.set(cv::VIDEOWRITER_PROP_QUALITY, quality);
  for (int n = 0; n < kFrames; ++n) {
    cv::Mat f = draw_frame(n, scene_offset);
    if (scale != 1.0) cv::resize(f, f, size, 0, 0, cv::INTER_AREA);
    w.write(f);
  }
  w.release();
  return path;
}

std::vector<std::uint8_t> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<VpdqFrame> frames_of(const VideoHashes& v) {
  std::vector<VpdqFrame> out;
  for (const auto& f : v.frames) out.push_back(to_vpdq_frame(f));
  return out;
}

class VideoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    original_ = new fs::path(write_video("original.avi"));
    ASSERT_FALSE(original_->empty()) << "OpenCV cannot write MJPG AVI";
    copy_ = new fs::path(write_video("copy.avi", 0.5, 40));
    other_ = new fs::path(write_video("other.avi", 1.0, 95, 3));
  }
  static void TearDownTestSuite() {
    for (auto* p : {original_, copy_, other_}) {
      std::error_code ec;
      fs::remove(*p, ec);
      delete p;
    }
  }
  static fs::path* original_;
  static fs::path* copy_;
  static fs::path* other_;
};
fs::path* VideoTest::original_ = nullptr;
fs::path* VideoTest::copy_ = nullptr;
fs::path* VideoTest::other_ = nullptr;

TEST_F(VideoTest, KeyframesAtIntervalsAndSceneChanges) {
  auto v = hash_video_keyframes(read_all(*original_));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_NEAR(v->fps, kFps, 0.01);
  EXPECT_EQ(v->width, 320);
  EXPECT_EQ(v->height, 240);
  EXPECT_EQ(v->frames_decoded, kFrames);
  EXPECT_FALSE(v->truncated);
  // Periodic keyframes every second, restarted by the scene changes at 2.4 s and 4.2 s.
  const std::vector<int> expected = {0, 10, 20, 24, 34, 42, 52};
  std::vector<int> got;
  for (const auto& f : v->frames) {
    got.push_back(f.frame_number);
    EXPECT_NEAR(f.timestamp_s, f.frame_number / kFps, 1e-9);
    EXPECT_GE(f.pdq.quality, 50);
    EXPECT_EQ(f.pdq.pipeline, "pdq-fullres");
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(vpdq_frame_pipeline(v->frames[3].timestamp_s), "vpdq-frame@2.400");
}

TEST_F(VideoTest, FileAndMemoryGiveTheSameFrames) {
  auto a = hash_video_keyframes(read_all(*original_));
  auto b = hash_video_file(*original_);
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  ASSERT_EQ(a->frames.size(), b->frames.size());
  for (std::size_t i = 0; i < a->frames.size(); ++i)
    EXPECT_EQ(a->frames[i].pdq.hash, b->frames[i].pdq.hash);
}

TEST_F(VideoTest, ReencodedSmallerCopyMatchesAndOtherVideoDoesNot) {
  auto original = hash_video_file(*original_);
  auto copy = hash_video_file(*copy_);
  auto other = hash_video_file(*other_);
  ASSERT_TRUE(original && copy && other);
  EXPECT_EQ(copy->width, 160);
  const auto listed = frames_of(*original);
  const auto m = vpdq_match(frames_of(*copy), listed);
  EXPECT_TRUE(m.near);
  EXPECT_EQ(m.matched_query_frames, m.query_frames);
  EXPECT_DOUBLE_EQ(m.query_fraction, 1.0);
  EXPECT_GE(m.worst_distance, 0);
  EXPECT_LE(m.worst_distance, 31);
  const auto n = vpdq_match(frames_of(*other), listed);
  EXPECT_FALSE(n.near);
  EXPECT_LT(n.query_fraction, 0.5);
}

// A copy through another codec (H.264 in MP4, as phones write) at 3/4 size. Encoding only makes
// the sample, but Debian's FFmpeg has libx264, so a missing encoder is a broken set-up: it fails.
TEST_F(VideoTest, H264CopyMatches) {
  const auto path =
      write_video("copy.mp4", 0.75, 95, 0, cv::VideoWriter::fourcc('a', 'v', 'c', '1'));
  ASSERT_FALSE(path.empty()) << "no H.264 encoder in OpenCV's FFmpeg: install Debian's "
                                "libopencv-dev (libopencv-videoio406 with libavcodec59/libx264)";
  auto copy = hash_video_file(path);
  auto original = hash_video_file(*original_);
  std::error_code ec;
  fs::remove(path, ec);
  ASSERT_TRUE(copy) << copy.error().message;
  ASSERT_TRUE(original);
  EXPECT_EQ(copy->width, 240);
  const auto m = vpdq_match(frames_of(*copy), frames_of(*original));
  EXPECT_TRUE(m.near);
  EXPECT_DOUBLE_EQ(m.query_fraction, 1.0);
  EXPECT_DOUBLE_EQ(m.listed_fraction, 1.0);
}

TEST_F(VideoTest, CapsTruncate) {
  VideoOptions o;
  o.max_keyframes = 3;
  auto v = hash_video_file(*original_, o);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->frames.size(), 3u);
  EXPECT_TRUE(v->truncated);
  o = {};
  o.max_frame_pixels = 1000;
  auto big = hash_video_file(*original_, o);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kLimit);
}

TEST(Video, GarbageAndEmptyAreErrors) {
  EXPECT_FALSE(hash_video_keyframes({}));
  std::vector<std::uint8_t> junk(4096);
  for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<std::uint8_t>(i * 37 + 11);
  EXPECT_FALSE(hash_video_keyframes(junk));
  // An AVI header followed by nothing.
  const std::string riff =
      "RIFF\x10\x00\x00\x00"
      "AVI LIST";
  std::vector<std::uint8_t> truncated(riff.begin(), riff.end());
  EXPECT_FALSE(hash_video_keyframes(truncated));
}

Hash256 hash_with_bits(int first, int count) {
  Hash256 h;
  for (int k = first; k < first + count; ++k) set_pdq_bit(h, k % 256);
  return h;
}

TEST(VpdqMatch, FractionThresholdAndQualityGate) {
  const Hash256 a = hash_with_bits(0, 128), b = hash_with_bits(64, 128),
                c = hash_with_bits(128, 128);
  const Hash256 a2 =
      hash_with_bits(5, 128);  // 10 bits from a (5 dropped at the start, 5 added at the end)
  const std::vector<VpdqFrame> listed = {{a, 90, 0}, {b, 90, 1}};
  // Query: a2 (10 from a), b (exact), c (64 from b, 128 from a), and a low-quality frame.
  std::vector<VpdqFrame> query = {{a2, 80, 0}, {b, 80, 1}, {c, 80, 2}, {a, 10, 3}};
  VpdqMatchOptions o;
  auto m = vpdq_match(query, listed, o);
  EXPECT_EQ(m.query_frames, 3);  // the quality-10 frame is left out
  EXPECT_EQ(m.matched_query_frames, 2);
  EXPECT_NEAR(m.query_fraction, 2.0 / 3, 1e-12);
  EXPECT_FALSE(m.near);  // 67 % < 80 %
  EXPECT_EQ(m.worst_distance, 10);
  EXPECT_EQ(m.worst_query_index, 0);
  EXPECT_EQ(m.worst_listed_index, 0);
  EXPECT_EQ(m.listed_frames, 2);
  EXPECT_EQ(m.matched_listed_frames, 2);
  o.fraction = 0.6;
  EXPECT_TRUE(vpdq_match(query, listed, o).near);
  o.threshold = 9;  // a2 no longer within
  m = vpdq_match(query, listed, o);
  EXPECT_EQ(m.matched_query_frames, 1);
  EXPECT_EQ(m.worst_distance, 0);
  // A listed frame below the quality gate is not compared; unknown quality (-1) is.
  const std::vector<VpdqFrame> low = {{a, 20, 0}, {b, -1, 1}};
  m = vpdq_match(query, low, {});
  EXPECT_EQ(m.listed_frames, 1);
  EXPECT_EQ(m.matched_query_frames, 1);
  // Nothing usable: never near.
  EXPECT_FALSE(vpdq_match({}, listed, {}).near);
  const std::vector<VpdqFrame> zero = {{Hash256{}, 100, 0}};
  EXPECT_EQ(vpdq_match(zero, listed, {}).query_frames, 0);
}

}  // namespace
}  // namespace vigil::phash
