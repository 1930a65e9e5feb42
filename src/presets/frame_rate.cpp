#include "presets/frame_rate.h"

#include <cmath>
#include <cstdio>
#include <numeric>
#include <optional>

namespace reelpack {

namespace {

constexpr int kMaxFactor = 16;  // 240 fps to 15: beyond that, a whole factor is no help

Rational reduced(int64_t num, int64_t den) {
  const int64_t g = std::gcd(num, den);
  return {static_cast<int>(num / g), static_cast<int>(den / g)};
}

Rational times(Rational r, int k) {
  return reduced(int64_t{r.num} * k, r.den);
}
Rational divided(Rational r, int k) {
  return reduced(r.num, int64_t{r.den} * k);
}

// a * p <= b * q, exactly.
bool scaled_at_most(Rational a, int64_t p, Rational b, int64_t q) {
  return int64_t{a.num} * b.den * p <= int64_t{b.num} * a.den * q;
}

bool same(Rational a, Rational b) {
  return int64_t{a.num} * b.den == int64_t{b.num} * a.den;
}

bool preferred(const VideoPreset& v, Rational r) {
  for (const Rational& p : v.preferred_fps) {
    if (same(p, r)) return true;
  }
  return false;
}

// The accepted preferred rate nearest `r`, by the ratio's logarithm (30 is as far from 15
// as from 60); nullopt when the list holds none in range.
std::optional<Rational> nearest_preferred(const VideoPreset& v, double r) {
  std::optional<Rational> best;
  for (const Rational& p : v.preferred_fps) {
    if (!accepts_frame_rate(v, p)) continue;
    if (!best || std::abs(std::log(p.to_double() / r)) < std::abs(std::log(best->to_double() / r)))
      best = p;
  }
  return best;
}

// The rate a whole factor takes `s` to inside the range: dividing when it is above the
// maximum, multiplying when below the minimum. The smallest factor wins, unless a larger
// one lands on a preferred rate and the smaller does not.
std::optional<std::pair<Rational, int>> whole_factor(const VideoPreset& v, Rational s, bool down) {
  std::optional<std::pair<Rational, int>> first;
  for (int k = 2; k <= kMaxFactor; ++k) {
    const Rational r = down ? divided(s, k) : times(s, k);
    if (r.num > 1'000'000 || r.den > 1'000'000) break;
    if (accepts_frame_rate(v, r)) {
      if (preferred(v, r)) return std::pair{r, k};
      if (!first) first = std::pair{r, k};
    }
    // Past the far bound: no larger factor can come back into the range.
    if (down ? !scaled_at_most(v.min_fps, 1000, r, 1001)
             : !scaled_at_most(r, 1000, v.max_fps, 1001))
      break;
  }
  return first;
}

std::string ordinal(int k) {
  if (k == 2) return "other";
  const char* suffix = k % 10 == 3 && k % 100 != 13 ? "rd" : "th";
  return std::to_string(k) + suffix;
}

}  // namespace

std::string fps_text(Rational r) {
  if (r.num <= 0 || r.den <= 0) return "unknown";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", r.to_double());
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string fps_range_text(const VideoPreset& v) {
  return fps_text(v.min_fps) + "-" + fps_text(v.max_fps) + " fps";
}

std::string to_string(FrameRateChange c) {
  switch (c) {
    case FrameRateChange::Kept:
      return "kept";
    case FrameRateChange::Forced:
      return "forced";
    case FrameRateChange::Dropped:
      return "dropped";
    case FrameRateChange::Repeated:
      return "repeated";
    case FrameRateChange::Standard:
      return "standard";
    case FrameRateChange::Nearest:
      return "nearest";
    case FrameRateChange::Unknown:
      return "unknown";
  }
  return "?";
}

bool accepts_frame_rate(const VideoPreset& v, Rational r) {
  if (r.num <= 0 || r.den <= 0) return false;
  // min * 1000/1001 <= r <= max * 1001/1000
  return scaled_at_most(v.min_fps, 1000, r, 1001) && scaled_at_most(r, 1000, v.max_fps, 1001);
}

Rational snap_to_standard(Rational r) {
  static const Rational kStandard[] = {{24000, 1001}, {24, 1},  {25, 1},  {30000, 1001},
                                       {30, 1},       {48, 1},  {50, 1},  {60000, 1001},
                                       {60, 1},       {100, 1}, {120, 1}, {240, 1}};
  if (r.num <= 0 || r.den <= 0) return r;
  for (const Rational& s : kStandard) {
    if (std::abs(r.to_double() / s.to_double() - 1) < 2e-4) return s;
  }
  return r;
}

FrameRateChoice choose_frame_rate(const VideoPreset& v, const SourceFrameRate& src,
                                  const std::string& preset) {
  FrameRateChoice c;
  const std::string range = "the " + fps_range_text(v) + " " + preset + " accepts";
  const Rational s = snap_to_standard(src.rate);
  const bool known = s.num > 0 && s.den > 0;
  const std::string source = known ? "the source's " + fps_text(s) + " fps" : "the source";

  if (v.fps) {
    c.rate = *v.fps;
    c.change = FrameRateChange::Forced;
    c.accepted = accepts_frame_rate(v, c.rate);
    c.reason = "video.fps = " + v.fps->to_string() + " forces it";
    if (known && !src.variable && !same(s, c.rate)) {
      c.reason += " (" + source +
                  (scaled_at_most(c.rate, 1, s, 1) ? ": frames dropped" : ": frames repeated") +
                  ")";
    }
    if (!c.accepted) c.reason += "; outside " + range;
    return c;
  }

  if (src.variable && src.average.num > 0 && src.average.den > 0) {
    if (const auto r = nearest_preferred(v, src.average.to_double())) {
      c.rate = *r;
      c.change = FrameRateChange::Standard;
      c.reason = "variable frame rate averaging " + fps_text(src.average) +
                 " fps: the nearest standard rate within " + range;
      return c;
    }
  }
  if (!known) {
    const auto r = nearest_preferred(v, 30);
    c.rate = r ? *r : v.max_fps;
    c.change = FrameRateChange::Unknown;
    c.reason = "the source declares no frame rate: " + fps_text(c.rate) + " fps, within " + range;
    return c;
  }
  if (accepts_frame_rate(v, s)) {
    c.rate = s;
    c.change = FrameRateChange::Kept;
    c.reason = "keeps " + source + ", within " + range;
    return c;
  }
  const bool above = !scaled_at_most(s, 1000, v.max_fps, 1001);
  if (const auto f = whole_factor(v, s, above)) {
    c.rate = f->first;
    c.factor = f->second;
    c.change = above ? FrameRateChange::Dropped : FrameRateChange::Repeated;
    c.reason = source + (above ? " is above " : " is below ") + range + ": " +
               (above ? "every " + ordinal(c.factor) + " frame kept"
                      : "each frame shown " + std::to_string(c.factor) + " times") +
               ", " + fps_text(c.rate) + " fps";
    return c;
  }
  const auto r = nearest_preferred(v, s.to_double());
  c.rate = r ? *r : (above ? v.max_fps : v.min_fps);
  c.change = FrameRateChange::Nearest;
  c.reason = source + (above ? " is above " : " is below ") + range +
             " and no whole factor fits: " + fps_text(c.rate) + " fps, frames " +
             (above ? "dropped" : "repeated") + " unevenly";
  return c;
}

}  // namespace reelpack
