#include "reframe/smart_reframe.h"

#include "reframe/analysis_cache.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/mathematics.h>
}

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "core/bounded_queue.h"
#include "core/error.h"
#include "media/av_error.h"
#include "media/bgr_converter.h"
#include "media/filter_chains.h"
#include "media/frame_end.h"
#include "media/input.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {

constexpr AVRational kMicros{1, 1'000'000};

// Frame-to-frame differences above this (0..255 grey) count as motion; sensor noise and
// compression flicker stay below it.
constexpr int kMotionThreshold = 25;
// A motion sample needs at least this share of the pixels changing per frame.
constexpr double kMotionMinShare = 0.001;
// Changes spread wider than this (standard deviation as a share of the frame width) are
// the whole picture changing (a cut, a pan, a flash), not a subject moving.
constexpr double kMotionMaxSpread = 0.22;
// In a shot without faces, motion becomes the camera's subject when it was seen at this
// share of the shot's sampling instants; sparser motion only suggests a still position.
constexpr double kMotionSubjectShare = 0.4;

// Sums of the positions of changed pixels over a face interval, for their centroid and
// spread.
struct MotionMoments {
  double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
  int frames = 0;
  void clear() { *this = {}; }
};

// Adds the changed pixels of one frame difference (absolute, grey).
void accumulate_motion(const cv::Mat& diff, MotionMoments& m) {
  for (int y = 0; y < diff.rows; ++y) {
    const uint8_t* row = diff.ptr<uint8_t>(y);
    double n = 0, sx = 0, sxx = 0;
    for (int x = 0; x < diff.cols; ++x) {
      if (row[x] > kMotionThreshold) {
        n += 1;
        sx += x;
        sxx += static_cast<double>(x) * x;
      }
    }
    m.n += n;
    m.sx += sx;
    m.sxx += sxx;
    m.sy += n * y;
    m.syy += n * static_cast<double>(y) * y;
  }
  ++m.frames;
}

// The moving region of one interval as a box in the small frame's pixels, or nothing
// when too little or the whole picture moved.
std::optional<cv::Rect2d> motion_box(const MotionMoments& m, cv::Size size) {
  if (m.frames == 0) return std::nullopt;
  if (m.n < kMotionMinShare * size.area() * m.frames) return std::nullopt;
  const double mx = m.sx / m.n, my = m.sy / m.n;
  const double sdx = std::sqrt(std::max(0.0, m.sxx / m.n - mx * mx));
  const double sdy = std::sqrt(std::max(0.0, m.syy / m.n - my * my));
  if (sdx > kMotionMaxSpread * size.width) return std::nullopt;
  // Changed pixels lie on a moving subject's leading and trailing edges: 1.8 standard
  // deviations either side of their centroid cover the subject.
  const double hx = std::max(1.8 * sdx, 0.03 * size.width);
  const double hy = std::max(1.8 * sdy, 0.05 * size.height);
  return cv::Rect2d(mx - hx, my - hy, 2 * hx, 2 * hy);
}

Rect to_source(const cv::Rect2d& r, double sx, double sy, Size source) {
  const int x0 = std::clamp(static_cast<int>(std::lround(r.x * sx)), 0, source.width_px);
  const int y0 = std::clamp(static_cast<int>(std::lround(r.y * sy)), 0, source.height_px);
  const int x1 =
      std::clamp(static_cast<int>(std::lround((r.x + r.width) * sx)), 0, source.width_px);
  const int y1 =
      std::clamp(static_cast<int>(std::lround((r.y + r.height) * sy)), 0, source.height_px);
  return {x0, y0, x1 - x0, y1 - y0};
}

// The samples of frames [first, end).
std::vector<SubjectSample> samples_between(const std::vector<SubjectSample>& samples, int64_t first,
                                           int64_t end) {
  std::vector<SubjectSample> out;
  for (const SubjectSample& s : samples) {
    if (s.frame >= first && s.frame < end) out.push_back(s);
  }
  return out;
}

// Frames' decoded pictures, in bytes (their buffers).
int64_t buffer_bytes(const AVFrame* frame) {
  int64_t bytes = 0;
  for (const AVBufferRef* b : frame->buf) {
    if (b) bytes += static_cast<int64_t>(b->size);
  }
  return bytes;
}

