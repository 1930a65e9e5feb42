#include "analysis/camera_path.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include "analysis/camera_axis.h"
#include "core/error.h"

namespace reelpack {

namespace {

using camera::Axis;
using camera::AxisPlan;
using camera::AxisTarget;
using camera::quantise;
using camera::to_position;

constexpr int kX = 0;
constexpr int kY = 1;

// A box as its extent along each axis: [lo[a], hi[a]).
struct Box {
  std::array<double, 2> lo{};
  std::array<double, 2> hi{};
  double centre(int a) const { return 0.5 * (lo[a] + hi[a]); }
  double size(int a) const { return hi[a] - lo[a]; }
};

struct Sample {
  int64_t frame = 0;
  Box box;
  double score = 0;  // weight x confidence
  int track_id = -1;
};

struct Subject {
  int track_id = -1;
  std::vector<Sample> samples;  // by frame, at most one per frame
  double importance = 0;
};

// Everything solve() derives once from the geometry, options and frame rate.
struct Setup {
  std::array<Axis, 2> axes;
  const CameraPathOptions* options = nullptr;
  int64_t filter_half_frames = 0;
  int64_t gap_frames = 0;
  int64_t settle_frames = 0;
  double ease_frames = 0;
  int64_t smoothing_frames = 0;
};

void require(bool ok, const std::string& what) {
  if (!ok) throw UsageError("camera path: " + what);
}

double median(std::vector<double> v) {
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return 0.5 * (lower + upper);
}

// The even offset that centres the window, as plan_reframe() centres its crop.
int centred_position(const Axis& a) {
  const int slack = static_cast<int>(a.max_position);
  return std::clamp(2 * (slack / 4), 0, a.max_even);
}

std::string fixed2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string describe_subject(const Subject& s) {
  return s.track_id >= 0 ? "track " + std::to_string(s.track_id) : std::string("an untracked one");
}

// --- subjects -------------------------------------------------------------------------

// Whether an untracked detection continues a subject last seen in `last`: the boxes
// overlap, or their centres are closer than the boxes' mean size.
bool continues(const Box& last, const Box& next) {
  const bool overlap = last.lo[kX] < next.hi[kX] && next.lo[kX] < last.hi[kX] &&
                       last.lo[kY] < next.hi[kY] && next.lo[kY] < last.hi[kY];
  if (overlap) return true;
  const double dx = last.centre(kX) - next.centre(kX), dy = last.centre(kY) - next.centre(kY);
  const double size = 0.25 * (last.size(kX) + last.size(kY) + next.size(kX) + next.size(kY));
  return std::hypot(dx, dy) < size;
}

// Groups a shot's samples (sorted by frame) into subjects, most important first.
std::vector<Subject> group_subjects(const std::vector<Sample>& samples, int64_t gap_frames) {
  std::map<int, Subject> tracked;
  std::vector<Subject> untracked;
  for (const Sample& s : samples) {
    if (s.track_id >= 0) {
      Subject& subject = tracked[s.track_id];
      subject.track_id = s.track_id;
      if (!subject.samples.empty() && subject.samples.back().frame == s.frame) {
        if (s.score > subject.samples.back().score) subject.samples.back() = s;  // a duplicate
      } else {
        subject.samples.push_back(s);
      }
      continue;
    }
    Subject* best = nullptr;
    double best_distance = 0;
    for (Subject& u : untracked) {
      const Sample& last = u.samples.back();
      if (last.frame >= s.frame || s.frame - last.frame > gap_frames) continue;
      if (!continues(last.box, s.box)) continue;
      const double d = std::hypot(last.box.centre(kX) - s.box.centre(kX),
                                  last.box.centre(kY) - s.box.centre(kY));
      if (!best || d < best_distance) {
        best = &u;
        best_distance = d;
      }
    }
    if (best) {
      best->samples.push_back(s);
    } else {
      untracked.push_back(Subject{-1, {s}, 0});
    }
  }

  std::vector<Subject> subjects;
  for (auto& [id, subject] : tracked) subjects.push_back(std::move(subject));
  for (Subject& subject : untracked) subjects.push_back(std::move(subject));

  // Importance: mean weight x confidence over the frames the detector sampled, counting
  // the frames a subject is missing from as 0.
  int64_t sampled_frames = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (i == 0 || samples[i].frame != samples[i - 1].frame) ++sampled_frames;
  }
  for (Subject& subject : subjects) {
    double sum = 0;
    for (const Sample& s : subject.samples) sum += s.score;
    subject.importance = sum / static_cast<double>(std::max<int64_t>(1, sampled_frames));
  }
  std::stable_sort(subjects.begin(), subjects.end(), [](const Subject& a, const Subject& b) {
    if (a.importance != b.importance) return a.importance > b.importance;
    return a.samples.front().frame < b.samples.front().frame;
  });
  return subjects;
}

// A subject's box in every frame of [start, start + n): the running median of its samples
// within `half` frames either side, interpolated linearly between samples and held
// before the first and after the last.
std::vector<Box> subject_boxes(const Subject& subject, int64_t start, int64_t n, int64_t half) {
  const std::vector<Sample>& in = subject.samples;
  std::vector<Box> filtered(in.size());
  std::vector<double> values;
  for (size_t i = 0; i < in.size(); ++i) {
    size_t first = i, last = i;
    while (first > 0 && in[i].frame - in[first - 1].frame <= half) --first;
    while (last + 1 < in.size() && in[last + 1].frame - in[i].frame <= half) ++last;
    for (int a : {kX, kY}) {
      values.clear();
      for (size_t j = first; j <= last; ++j) values.push_back(in[j].box.lo[a]);
      filtered[i].lo[a] = median(values);
      values.clear();
      for (size_t j = first; j <= last; ++j) values.push_back(in[j].box.hi[a]);
      filtered[i].hi[a] = median(values);
    }
  }

  std::vector<Box> out(static_cast<size_t>(n));
  size_t k = 0;  // last sample at or before the frame
  for (int64_t t = 0; t < n; ++t) {
    const int64_t frame = start + t;
    while (k + 1 < in.size() && in[k + 1].frame <= frame) ++k;
    Box& box = out[static_cast<size_t>(t)];
    if (frame <= in[k].frame || k + 1 == in.size()) {
      box = filtered[k];
      continue;
    }
    const double u = static_cast<double>(frame - in[k].frame) /
                     static_cast<double>(in[k + 1].frame - in[k].frame);
    for (int a : {kX, kY}) {
      box.lo[a] = filtered[k].lo[a] + u * (filtered[k + 1].lo[a] - filtered[k].lo[a]);
      box.hi[a] = filtered[k].hi[a] + u * (filtered[k + 1].hi[a] - filtered[k].hi[a]);
    }
  }
  return out;
}

// --- one shot --------------------------------------------------------------------------

class ShotSolver {
 public:
  ShotSolver(const Setup& setup, const CropGeometry& geometry) : s_(setup), g_(geometry) {}

