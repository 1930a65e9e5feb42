#include "package/smart_outputs.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "core/error.h"
#include "reframe/analysis_cache.h"
#include "reframe/one_pass.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {

// A crop path to write needs its folder; one to read must exist.
void check_crop_paths(const PackageJob& job) {
  if (!job.crop_path_out.empty()) {
    const fs::path dir =
        job.crop_path_out.parent_path().empty() ? fs::path(".") : job.crop_path_out.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      throw UsageError("--crop-path-out " + job.crop_path_out.string() + ": the folder " +
                       dir.string() + " does not exist; create it or choose another path");
    }
  }
  if (!job.crop_path_in.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(job.crop_path_in, ec)) {
      throw UsageError("--crop-path-in " + job.crop_path_in.string() +
                       ": no such file (write one with --crop-path-out and edit it)");
    }
  }
}

Size window_of(const OutputPlan& plan) {
  return {plan.geometry.crop.width_px, plan.geometry.crop.height_px};
}

Rational rate_of(const OutputPlan& plan) {
  return {plan.video.frame_rate.num, plan.video.frame_rate.den};
}

}  // namespace

std::unique_ptr<SmartReframe> SmartReframe::prepare(const PackageJob& job, const InputFile& input,
                                                    const std::vector<TimeRange>& ranges,
                                                    const std::vector<OutputPlan>& plans,
                                                    const AnalysisProgress& progress) {
  if (job.reframe != ReframeMode::Smart) {
    if (!job.crop_path_in.empty() || !job.crop_path_out.empty()) {
      throw UsageError(
          std::string(job.crop_path_in.empty() ? "--crop-path-out" : "--crop-path-in") +
          " needs --reframe smart (the window only moves in smart reframing)");
    }
    return nullptr;
  }
  check_crop_paths(job);
  auto smart = std::unique_ptr<SmartReframe>(new SmartReframe());
  SmartAnalysisOptions options;
  options.allow_truncated = job.allow_truncated;
  // A path read in needs only the timestamps; so does a window as large as the picture
  // (an output of the source's own aspect), which cannot move.
  const bool can_move = std::any_of(plans.begin(), plans.end(), [](const OutputPlan& p) {
    return p.geometry.crop.x_px > 0 || p.geometry.crop.y_px > 0;
  });
  options.detect = job.crop_path_in.empty() && can_move;
  smart->analysis_report_.ran = true;
  smart->analysis_report_.cache = "off";
  // One pass (the frames analysed as they are decoded for the encode, each held until
  // its shot's camera is placed) when there is something to detect, on the whole input
  // or one range. Several ranges are analysed in a pass of their own: their joins are
  // boundaries known only once read.
  const bool one_pass = options.detect && ranges.size() <= 1 && job.smart_hold_bytes > 0;
  if (smart->analyse(job, ranges, options, one_pass, progress)) {
    smart->place_all(job, plans);
  } else {
    smart->start_one_pass(job, input, options, plans);
  }
  return smart;
}

bool SmartReframe::analyse(const PackageJob& job, const std::vector<TimeRange>& ranges,
                           const SmartAnalysisOptions& options, bool one_pass,
                           const AnalysisProgress& progress) {
  AnalysisReport& used = analysis_report_;
  if (job.analysis_cache_dir.empty()) {
    if (one_pass) return false;
    analysis_ = analyse_for_reframe(job.input, ranges, options, progress);
    return true;
  }
  const AnalysisCache cache(job.analysis_cache_dir, job.analysis_cache_max_bytes);
  const AnalysisKey key = analysis_key(job.input, ranges, options);
  used.cache_file = cache.file_for(key);
  used.cache = "miss";
  if (auto hit = cache.load(key, job.input, used.warnings)) {
    analysis_ = std::move(*hit);
    used.cache = "hit";
    used.decode = "cache";
    return true;
  }
  if (one_pass) {
    cache_key_ = std::make_unique<AnalysisKey>(key);
    cache_dir_ = job.analysis_cache_dir;
    cache_max_bytes_ = job.analysis_cache_max_bytes;
    return false;
  }
  analysis_ = analyse_for_reframe(job.input, ranges, options, progress);
  const CachePruneResult pruned = cache.store(key, analysis_, used.warnings);
  used.cache_pruned_entries = pruned.removed_entries;
  used.cache_pruned_bytes = pruned.removed_bytes;
  return true;
}

void SmartReframe::start_one_pass(const PackageJob& job, const InputFile& input,
                                  const SmartAnalysisOptions& options,
                                  const std::vector<OutputPlan>& plans) {
  one_pass_ = std::make_unique<OnePassReframe>(job.input, input.info(), input.video_time_base(),
                                               options, job.smart_hold_bytes);
  analysis_ = one_pass_->settings();
  analysis_report_.decode = "one pass";
  for (const OutputPlan& plan : plans) {
    const OnePassReframe::Camera c = one_pass_->camera(window_of(plan));
    outputs_.push_back({c.path, c.windows, rate_of(plan)});
  }
}

