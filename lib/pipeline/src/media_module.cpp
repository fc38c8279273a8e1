// The media module's entry point and its small services that need OpenCV.
#include <opencv2/imgproc.hpp>

#include <algorithm>

#include "vigil/phash/decode.hpp"
#include "vigil/pipeline/media_module.hpp"

namespace vigil::pipeline {

Result<std::string> blurred_thumbnail(std::span<const std::uint8_t> bytes, int max_side) {
  auto decoded = phash::decode_image(bytes, {});
  if (!decoded) return decoded.error();
  const cv::Mat& bgr = decoded->bgr;
  if (bgr.empty()) return make_error(ErrorCode::kCorrupt, "picture decoded to nothing");
  // Grey, small, then blurred so heavily that shapes stay and no detail does: the examiner can
  // tell which picture it is without seeing its content. Nothing unblurred leaves this function.
  cv::Mat grey;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  const double scale =
      static_cast<double>(max_side) / static_cast<double>(std::max(grey.cols, grey.rows));
  cv::Mat small;
  cv::resize(grey, small,
             cv::Size(std::max(1, static_cast<int>(grey.cols * scale)),
                      std::max(1, static_cast<int>(grey.rows * scale))),
             0, 0, cv::INTER_AREA);
  cv::Mat blurred;
  const double sigma = std::max(2.0, max_side / 16.0);
  cv::GaussianBlur(small, blurred, cv::Size(0, 0), sigma, sigma, cv::BORDER_REPLICATE);
  return phash::encode_grey_png(blurred);
}

}  // namespace vigil::pipeline

// The module's one entry point (media_module.hpp): resolved with dlsym by load_media_module().
extern "C" __attribute__((visibility("default"))) const vigil::pipeline::MediaModule*
vigil_media_module() {
  static const vigil::pipeline::MediaModule kModule{
      vigil::pipeline::kMediaModuleAbi, &vigil::pipeline::make_media_analyser_impl,
      &vigil::pipeline::run_hash_command, &vigil::pipeline::blurred_thumbnail};
  return &kModule;
}
