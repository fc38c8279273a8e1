// vigil_testpix: draws deterministic synthetic pictures for the test images and benchmarks.
//
// Every picture is abstract, geometric or landscape-like (sky, hills, water, blocks, text); none
// depicts a person. Pixels come only from cv::RNG seeded by the caller, and every encoder is run
// with fixed parameters, so the output files are byte-identical from run to run on one machine
// (testdata/MANIFEST records their SHA-256).
//
// Usage:
//   vigil_testpix set OUTDIR [--seed N] [--count N] [--prefix P]
//       writes P0000.EXT ... cycling through scenes, sizes and formats (jpg png gif bmp webp tif)
//   vigil_testpix one OUTFILE --seed N --size WxH [--scene NAME]
//       writes one picture; the format follows OUTFILE's extension
#include <fcntl.h>
#include <gif_lib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace vigil::testpix {
namespace {

constexpr double kPi = 3.14159265358979323846;

enum class Scene { kLandscape, kSeascape, kGeometric, kCity, kTexture, kPoster };
constexpr std::array<Scene, 6> kScenes = {Scene::kLandscape, Scene::kSeascape, Scene::kGeometric,
                                          Scene::kCity,      Scene::kTexture,  Scene::kPoster};
constexpr std::array<std::string_view, 6> kSceneNames = {"landscape", "seascape", "geometric",
                                                         "city",      "texture",  "poster"};

// Sizes cycle so that both tiny thumbnails and pictures above 1000 px appear in every set.
struct Dim {
  int w;
  int h;
};
constexpr std::array<Dim, 9> kSizes = {Dim{64, 48},    Dim{320, 240}, Dim{640, 480},
                                       Dim{1024, 768}, Dim{200, 300}, Dim{800, 600},
                                       Dim{1280, 720}, Dim{160, 120}, Dim{1200, 900}};
constexpr std::array<std::string_view, 6> kFormats = {"jpg", "png", "gif", "bmp", "webp", "tif"};

cv::Scalar random_colour(cv::RNG& rng, int lo = 0, int hi = 256) {
  return {static_cast<double>(rng.uniform(lo, hi)), static_cast<double>(rng.uniform(lo, hi)),
          static_cast<double>(rng.uniform(lo, hi))};
}

// Vertical blend between two BGR colours over rows [y0, y1).
void vertical_gradient(cv::Mat& img, int y0, int y1, cv::Scalar top, cv::Scalar bottom) {
  y0 = std::clamp(y0, 0, img.rows);
  y1 = std::clamp(y1, 0, img.rows);
  const double span = std::max(1, y1 - y0);
  for (int y = y0; y < y1; ++y) {
    const double t = (y - y0) / span;
    cv::Vec3b c;
    for (int k = 0; k < 3; ++k) {
      c[k] = cv::saturate_cast<uchar>(top[k] * (1.0 - t) + bottom[k] * t);
    }
    img.row(y).setTo(c);
  }
}

// Smooth "value noise": random coarse grids resized up and summed over octaves. Gives clouds,
// grass and water ripples without any copied texture.
cv::Mat value_noise(cv::RNG& rng, cv::Size size, int octaves) {
  cv::Mat acc(size, CV_32F, cv::Scalar(0));
  double amplitude = 1.0;
  double total = 0.0;
  for (int o = 0; o < octaves; ++o) {
    const int cells = 2 << o;
    cv::Mat coarse(std::max(2, cells * size.height / std::max(size.width, 1) + 1), cells + 1,
                   CV_32F);
    rng.fill(coarse, cv::RNG::UNIFORM, 0.0, 1.0);
    cv::Mat up;
    cv::resize(coarse, up, size, 0, 0, cv::INTER_CUBIC);
    acc += up * amplitude;
    total += amplitude;
    amplitude *= 0.5;
  }
  acc /= total;
  return acc;
}

void add_grain(cv::Mat& img, cv::RNG& rng, double sigma) {
  cv::Mat noise(img.size(), CV_16SC3);
  rng.fill(noise, cv::RNG::NORMAL, 0.0, sigma);
  cv::Mat wide;
  img.convertTo(wide, CV_16SC3);
  wide += noise;
  wide.convertTo(img, CV_8UC3);
}

// A ridge line built from a sum of sines with random phases: a mountain or hill silhouette.
std::vector<cv::Point> ridge(cv::RNG& rng, cv::Size size, double base, double height) {
  std::vector<cv::Point> pts;
  const double f1 = rng.uniform(1.0, 3.0);
  const double f2 = rng.uniform(3.0, 9.0);
  const double p1 = rng.uniform(0.0, 2 * kPi);
  const double p2 = rng.uniform(0.0, 2 * kPi);
  const int step = std::max(1, size.width / 64);
  for (int x = 0; x <= size.width + step; x += step) {
    const double u = static_cast<double>(x) / size.width;
    const double y =
        base - height * (0.6 * std::sin(2 * kPi * f1 * u + p1) +
                         0.3 * std::sin(2 * kPi * f2 * u + p2) + 0.1 * rng.uniform(-1.0, 1.0));
    pts.emplace_back(x, static_cast<int>(y));
  }
  pts.emplace_back(size.width, size.height);
  pts.emplace_back(0, size.height);
  return pts;
}

void draw_landscape(cv::Mat& img, cv::RNG& rng) {
  const cv::Size s = img.size();
  const int horizon = static_cast<int>(s.height * rng.uniform(0.45, 0.65));
  const int ground = static_cast<int>(horizon + s.height * 0.15);
  // The sky runs down to the meadow so that valleys between the ridges show haze, not black.
  vertical_gradient(img, 0, ground, cv::Scalar(rng.uniform(150, 230), rng.uniform(90, 140), 40),
                    cv::Scalar(235, 215, rng.uniform(170, 230)));
  // Clouds: bright noise blended into the sky.
  cv::Mat clouds = value_noise(rng, {s.width, horizon}, 4);
  cv::Mat sky = img.rowRange(0, horizon);
  for (int y = 0; y < sky.rows; ++y) {
    for (int x = 0; x < sky.cols; ++x) {
      const float v = std::max(0.0F, clouds.at<float>(y, x) - 0.55F) * 2.2F;
      cv::Vec3b& px = sky.at<cv::Vec3b>(y, x);
      for (int k = 0; k < 3; ++k) {
        px[k] = cv::saturate_cast<uchar>(px[k] * (1.0F - v) + 250.0F * v);
      }
    }
  }
  const cv::Point sun(rng.uniform(0, s.width), rng.uniform(0, std::max(1, horizon / 2)));
  cv::circle(img, sun, std::max(2, s.width / 18), cv::Scalar(200, 240, 255), cv::FILLED,
             cv::LINE_AA);
  // Three mountain ranges, farther ones paler.
  for (int layer = 0; layer < 3; ++layer) {
    const double base = horizon + layer * s.height * 0.06;
    const auto pts = ridge(rng, s, base, s.height * (0.22 - layer * 0.05));
    const int shade = 150 - layer * 40;
    cv::fillPoly(img, std::vector<std::vector<cv::Point>>{pts},
                 cv::Scalar(shade + 20, shade + rng.uniform(0, 30), shade - 30 + layer * 5),
                 cv::LINE_AA);
  }
  // Meadow texture and a few conifers.
  cv::Mat grass = value_noise(rng, s, 5);
  for (int y = std::min(ground, s.height); y < s.height; ++y) {
    for (int x = 0; x < s.width; ++x) {
      const float g = grass.at<float>(y, x);
      img.at<cv::Vec3b>(y, x) =
          cv::Vec3b(cv::saturate_cast<uchar>(30 + 40 * g), cv::saturate_cast<uchar>(110 + 90 * g),
                    cv::saturate_cast<uchar>(50 + 60 * g));
    }
  }
  const int trees = rng.uniform(3, 12);
  for (int i = 0; i < trees; ++i) {
    const int x = rng.uniform(0, s.width);
    const int y = rng.uniform(std::min(ground, s.height - 1), s.height);
    const int h = std::max(4, static_cast<int>(s.height * rng.uniform(0.08, 0.2)));
    const std::vector<cv::Point> tri = {{x, y - h}, {x - h / 3, y}, {x + h / 3, y}};
    cv::fillConvexPoly(img, tri, cv::Scalar(30, rng.uniform(70, 110), 20), cv::LINE_AA);
  }
}

void draw_seascape(cv::Mat& img, cv::RNG& rng) {
  const cv::Size s = img.size();
  const int horizon = static_cast<int>(s.height * rng.uniform(0.35, 0.55));
  vertical_gradient(img, 0, horizon, cv::Scalar(120, 60, rng.uniform(80, 160)),
                    cv::Scalar(90, 160, 250));
  const cv::Point sun(rng.uniform(s.width / 4, std::max(s.width / 4 + 1, 3 * s.width / 4)),
                      horizon);
  cv::circle(img, sun, std::max(3, s.width / 10), cv::Scalar(120, 200, 255), cv::FILLED,
             cv::LINE_AA);
  // Water drawn after the sun hides its lower half below the horizon.
  vertical_gradient(img, horizon, s.height, cv::Scalar(120, 90, 40), cv::Scalar(70, 40, 10));
  // Waves: sine strokes whose amplitude grows towards the viewer, plus the sun's reflection.
  const int rows = std::max(4, s.height / 12);
  for (int r = 0; r < rows; ++r) {
    const double t = static_cast<double>(r) / rows;
    const int y0 = horizon + static_cast<int>((s.height - horizon) * t * t);
    const double amp = 1.0 + t * s.height / 60.0;
    const double phase = rng.uniform(0.0, 2 * kPi);
    std::vector<cv::Point> pts;
    for (int x = 0; x <= s.width; x += std::max(1, s.width / 80)) {
      pts.emplace_back(x, y0 + static_cast<int>(amp * std::sin(x * 0.05 + phase)));
    }
    cv::polylines(img, pts, false, cv::Scalar(160 + 60 * t, 140, 90), 1, cv::LINE_AA);
    cv::line(img, {sun.x - static_cast<int>(s.width * 0.08 * (1 - t)), y0},
             {sun.x + static_cast<int>(s.width * 0.08 * (1 - t)), y0}, cv::Scalar(140, 220, 255),
             std::max(1, s.height / 200), cv::LINE_AA);
  }
  const int birds = rng.uniform(0, 6);
  for (int i = 0; i < birds; ++i) {
    const cv::Point p(rng.uniform(0, s.width), rng.uniform(0, std::max(1, horizon - 5)));
    const int w = std::max(2, s.width / 60);
    cv::polylines(img, std::vector<cv::Point>{{p.x - w, p.y - w / 2}, p, {p.x + w, p.y - w / 2}},
                  false, cv::Scalar(40, 40, 40), 1, cv::LINE_AA);
  }
}

void draw_geometric(cv::Mat& img, cv::RNG& rng) {
  const cv::Size s = img.size();
  const cv::Scalar a = random_colour(rng);
  const cv::Scalar b = random_colour(rng);
  vertical_gradient(img, 0, s.height, a, b);
  const int shapes = rng.uniform(8, 40);
  for (int i = 0; i < shapes; ++i) {
    cv::Mat overlay = img.clone();
    const cv::Point c(rng.uniform(0, s.width), rng.uniform(0, s.height));
    const int r = std::max(2, rng.uniform(s.width / 40 + 1, s.width / 5 + 2));
    const cv::Scalar col = random_colour(rng);
    switch (rng.uniform(0, 4)) {
      case 0:
        cv::circle(overlay, c, r, col, cv::FILLED, cv::LINE_AA);
        break;
      case 1:
        cv::rectangle(overlay, {c.x - r, c.y - r / 2}, {c.x + r, c.y + r / 2}, col, cv::FILLED);
        break;
      case 2:
        cv::ellipse(overlay, c, {r, r / 2 + 1}, rng.uniform(0.0, 180.0), 0, 360, col, cv::FILLED,
                    cv::LINE_AA);
        break;
      default:
        cv::line(overlay, c, {rng.uniform(0, s.width), rng.uniform(0, s.height)}, col,
                 std::max(1, r / 6), cv::LINE_AA);
        break;
    }
    const double alpha = rng.uniform(0.3, 0.8);
    cv::addWeighted(overlay, alpha, img, 1.0 - alpha, 0.0, img);
  }
}

void draw_city(cv::Mat& img, cv::RNG& rng) {
  const cv::Size s = img.size();
  vertical_gradient(img, 0, s.height, cv::Scalar(60, 30, 20), cv::Scalar(140, 90, 180));
  const int stars = s.width * s.height / 2000;
  for (int i = 0; i < stars; ++i) {
    img.at<cv::Vec3b>(rng.uniform(0, s.height / 2 + 1) % s.height, rng.uniform(0, s.width)) =
        cv::Vec3b(230, 230, 230);
  }
  int x = 0;
  while (x < s.width) {
    const int w = std::max(3, static_cast<int>(s.width * rng.uniform(0.04, 0.12)));
    const int h = static_cast<int>(s.height * rng.uniform(0.2, 0.75));
    const int grey = rng.uniform(15, 50);
    cv::rectangle(img, {x, s.height - h}, {x + w, s.height}, cv::Scalar(grey, grey, grey + 10),
                  cv::FILLED);
    const int win = std::max(2, w / 6);
    for (int wy = s.height - h + win; wy < s.height - win; wy += 2 * win) {
      for (int wx = x + win / 2; wx < x + w - win; wx += 2 * win) {
        if (rng.uniform(0, 3) == 0) {
          cv::rectangle(img, {wx, wy}, {wx + win - 1, wy + win - 1},
                        cv::Scalar(80, rng.uniform(180, 230), 240), cv::FILLED);
        }
      }
    }
    x += w + rng.uniform(0, std::max(1, s.width / 50));
  }
}

void draw_texture(cv::Mat& img, cv::RNG& rng) {
  const cv::Size s = img.size();
  const cv::Mat n1 = value_noise(rng, s, 6);
  const cv::Mat n2 = value_noise(rng, s, 3);
  const cv::Scalar a = random_colour(rng);
  const cv::Scalar b = random_colour(rng);
  const double freq = rng.uniform(4.0, 20.0);
  for (int y = 0; y < s.height; ++y) {
    for (int x = 0; x < s.width; ++x) {
      // Marble-like veins: a sine warped by noise.
      const double v = 0.5 + 0.5 * std::sin(freq * (static_cast<double>(x) / s.width) +
                                            8.0 * n1.at<float>(y, x));
      const double w = 0.7 * v + 0.3 * n2.at<float>(y, x);
      cv::Vec3b& px = img.at<cv::Vec3b>(y, x);
      for (int k = 0; k < 3; ++k) {
        px[k] = cv::saturate_cast<uchar>(a[k] * w + b[k] * (1.0 - w));
      }
    }
  }
}

void draw_poster(cv::Mat& img, cv::RNG& rng, std::uint64_t seed) {
  draw_geometric(img, rng);
  static constexpr std::array<std::string_view, 8> kWords = {
      "VIGIL TEST", "SYNTHETIC", "NO. 42", "SAMPLE", "HORIZON", "DELTA 7", "ORCHARD", "QUARTZ"};
  const cv::Size s = img.size();
  const double scale = std::max(0.3, s.width / 400.0);
  const int lines = rng.uniform(1, 4);
  for (int i = 0; i < lines; ++i) {
    const std::string word(kWords[static_cast<std::size_t>(rng.uniform(0, 8))]);
    const cv::Point org(rng.uniform(0, std::max(1, s.width / 3)),
                        static_cast<int>(s.height * (i + 1) / (lines + 1.0)));
    cv::putText(img, word, org, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(20, 20, 20),
                std::max(1, static_cast<int>(scale * 3)), cv::LINE_AA);
    cv::putText(img, word, org, cv::FONT_HERSHEY_SIMPLEX, scale, random_colour(rng, 150),
                std::max(1, static_cast<int>(scale * 1.5)), cv::LINE_AA);
  }
  cv::putText(img, "seed " + std::to_string(seed), {4, s.height - 6}, cv::FONT_HERSHEY_PLAIN,
              std::max(0.5, scale / 2), cv::Scalar(255, 255, 255), 1, cv::LINE_8);
}

cv::Mat draw(Scene scene, cv::Size size, std::uint64_t seed) {
  cv::RNG rng(seed * 0x9E3779B97F4A7C15ULL + 1);
  cv::Mat img(size, CV_8UC3, cv::Scalar(0, 0, 0));
  switch (scene) {
    case Scene::kLandscape:
      draw_landscape(img, rng);
      break;
    case Scene::kSeascape:
      draw_seascape(img, rng);
      break;
    case Scene::kGeometric:
      draw_geometric(img, rng);
      break;
    case Scene::kCity:
      draw_city(img, rng);
      break;
    case Scene::kTexture:
      draw_texture(img, rng);
      break;
    case Scene::kPoster:
      draw_poster(img, rng, seed);
      break;
  }
  // Sensor-like grain so that encoders see natural-looking noise, not flat synthetic areas.
  add_grain(img, rng, rng.uniform(1.0, 6.0));
  return img;
}

// GIF through giflib (GIF89a). Colours are reduced to a fixed 6x7x6 cube with a 4x4 Bayer
// dither; a fixed palette keeps the output deterministic and needs no quantiser library.
bool write_gif(const std::string& path, const cv::Mat& bgr) {
  static constexpr std::array<std::array<int, 4>, 4> kBayer = {
      {{0, 8, 2, 10}, {12, 4, 14, 6}, {3, 11, 1, 9}, {15, 7, 13, 5}}};
  constexpr int kR = 6, kG = 7, kB = 6;
  std::array<GifColorType, 256> colours{};
  for (int r = 0; r < kR; ++r) {
    for (int g = 0; g < kG; ++g) {
      for (int b = 0; b < kB; ++b) {
        GifColorType& c = colours[static_cast<std::size_t>((r * kG + g) * kB + b)];
        c.Red = static_cast<GifByteType>(r * 255 / (kR - 1));
        c.Green = static_cast<GifByteType>(g * 255 / (kG - 1));
        c.Blue = static_cast<GifByteType>(b * 255 / (kB - 1));
      }
    }
  }
  int err = 0;
  // giflib's EGifOpenFileName creates files mode 0600; open here so the umask decides, as for
  // every other format.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (fd < 0) {
    return false;
  }
  GifFileType* gif = EGifOpenFileHandle(fd, &err);
  if (gif == nullptr) {
    ::close(fd);
    return false;
  }
  ColorMapObject* map = GifMakeMapObject(256, colours.data());
  EGifSetGifVersion(gif, true);
  bool ok = map != nullptr && EGifPutScreenDesc(gif, bgr.cols, bgr.rows, 8, 0, map) == GIF_OK &&
            EGifPutImageDesc(gif, 0, 0, bgr.cols, bgr.rows, false, nullptr) == GIF_OK;
  std::vector<GifPixelType> line(static_cast<std::size_t>(bgr.cols));
  auto level = [](int v, int levels, int dither) {
    const int scaled = v * (levels - 1) * 16 + dither * 255;
    return std::min(levels - 1, scaled / (255 * 16));
  };
  for (int y = 0; ok && y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      const cv::Vec3b px = bgr.at<cv::Vec3b>(y, x);
      const int d = kBayer[static_cast<std::size_t>(y & 3)][static_cast<std::size_t>(x & 3)];
      const int r = level(px[2], kR, d);
      const int g = level(px[1], kG, d);
      const int b = level(px[0], kB, d);
      line[static_cast<std::size_t>(x)] = static_cast<GifPixelType>((r * kG + g) * kB + b);
    }
    ok = EGifPutLine(gif, line.data(), bgr.cols) == GIF_OK;
  }
  GifFreeMapObject(map);
  return EGifCloseFile(gif, &err) == GIF_OK && ok;
}

