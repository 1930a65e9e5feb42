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
// The job is package/job.h, what each output will be package/plan.h (plan_package(),
// also the --dry-run plan), and what comes back package/report.h.
#pragma once

#include <cstdint>
#include <functional>

#include "package/job.h"
#include "package/plan.h"
#include "package/report.h"

namespace reelpack {

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

// Runs the job. A failing output does not stop the others (its report says why); an input
// that cannot be read throws. Interruption (SIGINT/SIGTERM) throws Interrupted after every
// temporary file has been removed.
PackageReport package(const PackageJob& job, const ProgressFn& progress = {});

}  // namespace reelpack
