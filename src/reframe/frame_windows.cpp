#include "reframe/frame_windows.h"

#include <algorithm>
#include <stdexcept>

#include "core/error.h"
#include "media/av_error.h"

namespace reelpack {

FrameWindows::FrameWindows(std::vector<int64_t> pts, std::vector<Rect> windows,
                           CropGeometry geometry)
    : pts_(std::move(pts)), windows_(std::move(windows)), geometry_(geometry) {
  if (pts_.empty() || pts_.size() != windows_.size()) {
    throw std::invalid_argument("FrameWindows: one window per frame, at least one frame");
  }
}

void FrameWindows::append(const std::vector<int64_t>& pts, const std::vector<Rect>& windows) {
  if (pts.size() != windows.size())
    throw std::invalid_argument("FrameWindows: one window per frame");
  const std::lock_guard lock(mutex_);
  pts_.insert(pts_.end(), pts.begin(), pts.end());
  windows_.insert(windows_.end(), windows.begin(), windows.end());
}

Rect FrameWindows::at(int64_t pts) const {
  const std::lock_guard lock(mutex_);
  if (pts_.empty()) throw std::logic_error("FrameWindows: no window placed yet");
  const auto it = std::upper_bound(pts_.begin(), pts_.end(), pts);
  const size_t i = it == pts_.begin() ? 0 : static_cast<size_t>(it - pts_.begin() - 1);
  return windows_[i];
}

void crop_to_window(AVFrame* frame, const Rect& w, const std::string& file) {
  if (w.x_px < 0 || w.y_px < 0 || w.x_px % 2 || w.y_px % 2 || w.width_px <= 0 || w.height_px <= 0 ||
      w.x_px + w.width_px > frame->width || w.y_px + w.height_px > frame->height) {
    throw ProcessingError(file + ": crop window " + std::to_string(w.width_px) + "x" +
                          std::to_string(w.height_px) + "+" + std::to_string(w.x_px) + "+" +
                          std::to_string(w.y_px) + " does not fit the " +
                          std::to_string(frame->width) + "x" + std::to_string(frame->height) +
                          " frame (does the picture size change mid-stream?)");
  }
  frame->crop_left = static_cast<size_t>(w.x_px);
  frame->crop_top = static_cast<size_t>(w.y_px);
  frame->crop_right = static_cast<size_t>(frame->width - w.x_px - w.width_px);
  frame->crop_bottom = static_cast<size_t>(frame->height - w.y_px - w.height_px);
  // Unaligned: the window's exact (even) position, not one rounded to SIMD alignment.
  av::check(av_frame_apply_cropping(frame, AV_FRAME_CROP_UNALIGNED), "crop a frame to its window",
            file);
}

}  // namespace reelpack
