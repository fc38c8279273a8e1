// Synthetic test pictures drawn here and encoded in memory (no files, nothing fetched).
#pragma once

#include <gif_lib.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace vigil::phash::testing {

// A deterministic picture: gradient, circle, rectangle and lines.
inline cv::Mat draw_picture(int width, int height, int seed = 0) {
  cv::Mat img(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      img.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<std::uint8_t>((x * 255) / width),
                                          static_cast<std::uint8_t>((y * 255) / height),
                                          static_cast<std::uint8_t>((x + y + seed * 40) & 255));
  cv::circle(img, {width / 3, height / 2}, std::min(width, height) / 4, {20, 200, 240}, -1);
  cv::rectangle(img, {width / 2, height / 5}, {width * 9 / 10, height * 3 / 5}, {240, 30, 60}, -1);
  for (int i = 0; i < 6; ++i)
    cv::line(img, {0, i * height / 6}, {width - 1, height - 1 - i * height / 7}, {255, 255, 255},
             std::max(1, width / 100));
  return img;
}

inline std::vector<std::uint8_t> encode(const cv::Mat& img, const std::string& ext,
                                        const std::vector<int>& params = {}) {
  std::vector<std::uint8_t> out;
  cv::imencode(ext, img, out, params);
  return out;
}

// A GIF through giflib's encoder: `frames` copies of a 6-level-per-channel quantised picture.
inline std::vector<std::uint8_t> encode_gif(const cv::Mat& img, int frames = 1) {
  std::vector<std::uint8_t> out;
  auto write = [](GifFileType* gif, const GifByteType* data, int n) -> int {
    auto* v = static_cast<std::vector<std::uint8_t>*>(gif->UserData);
    v->insert(v->end(), data, data + n);
    return n;
  };
  int error = 0;
  GifFileType* gif = EGifOpen(&out, write, &error);
  std::vector<GifColorType> colours(256);
  for (int i = 0; i < 216; ++i)
    colours[i] = GifColorType{static_cast<GifByteType>((i / 36) * 51),
                              static_cast<GifByteType>(((i / 6) % 6) * 51),
                              static_cast<GifByteType>((i % 6) * 51)};
  ColorMapObject* map = GifMakeMapObject(256, colours.data());
  EGifSetGifVersion(gif, true);
  EGifPutScreenDesc(gif, img.cols, img.rows, 8, 0, map);
  std::vector<GifPixelType> row(static_cast<std::size_t>(img.cols));
  for (int f = 0; f < frames; ++f) {
    EGifPutImageDesc(gif, 0, 0, img.cols, img.rows, false, nullptr);
    for (int y = 0; y < img.rows; ++y) {
      for (int x = 0; x < img.cols; ++x) {
        const cv::Vec3b p = img.at<cv::Vec3b>(y, x);
        row[static_cast<std::size_t>(x)] =
            static_cast<GifPixelType>((p[2] / 51) * 36 + (p[1] / 51) * 6 + p[0] / 51);
      }
      EGifPutLine(gif, row.data(), img.cols);
    }
  }
  EGifCloseFile(gif, &error);
  GifFreeMapObject(map);
  return out;
}

}  // namespace vigil::phash::testing
