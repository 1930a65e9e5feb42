#include "media/frame_sampler.h"

extern "C" {
#include <libavutil/mathematics.h>
}

#include "core/error.h"
#include "core/geometry.h"
#include "media/bgr_converter.h"

namespace reelpack {

SampleSummary sample_frames(const std::filesystem::path& path, const SamplerOptions& options,
                            const std::function<void(const AnalysisFrame&)>& callback) {
  DecodeOptions decode{true, false, options.fast_decode};
  decode.allow_truncated = options.allow_truncated;
  InputFile input(path, decode);
  const MediaInfo& info = input.info();
  if (!info.video) throw UsageError(path.string() + ": has no video stream to analyse");
  const AVRational tb = input.video_time_base();
  const double sar = av_q2d(info.video->sar);
  const int out_w = options.width_px;
  const int out_h =
      even(out_w * info.video->height_px / (info.video->width_px * (sar > 0 ? sar : 1)));

  // Fast bilinear is plenty for a 256-px analysis frame and several times cheaper than
  // bicubic at this reduction.
  BgrConverter to_bgr(0, BgrConverter::Scaling::Fast, path.string());
  SampleSummary summary;
  summary.fps = info.video->nominal_frame_rate().to_double();

  input.decode([&](StreamKind kind, AVFrame* f) {
    if (kind != StreamKind::Video || !f) return;
    AnalysisFrame af;
    af.index = summary.frames++;
    af.pts_us = av_rescale_q(f->pts, tb, AV_TIME_BASE_Q);
    af.bgr = to_bgr.convert(f, {out_w, out_h});
    callback(af);
    summary.duration_us = std::max(summary.duration_us, af.pts_us);
  });
  summary.truncation = input.truncation();
  if (summary.frames > 0 && summary.fps > 0) {
    summary.duration_us += static_cast<int64_t>(1e6 / summary.fps);
  }
  return summary;
}

}  // namespace reelpack
