#include "package/plan.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <thread>

#include "core/atomic_file.h"
#include "core/error.h"
#include "package/sharing.h"
#include "presets/schema.h"

namespace reelpack {
namespace fs = std::filesystem;

Overrides master_overrides(const MediaInfo& in, const Overrides& given) {
  if (!in.video) throw UsageError(in.path.string() + ": has no video stream to cut");
  const VideoInfo& v = *in.video;
  // A variable-rate master is cut at the rate its stream declares, not at its average.
  const Rational fps = v.variable_frame_rate ? Rational{v.r_frame_rate.num, v.r_frame_rate.den}
                                             : v.nominal_frame_rate();
  Overrides master = {{"video.width", std::to_string(even(v.display_width_px()))},
                      {"video.height", std::to_string(even(v.display_height_px()))},
                      {"video.fps", fps.num > 0 ? fps.to_string() : "30"},
                      {"video.crf", "18"},
                      {"video.maxrate", "0"},
                      {"video.bufsize", "0"},
                      {"audio.bitrate", "192k"}};
  // The source's own size must be one an output may have (the schema's range), or the
  // loader's error would blame a --video.width or --video.height never given.
  for (const char* key : {"video.width", "video.height"}) {
    const KeySpec* spec = find_key(key);
    const int px = std::stoi(master[key]);
    if (!given.count(key) && (px < spec->min || px > spec->max)) {
      throw UsageError(
          in.path.string() + ": its picture is " + std::to_string(v.display_width_px()) + "x" +
          std::to_string(v.display_height_px()) + ", and an encode at the source's size must be " +
          std::to_string(static_cast<int>(spec->min)) + ".." +
          std::to_string(static_cast<int>(spec->max)) +
          " px each way; add -p PRESET (or --video.width and --video.height) to "
          "scale it, or --copy");
    }
  }
  // Likewise its frame rate: a damaged header can declare 90000 fps.
  const KeySpec* fps_spec = find_key("video.fps");
  if (!given.count("video.fps") && fps.num > 0 &&
      (fps.to_double() < fps_spec->min || fps.to_double() > fps_spec->max)) {
    throw UsageError(in.path.string() + ": its video declares " + fps.to_string() +
                     " frames per second, and an encode at the source's rate must be " +
                     std::to_string(static_cast<int>(fps_spec->min)) + ".." +
                     std::to_string(static_cast<int>(fps_spec->max)) +
                     " fps; add --video.fps N (or -p PRESET), or --copy");
  }
  for (const auto& [key, value] : given) master[key] = value;
  return master;
}

SourceFrameRate source_frame_rate(const VideoInfo& v) {
  SourceFrameRate s;
  s.rate = v.nominal_frame_rate();
  if (v.avg_frame_rate.num > 0 && v.avg_frame_rate.den > 0)
    s.average = {v.avg_frame_rate.num, v.avg_frame_rate.den};
  s.variable = v.variable_frame_rate;
  // Of a variable-rate stream the nominal rate is the finest step its timestamps take.
  if (v.variable_frame_rate && v.r_frame_rate.num > 0)
    s.rate = {v.r_frame_rate.num, v.r_frame_rate.den};
  return s;
}

FrameRateChoice output_frame_rate(const Preset& p, const VideoInfo& v) {
  return choose_frame_rate(p.video, source_frame_rate(v), p.name);
}

std::vector<TimeRange> resolve_ranges(const MediaInfo& in, const PackageJob& job) {
  return resolve_ranges(in, job.ranges);  // edit/ranges.h: the one rule for cut lists
}

int64_t output_duration_us(const MediaInfo& in, const std::vector<TimeRange>& ranges) {
  if (ranges.empty()) return in.duration_us;
  int64_t total_us = 0;
  for (const TimeRange& r : ranges) total_us += r.length_us();
  return total_us;
}

namespace {

// The picture: how the source is reframed to the preset's size, and the filter chains
// that do it (smart: the three graphs of a moving window).
void plan_picture(const VideoInfo& v, const PackageJob& job, const Preset& p,
                  const std::function<fs::path(Size, const SafeArea&)>& burn_script,
                  OutputPlan& plan) {
  const Size out{p.video.width_px, p.video.height_px};
  const int rot = v.rotation_deg;
  const Size src = rotated_size({v.width_px, v.height_px}, rot);
  // Reframing needs a picture to crop and scale: a 1x1 stream would fail in the filter
  // graph, blamed on the output.
  if (const std::string why = too_small_to_reframe(src); !why.empty()) {
    throw ProcessingError(job.input.string() + ": " + why);
  }
  const PixelAspect sar = rotated_aspect({v.sar.num, v.sar.den}, rot);
  plan.geometry = plan_reframe(src, sar, out, job.reframe);
  const VideoSourceTraits traits{rot, v.interlaced, source_colour(v), p.video.hdr == "keep"};
  std::string overlay;
  if (job.burn_subtitles) {
    overlay = ass_filter(burn_script ? burn_script(out, p.safe_area) : job.subtitles.front().file);
  }
  const Rational fps = plan.frame_rate.rate;
  plan.video_filters = video_filter_chain(plan.geometry, traits, fps, p.video.pix_fmt, overlay);
  if (job.reframe == ReframeMode::Smart) {
    // Shots the camera cannot frame are drawn as --reframe blur draws every frame.
    const ReframePlan fill = plan_reframe(src, sar, out, ReframeMode::Blur);
    plan.smart_filters =
        smart_filter_chains(plan.geometry, fill, traits, fps, p.video.pix_fmt, overlay);
  }
}

// Measurements of the limited chain to correct the gain by (see plan_encoders).
constexpr int kLimiterPasses = 2;

// The preset's encoder settings, and whether the output has (input or silent) audio.
void plan_encoders(const MediaInfo& in, const Preset& p, const LoudnessMeter& meter,
                   OutputPlan& plan) {
  VideoEncoderSettings& ve = plan.video;
  ve.codec = p.video.codec;
  ve.width_px = p.video.width_px;
  ve.height_px = p.video.height_px;
  const Rational fps = plan.frame_rate.rate;
  ve.frame_rate = {fps.num, fps.den};
  ve.pix_fmt = av_get_pix_fmt(p.video.pix_fmt.c_str());
  ve.profile = p.video.profile;
  ve.level = p.video.level;
  ve.preset = p.video.encoder_preset;
  ve.crf = p.video.crf;
  ve.maxrate_bps = p.video.maxrate_bps;
  ve.bufsize_bits = p.video.bufsize_bits;
  ve.gop_frames = p.video.gop_frames(fps);  // the preset's seconds at the output's rate
  ve.bframes = p.video.bframes;
  const VideoInfo& v = *in.video;
  const SourceColour colour = source_colour(v);
  if (p.video.hdr == "keep" && colour.hdr != Hdr::None) {
    ve.primaries = AVCOL_PRI_BT2020;
    ve.transfer = colour.hdr == Hdr::Pq ? AVCOL_TRC_SMPTE2084 : AVCOL_TRC_ARIB_STD_B67;
    ve.matrix = AVCOL_SPC_BT2020_NCL;
    ve.mastering = v.mastering;
    ve.max_cll_nits = v.max_cll_nits;
    ve.max_fall_nits = v.max_fall_nits;
  }

  AudioEncoderSettings& ae = plan.audio;
  ae.codec = p.audio.codec;
  ae.bitrate_bps = p.audio.bitrate_bps;
  ae.sample_rate_hz = p.audio.sample_rate_hz;
  ae.channels = p.audio.channels;
  plan.has_audio = in.audio.has_value() || p.audio.required;
  plan.silent_audio = !in.audio && p.audio.required;
  if (!in.audio) return;
  if (p.audio.loudness_lufs && meter) {
    const std::string pre = audio_prefilter_chain(p.audio, in.audio->channel_names);
    const double target = *p.audio.loudness_lufs;
    LoudnessGain g = loudness_gain(meter(pre), target, p.audio.true_peak_dbtp);
    // A limiter that has work to do takes some loudness with the peaks: measure the chain
    // with it and make up the difference in the gain before it (twice at most; each pass
    // lands closer, as more gain means only a little more limiting).
    for (int pass = 0; g.limit && pass < kLimiterPasses; ++pass) {
      const LoudnessMeasurement after = meter(pre + loudness_stage(p.audio, g));
      if (!after.integrated_lufs || std::abs(target - *after.integrated_lufs) < 0.1) break;
      g.gain_db += target - *after.integrated_lufs;
    }
    plan.loudness = g;
  }
  plan.audio_filters = audio_filter_chain(p.audio, in.audio->channel_names,
                                          plan.loudness ? &*plan.loudness : nullptr);
}

// The platform's duration limits, as warnings (the output is still written).
void check_duration(int64_t out_duration_us, const Preset& p, OutputPlan& plan) {
  const int64_t dur_ms = out_duration_us / 1000;
  if (p.limits.max_duration_ms && dur_ms > p.limits.max_duration_ms) {
    plan.warnings.push_back("input is " + std::to_string(dur_ms / 1000.0) + " s; " + p.name +
                            " allows at most " + std::to_string(p.limits.max_duration_ms / 1000.0) +
                            " s (trim it)");
  }
  if (p.limits.min_duration_ms && dur_ms < p.limits.min_duration_ms) {
    plan.warnings.push_back("input is " + std::to_string(dur_ms / 1000.0) + " s; " + p.name +
                            " needs at least " + std::to_string(p.limits.min_duration_ms / 1000.0) +
                            " s");
  }
}

// Outputs that encode identically are made from the first's file; those that differ only
// in audio take its video packets (package/sharing.h). The encoders left share the cores.
void share_work(const PackageJob& job, std::vector<OutputPlan>& plans) {
  std::vector<const Preset*> presets;
  std::vector<Rational> rates;
  for (size_t i = 0; i < plans.size(); ++i) {
    presets.push_back(&job.outputs[i].preset);
    rates.push_back(plans[i].frame_rate.rate);
  }
  unsigned encodes = 0;
  const std::vector<EncodeSharing> sharing = plan_sharing(presets, rates);
  for (size_t i = 0; i < plans.size(); ++i) {
    const EncodeSharing& s = sharing[i];
    if (s.same_encode_as != EncodeSharing::kNone) {
      plans[i].same_encode_as = plans[s.same_encode_as].path;
    } else if (s.same_video_as != EncodeSharing::kNone) {
      plans[i].same_video_as = plans[s.same_video_as].path;
    } else {
      ++encodes;
    }
  }
  // Several encoders run side by side: share the cores between them instead of letting
  // each start its own thread per core, which only adds frame-thread overhead and memory.
  if (encodes > 1) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    for (OutputPlan& p : plans) p.video.threads = static_cast<int>(std::max(1u, cores / encodes));
  }
}

}  // namespace

