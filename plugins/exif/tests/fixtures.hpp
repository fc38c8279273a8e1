// Test fixtures for the exif extractor: synthetic pictures (OpenCV) whose EXIF and XMP are
// written by exiv2 itself, with known values (the ones the tests assert).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::plugins::exif::fixtures {

using Bytes = std::vector<std::uint8_t>;

// A synthetic picture encoded by OpenCV: ext is ".jpg", ".png", ".tif" or ".webp".
Bytes synthetic(const std::string& ext, int width, int height, int seed);

// The full set of fields (README.md lists them) with these values:
//   make "Vigil Synthetic", model "Synth-1", body_serial "SN-0001", lens_model "Synth 35mm",
//   lens_serial "LS-0002", DateTimeOriginal 2024:05:01 12:34:56 with OffsetTimeOriginal +02:00,
//   GPS 52 deg 30' 12.34" N, 13 deg 22' 48.5" W, 35.5 m below sea level, software
//   "vigil-fixtures 1", orientation 6, XMP CreatorTool "vigil-fixtures", CreateDate
//   2024-05-01T12:34:56+02:00, ModifyDate 2024-05-02T08:00:00Z, and a 64x48 JPEG thumbnail.
Bytes with_full_metadata(const Bytes& picture);
// The EXIF thumbnail that with_full_metadata() embeds.
Bytes thumbnail();

// A HEIC (libheif, HEVC) of a synthetic picture carrying the same EXIF and XMP as
// with_full_metadata(), added as HEIF metadata items (exiv2 0.27 cannot write HEIF itself).
Bytes heic_with_full_metadata(int width, int height, int seed);

// Writes the given EXIF keys (exiv2 key -> value text) and nothing else.
Bytes with_exif(const Bytes& picture, const std::vector<std::pair<std::string, std::string>>& kv);

}  // namespace vigil::plugins::exif::fixtures
