// The packaging pipeline: decode an input once and encode it for every requested
// preset, each output written atomically (temporary name, renamed when complete).
//
//   PackageJob job{.input = "ep01.mov", .reframe = ReframeMode::Center};
//   job.outputs.push_back({loader.load("tiktok"), "out/ep01.tiktok.mp4"});
//   PackageReport r = package(job, [](const Progress& p) { ... });
//
// One decoder thread feeds one worker per video encode through a small bounded queue of
// reference-counted frames; each worker filters and encodes the video once and muxes it,
// with each output's own audio, into every output that has those video settings.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/geometry.h"
#include "edit/ranges.h"
#include "media/encoder.h"
#include "media/filter_chains.h"
#include "media/input.h"
#include "presets/preset.h"
#include "subtitles/subtitles.h"

namespace reelpack {

struct OutputRequest {
  Preset preset;
  std::filesystem::path path;  // final path; written as a temporary beside it first
};

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
};

// Preset keys that keep the source's displayed size and frame rate at mastering quality
// (CRF 18, uncapped, AAC 192k): what `cut` encodes with when no preset is given.
Overrides master_overrides(const MediaInfo& input);

// The job's ranges on the source timeline (empty when the whole input is used).
std::vector<TimeRange> resolve_ranges(const MediaInfo& input, const PackageJob& job);

// What will be done for one output, before any frame is decoded (also the --dry-run plan).
struct OutputPlan {
  std::string preset;
  std::filesystem::path path;
  std::string container = "mp4";
  ReframePlan geometry;
  std::string video_filters;  // empty when the input has no video
  // --reframe smart: the three graphs the pipeline runs (media/filter_chains.h);
  // video_filters then reads source + window, for display.
  SmartFilterChains smart_filters;
  std::string audio_filters;  // empty when no input audio is used
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

// --reframe smart with an analysis pass of its own decodes the input twice: first to
// analyse it (faces, shots, motion), then to encode; each phase reports its own progress
// from 0 to the duration. In one pass there is only Encoding, unless the frames held
// outgrow PackageJob::smart_hold_bytes: then Analysing follows the rest of the input from
// there, and Encoding resumes from the first frame not encoded when it is decoded again.
enum class ProgressPhase { Analysing, Encoding };

struct Progress {
  ProgressPhase phase = ProgressPhase::Encoding;
  int64_t position_us = 0;  // decoded so far in this phase (the cut's timeline from zero)
  int64_t duration_us = 0;  // 0 when unknown
  int64_t frames = 0;       // video frames decoded in this phase
  double elapsed_s = 0;     // since this phase began
};
using ProgressFn = std::function<void(const Progress&)>;

// One shot of a smart output: how the virtual camera framed it (frames are source frames
// of the cut, times on the source timeline).
struct ReframeShot {
  int64_t start_frame = 0;
  int64_t end_frame = 0;  // exclusive
  int64_t start_us = 0;
  int64_t end_us = 0;
  std::string mode;  // stationary, pan, track, fill; "file" for a crop path read in
  std::string reason;
};

struct OutputReport {
  std::string preset;
  std::filesystem::path path;
  bool ok = false;
  std::string error;
  int64_t size_bytes = 0;
  int64_t video_frames = 0;
  std::vector<std::string> warnings;
  std::filesystem::path shared_from;        // the output whose encode this is (empty: its own)
  bool hard_link = false;                   // shared as a hard link (else as a copy)
  std::filesystem::path video_shared_from;  // the output whose video encode it muxed
  // --reframe smart: the camera's plan per shot, and where the crop path was written.
  std::vector<ReframeShot> reframe_shots;
  std::filesystem::path crop_path;
};

// --reframe smart: where the analysis came from.
struct AnalysisReport {
  bool ran = false;   // the job needed an analysis
  std::string cache;  // "hit" (read from the cache), "miss" (analysed, then stored), "off"
  std::filesystem::path cache_file;
  std::vector<std::string> warnings;  // a damaged cache entry, a cache that cannot be written
  // Least recently used entries removed after storing, to keep the cache under its cap.
  int cache_pruned_entries = 0;
  int64_t cache_pruned_bytes = 0;
  // How the frames were analysed: "own pass" (decoded for the analysis alone, then again
  // for the encode; with a crop path read in, for its timestamps only), "one pass" (the
  // encode's frames, held until their shot was placed), "cache" (read from the cache).
  std::string decode = "own pass";
  // One pass whose held frames outgrew PackageJob::smart_hold_bytes: the video from this
  // time on (seconds, output timeline) was decoded a second time.
  std::optional<double> decoded_again_from_s;
};

struct PackageReport {
  MediaInfo input;
  AnalysisReport analysis;
  std::vector<TimeRange> ranges;  // what was cut, frame-exact (empty: whole input)
  int64_t output_duration_us = 0;
  std::vector<OutputReport> outputs;
  int64_t frames_decoded = 0;
  double elapsed_s = 0;
  // --reframe smart: "blazeface" or "haar" (the face model is not installed); empty when
  // no face detection ran.
  std::string face_detector;
  bool ok() const;
};

// `burn_script(size)`: the ASS script the `ass` filter draws on outputs of that size when
// the job burns subtitles in (package() writes them); none given: the subtitles file
// itself is named (a --dry-run plan).
std::vector<OutputPlan> plan_package(
    const MediaInfo& input, const PackageJob& job,
    const std::function<std::filesystem::path(Size)>& burn_script = {});

// Runs the job. A failing output does not stop the others (its report says why); an input
// that cannot be read throws. Interruption (SIGINT/SIGTERM) throws Interrupted after every
// temporary file has been removed.
PackageReport package(const PackageJob& job, const ProgressFn& progress = {});

nlohmann::json to_json(const OutputPlan& plan);
nlohmann::json to_json(const PackageReport& report);
nlohmann::json to_json(const MediaInfo& info);

}  // namespace reelpack
