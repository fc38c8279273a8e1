#include "vigil/phash/picture_hasher.hpp"

#include <string>

namespace vigil::phash {

Result<PdqResult> pdq_from_image(const DecodedImage& image, PdqHasher& hasher) {
  const cv::Mat& bgr = image.bgr;
  if (bgr.empty() || bgr.type() != CV_8UC3)
    return make_error(ErrorCode::kInvalidArgument, "pdq needs a decoded 8-bit BGR picture");
  PdqResult r = hasher.hash_bgr(bgr.data, bgr.cols, bgr.rows, bgr.step[0]);
  if (image.reduction > 1) r.pipeline = std::string(kPdqFastTriageName);
  return r;
}

Result<PictureHashes> PictureHasher::hash(std::span<const std::uint8_t> bytes) {
  auto image = decode_image(bytes, options_.limits, options_.mode);
  if (!image.ok()) return image.error();
  PictureHashes out;
  out.header = image->header;
  out.width = image->width();
  out.height = image->height();
  out.truncated = image->truncated;
  out.decoder_warnings = image->decoder_warnings;
  out.first_decoder_warning = image->first_decoder_warning;
  auto pdq = pdq_from_image(*image, pdq_);
  if (!pdq.ok()) return pdq.error();
  out.pdq = std::move(pdq).value();
  if (options_.phash) {
    auto ph = opencv_phash(image->bgr);
    if (!ph.ok()) return ph.error();
    out.phash = *ph;
  }
  return out;
}

}  // namespace vigil::phash
