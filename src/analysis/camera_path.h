// The virtual camera of smart reframing: where a fixed-size crop window sits in every
// frame of a clip, given the shots and the subjects a detector found (faces, people),
// placed as an editor would and moved as a camera operator would. Plain C++ on plain
// structs; the pipeline supplies detections and applies the windows.
//
//   CameraPathSolver solver({.source = {1920, 1080}, .window = {608, 1080}}, Rational{25, 1});
//   CameraPathInput input;
//   input.frame_count = 750;
//   input.shots = shots_from_boundaries(cuts, 750);
//   input.detections = faces;  // a few per second, from the pipeline's face detector
//   CameraPath path = solver.solve(input);
//   // path.window_per_frame[i]: the crop of output frame i (even, inside the source)
//   // path.shots[k].mode: stationary, pan, track or fill, and why
//
// Each shot is solved on its own, so the window jumps at a cut and never drifts across
// it. Per shot:
//  1. Subjects: detections grouped by track_id (untracked ones by proximity in space and
//     time); each subject's importance is the mean over the shot's detector samples of
//     weight x confidence (0 where it is absent). Subjects far less important than the
//     first are background.
//  2. Target: the most important subject and every other that fits the window with it at
//     every frame. When some subject is left out (a two-shot that cannot be framed), the
//     target's importance must be two_shot_dominance times the most important one left
//     out (the speaker, the larger face), else the shot is left to letterbox/blur fill.
//  3. Per frame, each subject's box is the running median of its samples over
//     filter_window_seconds (a detector's jitter and stray boxes do not reach the camera),
//     interpolated linearly between samples.
//  4. Mode, per axis and then for the shot (the most dynamic axis): stationary when the
//     target fits one window for the whole shot (every frame of the shot gets exactly the
//     same window); else pan when a straight move with eased ends (trapezoidal speed,
//     least-squares end points) keeps the target inside within the speed and acceleration
//     limits; else track: a reference that holds while the target stays within the dead
//     zone and re-centres it once it leaves, until it settles (hysteresis), smoothed by
//     a centred running mean (each move eases in before and out after the target's, so
//     the camera neither lags nor leads), then followed by a kinematic solver with
//     limited speed and acceleration that brakes in time rather than overshoot.
//  5. Positions are snapped to even pixels by a quantiser that keeps each step size as
//     long as it stays within a few pixels of the smooth path, so snapping adds no
//     judder, and never steps against the smooth path's direction.
// Everything is offline: a shot is solved knowing all of its detections.
// Shots without detections are centred (or on the caller's fallback points) and still.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/shot_detector.h"  // Shot
#include "core/geometry.h"
#include "core/units.h"