// Faces in the sampled frames, found on a worker thread so that detection runs beside
// the decoder instead of after it (the decode callback only scales and queues a frame).
// Frames are handled in the order they are submitted; the scheduling (which frames to
// sample) stays with the caller.
class FaceSampler {
 public:
  FaceSampler(const SmartAnalysisOptions& o, double to_src_x, double to_src_y, Size source)
      : detector_(o.faces),
        to_src_x_(to_src_x),
        to_src_y_(to_src_y),
        source_(source),
        profile_interval_us_(std::llround(o.profile_interval_seconds * 1e6)),
        full_scan_us_(std::llround(o.full_scan_seconds * 1e6)),
        empty_scan_us_(std::llround(o.empty_scan_seconds * 1e6)),
        queue_(8) {
    worker_ = std::thread([this] { run(); });
  }
  ~FaceSampler() {
    queue_.abort();
    if (worker_.joinable()) worker_.join();
  }
  FaceSampler(const FaceSampler&) = delete;
  FaceSampler& operator=(const FaceSampler&) = delete;

  // `image` (analysis size, BGR) is the sampler's from now on. `full`: scan the whole
  // frame whatever the schedule (a new shot).
  void submit(int64_t frame, int64_t t_us, cv::Mat image, bool full) {
    submitted_.push_back(frame);
    queue_.push({frame, t_us, std::move(image), full});
  }

  // The faces found in frames [first, end), once every frame submitted before `end` is
  // done (waits for the worker). Rethrows a detection error.
  std::vector<SubjectSample> faces_between(int64_t first, int64_t end) {
    const auto due = static_cast<size_t>(
        std::lower_bound(submitted_.begin(), submitted_.end(), end) - submitted_.begin());
    std::unique_lock lock(mutex_);
    progress_.wait(lock, [&] { return done_ >= due || error_; });
    if (error_) std::rethrow_exception(error_);
    return samples_between(faces_, first, end);
  }

  // The BlazeFace model the detector runs; empty when it runs the Haar cascades alone.
  const fs::path& face_model() const { return detector_.face_model(); }

  // Waits for the queued frames; the faces in frame order. Rethrows a detection error.
  std::vector<SubjectSample> finish() {
    queue_.close();
    if (worker_.joinable()) worker_.join();
    if (error_) std::rethrow_exception(error_);
    return std::move(faces_);
  }

 private:
  struct Job {
    int64_t frame = 0;
    int64_t t_us = 0;
    cv::Mat image;
    bool full = false;
  };

  void run() {
    try {
      while (auto job = queue_.pop()) {
        sample(*job);
        const std::lock_guard lock(mutex_);
        ++done_;
        progress_.notify_all();
      }
    } catch (...) {
      const std::lock_guard lock(mutex_);
      error_ = std::current_exception();
      queue_.abort();
      progress_.notify_all();
    }
  }

  // Around the faces of the last sample, or the whole frame when a full scan is due.
  void sample(const Job& job) {
    std::vector<SubjectBox> found;
    bool full = job.full || followed_.empty() || job.t_us >= next_full_us_;
    if (!full) {
      for (const cv::Rect& r : followed_) {
        for (const SubjectBox& b : detector_.detect_near(job.image, r)) {
          const bool again = std::any_of(found.begin(), found.end(), [&](const SubjectBox& f) {
            return (f.box & b.box).area() > 0;
          });
          if (!again) found.push_back(b);
        }
      }
      if (found.size() < followed_.size()) full = true;  // a face lost: look again now
    }
    if (full) {
      if (!job.full && followed_.empty() && job.t_us < next_full_us_) {
        return;  // nothing seen lately and no scan due: spare the frame
      }
      const bool profiles = job.t_us >= next_profile_us_;
      found = detector_.detect(job.image, profiles);
      if (profiles && found.empty()) next_profile_us_ = job.t_us + profile_interval_us_;
      next_full_us_ = job.t_us + (found.empty() ? empty_scan_us_ : full_scan_us_);
    }
    followed_.clear();
    const std::lock_guard lock(mutex_);
    for (const SubjectBox& b : found) {
      followed_.push_back(b.box);
      faces_.push_back({job.frame, to_source(cv::Rect2d(b.box), to_src_x_, to_src_y_, source_),
                        b.confidence, to_string(b.view)});
    }
  }

  SubjectDetector detector_;
  double to_src_x_, to_src_y_;
  Size source_;
  int64_t profile_interval_us_, full_scan_us_, empty_scan_us_;
  int64_t next_profile_us_ = INT64_MIN, next_full_us_ = INT64_MIN;
  std::vector<cv::Rect> followed_;  // faces of the last sample, analysis pixels
  std::vector<int64_t> submitted_;  // the frames submitted, in order (the caller's)
  std::mutex mutex_;                // guards faces_, done_ and error_
  std::condition_variable progress_;
  std::vector<SubjectSample> faces_;
  size_t done_ = 0;  // frames sampled (or spared) so far
  std::exception_ptr error_;
  BoundedQueue<Job> queue_;
  std::thread worker_;
};

int64_t to_us(int64_t pts, AVRational tb) {
  return av_rescale_q(pts, tb, kMicros);
}

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