bool write_picture(const std::filesystem::path& path, const cv::Mat& img, std::uint64_t seed) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::vector<int> params;
  if (ext == ".gif") {
    return write_gif(path.string(), img);
  }
  if (ext == ".jpg" || ext == ".jpeg") {
    params = {cv::IMWRITE_JPEG_QUALITY, 70 + static_cast<int>(seed % 26)};
  } else if (ext == ".png") {
    params = {cv::IMWRITE_PNG_COMPRESSION, 6};
  } else if (ext == ".webp") {
    params = {cv::IMWRITE_WEBP_QUALITY, 80};
  } else if (ext == ".tif" || ext == ".tiff") {
    params = {cv::IMWRITE_TIFF_COMPRESSION, 1};
  } else if (ext != ".bmp") {
    std::fprintf(stderr, "vigil_testpix: unsupported extension '%s'\n", ext.c_str());
    return false;
  }
  try {
    return cv::imwrite(path.string(), img, params);
  } catch (const cv::Exception& e) {
    std::fprintf(stderr, "vigil_testpix: %s: %s\n", path.string().c_str(), e.what());
    return false;
  }
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

int usage() {
  std::fputs(
      "usage: vigil_testpix set OUTDIR [--seed N] [--count N] [--prefix P]\n"
      "       vigil_testpix one OUTFILE --seed N --size WxH [--scene NAME]\n"
      "scenes: landscape seascape geometric city texture poster\n",
      stderr);
  return 2;
}

