// The adapter from decoded video (AVFrame) to the cv::Mat pictures the analysis, covers,
// scrubbing tiles and frame scores work on.
//
//   BgrConverter to_bgr(info.video->rotation_deg);
//   const cv::Mat& small = to_bgr.convert(frame, {384, 216});   // display size, square pixels
//   const cv::Mat& full = to_bgr.convert(frame);                // stored pixels, rotated
#pragma once

#include <string>

#include <opencv2/core.hpp>

#include "media/av_ptr.h"
#include "media/input.h"

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

}  // namespace reelpack
