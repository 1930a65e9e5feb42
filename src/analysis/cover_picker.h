// Choosing covers among scored candidate frames: not in or next to a transition, and not
// the same moment twice. Plain C++; the caller samples frames (a few per shot at most, in
// time order), scores them (analysis/frame_score.h) and takes their colour histograms.
//
//   std::vector<CoverCandidate> c = ...;          // time_us, score, histogram, in time order
//   rank_candidates(c);                            // shots, transition, total, rejected
//   for (size_t i : shortlist(c, 6)) add_faces(c[i].score, faces.detect(frame[i]), ...);
//   rank_candidates(c);                            // again, now with faces
//   std::vector<size_t> best = pick_covers(c, 3);  // indices, best first
//
// An approximation of shot detection, for sparse samples (keyframes, seconds apart) where
// ShotDetector's frame-to-frame measures cannot work:
// - Shots: consecutive candidates belong to one shot while the distance between their
//   colour histograms (total variation, 0..1) stays below new_shot_distance. A slow
//   change of scene within one shot (a long pan into another room) may start a new
//   "shot"; two different shots that look alike (a shot/reverse-shot in one set) may be
//   taken for one. Both only change which candidates count as "the same moment".
// - Transitions: a frame in the middle of a fade or dissolve, or just after a flash, differs
//   from the candidates both before and after it, while a frame inside a shot resembles at
//   least one neighbour. transition = how far the smaller of the two distances is above
//   transition_distance (0..1); at max_transition and above the candidate is rejected. A
//   shot so short that only one candidate falls in it looks the same and is penalised too.
//   Fades through black are also caught by exposure and contrast, dissolves by sharpness.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "analysis/frame_score.h"

namespace reelpack {

// Hue (12) x saturation (4) x value (4) bins, as shares of the pixels (sums to 1).
using ColourHistogram = std::array<float, 12 * 4 * 4>;

ColourHistogram colour_histogram(const cv::Mat& bgr);
// Total variation distance: the share of pixels whose colour bin changed, 0..1.
double histogram_distance(const ColourHistogram& a, const ColourHistogram& b);

struct CoverCandidate {
  int64_t time_us = 0;    // source timeline
  bool keyframe = false;  // a keyframe of the stream: the sampler can decode it on its own
  FrameScore score;
  ColourHistogram histogram{};
  // Set by rank_candidates():
  int shot = 0;           // candidates of one shot share it, counting from 0 in time order
  double transition = 0;  // 0..1: how much it looks like the middle of a transition
  double total = 0;       // score.total x (1 - transition)
  std::string rejected;   // why it may not be a cover; empty when it may
  // Set by the caller once the window after it was checked: window_verdict() (kept by
  // rank_candidates() as the reason it is rejected when not empty) and the frame the
  // cover would show (the middle of the window); settled_us is -1 while unchecked.
  std::string window;
  int64_t settled_us = -1;
};

struct CoverPickOptions {
  double new_shot_distance = 0.4;
  double transition_distance = 0.3;
  double transition_span = 0.3;  // transition reaches 1 this far above transition_distance
  double max_transition = 0.5;   // rejected at or above
  // Candidates further apart than this are not neighbours: beyond it, two candidates
  // differ because the story moved on, not because one is mid-transition.
  int64_t neighbour_window_us = 1'500'000;
  // window_verdict(): the span after a candidate that must hold still, how often it is
  // sampled, and the limits. The cover is the frame in the middle of the span: at least
  // half of it away from a cut at the candidate (x264 puts a keyframe at each cut).
  int64_t window_us = 800'000;
  int64_t window_step_us = 200'000;
  double fade_luma = 0.05;
  double dissolve_distance = 0.25;
  // A second cover from a shot already used must be at least this far from it in time.
  int64_t min_gap_us = 2'000'000;
};

// What the picture does just after a candidate (from WindowSample::time_us of the
// candidate over CoverPickOptions::window_us), to tell a held picture from a transition
// or a cut that sparse candidates cannot show.
struct WindowSample {
  int64_t time_us = 0;
  double luma_mean = 0;  // 0..1
  ColourHistogram histogram{};
};
// A sample of a small BGR frame (any size; colour_histogram() scales it down).
WindowSample window_sample(int64_t time_us, const cv::Mat& bgr);

// "" when the picture holds over the samples (in time order, the first at the
// candidate): no cut between two samples (histogram distance >= new_shot_distance), no
// fade (mean luma moving by more than fade_luma), no dissolve or other change of picture
// (first against last sample >= dissolve_distance). Else "cut", "fade" or "transition".
std::string window_verdict(const std::vector<WindowSample>& samples,
                           const CoverPickOptions& options = {});

// Fills shot, transition, total and rejected (quality floors of `score_options`, then
// "transition", then the window's verdict). Candidates must be in time order.
void rank_candidates(std::vector<CoverCandidate>& candidates,
                     const FrameScoreOptions& score_options = {},
                     const CoverPickOptions& options = {});

// Up to `count` eligible candidates worth a closer look (faces): the best of each shot
// first, by total, then the next best of any shot. Indices into `candidates`.
std::vector<size_t> shortlist(const std::vector<CoverCandidate>& candidates, size_t count);

// Up to `count` covers, best first: eligible candidates by total, at most one per shot
// until every shot has had its turn, then more from used shots if min_gap_us from the
// covers already taken. Fewer than `count` (or none) when too few candidates qualify.
std::vector<size_t> pick_covers(const std::vector<CoverCandidate>& candidates, size_t count,
                                const CoverPickOptions& options = {});

}  // namespace reelpack
