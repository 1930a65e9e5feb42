// The smart window's path: one window per analysed frame, placed shot by shot by
// CameraPathSolver from a SmartAnalysis (or read from a crop path a person edited), and
// which window each output frame at the output's rate shows.
//
//   SmartPath path = solve_smart_path(analysis, {608, 1080});   // one window per frame
//   OutputFrames out = output_frames(analysis, {30, 1});        // what each output frame shows
//   write_crop_path("ep01.crop.csv", output_windows(path, out), out.times());
//
// The camera is placed on faces where there are any, else follows the motion (when it is
// sustained through the shot), else is centred; in blur-fill shots the window is the
// whole picture.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "analysis/camera_path.h"
#include "core/geometry.h"
#include "core/units.h"
#include "reframe/crop_path_io.h"
#include "reframe/smart_analysis.h"

namespace reelpack {

// One window per analysed frame, all of `window`'s size except in blur-fill shots (mode
// fill: subjects too far apart to frame and none dominant), whose frames have the whole
// picture as their window and are drawn as --reframe blur draws every frame.
struct SmartPath {
  CropGeometry geometry;
  std::vector<Rect> windows;
  std::vector<ShotPlan> shots;  // the camera's plan per shot (frames are analysed frames)
  bool from_file = false;       // read from a crop path file, not solved
};

// The camera's options for this analysis: the defaults, except that each subject's box is
// the running median of only three samples (0.4 s: faces are sampled five times a second
// and a second-long median would lag a moving subject at the end of a short shot), and
// tracking moves ease in and out over 0.8 s rather than 0.5 s.
CameraPathOptions smart_camera_options();

SmartPath solve_smart_path(const SmartAnalysis& analysis, Size window,
                           const CameraPathOptions& options = smart_camera_options());

// Which analysed frame each output frame at `rate` shows, as the fps filter picks it (the
// last frame whose timestamp, rounded to the output rate, is at or before the output
// frame's), and the output frame's time on the source timeline.
struct OutputFrames {
  Rational rate;
  std::vector<int64_t> source_frame;
  std::vector<int64_t> time_us;
  int64_t count() const { return static_cast<int64_t>(source_frame.size()); }
  // For the crop path files: the source-timeline times, or (when ranges out of order make
  // them go back) the output timeline's.
  FrameTimes times() const;
};

// `count` < 0: as many as the fps filter makes from the analysed frames.
OutputFrames output_frames(const SmartAnalysis& analysis, Rational rate, int64_t count = -1);

// The window of each output frame (the window of the source frame it shows).
std::vector<Rect> output_windows(const SmartPath& path, const OutputFrames& frames);

// A crop path a person edited (rows per output frame at `rate`, sparse keyframes
// interpolated by read_crop_path()), as one window per analysed frame: each source frame
// takes the window of the first output frame that shows it.
SmartPath read_smart_path(const SmartAnalysis& analysis, Size window, Rational rate,
                          const std::filesystem::path& csv);

}  // namespace reelpack
