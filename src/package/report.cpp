#include "package/report.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "package/smart_outputs.h"

namespace reelpack {

bool PackageReport::ok() const {
  for (const auto& o : outputs) {
    if (!o.ok) return false;
  }
  return true;
}

namespace {

// The loudness plan: what was measured and the gain and limiter chosen; null without one.
nlohmann::json loudness_json(const std::optional<LoudnessGain>& loudness) {
  if (!loudness) return nullptr;
  const LoudnessGain& g = *loudness;
  const LoudnessMeasurement& m = g.measured;
  const auto rounded = [](double v) { return std::round(v * 100) / 100; };
  return {{"measured_lufs",
           m.integrated_lufs ? nlohmann::json(rounded(*m.integrated_lufs)) : nlohmann::json()},
          {"measured_range_lu", rounded(m.range_lu)},
          {"measured_true_peak_dbtp", std::isfinite(m.true_peak_dbtp)
                                          ? nlohmann::json(rounded(m.true_peak_dbtp))
                                          : nlohmann::json()},
          {"gain_db", rounded(g.gain_db)},
          {"limiter", g.limit}};
}

}  // namespace

nlohmann::json to_json(const OutputPlan& plan) {
  const VideoEncoderSettings& v = plan.video;
  nlohmann::json j = {
      {"preset", plan.preset},
      {"output", plan.path.string()},
      {"reframe", to_string(plan.geometry.mode)},
      {"crop",
       {{"x", plan.geometry.crop.x_px},
        {"y", plan.geometry.crop.y_px},
        {"width", plan.geometry.crop.width_px},
        {"height", plan.geometry.crop.height_px}}},
      {"video_filters", plan.video_filters},
      {"audio_filters", plan.audio_filters},
      {"loudness", loudness_json(plan.loudness)},
      {"fill_filters", plan.smart_filters.fill.empty() ? nlohmann::json()
                                                       : nlohmann::json(plan.smart_filters.fill)},
      {"video",
       {{"codec", v.codec},
        {"width", v.width_px},
        {"height", v.height_px},
        {"fps", std::to_string(v.frame_rate.num) + "/" + std::to_string(v.frame_rate.den)},
        {"fps_change", to_string(plan.frame_rate.change)},
        {"fps_reason", plan.frame_rate.reason},
        {"profile", v.profile},
        {"level", v.level},
        {"preset", v.preset},
        {"crf", v.crf},
        {"maxrate", v.maxrate_bps},
        {"bufsize", v.bufsize_bits},
        {"gop_frames", v.gop_frames},
        {"bframes", v.bframes},
        {"threads", v.threads}}},
      {"audio", plan.has_audio ? nlohmann::json{{"codec", plan.audio.codec},
                                                {"bitrate", plan.audio.bitrate_bps},
                                                {"sample_rate", plan.audio.sample_rate_hz},
                                                {"channels", plan.audio.channels},
                                                {"silent", plan.silent_audio}}
                               : nlohmann::json()},
      {"warnings", plan.warnings},
      {"same_encode_as", plan.same_encode_as.empty()
                             ? nlohmann::json()
                             : nlohmann::json(plan.same_encode_as.string())},
      {"same_video_as", plan.same_video_as.empty() ? nlohmann::json()
                                                   : nlohmann::json(plan.same_video_as.string())}};
  return j;
}

nlohmann::json to_json(const MediaInfo& in) {
  nlohmann::json j = {{"path", in.path.string()},
                      {"format", in.format_name},
                      {"duration_seconds", in.duration_us / 1e6},
                      {"start_seconds", in.start_us / 1e6},
                      {"bit_rate", in.bit_rate},
                      {"size_bytes", in.size_bytes}};
  if (in.video) {
    const VideoInfo& v = *in.video;
    j["video"] = {
        {"index", v.index},
        {"codec", v.codec},
        {"profile", v.profile},
        {"pix_fmt", v.pix_fmt},
        {"width", v.width_px},
        {"height", v.height_px},
        {"display_width", v.display_width_px()},
        {"display_height", v.display_height_px()},
        {"sar", std::to_string(v.sar.num) + ":" + std::to_string(v.sar.den)},
        {"frame_rate",
         std::to_string(v.avg_frame_rate.num) + "/" + std::to_string(v.avg_frame_rate.den)},
        {"nominal_frame_rate",
         std::to_string(v.r_frame_rate.num) + "/" + std::to_string(v.r_frame_rate.den)},
        {"variable_frame_rate", v.variable_frame_rate},
        {"rotation", v.rotation_deg},
        {"interlaced", v.interlaced},
        {"frames", v.frame_count},
        {"bit_rate", v.bit_rate},
        {"color_space", v.color_space},
        {"color_primaries", v.color_primaries},
        {"color_transfer", v.color_transfer},
        {"color_range", v.color_range},
        {"max_cll", v.max_cll_nits},
        {"mastering_max_luminance",
         v.mastering ? nlohmann::json(v.mastering->max_luminance_nits) : nlohmann::json()}};
  }
  if (in.audio) {
    const AudioInfo& a = *in.audio;
    j["audio"] = {{"index", a.index},
                  {"codec", a.codec},
                  {"sample_rate", a.sample_rate_hz},
                  {"channels", a.channels},
                  {"channel_layout", a.channel_layout},
                  {"bit_rate", a.bit_rate}};
  }
  nlohmann::json streams = nlohmann::json::array();
  for (const auto& s : in.streams) {
    streams.push_back({{"index", s.index}, {"type", s.type}, {"codec", s.codec}});
  }
  j["streams"] = streams;
  return j;
}

nlohmann::json to_json(const PackageReport& r) {
  nlohmann::json outs = nlohmann::json::array();
  for (const auto& o : r.outputs) {
    outs.push_back(
        {{"preset", o.preset},
         {"path", o.path.string()},
         {"ok", o.ok},
         {"error", o.error.empty() ? nlohmann::json() : nlohmann::json(o.error)},
         {"size_bytes", o.size_bytes},
         {"video_frames", o.video_frames},
         {"fps", o.frame_rate.num > 0 ? nlohmann::json(std::to_string(o.frame_rate.num) + "/" +
                                                       std::to_string(o.frame_rate.den))
                                      : nlohmann::json()},
         {"fps_reason", o.frame_rate_reason},
         {"loudness", loudness_json(o.loudness)},
         {"warnings", o.warnings},
         // "shared": no encode of its own, made from shared_from's (as a hard
         // link or a copy), so identical content.
         {"encode", o.shared_from.empty() ? "own" : "shared"},
         {"shared_from",
          o.shared_from.empty() ? nlohmann::json() : nlohmann::json(o.shared_from.string())},
         {"shared_as", o.shared_from.empty() ? nlohmann::json()
                                             : nlohmann::json(o.hard_link ? "hard link" : "copy")},
         // Its own audio and muxing, the video packets of another output's
         // encode (presets that differ only in audio or tags).
         {"video_shared_from", o.video_shared_from.empty()
                                   ? nlohmann::json()
                                   : nlohmann::json(o.video_shared_from.string())}});
    if (!o.reframe_shots.empty()) add_smart_reframe(outs.back(), o);
  }
  nlohmann::json ranges = nlohmann::json::array();
  for (const TimeRange& t : r.ranges) {
    ranges.push_back({{"start_seconds", t.start_us / 1e6}, {"end_seconds", t.end_us / 1e6}});
  }
  nlohmann::json analysis;
  if (r.analysis.ran) {
    analysis = {
        {"cache", r.analysis.cache},
        {"cache_file", r.analysis.cache_file.empty()
                           ? nlohmann::json()
                           : nlohmann::json(r.analysis.cache_file.string())},
        {"cache_pruned",
         {{"entries", r.analysis.cache_pruned_entries}, {"bytes", r.analysis.cache_pruned_bytes}}},
        {"decode", r.analysis.decode},
        {"decoded_again_from_seconds", r.analysis.decoded_again_from_s
                                           ? nlohmann::json(*r.analysis.decoded_again_from_s)
                                           : nlohmann::json()},
        {"warnings", r.analysis.warnings}};
  }
  nlohmann::json j = {{"input", r.input.path.string()},
                      {"ok", r.ok()},
                      {"analysis", analysis},
                      {"ranges", ranges},
                      {"frames_decoded", r.frames_decoded},
                      {"warnings", r.warnings},
                      {"elapsed_seconds", r.elapsed_s},
                      {"outputs", outs}};
  if (!r.face_detector.empty()) j["face_detector"] = r.face_detector;
  return j;
}

nlohmann::json plan_json(const MediaInfo& info, const PackageJob& job,
                         const std::vector<OutputPlan>& plans) {
  nlohmann::json subs = nlohmann::json::array();
  for (const SubtitleSpec& s : job.subtitles) {
    subs.push_back({{"file", s.file.string()}, {"language", s.language}});
  }
  nlohmann::json j = {{"input", to_json(info)},
                      {"subtitles", subs},
                      {"burn_subtitles", job.burn_subtitles},
                      {"outputs", nlohmann::json::array()}};
  for (size_t i = 0; i < plans.size(); ++i) {
    nlohmann::json o = to_json(plans[i]);
    o["preset_settings"] = to_json(job.outputs[i].preset);
    j["outputs"].push_back(o);
  }
  return j;
}

}  // namespace reelpack
