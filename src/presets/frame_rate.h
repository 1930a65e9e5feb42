// The output frame rate of a preset for a source: the one rule that package, batch, split,
// cut -p, reframe, the dry-run plan and check all follow.
//
//   FrameRateChoice c = choose_frame_rate(tiktok.video, {.rate = {24000, 1001}}, "tiktok");
//   c.rate;    // 24000/1001: tiktok accepts 23-60 fps, so the recorded rate is kept
//   c.reason;  // "keeps the source's 23.976 fps, within the 23-60 fps tiktok accepts"
//
// `fps = source` (the default) keeps the recorded rate when the preset's min-fps..max-fps
// accepts it. Outside that range the rate changes by a whole factor where one fits, so
// every frame is shown equally long: 50 to 25 and 120 to 60 keep every other frame, 15 to
// 30 shows each frame twice (never blended). A variable-rate source goes to the preferred
// rate nearest its average. `fps = 30` forces the rate whatever the source.
//
// A rate within 0.1% of a bound counts as that bound: the NTSC rates are the figures
// platforms name them by (23.976 as 24, 29.97 as 30, 59.94 as 60).
#pragma once

#include <string>
#include <vector>

#include "core/units.h"
#include "presets/preset.h"

namespace reelpack {

struct SourceFrameRate {
  Rational rate{0, 1};     // the stream's nominal rate; {0, 1} when unknown
  Rational average{0, 1};  // frames over duration; {0, 1} when unknown
  bool variable = false;   // the frames are not evenly spaced
};

enum class FrameRateChange {
  Kept,      // the source's own rate
  Forced,    // video.fps set to a rate
  Dropped,   // every factor-th frame kept (rate / factor)
  Repeated,  // each frame shown factor times (rate * factor)
  Standard,  // a variable-rate source at the preferred rate nearest its average
  Nearest,   // no whole factor fits: the accepted preferred rate nearest the source's
  Unknown,   // the source declares no rate
};

struct FrameRateChoice {
  Rational rate{30, 1};
  FrameRateChange change = FrameRateChange::Kept;
  int factor = 1;        // Dropped, Repeated: the whole factor
  bool accepted = true;  // min-fps..max-fps takes `rate` (a forced rate may lie outside)
  std::string reason;    // one line for the plan: what was chosen and why
};

// The rate `video` gives a source at `source`; `preset` names the platform in the reason.
FrameRateChoice choose_frame_rate(const VideoPreset& video, const SourceFrameRate& source,
                                  const std::string& preset);

// min-fps <= rate <= max-fps, with the 0.1% allowance above.
bool accepts_frame_rate(const VideoPreset& video, Rational rate);

// "23.976", "25", "29.97": a rate as people write it.
std::string fps_text(Rational rate);
// "23-60 fps"
std::string fps_range_text(const VideoPreset& video);
// "kept", "forced", "dropped", "repeated", "standard", "nearest", "unknown"
std::string to_string(FrameRateChange change);

// The standard rates (24000/1001, 24, 25, 30000/1001, 30, 48, 50, 60000/1001, 60, 100, 120,
// 240): a measured rate within 0.02% of one is that one (a 23.976 average of 23.9760 is
// 24000/1001); any other rate comes back as it is.
Rational snap_to_standard(Rational rate);

}  // namespace reelpack