  // Fills windows[start, end) and returns the shot's plan.
  ShotPlan solve(const Shot& shot, const std::vector<Sample>& samples,
                 const std::vector<FallbackCentre>& fallbacks, std::vector<Rect>& windows) const {
    ShotPlan plan;
    plan.start_frame = shot.start_frame;
    plan.end_frame = shot.end_frame;
    const int64_t n = shot.end_frame - shot.start_frame;

    if (samples.empty()) {
      place_without_detections(shot, fallbacks, plan, windows);
      return plan;
    }

    std::vector<Subject> subjects = group_subjects(samples, s_.gap_frames);
    const double top = subjects.front().importance;
    const auto background = std::find_if(subjects.begin(), subjects.end(), [&](const Subject& x) {
      return x.importance < s_.options->background_share * top;
    });
    const size_t ignored = static_cast<size_t>(subjects.end() - background);
    subjects.erase(background, subjects.end());
    const std::string ignored_note =
        ignored ? "; " + std::to_string(ignored) + " background ignored" : std::string();

    std::vector<std::vector<Box>> boxes;
    for (const Subject& subject : subjects) {
      boxes.push_back(subject_boxes(subject, shot.start_frame, n, s_.filter_half_frames));
    }

    // The most important subject, with every other that still fits the window with it.
    std::vector<size_t> members = {0};
    for (size_t i = 1; i < subjects.size(); ++i) {
      members.push_back(i);
      if (!fit_together(boxes, members)) members.pop_back();
    }
    if (!frame_members(subjects, members, plan)) {  // none dominates: the whole picture
      plan.reason += ignored_note;
      fill_constant(shot, {centred_position(s_.axes[kX]), centred_position(s_.axes[kY])}, windows);
      return plan;
    }
    plan.reason += ignored_note;

    std::array<AxisPlan, 2> axis_plans;
    std::array<int, 2> span{};
    for (int a : {kX, kY}) {
      const AxisTarget target = axis_target(boxes, members, a);
      span[a] = static_cast<int>(
          std::lround(*std::max_element(target.hi_room.begin(), target.hi_room.end()) -
                      *std::min_element(target.lo_room.begin(), target.lo_room.end())));
      axis_plans[a] = camera::plan_axis(target, s_.axes[a],
                                        {s_.ease_frames, s_.settle_frames, s_.smoothing_frames});
    }
    plan.mode = std::max(axis_plans[kX].mode, axis_plans[kY].mode);

    const std::vector<int> xs = quantise(axis_plans[kX].position, s_.axes[kX]);
    const std::vector<int> ys = quantise(axis_plans[kY].position, s_.axes[kY]);
    const auto travel = [](const std::vector<int>& v) {
      const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
      return *hi - *lo;
    };
    plan.target_span_px = {span[kX], span[kY]};
    plan.travel_px = {travel(xs), travel(ys)};
    plan.reason += "; " + describe_decision(plan);
    for (int64_t i = 0; i < n; ++i) {
      windows[static_cast<size_t>(shot.start_frame + i)] = {
          xs[static_cast<size_t>(i)], ys[static_cast<size_t>(i)], g_.window.width_px,
          g_.window.height_px};
    }
    return plan;
  }

