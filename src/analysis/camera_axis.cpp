#include "analysis/camera_axis.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

namespace reelpack::camera {

namespace {

// The even quantiser keeps the window within this of the smooth path (plus up to one
// step while it changes step). Larger means fewer step changes: at a constant speed
// between two even steps, the alternation adds at most 1/kQuantiseSlackPx px/frame^2 to
// the mean absolute second difference of the position (see quantise()).
constexpr double kQuantiseSlackPx = 4.0;
// Pans are checked to keep the target this far inside, so snapping cannot cut it.
constexpr double kContainSlackPx = kQuantiseSlackPx + 2.0;

int even_round(double v) {
  return 2 * static_cast<int>(std::lround(v / 2.0));
}

}  // namespace

int to_position(double v, const Axis& a) {
  return std::clamp(even_round(v), 0, a.max_even);
}

namespace {

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

}  // namespace

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

AxisPlan plan_axis(const AxisTarget& t, const Axis& a, const AxisTiming& timing) {
  AxisPlan plan;
  if (const auto still = stationary_position(t, a)) {
    plan.mode = CameraMode::Stationary;
    plan.position.assign(t.size(), *still);
  } else if (auto pan = pan_path(t, a, timing.ease_frames)) {
    // A "pan" by less than a step is a still window.
    plan.mode = pan->front() == pan->back() ? CameraMode::Stationary : CameraMode::Pan;
    plan.position = std::move(*pan);
  } else {
    plan.mode = CameraMode::Track;
    plan.position = track_path(t, a, timing.settle_frames, timing.smoothing_frames);
  }
  return plan;
}

}  // namespace reelpack::camera