// --- analysis -----------------------------------------------------------------------------

// The analysis of decoded frames as they come: shots on every frame, faces and motion at
// the sampling instants (see analyse_for_reframe()). Frames are pushed in decode order;
// the shots, faces and motion of the frames so far can be read while more come, for one
// pass smart reframing, and finish() returns the whole analysis.
class FrameAnalyser {
 public:
  FrameAnalyser(const fs::path& path, const MediaInfo& info, AVRational time_base,
                const SmartAnalysisOptions& opt)
      : opt_(opt), path_(path) {
    if (opt.width_px < 64 || opt.width_px % 2) {
      throw UsageError("smart reframe: the analysis width must be even and at least 64 px");
    }
    if (!(opt.face_interval_seconds > 0) || !(opt.profile_interval_seconds > 0) ||
        !(opt.full_scan_seconds > 0) || !(opt.empty_scan_seconds > 0)) {
      throw UsageError("smart reframe: detection intervals must be positive");
    }
    if (!info.video) throw UsageError(path.string() + ": has no video stream to reframe");
    const VideoInfo& v = *info.video;
    const int rotation = v.rotation_deg;
    if (rotation != 0 && rotation != 90 && rotation != 180 && rotation != 270) {
      throw UsageError(path.string() + ": --reframe smart: rotation " + std::to_string(rotation) +
                       " degrees is not a quarter turn; re-encode it upright first");
    }
    SmartAnalysis& a = a_;
    a.input = path;
    // Everything from here on is in display orientation, as the outputs are cropped.
    a.source = rotated_size({v.width_px, v.height_px}, rotation);
    const Rational fr = v.nominal_frame_rate();
    a.frame_rate = fr.num > 0 ? fr : Rational{30, 1};
    a.time_base = time_base;
    a.sample_seconds = opt.face_interval_seconds;

    // The analysis frame keeps the displayed aspect (non-square pixels are resampled).
    const PixelAspect par = rotated_aspect({v.sar.num, v.sar.den}, rotation);
    const double sar = par.num > 0 && par.den > 0 ? static_cast<double>(par.num) / par.den : 1.0;
    aw_ = opt.width_px;
    ah_ = even(aw_ * static_cast<double>(a.source.height_px) / (a.source.width_px * sar));
    sw_ = kShotAnalysisWidthPx;
    sh_ = even(sw_ * static_cast<double>(ah_) / aw_);
    small_to_src_x_ = static_cast<double>(a.source.width_px) / sw_;
    small_to_src_y_ = static_cast<double>(a.source.height_px) / sh_;
    to_small_.emplace(rotation, BgrConverter::Scaling::Fast, path.string());
    to_analysis_.emplace(rotation, BgrConverter::Scaling::Fast, path.string());
    if (opt.detect) {
      shots_.emplace(a.frame_rate, opt.shots);
      faces_.emplace(opt, static_cast<double>(a.source.width_px) / aw_,
                     static_cast<double>(a.source.height_px) / ah_, a.source);
      a.face_model = faces_->face_model();
      a.face_detector = a.face_model.empty() ? "haar" : "blazeface";
    }
    face_interval_us_ = std::llround(opt.face_interval_seconds * 1e6);
  }

  // The frames pushed so far: their timestamps, the motion samples and the analysis
  // settings (shots and faces are filled in by finish()).
  const SmartAnalysis& so_far() const { return a_; }

  void push(const AVFrame* f) {
    SmartAnalysis& a = a_;
    const int64_t index = a.frame_count();
    a.pts.push_back(f->pts);
    // The frame's end as the filter graph reckons it (FilterGraph::push).
    a.end_pts = std::max(a.end_pts, end_clock_.end_of(f));
    if (!opt_.detect) return;
    const int64_t t_us = to_us(f->pts, a.time_base);

    // Every frame at 256 px (shots, motion); sampled frames at the analysis width (faces).
    small_ = to_small_->convert(f, {sw_, sh_});
    shots_->push(small_);
    cv::cvtColor(small_, grey_, cv::COLOR_BGR2GRAY);
    bool likely_cut = false;
    if (!previous_grey_.empty()) {
      cv::absdiff(grey_, previous_grey_, diff_);
      // A cheap cut guess (the shot detector decides later): the picture changes far more
      // than it has been changing. Then the frame before is sampled, so the camera knows
      // where the subject was when the shot ended, and the new shot is sampled at once.
      const double change = cv::mean(diff_)[0];
      likely_cut = change > std::max(6.0, 4.0 * typical_change_);
      typical_change_ = likely_cut ? typical_change_ : 0.9 * typical_change_ + 0.1 * change;
      if (likely_cut) {
        if (last_sampled_ < index - 1) {
          sample_motion(index - 1);
          sample_faces(previous_frame_.get(), index - 1, previous_us_, false);
        }
        moments_.clear();  // no motion measured across a cut
        interval_first_ = index;
      } else {
        accumulate_motion(diff_, moments_);
      }
    }
    std::swap(grey_, previous_grey_);
    // The frame before is kept (a reference, not a copy) so that at a likely cut the
    // shot's last moments can be sampled too.
    av_frame_unref(previous_frame_.get());
    av::check(av_frame_ref(previous_frame_.get(), f), "keep a frame for analysis", path_.string());
    previous_us_ = t_us;

    if (t_us < next_face_us_ && !likely_cut) return;
    // A sampling instant: faces in this frame, motion over the interval that ends here.
    next_face_us_ =
        (next_face_us_ == INT64_MIN || likely_cut ? t_us : next_face_us_) + face_interval_us_;
    if (next_face_us_ <= t_us) next_face_us_ = t_us + face_interval_us_;  // after a gap
    sample_motion(index);
    sample_faces(f, index, t_us, likely_cut);
  }

