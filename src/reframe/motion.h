// Motion as a subject for the camera in shots without faces: where the pixels that change
// from frame to frame lie over a sampling interval (a person walking, a car).
//
//   MotionMoments m;
//   cv::absdiff(grey, previous_grey, diff);
//   accumulate_motion(diff, m);                       // every frame of the interval
//   if (auto box = motion_box(m, grey.size())) use(*box);
//   m.clear();
//
// Sums of the changed pixels' positions give their centroid and spread; a spread too wide
// is the whole picture changing (a cut, a pan, a flash), not a subject moving.
#pragma once

#include <opencv2/core.hpp>
#include <optional>

namespace reelpack {

// Sums of the positions of changed pixels over an interval, for their centroid and
// spread.
struct MotionMoments {
  double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
  int frames = 0;
  void clear() { *this = {}; }
};

// Adds the changed pixels of one frame difference (absolute, grey, 8-bit).
void accumulate_motion(const cv::Mat& diff, MotionMoments& m);

// The moving region of one interval as a box in the difference frames' pixels (of
// `size`), or nothing when too little or the whole picture moved.
std::optional<cv::Rect2d> motion_box(const MotionMoments& m, cv::Size size);

}  // namespace reelpack
