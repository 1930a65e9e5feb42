#include "reframe/smart_analysis.h"

extern "C" {
#include <libavutil/mathematics.h>
}

#include <algorithm>
#include <cmath>

#include "media/input.h"
#include "reframe/frame_analyser.h"

namespace reelpack {
namespace fs = std::filesystem;

int64_t SmartAnalysis::to_us(int64_t pts_in_time_base) const {
  return av_rescale_q(pts_in_time_base, time_base, AVRational{1, 1'000'000});
}

SmartAnalysis analyse_for_reframe(const fs::path& path, const std::vector<TimeRange>& ranges,
                                  const SmartAnalysisOptions& opt,
                                  const AnalysisProgress& progress) {
  // The frames as package() decodes them for the encode (loop filter and all), so that
  // one pass and two give the same analysis.
  DecodeOptions decode{true, false, false};
  decode.allow_truncated = opt.allow_truncated;
  InputFile input(path, decode);
  FrameAnalyser analyser(path, input.info(), input.video_time_base(), opt);
  const InputFile::FrameSink sink = [&](StreamKind kind, AVFrame* f) {
    if (kind != StreamKind::Video || !f) return;
    analyser.push(f);
    if (progress) progress(analyser.so_far().frame_count(), analyser.so_far().to_us(f->pts));
  };
  if (ranges.empty()) {
    input.decode(sink);
    return analyser.finish({});
  }
  RangeReader reader(input, ranges);
  reader.run(sink);
  return analyser.finish(reader.actual());
}

std::vector<SubjectSample> samples_between(const std::vector<SubjectSample>& samples, int64_t first,
                                           int64_t end) {
  std::vector<SubjectSample> out;
  for (const SubjectSample& s : samples) {
    if (s.frame >= first && s.frame < end) out.push_back(s);
  }
  return out;
}

Rect to_source(const cv::Rect2d& r, double sx, double sy, Size source) {
  const int x0 = std::clamp(static_cast<int>(std::lround(r.x * sx)), 0, source.width_px);
  const int y0 = std::clamp(static_cast<int>(std::lround(r.y * sy)), 0, source.height_px);
  const int x1 =
      std::clamp(static_cast<int>(std::lround((r.x + r.width) * sx)), 0, source.width_px);
  const int y1 =
      std::clamp(static_cast<int>(std::lround((r.y + r.height) * sy)), 0, source.height_px);
  return {x0, y0, x1 - x0, y1 - y0};
}

std::string haar_fallback_note() {
  return "smart reframing used OpenCV's Haar cascades: the BlazeFace face model is not "
         "installed (scripts/setup.sh installs it in /usr/local/share/reelpack/models), so "
         "heads tilted past 10 degrees and faces under about 30 px are often missed";
}

}  // namespace reelpack