LoudnessMeter loudness_meter(const PackageJob& job, const std::vector<TimeRange>& ranges) {
  std::vector<std::pair<int64_t, int64_t>> spans;
  for (const TimeRange& r : ranges) spans.emplace_back(r.start_us, r.end_us);
  auto known = std::make_shared<std::map<std::string, LoudnessMeasurement>>();
  return [=](const std::string& prefilters) {
    const auto it = known->find(prefilters);
    if (it != known->end()) return it->second;
    const LoudnessMeasurement m =
        measure_loudness(job.input, prefilters, spans, job.audio_stream, job.allow_truncated);
    known->emplace(prefilters, m);
    return m;
  };
}

std::vector<OutputPlan> plan_package(
    const MediaInfo& in, const PackageJob& job,
    const std::function<fs::path(Size, const SafeArea&)>& burn_script, const LoudnessMeter& meter) {
  if (job.burn_subtitles && job.subtitles.empty()) {
    throw UsageError("--burn-subtitles needs a subtitles file (--subtitles FILE)");
  }
  if (!in.video) throw UsageError(in.path.string() + ": has no video stream to package");
  const int64_t out_duration_us = output_duration_us(in, resolve_ranges(in, job));
  std::vector<OutputPlan> plans;
  for (const OutputRequest& req : job.outputs) {
    const Preset& p = req.preset;
    OutputPlan plan;
    plan.preset = p.name;
    plan.path = req.path;
    output_target(req.path);  // a device, FIFO, folder or the input: refused before any work
    plan.container = p.container;
    plan.frame_rate = output_frame_rate(p, *in.video);
    if (!plan.frame_rate.accepted) {
      plan.warnings.push_back("video.fps " + fps_text(plan.frame_rate.rate) + " is outside the " +
                              fps_range_text(p.video) + " " + p.name +
                              " accepts; `check` will fail it");
    }
    plan_picture(*in.video, job, p, burn_script, plan);
    plan_encoders(in, p, meter, plan);
    check_duration(out_duration_us, p, plan);
    plans.push_back(std::move(plan));
  }
  share_work(job, plans);
  return plans;
}

}  // namespace reelpack
