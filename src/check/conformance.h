// Conformance: does a media file meet a preset's delivery rules? Reads the headers, scans
// every video packet (keyframes, peak bitrate) and, when the preset sets a loudness
// target, decodes the audio through libavfilter's ebur128 to measure integrated loudness.
//
//   ConformanceReport r = check_conformance("out/ep01.tiktok.mp4", loader.load("tiktok"));
//   for (const RuleResult& rule : r.rules) std::cout << to_string(rule) << "\n";
//   //   PASS size: 1080x1920
//   //   FAIL keyframe-interval: 4.00 s > 2.00 s
//   r.pass();
//
// Rules: container, size, codec, profile, pix-fmt, frame-rate, colour, keyframe-interval,
// min-duration, max-duration, max-size, bitrate-cap, audio-present, audio-codec,
// audio-sample-rate, audio-channels, loudness, true-peak, faststart. A rule the preset does not ask
// for (no limit set, no audio) is "skipped", not passed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "media/loudness.h"
#include "presets/preset.h"

namespace reelpack {

enum class RuleStatus { Pass, Fail, Skipped };

struct RuleResult {
  std::string rule;  // "keyframe-interval"
  RuleStatus status = RuleStatus::Skipped;
  std::string measured;  // "4.00 s"
  std::string expected;  // "2.00 s"
  std::string text;      // the verdict in one line: "4.00 s > 2.00 s"
  std::string detail;    // what was measured and how, or why it was skipped
};

struct ConformanceReport {
  std::filesystem::path file;
  std::string preset;
  std::vector<RuleResult> rules;
  // The audio's loudness as measured for the loudness rules (nullopt when the preset sets
  // no target or the file has no audio).
  std::optional<LoudnessMeasurement> loudness;
  bool pass() const;                          // no rule failed
  std::vector<std::string> failures() const;  // "keyframe-interval: 4.00 s > 2.00 s", ...
};

// Throws UsageError when the file is missing, ProcessingError when it is not readable media.
ConformanceReport check_conformance(const std::filesystem::path& file, const Preset& preset);

// "PASS size: 1080x1920", "FAIL keyframe-interval: 4.00 s > 2.00 s", "SKIP loudness: ...".
std::string to_string(const RuleResult& rule);
std::string to_string(RuleStatus status);  // "pass", "fail", "skipped"
nlohmann::json to_json(const ConformanceReport& report);

// Top-level MP4/MOV atoms: byte offsets of the first "moov" and "mdat" (-1 when absent).
std::pair<int64_t, int64_t> moov_mdat_offsets(const std::filesystem::path& file);

}  // namespace reelpack
