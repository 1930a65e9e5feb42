// One-pass smart reframing: the frames decoded for the encode are analysed as they come,
// and each is held until its shot is over and the shot's windows are placed, then
// delivered to the outputs, so the input is decoded once instead of twice.
//
//   OnePassReframe one_pass(path, input.info(), input.video_time_base(), options, hold_bytes);
//   const OnePassReframe::Camera camera = one_pass.camera({608, 1080});  // before any frame
//   // for every decoded video frame:
//   one_pass.take(frame, deliver);            // deliver() gets the frames of finished shots
//   // at the end of the video:
//   SmartAnalysis a = one_pass.complete(ranges_read, warnings);
//   if (auto from = one_pass.decode_again_from()) {
//     decode_again(*from);                    // the caller delivers those frames itself
//   } else {
//     one_pass.deliver_rest(deliver);         // the frames still held, then nullptr
//   }
//
// The states, and what moves from one to the next:
//
//   Holding ---- the held frames outgrow hold_limit_bytes ----> Overflowed
//      |                                                            |
//      | complete()                                                 | complete()
//      v                                                            v
//   Complete (every window placed; the held frames wait)        DecodeAgain (the caller
//      |                                                          decodes the frames from
//      | deliver_rest()                                           decode_again_from() and
//      v                                                          delivers them itself)
//   Delivered (every frame, then nullptr, delivered)
//
// Holding: each frame is analysed and held (a reference, not a copy); every tenth frame
// the shots that have settled (ShotDetector::settled()) are placed and their frames
// delivered. Overflowed: a shot (with the seconds after it that settle it) held more than
// the memory allowed, so from its first frame on nothing more is held or delivered; frames
// are still analysed and shots placed, so the windows are ready when the caller decodes
// the rest again. complete() finishes the analysis: the shots placed while decoding stand,
// and the rest of the video is placed as one last part.
#pragma once

extern "C" {
#include <libavutil/frame.h>
}

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edit/ranges.h"
#include "media/av_ptr.h"
#include "media/input.h"
#include "reframe/frame_analyser.h"
#include "reframe/frame_windows.h"
#include "reframe/smart_analysis.h"
#include "reframe/smart_path.h"

namespace reelpack {

class OnePassReframe {
 public:
  enum class State { Holding, Overflowed, Complete, DecodeAgain, Delivered };

  // `hold_limit_bytes`: the most the held frames' pictures may take before Overflowed.
  OnePassReframe(const std::filesystem::path& input, const MediaInfo& info, AVRational time_base,
                 const SmartAnalysisOptions& options, int64_t hold_limit_bytes);

  // The analysis settings (source size, rate, detector) before any frame is taken.
  const SmartAnalysis& settings() const { return settings_; }

  // The path and growing windows that outputs with windows of this size share; before the
  // first take(). Its windows are placed shot by shot as the shots end.
  struct Camera {
    std::shared_ptr<const SmartPath> path;
    std::shared_ptr<const FrameWindows> windows;
  };
  Camera camera(Size window);

  State state() const { return state_; }

  using Deliver = std::function<void(AVFrame*)>;
  // Holding or Overflowed: analyses `frame` (not null) and, when Holding, holds it; may
  // place finished shots and deliver their frames, and move to Overflowed.
  void take(AVFrame* frame, const Deliver& deliver);

  // After the last frame: the whole analysis (`ranges_read`: RangeReader::actual(), empty
  // for the whole input), with every window placed. Holding -> Complete, Overflowed ->
  // DecodeAgain. A warning goes to `warnings` when the final shots differ from those placed.
  SmartAnalysis complete(const std::vector<TimeRange>& ranges_read,
                         std::vector<std::string>& warnings);

  // Complete -> Delivered: delivers the frames still held, then nullptr.
  void deliver_rest(const Deliver& deliver);

  // DecodeAgain: the timestamp of the first frame not delivered; else nullopt.
  std::optional<int64_t> decode_again_from() const;

 private:
  struct Track {
    Size window;
    std::shared_ptr<SmartPath> path;
    std::shared_ptr<FrameWindows> windows;
  };
  // Places the windows of `part`, whole shots whose frame 0 is frame `first`.
  void place(const SmartAnalysis& part, int64_t first);
  // Holding: delivers the first `n` frames held.
  void deliver_held(size_t n, const Deliver& deliver);
  void expect(State a, State b, const char* call) const;

  FrameAnalyser analyser_;
  SmartAnalysis settings_;
  State state_ = State::Holding;
  std::vector<Track> tracks_;
  std::vector<av::FramePtr> held_;  // frames [placed_, placed_ + held_.size()), when Holding
  int64_t held_bytes_ = 0;
  int64_t hold_limit_bytes_ = 0;
  int64_t placed_ = 0;  // frames placed (and, when Holding, delivered) so far
  std::vector<ShotBoundary> placed_boundaries_;
  int64_t first_not_delivered_ = 0;  // Overflowed, DecodeAgain: the frame held outgrew from
  int64_t decode_again_pts_ = 0;     // DecodeAgain: its timestamp
  int64_t frames_since_check_ = 0;
};

}  // namespace reelpack
