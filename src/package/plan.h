// What each output of a package job will be, decided before any frame is decoded: its
// reframing, filter chains, encoder settings, warnings and what it shares with the other
// outputs. package() runs the plan; --dry-run prints it.
//
//   MediaInfo info = probe(job.input);
//   for (const OutputPlan& p : plan_package(info, job))
//     std::cout << p.path << ": " << p.video_filters << "\n";
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/geometry.h"
#include "edit/ranges.h"
#include "media/encoder.h"
#include "media/filter_chains.h"
#include "media/input.h"
#include "media/loudness.h"
#include "package/job.h"
#include "presets/frame_rate.h"
#include "presets/preset.h"

namespace reelpack {

// Preset keys that keep the source's displayed size and frame rate at mastering quality
// (CRF 18, uncapped, AAC 192k), with the `given` ones (the command line's) instead where
// they say otherwise: what `cut` encodes with when no preset is given. A source too small
// or too large for an output (the schema's size range) is a UsageError naming it.
Overrides master_overrides(const MediaInfo& input, const Overrides& given = {});

// What a source's video stream says of its frame rate, for choose_frame_rate().
SourceFrameRate source_frame_rate(const VideoInfo& video);
// The rate `preset` gives outputs of `video` (presets/frame_rate.h), and why.
FrameRateChoice output_frame_rate(const Preset& preset, const VideoInfo& video);

// The job's ranges on the source timeline (empty when the whole input is used).
std::vector<TimeRange> resolve_ranges(const MediaInfo& input, const PackageJob& job);

// How long the outputs are: the input's duration, or the ranges' (resolve_ranges()) joined.
int64_t output_duration_us(const MediaInfo& input, const std::vector<TimeRange>& ranges);

// What will be done for one output, before any frame is decoded (also the --dry-run plan).
struct OutputPlan {
  std::string preset;
  std::filesystem::path path;
  std::string container = "mp4";
  ReframePlan geometry;
  FrameRateChoice frame_rate;  // video.frame_rate, and why it was chosen
  std::string video_filters;   // empty when the input has no video
  // --reframe smart: the three graphs the pipeline runs (media/filter_chains.h);
  // video_filters then reads source + window, for display.
  SmartFilterChains smart_filters;
  std::string audio_filters;  // empty when no input audio is used
  // The preset's loudness target met by one linear gain: what the input's audio measured
  // (over the job's ranges, after the output's downmix) and the gain and limiter chosen.
  // nullopt without a target, without input audio, or when the plan was made unmeasured.
  std::optional<LoudnessGain> loudness;
  VideoEncoderSettings video;
  AudioEncoderSettings audio;
  bool has_audio = false;             // the output carries an audio track
  bool silent_audio = false;          // ...made of generated silence (input has none)
  std::vector<std::string> warnings;  // e.g. longer than the platform allows
  // An earlier output of the same job whose preset encodes identically (same
  // Preset::encoding_fingerprint(); the reframe mode is the job's): this output is not
  // encoded again but made from that one once it is complete. Empty: its own encode.
  std::filesystem::path same_encode_as;
  // An earlier output with its own encode whose preset has the same video settings
  // (Preset::video_fingerprint()) but other audio or tags: one video encode feeds both,
  // each with its own audio chain and muxer. Empty: its own video encode (or, with
  // same_encode_as set, none at all).
  std::filesystem::path same_video_as;
};

// The loudness of the job's input audio through an output's audio_prefilter_chain(); the
// same chain is measured once, however many outputs share it.
using LoudnessMeter = std::function<LoudnessMeasurement(const std::string& prefilters)>;
// A meter that reads the job's input (its chosen audio stream, over `ranges`) in an
// audio-only pass per distinct chain, and remembers the results.
LoudnessMeter loudness_meter(const PackageJob& job, const std::vector<TimeRange>& ranges);

// `burn_script(size)`: the ASS script the `ass` filter draws on outputs of that size when
// the job burns subtitles in (package() writes them); none given: the subtitles file
// itself is named (a --dry-run plan). `meter`: measures the input's loudness for presets
// with a loudness target; none given: no gain is planned (for plans that encode no audio).
std::vector<OutputPlan> plan_package(
    const MediaInfo& input, const PackageJob& job,
    const std::function<std::filesystem::path(Size, const SafeArea&)>& burn_script = {},
    const LoudnessMeter& meter = {});

}  // namespace reelpack
