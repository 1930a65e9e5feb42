#include "pipeline/frame_sampler.h"

extern "C" {
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

#include "media/av_ptr.h"
#include "pipeline/geometry.h"
#include "pipeline/stills.h"
#include "util/error.h"

namespace reelpack {

SampleSummary sample_frames(const std::filesystem::path& path, const SamplerOptions& options,
                            const std::function<void(const AnalysisFrame&)>& callback) {
  InputFile input(path, DecodeOptions{true, false, options.fast_decode});
  const MediaInfo& info = input.info();
  if (!info.video) throw UsageError(path.string() + ": has no video stream to analyse");
  const AVRational tb = input.video_time_base();
  const double sar = av_q2d(info.video->sar);
  const int out_w = options.width_px;
  const int out_h =
      even(out_w * info.video->height_px / (info.video->width_px * (sar > 0 ? sar : 1)));

  av::SwsPtr sws;
  int sws_w = 0, sws_h = 0, sws_fmt = -1;
  cv::Mat bgr;
  make_swscale_bgr(bgr, cv::Size(out_w, out_h));
  SampleSummary summary;
  const AVRational fr =
      info.video->avg_frame_rate.num > 0 ? info.video->avg_frame_rate : info.video->r_frame_rate;
  summary.fps = fr.den > 0 ? av_q2d(fr) : 0;

  input.decode([&](StreamKind kind, AVFrame* f) {
    if (kind != StreamKind::Video || !f) return;
    if (!sws || f->width != sws_w || f->height != sws_h || f->format != sws_fmt) {
      // Fast bilinear is plenty for a 256-px analysis frame and several times cheaper
      // than the default bicubic at this reduction.
      sws.reset(sws_getContext(f->width, f->height, static_cast<AVPixelFormat>(f->format), out_w,
                               out_h, AV_PIX_FMT_BGR24, SWS_FAST_BILINEAR, nullptr, nullptr,
                               nullptr));
      if (!sws) throw ProcessingError(path.string() + ": cannot scale frames for analysis");
      sws_w = f->width;
      sws_h = f->height;
      sws_fmt = f->format;
    }
    uint8_t* dst[4] = {bgr.data, nullptr, nullptr, nullptr};
    int dst_stride[4] = {static_cast<int>(bgr.step), 0, 0, 0};
    sws_scale(sws.get(), f->data, f->linesize, 0, f->height, dst, dst_stride);
    AnalysisFrame af;
    af.index = summary.frames++;
    af.pts_us = av_rescale_q(f->pts, tb, AV_TIME_BASE_Q);
    af.bgr = bgr;
    callback(af);
    summary.duration_us = std::max(summary.duration_us, af.pts_us);
  });
  if (summary.frames > 0 && summary.fps > 0) {
    summary.duration_us += static_cast<int64_t>(1e6 / summary.fps);
  }
  return summary;
}

}  // namespace reelpack
