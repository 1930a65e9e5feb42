// How two frames differ, for ShotDetector (a part of shot_detector.cpp, apart so the
// measures can be read on their own): a content score over HSV, and how much of the
// difference a camera move explains. Plain C++ on 8-bit HSV cv::Mat of one size.
//
//   double jump = frame_difference::content_score(hsv, previous_hsv);
//   if (frame_difference::unexplained_by_motion(hsv, previous_hsv) < 0.5) { /* a camera move */ }
#pragma once

#include <opencv2/core.hpp>

namespace reelpack::frame_difference {

// Mean absolute HSV difference on a 0..255 scale (PySceneDetect's content score), with
// hue compared around the circle and weighted by the lower saturation.
double content_score(const cv::Mat& a, const cv::Mat& b);

// Brightness difference left after the best camera move over the difference without one,
// at half size: low while the camera moves, about 1 through a dissolve. `scratch` holds
// six buffers, reused between calls.
double shift_residual(const cv::Mat& a_hsv, const cv::Mat& b_hsv, cv::Mat* scratch);

// The share of the difference between two frames that the best camera move (with a
// sub-pixel allowance) leaves unexplained: little for shake and whip pans, most of it for
// two different pictures.
double unexplained_by_motion(const cv::Mat& a_hsv, const cv::Mat& b_hsv);

}  // namespace reelpack::frame_difference
