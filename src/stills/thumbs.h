// `reelpack thumbs`: covers at each preset's [cover] size, the scores behind them, and
// optionally a scrubbing sprite with its WebVTT track, for one input.
//
//   ThumbsJob job{.input = "ep01.mp4", .outdir = "out/"};
//   job.presets.push_back(loader.load("tiktok"));
//   job.search.count = 3;
//   ThumbsReport r = run_thumbs(job);
//   // out/ep01.tiktok.1.jpg .. ep01.tiktok.3.jpg (1080x1920), out/scores.csv
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "presets/preset.h"
#include "stills/covers.h"
#include "stills/sprite.h"

namespace reelpack {

struct ThumbsJob {
  std::filesystem::path input;
  std::filesystem::path outdir;
  std::vector<Preset> presets;  // empty: covers at the source's own display size
  std::string format;           // empty: each preset's cover format (jpg without presets)
  ReframeMode reframe = ReframeMode::Center;
  CoverSearchOptions search;  // search.score.cover_region is set from the presets
  bool sprite = false;
  SpriteOptions sprite_options;
  bool dry_run = false;  // analyse and plan; write nothing
};

struct ThumbsReport {
  CoverSearch search;
  std::vector<CoverFile> covers;  // written, or planned on a dry run (time = the candidate's)
  std::filesystem::path scores;   // scores.csv (empty on a dry run)
  std::optional<SpriteReport> sprite;
  double elapsed_s = 0;
};

// Cover file names: OUTDIR/<stem>.<preset>.<rank>.<format>, or <stem>.<rank>.<format>
// without presets; rank 1 is the best.
ThumbsReport run_thumbs(const ThumbsJob& job);

nlohmann::json to_json(const ThumbsReport& report);

}  // namespace reelpack
