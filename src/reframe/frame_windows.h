// The smart window of each frame as the encoders see it: looked up by timestamp, and
// applied to a decoded frame by moving its data pointers (no copy).
//
//   FrameWindows windows(analysis.pts, path.windows, path.geometry);
//   const Rect w = windows.at(frame->pts);
//   if (!windows.is_fill(w)) crop_to_window(frame, w, "out/ep01.tiktok.mp4");
//
// Each output's frames are cropped after its source graph (rotation, rate) and before its
// scaling graph, or in blur-fill shots drawn whole over a blurred fill (SmartFilterChains
// in media/filter_chains.h). Rotated inputs' windows are in display pixels: the source
// graph turns each frame before it is cropped, as --reframe center turns before its crop.
#pragma once

extern "C" {
#include <libavutil/frame.h>
}

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "analysis/camera_path.h"
#include "core/geometry.h"
#include "reframe/crop_path_io.h"

namespace reelpack {

// A blur-fill frame's window is the whole picture (see is_fill_window()). In one-pass
// smart reframing the windows are appended shot by shot while the encoders read them:
// both are safe from different threads.
class FrameWindows {
 public:
  explicit FrameWindows(CropGeometry geometry) : geometry_(geometry) {}
  FrameWindows(std::vector<int64_t> pts, std::vector<Rect> windows, CropGeometry geometry);
  // The windows of the next frames, in timestamp order.
  void append(const std::vector<int64_t>& pts, const std::vector<Rect>& windows);
  // The window of the frame with this timestamp (or of the last frame before it). Throws
  // std::logic_error when no window is placed yet.
  Rect at(int64_t pts) const;
  // The frame is drawn whole over a blurred fill rather than cropped to `window`.
  bool is_fill(const Rect& window) const { return is_fill_window(window, geometry_); }

 private:
  mutable std::mutex mutex_;
  std::vector<int64_t> pts_;
  std::vector<Rect> windows_;
  CropGeometry geometry_;
};

// Crops `frame` (a reference of the output's own; the pixels are shared, not touched) to
// `window` by moving its data pointers: x and y even. Throws ProcessingError naming `file`
// when the window does not fit the frame.
void crop_to_window(AVFrame* frame, const Rect& window, const std::string& file);

}  // namespace reelpack
