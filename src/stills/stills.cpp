#include "stills/stills.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace reelpack {

namespace {

// Even offset of a `size` window centred on `centre`, inside [0, limit - size].
int even_offset_around(double centre, int size, int limit) {
  const int slack = std::max(0, limit - size);
  const int x = static_cast<int>(std::lround((centre - size / 2.0) / 2.0)) * 2;
  return std::clamp(x, 0, slack - slack % 2);
}

void resize_into(const cv::Mat& src, cv::Mat& dst, cv::Size size) {
  const bool shrinking = size.width < src.cols || size.height < src.rows;
  cv::resize(src, dst, size, 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
}

}  // namespace

cv::Mat reframe_picture(const cv::Mat& picture, PixelAspect sar, Size output, ReframeMode mode,
                        const cv::Rect2d* focus) {
  if (picture.empty() || picture.type() != CV_8UC3) {
    throw std::invalid_argument("reframe_picture: expected an 8-bit BGR picture");
  }
  const ReframePlan plan = plan_reframe({picture.cols, picture.rows}, sar, output, mode);
  const cv::Size out(output.width_px, output.height_px);
  cv::Rect crop(plan.crop.x_px, plan.crop.y_px, plan.crop.width_px, plan.crop.height_px);
  cv::Mat result;
  switch (mode) {
    case ReframeMode::Smart:
      if (focus) {
        crop.x = even_offset_around((focus->x + focus->width / 2) * picture.cols, crop.width,
                                    picture.cols);
        crop.y = even_offset_around((focus->y + focus->height / 2) * picture.rows, crop.height,
                                    picture.rows);
      }
      [[fallthrough]];
    case ReframeMode::Center:
      resize_into(picture(crop), result, out);
      break;
    case ReframeMode::Pad:
    case ReframeMode::Blur: {
      const cv::Rect fit(plan.fit.x_px, plan.fit.y_px, plan.fit.width_px, plan.fit.height_px);
      if (mode == ReframeMode::Pad) {
        result = cv::Mat(out, CV_8UC3, cv::Scalar(0, 0, 0));
      } else {
        // As package's filter chain: the centre crop at quarter size, box-blurred twice
        // (boxblur=radius:2), scaled back up.
        const cv::Size quarter(even(out.width / 4.0), even(out.height / 4.0));
        const int radius = std::max(2, std::min(quarter.width, quarter.height) / 12);
        cv::Mat background;
        cv::resize(picture(crop), background, quarter, 0, 0, cv::INTER_AREA);
        for (int pass = 0; pass < 2; ++pass) {
          cv::blur(background, background, cv::Size(2 * radius + 1, 2 * radius + 1));
        }
        cv::resize(background, result, out, 0, 0, cv::INTER_LINEAR);
      }
      cv::Mat fitted;
      resize_into(picture, fitted, fit.size());
      fitted.copyTo(result(fit));
      break;
    }
  }
  return result;
}

}  // namespace reelpack
