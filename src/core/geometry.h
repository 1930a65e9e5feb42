// Reframing geometry: where to crop, scale and pad a source picture to fill an output
// frame. Pure arithmetic (no libav), valid for 4:2:0: every size and offset is even,
// every crop lies inside the source.
//
//   ReframePlan p = plan_reframe({1920, 1080}, {1, 1}, {1080, 1920}, ReframeMode::Center);
//   // p.crop == {656, 0, 608, 1080}; p.fit == {0, 0, 1080, 1920}
#pragma once

#include <string>

namespace reelpack {

// Smart: a window of the centre crop's size that moves with the subjects (per frame, from
// the analysis in reframe/smart_reframe.h); its plan is the centre crop's.
enum class ReframeMode { Center, Pad, Blur, Smart };

ReframeMode parse_reframe_mode(const std::string& text);  // throws UsageError
std::string to_string(ReframeMode mode);

struct Size {
  int width_px = 0;
  int height_px = 0;
  friend bool operator==(const Size&, const Size&) = default;
};

struct Rect {
  int x_px = 0;
  int y_px = 0;
  int width_px = 0;
  int height_px = 0;
  friend bool operator==(const Rect&, const Rect&) = default;
};

struct PixelAspect {
  int num = 1;
  int den = 1;
};

struct ReframePlan {
  ReframeMode mode = ReframeMode::Center;
  Size output;
  // Center: the source region (storage pixels) scaled to fill `output`. Smart: the
  // centre position of the moving window (its size is what matters).
  // Blur: the same region, used for the blurred background.
  Rect crop;
  // Pad and Blur: where the whole source lands on the output (scaled size and offset).
  // Center and Smart: the whole output.
  Rect fit;
};

// The smallest source (each way, after rotation) that can be reframed: below it the crop
// would be empty. package and thumbs -p refuse smaller pictures, naming the file.
inline constexpr int kMinReframeSourcePx = 16;
// "" when `source` can be reframed, else "its picture is WxH pixels, too small to
// reframe<into> (at least 16x16)" for a message after the file's name.
std::string too_small_to_reframe(Size source, const std::string& into = "");

// `source` is the picture as stored (after any rotation has been applied), `sar` its
// sample aspect ratio, `output` the preset's frame (even sizes).
ReframePlan plan_reframe(Size source, PixelAspect sar, Size output, ReframeMode mode);

// Rounds to the nearest even number, at least 2.
int even(double value);

}  // namespace reelpack
