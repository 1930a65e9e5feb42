// What smart reframing knows of a video before it places the window: its frames'
// timestamps, shot boundaries, faces and motion, in display orientation and source pixels.
//
//   SmartAnalysis a = analyse_for_reframe("ep01.mov", {});   // decode once at 480 px
//   for (const SubjectSample& face : a.faces) use(face.frame, face.box_px);
//
// The analysis decodes the video (only the package's ranges, re-timed exactly as package()
// re-times them), scales each frame to 480 px wide and
//  - finds shot boundaries on every frame (ShotDetector, at 256 px), plus one at each
//    range join;
//  - finds faces (SubjectDetector) every face_interval_seconds: a scan of the whole frame
//    every full_scan_seconds (empty_scan_seconds while none is seen; profiles when no
//    frontal face is found, at most every profile_interval_seconds), and in between each
//    face found is followed by a scan of the region around it (a few times cheaper;
//    reframe/face_sampler.h);
//  - measures motion: the centroid and spread of frame-to-frame differences over each
//    face interval, for shots where no face is seen (a person walking, a car;
//    reframe/motion.h).
// Boxes are scaled from the analysis frame to source pixels (display orientation: each
// analysis frame is turned as a player turns it). FrameAnalyser (reframe/frame_analyser.h)
// does the work frame by frame; analyse_for_reframe() runs it over a decode of its own.
#pragma once

extern "C" {
#include <libavutil/rational.h>
}

#include <cstdint>
#include <filesystem>
#include <functional>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "analysis/shot_detector.h"
#include "analysis/subject_detector.h"
#include "core/geometry.h"
#include "core/units.h"
#include "edit/ranges.h"

namespace reelpack {

struct SmartAnalysisOptions {
  int width_px = 480;                  // analysis frame width (faces, motion)
  double face_interval_seconds = 0.2;  // faces (and motion) sampled this often
  // Faces once found are followed between samples by looking only around them
  // (SubjectDetector::detect_near); the whole frame is scanned for new ones this often,
  // and at once when a followed face is lost or the picture jumps (a likely cut)...
  double full_scan_seconds = 2.0;
  // ...and this often while no face is seen.
  double empty_scan_seconds = 0.6;
  // Profile passes run in a full scan that finds no frontal face, at most this often.
  double profile_interval_seconds = 1.2;
  // false: only the frames' timestamps (enough to apply a crop path read from a file).
  bool detect = true;
  bool allow_truncated = false;  // read a truncated input as far as it goes (DecodeOptions)
  SubjectDetectorOptions faces;
  ShotDetectorOptions shots;
};

// A subject seen in one frame, in source pixels (display orientation).
struct SubjectSample {
  int64_t frame = 0;  // analysed frame index
  Rect box_px;
  double confidence = 0;
  std::string kind;  // "frontal", "profile", "tilted" (faces) or "motion"
};

struct SmartAnalysis {
  std::filesystem::path input;
  Size source;                 // the picture as displayed (rotation applied): the windows' space
  Rational frame_rate;         // the source's nominal rate (the camera's speed limits use it)
  AVRational time_base{1, 1};  // of `pts` and `end_pts`
  // Per analysed frame, in decode (= presentation) order: the timestamp package() hands
  // the frame to its outputs with (ranges joined on one timeline from zero), and its time
  // on the source timeline.
  std::vector<int64_t> pts;
  std::vector<int64_t> source_us;
  int64_t end_pts = 0;  // end of the last frame (its pts + duration)
  std::vector<ShotBoundary> boundaries;
  std::vector<Shot> shots;
  std::vector<SubjectSample> faces;
  std::vector<SubjectSample> motion;
  double sample_seconds = 0.2;  // faces and motion were sampled this often
  // Which face detector ran: "blazeface" (face_model is its file), "haar" (the model is
  // not installed: OpenCV's cascades alone), or empty (no detection: a crop path read in).
  std::string face_detector;
  std::filesystem::path face_model;
  int64_t frame_count() const { return static_cast<int64_t>(pts.size()); }
  // A timestamp in time_base, in microseconds.
  int64_t to_us(int64_t pts_in_time_base) const;
};

using AnalysisProgress = std::function<void(int64_t frames, int64_t position_us)>;

// Decodes `input` (only `ranges` when not empty) and analyses it in display orientation.
// Throws UsageError when the face cascades are missing (with detection on) or the rotation
// is not a quarter turn.
SmartAnalysis analyse_for_reframe(const std::filesystem::path& input,
                                  const std::vector<TimeRange>& ranges,
                                  const SmartAnalysisOptions& options = {},
                                  const AnalysisProgress& progress = {});

// The samples of frames [first, end).
std::vector<SubjectSample> samples_between(const std::vector<SubjectSample>& samples, int64_t first,
                                           int64_t end);

// A box found in an analysis frame, scaled by (sx, sy) to source pixels and clamped to
// the source picture.
Rect to_source(const cv::Rect2d& box, double sx, double sy, Size source);

// What to tell a user whose analysis ran the Haar cascades (face_detector "haar").
std::string haar_fallback_note();

}  // namespace reelpack
