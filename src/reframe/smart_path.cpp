#include "reframe/smart_path.h"

extern "C" {
#include <libavutil/mathematics.h>
}

#include <algorithm>
#include <stdexcept>

#include "core/error.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {

// In a shot without faces, motion becomes the camera's subject when it was seen at this
// share of the shot's sampling instants; sparser motion only suggests a still position.
constexpr double kMotionSubjectShare = 0.4;

// The output tick (in 1/rate) the fps filter gives a frame with this timestamp.
int64_t tick_of(int64_t pts, AVRational tb, Rational rate) {
  return av_rescale_q_rnd(pts, tb, AVRational{rate.den, rate.num},
                          static_cast<AVRounding>(AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX));
}

size_t shot_index(const std::vector<Shot>& shots, int64_t frame) {
  const auto it = std::upper_bound(shots.begin(), shots.end(), frame,
                                   [](int64_t f, const Shot& s) { return f < s.start_frame; });
  return it == shots.begin() ? 0 : static_cast<size_t>(it - shots.begin() - 1);
}

}  // namespace

CameraPathOptions smart_camera_options() {
  CameraPathOptions o;
  o.filter_window_seconds = 0.4;
  // A longer ease into and out of each tracking move: a camera that catches up with a
  // walking subject in one smooth ramp instead of overshooting its speed (trials: mean
  // |second difference| 0.59 -> 0.45 px/frame^2 following a walk of a third of the frame
  // width per second, the subject still inside on every frame).
  o.smoothing_seconds = 0.8;
  return o;
}

SmartPath solve_smart_path(const SmartAnalysis& a, Size window, const CameraPathOptions& options) {
  const CameraPathSolver solver({a.source, window}, a.frame_rate, options);
  CameraPathInput in;
  in.frame_count = a.frame_count();
  in.shots = a.shots;
  const size_t shot_count = std::max<size_t>(a.shots.size(), 1);

  std::vector<int> faces_in(shot_count, 0);
  for (const SubjectSample& s : a.faces) ++faces_in[shot_index(a.shots, s.frame)];
  // Sampling instants per shot, to tell sustained motion from a passing gesture.
  std::vector<int> motion_in(shot_count, 0);
  for (const SubjectSample& s : a.motion) ++motion_in[shot_index(a.shots, s.frame)];
  std::vector<double> samples_in(shot_count, 0);
  const double fps = a.frame_rate.to_double();
  for (size_t k = 0; k < a.shots.size(); ++k) {
    const double seconds = (a.shots[k].end_frame - a.shots[k].start_frame) / fps;
    samples_in[k] = std::max(1.0, seconds / a.sample_seconds);
  }

  for (const SubjectSample& s : a.faces) {
    // Bigger faces matter more: a close-up's face over a passer-by's.
    const double weight = static_cast<double>(s.box_px.height_px) / a.source.height_px;
    in.detections.push_back({s.frame, s.box_px, s.confidence, weight, -1});
  }
  for (const SubjectSample& s : a.motion) {
    const size_t k = shot_index(a.shots, s.frame);
    if (faces_in[k] > 0) continue;  // faces lead wherever there are any
    const double cx = s.box_px.x_px + s.box_px.width_px / 2.0;
    const double cy = s.box_px.y_px + s.box_px.height_px / 2.0;
    in.fallback_centres.push_back({s.frame, cx, cy});
    if (k < a.shots.size() && motion_in[k] < kMotionSubjectShare * samples_in[k]) continue;
    in.detections.push_back({s.frame, s.box_px, s.confidence, 0.5, -1});
  }
  CameraPath solved = solver.solve(in);
  // The solver leaves the centre window in fill shots; their frames show the whole picture.
  for (const ShotPlan& shot : solved.shots) {
    if (shot.mode != CameraMode::Fill) continue;
    for (int64_t f = shot.start_frame; f < shot.end_frame; ++f) {
      solved.window_per_frame[static_cast<size_t>(f)] = {0, 0, a.source.width_px,
                                                         a.source.height_px};
    }
  }
  return {{a.source, window}, std::move(solved.window_per_frame), std::move(solved.shots)};
}

FrameTimes OutputFrames::times() const {
  try {
    return FrameTimes::from_pts(time_us, Rational{1, 1'000'000});
  } catch (const std::invalid_argument&) {
    // Ranges out of source order: the source times go back at a join.
    return FrameTimes::constant_rate(rate, count(), 0);
  }
}

OutputFrames output_frames(const SmartAnalysis& a, Rational rate, int64_t count) {
  if (rate.num <= 0 || rate.den <= 0)
    throw UsageError("smart reframe: output rate must be positive");
  OutputFrames out;
  out.rate = rate;
  const int64_t n = a.frame_count();
  if (n == 0) return out;
  std::vector<int64_t> ticks(static_cast<size_t>(n));
  for (int64_t s = 0; s < n; ++s) ticks[s] = tick_of(a.pts[s], a.time_base, rate);
  const int64_t first = ticks[0];
  if (count < 0) {
    // The fps filter runs to the end of the last frame, rounded as it rounds frames.
    count = std::max(tick_of(a.end_pts, a.time_base, rate) - first, ticks.back() - first + 1);
  }
  out.source_frame.resize(static_cast<size_t>(count));
  out.time_us.resize(static_cast<size_t>(count));
  int64_t s = 0;
  for (int64_t k = 0; k < count; ++k) {
    const int64_t tick = first + k;
    while (s + 1 < n && ticks[s + 1] <= tick) ++s;
    out.source_frame[k] = s;
    const int64_t output_us = av_rescale(tick, int64_t{1'000'000} * rate.den, rate.num);
    out.time_us[k] = a.source_us[s] + output_us - a.to_us(a.pts[s]);
  }
  return out;
}

std::vector<Rect> output_windows(const SmartPath& path, const OutputFrames& frames) {
  std::vector<Rect> out;
  out.reserve(frames.source_frame.size());
  for (int64_t s : frames.source_frame) out.push_back(path.windows.at(static_cast<size_t>(s)));
  return out;
}

SmartPath read_smart_path(const SmartAnalysis& a, Size window, Rational rate, const fs::path& csv) {
  // A second of spare frames past the predicted end, so a path written by a run whose
  // encoder made a frame more than predicted still reads.
  const int64_t predicted = output_frames(a, rate).count();
  const OutputFrames out = output_frames(a, rate, predicted + (rate.num + rate.den - 1) / rate.den);
  const CropGeometry geometry{a.source, window};
  const std::vector<Rect> per_output = read_crop_path(csv, geometry, out.times());
  SmartPath path;
  path.geometry = geometry;
  path.windows.resize(static_cast<size_t>(a.frame_count()));
  const int64_t first = tick_of(a.pts.front(), a.time_base, rate);
  for (int64_t s = 0; s < a.frame_count(); ++s) {
    const int64_t k = std::clamp<int64_t>(tick_of(a.pts[s], a.time_base, rate) - first, 0,
                                          static_cast<int64_t>(per_output.size()) - 1);
    path.windows[s] = per_output[static_cast<size_t>(k)];
  }
  ShotPlan whole;
  whole.end_frame = a.frame_count();
  whole.reason = "crop path read from " + csv.string();
  path.shots.push_back(whole);
  path.from_file = true;
  return path;
}

}  // namespace reelpack
