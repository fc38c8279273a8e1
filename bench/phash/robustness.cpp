// PDQ robustness and false-match rates on synthetic pictures (issue 5, "bench/robustness"): for
// each of N distinct pictures drawn here, the near-match rate (Hamming distance <= 31, quality >=
// 50 on both sides, the query's eight dihedral variants tried) after each transformation, and the
// false-match rate across all distinct pairs of originals. Prints a Markdown table.
// Usage: vigil_phash_robustness [--count N]   (default 300)
// Caveat: the pictures are synthetic (gradients, shapes, noise); real photographs differ in
// texture, so the rates are figures for this set, not universal constants.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "vigil/phash/decode.hpp"
#include "vigil/phash/match.hpp"
#include "vigil/phash/pdq.hpp"

namespace {

using vigil::phash::PdqHasher;
using vigil::phash::PdqResult;

// A distinct synthetic picture per seed: two-colour gradient, 15-60 shapes, texture noise.
cv::Mat draw(int seed) {
  std::mt19937 rng(static_cast<unsigned>(seed) * 7919u + 17u);
  std::uniform_int_distribution<int> u(0, 255);
  const int w = 800, h = 600;
  cv::Mat img(h, w, CV_8UC3);
  const cv::Scalar a(u(rng), u(rng), u(rng)), b(u(rng), u(rng), u(rng));
  const bool vertical = (seed & 1) != 0;
  for (int i = 0; i < (vertical ? h : w); ++i) {
    const double t = static_cast<double>(i) / (vertical ? h : w);
    (vertical ? img.row(i) : img.col(i)).setTo(a * (1.0 - t) + b * t);
  }
  const int shapes = 15 + u(rng) % 46;
  for (int i = 0; i < shapes; ++i) {
    const cv::Point p(u(rng) * w / 256, u(rng) * h / 256);
    const cv::Scalar c(u(rng), u(rng), u(rng));
    switch (u(rng) % 4) {
      case 0:
        cv::circle(img, p, 5 + u(rng) / 2, c, -1, cv::LINE_AA);
        break;
      case 1:
        cv::rectangle(img, p, {p.x + u(rng) - 128, p.y + u(rng) - 128}, c, -1);
        break;
      case 2:
        cv::ellipse(img, p, {10 + u(rng) / 2, 5 + u(rng) / 4}, u(rng), 0, 360, c, -1, cv::LINE_AA);
        break;
      default:
        cv::line(img, p, {u(rng) * w / 256, u(rng) * h / 256}, c, 1 + u(rng) / 30, cv::LINE_AA);
    }
  }
  cv::Mat noise(h, w, CV_8UC3);
  cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(6));
  cv::add(img, noise, img);
  return img;
}

cv::Mat jpeg_roundtrip(const cv::Mat& img, int quality) {
  std::vector<std::uint8_t> bytes;
  cv::imencode(".jpg", img, bytes, {cv::IMWRITE_JPEG_QUALITY, quality});
  auto d = vigil::phash::decode_image(bytes);
  return d.ok() ? d->bgr : cv::Mat();
}

cv::Mat resized(const cv::Mat& img, double f) {
  cv::Mat out;
  cv::resize(img, out, {}, f, f, cv::INTER_AREA);
  return out;
}

struct Transform {
  const char* name;
  std::function<cv::Mat(const cv::Mat&)> apply;
};

}  // namespace

