#include "analysis/camera_path.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include "core/error.h"

namespace reelpack {

namespace {

// The even quantiser keeps the window within this of the smooth path (plus up to one
// step while it changes step). Larger means fewer step changes: at a constant speed
// between two even steps, the alternation adds at most 1/kQuantiseSlackPx px/frame^2 to
// the mean absolute second difference of the position (see quantise()).
constexpr double kQuantiseSlackPx = 4.0;
// Pans are checked to keep the target this far inside, so snapping cannot cut it.
constexpr double kContainSlackPx = kQuantiseSlackPx + 2.0;

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

// One axis of the camera, in pixels and frames.
struct Axis {
  double extent = 0;        // source size along the axis
  double window = 0;        // window size along the axis
  double max_position = 0;  // extent - window
  int max_even = 0;         // largest even position
  double dead_zone_px = 0;
  double max_velocity_pf = 0;      // px per frame
  double max_acceleration_pf = 0;  // px per frame squared
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

// The target's extent along one axis, per frame of a shot: the bare boxes and the boxes
// with their margin (clipped to the frame).
struct AxisTarget {
  std::vector<double> lo, hi, lo_room, hi_room;
  size_t size() const { return lo.size(); }
};

struct AxisPlan {
  CameraMode mode = CameraMode::Stationary;
  std::vector<double> position;  // smooth window position per frame of the shot
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

int even_round(double v) {
  return 2 * static_cast<int>(std::lround(v / 2.0));
}

// The even offset that centres the window, as plan_reframe() centres its crop.
int centred_position(const Axis& a) {
  const int slack = static_cast<int>(a.max_position);
  return std::clamp(2 * (slack / 4), 0, a.max_even);
}

int to_position(double v, const Axis& a) {
  return std::clamp(even_round(v), 0, a.max_even);
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

// --- one axis ---------------------------------------------------------------------------

// The span the window must contain at frame i to frame the target well: the target with
// its room (and at least kContainSlackPx), or the bare box plus that slack when the room
// does not fit; nullopt when not even that fits.
std::optional<std::pair<double, double>> required_span(const AxisTarget& t, size_t i,
                                                       const Axis& a) {
  double lo = std::max(0.0, std::min(t.lo[i] - kContainSlackPx, t.lo_room[i]));
  double hi = std::min(a.extent, std::max(t.hi[i] + kContainSlackPx, t.hi_room[i]));
  if (hi - lo <= a.window) return std::pair{lo, hi};
  lo = std::max(0.0, t.lo[i] - kContainSlackPx);
  hi = std::min(a.extent, t.hi[i] + kContainSlackPx);
  if (hi - lo <= a.window) return std::pair{lo, hi};
  return std::nullopt;
}

// Where the window centres the target at frame i.
double centred_on_target(const AxisTarget& t, size_t i, const Axis& a) {
  return std::clamp(0.5 * (t.lo[i] + t.hi[i] - a.window), 0.0, a.max_position);
}

// One window position for the whole shot, when the target allows: the target with its
// room fits one window, or the bare target does and its centre stays within the dead
// zone (a large subject standing still). Returns an even position.
std::optional<double> stationary_position(const AxisTarget& t, const Axis& a) {
  if (a.max_position <= 0) return 0.0;
  double low = a.extent, high = 0, low_room = a.extent, high_room = 0;
  double centre_min = a.extent, centre_max = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    low = std::min(low, t.lo[i]);
    high = std::max(high, t.hi[i]);
    low_room = std::min(low_room, t.lo_room[i]);
    high_room = std::max(high_room, t.hi_room[i]);
    centre_min = std::min(centre_min, 0.5 * (t.lo[i] + t.hi[i]));
    centre_max = std::max(centre_max, 0.5 * (t.lo[i] + t.hi[i]));
  }

  double want = 0, first = 0, last = 0;  // the wanted position and the feasible range
  if (high_room - low_room <= a.window) {
    want = 0.5 * (low_room + high_room - a.window);
    first = high_room - a.window;
    last = low_room;
  } else if (high - low <= a.window && centre_max - centre_min <= 2 * a.dead_zone_px) {
    want = 0.5 * (low + high - a.window);
    first = high - a.window;
    last = low;
  } else {
    return std::nullopt;
  }
  first = std::max(first, 0.0);
  last = std::min(last, a.max_position);
  // The even position nearest the wanted one that keeps the target inside, if any.
  const double lowest_even = 2 * std::ceil(first / 2), highest_even = 2 * std::floor(last / 2);
  if (lowest_even <= highest_even) {
    return std::clamp(static_cast<double>(even_round(want)), lowest_even, highest_even);
  }
  return static_cast<double>(to_position(want, a));
}

// Shape of an eased move from 0 to 1 over [0, length] frames: constant acceleration for
// `ease` frames, constant speed, constant deceleration for `ease` frames.
double eased(double t, double length, double ease) {
  const double cruise = length - ease;  // the distance in units of the cruise speed
  if (t <= 0) return 0;
  if (t >= length) return 1;
  if (t < ease) return t * t / (2 * ease) / cruise;
  if (t <= length - ease) return (t - 0.5 * ease) / cruise;
  const double left = length - t;
  return (cruise - left * left / (2 * ease)) / cruise;
}

// A straight, eased move fitted (least squares) to the centred positions, when it stays
// within the speed and acceleration limits and keeps the target inside at every frame.
std::optional<std::vector<double>> pan_path(const AxisTarget& t, const Axis& a,
                                            double ease_frames) {
  const size_t n = t.size();
  if (n < 3) return std::nullopt;
  const double length = static_cast<double>(n - 1);
  const double ease = std::clamp(ease_frames, 1.0, 0.5 * length);

  // Minimise sum (x0 (1 - g) + x1 g - want)^2 over x0, x1.
  double s00 = 0, s01 = 0, s11 = 0, b0 = 0, b1 = 0;
  std::vector<double> shape(n);
  for (size_t i = 0; i < n; ++i) {
    const double g = eased(static_cast<double>(i), length, ease);
    const double want = centred_on_target(t, i, a);
    shape[i] = g;
    s00 += (1 - g) * (1 - g);
    s01 += (1 - g) * g;
    s11 += g * g;
    b0 += (1 - g) * want;
    b1 += g * want;
  }
  const double det = s00 * s11 - s01 * s01;
  if (det <= 1e-9) return std::nullopt;
  double x0 = std::clamp((b0 * s11 - b1 * s01) / det, 0.0, a.max_position);
  double x1 = std::clamp((b1 * s00 - b0 * s01) / det, 0.0, a.max_position);
  if (std::abs(x1 - x0) < 2) x0 = x1 = static_cast<double>(to_position(0.5 * (x0 + x1), a));

  const double speed = std::abs(x1 - x0) / (length - ease);
  if (speed > a.max_velocity_pf || speed / ease > a.max_acceleration_pf) return std::nullopt;

  std::vector<double> path(n);
  for (size_t i = 0; i < n; ++i) {
    path[i] = x0 + (x1 - x0) * shape[i];
    const auto span = required_span(t, i, a);
    if (!span || path[i] > span->first || path[i] + a.window < span->second) return std::nullopt;
  }
  return path;
}

// Centred running mean over `width` frames (odd), the ends held.
std::vector<double> box_filter(const std::vector<double>& v, int64_t width) {
  const auto n = static_cast<int64_t>(v.size());
  const int64_t half = width / 2;
  if (half <= 0 || n == 0) return v;
  std::vector<double> out(v.size());
  const auto at = [&](int64_t i) {
    return v[static_cast<size_t>(std::clamp<int64_t>(i, 0, n - 1))];
  };
  double sum = 0;
  for (int64_t i = -half; i <= half; ++i) sum += at(i);
  for (int64_t i = 0; i < n; ++i) {
    out[static_cast<size_t>(i)] = sum / static_cast<double>(2 * half + 1);
    sum += at(i + half + 1) - at(i - half);
  }
  return out;
}

// Follows `ref` from rest at ref[0] with at most the axis's speed and acceleration: the
// reference's speed feeds forward, an error is closed no faster than the camera could
// still brake, and the camera brakes in time for where the reference will be when it
// could have stopped, so it does not overshoot a reference that stops more sharply than
// the limits allow.
std::vector<double> follow(const std::vector<double>& ref, const Axis& a) {
  const double vmax = a.max_velocity_pf, amax = a.max_acceleration_pf;
  // Largest speed from which braking at amax (in whole frames) stops within `distance`.
  const auto stoppable = [amax](double distance) {
    return -0.5 * amax + std::sqrt(0.25 * amax * amax + 2 * amax * std::max(0.0, distance));
  };
  const size_t n = ref.size();
  std::vector<double> p(n);
  p[0] = ref[0];
  double v = 0;
  for (size_t i = 1; i < n; ++i) {
    const double speed = std::clamp(ref[i] - ref[i - 1], -vmax, vmax);
    const double error = ref[i - 1] - p[i - 1];
    const double closing =
        std::copysign(std::min(stoppable(std::abs(error)), std::abs(error)), error);
    double wanted = std::clamp(speed + closing, -vmax, vmax);
    const size_t ahead = std::min(n - 1, i + static_cast<size_t>(std::ceil(std::abs(v) / amax)));
    if (v > 0) wanted = std::min(wanted, stoppable(ref[ahead] - p[i - 1]));
    if (v < 0) wanted = std::max(wanted, -stoppable(p[i - 1] - ref[ahead]));
    v += std::clamp(wanted - v, -amax, amax);
    p[i] = p[i - 1] + v;
    if (p[i] < 0 || p[i] > a.max_position) {
      p[i] = std::clamp(p[i], 0.0, a.max_position);
      v = 0;
    }
  }
  return p;
}

// Tracking: a reference that holds while the target's centred position stays within the
// dead zone of it, and once the target leaves the dead zone follows the target until it
// has settled; smoothed, then followed within the speed and acceleration limits.
std::vector<double> track_path(const AxisTarget& t, const Axis& a, int64_t settle_frames,
                               int64_t smoothing_frames) {
  const size_t n = t.size();
  std::vector<double> want(n), first(n), last(n);
  for (size_t i = 0; i < n; ++i) {
    want[i] = centred_on_target(t, i, a);
    if (const auto span = required_span(t, i, a)) {
      first[i] = std::clamp(span->second - a.window, 0.0, a.max_position);
      last[i] = std::clamp(span->first, 0.0, a.max_position);
    } else {
      first[i] = last[i] = want[i];
    }
  }

  const auto settled = [&](size_t i) {
    const size_t from = i >= static_cast<size_t>(settle_frames) ? i - settle_frames : 0;
    const auto [lo, hi] = std::minmax_element(want.begin() + static_cast<std::ptrdiff_t>(from),
                                              want.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    return *hi - *lo <= 0.5 * a.dead_zone_px;
  };

  std::vector<double> ref(n);
  const size_t look = std::min(n - 1, static_cast<size_t>(settle_frames));
  bool moving = std::abs(want[look] - want[0]) > 0.5 * a.dead_zone_px;
  size_t moving_since = 0;
  double anchor = want[0];
  for (size_t i = 0; i < n; ++i) {
    if (!moving) {
      const double hold_first = std::max(first[i], want[i] - a.dead_zone_px);
      const double hold_last = std::min(last[i], want[i] + a.dead_zone_px);
      if (anchor < hold_first || anchor > hold_last) {
        moving = true;
        moving_since = i;
      }
    } else if (i >= moving_since + static_cast<size_t>(settle_frames) && settled(i)) {
      moving = false;
      anchor = want[i];
    }
    ref[i] = moving ? want[i] : anchor;
  }

  // A centred smoothing turns the reference's steps into S-curves that start before and
  // end after each step (the camera neither lags nor leads the target's changes); the
  // follower makes sure of the limits, lagging only where a curve is steeper.
  std::vector<double> smooth = ref;
  for (int pass = 0; pass < 2; ++pass) smooth = box_filter(smooth, smoothing_frames);
  return follow(smooth, a);
}

// Even positions that stay within about kQuantiseSlackPx of the smooth path: each step
// (an even number of pixels) is one of the two even numbers around the path's own step,
// so the window never moves against the path, and is kept for as long as the window
// stays within the slack, so a steady move does not alternate its steps every frame.
// Where the path comes to rest the window finishes its move onto the path.
std::vector<int> quantise(const std::vector<double>& path, const Axis& a) {
  std::vector<int> q(path.size());
  if (path.empty()) return q;
  q[0] = to_position(path[0], a);
  int step = 0;
  int heading = 0;  // direction of the last move
  for (size_t i = 1; i < path.size(); ++i) {
    const double speed = path[i] - path[i - 1];
    const double nearest_even = 2 * std::round(speed / 2);
    int slow = 0, fast = 0;
    if (std::abs(speed - nearest_even) < 1e-9) {
      slow = fast = static_cast<int>(nearest_even);
    } else {
      slow = 2 * static_cast<int>(std::floor(speed / 2));
      fast = slow + 2;
    }
    const auto miss = [&](int s) { return std::abs(q[i - 1] + s - path[i]); };
    if (step < slow || step > fast || miss(step) > kQuantiseSlackPx) {
      step = miss(slow) <= miss(fast) ? slow : fast;
    }
    // Where the path rests, finish the move onto the nearest even position (a frame edge,
    // or a subject framed tightly, may need the last pixels), but never back.
    const double behind = path[i] - q[i - 1];
    if (slow == 0 && fast == 0 && std::abs(behind) > 1 && behind * heading > 0) {
      step = heading * 2;
    }
    q[i] = std::clamp(q[i - 1] + step, 0, a.max_even);
    step = q[i] - q[i - 1];
    if (step != 0) heading = step > 0 ? 1 : -1;
  }
  return q;
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
                      fixed2(s_.options->two_shot_dominance) + "x): blur fill, the whole picture" +
                      ignored_note;
        fill_constant(shot, {centred_position(s_.axes[kX]), centred_position(s_.axes[kY])},
                      windows);
        return plan;
      }
    }
    plan.reason += ignored_note;

