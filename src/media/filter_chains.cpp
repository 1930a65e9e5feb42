#include "media/filter_chains.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <set>
#include <sstream>

#include "core/error.h"

namespace reelpack {

Size rotated_size(Size s, int rotation_deg) {
  return (rotation_deg == 90 || rotation_deg == 270) ? Size{s.height_px, s.width_px} : s;
}

PixelAspect rotated_aspect(PixelAspect a, int rotation_deg) {
  return (rotation_deg == 90 || rotation_deg == 270) ? PixelAspect{a.den, a.num} : a;
}

namespace {

// What every chain starts with: deinterlacing, rotation to display orientation, the
// constant output rate (first, so dropped frames are never scaled). No trailing comma.
std::string source_chain(const VideoSourceTraits& traits, const Rational& fps) {
  std::ostringstream f;
  // Deinterlace only frames flagged interlaced; keep one output frame per input frame.
  if (traits.deinterlace) f << "bwdif=mode=send_frame:parity=auto:deint=interlaced,";
  switch (traits.rotation_deg) {
    case 90:
      f << "transpose=clock,";
      break;
    case 180:
      f << "hflip,vflip,";
      break;
    case 270:
      f << "transpose=cclock,";
      break;
    default:
      break;
  }
  f << "fps=fps=" << fps.num << "/" << fps.den;
  return f.str();
}

// The reframing to the output size and the output's pixel format, on frames in display
// orientation at the output rate.
std::string reframe_chain(const ReframePlan& plan, const VideoSourceTraits& traits,
                          const std::string& pix_fmt, const std::string& overlay) {
  std::ostringstream f;
  // HDR is scaled in its own matrix and at 10 bits, and tone mapped (or kept) after.
  const bool hdr = traits.colour.hdr != Hdr::None;
  const std::string in_matrix = scale_matrix_name(traits.colour.matrix);
  // A matrix or range conversion needs swscale's exact arithmetic: its fast path tints
  // greys by up to 3 code values (CIEDE2000 3.1 on a BT.601 chart, 1.3 with these flags).
  const bool converts =
      !hdr && (traits.colour.matrix != AVCOL_SPC_BT709 || traits.colour.full_range);
  const std::string scale_opts =
      std::string(":flags=bicubic") + (converts ? "+accurate_rnd+full_chroma_int" : "") +
      ":in_color_matrix=" + in_matrix + ":in_range=" + (traits.colour.full_range ? "pc" : "tv") +
      ":out_color_matrix=" + (hdr ? in_matrix : "bt709") + ":out_range=tv";
  const std::string overlay_format = hdr ? ":format=yuv420p10" : "";
  const Rect& c = plan.crop;
  const Rect& fit = plan.fit;
  const Size& out = plan.output;
  switch (plan.mode) {
    case ReframeMode::Center:
      f << "crop=" << c.width_px << ":" << c.height_px << ":" << c.x_px << ":" << c.y_px
        << ",scale=" << out.width_px << ":" << out.height_px << scale_opts;
      break;
    case ReframeMode::Smart:
      // Each frame arrives already cropped to its window (the pipeline moves the window
      // per frame, see reframe/smart_reframe.h): scale the window, the centre chain
      // without its crop.
      f << "scale=" << out.width_px << ":" << out.height_px << scale_opts;
      break;
    case ReframeMode::Pad:
      f << "scale=" << fit.width_px << ":" << fit.height_px << scale_opts << ",pad=" << out.width_px
        << ":" << out.height_px << ":" << fit.x_px << ":" << fit.y_px << ":color=black";
      break;
    case ReframeMode::Blur: {
      // Background: the centre crop at quarter size, blurred and scaled back up (cheap and
      // smooth); foreground: the whole picture fitted inside.
      const int bw = even(out.width_px / 4.0), bh = even(out.height_px / 4.0);
      const int radius = std::max(2, std::min(bw, bh) / 12);
      f << "split=2[bg][fg];[bg]crop=" << c.width_px << ":" << c.height_px << ":" << c.x_px << ":"
        << c.y_px << ",scale=" << bw << ":" << bh << scale_opts << ",boxblur=" << radius
        << ":2,scale=" << out.width_px << ":" << out.height_px
        << ":flags=bilinear[bgs];[fg]scale=" << fit.width_px << ":" << fit.height_px << scale_opts
        << "[fgs];[bgs][fgs]overlay=" << fit.x_px << ":" << fit.y_px << overlay_format;
      break;
    }
  }
  if (hdr) f << ",format=yuv420p10le";
  if (const std::string tone_map = tone_map_chain(traits); !tone_map.empty()) f << "," << tone_map;
  if (!overlay.empty()) f << "," << overlay;
  f << ",format=" << pix_fmt << ",setsar=1";
  return f.str();
}

}  // namespace

std::string tone_map_chain(const VideoSourceTraits& t) {
  if (t.colour.hdr == Hdr::None || t.keep_hdr) return "";
  constexpr double kReferenceWhiteNits = 203;  // ITU-R BT.2408: SDR's 100%
  // BT.1886's gamma 2.4 on 16-bit linear light (libzimg has no BT.1886 transfer).
  const std::string gamma = "pow(val/65535\\,1/2.4)*65535";
  std::ostringstream f;
  f.precision(4);
  f << "zscale=min=" << (t.colour.matrix == AVCOL_SPC_BT2020_NCL ? "bt2020nc" : "709")
    << ":rin=tv:pin=" << (t.colour.wide_gamut ? "bt2020" : "709")
    << ":tin=" << (t.colour.hdr == Hdr::Pq ? "smpte2084" : "arib-std-b67")
    << ":npl=" << kReferenceWhiteNits << ":t=linear:p=709,format=gbrpf32le"
    << ",tonemap=mobius:param=0.6:desat=0:peak="
    << std::max(1.0, t.colour.peak_nits / kReferenceWhiteNits)
    << ",zscale=t=linear,format=gbrp16le,lutrgb=r=" << gamma << ":g=" << gamma << ":b=" << gamma
    << ",zscale=tin=linear:t=linear:pin=709:p=709:min=gbr:m=709:rin=full:r=tv"
       ":d=error_diffusion";
  return f.str();
}

std::string video_filter_chain(const ReframePlan& plan, const VideoSourceTraits& traits,
                               const Rational& fps, const std::string& pix_fmt,
                               const std::string& overlay) {
  return source_chain(traits, fps) + "," + reframe_chain(plan, traits, pix_fmt, overlay);
}

SmartFilterChains smart_filter_chains(const ReframePlan& window_plan, const ReframePlan& fill_plan,
                                      const VideoSourceTraits& traits, const Rational& fps,
                                      const std::string& pix_fmt, const std::string& overlay) {
  return {source_chain(traits, fps), reframe_chain(window_plan, traits, pix_fmt, overlay),
          reframe_chain(fill_plan, traits, pix_fmt, overlay)};
}

namespace {

// One source channel's gains into the left and right of a stereo downmix.
struct StereoGains {
  double left = 0, right = 0;
};

double gain(double db) {
  return std::pow(10.0, db / 20);
}

StereoGains stereo_gains(const std::string& ch, const AudioPreset& a) {
  const double c = gain(a.centre_mix_db), s = gain(a.surround_mix_db);
  static const std::set<std::string> kLeft = {"FL", "FLC", "WL", "DL"};
  static const std::set<std::string> kRight = {"FR", "FRC", "WR", "DR"};
  static const std::set<std::string> kSurroundLeft = {"BL", "SL", "TFL", "TBL", "SDL", "TSL"};
  static const std::set<std::string> kSurroundRight = {"BR", "SR", "TFR", "TBR", "SDR", "TSR"};
  static const std::set<std::string> kMiddle = {"BC", "TC", "TFC", "TBC"};
  if (kLeft.count(ch)) return {1, 0};
  if (kRight.count(ch)) return {0, 1};
  if (ch == "FC") return {c, c};
  if (ch == "LFE" || ch == "LFE2") {
    const double l = a.lfe_mix_db ? gain(*a.lfe_mix_db) : 0;
    return {l, l};
  }
  if (kSurroundLeft.count(ch)) return {s, 0};
  if (kSurroundRight.count(ch)) return {0, s};
  if (kMiddle.count(ch)) return {s * std::sqrt(0.5), s * std::sqrt(0.5)};
  return {0.5, 0.5};  // a channel with no place (USR...): half into each
}

std::string coefficient(double g, int channel) {
  std::ostringstream o;
  o.precision(6);
  o << g << "*c" << channel;
  return o.str();
}

}  // namespace

std::string downmix_filter(const AudioPreset& a, const std::vector<std::string>& in) {
  const int n = static_cast<int>(in.size());
  if (n == 0 || n == a.channels || a.channels > 2) return "";
  if (n == 1) return a.channels == 2 ? "pan=stereo|c0=c0|c1=c0" : "";
  std::vector<StereoGains> gains;
  for (const std::string& ch : in) gains.push_back(stereo_gains(ch, a));
  auto sum = [&](auto side) {
    std::string terms;
    for (int c = 0; c < n; ++c) {
      const double g = side(gains[c]);
      if (g > 0) terms += (terms.empty() ? "" : "+") + coefficient(g, c);
    }
    return terms.empty() ? std::string("0*c0") : terms;
  };
  std::string f;
  if (a.channels == 2) {
    f = "pan=stereo|c0=" + sum([](const StereoGains& g) { return g.left; }) +
        "|c1=" + sum([](const StereoGains& g) { return g.right; });
  } else {
    f = "pan=mono|c0=" + sum([](const StereoGains& g) { return (g.left + g.right) / 2; });
  }
  // More than the front pair summed at full level can go over full scale; with a loudness
  // target, audio_filter_chain() limits the true peak after its gain when it has to.
  if (n > 2 && !a.loudness_lufs) {
    std::ostringstream lim;
    lim << ",alimiter=limit=" << std::min(1.0, gain(a.true_peak_dbtp))
        << ":level=false:latency=true";
    f += lim.str();
  }
  return f;
}

// The oversampled limiter's ceiling sits this far under the preset's true peak: the 4x
// resampler's passband ripple and the AAC encoder (more at low bit rates) add up to about
// half a dB.
constexpr double kLimiterHeadroomDb = 1.0;

std::string audio_prefilter_chain(const AudioPreset& a, const std::vector<std::string>& source) {
  std::ostringstream f;
  if (const std::string mix = downmix_filter(a, source); !mix.empty()) f << mix << ",";
  // async fills gaps and trims overlaps so audio stays on the video's clock; first_pts=0
  // pads a late audio start with silence.
  f << "aresample=" << a.sample_rate_hz << ":async=1:first_pts=0";
  return f.str();
}

std::string loudness_stage(const AudioPreset& a, const LoudnessGain& gain) {
  if (!a.loudness_lufs) return "";
  std::ostringstream f;
  if (gain.gain_db != 0) {
    // One linear gain to the preset's target (EBU R128, measured before the encode), so
    // dialogue keeps its dynamics; loudnorm's dynamic mode would compress it.
    f << ",volume=" << std::fixed << std::setprecision(2) << gain.gain_db << "dB:precision=float"
      << std::defaultfloat;
  }
  if (gain.limit) {
    // The gain would lift peaks over the ceiling: limit at 4x the rate, where the peaks
    // between samples show, a little under the ceiling for the resampling's ripple.
    const double limit = std::pow(10.0, (a.true_peak_dbtp - kLimiterHeadroomDb) / 20.0);
    f << ",aresample=" << 4 * a.sample_rate_hz << ",alimiter=limit=" << std::setprecision(4)
      << std::clamp(limit, 0.0625, 1.0) << ":level=false:latency=true:attack=2:release=60"
      << ",aresample=" << a.sample_rate_hz;
  }
  return f.str();
}

std::string audio_filter_chain(const AudioPreset& a, const std::vector<std::string>& source,
                               const LoudnessGain* gain) {
  std::ostringstream f;
  f << audio_prefilter_chain(a, source);
  if (gain) f << loudness_stage(a, *gain);
  const char* layout = a.channels == 1 ? "mono" : a.channels == 2 ? "stereo" : nullptr;
  f << ",aformat=sample_fmts=fltp:sample_rates=" << a.sample_rate_hz;
  if (layout) {
    f << ":channel_layouts=" << layout;
  } else {
    f << ":channel_layouts=" << a.channels << "c";
  }
  return f.str();
}

}  // namespace reelpack
