// The smart-reframe analysis of decoded frames as they come (reframe/smart_analysis.h):
// shots on every frame, faces and motion at the sampling instants.
//
//   FrameAnalyser analyser(path, input.info(), input.video_time_base(), options);
//   input.decode([&](StreamKind kind, AVFrame* f) {
//     if (kind == StreamKind::Video && f) analyser.push(f);
//   });
//   SmartAnalysis a = analyser.finish({});
//
// Frames are pushed in decode order. The shots, faces and motion of the frames so far can
// be read while more come (settled(), faces_between(), so_far()), for one-pass smart
// reframing (reframe/one_pass.h); finish() returns the whole analysis.
#pragma once

extern "C" {
#include <libavutil/frame.h>
}

#include <cstdint>
#include <filesystem>
#include <opencv2/core.hpp>
#include <optional>
#include <vector>

#include "analysis/shot_detector.h"
#include "edit/ranges.h"
#include "media/av_ptr.h"
#include "media/bgr_converter.h"
#include "media/frame_end.h"
#include "media/input.h"
#include "reframe/face_sampler.h"
#include "reframe/motion.h"
#include "reframe/smart_analysis.h"

namespace reelpack {

class FrameAnalyser {
 public:
  // Throws UsageError for options out of range, an input without video or a rotation
  // that is not a quarter turn (and, with detection on, when the face cascades are missing).
  FrameAnalyser(const std::filesystem::path& path, const MediaInfo& info, AVRational time_base,
                const SmartAnalysisOptions& options);

  // The frames pushed so far: their timestamps, the motion samples and the analysis
  // settings (shots and faces are filled in by finish()).
  const SmartAnalysis& so_far() const { return a_; }

  void push(const AVFrame* f);

  // The shot boundaries of the frames so far that no later frame can change, and the
  // frame before which that list is complete (see ShotDetector::settled()).
  ShotDetector::Settled settled() const;

  // The faces of frames [first, end) (every frame before `end` must have settled: waits
  // for the face detector to get there). Their motion is in so_far().motion already.
  std::vector<SubjectSample> faces_between(int64_t first, int64_t end);

  // After the last frame. `actual`: the ranges the frames came from (RangeReader::actual),
  // empty for the whole input: each join is a shot boundary.
  SmartAnalysis finish(const std::vector<TimeRange>& actual);

 private:
  // A cheap cut guess from the grey difference to the frame before; samples the end of
  // the shot it closes. Accumulates the motion of the frame otherwise.
  bool guess_cut(int64_t index);
  void sample_faces(const AVFrame* frame, int64_t index, int64_t t_us, bool full);
  void sample_motion(int64_t frame);
  // Source-timeline times of the frames, and a boundary at each join of two ranges.
  std::vector<ShotBoundary> retime(const std::vector<TimeRange>& actual);

  SmartAnalysisOptions opt_;
  std::filesystem::path path_;
  SmartAnalysis a_;
  int aw_ = 0, ah_ = 0, sw_ = 0, sh_ = 0;  // analysis (faces) and small (shots, motion) sizes
  double small_to_src_x_ = 1, small_to_src_y_ = 1;
  std::optional<ShotDetector> shots_;
  std::optional<FaceSampler> faces_;
  // Analysis frames in display orientation (turned as a player turns them), scaled fast.
  std::optional<BgrConverter> to_small_, to_analysis_;
  cv::Mat small_, grey_, previous_grey_, diff_;
  av::FramePtr previous_frame_ = av::make_frame();
  MotionMoments moments_;
  int64_t interval_first_ = 0;
  int64_t last_sampled_ = -1;
  double typical_change_ = 0;  // running mean of the frame-to-frame grey change
  int64_t face_interval_us_ = 0;
  int64_t next_face_us_ = INT64_MIN;
  FrameEndClock end_clock_;
  int64_t previous_us_ = 0;  // the time of previous_frame_
};

}  // namespace reelpack