namespace reelpack {

// Source picture and crop window, in source pixels. The window is fixed for the clip
// (the caller derives it from the output aspect, e.g. plan_reframe(...).crop): even
// width and height, at most the source's.
struct CropGeometry {
  Size source;
  Size window;
};

// One subject seen by a detector in one frame. Detections may be sparse in time (a few
// samples per second) and in any order.
struct Detection {
  int64_t frame = 0;
  Rect box_px;              // source pixels; clipped to the frame
  double confidence = 1.0;  // 0..1; below min_confidence the detection is ignored
  double weight = 1.0;      // importance, e.g. face size or speaking; >= 0
  int track_id = -1;        // the detector's identity for the subject; -1 when untracked
};

// A point the caller suggests for shots without detections (e.g. salient motion): the
// window centre in source pixels at `frame`.
struct FallbackCentre {
  int64_t frame = 0;
  double x_px = 0;
  double y_px = 0;
};

struct CameraPathInput {
  int64_t frame_count = 0;
  // [start_frame, end_frame) covering [0, frame_count) in order without gaps, as
  // shots_from_boundaries() returns them; empty means one shot.
  std::vector<Shot> shots;
  // Detections outside [0, frame_count), with an empty box, a NaN or negative weight or
  // below min_confidence are ignored.
  std::vector<Detection> detections;
  // For a shot without detections, the window centres on the median of the points that
  // fall inside it (the frame centre when none do).
  std::vector<FallbackCentre> fallback_centres;
};

enum class CameraMode {
  Stationary,  // one window for the whole shot
  Pan,         // a straight move from a start to an end position, eased at both ends
  Track,       // follows the target with limited speed and acceleration
  Fill,        // subjects too far apart and none dominant: letterbox or blur-fill the shot
};
const char* to_string(CameraMode mode);  // "stationary", "pan", "track", "fill"

struct ShotPlan {
  int64_t start_frame = 0;
  int64_t end_frame = 0;  // exclusive
  CameraMode mode = CameraMode::Stationary;
  // track_id of the subject framed when the window frames one tracked subject (alone in
  // the shot or chosen over others); -1 for a group, none, or an untracked subject.
  // `reason` says which, for logs and reports, e.g.
  // "2 subjects apart; framing track 3 (importance 2.00 vs 0.90)".
  int subject_track_id = -1;
  std::string reason;
  // The decision's figures, in source pixels: how far the framed subjects reach over the
  // whole shot (the union of their boxes with their margin, each way; 0x0 when nothing
  // is framed), against the window's size; and how far the window moves within the shot
  // (largest minus smallest position, each way; 0x0 for a still window).
  Size target_span_px;
  Size travel_px;
};

struct CameraPath {
  // One window per frame: all the same size (the geometry's window), x and y even, inside
  // the source. In a Fill shot, the centre window (the pipeline fills those frames).
  std::vector<Rect> window_per_frame;
  std::vector<ShotPlan> shots;
};

// Speeds and accelerations are fractions of the source extent along the moving axis (the
// width for x, the height for y) per second, so the defaults suit any resolution and rate.
struct CameraPathOptions {
  // The camera never moves faster than this: half the frame width per second, enough to
  // follow a brisk walk across a wide shot.
  double max_velocity = 0.5;
  // Nor changes speed faster than this (per second squared): a walking pace of about a
  // quarter of the frame per second is reached in half a second.
  double max_acceleration = 0.5;
  // While tracking, the target's centre may move this far either side of the window's
  // centre, as a fraction of the window's extent, before the camera moves (and once the
  // camera moves it re-centres the target). Detector noise stays far below it.
  double dead_zone = 0.1;
  // Room kept around each subject's box, as a fraction of the box's extent on that axis.
  double subject_margin = 0.1;
  // When the subjects do not fit one window together, the window frames the most
  // important one (with those that fit beside it) when their importance is at least this
  // many times that of the most important one left out; else the shot is Fill.
  double two_shot_dominance = 1.5;
  // Subjects less important than this fraction of the most important one are background
  // and neither framed nor counted as a second subject.
  double background_share = 0.25;
  // Detections below this confidence are ignored.
  double min_confidence = 0.3;
  // Running median of each subject's samples over this time window (centred).
  double filter_window_seconds = 1.0;
  // A pan accelerates and decelerates over this long (less in short shots).
  double pan_ease_seconds = 0.5;
  // Untracked detections join the nearest subject seen at most this long before, when
  // their boxes overlap or their centres are closer than the boxes' mean size.
  double association_gap_seconds = 1.0;
  // A tracking camera starts and ends each move over about this long: its reference is
  // smoothed by a centred running mean this long, twice. 0 leaves only the limits.
  double smoothing_seconds = 0.5;
  // A tracking camera holds again once the target has moved less than half the dead zone
  // over this long.
  double settle_seconds = 0.5;
};

class CameraPathSolver {
 public:
  // `frame_rate` of the frames being solved (the output frames) converts the options'
  // seconds to frames. Throws UsageError when the geometry (window not even, empty or
  // larger than the source), the frame rate (not positive) or an option is out of range.
  CameraPathSolver(CropGeometry geometry, Rational frame_rate, CameraPathOptions options = {});

  // Throws std::invalid_argument when the shots do not cover [0, frame_count) in order
  // or frame_count is negative.
  CameraPath solve(const CameraPathInput& input) const;

  const CropGeometry& geometry() const { return geometry_; }
  const CameraPathOptions& options() const { return options_; }

 private:
  CropGeometry geometry_;
  CameraPathOptions options_;
  double frames_per_second_ = 0;
};

}  // namespace reelpack
