// Filter descriptions for one output: rotation, deinterlacing, constant frame rate,
// reframing to the preset's size, pixel format; and the audio resampling chain.
//
//   std::string v = video_filter_chain(plan, {rotation_deg, interlaced, colorspace}, fps,
//   "yuv420p");
//   // "fps=30/1,crop=608:1080:656:0,scale=1080:1920:...,format=yuv420p,setsar=1"
#pragma once

#include <string>
#include <vector>

#include "core/geometry.h"
#include "media/colour.h"
#include "media/loudness.h"
#include "presets/preset.h"

namespace reelpack {

struct VideoSourceTraits {
  int rotation_deg = 0;  // clockwise, as a player applies it
  bool deinterlace = false;
  SourceColour colour;    // converted to BT.709 SDR, or kept (HDR with keep_hdr)
  bool keep_hdr = false;  // an HDR source stays HDR (BT.2020, its transfer, 10-bit)
};

// The source size and pixel aspect after rotation, which is what geometry works on.
Size rotated_size(Size stored, int rotation_deg);
PixelAspect rotated_aspect(PixelAspect sar, int rotation_deg);

// Smart: no crop (frames arrive cropped to their window), only the scale; the pipeline
// runs it as smart_filter_chains() splits it.
// `overlay`: a filter drawn on the reframed picture at the output size (burnt-in
// subtitles), before the pixel format conversion; empty: none.
std::string video_filter_chain(const ReframePlan& plan, const VideoSourceTraits& traits,
                               const Rational& fps, const std::string& pix_fmt,
                               const std::string& overlay = {});

// --reframe smart runs three graphs: `source` (deinterlace, rotate to display orientation,
// constant rate) on the whole decoded frames; then per frame either `window` (the frame
// cropped to its window in display pixels, scaled to the output) or, in blur-fill shots,
// `fill` (the whole frame over a blurred fill, as --reframe blur draws it).
struct SmartFilterChains {
  std::string source;
  std::string window;
  std::string fill;
};
SmartFilterChains smart_filter_chains(const ReframePlan& window_plan, const ReframePlan& fill_plan,
                                      const VideoSourceTraits& traits, const Rational& fps,
                                      const std::string& pix_fmt, const std::string& overlay = {});
// The output's audio before any gain: downmix_filter() of a source with
// `source_channels` (AudioInfo::channel_names) and resampling to the preset's rate on the
// video's clock. Its loudness is what media/loudness.h measures.
std::string audio_prefilter_chain(const AudioPreset& audio,
                                  const std::vector<std::string>& source_channels);
// audio_prefilter_chain(), then, when the preset sets a loudness target and `gain` is
// given, the linear gain that reaches it and, where the gain would lift the true peak over
// the preset's ceiling, a limiter on 4x oversampled audio (so it limits true peaks, not
// only samples); then the preset's sample format and channel layout.
std::string audio_filter_chain(const AudioPreset& audio,
                               const std::vector<std::string>& source_channels,
                               const LoudnessGain* gain = nullptr);
// The gain and limiter part of audio_filter_chain() (",volume=...", with a leading comma;
// "" without a loudness target), to append to audio_prefilter_chain().
std::string loudness_stage(const AudioPreset& audio, const LoudnessGain& gain);

// The remix of a source with `source_channels` to the preset's channels, "" when none is
// needed (same count, or more than two out: left to the resampler). To stereo: front left
// and right at full level, the centre (dialogue) at audio.centre-mix into both, each
// surround or back channel at audio.surround-mix into its side, back and top centre at
// that level less 3 dB into both, LFE left out (or at audio.lfe-mix): ITU-R BS.775's
// downmix with its -3 dB defaults, not renormalised, so dialogue keeps its level; a
// limiter at the true-peak ceiling catches the overs a loud sum makes when no loudness
// target does. Mono to stereo: the one channel at full level in both, as players play it.
// To mono: the average of the stereo downmix.
std::string downmix_filter(const AudioPreset& audio,
                           const std::vector<std::string>& source_channels);

// The conversion of a picture already at the output size to BT.709 SDR: none for an SDR
// source (the scaler converted its matrix and range); for PQ and HLG a tone map
// (libzimg's zscale and libavfilter's tonemap): light relative to the HDR reference white
// of 203 nits (ITU-R BT.2408), BT.2020 primaries to BT.709 in linear light, mobius
// (linear up to 60% of reference white's light, the highlights up to the source's peak
// rolled into the rest), then BT.1886's gamma 2.4 (the SDR display), error-diffusion
// dithered; "" for SDR sources and kept HDR.
std::string tone_map_chain(const VideoSourceTraits& traits);

}  // namespace reelpack
