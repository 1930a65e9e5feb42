// Crop paths as CSV files: the solver's path written for inspection or editing
// (--crop-path-out), and a path a person edited read back (--crop-path-in).
//
//   const FrameTimes times = FrameTimes::constant_rate({30, 1}, frame_count, range_start_us);
//   write_crop_path("ep1.crop.csv", path.window_per_frame, times);
//   std::vector<Rect> windows = read_crop_path("ep1.edited.csv", geometry, times);
//
// The format: a header `frame,pts_seconds,x,y,width,height`, then rows in source pixels,
// pts_seconds on the source timeline with 6 decimals:
//
//   frame,pts_seconds,x,y,width,height
//   0,0.000000,656,0,608,1080
//   1,0.033333,656,0,608,1080
//
// The writer writes one row per frame. The reader takes any subset of frames in any order
// as keyframes: blank lines and lines starting with # are skipped; a row keys on `frame`,
// or when that is empty on the frame nearest `pts_seconds` (half a frame either side of
// the clip at most); width and height may be empty, else must be the crop window's
// (fixed by the output aspect). Between keyframes x and y are interpolated linearly, held
// before the first and after the last, snapped to even and clamped into the source.
//
// Blur fill: a frame that shows the whole picture over a blurred fill (a shot whose
// subjects are too far apart to frame, camera mode `fill`) has the whole picture as its
// window, `x,y,width,height` = `0,0,<source width>,<source height>` (e.g. 0,0,1920,1080).
// A fill keyframe read back holds until the next keyframe (no interpolation into or out
// of it); the reader returns the whole-picture rectangle for those frames.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "analysis/camera_path.h"  // CropGeometry
#include "core/geometry.h"
#include "core/units.h"

namespace reelpack {

// When each frame of a clip is presented, on the source timeline, in microseconds.
// Arguments that make no timeline (a rate that is not positive, a negative count,
// timestamps that do not increase) throw std::invalid_argument.
class FrameTimes {
 public:
  // Frame i at start_us + i / frame_rate (rounded to the microsecond).
  static FrameTimes constant_rate(Rational frame_rate, int64_t frame_count, int64_t start_us = 0);
  // Frame i at pts[i] x time_base: the frames' own timestamps, in presentation order.
  static FrameTimes from_pts(const std::vector<int64_t>& pts, Rational time_base);

  int64_t frame_count() const { return frame_count_; }
  int64_t time_us(int64_t frame) const;  // frame in [0, frame_count)
  // The frame presented nearest `time_us`; nullopt when that is more than half a frame
  // interval before the first frame or after the last (or there are no frames).
  std::optional<int64_t> nearest_frame(int64_t time_us) const;

 private:
  FrameTimes() = default;
  int64_t frame_count_ = 0;
  Rational frame_rate_;  // constant rate, when times_us_ is empty
  int64_t start_us_ = 0;
  std::vector<int64_t> times_us_;  // explicit timestamps
};

inline constexpr const char* kCropPathHeader = "frame,pts_seconds,x,y,width,height";

// One row per window (window i is frame i). Throws std::invalid_argument when the counts
// differ, ProcessingError naming the file when it cannot be written; the file appears
// only once complete.
void write_crop_path(std::ostream& out, const std::vector<Rect>& windows, const FrameTimes& times);
void write_crop_path(const std::filesystem::path& file, const std::vector<Rect>& windows,
                     const FrameTimes& times);

// True when `window` is a blur-fill frame's (the whole picture, and that is not the
// window's size).
bool is_fill_window(const Rect& window, const CropGeometry& geometry);

// One window per frame of `times`, from keyframes. Throws UsageError "NAME:LINE: reason"
// for a malformed row (wrong header, field count, a value that is not a number, a frame
// outside the clip, a frame keyed twice, a width or height other than the window's) and
// "NAME: reason" when the file cannot be read or has no keyframes.
std::vector<Rect> read_crop_path(std::istream& in, const std::string& name,
                                 const CropGeometry& geometry, const FrameTimes& times);
std::vector<Rect> read_crop_path(const std::filesystem::path& file, const CropGeometry& geometry,
                                 const FrameTimes& times);

}  // namespace reelpack
