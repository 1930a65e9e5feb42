// What a package job asks for: one input, its outputs (a preset and a path each), and how
// they are cut, reframed, subtitled and tagged. package/package.h runs it.
//
//   PackageJob job{.input = "ep01.mov", .reframe = ReframeMode::Blur};
//   job.outputs.push_back({tiktok, package_output_path("out", "ep01", tiktok)});
//   job.ranges.push_back(parse_range("00:00:10.000-00:01:40.000"));
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/geometry.h"
#include "edit/ranges.h"
#include "presets/preset.h"
#include "subtitles/subtitles.h"

namespace reelpack {

struct OutputRequest {
  Preset preset;
  std::filesystem::path path;  // final path; written as a temporary beside it first
};

// Where the output of `stem` (an input's or an episode's name) made with `preset` goes in
// `outdir`: <stem>.<preset>.<container>, e.g. out/ep01.tiktok.mp4.
std::filesystem::path package_output_path(const std::filesystem::path& outdir,
                                          const std::string& stem, const Preset& preset);

// PackageJob::smart_hold_bytes by default: 1.5 GiB, about 16 s of 1080p frames.
inline constexpr int64_t kDefaultSmartHoldBytes = int64_t{1536} << 20;
// The analysis cache's cap by default (--cache-max): 256 MiB, the analyses of about 70
// hours of input (some 10 kB per 10 s), so a season's reruns still hit.
inline constexpr int64_t kDefaultCacheMaxBytes = int64_t{256} << 20;

struct PackageJob {
  std::filesystem::path input;
  std::vector<OutputRequest> outputs;
  ReframeMode reframe = ReframeMode::Center;
  std::vector<RangeSpec> ranges;  // empty: the whole input; else these, joined in order
  std::map<std::string, std::string> metadata;  // container tags: title, episode_id...
  // --reframe smart only: write each output's crop window per output frame to this CSV
  // (several outputs: <stem>.<preset><ext> beside it), and/or take the windows from this
  // CSV (sparse keyframes, interpolated) instead of analysing the picture. See
  // reframe/smart_reframe.h.
  std::filesystem::path crop_path_out;
  std::filesystem::path crop_path_in;
  // --reframe smart: keep the analysis in this folder and reuse it when the same input
  // is analysed with the same ranges and settings (reframe/analysis_cache.h). Empty: no
  // cache.
  std::filesystem::path analysis_cache_dir;
  // After storing an analysis there, the least recently used entries are removed until
  // the entries take at most this much (reframe/analysis_cache.h). 0: no cap.
  int64_t analysis_cache_max_bytes = kDefaultCacheMaxBytes;
  // --reframe smart: memory for decoded frames held until their shot is over and its
  // camera placed, so that the input is decoded once, not once for the analysis and
  // again for the encode. A shot (plus the few seconds the shot detector needs after
  // it) that does not fit is decoded a second time from there. 0: always twice.
  int64_t smart_hold_bytes = kDefaultSmartHoldBytes;
  // Soft subtitle tracks (mov_text), in this order, re-timed like the picture; with
  // burn_subtitles the first is also drawn into the picture after reframing.
  std::vector<SubtitleSpec> subtitles;
  bool burn_subtitles = false;
  // Burnt in, a character no installed font has is drawn as an empty box with a warning,
  // instead of stopping the run (UsageError naming the file, cue and character).
  bool allow_missing_glyphs = false;
  // A truncated input (it ends before the end its container declares) is packaged as far
  // as it goes, with a warning saying what is missing, instead of failing.
  bool allow_truncated = false;
  // The audio stream used (media/input.h DecodeOptions::audio_stream): "" the first
  // flagged default, "N" the Nth audio stream, or a language tag such as "eng".
  std::string audio_stream;
};

}  // namespace reelpack