 private:
  // A shot without detections: centred, or on the median fallback centre.
  void place_without_detections(const Shot& shot, const std::vector<FallbackCentre>& fallbacks,
                                ShotPlan& plan, std::vector<Rect>& windows) const {
    std::array<int, 2> position{centred_position(s_.axes[kX]), centred_position(s_.axes[kY])};
    plan.reason = "no detections: centred";
    if (!fallbacks.empty()) {
      std::vector<double> xs, ys;
      for (const FallbackCentre& f : fallbacks) {
        xs.push_back(f.x_px);
        ys.push_back(f.y_px);
      }
      position[kX] = to_position(median(xs) - 0.5 * s_.axes[kX].window, s_.axes[kX]);
      position[kY] = to_position(median(ys) - 0.5 * s_.axes[kY].window, s_.axes[kY]);
      plan.reason = "no detections: on the fallback centre";
    }
    fill_constant(shot, position, windows);
  }

  // Who the shot frames (the subjects `members` of `subjects`), said in plan.reason;
  // false, with plan set to Fill, when the subjects are apart and none dominates.
  bool frame_members(const std::vector<Subject>& subjects, const std::vector<size_t>& members,
                     ShotPlan& plan) const {
    if (members.size() == 1) plan.subject_track_id = subjects[0].track_id;
    if (subjects.size() == 1) {
      plan.reason = subjects[0].track_id >= 0
                        ? "1 subject (track " + std::to_string(subjects[0].track_id) + ")"
                        : "1 untracked subject";
    } else if (members.size() == subjects.size()) {
      plan.reason = std::to_string(subjects.size()) + " subjects framed together";
    } else {
      // Subjects left out: frame the others only if they clearly matter more.
      double framed = 0, left_out = 0;
      for (size_t i = 0, m = 0; i < subjects.size(); ++i) {
        if (m < members.size() && members[m] == i) {
          framed += subjects[i].importance;
          ++m;
        } else {
          left_out = std::max(left_out, subjects[i].importance);
        }
      }
      const std::string apart = std::to_string(subjects.size()) + " subjects apart; ";
      const std::string importance = "importance " + fixed2(framed) + " vs " + fixed2(left_out);
      if (framed > 0 && framed >= s_.options->two_shot_dominance * left_out) {
        plan.reason = apart + "framing " +
                      (members.size() == 1 ? describe_subject(subjects[0])
                                           : std::to_string(members.size()) + " of them") +
                      " (" + importance + ")";
      } else {
        plan.mode = CameraMode::Fill;
        plan.subject_track_id = -1;
        plan.reason = apart + "none dominates (" + importance + ", under " +
                      fixed2(s_.options->two_shot_dominance) + "x): blur fill, the whole picture";
        return false;
      }
    }
    return true;
  }

