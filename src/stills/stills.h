// A still picture reframed for a cover, with the same geometry package uses for video.
//
//   cv::Mat cover = reframe_picture(full, sar, {1080, 1920}, ReframeMode::Blur);
#pragma once

#include <opencv2/core.hpp>

#include "core/geometry.h"

namespace reelpack {

// `picture` (rotated to display orientation, pixels of aspect `sar`) reframed to exactly
// `output` as package reframes video (core/geometry.h): Center crops the middle, Pad fits
// the whole picture on black, Blur fits it over a blurred, zoomed copy of the centre crop.
// Smart crops like Center but centres the crop on `focus` (fractions of the picture, e.g.
// the faces) when given.
cv::Mat reframe_picture(const cv::Mat& picture, PixelAspect sar, Size output, ReframeMode mode,
                        const cv::Rect2d* focus = nullptr);

}  // namespace reelpack
