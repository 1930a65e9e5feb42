// Shot-boundary detection on small decoded frames: hard cuts, fades through black and
// dissolves, while camera pans, subjects moving through the frame, flashes and sensor
// noise are not boundaries. Plain C++ on cv::Mat; the caller decodes and downscales.
//
//   ShotDetector detector(Rational{30000, 1001});
//   for (const cv::Mat& bgr : small_frames) detector.push(bgr);  // ~256 px wide, BGR
//   std::vector<ShotBoundary> cuts = detector.finish();
//   std::vector<Shot> shots = shots_from_boundaries(cuts, detector.frame_count());
//
// Each frame is reduced to 128 px and HSV. Hard cuts: a jump in the frame-to-frame
// content score that stands out from its neighbours (as PySceneDetect's AdaptiveDetector),
// and that neither a flash (the picture before comes back) nor a camera move (a shift of
// the previous frame matches) explains. Fades: a run of black frames between pictures.
// Dissolves: colour histograms one second apart differ for a while, standing out from
// the distance around, and no camera move explains the frames in between (a pan keeps
// its scene's colours; a whip to another part of the scene is a shift). Then no shot may
// be shorter than min_shot_seconds.
//
// Per frame it keeps four floats (content change, long-range colour change, brightness,
// camera motion) and a ring of a few small HSV frames and about one second of colour
// histograms, so memory stays bounded however long the input; finish() makes one pass
// over the floats.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "core/units.h"

namespace reelpack {

// The frame width the defaults are tuned for (as PySceneDetect's auto downscale): the
// caller scales to about this width, keeping the aspect, before push().
inline constexpr int kShotAnalysisWidthPx = 256;

struct ShotDetectorOptions {
  // Boundaries closer than this to each other (or to either end) are merged, keeping the
  // stronger, so no shot is shorter. 0 keeps every boundary.
  double min_shot_seconds = 0.5;

  // Hard cuts. The content score of frame t is the mean absolute HSV difference to frame
  // t-1 (0..255 scale; hue counted by its circular distance and weighted by saturation,
  // so the random hue of grey and dark pixels does not count). A cut needs the score to
  // be at least `min_content_score` and `adaptive_threshold` times the mean score of the
  // `adaptive_window_frames` frames on each side (PySceneDetect's AdaptiveDetector), or
  // that many times the calmer side's mean if the colours change for good as well (a cut
  // out of a shot full of motion). A jump that a camera move of up to a tenth of the
  // width explains (shake, a whip pan) is not a cut.
  double adaptive_threshold = 3.0;
  double min_content_score = 15.0;
  int adaptive_window_frames = 2;

  // Flashes: a jump is not a cut when, within `max_flash_frames`, the picture returns to
  // within `flash_similarity` x the jump's score of the picture before it (camera flashes,
  // lightning, one or two inserted frames). 0..4 frames.
  int max_flash_frames = 2;
  double flash_similarity = 0.5;

  // Fades through black: a run of frames whose mean brightness (HSV value, the brightest
  // channel, 0..255) is at most `fade_black_level`, with pictures on both sides, is one
  // boundary in the middle of the dark run.
  double fade_black_level = 16.0;

  // Dissolves and other gradual changes: colour histograms `gradual_window_seconds`
  // apart are compared; a run of frames whose distance (total variation, 0..1: the share
  // of pixels whose colour class changed) is at least `gradual_min_distance` is one
  // transition. Pans keep their scene's colours and stay below it.
  double gradual_window_seconds = 1.0;
  double gradual_min_distance = 0.35;
  // ...and the run's peak must be this many times the mean distance around it (within
  // gradual_window_seconds either side), so a fast pan over changing colours, whose
  // distance hovers near the threshold, is not taken for a dissolve.
  double gradual_adaptive_threshold = 2.0;
  // Longest dissolve or fade ramp recognised; longer steady change is taken for camera or
  // subject motion.
  double max_transition_seconds = 2.0;
};

enum class TransitionKind { Cut, Fade, Dissolve };
const char* to_string(TransitionKind kind);  // "cut", "fade", "dissolve"

struct ShotBoundary {
  int64_t frame = 0;  // index of the first frame of the new shot
  TransitionKind kind = TransitionKind::Cut;
  // First and last frame of the transition; both equal `frame` for a cut. The span of a
  // fade runs from the first darkened frame to the last one before full brightness.
  int64_t span_start = 0;
  int64_t span_end = 0;
  // How clearly the boundary stands out, for ranking boundaries of the same kind.
  // Cut: content score over its neighbourhood mean (>= adaptive_threshold), or for a cut
  // seen only by its lasting colour change (both shots full of motion), the histogram
  // distance (0..1). Dissolve: peak histogram distance (0..1). Fade: 1 - darkest
  // brightness / fade_black_level (0..1).
  double score = 0;
};

// Streaming detector: push every frame in decode order, then call finish() once.
class ShotDetector {
 public:
  // `frame_rate` converts the options' seconds to frames. Throws UsageError on options
  // out of range or a frame rate that is not positive.
  explicit ShotDetector(Rational frame_rate, ShotDetectorOptions options = {});

