#include "stills/covers.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "analysis/shot_detector.h"
#include "core/error.h"
#include "media/bgr_converter.h"
#include "media/filter_chains.h"
#include "media/image_writer.h"
#include "stills/stills.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {

// Width of the small frames that show whether the picture holds after a candidate.
constexpr int kWindowWidthPx = 128;
// Covers wanted up to which the checked frames are held at full size between find() and
// render() (a 1080p frame is 6 MiB).
constexpr int kMaxHeldFrames = 8;
// Small frames dense sampling keeps at most (the best by quality; 0.4 MiB each at 480 px).
constexpr size_t kMaxDenseFrames = 64;

int64_t frame_time_us(const AVFrame* f, AVRational tb) {
  return av_rescale_q(f->pts, tb, AV_TIME_BASE_Q);
}

bool inside(const std::vector<TimeRange>& ranges, int64_t t_us) {
  if (ranges.empty()) return true;
  return std::any_of(ranges.begin(), ranges.end(),
                     [&](const TimeRange& r) { return t_us >= r.start_us && t_us < r.end_us; });
}

// The end of the range holding t_us (or of the input).
int64_t range_end(const std::vector<TimeRange>& ranges, int64_t t_us, int64_t duration_us) {
  for (const TimeRange& r : ranges) {
    if (t_us >= r.start_us && t_us < r.end_us) return r.end_us;
  }
  return duration_us > 0 ? duration_us : INT64_MAX;
}

// Candidates with their small frames, in arrival order. Frames are kept for at most `cap`
// candidates (the best by quality), so memory stays bounded whatever the input's length.
struct CandidateSet {
  size_t cap = 0;
  std::vector<CoverCandidate> candidates;
  std::vector<cv::Mat> frames;
  size_t with_frames = 0;

  void add(int64_t t_us, bool keyframe, const cv::Mat& small, const FrameScoreOptions& so) {
    CoverCandidate c;
    c.time_us = t_us;
    c.keyframe = keyframe;
    c.score = score_frame(small, so);
    c.histogram = colour_histogram(small);
    c.layout = layout_signature(small);
    candidates.push_back(std::move(c));
    frames.push_back(small.clone());
    if (++with_frames > cap) {
      size_t worst = frames.size();
      for (size_t i = 0; i < frames.size(); ++i) {
        if (frames[i].empty()) continue;
        if (worst == frames.size() ||
            candidates[i].score.quality < candidates[worst].score.quality) {
          worst = i;
        }
      }
      frames[worst].release();
      --with_frames;
    }
  }

  // Sorts by time (keyframes arrive in order; merged samples may not), dropping repeats.
  void sort_and_dedupe() {
    std::vector<size_t> order(candidates.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return candidates[a].time_us < candidates[b].time_us;
    });
    std::vector<CoverCandidate> c;
    std::vector<cv::Mat> f;
    for (size_t i : order) {
      if (!c.empty() && candidates[i].time_us - c.back().time_us < 50'000) continue;
      c.push_back(std::move(candidates[i]));
      f.push_back(std::move(frames[i]));
    }
    candidates = std::move(c);
    frames = std::move(f);
  }
};

// The time the candidates cover: the ranges' total, or the input's duration.
int64_t sampled_span_us(const MediaInfo& info, const std::vector<TimeRange>& ranges) {
  if (ranges.empty()) return info.duration_us;
  int64_t span_us = 0;
  for (const TimeRange& r : ranges) span_us += r.length_us();
  return span_us;
}

// The score options, with the cover region of the narrowest cover to be made.
FrameScoreOptions scoring_options(const CoverSearchOptions& o, const VideoInfo& v) {
  FrameScoreOptions score_options = o.score;
  if (!o.cover_sizes.empty()) {
    const Size source{v.display_width_px(), v.display_height_px()};
    score_options.cover_region = {0, 0, 1, 1};
    for (const Size& s : o.cover_sizes) {
      const cv::Rect2d r = cover_region(source, s, o.reframe);
      if (r.area() < score_options.cover_region.area()) score_options.cover_region = r;
    }
  }
  return score_options;
}

