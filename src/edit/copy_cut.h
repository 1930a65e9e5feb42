// Lossless cuts: ranges copied packet by packet without re-encoding. A range can only
// start on a keyframe, so each START snaps back to the keyframe at or before it and each
// END forward to the next keyframe; the report says exactly where, so no frame is
// silently dropped or added.
//
//   CopyCutReport r = copy_cut("master.mp4", {parse_range("12.5-20")}, "out/ep01.mp4");
//   r.ranges[0].snapped.start_us;   // 12.0 s when the keyframe before 12.5 s is at 12.0 s
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "edit/ranges.h"

namespace reelpack {

struct CopiedRange {
  TimeRange requested;
  TimeRange snapped;  // what was copied, on the source timeline
};

struct CopyCutReport {
  std::filesystem::path input;
  std::filesystem::path output;
  std::vector<CopiedRange> ranges;
  int64_t output_duration_us = 0;
  int64_t size_bytes = 0;
  std::vector<std::string> warnings;  // with allow_truncated: what the input is missing
};

// Writes `output` atomically; the container follows its extension (.mp4, .mov, .mkv...).
// A truncated input throws unless `allow_truncated` (DecodeOptions).
CopyCutReport copy_cut(const std::filesystem::path& input, const std::vector<RangeSpec>& ranges,
                       const std::filesystem::path& output, bool allow_truncated = false);

nlohmann::json to_json(const CopyCutReport& report);

}  // namespace reelpack
