#include "analysis/cover_picker.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <set>
#include <stdexcept>

namespace reelpack {

ColourHistogram colour_histogram(const cv::Mat& bgr) {
  if (bgr.empty() || bgr.type() != CV_8UC3) {
    throw std::invalid_argument("colour_histogram: expected an 8-bit BGR image");
  }
  cv::Mat small, hsv;
  constexpr int kWidth = 128;  // colours, not detail: a small copy is plenty
  if (bgr.cols > kWidth) {
    cv::resize(bgr, small, cv::Size(kWidth, std::max(1, bgr.rows * kWidth / bgr.cols)), 0, 0,
               cv::INTER_AREA);
  } else {
    small = bgr;
  }
  cv::cvtColor(small, hsv, cv::COLOR_BGR2HSV);  // H 0..179, S and V 0..255
  ColourHistogram h{};
  for (int y = 0; y < hsv.rows; ++y) {
    const cv::Vec3b* row = hsv.ptr<cv::Vec3b>(y);
    for (int x = 0; x < hsv.cols; ++x) {
      const int s = row[x][1] / 64, v = row[x][2] / 64;
      // The hue of greys is noise: unsaturated pixels all go to hue bin 0.
      const int hue = s == 0 ? 0 : row[x][0] * 12 / 180;
      h[(hue * 4 + s) * 4 + v] += 1.0f;
    }
  }
  const float n = static_cast<float>(hsv.total());
  for (float& v : h) v /= n;
  return h;
}

double histogram_distance(const ColourHistogram& a, const ColourHistogram& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += std::abs(a[i] - b[i]);
  return 0.5 * sum;
}

namespace {

constexpr int kLayoutWidthPx = 48;
// Largest camera move between two layouts that is searched for, as a share of the width
// and of the height.
constexpr double kLayoutShift = 0.05;

// The correlation of a and b over their overlap when b's picture has moved by (dx, dy).
double shifted_correlation(const cv::Mat& a, const cv::Mat& b, int dx, int dy) {
  const int w = a.cols - std::abs(dx), h = a.rows - std::abs(dy);
  if (w < a.cols / 2 || h < a.rows / 2) return -1;
  const cv::Mat ra = a(cv::Rect(std::max(dx, 0), std::max(dy, 0), w, h));
  const cv::Mat rb = b(cv::Rect(std::max(-dx, 0), std::max(-dy, 0), w, h));
  cv::Scalar ma, sa, mb, sb;
  cv::meanStdDev(ra, ma, sa);
  cv::meanStdDev(rb, mb, sb);
  if (sa[0] <= 1e-6 || sb[0] <= 1e-6) return -1;
  const double cross = ra.dot(rb) / (static_cast<double>(w) * h) - ma[0] * mb[0];
  return cross / (sa[0] * sb[0]);
}

}  // namespace

cv::Mat layout_signature(const cv::Mat& bgr) {
  if (bgr.empty() || bgr.depth() != CV_8U) {
    throw std::invalid_argument("layout_signature: expected an 8-bit BGR or grey image");
  }
  cv::Mat grey, small, signature;
  if (bgr.channels() == 3) {
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  } else {
    grey = bgr;
  }
  const int h = std::max(4, static_cast<int>(std::lround(static_cast<double>(grey.rows) *
                                                         kLayoutWidthPx / grey.cols)));
  cv::resize(grey, small, cv::Size(kLayoutWidthPx, h), 0, 0, cv::INTER_AREA);
  // Log luma: the structure of a dim set (panelling, shelves, a window) counts beside a lit
  // face, which would otherwise outweigh everything else in a low-key picture.
  small.convertTo(signature, CV_32F, 1.0, 8.0);
  cv::log(signature, signature);
  cv::Scalar mean, stddev;
  cv::meanStdDev(signature, mean, stddev);
  signature -= mean[0];
  if (stddev[0] > 1e-6) signature /= stddev[0] * std::sqrt(static_cast<double>(signature.total()));
  return signature;
}

double layout_distance(const cv::Mat& a, const cv::Mat& b) {
  if (a.empty() || b.empty() || a.size() != b.size()) return 1.0;
  const int rx = std::max(1, static_cast<int>(std::lround(a.cols * kLayoutShift)));
  const int ry = std::max(1, static_cast<int>(std::lround(a.rows * kLayoutShift)));
  double best = -1;
  for (int dy = -ry; dy <= ry; ++dy) {
    for (int dx = -rx; dx <= rx; ++dx) best = std::max(best, shifted_correlation(a, b, dx, dy));
  }
  return std::clamp(1.0 - best, 0.0, 1.0);
}

WindowSample window_sample(int64_t time_us, const cv::Mat& bgr) {
  WindowSample w;
  w.time_us = time_us;
  cv::Mat grey;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  w.luma_mean = cv::mean(grey)[0] / 255.0;
  w.histogram = colour_histogram(bgr);
  w.layout = layout_signature(grey);
  return w;
}

std::string window_verdict(const std::vector<WindowSample>& w, const CoverPickOptions& o) {
  if (w.size() < 2) return "";
  double luma_min = w[0].luma_mean, luma_max = w[0].luma_mean;
  for (size_t i = 1; i < w.size(); ++i) {
    if (histogram_distance(w[i - 1].histogram, w[i].histogram) >= o.new_shot_distance) {
      return "cut";
    }
    if (!w[i - 1].layout.empty() && !w[i].layout.empty() &&
        layout_distance(w[i - 1].layout, w[i].layout) >= o.new_shot_layout) {
      return "cut";
    }
    luma_min = std::min(luma_min, w[i].luma_mean);
    luma_max = std::max(luma_max, w[i].luma_mean);
  }
  // A fade moves the whole picture's light one way; a flash or a passing light goes and
  // comes back, which the first-to-last test below ignores when the picture returns.
  if (std::abs(w.back().luma_mean - w.front().luma_mean) > o.fade_luma &&
      luma_max - luma_min > o.fade_luma) {
    return "fade";
  }
  if (histogram_distance(w.front().histogram, w.back().histogram) >= o.dissolve_distance) {
    return "transition";
  }
  return "";
}

namespace {

// Shots and transitions from ShotDetector's cuts.
void shots_from_cuts(std::vector<CoverCandidate>& c, const std::vector<CoverCut>& cuts,
                     const CoverPickOptions& o) {
  size_t next = 0;
  for (CoverCandidate& k : c) {
    while (next < cuts.size() && cuts[next].time_us <= k.time_us) ++next;
    k.shot = static_cast<int>(next);
    bool in_transition = false;
    for (size_t j = next > 0 ? next - 1 : 0; j < cuts.size() && j <= next; ++j) {
      in_transition =
          in_transition || (k.time_us >= cuts[j].span_start_us - o.transition_guard_us &&
                            k.time_us <= cuts[j].span_end_us + o.transition_guard_us);
    }
    k.transition = in_transition ? 1.0 : 0.0;
  }
}

// Shots and transitions estimated from the candidates' colours and layouts.
void estimate_shots(std::vector<CoverCandidate>& c, const FrameScoreOptions& score_options,
                    const CoverPickOptions& o) {
  const size_t n = c.size();
  std::vector<double> step(n, 0);  // colour distance to the previous candidate (0 for the first)
  std::vector<bool> near_previous(n, false);
  for (size_t i = 1; i < n; ++i) {
    step[i] = histogram_distance(c[i - 1].histogram, c[i].histogram);
    near_previous[i] = c[i].time_us - c[i - 1].time_us <= o.neighbour_window_us;
  }
  // A neighbour too dim to tell a shot by: the darker half of a fade.
  const auto dim = [&](size_t i) {
    return c[i].score.highlight_luma < score_options.dim_highlight;
  };
  int shot = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && (step[i] >= o.new_shot_distance ||
                  (!c[i - 1].layout.empty() && !c[i].layout.empty() &&
                   layout_distance(c[i - 1].layout, c[i].layout) >= o.new_shot_layout))) {
      ++shot;
    }
    c[i].shot = shot;
    // A transition differs from both neighbours; the first and last candidates, and those
    // after or before a gap in the sampling, have only one and are judged by it alone when
    // that neighbour is dim (a fade in from or out to black at either end).
    const bool has_prev = i > 0 && near_previous[i];
    const bool has_next = i + 1 < n && near_previous[i + 1];
    double d = 0;
    if (has_prev && has_next) {
      d = std::min(step[i], step[i + 1]);
    } else if (has_prev && dim(i - 1)) {
      d = step[i];
    } else if (has_next && dim(i + 1)) {
      d = step[i + 1];
    }
    c[i].transition = std::clamp((d - o.transition_distance) / o.transition_span, 0.0, 1.0);
  }
}

}  // namespace