  // "spans 412x590 px of the 608x1080 window: held", or for a moving camera what made it
  // move and how far it went.
  std::string describe_decision(const ShotPlan& plan) const {
    const auto size = [](Size z) {
      return std::to_string(z.width_px) + "x" + std::to_string(z.height_px);
    };
    const std::string spans =
        "spans " + size(plan.target_span_px) + " px of the " + size(g_.window) + " window";
    if (plan.mode == CameraMode::Stationary) return spans + ": held";
    return spans + ": " + to_string(plan.mode) + ", " + size(plan.travel_px) + " px of travel";
  }

  void fill_constant(const Shot& shot, std::array<int, 2> position,
                     std::vector<Rect>& windows) const {
    for (int64_t f = shot.start_frame; f < shot.end_frame; ++f) {
      windows[static_cast<size_t>(f)] = {position[kX], position[kY], g_.window.width_px,
                                         g_.window.height_px};
    }
  }

  // Whether the subjects `members` fit one window together at every frame.
  bool fit_together(const std::vector<std::vector<Box>>& boxes,
                    const std::vector<size_t>& members) const {
    for (size_t i = 0; i < boxes.front().size(); ++i) {
      for (int a : {kX, kY}) {
        double lo = s_.axes[a].extent, hi = 0;
        for (size_t m : members) {
          lo = std::min(lo, boxes[m][i].lo[a]);
          hi = std::max(hi, boxes[m][i].hi[a]);
        }
        if (hi - lo > s_.axes[a].window) return false;
      }
    }
    return true;
  }

  AxisTarget axis_target(const std::vector<std::vector<Box>>& boxes,
                         const std::vector<size_t>& members, int a) const {
    const Axis& axis = s_.axes[a];
    const double margin = s_.options->subject_margin;
    AxisTarget t;
    const size_t n = boxes.front().size();
    t.lo.assign(n, axis.extent);
    t.hi.assign(n, 0.0);
    t.lo_room.assign(n, axis.extent);
    t.hi_room.assign(n, 0.0);
    for (size_t m : members) {
      for (size_t i = 0; i < n; ++i) {
        const Box& b = boxes[m][i];
        t.lo[i] = std::min(t.lo[i], b.lo[a]);
        t.hi[i] = std::max(t.hi[i], b.hi[a]);
        t.lo_room[i] = std::min(t.lo_room[i], std::max(0.0, b.lo[a] - margin * b.size(a)));
        t.hi_room[i] = std::max(t.hi_room[i], std::min(axis.extent, b.hi[a] + margin * b.size(a)));
      }
    }
    return t;
  }