  // The shot boundaries of the frames so far that no later frame can change, and the
  // frame before which that list is complete (see ShotDetector::settled()).
  ShotDetector::Settled settled() const {
    return shots_ ? shots_->settled() : ShotDetector::Settled{};
  }

  // The faces of frames [first, end) (every frame before `end` must have settled: waits
  // for the face detector to get there). Their motion is in so_far().motion already.
  std::vector<SubjectSample> faces_between(int64_t first, int64_t end) {
    return faces_ ? faces_->faces_between(first, end) : std::vector<SubjectSample>{};
  }

  // After the last frame. `actual`: the ranges the frames came from (RangeReader::actual),
  // empty for the whole input: each join is a shot boundary.
  SmartAnalysis finish(const std::vector<TimeRange>& actual) {
    SmartAnalysis& a = a_;
    if (a.pts.empty()) throw ProcessingError(path_.string() + ": no video frame could be decoded");
    if (opt_.detect && last_sampled_ < a.frame_count() - 1) {
      // The last frame too, as at a cut: else the camera holds the last sample's position
      // for up to a sampling interval, while a walking subject walks on out of the window.
      sample_motion(a.frame_count() - 1);
      sample_faces(previous_frame_.get(), a.frame_count() - 1, previous_us_, false);
    }
    av_frame_unref(previous_frame_.get());

    // Source-timeline times, and a boundary at each join of two ranges.
    std::vector<ShotBoundary> joins;
    a.source_us.resize(a.pts.size());
    size_t range = 0;
    int64_t offset_us = 0;
    for (size_t i = 0; i < a.pts.size(); ++i) {
      const int64_t t_us = to_us(a.pts[i], a.time_base);
      if (actual.empty()) {
        a.source_us[i] = t_us;
        continue;
      }
      while (range + 1 < actual.size() && t_us >= offset_us + actual[range].length_us()) {
        offset_us += actual[range].length_us();
        ++range;
        const auto frame = static_cast<int64_t>(i);
        joins.push_back({frame, TransitionKind::Cut, frame, frame, 0.0});
      }
      a.source_us[i] = actual[range].start_us + t_us - offset_us;
    }

    if (faces_) a.faces = faces_->finish();
    if (shots_) a.boundaries = shots_->finish();
    for (const ShotBoundary& j : joins) {
      const bool known = std::any_of(a.boundaries.begin(), a.boundaries.end(),
                                     [&](const ShotBoundary& b) { return b.frame == j.frame; });
      if (!known) a.boundaries.push_back(j);
    }
    std::sort(a.boundaries.begin(), a.boundaries.end(),
              [](const ShotBoundary& x, const ShotBoundary& y) { return x.frame < y.frame; });
    a.shots = shots_from_boundaries(a.boundaries, a.frame_count());
    return std::move(a);
  }

 private:
  void sample_faces(const AVFrame* frame, int64_t index, int64_t t_us, bool full) {
    faces_->submit(index, t_us, to_analysis_->convert(frame, {aw_, ah_}).clone(), full);
    last_sampled_ = index;
  }
  void sample_motion(int64_t frame) {
    if (const auto box = motion_box(moments_, cv::Size(sw_, sh_))) {
      a_.motion.push_back({(interval_first_ + frame) / 2,
                           to_source(*box, small_to_src_x_, small_to_src_y_, a_.source), 0.6,
                           "motion"});
    }
    moments_.clear();
    interval_first_ = frame;
  }

