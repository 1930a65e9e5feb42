// `reelpack reframe`'s work after the analysis: the camera's path for one output's window,
// and the files a person reviews or edits before packaging: the crop path (CSV, one row
// per output frame), every detection (CSV) and a review video (reframe/reframe_preview.h).
//
//   SmartAnalysis a = analyse_for_reframe("ep01.mov", ranges);
//   ReviewFiles files;
//   files.window = {608, 1080};
//   files.rate = {30, 1};
//   files.crop_path = "ep01.crop.csv";
//   SmartPath path = write_reframe_review(a, files, [](const auto& file, auto frames) {});
//
// The detections file: `frame,pts_seconds,kind,x,y,width,height,confidence`, every face
// and motion sample in frame order, in source pixels, frames counted as the crop path's
// source frames, pts_seconds on the source timeline.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "core/geometry.h"
#include "core/units.h"
#include "edit/ranges.h"
#include "reframe/reframe_preview.h"
#include "reframe/smart_analysis.h"
#include "reframe/smart_path.h"

namespace reelpack {

struct ReviewFiles {
  Size window;                       // the output's crop window
  Rational rate;                     // the output's frame rate: the crop path's rows
  std::vector<TimeRange> ranges;     // the analysis's (the review video decodes them again)
  std::filesystem::path crop_path;   // empty: not written
  std::filesystem::path detections;  // empty: not written
  std::filesystem::path preview;     // empty: not written
  PreviewOptions preview_options;
};

// Told of each file once written; `frames`: the crop path's rows or the review video's
// frames (none for the detections).
using WroteFile =
    std::function<void(const std::filesystem::path& file, std::optional<int64_t> frames)>;

// Solves the path for files.window and writes the crop path, the detections and the
// review video, in that order, each only when named. Throws ProcessingError naming a file
// that cannot be written.
SmartPath write_reframe_review(const SmartAnalysis& analysis, const ReviewFiles& files,
                               const WroteFile& wrote = {});

// The detections file alone.
void write_detections(const std::filesystem::path& file, const SmartAnalysis& analysis);

}  // namespace reelpack
