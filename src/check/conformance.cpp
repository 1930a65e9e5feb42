#include "check/conformance.h"

extern "C" {
#include <libavutil/dict.h>
}

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/units.h"
#include "media/filter_graph.h"
#include "media/input.h"
#include "media/loudness.h"
#include "presets/frame_rate.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {

// check fails a file further than this from the preset's loudness target (package meets it
// within a few tenths by one measured gain).
constexpr double kLoudnessToleranceLu = 1.0;

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string seconds(int64_t us) {
  return fmt("%.2f s", us / 1e6);
}
std::string mbits(double bps) {
  return fmt("%.2f Mbit/s", bps / 1e6);
}
std::string megabytes(int64_t bytes) {
  return fmt("%.2f MB", bytes / 1e6);
}

std::string normalized(std::string s) {
  std::string out;
  for (const char c : s) {
    if (c != ' ' && c != '-' && c != '_' && c != ':')  // "High 4:4:4 Predictive"
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// What an encoder writes: "libx264" -> "h264".
std::string codec_of_encoder(const std::string& encoder) {
  static const std::map<std::string, std::string> kKnown = {
      {"libx264", "h264"},   {"libx265", "hevc"}, {"libsvtav1", "av1"},
      {"libaom-av1", "av1"}, {"aac", "aac"},      {"libfdk_aac", "aac"}};
  if (const auto it = kKnown.find(encoder); it != kKnown.end()) return it->second;
  if (const AVCodec* c = avcodec_find_encoder_by_name(encoder.c_str()))
    return avcodec_get_name(c->id);
  return encoder;
}

class Rules {
 public:
  void pass(const std::string& rule, std::string measured, std::string expected, std::string text,
            std::string detail = {}) {
    add(rule, RuleStatus::Pass, std::move(measured), std::move(expected), std::move(text),
        std::move(detail));
  }
  void fail(const std::string& rule, std::string measured, std::string expected, std::string text,
            std::string detail = {}) {
    add(rule, RuleStatus::Fail, std::move(measured), std::move(expected), std::move(text),
        std::move(detail));
  }
  void check(bool ok, const std::string& rule, const std::string& measured,
             const std::string& expected, std::string detail = {}) {
    add(rule, ok ? RuleStatus::Pass : RuleStatus::Fail, measured, expected,
        ok ? measured : measured + ", expected " + expected, std::move(detail));
  }
  void add_checked(bool ok, const std::string& rule, std::string measured, std::string expected,
                   std::string text, std::string detail = {}) {
    add(rule, ok ? RuleStatus::Pass : RuleStatus::Fail, std::move(measured), std::move(expected),
        std::move(text), std::move(detail));
  }
  void skip(const std::string& rule, std::string expected, std::string why) {
    add(rule, RuleStatus::Skipped, "", std::move(expected), why, "");
  }
  std::vector<RuleResult> take() { return std::move(rules_); }

 private:
  void add(const std::string& rule, RuleStatus status, std::string measured, std::string expected,
           std::string text, std::string detail) {
    RuleResult r;
    r.rule = rule;
    r.status = status;
    r.measured = std::move(measured);
    r.expected = std::move(expected);
    r.text = std::move(text);
    r.detail = std::move(detail);
    rules_.push_back(std::move(r));
  }
  std::vector<RuleResult> rules_;
};

struct PacketScan {
  std::vector<int64_t> key_us;                 // presentation times of key packets
  std::vector<std::pair<int64_t, int>> sizes;  // (decode time us, bytes), decode order
  int64_t first_us = INT64_MAX, last_us = INT64_MIN;
  int64_t packets = 0;
};

PacketScan scan_video_packets(InputFile& in) {
  PacketScan s;
  const int index = in.info().video->index;
  const AVRational tb = in.format()->streams[index]->time_base;
  av::PacketPtr pkt = av::make_packet();
  while (in.read_packet(pkt.get())) {
    if (pkt->stream_index == index) {
      const int64_t pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
      const int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
      if (pts != AV_NOPTS_VALUE) {
        const int64_t pts_us = av_rescale_q(pts, tb, AV_TIME_BASE_Q);
        s.first_us = std::min(s.first_us, pts_us);
        s.last_us = std::max(s.last_us, pts_us);
        if (pkt->flags & AV_PKT_FLAG_KEY) s.key_us.push_back(pts_us);
      }
      if (dts != AV_NOPTS_VALUE)
        s.sizes.emplace_back(av_rescale_q(dts, tb, AV_TIME_BASE_Q), pkt->size);
      ++s.packets;
    }
    av_packet_unref(pkt.get());
  }
  std::sort(s.key_us.begin(), s.key_us.end());
  return s;
}

// The largest gap between key frames, counting the start before the first one and the
// stretch after the last one. nullopt when there is no key frame at all.
std::optional<int64_t> max_keyframe_gap_us(const PacketScan& s) {
  if (s.key_us.empty()) return std::nullopt;
  int64_t gap = s.key_us.front() - s.first_us;
  for (size_t i = 1; i < s.key_us.size(); ++i) gap = std::max(gap, s.key_us[i] - s.key_us[i - 1]);
  return std::max(gap, s.last_us - s.key_us.back());
}

// Peak bits in any 1 s window of packets, in decode order (as a VBV buffer sees them).
double peak_bitrate_bps(const PacketScan& s) {
  constexpr int64_t kWindowUs = 1'000'000;
  int64_t sum = 0, peak = 0;
  size_t j = 0;
  for (size_t i = 0; i < s.sizes.size(); ++i) {
    if (j < i) {
      j = i;
      sum = 0;
    }
    while (j < s.sizes.size() && s.sizes[j].first < s.sizes[i].first + kWindowUs)
      sum += s.sizes[j++].second;
    peak = std::max(peak, sum);
    sum -= s.sizes[i].second;
  }
  return static_cast<double>(peak) * 8;
}

}  // namespace

bool ConformanceReport::pass() const {
  return std::none_of(rules.begin(), rules.end(),
                      [](const RuleResult& r) { return r.status == RuleStatus::Fail; });
}

std::vector<std::string> ConformanceReport::failures() const {
  std::vector<std::string> out;
  for (const RuleResult& r : rules) {
    if (r.status == RuleStatus::Fail) out.push_back(r.rule + ": " + r.text);
  }
  return out;
}

std::pair<int64_t, int64_t> moov_mdat_offsets(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  int64_t moov = -1, mdat = -1, offset = 0;
  std::array<unsigned char, 16> h{};
  while (in.read(reinterpret_cast<char*>(h.data()), 8)) {
    uint64_t size = (uint64_t(h[0]) << 24) | (uint64_t(h[1]) << 16) | (uint64_t(h[2]) << 8) | h[3];
    const std::string type(reinterpret_cast<char*>(h.data()) + 4, 4);
    if (size == 1) {  // 64-bit size follows the type
      if (!in.read(reinterpret_cast<char*>(h.data()) + 8, 8)) break;
      size = 0;
      for (int i = 8; i < 16; ++i) size = (size << 8) | h[i];
    }
    if (type == "moov" && moov < 0) moov = offset;
    if (type == "mdat" && mdat < 0) mdat = offset;
    if (size < 8) break;  // 0: the atom runs to the end of the file
    offset += static_cast<int64_t>(size);
    in.seekg(offset);
  }
  return {moov, mdat};
}

namespace {

// Container. MP4 and QuickTime share one demuxer; the major brand tells them apart.
void check_container(Rules& rules, InputFile& in, const Preset& preset, bool mp4_family) {
  const MediaInfo& info = in.info();
  if (mp4_family) {
    const AVDictionaryEntry* brand = av_dict_get(in.format()->metadata, "major_brand", nullptr, 0);
    const std::string b = brand ? trim(brand->value) : "";
    const bool isobmff = info.format_name.find("mp4") != std::string::npos;
    const std::string got = !isobmff ? info.format_name : b == "qt" ? "mov" : "mp4";
    rules.add_checked(got == preset.container, "container",
                      got + (b.empty() ? "" : " (brand " + b + ")"), preset.container,
                      got == preset.container ? got + (b.empty() ? "" : " (brand " + b + ")")
                                              : got + ", expected " + preset.container);
  } else {
    rules.check(info.format_name.find(preset.container) != std::string::npos, "container",
                info.format_name, preset.container);
  }
}

// Size, codec, profile and pixel format of the video stream.
void check_picture(Rules& rules, const VideoInfo& v, const VideoPreset& pv) {
  const std::string want_size = std::to_string(pv.width_px) + "x" + std::to_string(pv.height_px);
  std::string size = std::to_string(v.width_px) + "x" + std::to_string(v.height_px);
  const bool square = v.sar.num == v.sar.den;
  if (!square) size += " (SAR " + std::to_string(v.sar.num) + ":" + std::to_string(v.sar.den) + ")";
  if (v.rotation_deg) size += " (rotated " + std::to_string(v.rotation_deg) + ")";
  rules.check(v.width_px == pv.width_px && v.height_px == pv.height_px && square && !v.rotation_deg,
              "size", size, want_size, "coded size, square pixels, no rotation");

  rules.check(v.codec == codec_of_encoder(pv.codec), "codec", v.codec, codec_of_encoder(pv.codec));
  if (pv.profile.empty()) {
    rules.skip("profile", "", "the preset sets no profile");
  } else {
    // A profile is a ceiling: x264 signals the lowest profile its tools need (ultrafast
    // writes Main under `profile high`), and every High decoder plays Main.
    static const std::map<std::string, std::set<std::string>> kWithin = {
        {"baseline", {"constrainedbaseline", "baseline"}},
        {"main", {"constrainedbaseline", "main"}},
        {"high", {"constrainedbaseline", "main", "high"}},
        {"high444", {"constrainedbaseline", "main", "high", "high444predictive"}},
        {"main10", {"main", "main10"}}};
    const std::string got = normalized(v.profile), want = normalized(pv.profile);
    const auto within = kWithin.find(want);
    const bool ok = got == want || (within != kWithin.end() && within->second.count(got));
    const std::string measured = v.profile.empty() ? "unknown" : v.profile;
    rules.add_checked(ok, "profile", measured, pv.profile,
                      ok ? (got == want ? measured : measured + " (within " + pv.profile + ")")
                         : measured + ", expected " + pv.profile + " or a profile within it",
                      "the profile the stream signals, at most the preset's");
  }
  rules.check(v.pix_fmt == pv.pix_fmt, "pix-fmt", v.pix_fmt, pv.pix_fmt);
}

// The file's own rate: constant, and one the platform accepts (min-fps..max-fps); a
// preset that forces a rate (video.fps = 30) wants exactly that one.
void check_frame_rate(Rules& rules, const VideoInfo& v, const VideoPreset& pv) {
  const Rational avg = snap_to_standard(v.nominal_frame_rate());
  const Rational nominal = v.r_frame_rate.num > 0 && v.r_frame_rate.den > 0
                               ? snap_to_standard({v.r_frame_rate.num, v.r_frame_rate.den})
                               : avg;
  auto close = [](Rational a, Rational b) {
    return a.num > 0 && b.num > 0 && std::abs(a.to_double() / b.to_double() - 1) < 5e-4;
  };
  std::string measured = fps_text(avg) + " fps";
  if (!close(avg, nominal)) measured += " (nominal " + fps_text(nominal) + ")";
  const std::string detail =
      "average and nominal rate of the video stream: constant, within min-fps..max-fps (a rate "
      "within 0.1% of a bound counts as it: 23.976 as 24), and the forced rate when video.fps "
      "sets one";
  const std::string range = fps_range_text(pv);
  std::string expected = pv.fps ? fps_text(*pv.fps) + " fps" : range + ", constant";
  if (avg.num <= 0) {
    rules.fail("frame-rate", "unknown", expected, "the stream declares no frame rate", detail);
  } else if (!close(avg, nominal)) {
    rules.fail("frame-rate", measured, expected,
               measured + ": not a constant rate; expected " + expected, detail);
  } else if (!accepts_frame_rate(pv, avg)) {
    rules.fail("frame-rate", measured, expected, measured + " is outside " + range, detail);
  } else if (pv.fps && !close(avg, *pv.fps)) {
    rules.fail("frame-rate", measured, expected, measured + ", expected " + expected, detail);
  } else {
    rules.pass("frame-rate", measured, expected, pv.fps ? measured : measured + " within " + range,
               detail);
  }
}

// Colour tags: BT.709 SDR, or with video.hdr = keep also BT.2020 with PQ or HLG.
void check_colour(Rules& rules, const VideoInfo& v, const VideoPreset& pv) {
  auto tagged = [](const std::string& t) { return !t.empty() && t != "unknown"; };
  const std::string measured = v.color_space + "/" + v.color_primaries + "/" + v.color_transfer;
  const bool keep = pv.hdr == "keep";
  const std::string expected =
      keep ? "bt709/bt709/bt709, or bt2020nc/bt2020/smpte2084 or arib-std-b67"
           : "bt709/bt709/bt709";
  const std::string detail = "matrix/primaries/transfer the video stream is tagged with";
  if (!tagged(v.color_space) && !tagged(v.color_primaries) && !tagged(v.color_transfer)) {
    rules.skip("colour", expected, "no colour tags: players guess from the size");
    return;
  }
  const bool sdr =
      v.color_space == "bt709" && v.color_primaries == "bt709" && v.color_transfer == "bt709";
  const bool hdr = v.color_space == "bt2020nc" && v.color_primaries == "bt2020" &&
                   (v.color_transfer == "smpte2084" || v.color_transfer == "arib-std-b67");
  rules.check(sdr || (keep && hdr), "colour", measured, expected, detail);
}

// Keyframe interval and bitrate cap, from one scan of the video packets.
void check_video_packets(Rules& rules, InputFile& in, const VideoPreset& pv) {
  // Half a frame of the file's own rate (the preset's when forced, 30 when unknown).
  const Rational own = in.info().video->nominal_frame_rate();
  const double want_fps = own.num > 0 ? own.to_double() : pv.fps ? pv.fps->to_double() : 30.0;
  const PacketScan scan = scan_video_packets(in);
  const int64_t gop_us = std::llround(pv.gop_seconds * 1e6);
  const int64_t allowed_gap_us = gop_us + std::llround(0.5e6 / want_fps);
  const std::string gop_detail =
      "largest distance between key frames in presentation order (start and end included), "
      "allowed gop-seconds plus half a frame";
  if (const auto gap = max_keyframe_gap_us(scan)) {
    if (*gap <= allowed_gap_us) {
      rules.pass("keyframe-interval", seconds(*gap), seconds(gop_us),
                 seconds(*gap) + " <= " + seconds(gop_us), gop_detail);
    } else {
      rules.fail("keyframe-interval", seconds(*gap), seconds(gop_us),
                 seconds(*gap) + " > " + seconds(gop_us), gop_detail);
    }
  } else {
    rules.fail("keyframe-interval", "no key frame", seconds(gop_us), "no key frame at all");
  }

  if (pv.maxrate_bps > 0) {
    const double peak = peak_bitrate_bps(scan);
    const double cap = pv.maxrate_bps * 1.5;
    const std::string detail =
        "peak video bitrate over any 1 s window of video packets (decode order); allowed 1.5 x "
        "maxrate " +
        mbits(static_cast<double>(pv.maxrate_bps)) + " because VBV lets bursts draw on bufsize";
    // The verdict says what was measured: the cap is not the preset's maxrate itself.
    const std::string what = "peak video bitrate in any 1 s window ";
    const std::string allowed =
        " (1.5 x maxrate " + mbits(static_cast<double>(pv.maxrate_bps)) + ")";
    if (peak <= cap) {
      rules.pass("bitrate-cap", mbits(peak), mbits(cap),
                 what + mbits(peak) + " <= " + mbits(cap) + allowed, detail);
    } else {
      rules.fail("bitrate-cap", mbits(peak), mbits(cap),
                 what + mbits(peak) + " > " + mbits(cap) + allowed, detail);
    }
  } else {
    rules.skip("bitrate-cap", "", "the preset sets no maxrate");
  }
}

// Duration and size limits.
void check_limits(Rules& rules, const MediaInfo& info, const LimitsPreset& lim) {
  const int64_t duration_us = info.duration_us;
  if (lim.max_duration_ms > 0) {
    const int64_t max_us = lim.max_duration_ms * 1000;
    if (duration_us <= max_us) {
      rules.pass("max-duration", seconds(duration_us), seconds(max_us),
                 seconds(duration_us) + " <= " + seconds(max_us));
    } else {
      rules.fail("max-duration", seconds(duration_us), seconds(max_us),
                 seconds(duration_us) + " > " + seconds(max_us));
    }
  } else {
    rules.skip("max-duration", "", "the preset sets no maximum duration");
  }
  if (lim.min_duration_ms > 0) {
    const int64_t min_us = lim.min_duration_ms * 1000;
    if (duration_us >= min_us) {
      rules.pass("min-duration", seconds(duration_us), seconds(min_us),
                 seconds(duration_us) + " >= " + seconds(min_us));
    } else {
      rules.fail("min-duration", seconds(duration_us), seconds(min_us),
                 seconds(duration_us) + " < " + seconds(min_us));
    }
  } else {
    rules.skip("min-duration", "", "the preset sets no minimum duration");
  }
  if (lim.max_size_bytes > 0) {
    const int64_t size = info.size_bytes;
    if (size <= lim.max_size_bytes) {
      rules.pass("max-size", megabytes(size), megabytes(lim.max_size_bytes),
                 megabytes(size) + " <= " + megabytes(lim.max_size_bytes));
    } else {
      rules.fail("max-size", megabytes(size), megabytes(lim.max_size_bytes),
                 megabytes(size) + " > " + megabytes(lim.max_size_bytes));
    }
  } else {
    rules.skip("max-size", "", "the preset sets no maximum file size");
  }
}

void check_audio(Rules& rules, const MediaInfo& info, const AudioPreset& pa) {
  if (!info.audio) {
    if (pa.required) {
      rules.fail("audio-present", "no audio stream", "an audio stream",
                 "no audio stream; the preset requires audio");
    } else {
      rules.skip("audio-present", "", "no audio stream; the preset does not require one");
    }
  } else {
    const AudioInfo& a = *info.audio;
    rules.pass("audio-present", "yes", pa.required ? "an audio stream" : "optional", "yes");
    rules.check(a.codec == codec_of_encoder(pa.codec), "audio-codec", a.codec,
                codec_of_encoder(pa.codec));
    rules.check(a.sample_rate_hz == pa.sample_rate_hz, "audio-sample-rate",
                std::to_string(a.sample_rate_hz) + " Hz",
                std::to_string(pa.sample_rate_hz) + " Hz");
    rules.check(a.channels == pa.channels, "audio-channels", std::to_string(a.channels),
                std::to_string(pa.channels));
  }
}

// Integrated loudness within 1 LU of the preset's target and true peak at most its ceiling
// (EBU R128 / BS.1770 through libavfilter's ebur128, true peak 4x oversampled; the
// loudness range is reported with them).
std::optional<LoudnessMeasurement> check_loudness(Rules& rules, const fs::path& file,
                                                  const MediaInfo& info, const AudioPreset& pa) {
  if (!pa.loudness_lufs) {
    rules.skip("loudness", "", "the preset sets no loudness target");
    rules.skip("true-peak", "", "the preset sets no loudness target");
    return std::nullopt;
  }
  const double want = *pa.loudness_lufs;
  const std::string expected =
      fmt("%.1f", want) + " +/- " + fmt("%.1f", kLoudnessToleranceLu) + " LU";
  const std::string ceiling = fmt("%.1f dBTP", pa.true_peak_dbtp);
  if (!info.audio) {
    rules.skip("loudness", expected, "no audio to measure");
    rules.skip("true-peak", ceiling, "no audio to measure");
    return std::nullopt;
  }
  const LoudnessMeasurement m = measure_loudness(file, "");
  const std::string detail =
      "EBU R128 (libavfilter ebur128): integrated " +
      (m.integrated_lufs ? fmt("%.1f LUFS", *m.integrated_lufs) : std::string("not measured")) +
      ", range " + fmt("%.1f LU", m.range_lu) + ", true peak " +
      (std::isfinite(m.true_peak_dbtp) ? fmt("%.1f dBTP", m.true_peak_dbtp) : std::string("none"));
  if (m.integrated_lufs) {
    const std::string got = fmt("%.1f LUFS", *m.integrated_lufs);
    if (std::abs(*m.integrated_lufs - want) <= kLoudnessToleranceLu) {
      rules.pass("loudness", got, expected, got + " within " + expected, detail);
    } else {
      rules.fail("loudness", got, expected, got + ", expected " + expected, detail);
    }
  } else {
    rules.skip("loudness", expected,
               "not measured: the audio is silent or shorter than one 0.4 s block");
  }
  if (!std::isfinite(m.true_peak_dbtp)) {
    rules.skip("true-peak", ceiling, "not measured: the audio is silent");
  } else {
    const std::string got = fmt("%.1f dBTP", m.true_peak_dbtp);
    // Compared at the 0.1 dB a meter shows: -0.96 dBTP reads -1.0 and meets -1.
    if (std::round(m.true_peak_dbtp * 10) / 10 <= pa.true_peak_dbtp) {
      rules.pass("true-peak", got, ceiling, got + " <= " + ceiling, detail);
    } else {
      rules.fail("true-peak", got, ceiling, got + " > " + ceiling, detail);
    }
  }
  return m;
}

// Faststart: players start before the whole file has arrived.
void check_faststart(Rules& rules, const fs::path& file, bool mp4_family) {
  if (mp4_family) {
    const auto [moov, mdat] = moov_mdat_offsets(file);
    const std::string got =
        "moov at byte " + std::to_string(moov) + ", mdat at byte " + std::to_string(mdat);
    if (moov >= 0 && (mdat < 0 || moov < mdat)) {
      rules.pass("faststart", got, "moov before mdat", "moov before mdat");
    } else {
      rules.fail("faststart", got, "moov before mdat",
                 moov < 0 ? "no moov atom" : "moov after mdat (" + got + ")");
    }
  } else {
    rules.skip("faststart", "", "only MP4/MOV have a moov atom");
  }
}

}  // namespace

ConformanceReport check_conformance(const fs::path& file, const Preset& preset) {
  ConformanceReport report;
  report.file = file;
  report.preset = preset.name;
  InputFile in(file, DecodeOptions::none());
  const MediaInfo& info = in.info();
  Rules rules;

  const bool mp4_family = preset.container == "mp4" || preset.container == "mov";
  check_container(rules, in, preset, mp4_family);
  if (!info.video) {
    rules.fail("size", "no video stream",
               std::to_string(preset.video.width_px) + "x" + std::to_string(preset.video.height_px),
               "the file has no video stream");
  } else {
    check_picture(rules, *info.video, preset.video);
    check_frame_rate(rules, *info.video, preset.video);
    check_colour(rules, *info.video, preset.video);
    check_video_packets(rules, in, preset.video);
  }
  check_limits(rules, info, preset.limits);
  check_audio(rules, info, preset.audio);
  report.loudness = check_loudness(rules, file, info, preset.audio);
  check_faststart(rules, file, mp4_family);

  report.rules = rules.take();
  return report;
}

std::string to_string(RuleStatus s) {
  switch (s) {
    case RuleStatus::Pass:
      return "pass";
    case RuleStatus::Fail:
      return "fail";
    case RuleStatus::Skipped:
      return "skipped";
  }
  return "?";
}

std::string to_string(const RuleResult& r) {
  const char* tag = r.status == RuleStatus::Pass   ? "PASS"
                    : r.status == RuleStatus::Fail ? "FAIL"
                                                   : "SKIP";
  return std::string(tag) + " " + r.rule + ": " + r.text;
}

nlohmann::json to_json(const ConformanceReport& report) {
  nlohmann::json rules = nlohmann::json::array();
  for (const RuleResult& r : report.rules) {
    rules.push_back(
        {{"rule", r.rule},
         {"status", to_string(r.status)},
         {"pass", r.status == RuleStatus::Skipped ? nlohmann::json()
                                                  : nlohmann::json(r.status == RuleStatus::Pass)},
         {"measured", r.measured},
         {"expected", r.expected},
         {"text", r.text},
         {"detail", r.detail}});
  }
  nlohmann::json loudness;
  if (const auto& m = report.loudness) {
    const auto rounded = [](double v) { return std::round(v * 100) / 100; };
    loudness = {
        {"integrated_lufs",
         m->integrated_lufs ? nlohmann::json(rounded(*m->integrated_lufs)) : nlohmann::json()},
        {"range_lu", rounded(m->range_lu)},
        {"true_peak_dbtp", std::isfinite(m->true_peak_dbtp)
                               ? nlohmann::json(rounded(m->true_peak_dbtp))
                               : nlohmann::json()}};
  }
  return {{"file", report.file.string()},  {"preset", report.preset}, {"pass", report.pass()},
          {"failures", report.failures()}, {"loudness", loudness},    {"rules", rules}};
}

}  // namespace reelpack
