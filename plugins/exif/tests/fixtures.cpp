#include "fixtures.hpp"

#include <libheif/heif.h>
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

void fill_full(Exiv2::ExifData& exif, Exiv2::XmpData& xmp, const Bytes& thumb) {
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
  Exiv2::ExifThumb(exif).setJpegThumbnail(thumb.data(), static_cast<long>(thumb.size()));
  xmp["Xmp.xmp.CreatorTool"] = "vigil-fixtures";
  xmp["Xmp.xmp.CreateDate"] = "2024-05-01T12:34:56+02:00";
  xmp["Xmp.xmp.ModifyDate"] = "2024-05-02T08:00:00Z";
}

heif_error append_heif(heif_context* /*ctx*/, const void* data, size_t size, void* user) {
  auto* out = static_cast<Bytes*>(user);
  const auto* p = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), p, p + size);
  return heif_error{heif_error_Ok, heif_suberror_Unspecified, "ok"};
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
  fill_full(image->exifData(), image->xmpData(), thumbnail());
  image->writeMetadata();
  return read_back(*image);
}

Bytes heic_with_full_metadata(int width, int height, int seed) {
  cv::Mat bgr;
  cv::imdecode(synthetic(".png", width, height, seed), cv::IMREAD_COLOR).copyTo(bgr);
  heif_context* ctx = heif_context_alloc();
  heif_image* img = nullptr;
  heif_image_create(width, height, heif_colorspace_RGB, heif_chroma_interleaved_RGB, &img);
  heif_image_add_plane(img, heif_channel_interleaved, width, height, 8);
  int stride = 0;
  std::uint8_t* plane = heif_image_get_plane(img, heif_channel_interleaved, &stride);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const auto px = bgr.at<cv::Vec3b>(y, x);
      std::uint8_t* dst = plane + static_cast<std::ptrdiff_t>(y) * stride + 3 * x;
      dst[0] = px[2];
      dst[1] = px[1];
      dst[2] = px[0];
    }
  }
  Bytes out;
  heif_encoder* encoder = nullptr;
  heif_image_handle* handle = nullptr;
  bool ok = heif_context_get_encoder_for_format(ctx, heif_compression_HEVC, &encoder).code ==
            heif_error_Ok;
  if (ok) {
    heif_encoder_set_lossy_quality(encoder, 80);
    ok = heif_context_encode_image(ctx, img, encoder, nullptr, &handle).code == heif_error_Ok;
    heif_encoder_release(encoder);
  }
  if (ok) {
    Exiv2::ExifData exif;
    Exiv2::XmpData xmp;
    fill_full(exif, xmp, thumbnail());
    Exiv2::Blob tiff;
    Exiv2::ExifParser::encode(tiff, Exiv2::littleEndian, exif);
    std::string packet;
    Exiv2::XmpParser::encode(packet, xmp);
    ok = heif_context_add_exif_metadata(ctx, handle, tiff.data(), static_cast<int>(tiff.size()))
                 .code == heif_error_Ok &&
         heif_context_add_XMP_metadata(ctx, handle, packet.data(), static_cast<int>(packet.size()))
                 .code == heif_error_Ok;
  }
  if (ok) {
    heif_writer writer{1, append_heif};
    ok = heif_context_write(ctx, &writer, &out).code == heif_error_Ok;
  }
  if (handle != nullptr) heif_image_handle_release(handle);
  heif_image_release(img);
  heif_context_free(ctx);
  if (!ok) throw std::runtime_error("libheif could not write a HEIC (Debian libheif1 with x265)");
  return out;
}

}  // namespace vigil::plugins::exif::fixtures
