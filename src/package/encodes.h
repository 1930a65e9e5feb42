// Every video encode of a package job: one OutputBranch (package/output_branch.h) per
// encode, the outputs grouped by what they share (OutputPlan::same_encode_as and
// same_video_as), and branches with the same filter chain scaling once. The decoder
// thread offers each frame to all of them.
//
//   Encodes encodes(plans, input, job, subtitles, smart.get());
//   encodes.start();
//   encodes.offer(StreamKind::Video, frame);   // false once every output failed
//   encodes.close_input();
//   std::vector<OutputReport> reports = encodes.finish();   // one per plan, in order
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "media/input.h"
#include "package/job.h"
#include "package/output_branch.h"
#include "package/output_writer.h"
#include "package/plan.h"
#include "package/report.h"

namespace reelpack {

class SmartReframe;  // reframe/smart_reframe.h

class Encodes {
 public:
  // Outputs whose setup fails (encoder refuses the settings, folder not writable) are
  // reported and the others still run. Outputs that share another's whole encode get no
  // branch of their own; outputs that share only its video join its branch. `smart`:
  // --reframe smart (else nullptr), which crops each output to its windows.
  Encodes(const std::vector<OutputPlan>& plans, const InputFile& input, const PackageJob& job,
          const std::vector<TimedSubtitles>& subtitles, const SmartReframe* smart);

  void start();
  // Some output is still being written.
  bool live() const;
  // Hands a decoded frame (nullptr: the end of its stream) to every branch; false once
  // every output failed.
  bool offer(StreamKind kind, AVFrame* frame);
  void close_input();
  // The input is bad or we were interrupted: stop every worker now.
  void abort();
  // Joins the workers and commits what is complete and passes `check`; outputs that share
  // an encode are then made from its file. One report per plan, in order.
  std::vector<OutputReport> finish(const FrameCheck& check = {});

 private:
  void add_branch(size_t i, const InputFile& input, const PackageJob& job,
                  const std::vector<TimedSubtitles>& subtitles, const SmartReframe* smart);
  void share_scaling();

  const std::vector<OutputPlan>& plans_;  // the caller's, which outlive this
  // Per plan: the output whose encode it is, and the output whose video encode it muxes
  // (its own index when none).
  std::vector<size_t> encoded_by_, video_by_;
  std::vector<std::unique_ptr<OutputBranch>> branches_;  // at the index of its first output
  std::vector<std::optional<OutputReport>> early_;       // outputs whose setup failed
};

}  // namespace reelpack
