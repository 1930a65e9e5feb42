// Shot lists for a file, and splitting a long master into episodes at shot boundaries.
//
//   ShotList s = detect_shots("master.mov");                   // decode once at 256 px
//   std::vector<Episode> eps = plan_split(s, {.target_s = 120, .min_s = 60, .max_s = 180});
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "analysis/shot_detector.h"

namespace reelpack {

struct TimedShot {
  int64_t start_frame = 0;
  int64_t end_frame = 0;  // exclusive
  int64_t start_us = 0;   // source timeline
  int64_t end_us = 0;
  TransitionKind starts_with = TransitionKind::Cut;  // how this shot begins (first: cut)
};

struct ShotList {
  std::filesystem::path input;
  double fps = 0;
  int64_t frame_count = 0;
  int64_t duration_us = 0;
  std::vector<TimedShot> shots;
  std::vector<ShotBoundary> boundaries;
  std::vector<std::string> warnings;  // with allow_truncated: what the input is missing
};

using FrameProgress = std::function<void(int64_t frames, int64_t position_us)>;

// A truncated input throws unless `allow_truncated` (DecodeOptions).
ShotList detect_shots(const std::filesystem::path& input, const ShotDetectorOptions& options = {},
                      const FrameProgress& progress = {}, bool allow_truncated = false);

std::string shots_csv(
    const ShotList& shots);  // index,start_seconds,end_seconds,start_frame,end_frame
nlohmann::json to_json(const ShotList& shots);

struct SplitOptions {
  double target_s = 120;
  double min_s = 0;  // 0: target / 2
  double max_s = 0;  // 0: target * 1.5
};

struct Episode {
  int index = 1;  // 1-based
  int64_t start_us = 0;
  int64_t end_us = 0;
  int64_t start_frame = 0;
  int64_t end_frame = 0;      // exclusive
  bool within_limits = true;  // false when no shot boundary allowed min..max here
};

// Throws UsageError when `options` plan no split (a target that is not a positive number
// of seconds, min/max that do not surround it); plan_split() checks the same.
void validate(const SplitOptions& options);

// Episodes that end on shot boundaries, each as close to the target as min/max allow:
// a dynamic programme over the boundaries minimising the squared distance to the target,
// with a steep penalty for lengths outside min..max (used only when nothing fits).
std::vector<Episode> plan_split(const ShotList& shots, const SplitOptions& options);

}  // namespace reelpack