    std::array<AxisPlan, 2> axis_plans;
    for (int a : {kX, kY}) axis_plans[a] = plan_axis(axis_target(boxes, members, a), s_.axes[a]);
    plan.mode = std::max(axis_plans[kX].mode, axis_plans[kY].mode);

    const std::vector<int> xs = quantise(axis_plans[kX].position, s_.axes[kX]);
    const std::vector<int> ys = quantise(axis_plans[kY].position, s_.axes[kY]);
    for (int64_t i = 0; i < n; ++i) {
      windows[static_cast<size_t>(shot.start_frame + i)] = {
          xs[static_cast<size_t>(i)], ys[static_cast<size_t>(i)], g_.window.width_px,
          g_.window.height_px};
    }
    return plan;
  }

 private:
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

  AxisPlan plan_axis(const AxisTarget& t, const Axis& a) const {
    AxisPlan plan;
    if (const auto still = stationary_position(t, a)) {
      plan.mode = CameraMode::Stationary;
      plan.position.assign(t.size(), *still);
    } else if (auto pan = pan_path(t, a, s_.ease_frames)) {
      // A "pan" by less than a step is a still window.
      plan.mode = pan->front() == pan->back() ? CameraMode::Stationary : CameraMode::Pan;
      plan.position = std::move(*pan);
    } else {
      plan.mode = CameraMode::Track;
      plan.position = track_path(t, a, s_.settle_frames, s_.smoothing_frames);
    }
    return plan;
  }