  SmartAnalysisOptions opt_;
  fs::path path_;
  SmartAnalysis a_;
  int aw_ = 0, ah_ = 0, sw_ = 0, sh_ = 0;
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

SmartAnalysis analyse_for_reframe(const fs::path& path, const std::vector<TimeRange>& ranges,
                                  const SmartAnalysisOptions& opt,
                                  const AnalysisProgress& progress) {
  // The frames as package() decodes them for the encode (loop filter and all), so that
  // one pass and two give the same analysis.
  InputFile input(path, DecodeOptions{true, false, false});
  FrameAnalyser analyser(path, input.info(), input.video_time_base(), opt);
  const InputFile::FrameSink sink = [&](StreamKind kind, AVFrame* f) {
    if (kind != StreamKind::Video || !f) return;
    analyser.push(f);
    if (progress) {
      progress(analyser.so_far().frame_count(), to_us(f->pts, analyser.so_far().time_base));
    }
  };
  if (ranges.empty()) {
    input.decode(sink);
    return analyser.finish({});
  }
  RangeReader reader(input, ranges);
  reader.run(sink);
  return analyser.finish(reader.actual());
}

// --- camera path --------------------------------------------------------------------------

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

// --- output frames ------------------------------------------------------------------------

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
    out.time_us[k] = a.source_us[s] + output_us - to_us(a.pts[s], a.time_base);
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

std::string haar_fallback_note() {
  return "smart reframing used OpenCV's Haar cascades: the BlazeFace face model is not "
         "installed (scripts/setup.sh installs it in /usr/local/share/reelpack/models), so "
         "heads tilted past 10 degrees and faces under about 30 px are often missed";
}

std::vector<ReframeShot> report_shots(const SmartAnalysis& a, const SmartPath& path) {
  std::vector<ReframeShot> out;
  const int64_t n = a.frame_count();
  const auto start_of = [&](int64_t frame) {
    return n == 0 ? int64_t{0} : a.source_us[std::clamp<int64_t>(frame, 0, n - 1)];
  };
  // The end of the shot's last frame: at a range join that is the end of the range, not
  // where the next range starts.
  const auto end_of = [&](int64_t frame) {
    if (n == 0 || frame <= 0) return start_of(0);
    const int64_t last = std::min(frame, n) - 1;
    const int64_t next_pts = last + 1 < n ? a.pts[last + 1] : a.end_pts;
    return a.source_us[last] + to_us(next_pts - a.pts[last], a.time_base);
  };
  for (const ShotPlan& s : path.shots) {
    out.push_back({s.start_frame, s.end_frame, start_of(s.start_frame), end_of(s.end_frame),
                   path.from_file ? "file" : to_string(s.mode), s.reason});
  }
  return out;
}

void add_smart_reframe(nlohmann::json& entry, const OutputReport& r) {
  nlohmann::json shots = nlohmann::json::array();
  for (const ReframeShot& s : r.reframe_shots) {
    shots.push_back({{"start_frame", s.start_frame},
                     {"end_frame", s.end_frame},
                     {"start_seconds", s.start_us / 1e6},
                     {"end_seconds", s.end_us / 1e6},
                     {"mode", s.mode},
                     {"reason", s.reason}});
  }
  entry["reframe_shots"] = shots;
  entry["crop_path"] =
      r.crop_path.empty() ? nlohmann::json() : nlohmann::json(r.crop_path.string());
}

// --- the pipeline's side ------------------------------------------------------------------

FrameWindows::FrameWindows(std::vector<int64_t> pts, std::vector<Rect> windows,
                           CropGeometry geometry)
    : pts_(std::move(pts)), windows_(std::move(windows)), geometry_(geometry) {
  if (pts_.empty() || pts_.size() != windows_.size()) {
    throw std::invalid_argument("FrameWindows: one window per frame, at least one frame");
  }
}

void FrameWindows::append(const std::vector<int64_t>& pts, const std::vector<Rect>& windows) {
  if (pts.size() != windows.size())
    throw std::invalid_argument("FrameWindows: one window per frame");
  const std::lock_guard lock(mutex_);
  pts_.insert(pts_.end(), pts.begin(), pts.end());
  windows_.insert(windows_.end(), windows.begin(), windows.end());
}

Rect FrameWindows::at(int64_t pts) const {
  const std::lock_guard lock(mutex_);
  if (pts_.empty()) throw std::logic_error("FrameWindows: no window placed yet");
  const auto it = std::upper_bound(pts_.begin(), pts_.end(), pts);
  const size_t i = it == pts_.begin() ? 0 : static_cast<size_t>(it - pts_.begin() - 1);
  return windows_[i];
}

void crop_to_window(AVFrame* frame, const Rect& w, const std::string& file) {
  if (w.x_px < 0 || w.y_px < 0 || w.x_px % 2 || w.y_px % 2 || w.width_px <= 0 || w.height_px <= 0 ||
      w.x_px + w.width_px > frame->width || w.y_px + w.height_px > frame->height) {
    throw ProcessingError(file + ": crop window " + std::to_string(w.width_px) + "x" +
                          std::to_string(w.height_px) + "+" + std::to_string(w.x_px) + "+" +
                          std::to_string(w.y_px) + " does not fit the " +
                          std::to_string(frame->width) + "x" + std::to_string(frame->height) +
                          " frame (does the picture size change mid-stream?)");
  }
  frame->crop_left = static_cast<size_t>(w.x_px);
  frame->crop_top = static_cast<size_t>(w.y_px);
  frame->crop_right = static_cast<size_t>(frame->width - w.x_px - w.width_px);
  frame->crop_bottom = static_cast<size_t>(frame->height - w.y_px - w.height_px);
  // Unaligned: the window's exact (even) position, not one rounded to SIMD alignment.
  av::check(av_frame_apply_cropping(frame, AV_FRAME_CROP_UNALIGNED), "crop a frame to its window",
            file);
}

std::unique_ptr<SmartReframe> SmartReframe::prepare(const PackageJob& job, const InputFile& input,
                                                    const std::vector<TimeRange>& ranges,
                                                    const std::vector<OutputPlan>& plans,
                                                    const AnalysisProgress& progress) {
  if (job.reframe != ReframeMode::Smart) {
    if (!job.crop_path_in.empty() || !job.crop_path_out.empty()) {
      throw UsageError(
          std::string(job.crop_path_in.empty() ? "--crop-path-out" : "--crop-path-in") +
          " needs --reframe smart (the window only moves in smart reframing)");
    }
    return nullptr;
  }
  if (!job.crop_path_out.empty()) {
    const fs::path dir =
        job.crop_path_out.parent_path().empty() ? fs::path(".") : job.crop_path_out.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      throw UsageError("--crop-path-out " + job.crop_path_out.string() + ": the folder " +
                       dir.string() + " does not exist; create it or choose another path");
    }
  }
  if (!job.crop_path_in.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(job.crop_path_in, ec)) {
      throw UsageError("--crop-path-in " + job.crop_path_in.string() +
                       ": no such file (write one with --crop-path-out and edit it)");
    }
  }
  auto smart = std::unique_ptr<SmartReframe>(new SmartReframe());
  smart->crop_path_in_ = job.crop_path_in;
  SmartAnalysisOptions options;
  // A path read in needs only the timestamps; so does a window as large as the picture
  // (an output of the source's own aspect), which cannot move.
  const bool can_move = std::any_of(plans.begin(), plans.end(), [](const OutputPlan& p) {
    return p.geometry.crop.x_px > 0 || p.geometry.crop.y_px > 0;
  });
  options.detect = job.crop_path_in.empty() && can_move;
  AnalysisReport& used = smart->analysis_report_;
  used.ran = true;
  used.cache = "off";
  // One pass (the frames analysed as they are decoded for the encode, each held until
  // its shot's camera is placed) when there is something to detect, on the whole input
  // or one range. Several ranges are analysed in a pass of their own: their joins are
  // boundaries known only once read.
  const bool one_pass = options.detect && ranges.size() <= 1 && job.smart_hold_bytes > 0;
  bool analysed = false;
  if (!job.analysis_cache_dir.empty()) {
    const AnalysisCache cache(job.analysis_cache_dir, job.analysis_cache_max_bytes);
    const AnalysisKey key = analysis_key(job.input, ranges, options);
    used.cache_file = cache.file_for(key);
    if (auto hit = cache.load(key, job.input, used.warnings)) {
      smart->analysis_ = std::move(*hit);
      used.cache = "hit";
      used.decode = "cache";
      analysed = true;
    } else if (one_pass) {
      smart->cache_key_ = std::make_unique<AnalysisKey>(key);
      smart->cache_dir_ = job.analysis_cache_dir;
      smart->cache_max_bytes_ = job.analysis_cache_max_bytes;
      used.cache = "miss";
    } else {
      smart->analysis_ = analyse_for_reframe(job.input, ranges, options, progress);
      const CachePruneResult pruned = cache.store(key, smart->analysis_, used.warnings);
      used.cache_pruned_entries = pruned.removed_entries;
      used.cache_pruned_bytes = pruned.removed_bytes;
      used.cache = "miss";
      analysed = true;
    }
  } else if (!one_pass) {
    smart->analysis_ = analyse_for_reframe(job.input, ranges, options, progress);
    analysed = true;
  }
  if (!analysed) {
    smart->analyser_ =
        std::make_unique<FrameAnalyser>(job.input, input.info(), input.video_time_base(), options);
    smart->analysis_ = smart->analyser_->so_far();
    smart->hold_limit_bytes_ = job.smart_hold_bytes;
    used.decode = "one pass";
    std::map<std::pair<int, int>, size_t> camera_for;
    for (const OutputPlan& plan : plans) {
      const Size window{plan.geometry.crop.width_px, plan.geometry.crop.height_px};
      const auto [it, added] =
          camera_for.emplace(std::pair{window.width_px, window.height_px}, smart->cameras_.size());
      if (added) {
        auto path = std::make_shared<SmartPath>();
        path->geometry = {smart->analysis_.source, window};
        smart->cameras_.push_back({window, path, std::make_shared<FrameWindows>(path->geometry)});
      }
      const Camera& c = smart->cameras_[it->second];
      smart->outputs_.push_back(
          {c.path, c.windows, Rational{plan.video.frame_rate.num, plan.video.frame_rate.den}});
    }
    return smart;
  }
  const SmartAnalysis& a = smart->analysis_;

  // Outputs with the same window (and, for a path read in, the same rate) share a path.
  std::map<std::tuple<int, int, int, int>, std::shared_ptr<const SmartPath>> paths;
  for (const OutputPlan& plan : plans) {
    const Size window{plan.geometry.crop.width_px, plan.geometry.crop.height_px};
    const Rational rate{plan.video.frame_rate.num, plan.video.frame_rate.den};
    const auto key = job.crop_path_in.empty()
                         ? std::tuple{window.width_px, window.height_px, 0, 0}
                         : std::tuple{window.width_px, window.height_px, rate.num, rate.den};
    auto& path = paths[key];
    if (!path) {
      path = std::make_shared<const SmartPath>(
          job.crop_path_in.empty() ? solve_smart_path(a, window)
                                   : read_smart_path(a, window, rate, job.crop_path_in));
    }
    smart->outputs_.push_back(
        {path, std::make_shared<const FrameWindows>(a.pts, path->windows, path->geometry), rate});
  }
  return smart;
}

