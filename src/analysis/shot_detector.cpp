#include "analysis/shot_detector.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "analysis/frame_difference.h"
#include "core/error.h"

namespace reelpack {

namespace {

using frame_difference::content_score;
using frame_difference::shift_residual;
using frame_difference::unexplained_by_motion;

// Below these (of 255) a pixel's hue is noise, so it is classed by brightness alone.
constexpr int kGreySaturation = 40;
constexpr int kGreyValue = 40;
constexpr int kChromaBins = 16 * 3 * 3;
// Histogram distance below which two frames count as the same picture (noise, grain).
constexpr double kDistanceFloor = 0.02;
// The share of the difference the best camera move must leave unexplained for a jump to
// be a cut (frame_difference::unexplained_by_motion()).
constexpr double kMotionExplains = 0.5;
// Frames are analysed at this width (see push()).
constexpr int kWorkWidthPx = 128;
// A fade's ramp is the frames whose brightness steps by more than this share of the
// brighter frame: steadily enough for a fade of a few seconds, more than a subject
// moving through the shot changes it.
constexpr double kRampStep = 0.01;

// One step of a fade's ramp: from `brighter` to `darker` (mean brightness, 0..255).
bool ramp_step(float brighter, float darker) {
  return brighter - darker > std::max(0.1, kRampStep * brighter);
}

struct BinTables {
  std::array<int16_t, 180> hue{};         // hue bin * 9
  std::array<int16_t, 256> saturation{};  // saturation bin * 3, or -1 for grey
  std::array<int16_t, 256> value{};       // value bin, or -1 for dark
  BinTables() {
    for (int h = 0; h < 180; ++h) hue[h] = static_cast<int16_t>(h * 16 / 180 * 9);
    for (int s = 0; s < 256; ++s) {
      saturation[s] =
          s < kGreySaturation
              ? -1
              : static_cast<int16_t>((s - kGreySaturation) * 3 / (256 - kGreySaturation) * 3);
    }
    for (int v = 0; v < 256; ++v) {
      value[v] =
          v < kGreyValue ? -1 : static_cast<int16_t>((v - kGreyValue) * 3 / (256 - kGreyValue));
    }
  }
};

// Colour histogram (16 hues x 3 saturations x 3 values, plus 8 grey levels), as shares of
// the frame; returns the mean HSV value (brightness) from the same pass.
template <size_t N>
double histogram(const cv::Mat& hsv, std::array<float, N>& out) {
  static_assert(N == kChromaBins + 8);
  static const BinTables tables;
  std::array<uint32_t, N> counts{};
  int64_t value_sum = 0;
  for (int y = 0; y < hsv.rows; ++y) {
    const uint8_t* p = hsv.ptr<uint8_t>(y);
    for (int i = 0, n = hsv.cols * 3; i < n; i += 3) {
      const int s = tables.saturation[p[i + 1]];
      const int v = tables.value[p[i + 2]];
      const int bin = (s < 0 || v < 0) ? kChromaBins + (p[i + 2] >> 5) : tables.hue[p[i]] + s + v;
      ++counts[bin];
      value_sum += p[i + 2];
    }
  }
  const double pixels = static_cast<double>(hsv.rows) * hsv.cols;
  for (size_t i = 0; i < N; ++i) out[i] = static_cast<float>(counts[i] / pixels);
  return static_cast<double>(value_sum) / pixels;
}

// Total variation distance: the share of the frame that would have to change colour class.
template <size_t N>
double distance(const std::array<float, N>& a, const std::array<float, N>& b) {
  double sum = 0;
  for (size_t i = 0; i < N; ++i) sum += std::abs(a[i] - b[i]);
  return 0.5 * sum;
}

void require(bool ok, const std::string& what) {
  if (!ok) throw UsageError("shot detection: " + what);
}

int rank(TransitionKind kind) {
  // Which boundary survives when two fall within min_shot_seconds: a fade is the least
  // ambiguous, a cut is exact to the frame, a dissolve's frame is an estimate.
  switch (kind) {
    case TransitionKind::Fade:
      return 2;
    case TransitionKind::Cut:
      return 1;
    case TransitionKind::Dissolve:
      return 0;
  }
  return 0;
}

}  // namespace

const char* to_string(TransitionKind kind) {
  switch (kind) {
    case TransitionKind::Cut:
      return "cut";
    case TransitionKind::Fade:
      return "fade";
    case TransitionKind::Dissolve:
      return "dissolve";
  }
  return "cut";
}

ShotDetector::ShotDetector(Rational frame_rate, ShotDetectorOptions options) : options_(options) {
  const ShotDetectorOptions& o = options_;
  require(frame_rate.num > 0 && frame_rate.den > 0,
          "frame rate " + frame_rate.to_string() + " must be positive");
  require(o.min_shot_seconds >= 0 && o.min_shot_seconds <= 3600,
          "min_shot_seconds must be 0..3600");
  require(o.adaptive_threshold >= 1 && o.adaptive_threshold <= 100,
          "adaptive_threshold must be 1..100");
  require(o.min_content_score >= 0 && o.min_content_score <= 255,
          "min_content_score must be 0..255");
  require(o.adaptive_window_frames >= 1 && o.adaptive_window_frames <= 30,
          "adaptive_window_frames must be 1..30");
  require(o.max_flash_frames >= 0 && o.max_flash_frames <= 4, "max_flash_frames must be 0..4");
  require(o.flash_similarity >= 0 && o.flash_similarity <= 1, "flash_similarity must be 0..1");
  require(o.fade_black_level >= 0 && o.fade_black_level <= 255, "fade_black_level must be 0..255");
  require(o.gradual_window_seconds > 0 && o.gradual_window_seconds <= 10,
          "gradual_window_seconds must be above 0 and at most 10");
  require(o.gradual_min_distance > 0 && o.gradual_min_distance <= 1,
          "gradual_min_distance must be above 0 and at most 1");
  require(o.gradual_adaptive_threshold >= 1 && o.gradual_adaptive_threshold <= 100,
          "gradual_adaptive_threshold must be 1..100");
  require(o.max_transition_seconds > 0 && o.max_transition_seconds <= 60,
          "max_transition_seconds must be above 0 and at most 60");

  const double fps = frame_rate.to_double();
  min_shot_frames_ = std::llround(o.min_shot_seconds * fps);
  max_transition_frames_ = std::max<int64_t>(1, std::llround(o.max_transition_seconds * fps));
  cut_latency_frames_ = std::max(o.adaptive_window_frames, o.max_flash_frames);
  // The histogram ring must also reach back to the frame before a candidate cut.
  gradual_lag_frames_ =
      std::max<int64_t>(cut_latency_frames_ + 1, std::llround(o.gradual_window_seconds * fps));
  // A candidate cut c is judged when frame c + latency arrives, against frames back to
  // c - 1 - max_flash_frames.
  hsv_ring_.resize(static_cast<size_t>(cut_latency_frames_ + o.max_flash_frames + 2));
  histogram_ring_.resize(static_cast<size_t>(gradual_lag_frames_ + 1));
}

const cv::Mat& ShotDetector::recent(int64_t frame) const {
  const auto size = static_cast<int64_t>(hsv_ring_.size());
  if (frame < 0 || frame >= frame_count_ || frame < frame_count_ - size) {
    throw std::logic_error("ShotDetector: frame " + std::to_string(frame) + " left the ring");
  }
  return hsv_ring_[static_cast<size_t>(frame % size)];
}

const ShotDetector::Histogram& ShotDetector::recent_histogram(int64_t frame) const {
  const auto size = static_cast<int64_t>(histogram_ring_.size());
  if (frame < 0 || frame >= frame_count_ || frame < frame_count_ - size) {
    throw std::logic_error("ShotDetector: histogram " + std::to_string(frame) + " left the ring");
  }
  return histogram_ring_[static_cast<size_t>(frame % size)];
}

void ShotDetector::push(const cv::Mat& bgr) {
  if (finished_) throw std::logic_error("ShotDetector::push after finish()");
  if (bgr.empty() || bgr.type() != CV_8UC3) {
    throw std::invalid_argument("ShotDetector::push: expected a non-empty 8-bit BGR frame");
  }
  if (frame_count_ == 0) {
    frame_size_ = bgr.size();
  } else if (bgr.size() != frame_size_) {
    throw std::invalid_argument("ShotDetector::push: frame size changed from " +
                                std::to_string(frame_size_.width) + "x" +
                                std::to_string(frame_size_.height));
  }

  const int64_t t = frame_count_;
  const auto ring = static_cast<int64_t>(hsv_ring_.size());
  cv::Mat& hsv = hsv_ring_[static_cast<size_t>(t % ring)];
  // Averaging 2x2 pixels halves the sensor noise (which would otherwise raise the content
  // score of every frame and hide weak cuts) and quarters the work; what tells shots apart
  // survives at 128 px. Every buffer is reused after the first lap of the ring.
  if (frame_size_.width > kWorkWidthPx) {
    const int height =
        std::max(1, static_cast<int>(std::lround(static_cast<double>(frame_size_.height) *
                                                 kWorkWidthPx / frame_size_.width)));
    cv::resize(bgr, small_, cv::Size(kWorkWidthPx, height), 0, 0, cv::INTER_AREA);
    cv::cvtColor(small_, hsv, cv::COLOR_BGR2HSV);
  } else {
    cv::cvtColor(bgr, hsv, cv::COLOR_BGR2HSV);
  }

  const auto lag = gradual_lag_frames_;
  Histogram& hist = histogram_ring_[static_cast<size_t>(t % (lag + 1))];
  FrameStats s;
  s.brightness = static_cast<float>(histogram(hsv, hist));
  if (t > 0) {
    s.content =
        static_cast<float>(content_score(hsv, hsv_ring_[static_cast<size_t>((t - 1) % ring)]));
  }
  if (t >= lag) {
    s.long_range = static_cast<float>(
        distance(hist, histogram_ring_[static_cast<size_t>((t - lag) % (lag + 1))]));
    // Only frames that may belong to a gradual transition need to know whether the camera
    // moved, which keeps the cost of the shift search off every other frame.
    if (s.long_range >= options_.gradual_min_distance) {
      s.motion = static_cast<float>(shift_residual(
          hsv, hsv_ring_[static_cast<size_t>((t - 1) % ring)], motion_scratch_.data()));
    }
  }
  stats_.push_back(s);
  ++frame_count_;

  track_dark_run(t);
  if (t - cut_latency_frames_ >= 1) evaluate_cut(t - cut_latency_frames_);
}

// A dark run of a frame or two with the same picture either side is a flash of black (a
// glitch or a blink), not a fade; the pictures are compared while they are in the ring.
void ShotDetector::track_dark_run(int64_t t) {
  const bool dark = stats_[static_cast<size_t>(t)].brightness <= options_.fade_black_level;
  if (dark) {
    if (dark_run_start_ < 0) dark_run_start_ = t;
    return;
  }
  if (dark_run_start_ < 0) return;
  const int64_t start = dark_run_start_;
  dark_run_start_ = -1;
  if (start == 0 || t - start > options_.max_flash_frames) return;
  const double jump = stats_[static_cast<size_t>(start)].content;
  if (content_score(recent(t), recent(start - 1)) < options_.flash_similarity * jump) {
    dark_flash_starts_.push_back(start);
  }
}

void ShotDetector::evaluate_cut(int64_t c) {
  const ShotDetectorOptions& o = options_;
  const auto at = [this](int64_t i) -> const FrameStats& { return stats_[static_cast<size_t>(i)]; };
  const double score = at(c).content;
  if (score < o.min_content_score) return;
  // Between two dark frames the hue and saturation are noise; fades judge those.
  if (at(c - 1).brightness <= o.fade_black_level && at(c).brightness <= o.fade_black_level) return;

  // Neighbourhood means before and after the candidate; floored at 1 so that a cut
  // between perfectly still frames has a finite ratio.
  double sums[2] = {0, 0};
  int counts[2] = {0, 0};
  for (int64_t i = c - o.adaptive_window_frames; i <= c + o.adaptive_window_frames; ++i) {
    if (i == c || i < 1 || i >= frame_count_) continue;
    sums[i > c] += at(i).content;
    ++counts[i > c];
  }
  const auto floored = [](double sum, int count) {
    return std::max(count ? sum / count : 0.0, 1.0);
  };
  double ratio = score / floored(sums[0] + sums[1], counts[0] + counts[1]);
  if (ratio < o.adaptive_threshold) {
    // A cut out of (or into) a shot full of motion stands out from the calm side only.
    // Camera or subject motion can do that too, so this needs the colours to change as
    // well, and to stay changed.
    const double calm = std::min(counts[0] ? floored(sums[0], counts[0]) : 255.0,
                                 counts[1] ? floored(sums[1], counts[1]) : 255.0);
    ratio = score / calm;
    if (ratio < o.adaptive_threshold) return;
    const int64_t later = std::min(c + cut_latency_frames_, frame_count_ - 1);
    const Histogram& before = recent_histogram(c - 1);
    if (distance(before, recent_histogram(c)) < o.gradual_min_distance ||
        distance(before, recent_histogram(later)) < o.gradual_min_distance) {
      return;
    }
  }

  // A flash: the picture before the jump comes back within max_flash_frames, seen either
  // from the jump's start (frame c+j is like c-1) or from its end (c is like c-1-j).
  const double similar = o.flash_similarity * score;
  for (int64_t j = 1; j <= o.max_flash_frames; ++j) {
    if (c + j < frame_count_ && content_score(recent(c + j), recent(c - 1)) < similar) return;
    if (c - 1 - j >= 0 && content_score(recent(c), recent(c - 1 - j)) < similar) return;
  }
  if (unexplained_by_motion(recent(c), recent(c - 1)) < kMotionExplains) return;
  cuts_.push_back({c, TransitionKind::Cut, c, c, ratio});
}

std::vector<ShotBoundary> ShotDetector::find_fades(std::vector<FrameRange>& absorbed) const {
  const double black = options_.fade_black_level;
  const int64_t n = frame_count_;
  const auto bright = [this](int64_t i) { return stats_[static_cast<size_t>(i)].brightness; };
  std::vector<ShotBoundary> fades;
  for (int64_t first = 0; first < n; ++first) {
    if (bright(first) > black) continue;
    int64_t last = first;
    float darkest = bright(first);
    while (last + 1 < n && bright(last + 1) <= black) darkest = std::min(darkest, bright(++last));
    const int64_t run_first = first;
    first = last;  // the loop resumes after the run
    if (std::find(dark_flash_starts_.begin(), dark_flash_starts_.end(), run_first) !=
        dark_flash_starts_.end()) {
      continue;
    }
    // The ramps: frames darkening into the run and brightening out of it.
    int64_t before = run_first;  // ends on the last frame at full brightness
    while (before > 0 && run_first - before < max_transition_frames_ &&
           ramp_step(bright(before - 1), bright(before))) {
      --before;
    }
    int64_t after = last;  // ends on the first frame at full brightness
    while (after + 1 < n && after - last < max_transition_frames_ &&
           ramp_step(bright(after + 1), bright(after))) {
      ++after;
    }
    const int64_t span_start = std::min(before + 1, run_first);
    const int64_t span_end = std::max(after - 1, last);
    // Cuts into and out of the dark run belong to it.
    absorbed.push_back({span_start, span_end + 1});
    // Black at the very start or end is a leader or a tail, not a boundary between shots.
    if (run_first == 0 || last == n - 1) continue;
    ShotBoundary b;
    b.frame = run_first + (last - run_first + 1) / 2;
    b.kind = TransitionKind::Fade;
    b.span_start = span_start;
    b.span_end = span_end;
    b.score = black > 0 ? 1.0 - darkest / black : 1.0;
    fades.push_back(b);
  }
  return fades;
}

// Runs of frames whose histogram differs from the one gradual_lag_frames_ earlier. A
// transition over frames [s, e] makes the run [s, e + lag - 1] (less what the threshold
// trims at both ends, equally for a symmetric dissolve), so the transition is
// [run_first, run_last - lag + 1] and its middle is the boundary. A hard cut is the same
// with s == e.
std::vector<ShotBoundary> ShotDetector::find_gradual() const {
  const int64_t lag = gradual_lag_frames_;
  const int64_t n = frame_count_;
  const double threshold = options_.gradual_min_distance;
  const int64_t max_gap = gradual_max_gap();
  const auto far = [this](int64_t i) { return stats_[static_cast<size_t>(i)].long_range; };

  std::vector<ShotBoundary> found;
  int64_t t = lag;
  while (t < n) {
    if (far(t) < threshold) {
      ++t;
      continue;
    }
    const int64_t first = t;
    int64_t last = t;
    double peak = far(t);
    for (int64_t i = t + 1; i < n && i - last <= max_gap + 1; ++i) {
      if (far(i) >= threshold) {
        last = i;
        peak = std::max<double>(peak, far(i));
      }
    }
    t = last + 1;
    // A run cut off by either end of the stream cannot be placed.
    if (first == lag || last == n - 1) continue;
    const int64_t length = last - first + 1;
    // Flashes make runs of a frame or two; steady change longer than a transition is
    // camera or subject motion through changing colours.
    if (length < std::max<int64_t>(3, lag / 2) || length > lag + max_transition_frames_) continue;
    // The run must stand out from the distance around it, as a cut from its neighbours:
    // a fast pan over changing colours hovers near the threshold, crossing it in places.
    double around = 0;
    int64_t count = 0;
    for (int64_t i = std::max(lag, first - lag); i < std::min(n, last + lag + 1); ++i) {
      if ((i < first || i > last) && far(i) < threshold) {
        around += far(i);
        ++count;
      }
    }
    around = count ? around / count : 0.0;
    if (peak < options_.gradual_adaptive_threshold * std::max(around, kDistanceFloor)) continue;
    const int64_t a = first, b = last - lag + 1;
    ShotBoundary boundary;
    boundary.span_start = std::min(a, b);
    boundary.span_end = std::max(a, b);
    // A camera sweeping to a different-looking part of the scene changes the colours as
    // a dissolve does, but a shift explains each step of it.
    std::vector<float> motion;
    for (int64_t i = boundary.span_start; i <= boundary.span_end; ++i) {
      motion.push_back(stats_[static_cast<size_t>(i)].motion);
    }
    std::nth_element(motion.begin(), motion.begin() + motion.size() / 2, motion.end());
    if (motion[motion.size() / 2] < kMotionExplains) continue;
    boundary.frame = (a + b + 1) / 2;
    boundary.kind = boundary.span_end - boundary.span_start <= 1 ? TransitionKind::Cut
                                                                 : TransitionKind::Dissolve;
    boundary.score = peak;
    found.push_back(boundary);
  }
  return found;
}

std::vector<ShotBoundary> ShotDetector::enforce_min_shot(std::vector<ShotBoundary> all) const {
  std::sort(all.begin(), all.end(), [](const ShotBoundary& x, const ShotBoundary& y) {
    if (rank(x.kind) != rank(y.kind)) return rank(x.kind) > rank(y.kind);
    if (x.score != y.score) return x.score > y.score;
    return x.frame < y.frame;
  });
  const int64_t gap = std::max<int64_t>(1, min_shot_frames_);
  std::vector<ShotBoundary> kept;
  for (const ShotBoundary& b : all) {
    if (b.frame < gap || b.frame > frame_count_ - gap) continue;
    const bool clear = std::none_of(kept.begin(), kept.end(), [&](const ShotBoundary& k) {
      return std::abs(k.frame - b.frame) < gap;
    });
    if (clear) kept.push_back(b);
  }
  std::sort(kept.begin(), kept.end(),
            [](const ShotBoundary& x, const ShotBoundary& y) { return x.frame < y.frame; });
  return kept;
}

std::vector<ShotBoundary> ShotDetector::candidates() const {
  std::vector<FrameRange> absorbed;
  std::vector<ShotBoundary> all = find_fades(absorbed);
  const auto in_fade = [&](int64_t first, int64_t last) {
    return std::any_of(absorbed.begin(), absorbed.end(),
                       [&](const FrameRange& r) { return first <= r.last && last >= r.first; });
  };
  for (const ShotBoundary& c : cuts_) {
    if (!in_fade(c.frame, c.frame)) all.push_back(c);
  }
  for (const ShotBoundary& g : find_gradual()) {
    // The run a hard cut leaves in the long-range distance lands on the cut, give or take
    // the frames motion trims off its end.
    const bool is_cut = std::any_of(cuts_.begin(), cuts_.end(), [&](const ShotBoundary& c) {
      return c.frame >= g.span_start - 2 && c.frame <= g.span_end + 2;
    });
    if (!is_cut && !in_fade(g.span_start - 1, g.span_end + 1)) all.push_back(g);
  }
  return all;
}

std::vector<ShotBoundary> ShotDetector::finish() {
  if (finished_) throw std::logic_error("ShotDetector::finish called twice");
  finished_ = true;
  // The last candidates, judged on the frames there are.
  for (int64_t c = std::max<int64_t>(1, frame_count_ - cut_latency_frames_); c < frame_count_;
       ++c) {
    evaluate_cut(c);
  }
  return enforce_min_shot(candidates());
}

// How far back later frames can still change what finish() finds, from what the frames so
// far show (each case as find_fades(), find_gradual() and evaluate_cut() decide):
//  - a cut candidate is judged cut_latency frames after it;
//  - a dissolve run (frames whose histogram distance to lag frames before is over the
//    threshold, gaps of up to max_gap) that has a frame in the last lag + max_gap + 1
//    frames may still grow, or be accepted or refused by the distances up to lag frames
//    after it; its boundary can lie up to lag / 2 before its first frame. A run that
//    starts later lies after the frames so far, less max_gap;
//  - a fade absorbs the cuts in the ramps either side of its black: the ramp into a
//    black run in progress (or into one starting next frame: the frames darkening step
//    by step at the end) is already there to see; the ramp out of a black run that ended
//    less than max_transition frames ago may still grow.
int64_t ShotDetector::settled_limit() const {
  const int64_t n = frame_count_;
  const int64_t lag = gradual_lag_frames_;
  const int64_t max_gap = gradual_max_gap();
  const double threshold = options_.gradual_min_distance;
  const double black = options_.fade_black_level;
  const auto far = [this](int64_t i) { return stats_[static_cast<size_t>(i)].long_range; };
  const auto bright = [this](int64_t i) { return stats_[static_cast<size_t>(i)].brightness; };

  int64_t limit = n - cut_latency_frames_ - 1;
  limit = std::min(limit, n - max_gap - lag / 2 - 3);
  for (int64_t i = std::max(lag, n - lag - max_gap - 1); i < n; ++i) {
    if (far(i) < threshold) continue;
    // The run holding frame i, back to its first frame (runs are the frames over the
    // threshold no more than max_gap + 1 apart, whichever way they are walked).
    int64_t first = i;
    for (int64_t j = i - 1; j >= lag && first - j <= max_gap + 1; --j) {
      if (far(j) >= threshold) first = j;
    }
    limit = std::min(limit, first - lag / 2 - 3);
    break;  // later runs start later
  }
  // The ramp into black: of the run in progress, or of one that starts with the next frame.
  const int64_t run_first = dark_run_start_ >= 0 ? dark_run_start_ : n;
  int64_t before = run_first - 1;  // the next frame may be black: the last one is a step
  if (dark_run_start_ >= 0) before = run_first;
  while (before > 0 && run_first - before < max_transition_frames_ &&
         ramp_step(bright(before - 1), bright(before))) {
    --before;
  }
  limit = std::min(limit, std::min(before + 1, run_first) - 2);
  // The ramp out of black, of a run that ended lately.
  for (int64_t i = n - 1; i >= 0 && i >= n - max_transition_frames_ - 2; --i) {
    if (bright(i) <= black) {
      limit = std::min(limit, i - 1);
      break;
    }
  }
  return limit;
}

ShotDetector::Settled ShotDetector::settled() const {
  Settled out;
  // enforce_min_shot() keeps the stronger of candidates closer than `gap`: a stretch of
  // `gap` frames without candidates separates the decisions before it from whatever
  // comes after.
  const int64_t gap = std::max<int64_t>(1, min_shot_frames_);
  int64_t until = settled_limit() - gap;
  if (until <= 0) return out;
  std::vector<ShotBoundary> all = candidates();
  std::vector<int64_t> at;
  for (const ShotBoundary& b : all) at.push_back(b.frame);
  std::sort(at.begin(), at.end());
  for (;;) {
    const auto it = std::lower_bound(at.begin(), at.end(), until);
    if (it == at.end() || *it >= until + gap) break;
    until = *it - gap;
    if (until <= 0) return out;
  }
  out.until = until;
  for (const ShotBoundary& b : enforce_min_shot(std::move(all))) {
    if (b.frame < until) out.boundaries.push_back(b);
  }
  return out;
}

std::vector<Shot> shots_from_boundaries(const std::vector<ShotBoundary>& boundaries,
                                        int64_t frame_count) {
  std::vector<Shot> shots;
  if (frame_count <= 0) return shots;
  int64_t start = 0;
  for (const ShotBoundary& b : boundaries) {
    if (b.frame <= start || b.frame >= frame_count) continue;  // unsorted or out of range
    shots.push_back({start, b.frame});
    start = b.frame;
  }
  shots.push_back({start, frame_count});
  return shots;
}

}  // namespace reelpack
