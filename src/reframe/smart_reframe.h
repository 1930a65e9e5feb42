// Smart reframing (--reframe smart): a window of the centre crop's size that follows the
// subjects, placed per source frame by an analysis pass before the encode.
//
//   SmartAnalysis a = analyse_for_reframe("ep01.mov", {});          // decode once at 480 px
//   SmartPath path = solve_smart_path(a, {608, 1080});              // one window per frame
//   OutputFrames out = output_frames(a, {30, 1});                   // what each output frame shows
//   write_crop_path("ep01.crop.csv", output_windows(path, out), out.times());
//
// The analysis decodes the video (only the package's ranges, re-timed exactly as package()
// re-times them), scales each frame to 480 px wide and
//  - finds shot boundaries on every frame (ShotDetector, at 256 px), plus one at each
//    range join;
//  - finds faces (SubjectDetector) every face_interval_seconds: a scan of the whole frame
//    every full_scan_seconds (empty_scan_seconds while none is seen; profiles when no
//    frontal face is found, at most every profile_interval_seconds), and in between each
//    face found is followed by a scan of the region around it (a few times cheaper);
//  - measures motion: the centroid and spread of frame-to-frame differences over each
//    face interval, for shots where no face is seen (a person walking, a car).
// Boxes are scaled from the 480-px frame to source pixels (display orientation, see
// below). CameraPathSolver then places the window per shot: on faces where there are
// any, else following the motion, else centred.
//
// In package(), SmartReframe ties this to the outputs: each smart output's frames are
// cropped to their window (crop_to_window, per frame, after the output's source graph and
// before its scaling graph) or, in blur-fill shots, drawn whole over a blurred fill (see
// SmartFilterChains in media/filter_chains.h); crop paths are written and read, and the
// per-shot camera modes go into the report.
//
// Rotated (phone) inputs are analysed in display orientation (each analysis frame is
// turned as a player turns it) and their windows are in display pixels: the outputs'
// source graph rotates each frame before it is cropped, as --reframe center rotates
// before its crop.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/camera_path.h"
#include "analysis/shot_detector.h"
#include "analysis/subject_detector.h"
#include "core/geometry.h"
#include "core/units.h"
#include "edit/ranges.h"
#include "media/av_ptr.h"
#include "media/input.h"
#include "package/package.h"
#include "reframe/crop_path_io.h"

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
};

using AnalysisProgress = std::function<void(int64_t frames, int64_t position_us)>;

// Decodes `input` (only `ranges` when not empty) and analyses it in display orientation.
// Throws UsageError when the face cascades are missing (with detection on) or the rotation
// is not a quarter turn.
SmartAnalysis analyse_for_reframe(const std::filesystem::path& input,
                                  const std::vector<TimeRange>& ranges,
                                  const SmartAnalysisOptions& options = {},
                                  const AnalysisProgress& progress = {});

// One window per analysed frame, all of `window`'s size except in blur-fill shots (mode
// fill: subjects too far apart to frame and none dominant), whose frames have the whole
// picture as their window and are drawn as --reframe blur draws every frame.
struct SmartPath {
  CropGeometry geometry;
  std::vector<Rect> windows;
  std::vector<ShotPlan> shots;  // the camera's plan per shot (frames are analysed frames)
  bool from_file = false;       // read from a crop path file, not solved
};

// The camera's options for this analysis: the defaults, except that each subject's box is
// the running median of only three samples (0.4 s: faces are sampled five times a second
// and a second-long median would lag a moving subject at the end of a short shot), and
// tracking moves ease in and out over 0.8 s rather than 0.5 s.
CameraPathOptions smart_camera_options();

SmartPath solve_smart_path(const SmartAnalysis& analysis, Size window,
                           const CameraPathOptions& options = smart_camera_options());

// Which analysed frame each output frame at `rate` shows, as the fps filter picks it (the
// last frame whose timestamp, rounded to the output rate, is at or before the output
// frame's), and the output frame's time on the source timeline.
struct OutputFrames {
  Rational rate;
  std::vector<int64_t> source_frame;
  std::vector<int64_t> time_us;
  int64_t count() const { return static_cast<int64_t>(source_frame.size()); }
  // For the crop path files: the source-timeline times, or (when ranges out of order make
  // them go back) the output timeline's.
  FrameTimes times() const;
};

// `count` < 0: as many as the fps filter makes from the analysed frames.
OutputFrames output_frames(const SmartAnalysis& analysis, Rational rate, int64_t count = -1);

// The window of each output frame (the window of the source frame it shows).
std::vector<Rect> output_windows(const SmartPath& path, const OutputFrames& frames);

// A crop path a person edited (rows per output frame at `rate`, sparse keyframes
// interpolated by read_crop_path()), as one window per analysed frame: each source frame
// takes the window of the first output frame that shows it.
SmartPath read_smart_path(const SmartAnalysis& analysis, Size window, Rational rate,
                          const std::filesystem::path& csv);

// --- the pipeline's side -----------------------------------------------------------------

// The window of each frame as package() hands it to an output, looked up by timestamp.
// A blur-fill frame's window is the whole picture (see is_fill_window()). In one-pass
// smart reframing the windows are appended shot by shot while the encoders read them:
// both are safe from different threads.
class FrameWindows {
 public:
  explicit FrameWindows(CropGeometry geometry) : geometry_(geometry) {}
  FrameWindows(std::vector<int64_t> pts, std::vector<Rect> windows, CropGeometry geometry);
  // The windows of the next frames, in timestamp order.
  void append(const std::vector<int64_t>& pts, const std::vector<Rect>& windows);
  // The window of the frame with this timestamp (or of the last frame before it). Throws
  // std::logic_error when no window is placed yet.
  Rect at(int64_t pts) const;
  // The frame is drawn whole over a blurred fill rather than cropped to `window`.
  bool is_fill(const Rect& window) const { return is_fill_window(window, geometry_); }