void SmartReframe::place_all(const PackageJob& job, const std::vector<OutputPlan>& plans) {
  const SmartAnalysis& a = analysis_;
  // Outputs with the same window (and, for a path read in, the same rate) share a path.
  std::map<std::tuple<int, int, int, int>, std::shared_ptr<const SmartPath>> paths;
  for (const OutputPlan& plan : plans) {
    const Size window = window_of(plan);
    const Rational rate = rate_of(plan);
    const auto key = job.crop_path_in.empty()
                         ? std::tuple{window.width_px, window.height_px, 0, 0}
                         : std::tuple{window.width_px, window.height_px, rate.num, rate.den};
    auto& path = paths[key];
    if (!path) {
      path = std::make_shared<const SmartPath>(
          job.crop_path_in.empty() ? solve_smart_path(a, window)
                                   : read_smart_path(a, window, rate, job.crop_path_in));
    }
    outputs_.push_back(
        {path, std::make_shared<const FrameWindows>(a.pts, path->windows, path->geometry), rate});
  }
}

SmartReframe::~SmartReframe() = default;

void SmartReframe::take(AVFrame* frame, const Deliver& deliver) {
  if (frame) {
    one_pass_->take(frame, deliver);
    return;
  }
  analysis_ = one_pass_->complete(ranges_read_, analysis_report_.warnings);
  if (const auto from = one_pass_->decode_again_from()) {
    // package() decodes the rest again.
    analysis_report_.decoded_again_from_s = static_cast<double>(analysis_.to_us(*from)) / 1e6;
    return;
  }
  one_pass_->deliver_rest(deliver);
}

bool SmartReframe::overflowed() const {
  if (!one_pass_) return false;
  const OnePassReframe::State s = one_pass_->state();
  return s == OnePassReframe::State::Overflowed || s == OnePassReframe::State::DecodeAgain;
}

void SmartReframe::store_analysis() {
  // Not before take(nullptr) (pts empty): a run stopped half-way analysed half.
  if (!cache_key_ || analysis_.pts.empty()) return;
  const CachePruneResult pruned = AnalysisCache(cache_dir_, cache_max_bytes_)
                                      .store(*cache_key_, analysis_, analysis_report_.warnings);
  analysis_report_.cache_pruned_entries = pruned.removed_entries;
  analysis_report_.cache_pruned_bytes = pruned.removed_bytes;
  cache_key_.reset();
}

std::optional<int64_t> SmartReframe::decode_again_from() const {
  return one_pass_ ? one_pass_->decode_again_from() : std::nullopt;
}

std::shared_ptr<const FrameWindows> SmartReframe::windows(size_t index) const {
  return outputs_.at(index).windows;
}

fs::path SmartReframe::crop_path_for(const PackageJob& job, size_t index) {
  if (job.outputs.size() <= 1) return job.crop_path_out;
  const fs::path& p = job.crop_path_out;
  return p.parent_path() /
         (p.stem().string() + "." + job.outputs.at(index).preset.name + p.extension().string());
}

void SmartReframe::finish(const PackageJob& job, PackageReport& report) const {
  report.analysis = analysis_report_;
  report.face_detector = analysis_.face_detector;
  // One pass that stopped before the end of the video (every output failed) has placed
  // some shots but has no analysis to give their times: none are reported.
  const bool analysed = !analysis_.pts.empty();
  for (size_t i = 0; i < report.outputs.size() && i < outputs_.size(); ++i) {
    OutputReport& r = report.outputs[i];
    const Output& o = outputs_[i];
    if (analysed) r.reframe_shots = report_shots(analysis_, *o.path);
    if (job.crop_path_out.empty() || !r.ok) continue;
    const fs::path file = crop_path_for(job, i);
    try {
      // One row per frame the output really holds.
      const OutputFrames frames = output_frames(analysis_, o.rate, r.video_frames);
      write_crop_path(file, output_windows(*o.path, frames), frames.times());
      r.crop_path = file;
    } catch (const Error& e) {
      r.ok = false;
      r.error = e.what();
    }
  }
}

std::vector<ReframeShot> report_shots(const SmartAnalysis& a, const SmartPath& path) {
  std::vector<ReframeShot> out;
  const int64_t n = a.frame_count();
  const auto start_of = [&](int64_t frame) {
    return n == 0 ? int64_t{0} : a.source_us[std::clamp<int64_t>(frame, 0, n - 1)];
  };
  // The end of the shot's last frame: at a range join that is the end of the range, not
  // where the next range starts.
  const auto end_of = [&](int64_t frame) {
    if (n == 0 || frame <= 0) return start_of(0);
    const int64_t last = std::min(frame, n) - 1;
    const int64_t next_pts = last + 1 < n ? a.pts[last + 1] : a.end_pts;
    return a.source_us[last] + a.to_us(next_pts - a.pts[last]);
  };
  for (const ShotPlan& s : path.shots) {
    out.push_back({s.start_frame, s.end_frame, start_of(s.start_frame), end_of(s.end_frame),
                   path.from_file ? "file" : to_string(s.mode), s.reason, s.target_span_px,
                   s.travel_px});
  }
  return out;
}

void add_smart_reframe(nlohmann::json& entry, const OutputReport& r) {
  nlohmann::json shots = nlohmann::json::array();
  for (const ReframeShot& s : r.reframe_shots) {
    shots.push_back({{"start_frame", s.start_frame},
                     {"end_frame", s.end_frame},
                     {"start_seconds", s.start_us / 1e6},
                     {"end_seconds", s.end_us / 1e6},
                     {"mode", s.mode},
                     {"reason", s.reason},
                     {"subjects_span_px", {s.target_span_px.width_px, s.target_span_px.height_px}},
                     {"travel_px", {s.travel_px.width_px, s.travel_px.height_px}}});
  }
  entry["reframe_shots"] = shots;
  entry["crop_path"] =
      r.crop_path.empty() ? nlohmann::json() : nlohmann::json(r.crop_path.string());
}

}  // namespace reelpack
