// Loudness of a file's audio as EBU R128 / ITU-R BS.1770 defines it: integrated loudness,
// loudness range and true peak, measured by libavfilter's ebur128 (true peak by 4x
// oversampling) on a fast pass that demuxes and decodes the audio only.
//
//   LoudnessMeasurement m = measure_loudness("ep01.mp4", "aresample=48000");
//   if (m.integrated_lufs) gain_db = -14 - *m.integrated_lufs;
//
// `filters` run before the meter (the output's downmix and resampling, so the figure is
// the one the output will have before any gain); `spans_us` limit the measurement to the
// audio frames that overlap those [start, end) spans of the input's zero-based timeline
// (the ranges an output is cut from; frame-accurate to an audio frame, about 21 ms).
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace reelpack {

struct LoudnessMeasurement {
  // nullopt when no 400 ms block rises above the -70 LUFS gate (silence, or under 0.4 s).
  std::optional<double> integrated_lufs;
  double range_lu = 0;                                               // loudness range (LRA)
  double true_peak_dbtp = -std::numeric_limits<double>::infinity();  // highest of all channels
};

// Throws UsageError for an unusable `audio_stream` choice and ProcessingError for a file
// that cannot be read (as InputFile does); a file without audio measures as silence.
LoudnessMeasurement measure_loudness(const std::filesystem::path& path, const std::string& filters,
                                     const std::vector<std::pair<int64_t, int64_t>>& spans_us = {},
                                     const std::string& audio_stream = "",
                                     bool allow_truncated = false);

// A linear gain to reach `target_lufs`, and whether a true-peak limiter must follow it to
// keep the peaks at or below `ceiling_dbtp`. Silence (nothing measured) gets no gain.
struct LoudnessGain {
  double gain_db = 0;
  bool limit = false;
  LoudnessMeasurement measured;
};
LoudnessGain loudness_gain(const LoudnessMeasurement& m, double target_lufs, double ceiling_dbtp);

}  // namespace reelpack