void rank_candidates(std::vector<CoverCandidate>& c, const FrameScoreOptions& score_options,
                     const CoverPickOptions& o, const std::vector<CoverCut>* cuts) {
  for (size_t i = 1; i < c.size(); ++i) {
    if (c[i].time_us < c[i - 1].time_us) {
      throw std::invalid_argument("rank_candidates: candidates are not in time order");
    }
  }
  if (cuts) {
    shots_from_cuts(c, *cuts, o);
  } else {
    estimate_shots(c, score_options, o);
  }
  for (CoverCandidate& k : c) {
    k.total = k.score.total * (1.0 - k.transition);
    const char* why = rejection(k.score, score_options);
    k.rejected = why ? why : k.transition >= o.max_transition ? "transition" : k.window;
  }
}

namespace {
std::vector<size_t> eligible_by_total(const std::vector<CoverCandidate>& c) {
  std::vector<size_t> order;
  for (size_t i = 0; i < c.size(); ++i) {
    if (c[i].rejected.empty()) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return c[a].total > c[b].total; });
  return order;
}
}  // namespace

std::vector<size_t> shortlist(const std::vector<CoverCandidate>& c, size_t count) {
  const std::vector<size_t> order = eligible_by_total(c);
  std::vector<size_t> out;
  std::set<int> shots;
  for (size_t i : order) {
    if (out.size() >= count) break;
    if (shots.insert(c[i].shot).second) out.push_back(i);
  }
  for (size_t i : order) {
    if (out.size() >= count) break;
    if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
  }
  return out;
}

std::vector<size_t> pick_covers(const std::vector<CoverCandidate>& c, size_t count,
                                const CoverPickOptions& o) {
  const std::vector<size_t> order = eligible_by_total(c);
  std::vector<size_t> out;
  std::set<int> shots;
  for (size_t i : order) {  // one per shot first: different moments
    if (out.size() >= count) break;
    if (shots.insert(c[i].shot).second) out.push_back(i);
  }
  for (size_t i : order) {  // then more from used shots, apart in time
    if (out.size() >= count) break;
    if (std::find(out.begin(), out.end(), i) != out.end()) continue;
    const bool apart = std::all_of(out.begin(), out.end(), [&](size_t j) {
      return std::llabs(c[i].time_us - c[j].time_us) >= o.min_gap_us;
    });
    if (apart) out.push_back(i);
  }
  std::stable_sort(out.begin(), out.end(),
                   [&](size_t a, size_t b) { return c[a].total > c[b].total; });
  return out;
}

}  // namespace reelpack
