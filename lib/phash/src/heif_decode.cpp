#include "heif_decode.hpp"

#include <libheif/heif.h>

#include <memory>
#include <string>

namespace vigil::phash::detail {
namespace {

struct ContextFree {
  void operator()(heif_context* c) const { heif_context_free(c); }
};
struct HandleRelease {
  void operator()(heif_image_handle* h) const { heif_image_handle_release(h); }
};
struct ImageRelease {
  void operator()(heif_image* i) const { heif_image_release(i); }
};

Error heif_failure(const std::string& what, const heif_error& e) {
  const ErrorCode code =
      e.code == heif_error_Unsupported_filetype || e.code == heif_error_Unsupported_feature
          ? ErrorCode::kUnsupported
          : ErrorCode::kCorrupt;
  return make_error(code, "heif: " + what + ": " + (e.message != nullptr ? e.message : "?"));
}

}  // namespace

Result<DecodedImage> decode_heif(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  std::unique_ptr<heif_context, ContextFree> ctx(heif_context_alloc());
  if (!ctx) return make_error(ErrorCode::kInternal, "heif: cannot allocate a context");
  // libheif keeps pointers into the bytes; they outlive the context here.
  heif_error err =
      heif_context_read_from_memory_without_copy(ctx.get(), bytes.data(), bytes.size(), nullptr);
  if (err.code != heif_error_Ok) return heif_failure("cannot parse", err);
  heif_image_handle* raw_handle = nullptr;
  err = heif_context_get_primary_image_handle(ctx.get(), &raw_handle);
  if (err.code != heif_error_Ok) return heif_failure("no primary image", err);
  std::unique_ptr<heif_image_handle, HandleRelease> handle(raw_handle);
  const int width = heif_image_handle_get_width(handle.get());
  const int height = heif_image_handle_get_height(handle.get());
  if (width <= 0 || height <= 0) return make_error(ErrorCode::kCorrupt, "heif: image of zero size");
  DecodedImage image;
  image.header = {ImageFormat::kHeif, static_cast<std::uint32_t>(width),
                  static_cast<std::uint32_t>(height)};
  if (image.header.pixels() > limits.max_pixels)
    return make_error(ErrorCode::kLimit, "picture of " + std::to_string(image.header.pixels()) +
                                             " pixels is above the cap of " +
                                             std::to_string(limits.max_pixels));
  heif_image* raw_image = nullptr;
  err = heif_decode_image(handle.get(), &raw_image, heif_colorspace_RGB,
                          heif_chroma_interleaved_RGB, nullptr);
  if (err.code != heif_error_Ok) return heif_failure("decoder failed", err);
  std::unique_ptr<heif_image, ImageRelease> decoded(raw_image);
  int stride = 0;
  const std::uint8_t* plane =
      heif_image_get_plane_readonly(decoded.get(), heif_channel_interleaved, &stride);
  const int w = heif_image_get_width(decoded.get(), heif_channel_interleaved);
  const int h = heif_image_get_height(decoded.get(), heif_channel_interleaved);
  if (plane == nullptr || w <= 0 || h <= 0 || stride < 3 * w)
    return make_error(ErrorCode::kCorrupt, "heif: decoder returned no 8-bit RGB plane");
  if (static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h) > limits.max_pixels)
    return make_error(ErrorCode::kLimit, "heif: decoded picture above the pixel cap");
  image.bgr.create(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    const std::uint8_t* src =
        plane + static_cast<std::size_t>(y) * static_cast<std::size_t>(stride);
    std::uint8_t* dst = image.bgr.ptr<std::uint8_t>(y);
    for (int x = 0; x < w; ++x, src += 3, dst += 3) {
      dst[0] = src[2];
      dst[1] = src[1];
      dst[2] = src[0];
    }
  }
  return image;
}

}  // namespace vigil::phash::detail
