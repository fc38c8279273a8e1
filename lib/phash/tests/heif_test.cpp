// HEIC and AVIF decoding (libheif). The pictures are drawn here and encoded with libheif's own
// encoders (x265, aom) in memory.
#include <gtest/gtest.h>

#include "test_pictures.hpp"
#include "vigil/phash/decode.hpp"
#include "vigil/phash/pdq.hpp"

#if defined(VIGIL_HAVE_LIBHEIF)
#include <libheif/heif.h>
#endif

#if defined(VIGIL_HAVE_LIBHEIF)
// libx265 (the HEVC encoder libheif uses to make the test picture) keeps one allocation for the
// life of the process; LeakSanitizer reads this hook in sanitizer builds. Only x265 is exempt.
extern "C" const char* __lsan_default_suppressions() { return "leak:libx265\n"; }
#endif

namespace vigil::phash {
namespace {

#if defined(VIGIL_HAVE_LIBHEIF)

heif_error write_to_vector(heif_context*, const void* data, size_t size, void* user) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(user);
  const auto* p = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), p, p + size);
  return heif_error{heif_error_Ok, heif_suberror_Unspecified, "ok"};
}

std::vector<std::uint8_t> encode_heif(const cv::Mat& bgr, heif_compression_format format) {
  std::vector<std::uint8_t> out;
  heif_context* ctx = heif_context_alloc();
  heif_image* img = nullptr;
  heif_image_create(bgr.cols, bgr.rows, heif_colorspace_RGB, heif_chroma_interleaved_RGB, &img);
  heif_image_add_plane(img, heif_channel_interleaved, bgr.cols, bgr.rows, 8);
  int stride = 0;
  std::uint8_t* plane = heif_image_get_plane(img, heif_channel_interleaved, &stride);
  for (int y = 0; y < bgr.rows; ++y)
    for (int x = 0; x < bgr.cols; ++x) {
      const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
      std::uint8_t* d = plane + static_cast<std::size_t>(y) * stride + 3 * x;
      d[0] = p[2];
      d[1] = p[1];
      d[2] = p[0];
    }
  heif_encoder* encoder = nullptr;
  if (heif_context_get_encoder_for_format(ctx, format, &encoder).code == heif_error_Ok) {
    heif_encoder_set_lossy_quality(encoder, 90);
    if (heif_context_encode_image(ctx, img, encoder, nullptr, nullptr).code == heif_error_Ok) {
      heif_writer writer{1, write_to_vector};
      heif_context_write(ctx, &writer, &out);
    }
    heif_encoder_release(encoder);
  }
  heif_image_release(img);
  heif_context_free(ctx);
  return out;
}

TEST(Heif, HeicAndAvifDecodeNearThePngHash) {
  const cv::Mat img = testing::draw_picture(256, 192);
  PdqHasher pdq;
  const auto png = decode_image(testing::encode(img, ".png"));
  ASSERT_TRUE(png.ok());
  const auto ref = pdq.hash_bgr(png->bgr.data, png->width(), png->height(), png->bgr.step[0]);
  for (auto format : {heif_compression_HEVC, heif_compression_AV1}) {
    SCOPED_TRACE(format == heif_compression_HEVC ? "heic" : "avif");
    const auto bytes = encode_heif(img, format);
    ASSERT_FALSE(bytes.empty());
    EXPECT_EQ(sniff_image_format(bytes), ImageFormat::kHeif);
    auto d = decode_image(bytes);
    ASSERT_TRUE(d.ok()) << d.error().describe();
    EXPECT_EQ(d->header.format, ImageFormat::kHeif);
    EXPECT_EQ(d->width(), 256);
    EXPECT_EQ(d->height(), 192);
    const auto h = pdq.hash_bgr(d->bgr.data, d->width(), d->height(), d->bgr.step[0]);
    EXPECT_LE(hamming_distance(h.hash, ref.hash), 16);
    // Above the cap: refused before decoding.
    auto capped = decode_image(bytes, DecodeLimits{1000});
    ASSERT_FALSE(capped.ok());
    EXPECT_EQ(capped.error().code, ErrorCode::kLimit);
    // Cut short: an error, never a picture.
    std::vector<std::uint8_t> cut(bytes.begin(),
                                  bytes.begin() + static_cast<long>(bytes.size() / 2));
    EXPECT_FALSE(decode_image(cut).ok());
  }
}

#else

TEST(Heif, WithoutLibheifHeifIsUnsupported) {
  const std::uint8_t heic[] = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0};
  auto d = decode_image(heic);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, ErrorCode::kUnsupported);
}

#endif

}  // namespace
}  // namespace vigil::phash
