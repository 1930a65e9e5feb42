// Still pictures from decoded video: the adapter from AVFrame to cv::Mat for covers,
// scrubbing tiles and scoring frames, the cover's reframing (the same geometry package
// uses), and writing an image file atomically.
//
//   BgrConverter to_bgr(info.video->rotation_deg);
//   const cv::Mat& small = to_bgr.convert(frame, {384, 216});   // display size, square pixels
//   const cv::Mat& full = to_bgr.convert(frame);                // stored pixels, rotated
//   cv::Mat cover = reframe_picture(full, sar, {1080, 1920}, ReframeMode::Blur);
//   write_image(cover, "out/ep01.tiktok.jpg", "jpg");
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "media/av_ptr.h"
#include "media/input.h"
#include "pipeline/geometry.h"

namespace reelpack {

// Makes `picture` an 8-bit BGR image of `size` that sws_scale() may write into (or read
// from). swscale's SIMD code moves whole vectors and can touch up to 16 bytes past the
// end of the last row (valgrind showed an 8-byte write 4 bytes past a plain cv::Mat), so
// the picture is a view of a buffer one row taller. Keeps the buffer when `picture`
// already is such a view of this size.
void make_swscale_bgr(cv::Mat& picture, cv::Size size);

// A picture `width_px` wide with the display aspect of `video` (rotation and sample
// aspect applied), its height even: the size of scoring frames and sprite tiles.
cv::Size display_size_at_width(const VideoInfo& video, int width_px);

class BgrConverter {
 public:
  // Quality: area averaging for large reductions, else bicubic with full chroma, and the
  // frame's own YCbCr matrix and range (covers, tiles, scores). Fast: fast bilinear with
  // swscale's default matrix (analysis frames of a few hundred pixels, every frame).
  enum class Scaling { Quality, Fast };
  // `file` names the input in errors.
  explicit BgrConverter(int rotation_deg = 0, Scaling scaling = Scaling::Quality,
                        std::string file = {})
      : rotation_deg_(rotation_deg), scaling_(scaling), file_(std::move(file)) {}

  // The frame as 8-bit BGR (full range, converted with the frame's own YCbCr matrix, or
  // what players assume when it has none), turned by the rotation. `display` is the size
  // wanted after rotation, in square pixels; empty keeps the stored pixels (the picture
  // still has the source's sample aspect). Valid until the next call.
  const cv::Mat& convert(const AVFrame* frame, cv::Size display = {});

 private:
  int rotation_deg_ = 0;
  Scaling scaling_ = Scaling::Quality;
  std::string file_;
  av::SwsPtr sws_;
  int sws_w_ = 0, sws_h_ = 0, sws_fmt_ = -1, sws_out_w_ = 0, sws_out_h_ = 0;
  int sws_space_ = -1, sws_range_ = -1;
  cv::Mat scaled_, turned_;
};

// `picture` (rotated to display orientation, pixels of aspect `sar`) reframed to exactly
// `output` as package reframes video (pipeline/geometry.h): Center crops the middle, Pad fits
// the whole picture on black, Blur fits it over a blurred, zoomed copy of the centre crop.
// Smart crops like Center but centres the crop on `focus` (fractions of the picture, e.g.
// the faces) when given.
cv::Mat reframe_picture(const cv::Mat& picture, PixelAspect sar, Size output, ReframeMode mode,
                        const cv::Rect2d* focus = nullptr);

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
