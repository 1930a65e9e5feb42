// Still images encoded with FFmpeg's image encoders (no OpenCV imgcodecs, whose
// dependencies slow every start) and written atomically.
//
//   std::vector<uint8_t> jpg = encode_image(bgr, "jpg", "out/ep01.jpg");
//   write_image(cover, "out/ep01.tiktok.jpg", "jpg");   // temporary name, renamed when complete
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace reelpack {

// Image formats write_image() can encode here: "jpg", "png", "webp" when OpenCV has it.
bool image_format_supported(const std::string& format);

// Encodes `bgr` as `format` with FFmpeg's image encoders (mjpeg at quantiser 2, png,
// libwebp at quality 90). Throws UsageError for an unknown or unavailable format,
// ProcessingError naming `path` when encoding fails.
std::vector<uint8_t> encode_image(const cv::Mat& bgr, const std::string& format,
                                  const std::filesystem::path& path);

// Writes `bytes` to `path` atomically (temporary name, renamed when complete). Throws
// ProcessingError when the file cannot be written.
void write_bytes(const std::vector<uint8_t>& bytes, const std::filesystem::path& path);

// encode_image() then write_bytes().
void write_image(const cv::Mat& bgr, const std::filesystem::path& path, const std::string& format);

}  // namespace reelpack