int main(int argc, char** argv) {
  int count = 300;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--count") == 0 && i + 1 < argc) count = std::atoi(argv[++i]);
  cv::setNumThreads(1);
  const std::vector<Transform> transforms = {
      {"JPEG quality 30", [](const cv::Mat& m) { return jpeg_roundtrip(m, 30); }},
      {"resize 50 %", [](const cv::Mat& m) { return resized(m, 0.5); }},
      {"thumbnail 160 px",
       [](const cv::Mat& m) { return resized(m, 160.0 / std::max(m.cols, m.rows)); }},
      {"brightness +20 %",
       [](const cv::Mat& m) {
         cv::Mat out;
         m.convertTo(out, -1, 1.2, 0);
         return out;
       }},
      {"Gaussian blur (5x5, sigma 1.5)",
       [](const cv::Mat& m) {
         cv::Mat out;
         cv::GaussianBlur(m, out, {5, 5}, 1.5);
         return out;
       }},
      {"Gaussian noise (sigma 10)",
       [](const cv::Mat& m) {
         cv::Mat noise(m.size(), CV_16SC3), out;
         cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(10));
         m.convertTo(out, CV_16SC3);
         out += noise;
         out.convertTo(out, CV_8UC3);
         return out;
       }},
      {"mirror (left/right)",
       [](const cv::Mat& m) {
         cv::Mat out;
         cv::flip(m, out, 1);
         return out;
       }},
      {"rotation 90 degrees",
       [](const cv::Mat& m) {
         cv::Mat out;
         cv::rotate(m, out, cv::ROTATE_90_CLOCKWISE);
         return out;
       }},
      {"crop 2 % (1 % off each edge)",
       [](const cv::Mat& m) {
         const int dx = m.cols / 100, dy = m.rows / 100;
         return m(cv::Rect(dx, dy, m.cols - 2 * dx, m.rows - 2 * dy)).clone();
       }},
      {"text watermark",
       [](const cv::Mat& m) {
         cv::Mat overlay = m.clone(), out;
         cv::putText(overlay, "SAMPLE 2026", {m.cols / 10, m.rows / 2}, cv::FONT_HERSHEY_SIMPLEX,
                     m.cols / 250.0, {255, 255, 255}, m.cols / 100, cv::LINE_AA);
         cv::addWeighted(overlay, 0.6, m, 0.4, 0, out);
         return out;
       }},
  };

  PdqHasher with_variants({vigil::phash::PdqPipeline::kCanonical, true});
  PdqHasher plain({vigil::phash::PdqPipeline::kCanonical, false});
  auto hash = [](PdqHasher& h, const cv::Mat& m) {
    return h.hash_bgr(m.data, m.cols, m.rows, m.step[0]);
  };
  std::vector<PdqResult> originals;
  int low_quality = 0;
  for (int i = 0; i < count; ++i) {
    originals.push_back(hash(with_variants, draw(i)));
    if (originals.back().quality < vigil::phash::kPdqDefaultMinQuality) ++low_quality;
  }

  std::printf(
      "PDQ (pdq-fullres), %d distinct synthetic 800x600 pictures, threshold 31, quality >= "
      "50, dihedral variants tried\n\n",
      count);
  std::printf(
      "| transformation | near-match rate | plain hash only | mean distance | max distance "
      "| below quality 50 |\n|---|---|---|---|---|---|\n");
  for (const auto& t : transforms) {
    int near = 0, near_plain = 0, low = 0, compared = 0, max_d = 0;
    double sum_d = 0;
    for (int i = 0; i < count; ++i) {
      const cv::Mat changed = t.apply(draw(i));
      const PdqResult c = hash(plain, changed);
      const auto m =
          vigil::phash::pdq_near(originals[static_cast<std::size_t>(i)], c.hash, c.quality);
      const auto mp = vigil::phash::pdq_near(originals[static_cast<std::size_t>(i)], c.hash,
                                             c.quality, {31, 50, false});
      if (m.status == vigil::phash::PdqMatchStatus::kLowQuality) {
        ++low;
        continue;
      }
      ++compared;
      near += m.near() ? 1 : 0;
      near_plain += mp.near() ? 1 : 0;
      sum_d += m.distance;
      max_d = std::max(max_d, m.distance);
    }
    std::printf("| %s | %d/%d (%.1f %%) | %.1f %% | %.1f | %d | %d |\n", t.name, near, compared,
                compared ? 100.0 * near / compared : 0.0,
                compared ? 100.0 * near_plain / compared : 0.0, compared ? sum_d / compared : 0.0,
                max_d, low);
  }

  long pairs = 0, false_plain = 0, false_dihedral = 0;
  int min_d = 256;
  for (int i = 0; i < count; ++i) {
    for (int j = i + 1; j < count; ++j) {
      const auto& a = originals[static_cast<std::size_t>(i)];
      const auto& b = originals[static_cast<std::size_t>(j)];
      const auto m = vigil::phash::pdq_near(a, b.hash, b.quality);
      if (m.status == vigil::phash::PdqMatchStatus::kLowQuality) continue;
      ++pairs;
      false_dihedral += m.near() ? 1 : 0;
      const int d = vigil::hamming_distance(a.hash, b.hash);
      false_plain += d <= 31 ? 1 : 0;
      min_d = std::min(min_d, m.distance);
    }
  }
  std::printf(
      "\nFalse matches across all %ld distinct pairs of originals: %ld with the plain hash "
      "(%.4f %%), %ld with the eight variants (%.4f %%); smallest distance %d. Originals "
      "below quality 50: %d.\n",
      pairs, false_plain,
      pairs ? 100.0 * static_cast<double>(false_plain) / static_cast<double>(pairs) : 0.0,
      false_dihedral,
      pairs ? 100.0 * static_cast<double>(false_dihedral) / static_cast<double>(pairs) : 0.0, min_d,
      low_quality);
  return 0;
}