  const Setup& s_;
  const CropGeometry& g_;
};

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

  const double fps = frames_per_second_;
  Setup setup;
  setup.options = &options_;
  setup.filter_half_frames = std::llround(0.5 * options_.filter_window_seconds * fps);
  setup.gap_frames = std::max<int64_t>(1, std::llround(options_.association_gap_seconds * fps));
  setup.settle_frames = std::max<int64_t>(1, std::llround(options_.settle_seconds * fps));
  setup.ease_frames = options_.pan_ease_seconds * fps;
  setup.smoothing_frames = std::llround(options_.smoothing_seconds * fps) | 1;
  const std::array<int, 2> extents{geometry_.source.width_px, geometry_.source.height_px};
  const std::array<int, 2> windows{geometry_.window.width_px, geometry_.window.height_px};
  for (int a : {kX, kY}) {
    Axis& axis = setup.axes[a];
    axis.extent = extents[a];
    axis.window = windows[a];
    axis.max_position = extents[a] - windows[a];
    axis.max_even = (extents[a] - windows[a]) & ~1;
    axis.dead_zone_px = options_.dead_zone * windows[a];
    axis.max_velocity_pf = options_.max_velocity * extents[a] / fps;
    axis.max_acceleration_pf = options_.max_acceleration * extents[a] / (fps * fps);
  }

  // Usable detections as samples, clipped to the frame, by frame.
  std::vector<Sample> samples;
  for (const Detection& d : input.detections) {
    if (d.frame < 0 || d.frame >= input.frame_count) continue;
    if (!(d.confidence >= options_.min_confidence) || !(d.weight >= 0)) continue;  // NaN too
    Box box;
    box.lo = {std::max(0.0, double(d.box_px.x_px)), std::max(0.0, double(d.box_px.y_px))};
    box.hi = {std::min<double>(extents[kX], double(d.box_px.x_px) + d.box_px.width_px),
              std::min<double>(extents[kY], double(d.box_px.y_px) + d.box_px.height_px)};
    if (box.size(kX) <= 0 || box.size(kY) <= 0) continue;
    samples.push_back({d.frame, box, d.weight * std::min(1.0, d.confidence), d.track_id});
  }
  std::stable_sort(samples.begin(), samples.end(),
                   [](const Sample& a, const Sample& b) { return a.frame < b.frame; });
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
