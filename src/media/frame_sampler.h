// Small BGR frames for analysis (shot detection, later faces and cover scoring): the
// input's video decoded once, scaled down to a fixed width, handed out as cv::Mat.
//
//   sample_frames("ep01.mov", {.width_px = 256}, [](const AnalysisFrame& f) {
//     detector.push(f.bgr);
//   });
//
// This is the adapter between libav and the analysis code, which sees only cv::Mat.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <opencv2/core.hpp>
#include <string>

#include "media/input.h"

namespace reelpack {

struct AnalysisFrame {
  int64_t index = 0;   // decode order = display order after the decoder's reordering
  int64_t pts_us = 0;  // on the source timeline, zero-based
  cv::Mat bgr;         // width_px wide, valid only during the callback
};

struct SamplerOptions {
  int width_px = 256;
  bool fast_decode = true;       // skip the loop filter (see DecodeOptions)
  bool allow_truncated = false;  // see DecodeOptions
};

struct SampleSummary {
  int64_t frames = 0;
  int64_t duration_us = 0;
  double fps = 0;
  std::string truncation;  // with allow_truncated: what the file is missing (InputFile)
};

SampleSummary sample_frames(const std::filesystem::path& input, const SamplerOptions& options,
                            const std::function<void(const AnalysisFrame&)>& callback);

}  // namespace reelpack
