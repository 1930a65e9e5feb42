#include "media/bgr_converter.h"

extern "C" {
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/geometry.h"
#include "media/av_error.h"
#include "media/colour.h"

namespace reelpack {

namespace {

// The swscale matrix for a frame's YCbCr (media/colour.h's rule for untagged frames).
int sws_colorspace(const AVFrame* f) {
  switch (ycbcr_matrix(f->colorspace, f->height)) {
    case AVCOL_SPC_FCC:
      return SWS_CS_FCC;
    case AVCOL_SPC_BT470BG:
      return SWS_CS_ITU601;
    case AVCOL_SPC_SMPTE240M:
      return SWS_CS_SMPTE240M;
    case AVCOL_SPC_BT2020_NCL:
      return SWS_CS_BT2020;
    default:
      return SWS_CS_ITU709;
  }
}

bool full_range(const AVFrame* f) {
  if (f->color_range == AVCOL_RANGE_JPEG) return true;
  switch (f->format) {
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUVJ422P:
    case AV_PIX_FMT_YUVJ444P:
    case AV_PIX_FMT_YUVJ440P:
    case AV_PIX_FMT_YUVJ411P:
      return true;
    default:
      return false;
  }
}

}  // namespace

cv::Size display_size_at_width(const VideoInfo& video, int width_px) {
  const double aspect = static_cast<double>(std::max(1, video.display_width_px())) /
                        std::max(1, video.display_height_px());
  return {width_px, even(width_px / aspect)};
}

void make_swscale_bgr(cv::Mat& picture, cv::Size size) {
  if (picture.size() == size && picture.type() == CV_8UC3 && picture.isSubmatrix()) {
    cv::Size whole;
    cv::Point offset;
    picture.locateROI(whole, offset);
    if (offset == cv::Point(0, 0) && whole.width == size.width && whole.height == size.height + 1) {
      return;
    }
  }
  cv::Mat buffer(size.height + 1, size.width, CV_8UC3);
  picture = buffer(cv::Rect(0, 0, size.width, size.height));
}

const cv::Mat& BgrConverter::convert(const AVFrame* f, cv::Size display) {
  const bool swap = rotation_deg_ == 90 || rotation_deg_ == 270;
  int out_w = f->width, out_h = f->height;
  if (!display.empty()) {
    out_w = swap ? display.height : display.width;
    out_h = swap ? display.width : display.height;
  }
  const int space = sws_colorspace(f);
  const int range = full_range(f) ? 1 : 0;
  if (!sws_ || f->width != sws_w_ || f->height != sws_h_ || f->format != sws_fmt_ ||
      out_w != sws_out_w_ || out_h != sws_out_h_ || space != sws_space_ || range != sws_range_) {
    // Area averaging for the large reductions of tiles and scoring frames (no aliasing,
    // which would read as detail); bicubic with full chroma for covers at full size.
    // Fast: several times cheaper than either, plenty for analysis frames.
    const bool reducing = out_w * 2 <= f->width;
    const int flags = scaling_ == Scaling::Fast ? SWS_FAST_BILINEAR
                      : reducing                ? SWS_AREA
                                 : SWS_BICUBIC | SWS_FULL_CHR_H_INT | SWS_ACCURATE_RND;
    sws_.reset(sws_getContext(f->width, f->height, static_cast<AVPixelFormat>(f->format), out_w,
                              out_h, AV_PIX_FMT_BGR24, flags, nullptr, nullptr, nullptr));
    if (!sws_) {
      const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format));
      throw ProcessingError((file_.empty() ? std::string() : file_ + ": ") + "cannot convert " +
                            (name ? name : "this pixel format") + " frames to pictures");
    }
    if (scaling_ == Scaling::Quality) {
      // Source matrix and range from the frame; the BGR side is full range.
      const int* coefficients = sws_getCoefficients(space);
      sws_setColorspaceDetails(sws_.get(), coefficients, range, coefficients, 1, 0, 1 << 16,
                               1 << 16);
    }
    sws_w_ = f->width;
    sws_h_ = f->height;
    sws_fmt_ = f->format;
    sws_out_w_ = out_w;
    sws_out_h_ = out_h;
    sws_space_ = space;
    sws_range_ = range;
  }
  make_swscale_bgr(scaled_, cv::Size(out_w, out_h));
  uint8_t* dst[4] = {scaled_.data, nullptr, nullptr, nullptr};
  int dst_stride[4] = {static_cast<int>(scaled_.step), 0, 0, 0};
  sws_scale(sws_.get(), f->data, f->linesize, 0, f->height, dst, dst_stride);
  switch (rotation_deg_) {
    case 90:
      cv::rotate(scaled_, turned_, cv::ROTATE_90_CLOCKWISE);
      return turned_;
    case 180:
      cv::rotate(scaled_, turned_, cv::ROTATE_180);
      return turned_;
    case 270:
      cv::rotate(scaled_, turned_, cv::ROTATE_90_COUNTERCLOCKWISE);
      return turned_;
    default:
      return scaled_;
  }
}

}  // namespace reelpack