using FrameTake = std::function<void(int64_t t_us, const AVFrame* f)>;

// Hands every decoded video frame of `in` (only those of `ranges` when given) to `take`,
// counting them in `frames_decoded`.
void read_video(InputFile& in, const std::vector<TimeRange>& ranges, int64_t& frames_decoded,
                const FrameTake& take) {
  const AVRational tb = in.video_time_base();
  const auto sink = [&](StreamKind kind, AVFrame* f) {
    if (kind != StreamKind::Video || !f) return;
    ++frames_decoded;
    take(frame_time_us(f, tb), f);
  };
  if (ranges.empty()) {
    while (in.read_some(sink)) {
    }
    return;
  }
  for (const TimeRange& r : ranges) {
    in.seek_to(r.start_us);
    int64_t last_us = INT64_MIN;
    while (last_us < r.end_us && in.read_some([&](StreamKind kind, AVFrame* f) {
      if (kind == StreamKind::Video && f) last_us = frame_time_us(f, tb);
      sink(kind, f);
    })) {
    }
  }
}

// Fewer keyframes than this switch to dense sampling: 3 x count, and in a span short
// enough to decode in full, one per dense_density_us.
int wanted_candidates(const CoverSearchOptions& o, int64_t span_us) {
  int64_t wanted = 3 * static_cast<int64_t>(o.count);
  if (span_us > 0 && span_us <= o.dense_max_span_us && o.dense_density_us > 0) {
    wanted = std::max(wanted, (span_us + o.dense_density_us - 1) / o.dense_density_us);
  }
  return static_cast<int>(std::min<int64_t>(wanted, 100'000));
}

// The time grid of dense sampling, `step` apart over the input or its ranges (every
// min_spacing_us when the duration is unknown).
std::vector<int64_t> dense_grid_us(const CoverSearchOptions& o, int64_t span_us, int64_t step) {
  std::vector<int64_t> times;
  if (o.ranges.empty() && span_us > 0) {
    for (int64_t t = step / 2; t < span_us; t += step) times.push_back(t);
  } else if (o.ranges.empty()) {
    step = std::max<int64_t>(o.min_spacing_us, 100'000);
    for (int k = 0; k < 10'000; ++k) times.push_back(k * step);
  } else {
    for (const TimeRange& r : o.ranges) {
      for (int64_t t = r.start_us + step / 2; t < r.end_us; t += step) times.push_back(t);
    }
  }
  return times;
}

// What the sampling passes share: the input, the options and the sizes frames are taken at.
struct Sampling {
  const fs::path& path;
  const CoverSearchOptions& o;
  const VideoInfo& v;
  FrameScoreOptions score_options;
  cv::Size small_size;
  cv::Size window_size;
  int64_t span_us = 0;

  BgrConverter converter() const {
    return BgrConverter(v.rotation_deg, BgrConverter::Scaling::Quality, path.string());
  }
};

// The keyframes as candidates.
void sample_keyframes(const Sampling& s, InputFile& key_input, CandidateSet& set,
                      int64_t& frames_decoded) {
  BgrConverter to_bgr = s.converter();
  read_video(key_input, s.o.ranges, frames_decoded, [&](int64_t t_us, const AVFrame* f) {
    if (inside(s.o.ranges, t_us))
      set.add(t_us, f->key_frame != 0, to_bgr.convert(f, s.small_size), s.score_options);
  });
}

// Shot detection over the frames of a dense pass: every frame at 256 px to ShotDetector,
// the frames' times kept (8 bytes a frame: the span is short) to place its cuts.
class DenseShots {
 public:
  explicit DenseShots(const Sampling& s)
      : detector_(rate(s.v)),
        size_(display_size_at_width(s.v, kShotAnalysisWidthPx)),
        to_small_(s.v.rotation_deg, BgrConverter::Scaling::Fast, s.path.string()) {
    // Where one range joins the next: a cut of the cover's timeline.
    for (size_t r = 1; r < s.o.ranges.size(); ++r) joins_.push_back(s.o.ranges[r].start_us);
  }

  void push(int64_t t_us, const AVFrame* f) {
    detector_.push(to_small_.convert(f, size_));
    frame_us_.push_back(t_us);
  }

  // The cuts on the source timeline, sorted: the detector's, and each join of two ranges
  // (the frame indices of the detector count the frames pushed, range after range).
  std::vector<CoverCut> finish() {
    std::vector<CoverCut> cuts;
    if (frame_us_.empty()) return cuts;
    const auto at = [&](int64_t frame) {
      return frame_us_[static_cast<size_t>(
          std::clamp<int64_t>(frame, 0, static_cast<int64_t>(frame_us_.size()) - 1))];
    };
    for (const ShotBoundary& b : detector_.finish()) {
      cuts.push_back({at(b.frame), at(b.span_start), at(b.span_end)});
    }
    for (int64_t t : joins_) cuts.push_back({t, t, t});
    std::sort(cuts.begin(), cuts.end(),
              [](const CoverCut& a, const CoverCut& b) { return a.time_us < b.time_us; });
    return cuts;
  }

 private:
  static Rational rate(const VideoInfo& v) {
    const Rational r = v.nominal_frame_rate();
    return r.num > 0 && r.den > 0 ? r : Rational{30, 1};
  }
  ShotDetector detector_;
  cv::Size size_;
  BgrConverter to_small_;
  std::vector<int64_t> frame_us_;
  std::vector<int64_t> joins_;
};

// Cuts between two consecutive window samples (a fifth of a second apart): colours or
// layouts that jump as window_verdict() judges a cut. ShotDetector's frame-to-frame
// measure, made for pictures of ordinary brightness, can miss a cut between two shots of
// one dim set (mostly dark pixels on both sides), or take a cut between two close-ups at
// about the same place for a camera move.
std::vector<CoverCut> sample_jumps(const std::vector<WindowSample>& w, const CoverPickOptions& o) {
  std::vector<CoverCut> cuts;
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i].time_us - w[i - 1].time_us > 2 * o.window_step_us) continue;  // a range's join
    if (window_verdict({w[i - 1], w[i]}, o) == "cut") {
      cuts.push_back({w[i].time_us, w[i - 1].time_us, w[i].time_us});
    }
  }
  return cuts;
}

// The detector's cuts, and those of `more` that are not within half a second of one.
std::vector<CoverCut> merge_cuts(std::vector<CoverCut> cuts, const std::vector<CoverCut>& more) {
  const size_t detected = cuts.size();
  for (const CoverCut& m : more) {
    const bool known = std::any_of(cuts.begin(), cuts.begin() + static_cast<long>(detected),
                                   [&](const CoverCut& k) {
                                     return m.span_end_us >= k.span_start_us - 500'000 &&
                                            m.span_start_us <= k.span_end_us + 500'000;
                                   });
    if (!known) cuts.push_back(m);
  }
  std::sort(cuts.begin(), cuts.end(),
            [](const CoverCut& a, const CoverCut& b) { return a.time_us < b.time_us; });
  return cuts;
}

// The span decoded again (no loop filter), the candidates taken on a time grid; the
// windows' small frames are sampled in the same pass. A span of up to dense_max_span_us
// is decoded frame by frame for ShotDetector (search.cuts); a longer one only its
// reference frames, on a coarser grid.
void sample_dense(const Sampling& s, CandidateSet& set, std::vector<WindowSample>& window_samples,
                  CoverSearch& search) {
  const CoverSearchOptions& o = s.o;
  const bool every_frame = s.span_us > 0 && s.span_us <= o.dense_max_span_us;
  search.reference_only = !every_frame;
  const int64_t step =
      every_frame
          ? o.dense_step_us
          : std::max(o.dense_step_us,
                     s.span_us / (2 * std::max(o.max_candidates, search.wanted_candidates)));
  const std::vector<int64_t> times = dense_grid_us(o, s.span_us, std::max<int64_t>(step, 1));
  // Small frames (for the faces of the shortlist) for every candidate of a short span;
  // bounded for an input of unknown length.
  set.cap = std::max(set.cap, std::min(set.candidates.size() + times.size(), kMaxDenseFrames));
  DecodeOptions d;
  d.audio = false;
  d.fast_video = true;
  d.skip_nonref = !every_frame;
  d.allow_truncated = s.o.allow_truncated;
  InputFile in(s.path, d);
  BgrConverter to_bgr = s.converter(), to_window = s.converter();
  std::optional<DenseShots> shots;
  if (every_frame) shots.emplace(s);
  size_t next = 0;
  int64_t next_window_us = INT64_MIN;
  read_video(in, o.ranges, search.frames_decoded, [&](int64_t t_us, const AVFrame* f) {
    if (!inside(o.ranges, t_us)) return;
    if (shots) shots->push(t_us, f);
    while (next < times.size() && times[next] < t_us - 500'000) ++next;  // a range skipped ahead
    const bool candidate = next < times.size() && t_us >= times[next];
    // Every frame is decoded anyway: sample the windows now (again after a range's start),
    // and at each candidate and keyframe (a keyframe candidate of the first pass), so a
    // window starts at its candidate's own frame, seen at the windows' size.
    if (candidate || f->key_frame || t_us >= next_window_us ||
        t_us < next_window_us - o.pick.window_step_us) {
      window_samples.push_back(window_sample(t_us, to_window.convert(f, s.window_size)));
      next_window_us = t_us + o.pick.window_step_us;
    }
    if (candidate) {
      set.add(t_us, f->key_frame != 0, to_bgr.convert(f, s.small_size), s.score_options);
      while (next < times.size() && times[next] <= t_us) ++next;
    }
  });
  std::sort(window_samples.begin(), window_samples.end(),
            [](const WindowSample& a, const WindowSample& b) { return a.time_us < b.time_us; });
  if (shots) {
    search.cuts = merge_cuts(shots->finish(), sample_jumps(window_samples, o.pick));
    search.shots_detected = true;
  }
}

// Faces, looked for only in the shortlist (on the frames still held).
void add_shortlist_faces(std::vector<CoverCandidate>& candidates,
                         const std::vector<cv::Mat>& frames, const Sampling& s,
                         FaceDetector& detector) {
  const size_t wanted = std::max<size_t>(3, 2 * static_cast<size_t>(s.o.count));
  for (size_t i : shortlist(candidates, wanted)) {
    const cv::Mat& frame = frames[i];
    if (frame.empty()) continue;
    add_faces(candidates[i].score, detector.detect(frame, s.o.profile_faces), frame,
              s.score_options);
  }
}

// A candidate is only a cover once the picture is seen to hold for window_us after it
// (no cut, fade or dissolve that sparse candidates could not show); the cover is then
// the frame in the middle of that window.
class WindowChecker {
 public:
  WindowChecker(const Sampling& s, const CoverSearch& search,
                std::vector<WindowSample> dense_samples, std::map<int64_t, cv::Mat>& held_frames,
                int64_t& frames_decoded)
      : s_(s),
        dense_(search.dense),
        duration_us_(search.info.duration_us),
        dense_samples_(std::move(dense_samples)),
        held_frames_(held_frames),
        frames_decoded_(frames_decoded),
        to_window_(s.converter()),
        to_full_(s.converter()),
        keep_frames_(s.o.count <= kMaxHeldFrames) {}

  // Sets c.window (the verdict, empty when the picture holds) and c.settled_us.
  void check(CoverCandidate& c) {
    const CoverPickOptions& pick = s_.o.pick;
    const int64_t end_us =
        std::min(c.time_us + pick.window_us, range_end(s_.o.ranges, c.time_us, duration_us_));
    const int64_t middle_us = c.time_us + (end_us - c.time_us) / 2;
    std::vector<WindowSample> w;
    if (dense_) {
      // From the candidate's own frame (the pass sampled it too, at the windows' size: a
      // cut that follows the candidate closely is seen).
      for (const WindowSample& sample : dense_samples_) {
        if (sample.time_us >= c.time_us && sample.time_us <= end_us) w.push_back(sample);
      }
      if (w.empty() || w.front().time_us != c.time_us) {
        w.insert(w.begin(), {c.time_us, c.score.luma_mean, c.histogram, c.layout});
      }
    } else {
      decode_window(c, end_us, middle_us, w);
    }
    c.window = window_verdict(w, pick);
    if (!c.window.empty() && c.settled_us >= 0) held_frames_.erase(c.settled_us);
    if (c.settled_us < 0) {  // dense sampling, or a window cut short: the sample nearest
      c.settled_us = c.time_us;
      for (const WindowSample& sample : w) {
        if (std::llabs(sample.time_us - middle_us) < std::llabs(c.settled_us - middle_us)) {
          c.settled_us = sample.time_us;
        }
      }
    }
  }

 private:
  // Decodes the window after c into w; with a few covers wanted, the frame in its middle
  // is kept at full size for render(), which then decodes nothing again.
  void decode_window(CoverCandidate& c, int64_t end_us, int64_t middle_us,
                     std::vector<WindowSample>& w) {
    if (!input_) {
      DecodeOptions d;
      d.audio = false;
      d.fast_video = !keep_frames_;  // a kept frame is a cover: full quality
      d.skip_nonref = true;          // five samples a second need no B-frames
      d.allow_truncated = s_.o.allow_truncated;
      input_ = std::make_unique<InputFile>(s_.path, d);
    }
    const AVRational tb = input_->video_time_base();
    input_->seek_to(c.time_us);
    int64_t next_us = c.time_us;
    bool done = false;
    while (!done && input_->read_some([&](StreamKind kind, AVFrame* f) {
      if (done || kind != StreamKind::Video || !f) return;
      ++frames_decoded_;
      const int64_t t = frame_time_us(f, tb);
      if (t > end_us) {
        done = true;
        return;
      }
      if (t >= next_us) {
        w.push_back(window_sample(t, to_window_.convert(f, s_.window_size)));
        next_us = t + s_.o.pick.window_step_us;
      }
      if (t >= middle_us && c.settled_us < 0) {
        c.settled_us = t;
        if (keep_frames_) held_frames_[t] = to_full_.convert(f).clone();
      }
    })) {
    }
  }

  const Sampling& s_;
  const bool dense_;
  const int64_t duration_us_;
  const std::vector<WindowSample> dense_samples_;
  std::map<int64_t, cv::Mat>& held_frames_;
  int64_t& frames_decoded_;
  std::unique_ptr<InputFile> input_;  // opened on the first window decoded
  BgrConverter to_window_;
  BgrConverter to_full_;
  const bool keep_frames_;
};

// Shots, transitions and totals: from the detected cuts when there are any.
void rank(CoverSearch& search, const Sampling& s) {
  rank_candidates(search.candidates, s.score_options, s.o.pick,
                  search.shots_detected ? &search.cuts : nullptr);
}

// Picks the covers, checking each pick's window; picks that fail are replaced and
// checked in turn, within a budget.
void pick_checked(CoverSearch& search, const Sampling& s, WindowChecker& windows) {
  const int count = s.o.count;
  const int max_checks = 3 * count + 4;
  int checks = 0;
  bool unchecked = false;
  for (;;) {
    search.picked = pick_covers(search.candidates, static_cast<size_t>(count), s.o.pick);
    bool replaced = false;
    for (size_t i : search.picked) {
      CoverCandidate& c = search.candidates[i];
      if (c.settled_us >= 0) continue;
      if (checks >= max_checks) {
        unchecked = true;
        continue;
      }
      ++checks;
      windows.check(c);
      replaced = replaced || !c.window.empty();
    }
    if (!replaced) break;
    rank(search, s);  // the verdicts count now
  }
  if (unchecked) {
    search.warnings.push_back(
        "some covers were not checked for a transition after them (more "
        "than " +
        std::to_string(max_checks) + " candidates failed)");
  }
}

// With no pick (nothing passes the floors: a black or blurred clip), the best there is,
// with a warning; a warning too when fewer covers than wanted pass.
void settle_shortfall(CoverSearch& search, int count) {
  if (search.picked.empty()) {
    size_t best = 0;
    for (size_t i = 1; i < search.candidates.size(); ++i) {
      if (search.candidates[i].total > search.candidates[best].total) best = i;
    }
    search.picked = {best};
    search.fallback = true;
    search.warnings.push_back(
        "no frame is sharp, well exposed and clear of transitions; the cover "
        "is the best frame there was (" +
        search.candidates[best].rejected + ")");
  } else if (search.picked.size() < static_cast<size_t>(count)) {
    search.warnings.push_back("only " + std::to_string(search.picked.size()) + " of " +
                              std::to_string(count) +
                              " covers: too few distinct frames pass the quality floors");
  }
}

// --- render -----------------------------------------------------------------------------

// The frame a cover is taken from: its settled frame once checked, else the candidate's.
int64_t cover_frame_us(const CoverCandidate& c) {
  return c.settled_us >= 0 ? c.settled_us : c.time_us;
}

// The picked covers' full-size frames: held from find(), or decoded again (seek to the
// keyframe before, decode forward), in time order so one decoder walks forward.
class CoverFrames {
 public:
  CoverFrames(const fs::path& path, const VideoInfo& v,
              const std::map<int64_t, cv::Mat>& held_frames, bool allow_truncated)
      : path_(path),
        allow_truncated_(allow_truncated),
        held_frames_(held_frames),
        to_bgr_(v.rotation_deg, BgrConverter::Scaling::Quality, path.string()) {}

  // The first frame at or after target_us, and its time in got_us.
  cv::Mat frame_at(int64_t target_us, int64_t& got_us) {
    if (const auto held = held_frames_.find(target_us); held != held_frames_.end()) {
      got_us = target_us;
      return held->second;
    }
    if (!in_) {
      DecodeOptions d;
      d.audio = false;
      d.allow_truncated = allow_truncated_;
      in_ = std::make_unique<InputFile>(path_, d);
    }
    in_->seek_to(target_us);
    const AVRational tb = in_->video_time_base();
    cv::Mat picture;
    bool done = false;
    while (!done && in_->read_some([&](StreamKind kind, AVFrame* f) {
      if (done || kind != StreamKind::Video || !f) return;
      const int64_t t = frame_time_us(f, tb);
      if (t < target_us) return;
      picture = to_bgr_.convert(f).clone();
      got_us = t;
      done = true;
    })) {
    }
    if (picture.empty()) {
      throw ProcessingError(path_.string() + ": cannot decode the frame at " +
                            format_time(target_us) +
                            " again for the cover; the file may be damaged");
    }
    return picture;
  }

 private:
  const fs::path& path_;
  const bool allow_truncated_;
  const std::map<int64_t, cv::Mat>& held_frames_;
  std::unique_ptr<InputFile> in_;  // opened when a frame must be decoded again
  BgrConverter to_bgr_;
};

// Where the faces are (seen in the candidate, a moment before), as fractions, for smart
// covers; empty when there are none.
cv::Rect2d face_focus(const CoverCandidate& c, cv::Size small_size) {
  cv::Rect2d focus;
  for (const Face& f : c.score.face_boxes) {
    const cv::Rect2d r(static_cast<double>(f.box.x) / small_size.width,
                       static_cast<double>(f.box.y) / small_size.height,
                       static_cast<double>(f.box.width) / small_size.width,
                       static_cast<double>(f.box.height) / small_size.height);
    focus = focus.area() > 0 ? (focus | r) : r;
  }
  return focus;
}

// One cover's picture.
struct CoverPicture {
  int rank = 1;
  int64_t time_us = 0;
  cv::Mat full;      // at full size
  cv::Rect2d focus;  // face_focus()
};

// Writes one file per spec for the cover; specs with the same size, format and reframing
// share one encoded picture.
void write_cover_files(const CoverPicture& cover, const std::vector<CoverSpec>& specs,
                       const CoverPath& path_for, const VideoInfo& v,
                       std::vector<CoverFile>& files) {
  const PixelAspect sar = rotated_aspect({v.sar.num, v.sar.den}, v.rotation_deg);
  const Size display{v.display_width_px(), v.display_height_px()};
  std::map<std::string, std::vector<uint8_t>> encoded;
  for (const CoverSpec& spec : specs) {
    const fs::path out = path_for(cover.rank, spec);
    const std::string key = std::to_string(spec.size.width_px) + "x" +
                            std::to_string(spec.size.height_px) + "." + spec.format + "." +
                            std::to_string(static_cast<int>(spec.reframe));
    if (const auto same = encoded.find(key); same != encoded.end()) {
      write_bytes(same->second, out);
      files.push_back({cover.rank, cover.time_us, spec.name, out,
                       spec.size.width_px > 0 ? spec.size : display, spec.format});
      continue;
    }
    cv::Mat picture;
    Size size = spec.size;
    if (size.width_px <= 0 || size.height_px <= 0) {
      size = display;
      if (cover.full.cols == display.width_px && cover.full.rows == display.height_px) {
        picture = cover.full;
      } else {
        cv::resize(cover.full, picture, cv::Size(display.width_px, display.height_px), 0, 0,
                   cv::INTER_AREA);
      }
    } else {
      picture = reframe_picture(cover.full, sar, size, spec.reframe,
                                cover.focus.area() > 0 ? &cover.focus : nullptr);
    }
    write_bytes(encoded[key] = encode_image(picture, spec.format, out), out);
    files.push_back({cover.rank, cover.time_us, spec.name, out, size, spec.format});
  }
}

}  // namespace

cv::Rect2d cover_region(Size source, Size cover, ReframeMode mode) {
  // Pad and Blur show the whole picture; Smart centres its crop on the faces, so a face
  // anywhere can be kept.
  if (mode != ReframeMode::Center || source.width_px <= 0 || source.height_px <= 0 ||
      cover.width_px <= 0 || cover.height_px <= 0) {
    return {0, 0, 1, 1};
  }
  const ReframePlan plan = plan_reframe(source, {1, 1}, cover, ReframeMode::Center);
  return {static_cast<double>(plan.crop.x_px) / source.width_px,
          static_cast<double>(plan.crop.y_px) / source.height_px,
          static_cast<double>(plan.crop.width_px) / source.width_px,
          static_cast<double>(plan.crop.height_px) / source.height_px};
}

CoverFinder::CoverFinder(CoverSearchOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  if (o.count < 1 || o.count > 100) throw UsageError("covers: count must be 1..100");
  if (o.score_width_px < 64 || o.score_width_px > 1920) {
    throw UsageError("covers: score width must be 64..1920 px");
  }
  if (o.max_candidates < 1 || o.max_candidates > 10'000) {
    throw UsageError("covers: max candidates must be 1..10000");
  }
  if (o.min_spacing_us < 0) throw UsageError("covers: negative time");
  if (o.pick.window_us < 0 || o.pick.window_step_us <= 0) {
    throw UsageError("covers: the check window must be >= 0 and its step > 0");
  }
}

CoverFinder::~CoverFinder() = default;

FaceDetector& CoverFinder::faces() {
  if (!faces_) faces_ = std::make_unique<FaceDetector>(options_.face_options);
  return *faces_;
}

CoverSearch CoverFinder::find(const fs::path& path) {
  const CoverSearchOptions& o = options_;
  CoverSearch search;
  // Keyframes only, spaced so there are about max_candidates of them.
  DecodeOptions keyframes;
  keyframes.audio = false;
  keyframes.fast_video = true;
  keyframes.keyframes_only = true;
  keyframes.allow_truncated = o.allow_truncated;
  InputFile key_input(path, keyframes);
  search.info = key_input.info();
  if (!search.info.video)
    throw UsageError(path.string() + ": has no video stream to take covers from");
  const VideoInfo& v = *search.info.video;
  const Sampling s{path,
                   o,
                   v,
                   scoring_options(o, v),
                   display_size_at_width(v, o.score_width_px),
                   display_size_at_width(v, kWindowWidthPx),
                   sampled_span_us(search.info, o.ranges)};
  key_input.set_keyframe_spacing_us(
      std::max(o.min_spacing_us, s.span_us > 0 ? s.span_us / o.max_candidates : int64_t{0}));
  search.cover_region = s.score_options.cover_region;
  search.score_options = s.score_options;

  CandidateSet set;
  set.cap = static_cast<size_t>(o.max_candidates) * 2;
  // Small frames after the candidates (window_verdict()): from the dense pass when there
  // is one, else decoded for each candidate worth a cover (WindowChecker).
  std::vector<WindowSample> window_samples;
  sample_keyframes(s, key_input, set, search.frames_decoded);
  if (!key_input.truncation().empty()) {
    search.warnings.push_back(key_input.truncation() + "; used what there is (--allow-truncated)");
  }
  search.keyframes = key_input.keyframe_packets();
  search.wanted_candidates = wanted_candidates(o, s.span_us);
  // Too few keyframes (a long GOP, a short scene): sample the span densely.
  if (search.keyframes < search.wanted_candidates) {
    search.dense = true;
    sample_dense(s, set, window_samples, search);
  }
  set.sort_and_dedupe();
  if (set.candidates.empty()) {
    throw ProcessingError(path.string() + ": no video frame could be decoded to take a cover from");
  }

  search.candidates = std::move(set.candidates);
  rank(search, s);
  if (o.faces) {
    add_shortlist_faces(search.candidates, set.frames, s, faces());
    rank(search, s);
  }
  held_frames_.clear();
  WindowChecker windows(s, search, std::move(window_samples), held_frames_, search.frames_decoded);
  pick_checked(search, s, windows);
  settle_shortfall(search, o.count);
  return search;
}

std::vector<CoverFile> CoverFinder::render(const fs::path& path, CoverSearch& search,
                                           const std::vector<CoverSpec>& specs,
                                           const CoverPath& path_for) {
  const VideoInfo& v = *search.info.video;
  // A cover at a preset's size is cropped from the picture: OpenCV would refuse the empty
  // crop of a 1x1 source with an assertion that names neither the file nor the cause.
  const Size source = rotated_size({v.width_px, v.height_px}, v.rotation_deg);
  const bool reframed = std::any_of(specs.begin(), specs.end(), [](const CoverSpec& spec) {
    return spec.size.width_px > 0 && spec.size.height_px > 0;
  });
  if (const std::string why = reframed ? too_small_to_reframe(source, " into a cover") : "";
      !why.empty()) {
    throw ProcessingError(path.string() + ": " + why +
                          "; without -p, covers are written at the picture's own size");
  }
  const cv::Size small_size = display_size_at_width(v, options_.score_width_px);
  const std::vector<CoverCandidate>& all = search.candidates;

  // In time order, so one decoder walks forward; each frame is decoded from the keyframe
  // before it, at full size, one at a time.
  search.cover_time_us.assign(search.picked.size(), 0);
  std::vector<size_t> by_time(search.picked.size());
  std::iota(by_time.begin(), by_time.end(), size_t{0});
  std::sort(by_time.begin(), by_time.end(), [&](size_t a, size_t b) {
    return cover_frame_us(all[search.picked[a]]) < cover_frame_us(all[search.picked[b]]);
  });
  CoverFrames frames(path, v, held_frames_, options_.allow_truncated);
  std::vector<CoverFile> files;
  for (size_t rank_index : by_time) {
    const CoverCandidate& c = all[search.picked[rank_index]];
    CoverPicture cover;
    cover.rank = static_cast<int>(rank_index) + 1;
    cover.full = frames.frame_at(cover_frame_us(c), cover.time_us);
    cover.focus = face_focus(c, small_size);
    search.cover_time_us[rank_index] = cover.time_us;
    write_cover_files(cover, specs, path_for, v, files);
  }
  std::sort(files.begin(), files.end(), [](const CoverFile& a, const CoverFile& b) {
    return a.rank != b.rank ? a.rank < b.rank : a.spec < b.spec;
  });
  return files;
}

CoverSpec cover_spec(const Preset& preset, ReframeMode mode, const std::string& format) {
  const CoverPreset& c = preset.cover;
  return {preset.name, {c.width_px, c.height_px}, format.empty() ? c.format : format, mode};
}

fs::path cover_path(const fs::path& output, const Preset& preset) {
  return fs::path(output).replace_extension(preset.cover.format);
}

}  // namespace reelpack
