// What package() does for --reframe smart (reframe/smart_reframe.h): runs or reads the
// analysis (from the analysis cache, or one pass on the encode's own frames), places
// each smart output's windows, writes the crop paths and reports the shots.
//
//   auto smart = SmartReframe::prepare(job, input, ranges, plans, analysing);
//   if (smart) branch.crop_with(smart->windows(i));   // each output's frames, cropped
//   if (smart && smart->one_pass()) smart->take(frame, deliver);   // every video frame
//   ...
//   if (smart) smart->finish(job, report);             // crop paths, shots in the report
//
// Each smart output's frames are cropped to their window (crop_to_window, per frame,
// after the output's source graph and before its scaling graph) or, in blur-fill shots,
// drawn whole over a blurred fill (SmartFilterChains in media/filter_chains.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "edit/ranges.h"
#include "media/input.h"
#include "package/package.h"
#include "reframe/smart_reframe.h"

namespace reelpack {

class OnePassReframe;  // reframe/one_pass.h
struct AnalysisKey;    // reframe/analysis_cache.h

class SmartReframe {
 public:
  ~SmartReframe();
  // nullptr when the job is not smart. Checks the options (a crop path without smart
  // reframing is a UsageError), runs the analysis (timestamps only when the job reads
  // its crop path from a file, read from job.analysis_cache_dir when cached there) and
  // places every smart output's windows. `progress` is told of the analysis pass as it goes.
  // `input`: package()'s own, whose decoder a one-pass analysis takes its frames from.
  static std::unique_ptr<SmartReframe> prepare(const PackageJob& job, const InputFile& input,
                                               const std::vector<TimeRange>& ranges,
                                               const std::vector<OutputPlan>& plans,
                                               const AnalysisProgress& progress = {});

  // The windows output `index` (of the job's outputs) crops its frames to.
  std::shared_ptr<const FrameWindows> windows(size_t index) const;

  // One pass (reframe/one_pass.h): the analysis was not run by prepare() (nor read from
  // the cache) but runs on the frames package() decodes for the encode. package() then
  // hands every decoded video frame (and nullptr at the end of the video) to take()
  // instead of to its outputs; take() holds each frame until its shot is over, places the
  // windows of the shot and calls `deliver` with its frames in order, and at the end with
  // nullptr.
  bool one_pass() const { return one_pass_ != nullptr; }
  using Deliver = std::function<void(AVFrame*)>;
  void take(AVFrame* frame, const Deliver& deliver);
  // With a --range: the span it read on the source timeline (RangeReader::actual()), for
  // the crop path's times; before take(nullptr).
  void set_ranges_read(std::vector<TimeRange> actual) { ranges_read_ = std::move(actual); }
  // After take(nullptr): when the frames held outgrew job.smart_hold_bytes, the frames
  // from this timestamp on were not delivered (nor the end): package() decodes them
  // again (with a --range, the range again from its start, dropping the frames before)
  // and delivers them itself (their windows are placed by now).
  std::optional<int64_t> decode_again_from() const;
  // One pass: the frames held outgrew the memory allowed, so from here on the input is
  // only analysed, and decoded again from decode_again_from() once that is done.
  bool overflowed() const;
  // After the decode ended without an error: keeps the analysis in job.analysis_cache_dir
  // when the job has one. Not from take(nullptr): the input is judged (cut short, say)
  // only after its last frame was taken.
  void store_analysis();

  // After the run: writes each successful output's crop path when the job asks for one
  // (an output whose path cannot be written is marked failed) and reports the shots.
  void finish(const PackageJob& job, PackageReport& report) const;

  // Where output `index`'s crop path goes: job.crop_path_out for a single output, else
  // <stem>.<preset><ext> beside it.
  static std::filesystem::path crop_path_for(const PackageJob& job, size_t index);

  const SmartAnalysis& analysis() const { return analysis_; }

 private:
  struct Output {
    std::shared_ptr<const SmartPath> path;
    std::shared_ptr<const FrameWindows> windows;
    Rational rate;
  };
  // The analysis from the cache or a pass of its own; false when it is left to one pass
  // (then a cache miss is stored by store_analysis()).
  bool analyse(const PackageJob& job, const std::vector<TimeRange>& ranges,
               const SmartAnalysisOptions& options, bool one_pass,
               const AnalysisProgress& progress);
  // One pass: every output's path and windows, growing shot by shot.
  void start_one_pass(const PackageJob& job, const InputFile& input,
                      const SmartAnalysisOptions& options, const std::vector<OutputPlan>& plans);
  // The analysis is complete: every output's path, solved or read from the crop path.
  void place_all(const PackageJob& job, const std::vector<OutputPlan>& plans);

  SmartAnalysis analysis_;
  AnalysisReport analysis_report_;
  std::vector<Output> outputs_;
  std::unique_ptr<OnePassReframe> one_pass_;
  std::vector<TimeRange> ranges_read_;
  // One pass with a cache miss: where store_analysis() keeps the analysis.
  std::unique_ptr<AnalysisKey> cache_key_;
  std::filesystem::path cache_dir_;
  int64_t cache_max_bytes_ = 0;
};

// Adds a smart output's "reframe_shots" (start/end frame and seconds, mode, reason) and
// "crop_path" to its entry in package()'s JSON report.
void add_smart_reframe(nlohmann::json& entry, const OutputReport& report);

// The path's shots as package() reports them.
std::vector<ReframeShot> report_shots(const SmartAnalysis& analysis, const SmartPath& path);

}  // namespace reelpack
