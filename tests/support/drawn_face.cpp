#include "support/drawn_face.h"

#include <cmath>
#include <opencv2/imgproc.hpp>

namespace reelpack::test {

void draw_face(cv::Mat& img, cv::Point c, int h, DrawnFace how) {
  const double w = h * 0.75;
  const double t = how.tilt_deg * CV_PI / 180;
  const double tilt = how.tilt_deg;
  // A point of the face, in face coordinates (x right, y down from the centre), turned
  // with the head.
  const auto at = [&](double dx, double dy) {
    dx += how.turn * w * 0.18;
    return c + cv::Point(static_cast<int>(std::lround(dx * std::cos(t) - dy * std::sin(t))),
                         static_cast<int>(std::lround(dx * std::sin(t) + dy * std::cos(t))));
  };
  const auto body = [&](double dx, double dy) {  // hair and shoulders do not follow `turn`
    return c + cv::Point(static_cast<int>(std::lround(dx * std::cos(t) - dy * std::sin(t))),
                         static_cast<int>(std::lround(dx * std::sin(t) + dy * std::cos(t))));
  };
  const cv::Scalar skin(140, 170, 220), dark(40, 40, 60), hair(30, 30, 40), white(250, 250, 250);
  const auto size = [](double a, double b) {
    return cv::Size(static_cast<int>(std::lround(a)), static_cast<int>(std::lround(b)));
  };
  cv::ellipse(img, body(0, h * 1.1), size(w * 1.1, h * 0.55), tilt, 180, 360,
              cv::Scalar(90, 60, 140), cv::FILLED, cv::LINE_AA);
  cv::ellipse(img, body(0, -h * 0.08), size(w * 0.56, h * 0.58), tilt, 180, 360, hair, cv::FILLED,
              cv::LINE_AA);
  cv::ellipse(img, c, size(w / 2, h / 2.0), tilt, 0, 360, skin, cv::FILLED, cv::LINE_AA);
  const double ew = w * 0.13, eh = h * 0.05;
  const int brow = std::max(1, h / 40);
  for (double side : {-1.0, 1.0}) {
    cv::ellipse(img, at(side * w * 0.2, -h * 0.16), size(ew * 1.3, eh * 0.6), tilt, 180, 360, dark,
                brow, cv::LINE_AA);
    cv::ellipse(img, at(side * w * 0.2, -h * 0.07), size(ew, eh), tilt, 0, 360, white, cv::FILLED,
                cv::LINE_AA);
    cv::circle(img, at(side * w * 0.2, -h * 0.07), static_cast<int>(std::lround(eh)), dark,
               cv::FILLED, cv::LINE_AA);
  }
  cv::line(img, at(0, -h * 0.02), at(-w * 0.04, h * 0.12), cv::Scalar(100, 130, 180),
           std::max(1, h / 60), cv::LINE_AA);
  cv::ellipse(img, at(0, h * 0.26), size(w * 0.16, h * 0.04), tilt, 0, 360, cv::Scalar(60, 60, 150),
              cv::FILLED, cv::LINE_AA);
}

cv::Rect face_box(cv::Point c, int h) {
  const int w = static_cast<int>(std::lround(h * 0.75));
  return {c.x - w / 2, c.y - h / 2, w, h};
}

}  // namespace reelpack::test
