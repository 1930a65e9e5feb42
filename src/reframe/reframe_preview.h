// A review video of smart reframing, for a person to check the camera quickly: the whole
// source picture, downscaled, with the chosen window drawn on it (the rest dimmed), the
// faces and motion the analysis found as boxes, and a banner on the first frames of each
// shot naming the camera mode and why.
//
//   SmartAnalysis a = analyse_for_reframe("ep01.mov", {});
//   SmartPath path = solve_smart_path(a, {608, 1080});
//   render_reframe_preview(a, path, {}, "ep01.preview.mp4");
//
// The source is decoded again (the same frames the analysis saw: `ranges` must be the
// analysis's), drawn on as cv::Mat, converted to yuv420p and encoded with H.264 at the
// source's frame rate; the file appears only when complete.
#pragma once

#include <filesystem>
#include <vector>

#include "edit/ranges.h"
#include "reframe/smart_path.h"

namespace reelpack {

struct PreviewOptions {
  int width_px = 960;              // preview width (height from the displayed aspect)
  double banner_seconds = 1.5;     // how long each shot's banner stays
  double box_hold_seconds = 0.25;  // how long a detection's box stays after its sample
  double crf = 24;
  std::string encoder_preset = "veryfast";
  bool allow_truncated = false;  // read a truncated input as far as it goes (DecodeOptions)
};

// Returns the number of frames written. Throws ProcessingError naming `output` when it
// cannot be written.
int64_t render_reframe_preview(const SmartAnalysis& analysis, const SmartPath& path,
                               const std::vector<TimeRange>& ranges,
                               const std::filesystem::path& output,
                               const PreviewOptions& options = {});

}  // namespace reelpack
