// Lossless cuts: ranges copied packet by packet without re-encoding. A range can only
// start on a keyframe, so each START snaps back to the keyframe at or before it and each
// END forward to the next keyframe; the report says exactly where, so no frame is
// silently dropped or added. With `exact` (cut --copy --exact, edit/exact_copy.h) the
// frames between START and the first IDR, and after the last packet that can be copied,
// are re-encoded instead, so the range holds exactly its own frames.
//
//   CopyCutReport r = copy_cut("master.mp4", {parse_range("12.5-20")}, "out/ep01.mp4");
//   r.ranges[0].snapped.start_us;   // 12.0 s when the keyframe before 12.5 s is at 12.0 s
//   r = copy_cut("master.mp4", {parse_range("12.5-20")}, "out/ep01.mp4", {.exact = true});
//   r.ranges[0].parts;              // re-encoded 12.5-14.0, copied 14.0-20.0 (say)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "edit/ranges.h"

namespace reelpack {

// Frames of a range that were copied, or re-encoded (--exact), in presentation order.
struct CutPart {
  bool reencoded = false;
  TimeRange span;           // source timeline: its first frame to the end of its last
  int64_t first_frame = 0;  // source frame numbers (the --range grid); end_frame excluded
  int64_t end_frame = 0;
  int frames = 0;
};

struct CopiedRange {
  TimeRange requested;
  TimeRange snapped;  // what was copied, on the source timeline (--exact: the range's frames)
  // --exact only:
  int frames = 0;
  std::vector<CutPart> parts;
  std::vector<int64_t> idr_us;  // the IDR pictures seen from the keyframe before START on
};

struct CopyCutReport {
  std::filesystem::path input;
  std::filesystem::path output;
  bool exact = false;
  bool dry_run = false;  // planned only (--exact --dry-run): nothing written
  std::vector<CopiedRange> ranges;
  int64_t output_duration_us = 0;
  int64_t size_bytes = 0;
  std::vector<std::string> warnings;  // with allow_truncated: what the input is missing
};

struct CopyCutOptions {
  bool exact = false;    // frame-exact: re-encode the partial GOPs at the ends of each range
  bool dry_run = false;  // with `exact`: read the packets and plan, write nothing
  // The re-encoded frames' libx264 quality and speed (--video.crf, --video.encoder-preset).
  double crf = 16;
  std::string encoder_preset = "faster";
  bool allow_truncated = false;  // a truncated input is cut as far as it goes (warnings)
};

// Writes `output` atomically; the container follows its extension (.mp4, .mov, .mkv...).
// A truncated input throws unless `options.allow_truncated` (DecodeOptions).
CopyCutReport copy_cut(const std::filesystem::path& input, const std::vector<RangeSpec>& ranges,
                       const std::filesystem::path& output, const CopyCutOptions& options = {});

nlohmann::json to_json(const CopyCutReport& report);

}  // namespace reelpack