SmartReframe::~SmartReframe() = default;

namespace {

// The analysis of frames [first, end) as an analysis of its own (frame `first` is its frame
// 0): whole shots, solved as solve_smart_path() solves them, shot by shot.
SmartAnalysis slice_of(const SmartAnalysis& so_far, int64_t first, int64_t end,
                       const std::vector<Shot>& shots, std::vector<SubjectSample> faces,
                       std::vector<SubjectSample> motion) {
  SmartAnalysis a;
  a.input = so_far.input;
  a.source = so_far.source;
  a.frame_rate = so_far.frame_rate;
  a.time_base = so_far.time_base;
  a.sample_seconds = so_far.sample_seconds;
  a.pts.assign(so_far.pts.begin() + first, so_far.pts.begin() + end);
  for (const Shot& s : shots) a.shots.push_back({s.start_frame - first, s.end_frame - first});
  for (SubjectSample& f : faces) f.frame -= first;
  for (SubjectSample& m : motion) m.frame -= first;
  a.faces = std::move(faces);
  a.motion = std::move(motion);
  return a;
}

}  // namespace

void SmartReframe::place(const SmartAnalysis& part, int64_t first) {
  for (Camera& c : cameras_) {
    SmartPath solved = solve_smart_path(part, c.window);
    for (ShotPlan& shot : solved.shots) {
      shot.start_frame += first;
      shot.end_frame += first;
    }
    c.path->windows.insert(c.path->windows.end(), solved.windows.begin(), solved.windows.end());
    c.path->shots.insert(c.path->shots.end(), solved.shots.begin(), solved.shots.end());
    c.windows->append(part.pts, solved.windows);
  }
}

