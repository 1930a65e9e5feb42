// What package() tells when it is done, per output and for the job, and the JSON that
// `package --json` prints of it (and of a --dry-run plan).
//
//   PackageReport r = package(job);
//   for (const OutputReport& o : r.outputs) if (!o.ok) std::cerr << o.error << "\n";
//   std::cout << json_text(to_json(r), 2);   // core/json_text.h
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "edit/ranges.h"
#include "media/input.h"
#include "package/job.h"
#include "package/plan.h"

namespace reelpack {

// One shot of a smart output: how the virtual camera framed it (frames are source frames
// of the cut, times on the source timeline).
struct ReframeShot {
  int64_t start_frame = 0;
  int64_t end_frame = 0;  // exclusive
  int64_t start_us = 0;
  int64_t end_us = 0;
  std::string mode;  // stationary, pan, track, fill; "file" for a crop path read in
  std::string reason;
  Size target_span_px;  // ShotPlan's figures (0x0 when nothing is framed)
  Size travel_px;
};

struct OutputReport {
  std::string preset;
  std::filesystem::path path;
  bool ok = false;
  std::string error;
  int64_t size_bytes = 0;
  int64_t video_frames = 0;
  Rational frame_rate{0, 1};             // the output's rate (OutputPlan::frame_rate)
  std::string frame_rate_reason;         // why that rate
  std::optional<LoudnessGain> loudness;  // OutputPlan::loudness: measured, gain, limiter
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
  std::vector<std::string> warnings;  // about the input: with allow_truncated, what it misses
  bool ok() const;
};

nlohmann::json to_json(const OutputPlan& plan);
nlohmann::json to_json(const PackageReport& report);
nlohmann::json to_json(const MediaInfo& info);

// The --dry-run --json plan: the input, the job's subtitles, and each output's plan
// (`plans`, from plan_package()) with the settings of its preset.
nlohmann::json plan_json(const MediaInfo& info, const PackageJob& job,
                         const std::vector<OutputPlan>& plans);

}  // namespace reelpack
