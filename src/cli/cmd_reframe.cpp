// `reelpack reframe`: the smart reframing analysis on its own, to review or edit before
// packaging: a preview video, the crop path as CSV, the detections as CSV, a JSON summary.
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/error.h"
#include "core/json_text.h"
#include "package/package.h"
#include "package/smart_outputs.h"
#include "presets/schema.h"
#include "reframe/reframe_review.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace reelpack::cli {

namespace {

po::options_description reframe_options() {
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")(
      "preset,p", po::value<std::string>()->value_name("NAME|FILE"),
      "the preset whose output aspect and frame rate the window is for")(
      "preview", po::value<std::string>()->value_name("OUT.mp4"),
      "write a review video: the source with the window, detections and shot modes drawn on it")(
      "preview-width", po::value<int>()->default_value(960)->value_name("PX"),
      "width of the review video")(
      "crop-path-out", po::value<std::string>()->value_name("FILE.csv"),
      "write the window per output frame (frame,pts_seconds,x,y,width,height); edit it and "
      "give it to `package --crop-path-in`")(
      "detections-out", po::value<std::string>()->value_name("FILE.csv"),
      "write every face and motion sample (frame,pts_seconds,kind,x,y,width,height,confidence)")(
      "range,r", po::value<std::vector<std::string>>()->value_name("START-END"),
      "analyse only these ranges (as `package --range`), joined in order")("allow-truncated",
                                                                           kAllowTruncatedHelp)(
      "json", "print the shots, their camera modes and the detection counts as JSON on stdout")(
      "verbose,v", "show FFmpeg's own warnings");
  return opts;
}

// The review on stdout as JSON, or the shots on stderr.
void print_review(const fs::path& input, const OutputPlan& plan, const SmartAnalysis& a,
                  const SmartPath& path, bool json) {
  const std::vector<ReframeShot> shots = report_shots(a, path);
  if (a.face_detector == "haar") std::cerr << "reelpack: note: " << haar_fallback_note() << "\n";
  if (json) {
    OutputReport r;
    r.reframe_shots = shots;
    nlohmann::json j = {
        {"input", input.string()},
        {"preset", plan.preset},
        {"frames", a.frame_count()},
        // The crop path's rows are frames at the output's rate.
        {"fps", plan.frame_rate.rate.to_string()},
        {"fps_reason", plan.frame_rate.reason},
        {"window",
         {{"width", plan.geometry.crop.width_px}, {"height", plan.geometry.crop.height_px}}},
        {"faces", a.faces.size()},
        {"face_detector", a.face_detector},
        {"face_model",
         a.face_model.empty() ? nlohmann::json() : nlohmann::json(a.face_model.string())},
        {"motion_samples", a.motion.size()}};
    add_smart_reframe(j, r);
    j.erase("crop_path");
    std::cout << json_text(j, 2) << "\n";
    return;
  }
  for (size_t k = 0; k < shots.size(); ++k) {
    char head[96];
    std::snprintf(head, sizeof head, "  shot %zu  %.3f-%.3f s  %-10s ", k + 1,
                  shots[k].start_us / 1e6, shots[k].end_us / 1e6, shots[k].mode.c_str());
    std::cerr << head << shots[k].reason << "\n";
  }
}

}  // namespace

