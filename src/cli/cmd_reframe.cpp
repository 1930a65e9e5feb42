// `reelpack reframe`: the smart reframing analysis on its own, to review or edit before
// packaging: a preview video, the crop path as CSV, the detections as CSV, a JSON summary.
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "package/package.h"
#include "package/smart_outputs.h"
#include "presets/schema.h"
#include "reframe/reframe_preview.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace reelpack::cli {

namespace {

// frame,pts_seconds,kind,x,y,width,height,confidence: every face and motion sample, in
// source pixels, frames counted as the crop path's source frames.
void write_detections(const fs::path& out, const SmartAnalysis& a) {
  AtomicFile file(out);
  {
    std::ofstream o(file.temp_path());
    if (!o) throw ProcessingError(out.string() + ": cannot write the detections; check the folder");
    o << "frame,pts_seconds,kind,x,y,width,height,confidence\n";
    std::vector<const SubjectSample*> all;
    for (const auto& s : a.faces) all.push_back(&s);
    for (const auto& s : a.motion) all.push_back(&s);
    std::stable_sort(all.begin(), all.end(), [](const SubjectSample* x, const SubjectSample* y) {
      return x->frame < y->frame;
    });
    char seconds[32];
    for (const SubjectSample* s : all) {
      std::snprintf(seconds, sizeof seconds, "%.6f", a.source_us[s->frame] / 1e6);
      char confidence[16];
      std::snprintf(confidence, sizeof confidence, "%.3f", s->confidence);
      o << s->frame << ',' << seconds << ',' << s->kind << ',' << s->box_px.x_px << ','
        << s->box_px.y_px << ',' << s->box_px.width_px << ',' << s->box_px.height_px << ','
        << confidence << '\n';
    }
    o.close();
    if (!o)
      throw ProcessingError(out.string() + ": writing the detections failed; check the free space");
  }
  file.commit();
}

}  // namespace

int cmd_reframe(const Args& args) {
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
      "analyse only these ranges (as `package --range`), joined in order")(
      "json", "print the shots, their camera modes and the detection counts as JSON on stdout")(
      "verbose,v", "show FFmpeg's own warnings");
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
  const Size window{plan.geometry.crop.width_px, plan.geometry.crop.height_px};
  const Rational rate{plan.video.frame_rate.num, plan.video.frame_rate.den};
  const std::vector<TimeRange> ranges = resolve_ranges(info, job);

  ProgressBar bar(job.input.filename().string() + " analysing", stderr_is_terminal() && !json);
  int64_t duration_us = info.duration_us;
  if (!ranges.empty()) {
    duration_us = 0;
    for (const TimeRange& r : ranges) duration_us += r.length_us();
  }
  const auto t0 = std::chrono::steady_clock::now();
  const SmartAnalysis a =
      analyse_for_reframe(job.input, ranges, {}, [&](int64_t frames, int64_t pos_us) {
        const double el =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        bar.update(pos_us, duration_us, frames, el);
      });
  bar.done();
  const SmartPath path = solve_smart_path(a, window);

  if (vm.count("crop-path-out")) {
    const fs::path out = vm["crop-path-out"].as<std::string>();
    const OutputFrames frames = output_frames(a, rate);
    write_crop_path(out, output_windows(path, frames), frames.times());
    if (!json) std::cerr << "  wrote " << out.string() << " (" << frames.count() << " frames)\n";
  }
  if (vm.count("detections-out")) {
    const fs::path out = vm["detections-out"].as<std::string>();
    write_detections(out, a);
    if (!json) std::cerr << "  wrote " << out.string() << "\n";
  }
  if (vm.count("preview")) {
    const fs::path out = vm["preview"].as<std::string>();
    PreviewOptions po;
    po.width_px = vm["preview-width"].as<int>();
    const int64_t n = render_reframe_preview(a, path, ranges, out, po);
    if (!json) std::cerr << "  wrote " << out.string() << " (" << n << " frames)\n";
  }

  const std::vector<ReframeShot> shots = report_shots(a, path);
  if (a.face_detector == "haar") std::cerr << "reelpack: note: " << haar_fallback_note() << "\n";
  if (json) {
    OutputReport r;
    r.reframe_shots = shots;
    nlohmann::json j = {
        {"input", job.input.string()},
        {"preset", plan.preset},
        {"frames", a.frame_count()},
        {"window", {{"width", window.width_px}, {"height", window.height_px}}},
        {"faces", a.faces.size()},
        {"face_detector", a.face_detector},
        {"face_model",
         a.face_model.empty() ? nlohmann::json() : nlohmann::json(a.face_model.string())},
        {"motion_samples", a.motion.size()}};
    add_smart_reframe(j, r);
    j.erase("crop_path");
    std::cout << j.dump(2) << "\n";
  } else {
    for (size_t k = 0; k < shots.size(); ++k) {
      char head[96];
      std::snprintf(head, sizeof head, "  shot %zu  %.3f-%.3f s  %-10s ", k + 1,
                    shots[k].start_us / 1e6, shots[k].end_us / 1e6, shots[k].mode.c_str());
      std::cerr << head << shots[k].reason << "\n";
    }
  }
  return kExitOk;
}

}  // namespace reelpack::cli
