#include "reframe/motion.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace reelpack {

namespace {

// Frame-to-frame differences above this (0..255 grey) count as motion; sensor noise and
// compression flicker stay below it.
constexpr int kMotionThreshold = 25;
// A motion sample needs at least this share of the pixels changing per frame.
constexpr double kMotionMinShare = 0.001;
// Changes spread wider than this (standard deviation as a share of the frame width) are
// the whole picture changing (a cut, a pan, a flash), not a subject moving.
constexpr double kMotionMaxSpread = 0.22;

}  // namespace

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

}  // namespace reelpack