 private:
  mutable std::mutex mutex_;
  std::vector<int64_t> pts_;
  std::vector<Rect> windows_;
  CropGeometry geometry_;
};

// Crops `frame` (a reference of the output's own; the pixels are shared, not touched) to
// `window` by moving its data pointers: x and y even. Throws ProcessingError naming `file`
// when the window does not fit the frame.
void crop_to_window(AVFrame* frame, const Rect& window, const std::string& file);

class FrameAnalyser;  // smart_reframe.cpp
struct AnalysisKey;   // reframe/analysis_cache.h

// Everything package() does for --reframe smart.
class SmartReframe {
 public:
  ~SmartReframe();
  // nullptr when the job is not smart. Checks the options (a crop path without smart
  // reframing is a UsageError), runs the analysis (timestamps only when the job reads
  // its crop path from a file, read from job.analysis_cache_dir when cached there) and
  // places every smart output's windows. `progress` is told of the analysis pass as it goes.
  // `input`: package()'s own, whose decoder a one-pass analysis takes its frames from.
  static std::unique_ptr<SmartReframe> prepare(const PackageJob& job, const InputFile& input,
                                               const std::vector<TimeRange>& ranges,
                                               const std::vector<OutputPlan>& plans,
                                               const AnalysisProgress& progress = {});

  // The windows output `index` (of the job's outputs) crops its frames to.
  std::shared_ptr<const FrameWindows> windows(size_t index) const;

  // One pass: the analysis was not run by prepare() (nor read from the cache) but runs
  // on the frames package() decodes for the encode. package() then hands every decoded
  // video frame (and nullptr at the end of the video) to take() instead of to its
  // outputs; take() holds each frame until its shot is over, places the windows of the
  // shot and calls `deliver` with its frames in order, and at the end with nullptr.
  bool one_pass() const { return analyser_ != nullptr; }
  using Deliver = std::function<void(AVFrame*)>;
  void take(AVFrame* frame, const Deliver& deliver);
  // With a --range: the span it read on the source timeline (RangeReader::actual()), for
  // the crop path's times; before take(nullptr).
  void set_ranges_read(std::vector<TimeRange> actual) { ranges_read_ = std::move(actual); }
  // After take(nullptr): when the frames held outgrew job.smart_hold_bytes, the frames
  // from this timestamp on were not delivered (nor the end): package() decodes them
  // again (with a --range, the range again from its start, dropping the frames before)
  // and delivers them itself (their windows are placed by now).
  std::optional<int64_t> decode_again_from() const;
  // One pass: the frames held outgrew the memory allowed, so from here on the input is
  // only analysed, and decoded again from decode_again_from() once that is done.
  bool overflowed() const { return overflow_frame_.has_value(); }
  // After the decode ended without an error: keeps the analysis in job.analysis_cache_dir
  // when the job has one. Not from take(nullptr): the input is judged (cut short, say)
  // only after its last frame was taken.
  void store_analysis();

  // After the run: writes each successful output's crop path when the job asks for one
  // (an output whose path cannot be written is marked failed) and reports the shots.
  void finish(const PackageJob& job, PackageReport& report) const;

  // Where output `index`'s crop path goes: job.crop_path_out for a single output, else
  // <stem>.<preset><ext> beside it.
  static std::filesystem::path crop_path_for(const PackageJob& job, size_t index);

  const SmartAnalysis& analysis() const { return analysis_; }

 private:
  struct Output {
    std::shared_ptr<const SmartPath> path;
    std::shared_ptr<const FrameWindows> windows;
    Rational rate;
  };
  // One window size: the path its outputs share, and (one pass) its growing windows.
  struct Camera {
    Size window;
    std::shared_ptr<SmartPath> path;
    std::shared_ptr<FrameWindows> windows;
  };
  // One pass: places the windows of `part`, whole shots whose frame 0 is frame `first`.
  void place(const SmartAnalysis& part, int64_t first);
  void complete_one_pass(const Deliver& deliver);

  SmartAnalysis analysis_;
  AnalysisReport analysis_report_;
  std::vector<Output> outputs_;
  std::filesystem::path crop_path_in_;
  // One pass.
  std::unique_ptr<FrameAnalyser> analyser_;
  std::vector<Camera> cameras_;
  std::vector<av::FramePtr> held_;  // frames [released_, released_ + held_.size())
  int64_t held_bytes_ = 0;
  int64_t hold_limit_bytes_ = 0;
  int64_t released_ = 0;  // frames delivered (or, after an overflow, placed) so far
  std::vector<ShotBoundary> released_boundaries_;
  std::optional<int64_t> overflow_frame_;  // the first frame not delivered
  int64_t frames_since_check_ = 0;
  std::unique_ptr<AnalysisKey> cache_key_;
  std::filesystem::path cache_dir_;
  int64_t cache_max_bytes_ = 0;
  std::vector<TimeRange> ranges_read_;
};

// Adds a smart output's "reframe_shots" (start/end frame and seconds, mode, reason) and
// "crop_path" to its entry in package()'s JSON report.
void add_smart_reframe(nlohmann::json& entry, const OutputReport& report);

// What to tell a user whose analysis ran the Haar cascades (face_detector "haar").
std::string haar_fallback_note();

// The path's shots as package() reports them.
std::vector<ReframeShot> report_shots(const SmartAnalysis& analysis, const SmartPath& path);

}  // namespace reelpack
