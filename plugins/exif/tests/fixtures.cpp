#include "fixtures.hpp"

#include <exiv2/exiv2.hpp>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace vigil::plugins::exif::fixtures {
namespace {

Bytes read_back(Exiv2::Image& image) {
  Exiv2::BasicIo& io = image.io();
  io.seek(0, Exiv2::BasicIo::beg);
  const Exiv2::DataBuf buf = io.read(static_cast<long>(io.size()));
  return {buf.pData_, buf.pData_ + buf.size_};
}

}  // namespace

Bytes synthetic(const std::string& ext, int width, int height, int seed) {
  cv::Mat m(height, width, CV_8UC3, cv::Scalar(30 + seed, 90, 160));
  cv::circle(m, {width / 2, height / 2}, std::min(width, height) / 3, cv::Scalar(240, 220, 10), -1);
  cv::line(m, {0, seed % height}, {width - 1, height - 1}, cv::Scalar(10, 10, 250), 3);
  std::vector<std::uint8_t> out;
  if (!cv::imencode(ext, m, out)) throw std::runtime_error("imencode " + ext);
  return out;
}

Bytes thumbnail() { return synthetic(".jpg", 64, 48, 99); }

Bytes with_exif(const Bytes& picture, const std::vector<std::pair<std::string, std::string>>& kv) {
  auto image = Exiv2::ImageFactory::open(picture.data(), static_cast<long>(picture.size()));
  image->readMetadata();
  Exiv2::ExifData& exif = image->exifData();
  for (const auto& [key, value] : kv) exif[key] = value;
  image->writeMetadata();
  return read_back(*image);
}

Bytes with_full_metadata(const Bytes& picture) {
  auto image = Exiv2::ImageFactory::open(picture.data(), static_cast<long>(picture.size()));
  image->readMetadata();
  Exiv2::ExifData& exif = image->exifData();
  exif["Exif.Image.Make"] = "Vigil Synthetic";
  exif["Exif.Image.Model"] = "Synth-1";
  exif["Exif.Image.Software"] = "vigil-fixtures 1";
  exif["Exif.Image.Orientation"] = static_cast<std::uint16_t>(6);
  exif["Exif.Photo.BodySerialNumber"] = "SN-0001";
  exif["Exif.Photo.LensModel"] = "Synth 35mm";
  exif["Exif.Photo.LensSerialNumber"] = "LS-0002";
  exif["Exif.Photo.DateTimeOriginal"] = "2024:05:01 12:34:56";
  exif["Exif.Photo.OffsetTimeOriginal"] = "+02:00";
  exif["Exif.GPSInfo.GPSVersionID"] = "2 3 0 0";
  exif["Exif.GPSInfo.GPSLatitudeRef"] = "N";
  exif["Exif.GPSInfo.GPSLatitude"] = "52/1 30/1 1234/100";
  exif["Exif.GPSInfo.GPSLongitudeRef"] = "W";
  exif["Exif.GPSInfo.GPSLongitude"] = "13/1 22/1 485/10";
  exif["Exif.GPSInfo.GPSAltitudeRef"] = "1";
  exif["Exif.GPSInfo.GPSAltitude"] = "71/2";
  const Bytes thumb = thumbnail();
  Exiv2::ExifThumb(exif).setJpegThumbnail(thumb.data(), static_cast<long>(thumb.size()));
  Exiv2::XmpData& xmp = image->xmpData();
  xmp["Xmp.xmp.CreatorTool"] = "vigil-fixtures";
  xmp["Xmp.xmp.CreateDate"] = "2024-05-01T12:34:56+02:00";
  xmp["Xmp.xmp.ModifyDate"] = "2024-05-02T08:00:00Z";
  image->writeMetadata();
  return read_back(*image);
}

}  // namespace vigil::plugins::exif::fixtures