  const Setup& s_;
  const CropGeometry& g_;
};

// The frame counts and per-axis limits at this frame rate.
Setup make_setup(const CropGeometry& geometry, const CameraPathOptions& options, double fps) {
  Setup setup;
  setup.options = &options;
  setup.filter_half_frames = std::llround(0.5 * options.filter_window_seconds * fps);
  setup.gap_frames = std::max<int64_t>(1, std::llround(options.association_gap_seconds * fps));
  setup.settle_frames = std::max<int64_t>(1, std::llround(options.settle_seconds * fps));
  setup.ease_frames = options.pan_ease_seconds * fps;
  setup.smoothing_frames = std::llround(options.smoothing_seconds * fps) | 1;
  const std::array<int, 2> extents{geometry.source.width_px, geometry.source.height_px};
  const std::array<int, 2> windows{geometry.window.width_px, geometry.window.height_px};
  for (int a : {kX, kY}) {
    Axis& axis = setup.axes[a];
    axis.extent = extents[a];
    axis.window = windows[a];
    axis.max_position = extents[a] - windows[a];
    axis.max_even = (extents[a] - windows[a]) & ~1;
    axis.dead_zone_px = options.dead_zone * windows[a];
    axis.max_velocity_pf = options.max_velocity * extents[a] / fps;
    axis.max_acceleration_pf = options.max_acceleration * extents[a] / (fps * fps);
  }
  return setup;
}

// The usable detections as samples, clipped to the frame, by frame.
std::vector<Sample> usable_samples(const CameraPathInput& input, const CameraPathOptions& options,
                                   Size source) {
  const std::array<int, 2> extents{source.width_px, source.height_px};
  std::vector<Sample> samples;
  for (const Detection& d : input.detections) {
    if (d.frame < 0 || d.frame >= input.frame_count) continue;
    if (!(d.confidence >= options.min_confidence) || !(d.weight >= 0)) continue;  // NaN too
    Box box;
    box.lo = {std::max(0.0, double(d.box_px.x_px)), std::max(0.0, double(d.box_px.y_px))};
    box.hi = {std::min<double>(extents[kX], double(d.box_px.x_px) + d.box_px.width_px),
              std::min<double>(extents[kY], double(d.box_px.y_px) + d.box_px.height_px)};
    if (box.size(kX) <= 0 || box.size(kY) <= 0) continue;
    samples.push_back({d.frame, box, d.weight * std::min(1.0, d.confidence), d.track_id});
  }
  std::stable_sort(samples.begin(), samples.end(),
                   [](const Sample& a, const Sample& b) { return a.frame < b.frame; });
  return samples;
}

}  // namespace

const char* to_string(CameraMode mode) {
  switch (mode) {
    case CameraMode::Stationary:
      return "stationary";
    case CameraMode::Pan:
      return "pan";
    case CameraMode::Track:
      return "track";
    case CameraMode::Fill:
      return "fill";
  }
  return "stationary";
}

