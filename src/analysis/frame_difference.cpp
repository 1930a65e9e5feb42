#include "analysis/frame_difference.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

#include <opencv2/imgproc.hpp>

namespace reelpack::frame_difference {

namespace {

// Largest camera move between two frames that is searched for, as a share of the width.
constexpr double kMotionSearch = 0.1;

// The two frames' overlap when b's picture has moved by (dx, dy) in a.
std::pair<cv::Rect, cv::Rect> overlap(cv::Size size, int dx, int dy) {
  const int w = size.width - std::abs(dx), h = size.height - std::abs(dy);
  return {cv::Rect(std::max(dx, 0), std::max(dy, 0), w, h),
          cv::Rect(std::max(-dx, 0), std::max(-dy, 0), w, h)};
}

struct Shift {
  int dx = 0;
  int dy = 0;
  double difference = 0;  // mean absolute difference over the overlap
};

// The shift within `radius` of (cx, cy) that best matches b to a.
Shift best_shift(const cv::Mat& a, const cv::Mat& b, int cx, int cy, int radius) {
  Shift best{0, 0, std::numeric_limits<double>::max()};
  for (int dy = cy - radius; dy <= cy + radius; ++dy) {
    for (int dx = cx - radius; dx <= cx + radius; ++dx) {
      const auto [ra, rb] = overlap(a.size(), dx, dy);
      if (ra.width <= 0 || ra.height <= 0) continue;
      const double difference = cv::norm(a(ra), b(rb), cv::NORM_L1) / ra.area();
      if (difference < best.difference) best = {dx, dy, difference};
    }
  }
  return best;
}

// The camera move, up to kMotionSearch of the width, that best matches b to a: searched
// at half their size, then refined to a pixel. `scratch` holds two buffers.
Shift camera_move(const cv::Mat& a, const cv::Mat& b, cv::Mat* scratch) {
  cv::resize(a, scratch[0], {}, 0.5, 0.5, cv::INTER_AREA);
  cv::resize(b, scratch[1], {}, 0.5, 0.5, cv::INTER_AREA);
  const int radius = std::max(1, static_cast<int>(std::lround(scratch[0].cols * kMotionSearch)));
  const Shift coarse = best_shift(scratch[0], scratch[1], 0, 0, radius);
  return best_shift(a, b, 2 * coarse.dx, 2 * coarse.dy, 1);
}

}  // namespace

// Mean absolute HSV difference of two frames on a 0..255 scale, as PySceneDetect's
// content score (mean of the hue, saturation and value deltas), except that hue is
// compared around the circle and weighted by the lower saturation: the hue of a grey or
// dark pixel flips at random under noise and would otherwise read as change.
double content_score(const cv::Mat& a, const cv::Mat& b) {
  int64_t hue_sum = 0, sat_sum = 0, val_sum = 0;
  for (int y = 0; y < a.rows; ++y) {
    const uint8_t* p = a.ptr<uint8_t>(y);
    const uint8_t* q = b.ptr<uint8_t>(y);
    int32_t hue_row = 0, sat_row = 0, val_row = 0;  // no overflow below 90 000 px a row
    for (int i = 0, n = a.cols * 3; i < n; i += 3) {
      int dh = std::abs(p[i] - q[i]);
      dh = std::min(dh, 180 - dh);  // OpenCV's 8-bit hue is 0..179, degrees / 2
      hue_row += dh * std::min(p[i + 1], q[i + 1]);
      sat_row += std::abs(p[i + 1] - q[i + 1]);
      val_row += std::abs(p[i + 2] - q[i + 2]);
    }
    hue_sum += hue_row;
    sat_sum += sat_row;
    val_sum += val_row;
  }
  // Hue distance 0..90 doubled to 0..180 and saturation weight /255: PySceneDetect's range.
  const double hue = 2.0 * static_cast<double>(hue_sum) / 255.0;
  const double pixels = static_cast<double>(a.rows) * a.cols;
  return (hue + static_cast<double>(sat_sum) + static_cast<double>(val_sum)) / (3.0 * pixels);
}

// Brightness difference left after the best camera move, over the difference without
// one, at half the working size: low while the camera moves (a pan, a whip), about 1
// through a dissolve. `scratch` holds six buffers.
double shift_residual(const cv::Mat& a_hsv, const cv::Mat& b_hsv, cv::Mat* scratch) {
  cv::extractChannel(a_hsv, scratch[0], 2);
  cv::extractChannel(b_hsv, scratch[1], 2);
  cv::resize(scratch[0], scratch[2], {}, 0.5, 0.5, cv::INTER_AREA);
  cv::resize(scratch[1], scratch[3], {}, 0.5, 0.5, cv::INTER_AREA);
  const cv::Mat& a = scratch[2];
  const cv::Mat& b = scratch[3];
  const double unshifted = cv::norm(a, b, cv::NORM_L1) / a.total();
  if (unshifted < 0.5) return 1.0;  // nothing moved
  return std::min(1.0, camera_move(a, b, scratch + 4).difference / unshifted);
}

// How much of the difference between two frames a camera move leaves unexplained: the
// difference after the best shift of up to kMotionSearch of the width (found at half
// size), with each pixel matched to the closest of its 3x3 neighbours (a move of a
// fraction of a pixel, which no whole shift undoes), over the plain difference. Camera
// shake and whip pans make jumps that stand out from their neighbours as a cut does; they
// leave little; two different pictures leave most of it.
double unexplained_by_motion(const cv::Mat& a_hsv, const cv::Mat& b_hsv) {
  cv::Mat a, b;  // hue cannot be averaged (it wraps at red), so work in BGR
  cv::cvtColor(a_hsv, a, cv::COLOR_HSV2BGR);
  cv::cvtColor(b_hsv, b, cv::COLOR_HSV2BGR);
  cv::Mat scratch[4];
  cv::resize(a, scratch[0], {}, 0.5, 0.5, cv::INTER_AREA);
  cv::resize(b, scratch[1], {}, 0.5, 0.5, cv::INTER_AREA);
  const Shift move = camera_move(scratch[0], scratch[1], scratch + 2);
  const int sx = 2 * move.dx, sy = 2 * move.dy;
  // Pixels of `a` whose 3x3 neighbourhood, moved by (sx, sy), lies inside `b`.
  const int x0 = std::max(sx, 0) + 1, x1 = a.cols + std::min(sx, 0) - 1;
  const int y0 = std::max(sy, 0) + 1, y1 = a.rows + std::min(sy, 0) - 1;
  if (x1 <= x0 || y1 <= y0) return 1.0;
  double residual = 0;
  for (int y = y0; y < y1; ++y) {
    const uint8_t* p = a.ptr<uint8_t>(y);
    for (int x = x0; x < x1; ++x) {
      int closest = 3 * 255;
      for (int ny = -1; ny <= 1; ++ny) {
        const uint8_t* q = b.ptr<uint8_t>(y - sy + ny);
        for (int nx = -1; nx <= 1; ++nx) {
          const int i = 3 * x, j = 3 * (x - sx + nx);
          closest = std::min(closest, std::abs(p[i] - q[j]) + std::abs(p[i + 1] - q[j + 1]) +
                                          std::abs(p[i + 2] - q[j + 2]));
        }
      }
      residual += closest;
    }
  }
  residual /= static_cast<double>(x1 - x0) * (y1 - y0);
  const double plain = cv::norm(a, b, cv::NORM_L1) / a.total();
  return plain > 0 ? residual / plain : 1.0;
}

}  // namespace reelpack::frame_difference