int run(const std::vector<std::string_view>& args) {
  if (args.size() < 2) {
    return usage();
  }
  const std::string_view mode = args[0];
  const std::filesystem::path out(args[1]);
  std::uint64_t seed = 1;
  std::uint64_t count = 24;
  std::string prefix = "pic";
  std::optional<cv::Size> size;
  std::optional<Scene> scene;
  for (std::size_t i = 2; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      return usage();
    }
    const std::string_view key = args[i];
    const std::string_view val = args[i + 1];
    if (key == "--seed" || key == "--count") {
      const auto v = parse_u64(val);
      if (!v) {
        return usage();
      }
      (key == "--seed" ? seed : count) = *v;
    } else if (key == "--prefix") {
      prefix = std::string(val);
    } else if (key == "--size") {
      const auto x = val.find('x');
      const auto w = parse_u64(val.substr(0, x));
      const auto h = x == std::string_view::npos ? std::nullopt : parse_u64(val.substr(x + 1));
      if (!w || !h || *w == 0 || *h == 0 || *w > 20000 || *h > 20000) {
        return usage();
      }
      size = cv::Size(static_cast<int>(*w), static_cast<int>(*h));
    } else if (key == "--scene") {
      const auto it = std::find(kSceneNames.begin(), kSceneNames.end(), val);
      if (it == kSceneNames.end()) {
        return usage();
      }
      scene = kScenes[static_cast<std::size_t>(it - kSceneNames.begin())];
    } else {
      return usage();
    }
  }
  if (mode == "one") {
    if (!size) {
      return usage();
    }
    const Scene sc = scene.value_or(kScenes[seed % kScenes.size()]);
    return write_picture(out, draw(sc, *size, seed), seed) ? 0 : 1;
  }
  if (mode != "set") {
    return usage();
  }
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  for (std::uint64_t i = 0; i < count; ++i) {
    // Picture i of a set depends only on (seed, i), so sets of different counts share prefixes.
    const std::uint64_t pic_seed = seed * 100003 + i;
    const Scene sc = kScenes[i % kScenes.size()];
    const Dim dim = kSizes[(i * 5 + seed) % kSizes.size()];
    const cv::Size sz(dim.w, dim.h);
    const std::string_view fmt = kFormats[(i / kScenes.size() + i) % kFormats.size()];
    char name[64];
    std::snprintf(name, sizeof name, "%04llu.", static_cast<unsigned long long>(i));
    const std::filesystem::path file = out / (prefix + name + std::string(fmt));
    if (!write_picture(file, draw(sc, sz, pic_seed), pic_seed)) {
      std::fprintf(stderr, "vigil_testpix: cannot write %s\n", file.string().c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace vigil::testpix

int main(int argc, char** argv) {
  // OpenCV's parallel loops do not change results, but one thread keeps the tool predictable
  // when build.sh runs several instances side by side.
  cv::setNumThreads(1);
  std::vector<std::string_view> args(argv + 1, argv + argc);
  return vigil::testpix::run(args);
}
