// Platform presets: INI files in presets/ read with Boost.Program_options' config-file
// parser against the one schema (schema.h), with `base = NAME` inheritance and
// command-line overrides by the same key names.
//
//   PresetLoader loader;                                   // default search path
//   Preset p = loader.load("tiktok", {{"video.crf", "20"}});
//   p.video.width_px;   // 1080
//
// Errors (unknown key, bad type, out of range, unknown preset, base cycle) throw
// UsageError naming the file and the key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/units.h"

namespace reelpack {

struct VideoPreset {
  int width_px = 1080;
  int height_px = 1920;
  // The frame rate (presets/frame_rate.h chooses it per source): nullopt for `fps =
  // source`, the recorded rate when min_fps..max_fps accepts it; else the rate forced.
  std::optional<Rational> fps;
  Rational min_fps{23, 1};
  Rational max_fps{30, 1};
  std::vector<Rational> preferred_fps;  // the rates a changed rate is chosen from
  std::string codec = "libx264";
  std::string profile = "high";
  std::string level = "auto";
  std::string pix_fmt = "yuv420p";
  std::string hdr = "tonemap";  // HDR sources: "tonemap" to BT.709 SDR, or "keep" HDR
  std::string encoder_preset = "medium";
  double crf = 23;
  int64_t maxrate_bps = 8'000'000;
  int64_t bufsize_bits = 16'000'000;
  double gop_seconds = 2;
  int bframes = 2;
  int gop_frames(Rational rate) const;  // gop_seconds at `rate` (the output's), at least 1
};

struct AudioPreset {
  std::string codec = "aac";
  int64_t bitrate_bps = 128'000;
  int sample_rate_hz = 48'000;
  int channels = 2;
  std::optional<double> loudness_lufs;
  double true_peak_dbtp = -1;
  // Downmix levels of multichannel sources (media/filter_chains.h downmix_filter()).
  double centre_mix_db = -3;
  double surround_mix_db = -3;
  std::optional<double> lfe_mix_db;  // nullopt: left out
  bool required = true;
};

struct LimitsPreset {
  int64_t min_duration_ms = 0;  // 0: none
  int64_t max_duration_ms = 0;  // 0: none
  int64_t max_size_bytes = 0;   // 0: none
};

struct SafeArea {
  int top_px = 0, bottom_px = 0, left_px = 0, right_px = 0;
};

struct CoverPreset {
  int width_px = 1080;
  int height_px = 1920;
  std::string format = "jpg";
};

// A resolved value and where it came from ("default", a file path, "command line").
struct ResolvedValue {
  std::string value;
  std::string origin;
  int line = 0;  // its line in `origin` when that is a file (0: none)
};

struct Preset {
  std::string name;
  std::string description;
  std::filesystem::path source;  // the file it was read from
  std::string container = "mp4";
  VideoPreset video;
  AudioPreset audio;
  LimitsPreset limits;
  SafeArea safe_area;
  CoverPreset cover;
  std::map<std::string, ResolvedValue> resolved;  // every schema key, for display

  // Encoding-relevant settings as one string, for outputs at `frame_rate` (the rate
  // chosen for the source, which stands for the fps keys): equal strings encode
  // identically.
  std::string encoding_fingerprint(Rational frame_rate) const;
  // The video settings (and container) alone: equal strings make identical video streams,
  // so one video encode can feed several outputs that differ only in audio or tags.
  std::string video_fingerprint(Rational frame_rate) const;
};

using Overrides = std::map<std::string, std::string>;  // "video.crf" -> "20"

class PresetLoader {
 public:
  // Search path: $REELPACK_PRESETS (colon-separated), then beside the executable
  // (../share/reelpack/presets, ../presets), then the source tree and install prefix.
  PresetLoader();
  explicit PresetLoader(std::vector<std::filesystem::path> search_path);

  // `name_or_path` is a preset name ("tiktok") or a path to an .ini file.
  Preset load(const std::string& name_or_path, const Overrides& overrides = {}) const;
  // A preset from the schema defaults and `overrides` alone (no file), named `name`.
  Preset from_defaults(const std::string& name, const Overrides& overrides) const;
  std::filesystem::path find(const std::string& name_or_path) const;
  // Every preset name in the search path (first occurrence wins), sorted.
  std::vector<std::pair<std::string, std::filesystem::path>> list() const;
  const std::vector<std::filesystem::path>& search_path() const { return search_path_; }

 private:
  std::map<std::string, ResolvedValue> load_values(const std::filesystem::path& file,
                                                   std::vector<std::string>& chain) const;
  Preset build(std::map<std::string, ResolvedValue> values, const Overrides& overrides,
               const std::filesystem::path& source) const;
  std::vector<std::filesystem::path> search_path_;
};

// Validates overrides against the schema; throws UsageError naming the key.
void validate_overrides(const Overrides& overrides);

nlohmann::json to_json(const Preset& preset);
// The resolved preset as INI text, every key, with where each value came from.
std::string to_ini(const Preset& preset);

}  // namespace reelpack
