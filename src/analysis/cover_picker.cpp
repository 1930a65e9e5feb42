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

WindowSample window_sample(int64_t time_us, const cv::Mat& bgr) {
  WindowSample w;
  w.time_us = time_us;
  cv::Mat grey;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  w.luma_mean = cv::mean(grey)[0] / 255.0;
  w.histogram = colour_histogram(bgr);
  return w;
}

std::string window_verdict(const std::vector<WindowSample>& w, const CoverPickOptions& o) {
  if (w.size() < 2) return "";
  double luma_min = w[0].luma_mean, luma_max = w[0].luma_mean;
  for (size_t i = 1; i < w.size(); ++i) {
    if (histogram_distance(w[i - 1].histogram, w[i].histogram) >= o.new_shot_distance) {
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

void rank_candidates(std::vector<CoverCandidate>& c, const FrameScoreOptions& score_options,
                     const CoverPickOptions& o) {
  const size_t n = c.size();
  std::vector<double> step(n, 0);  // distance to the previous candidate (0 for the first)
  std::vector<bool> near_previous(n, false);
  for (size_t i = 1; i < n; ++i) {
    if (c[i].time_us < c[i - 1].time_us) {
      throw std::invalid_argument("rank_candidates: candidates are not in time order");
    }
    step[i] = histogram_distance(c[i - 1].histogram, c[i].histogram);
    near_previous[i] = c[i].time_us - c[i - 1].time_us <= o.neighbour_window_us;
  }
  int shot = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && step[i] >= o.new_shot_distance) ++shot;
    c[i].shot = shot;
    // A transition differs from both neighbours; the first and last candidates, and those
    // after or before a gap in the sampling, have only one and are judged by it alone when
    // that neighbour is dark (a fade in from or out to black at either end).
    const bool has_prev = i > 0 && near_previous[i];
    const bool has_next = i + 1 < n && near_previous[i + 1];
    double d = 0;
    if (has_prev && has_next) {
      d = std::min(step[i], step[i + 1]);
    } else if (has_prev && c[i - 1].score.exposure < score_options.min_exposure) {
      d = step[i];
    } else if (has_next && c[i + 1].score.exposure < score_options.min_exposure) {
      d = step[i + 1];
    }
    c[i].transition = std::clamp((d - o.transition_distance) / o.transition_span, 0.0, 1.0);
    c[i].total = c[i].score.total * (1.0 - c[i].transition);
    const char* why = rejection(c[i].score, score_options);
    c[i].rejected = why ? why : c[i].transition >= o.max_transition ? "transition" : c[i].window;
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
