// Scrubbing previews: a sprite sheet of small frames at a fixed interval and the WebVTT
// thumbnail track web players (video.js, JW Player, Plyr, Shaka) read to show them.
//
//   SpriteReport r = write_sprite("ep01.mp4", "out/", {.interval_us = 2'000'000});
//   // out/sprite.jpg (10 tiles a row) and out/sprite.vtt:
//   //   00:00:00.000 --> 00:00:02.000
//   //   sprite.jpg#xywh=0,0,160,90
//
// Tile k shows the first frame at or after k x interval, decoded exactly: the decoder
// reads on when the next tile is close and seeks to the keyframe before it when it is
// far (more than seek_ahead_us), so a dense sprite costs about one fast decode (no loop
// filter) of the input and a sparse one much less. Frames go straight from the decoder to
// tile size (area averaging); only the sheet is held in memory. Cues cover the whole
// duration; a long input fills several sheets (sprite.jpg, sprite-2.jpg, ...) of at most
// max_rows rows each.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/geometry.h"

namespace reelpack {

struct SpriteOptions {
  int64_t interval_us = 2'000'000;
  int tile_width_px = 160;  // tile height follows the display aspect (even)
  int columns = 10;         // at most; fewer when there are fewer tiles
  // Per sheet: 10 rows of 10 tiles make a 1600x900 sheet (at the default tile size), the
  // size web players fetch per seek, and bound the memory a sheet takes whatever the
  // input's length (a long input fills more sheets, one at a time).
  int max_rows = 10;
  std::string format = "jpg";
  std::string name = "sprite";  // sheet and track file names (sprite.jpg, sprite.vtt)
  int64_t seek_ahead_us = 5'000'000;
  bool allow_truncated = false;  // read a truncated input as far as it goes (DecodeOptions)
};

struct SpriteCue {
  int64_t start_us = 0;
  int64_t end_us = 0;
  std::string sheet;  // file name, relative to the track
  int x_px = 0, y_px = 0, width_px = 0, height_px = 0;
};

// The cue layout for `duration_us`: one tile per interval, `columns` a row, `max_rows` rows
// a sheet. Throws UsageError for options out of range.
std::vector<SpriteCue> plan_sprite(int64_t duration_us, Size tile, const SpriteOptions& options);
// The WebVTT text for `cues`.
std::string sprite_vtt(const std::vector<SpriteCue>& cues);

struct SpriteReport {
  std::vector<std::filesystem::path> sheets;
  std::filesystem::path track;
  Size tile;
  int tiles = 0;
  int columns = 0;
  int64_t duration_us = 0;
  int64_t frames_decoded = 0;
};

// Writes the sheets and the track into `dir` (atomically each). Throws UsageError (no
// video, bad options) or ProcessingError.
SpriteReport write_sprite(const std::filesystem::path& input, const std::filesystem::path& dir,
                          const SpriteOptions& options = {});

nlohmann::json to_json(const SpriteReport& report);

}  // namespace reelpack