void SmartReframe::take(AVFrame* frame, const Deliver& deliver) {
  if (!frame) {
    complete_one_pass(deliver);
    return;
  }
  analyser_->push(frame);
  if (!overflow_frame_) {
    av::FramePtr held(av_frame_clone(frame));  // a reference, not a copy of the pixels
    if (!held) throw std::bad_alloc();
    held_bytes_ += buffer_bytes(held.get());
    held_.push_back(std::move(held));
  }
  // Every third of a second: are more shots over?
  if (++frames_since_check_ < 10) return;
  frames_since_check_ = 0;
  const ShotDetector::Settled settled = analyser_->settled();
  const SmartAnalysis& so_far = analyser_->so_far();
  int64_t end = released_;
  std::vector<Shot> shots;
  for (const ShotBoundary& b : settled.boundaries) {
    if (b.frame <= released_) continue;
    shots.push_back({end, b.frame});
    released_boundaries_.push_back(b);
    end = b.frame;
  }
  if (end > released_) {
    place(slice_of(so_far, released_, end, shots, analyser_->faces_between(released_, end),
                   samples_between(so_far.motion, released_, end)),
          released_);
    if (!overflow_frame_) {
      const size_t n = static_cast<size_t>(end - released_);
      for (size_t i = 0; i < n; ++i) {
        held_bytes_ -= buffer_bytes(held_[i].get());
        deliver(held_[i].get());
      }
      held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    released_ = end;
  }
  if (!overflow_frame_ && held_bytes_ > hold_limit_bytes_) {
    // The shot (and the seconds after it that settle it) outgrew the memory allowed: the
    // frames not delivered are decoded again once the analysis is complete.
    overflow_frame_ = released_;
    held_.clear();
    held_bytes_ = 0;
  }
}

void SmartReframe::complete_one_pass(const Deliver& deliver) {
  SmartAnalysis a = analyser_->finish(ranges_read_);
  // The shots placed while decoding stand. They end at settled boundaries, which are the
  // final ones there (ShotDetector::settled()); the check confirms it.
  std::vector<ShotBoundary> boundaries = released_boundaries_;
  std::vector<int64_t> placed, final_placed;
  for (const ShotBoundary& b : released_boundaries_) placed.push_back(b.frame);
  for (const ShotBoundary& b : a.boundaries) {
    if (b.frame <= released_) {
      final_placed.push_back(b.frame);
    } else {
      boundaries.push_back(b);
    }
  }
  if (placed != final_placed) {
    analysis_report_.warnings.push_back(
        "smart reframe: the shots placed while decoding differ from the final analysis; "
        "the crop path keeps the ones placed");
  }
  a.boundaries = std::move(boundaries);
  a.shots = shots_from_boundaries(a.boundaries, a.frame_count());
  // The rest: finish() sampled the last frame, so its faces and motion come from `a`.
  const int64_t first = released_;
  if (a.frame_count() > first) {
    std::vector<Shot> rest;
    for (const Shot& sh : a.shots) {
      if (sh.start_frame >= first) rest.push_back(sh);
    }
    place(
        slice_of(a, first, a.frame_count(), rest, samples_between(a.faces, first, a.frame_count()),
                 samples_between(a.motion, first, a.frame_count())),
        first);
  }
  released_ = a.frame_count();
  analysis_ = std::move(a);
  if (overflow_frame_) {
    // package() decodes the rest again.
    analysis_report_.decoded_again_from_s =
        static_cast<double>(
            to_us(analysis_.pts.at(static_cast<size_t>(*overflow_frame_)), analysis_.time_base)) /
        1e6;
    return;
  }
  for (av::FramePtr& f : held_) deliver(f.get());
  held_.clear();
  held_bytes_ = 0;
  deliver(nullptr);
}

void SmartReframe::store_analysis() {
  // Not before complete_one_pass() (pts empty): a run stopped half-way analysed half.
  if (!cache_key_ || analysis_.pts.empty()) return;
  const CachePruneResult pruned = AnalysisCache(cache_dir_, cache_max_bytes_)
                                      .store(*cache_key_, analysis_, analysis_report_.warnings);
  analysis_report_.cache_pruned_entries = pruned.removed_entries;
  analysis_report_.cache_pruned_bytes = pruned.removed_bytes;
  cache_key_.reset();
}

std::optional<int64_t> SmartReframe::decode_again_from() const {
  if (!overflow_frame_) return std::nullopt;
  return analysis_.pts.at(static_cast<size_t>(*overflow_frame_));
}

std::shared_ptr<const FrameWindows> SmartReframe::windows(size_t index) const {
  return outputs_.at(index).windows;
}

fs::path SmartReframe::crop_path_for(const PackageJob& job, size_t index) {
  if (job.outputs.size() <= 1) return job.crop_path_out;
  const fs::path& p = job.crop_path_out;
  return p.parent_path() /
         (p.stem().string() + "." + job.outputs.at(index).preset.name + p.extension().string());
}

void SmartReframe::finish(const PackageJob& job, PackageReport& report) const {
  report.analysis = analysis_report_;
  report.face_detector = analysis_.face_detector;
  // One pass that stopped before the end of the video (every output failed) has placed
  // some shots but has no analysis to give their times: none are reported.
  const bool analysed = !analysis_.pts.empty();
  for (size_t i = 0; i < report.outputs.size() && i < outputs_.size(); ++i) {
    OutputReport& r = report.outputs[i];
    const Output& o = outputs_[i];
    if (analysed) r.reframe_shots = report_shots(analysis_, *o.path);
    if (job.crop_path_out.empty() || !r.ok) continue;
    const fs::path file = crop_path_for(job, i);
    try {
      // One row per frame the output really holds.
      const OutputFrames frames = output_frames(analysis_, o.rate, r.video_frames);
      write_crop_path(file, output_windows(*o.path, frames), frames.times());
      r.crop_path = file;
    } catch (const Error& e) {
      r.ok = false;
      r.error = e.what();
    }
  }
}

}  // namespace reelpack