int cmd_reframe(const Args& args) {
  const po::options_description opts = reframe_options();
  const auto parsed = parse_verb(
      "reframe", args, opts, "input",
      {"reelpack reframe INPUT -p PRESET [--preview OUT.mp4] [--crop-path-out FILE.csv] [options]",
       "Runs the analysis of `package --reframe smart` on its own: shots, faces (BlazeFace,\n"
       "installed by scripts/setup.sh; else OpenCV's Haar cascades from Debian's opencv-data)\n"
       "and motion, then the virtual camera per shot\n"
       "(stationary, pan, track, or fill: subjects too far apart, drawn as blur fill; its\n"
       "rows give the whole picture, 0,0,W,H). Writes a review video, the crop path (the\n"
       "window per output frame, in source pixels as displayed, rotation applied, on the\n"
       "source timeline) and the detections; the crop path can be edited (keep only the rows you\n"
       "want as keyframes; the rest is interpolated) and rendered with\n"
       "`package --reframe smart --crop-path-in FILE.csv`.",
       "  reelpack reframe ep01.mov -p tiktok --preview ep01.review.mp4\n"
       "  reelpack reframe ep01.mov -p tiktok --crop-path-out ep01.crop.csv\n"
       "  reelpack package ep01.mov -p tiktok -o out/ --reframe smart --crop-path-in "
       "ep01.crop.csv\n"});
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  if (vm.count("verbose")) set_verbosity(1);
  if (!vm.count("input"))
    throw UsageError("reelpack reframe: no INPUT; see `reelpack reframe --help`");
  if (!vm.count("preset")) {
    throw UsageError(
        "reelpack reframe: no preset; add -p NAME (the window has the preset's aspect)");
  }
  const bool json = vm.count("json") > 0;
  if (!vm.count("preview") && !vm.count("crop-path-out") && !vm.count("detections-out") && !json) {
    throw UsageError(
        "reelpack reframe: nothing to write; add --preview OUT.mp4, --crop-path-out "
        "FILE.csv, --detections-out FILE.csv or --json");
  }

  const Overrides ov = preset_overrides(vm);
  PackageJob job;
  job.input = vm["input"].as<std::string>();
  job.reframe = ReframeMode::Smart;
  if (vm.count("range")) {
    for (const auto& r : vm["range"].as<std::vector<std::string>>())
      job.ranges.push_back(parse_range(r));
  }
  PresetLoader loader;
  Preset preset = loader.load(vm["preset"].as<std::string>(), ov);
  job.outputs.push_back({std::move(preset), job.input.stem().string() + ".mp4"});

  const MediaInfo info = probe(job.input);
  const std::vector<OutputPlan> plans = plan_package(info, job);
  const OutputPlan& plan = plans.front();
  ReviewFiles files;
  files.window = {plan.geometry.crop.width_px, plan.geometry.crop.height_px};
  files.rate = {plan.video.frame_rate.num, plan.video.frame_rate.den};
  files.ranges = resolve_ranges(info, job);
  if (vm.count("crop-path-out")) files.crop_path = vm["crop-path-out"].as<std::string>();
  if (vm.count("detections-out")) files.detections = vm["detections-out"].as<std::string>();
  if (vm.count("preview")) files.preview = vm["preview"].as<std::string>();
  files.preview_options.width_px = vm["preview-width"].as<int>();
  SmartAnalysisOptions analysis;
  analysis.allow_truncated = vm.count("allow-truncated") > 0;
  files.preview_options.allow_truncated = analysis.allow_truncated;

  ProgressBar bar(job.input.filename().string() + " analysing", stderr_is_terminal() && !json);
  int64_t duration_us = info.duration_us;
  if (!files.ranges.empty()) {
    duration_us = 0;
    for (const TimeRange& r : files.ranges) duration_us += r.length_us();
  }
  const auto t0 = std::chrono::steady_clock::now();
  const SmartAnalysis a =
      analyse_for_reframe(job.input, files.ranges, analysis, [&](int64_t frames, int64_t pos_us) {
        const double el =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        bar.update(pos_us, duration_us, frames, el);
      });
  bar.done();
  const SmartPath path =
      write_reframe_review(a, files, [&](const fs::path& file, std::optional<int64_t> frames) {
        if (json) return;
        std::cerr << "  wrote " << file.string();
        if (frames) std::cerr << " (" << *frames << " frames)";
        std::cerr << "\n";
      });
  print_review(job.input, plan, a, path, json);
  return kExitOk;
}

}  // namespace reelpack::cli
