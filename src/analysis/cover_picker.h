// Choosing covers among scored candidate frames: one per real shot first, not in or next
// to a transition, and not the same moment twice. Plain C++; the caller samples frames (in
// time order), scores them (analysis/frame_score.h) and takes their colour histograms and
// layouts.
//
//   std::vector<CoverCandidate> c = ...;          // time_us, score, histogram, layout
//   rank_candidates(c);                            // shots, transition, total, rejected
//   for (size_t i : shortlist(c, 6)) add_faces(c[i].score, faces.detect(frame[i]), frame[i]);
//   rank_candidates(c);                            // again, now with faces
//   std::vector<size_t> best = pick_covers(c, 3);  // indices, best first
//
// Shots come from one of two sources:
// - Known cuts (`cuts`, from ShotDetector on every frame, as dense sampling runs it): a
//   candidate's shot is the number of cuts before it, and a candidate inside a cut's or a
//   fade's or dissolve's span, or within transition_guard_us of it, is a transition.
// - Otherwise estimated from sparse samples (keyframes, seconds apart), where
//   ShotDetector's frame-to-frame measures cannot work. Consecutive candidates belong to
//   one shot while both their colour histograms (total variation, 0..1, below
//   new_shot_distance) and their layouts (layout_distance(), below new_shot_layout) stay
//   close: two shots of one dim set share their colours but not where the light and the
//   faces are, so a shot/reverse-shot is two shots. A camera move of more than a twentieth of
//   the width between two candidates may start a new "shot" within one; that only changes
//   which candidates count as "the same moment".
//   Transitions: a frame in the middle of a fade or dissolve, or just after a flash,
//   differs from the candidates both before and after it, while a frame inside a shot
//   resembles at least one neighbour. transition = how far the smaller of the two colour
//   distances is above transition_distance (0..1); at max_transition and above the
//   candidate is rejected. A shot so short that only one candidate falls in it looks the
//   same and is penalised too. Fades through black are also caught by the exposure floor,
//   dissolves by sharpness.
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

// Where the light is in a picture: its log luma at 48 px across (any aspect), zero mean and
// unit norm (CV_32F), so the overall brightness and contrast do not count and the dim parts
// of a low-key picture count beside its lit face.
cv::Mat layout_signature(const cv::Mat& bgr);
// 0..1: 1 - the best correlation of two signatures over camera moves of up to a twentieth of
// the width (and height); 0 for one picture, about 0.01 for one shot a few seconds on
// (people who barely move, grain), 0.15 and above for two shots of one set (a two-shot and
// a close-up; a shot and its reverse). 1 when either is empty or flat.
double layout_distance(const cv::Mat& a, const cv::Mat& b);

// A boundary ShotDetector found, on the source timeline: the first frame of the new shot
// and the span of the transition (all three equal for a cut).
struct CoverCut {
  int64_t time_us = 0;
  int64_t span_start_us = 0;
  int64_t span_end_us = 0;
};

struct CoverCandidate {
  int64_t time_us = 0;    // source timeline
  bool keyframe = false;  // a keyframe of the stream: the sampler can decode it on its own
  FrameScore score;
  ColourHistogram histogram{};
  cv::Mat layout;  // layout_signature(); empty: shots estimated by colour alone
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
  double new_shot_layout = 0.15;  // layout_distance() that starts a new estimated shot
  // With known cuts: a candidate this close to a transition's span is part of it.
  int64_t transition_guard_us = 150'000;
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
  cv::Mat layout;  // layout_signature(); empty: not compared
};
// A sample of a small BGR frame (any size; colour_histogram() scales it down).
WindowSample window_sample(int64_t time_us, const cv::Mat& bgr);

// "" when the picture holds over the samples (in time order, the first at the
// candidate): no cut between two samples (histogram distance >= new_shot_distance, or
// layout distance >= new_shot_layout: a cut between two shots of one dim set), no fade
// (mean luma moving by more than fade_luma), no dissolve or other change of picture
// (first against last sample >= dissolve_distance). Else "cut", "fade" or "transition".
std::string window_verdict(const std::vector<WindowSample>& samples,
                           const CoverPickOptions& options = {});

// Fills shot, transition, total and rejected (quality floors of `score_options`, then
// "transition", then the window's verdict). Candidates must be in time order. With
// `cuts` (sorted by time), shots and transitions come from them; without, they are
// estimated from the candidates (see above).
void rank_candidates(std::vector<CoverCandidate>& candidates,
                     const FrameScoreOptions& score_options = {},
                     const CoverPickOptions& options = {},
                     const std::vector<CoverCut>* cuts = nullptr);

// Up to `count` eligible candidates worth a closer look (faces): the best of each shot
// first, by total, then the next best of any shot. Indices into `candidates`.
std::vector<size_t> shortlist(const std::vector<CoverCandidate>& candidates, size_t count);

// Up to `count` covers, best first: eligible candidates by total, at most one per shot
// until every shot has had its turn, then more from used shots if min_gap_us from the
// covers already taken. Fewer than `count` (or none) when too few candidates qualify.
std::vector<size_t> pick_covers(const std::vector<CoverCandidate>& candidates, size_t count,
                                const CoverPickOptions& options = {});

}  // namespace reelpack
