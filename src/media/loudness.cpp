#include "media/loudness.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

extern "C" {
#include <libavutil/dict.h>
#include <libavutil/mathematics.h>
}

#include "media/av_ptr.h"
#include "media/filter_graph.h"
#include "media/input.h"

namespace fs = std::filesystem;

namespace reelpack {

namespace {

double metadata_number(const AVFrame* f, const char* key, double fallback) {
  const AVDictionaryEntry* e = av_dict_get(f->metadata, key, nullptr, 0);
  return e ? std::strtod(e->value, nullptr) : fallback;
}

}  // namespace

LoudnessMeasurement measure_loudness(const fs::path& path, const std::string& filters,
                                     const std::vector<std::pair<int64_t, int64_t>>& spans_us,
                                     const std::string& audio_stream, bool allow_truncated) {
  DecodeOptions d;
  d.video = false;
  d.audio = true;
  d.allow_truncated = allow_truncated;
  d.audio_stream = audio_stream;
  InputFile in(path, d);
  LoudnessMeasurement m;
  if (!in.decodes_audio()) return m;

  const std::string chain =
      (filters.empty() ? std::string() : filters + ",") + "ebur128=metadata=1:peak=true";
  const AVRational tb = in.audio_time_base();
  std::optional<FilterGraph> graph;
  av::FramePtr out = av::make_frame();
  double integrated = -70, range = 0, peak = 0;
  const auto drain = [&] {
    while (graph->pull(out.get())) {
      integrated = metadata_number(out.get(), "lavfi.r128.I", integrated);
      range = metadata_number(out.get(), "lavfi.r128.LRA", range);
      peak = std::max(peak, metadata_number(out.get(), "lavfi.r128.true_peak", 0));
      av_frame_unref(out.get());
    }
  };
  const auto wanted = [&](const AVFrame* f) {
    if (spans_us.empty() || f->pts == AV_NOPTS_VALUE) return true;
    const int64_t start = av_rescale_q(f->pts, tb, AV_TIME_BASE_Q);
    const int64_t end =
        start +
        av_rescale_q(f->nb_samples, AVRational{1, std::max(1, f->sample_rate)}, AV_TIME_BASE_Q);
    return std::any_of(spans_us.begin(), spans_us.end(),
                       [&](const auto& s) { return start < s.second && end > s.first; });
  };
  in.decode([&](StreamKind kind, AVFrame* frame) {
    if (kind != StreamKind::Audio) return;
    if (frame && !wanted(frame)) return;
    if (!graph) {
      if (!frame) return;
      graph.emplace(FilterGraph::audio(frame, tb, chain, 0, path.string()));
    }
    graph->push(frame);
    drain();
  });
  if (integrated > -69.95) m.integrated_lufs = integrated;
  m.range_lu = range;
  if (peak > 0) m.true_peak_dbtp = 20 * std::log10(peak);
  return m;
}

LoudnessGain loudness_gain(const LoudnessMeasurement& m, double target_lufs, double ceiling_dbtp) {
  LoudnessGain g;
  g.measured = m;
  if (!m.integrated_lufs) return g;
  g.gain_db = target_lufs - *m.integrated_lufs;
  g.limit = m.true_peak_dbtp + g.gain_db > ceiling_dbtp;
  return g;
}

}  // namespace reelpack