  // The next frame (index = frame_count() before the call): 8-bit BGR, every frame the
  // same size. Throws std::invalid_argument otherwise. Copies what it keeps.
  void push(const cv::Mat& bgr);

  // The boundaries of everything pushed, sorted by frame. Call once, after the last push.
  std::vector<ShotBoundary> finish();

  // While frames are still coming: the boundaries before frame `until` that no frame
  // pushed later can change, sorted, and every boundary there will be before `until`
  // (finish() returns the same ones there). A frame's boundaries settle a little under a
  // second after it (min_shot_seconds and half of gradual_window_seconds) while the
  // picture holds; up to about three seconds after it while colours change as in a
  // dissolve, or the picture darkens or brightens as in a fade, and not while it is black.
  // `until` is 0 until some have.
  // One pass over the frames' figures, as finish() makes.
  struct Settled {
    std::vector<ShotBoundary> boundaries;
    int64_t until = 0;
  };
  Settled settled() const;

  int64_t frame_count() const { return frame_count_; }

 private:
  static constexpr int kHistogramBins = 16 * 3 * 3 + 8;  // hue x sat x value, + greys
  using Histogram = std::array<float, kHistogramBins>;

  struct FrameStats {
    float content = 0;     // content score against the previous frame
    float long_range = 0;  // histogram distance to the frame gradual_window before
    float brightness = 0;  // mean HSV value
    // Share of the change from the previous frame a camera move leaves (1: none moved or
    // not measured); measured only where long_range reaches gradual_min_distance.
    float motion = 1;
  };

  // A run of frames [first, last]: a dark run, or the frames a fade absorbs.
  struct FrameRange {
    int64_t first = 0;
    int64_t last = 0;
  };

  const cv::Mat& recent(int64_t frame) const;  // from the ring of small HSV frames
  const Histogram& recent_histogram(int64_t frame) const;
  void track_dark_run(int64_t frame);
  void evaluate_cut(int64_t frame);  // once the frames after it are in
  std::vector<ShotBoundary> find_fades(std::vector<FrameRange>& absorbed) const;
  std::vector<ShotBoundary> find_gradual() const;
  std::vector<ShotBoundary> enforce_min_shot(std::vector<ShotBoundary> boundaries) const;
  // Every boundary found so far, before enforce_min_shot() (the cuts judged so far).
  std::vector<ShotBoundary> candidates() const;
  // The frame before which no later frame changes the candidates (see settled()).
  int64_t settled_limit() const;
  // The longest dip below the threshold inside one dissolve run (noise), in frames.
  int64_t gradual_max_gap() const { return std::max<int64_t>(2, gradual_lag_frames_ / 8); }

  ShotDetectorOptions options_;
  int64_t min_shot_frames_ = 0;
  int64_t gradual_lag_frames_ = 0;
  int64_t max_transition_frames_ = 0;
  int64_t cut_latency_frames_ = 0;  // frames after a candidate cut needed to judge it
  int64_t frame_count_ = 0;
  cv::Size frame_size_;
  bool finished_ = false;

  std::vector<FrameStats> stats_;
  cv::Mat small_;                          // the frame at the working size
  std::array<cv::Mat, 6> motion_scratch_;  // buffers for the camera-move check
  std::vector<cv::Mat> hsv_ring_;          // the last few frames as HSV, for flash checks
  std::vector<Histogram> histogram_ring_;  // the last gradual_lag_frames_ + 1 histograms
  std::vector<ShotBoundary> cuts_;
  int64_t dark_run_start_ = -1;             // first frame of the dark run in progress
  std::vector<int64_t> dark_flash_starts_;  // dark runs that were flashes, not fades
};

// Shots covering [0, frame_count) without gaps, one more than the boundaries inside it.
// Expects boundaries sorted by frame, as finish() returns them; a boundary at or before
// the previous one, or outside (0, frame_count), is skipped.
struct Shot {
  int64_t start_frame = 0;
  int64_t end_frame = 0;  // exclusive
};
std::vector<Shot> shots_from_boundaries(const std::vector<ShotBoundary>& boundaries,
                                        int64_t frame_count);

}  // namespace reelpack