CameraPathSolver::CameraPathSolver(CropGeometry geometry, Rational frame_rate,
                                   CameraPathOptions options)
    : geometry_(geometry), options_(options) {
  const Size& s = geometry.source;
  const Size& w = geometry.window;
  require(s.width_px >= 2 && s.height_px >= 2, "source " + std::to_string(s.width_px) + "x" +
                                                   std::to_string(s.height_px) +
                                                   " must be at least 2x2");
  require(w.width_px >= 2 && w.height_px >= 2 && w.width_px % 2 == 0 && w.height_px % 2 == 0 &&
              w.width_px <= s.width_px && w.height_px <= s.height_px,
          "window " + std::to_string(w.width_px) + "x" + std::to_string(w.height_px) +
              " must have even sizes of at least 2 and fit the source " +
              std::to_string(s.width_px) + "x" + std::to_string(s.height_px));
  require(frame_rate.num > 0 && frame_rate.den > 0,
          "frame rate " + frame_rate.to_string() + " must be positive");
  const CameraPathOptions& o = options_;
  require(o.max_velocity > 0 && o.max_velocity <= 10,
          "max_velocity must be above 0 and at most 10");
  require(o.max_acceleration > 0 && o.max_acceleration <= 100,
          "max_acceleration must be above 0 and at most 100");
  require(o.dead_zone >= 0 && o.dead_zone <= 0.5, "dead_zone must be 0..0.5");
  require(o.subject_margin >= 0 && o.subject_margin <= 1, "subject_margin must be 0..1");
  require(o.two_shot_dominance >= 1 && o.two_shot_dominance <= 100,
          "two_shot_dominance must be 1..100");
  require(o.background_share >= 0 && o.background_share <= 1, "background_share must be 0..1");
  require(o.min_confidence >= 0 && o.min_confidence <= 1, "min_confidence must be 0..1");
  require(o.filter_window_seconds >= 0 && o.filter_window_seconds <= 10,
          "filter_window_seconds must be 0..10");
  require(o.pan_ease_seconds >= 0 && o.pan_ease_seconds <= 10, "pan_ease_seconds must be 0..10");
  require(o.association_gap_seconds >= 0 && o.association_gap_seconds <= 60,
          "association_gap_seconds must be 0..60");
  require(o.settle_seconds >= 0 && o.settle_seconds <= 10, "settle_seconds must be 0..10");
  require(o.smoothing_seconds >= 0 && o.smoothing_seconds <= 10, "smoothing_seconds must be 0..10");
  frames_per_second_ = frame_rate.to_double();
}

CameraPath CameraPathSolver::solve(const CameraPathInput& input) const {
  if (input.frame_count < 0) throw std::invalid_argument("CameraPathSolver: negative frame count");
  std::vector<Shot> shots = input.shots;
  if (shots.empty() && input.frame_count > 0) shots.push_back({0, input.frame_count});
  int64_t next = 0;
  for (const Shot& shot : shots) {
    if (shot.start_frame != next || shot.end_frame <= shot.start_frame) {
      throw std::invalid_argument("CameraPathSolver: shot [" + std::to_string(shot.start_frame) +
                                  ", " + std::to_string(shot.end_frame) + ") does not follow " +
                                  std::to_string(next));
    }
    next = shot.end_frame;
  }
  if (next != input.frame_count) {
    throw std::invalid_argument("CameraPathSolver: shots end at frame " + std::to_string(next) +
                                ", not at the frame count " + std::to_string(input.frame_count));
  }

  const Setup setup = make_setup(geometry_, options_, frames_per_second_);
  const std::vector<Sample> samples = usable_samples(input, options_, geometry_.source);
  std::vector<FallbackCentre> fallbacks = input.fallback_centres;
  std::stable_sort(
      fallbacks.begin(), fallbacks.end(),
      [](const FallbackCentre& a, const FallbackCentre& b) { return a.frame < b.frame; });

  CameraPath path;
  path.window_per_frame.resize(static_cast<size_t>(input.frame_count));
  const ShotSolver solver(setup, geometry_);
  auto sample = samples.begin();
  auto fallback = fallbacks.begin();
  for (const Shot& shot : shots) {
    const auto sample_end = std::find_if(
        sample, samples.end(), [&](const Sample& s) { return s.frame >= shot.end_frame; });
    while (fallback != fallbacks.end() && fallback->frame < shot.start_frame) ++fallback;
    const auto fallback_end = std::find_if(fallback, fallbacks.end(), [&](const FallbackCentre& f) {
      return f.frame >= shot.end_frame;
    });
    path.shots.push_back(solver.solve(shot, std::vector<Sample>(sample, sample_end),
                                      std::vector<FallbackCentre>(fallback, fallback_end),
                                      path.window_per_frame));
    sample = sample_end;
    fallback = fallback_end;
  }
  return path;
}

}  // namespace reelpack
