// `reelpack split`: a long master cut into episodes that end on shot boundaries, each
// copied without re-encoding or packaged for presets, and the cut list beside them.
//
//   SplitJob job{.input = "master.mov", .outdir = "season1/"};
//   job.options = {.target_s = 120, .min_s = 60, .max_s = 180};
//   job.presets.push_back(loader.load("tiktok"));      // none: lossless copies
//   SplitReport r = split(job);   // season1/ep001.tiktok.mp4 ..., season1/cutlist.csv
//
// It lives beside package() rather than in edit/ because it drives package() and the
// shot list cache (reframe/analysis_cache.h), both layers above edit/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "edit/ranges.h"
#include "edit/shots.h"
#include "package/package.h"

namespace reelpack {

struct SplitJob {
  std::filesystem::path input;
  std::filesystem::path outdir;  // must exist and be writable (unless dry_run)
  SplitOptions options;
  ShotDetectorOptions shots;
  // Each episode encoded for these presets (DIR/ep001.<preset>.<container>); none: copied
  // without re-encoding (DIR/ep001.mp4, ends snapped to keyframes).
  std::vector<Preset> presets;
  ReframeMode reframe = ReframeMode::Center;
  // Keeps the shot list (and with --reframe smart each episode's analysis) here and reuses
  // it for the same input and settings. Empty: no cache.
  std::filesystem::path cache_dir;
  int64_t cache_max_bytes = kDefaultCacheMaxBytes;
  bool dry_run = false;  // plan the episodes; write nothing
  // A truncated input is split as far as it goes (PackageJob::allow_truncated); the
  // report's warnings say what is missing.
  bool allow_truncated = false;
  std::string audio_stream;  // PackageJob::audio_stream of each episode
};

struct EpisodeResult {
  Episode episode;
  // What was written, on the source timeline: the plan's span, or the keyframes a copy
  // snapped to (the plan's span on a dry run or a failure).
  TimeRange written;
  std::vector<std::string> files;  // file names in the output folder
  std::string error;               // empty: written (or planned)
};

struct SplitReport {
  std::filesystem::path input;
  ShotList shots;
  std::string shots_cache = "off";         // "hit" (read from the cache), "miss" (stored) or "off"
  std::filesystem::path shots_cache_file;  // the cache entry, when shots_cache is not "off"
  std::vector<EpisodeResult> episodes;
  std::filesystem::path cutlist;      // DIR/cutlist.csv (empty on a dry run, or none written)
  std::vector<std::string> warnings;  // also given to SplitProgress::warning as they arise
  bool ok() const;                    // every episode written
};

// What split() reports as it goes; each callback is optional.
struct SplitProgress {
  ProgressFn shots;  // shot detection (phase Analysing); not called on a cache hit
  std::function<void(const std::string& warning)> warning;
  // The shot list is known (report.shots, shots_cache); the episodes are planned next.
  std::function<void(const SplitReport& report)> shots_ready;
  // After each episode is written or has failed (not on a dry run).
  std::function<void(const EpisodeResult& episode)> episode;
};

// A failing episode does not stop the others (its error says why); an input that cannot
// be read, or options that plan no split, throw. Writes DIR/cutlist.csv last, when some
// episode was written.
SplitReport split(const SplitJob& job, const SplitProgress& progress = {});

// "ep001".
std::string episode_name(int index);
// The cut list: episode,start_seconds,end_seconds,start_frame,end_frame,duration_seconds,
// written_start_seconds,written_end_seconds,files,status.
std::string cutlist_csv(const std::vector<EpisodeResult>& episodes);
nlohmann::json to_json(const EpisodeResult& episode);
nlohmann::json to_json(const SplitReport& report);

}  // namespace reelpack
