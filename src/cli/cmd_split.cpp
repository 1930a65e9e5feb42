#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/error.h"
#include "core/json_text.h"
#include "package/split.h"
#include "presets/schema.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace reelpack::cli {

namespace {
// What split() says as it goes, on stderr: shot detection's progress bar, warnings, each
// episode written (not with --json) or failed.
SplitProgress split_progress(const SplitJob& job, bool json) {
  auto bar = std::make_shared<ProgressBar>(job.input.filename().string() + " shots",
                                           stderr_is_terminal() && !json);
  SplitProgress p;
  p.shots = [bar](const Progress& pr) {
    bar->update(pr.position_us, pr.duration_us, pr.frames, pr.elapsed_s);
  };
  p.warning = [bar](const std::string& w) {
    bar->done();
    std::cerr << "reelpack: warning: " << w << "\n";
  };
  p.shots_ready = [bar, json](const SplitReport& r) {
    bar->done();
    if (r.shots_cache == "hit" && !json) {
      std::cerr << "  shots read from the cache (" << r.shots_cache_file.string() << ")\n";
    }
  };
  p.episode = [json](const EpisodeResult& e) {
    const std::string name = episode_name(e.episode.index);
    if (!e.error.empty()) {
      std::cerr << "reelpack: error: " << name << ": " << e.error << "\n";
    } else if (!json) {
      std::cerr << "  " << name << " " << format_time(e.written.start_us) << "-"
                << format_time(e.written.end_us) << " -> " << e.files.front()
                << (e.files.size() > 1 ? " (+" + std::to_string(e.files.size() - 1) + ")" : "")
                << "\n";
    }
  };
  return p;
}

// The job the command line asks for; presets and the output folder are checked before
// the (long) analysis so that a typo fails at once.
SplitJob split_job(const po::variables_map& vm) {
  SplitJob job;
  job.input = vm["input"].as<std::string>();
  job.outdir = vm["output"].as<std::string>();
  job.options.target_s = vm["target"].as<double>();
  if (vm.count("min")) job.options.min_s = vm["min"].as<double>();
  if (vm.count("max")) job.options.max_s = vm["max"].as<double>();
  job.shots = shot_options(vm);
  job.dry_run = vm.count("dry-run") > 0;
  job.allow_truncated = vm.count("allow-truncated") > 0;

  const Overrides ov = preset_overrides(vm);
  PresetLoader loader;
  if (vm.count("preset")) {
    for (const auto& name : vm["preset"].as<std::vector<std::string>>()) {
      job.presets.push_back(loader.load(name, ov));
    }
  }
  job.reframe = parse_reframe_mode(vm["reframe"].as<std::string>());
  if (vm.count("audio-stream")) job.audio_stream = vm["audio-stream"].as<std::string>();
  validate(job.options);  // --target nan and the like: before the folder is made
  probe(job.input);       // a missing or unreadable input too
  if (!job.dry_run) prepare_output_dir(job.outdir);
  if (vm.count("cache-dir")) job.cache_dir = vm["cache-dir"].as<std::string>();
  if (vm.count("cache-max") && job.cache_dir.empty()) {
    throw UsageError("reelpack split: --cache-max needs --cache-dir DIR");
  }
  if (vm.count("cache-max")) job.cache_max_bytes = cache_max_bytes(vm, "split");
  return job;
}

// The report on stdout (--json or the dry run's plan) or a summary on stderr; the exit code.
int print_split(const SplitJob& job, const SplitReport& report, bool json) {
  if (job.dry_run) {
    if (json) {
      nlohmann::json episodes = nlohmann::json::array();
      for (const EpisodeResult& e : report.episodes) episodes.push_back(to_json(e));
      std::cout << json_text(episodes, 2) << "\n";
    } else {
      std::cout << "dry run: " << report.shots.shots.size() << " shots, " << report.episodes.size()
                << " episodes\n"
                << cutlist_csv(report.episodes);
    }
    return kExitOk;
  }
  if (json) {
    std::cout << json_text(to_json(report), 2) << "\n";
  } else if (report.ok()) {  // else the episodes' errors say what was not written
    std::cerr << "split " << job.input.string() << " into " << report.episodes.size()
              << " episodes (" << report.shots.shots.size() << " shots); cut list "
              << report.cutlist.string() << "\n";
  }
  return report.ok() ? kExitOk : kExitProcessing;
}

}  // namespace

int cmd_split(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")(
      "output,o", po::value<std::string>()->value_name("DIR"), "output folder")(
      "target,t", po::value<double>()->value_name("S"), "episode length to aim for, seconds")(
      "min", po::value<double>()->value_name("S"), "shortest episode [default target/2]")(
      "max", po::value<double>()->value_name("S"), "longest episode [default target*1.5]")(
      "preset,p", po::value<std::vector<std::string>>()->value_name("NAME|FILE"),
      "encode each episode for these presets (default: copy without re-encoding)")(
      "reframe", po::value<std::string>()->default_value("center")->value_name("MODE"),
      "with -p: center, pad, blur or smart")(
      "audio-stream", po::value<std::string>()->value_name("N|LANG"),
      "the audio stream to use: N (0 the first, as ffmpeg's -map 0:a:N) or a language tag "
      "such as eng (default: the first flagged default)")(
      "cache-dir", po::value<std::string>()->value_name("DIR"),
      "keep the shot list (and with --reframe smart, each episode's analysis) in DIR and reuse "
      "it for the same input and settings");
  opts.add_options()("cache-max", po::value<int64_t>()->value_name("MB"), kCacheMaxHelp)(
      "allow-truncated", kAllowTruncatedHelp)("dry-run,n", "print the episode plan; write nothing")(
      "json", "print a JSON summary on stdout")("verbose,v", "show FFmpeg's own warnings");
  add_shot_options(opts);
  const auto parsed = parse_verb(
      "split", args, opts, "input",
      {"reelpack split INPUT -o DIR --target S [--min S] [--max S] [-p PRESET ...]",
       "Splits a long master into episodes that end on shot boundaries, each as close to\n"
       "the target length as --min/--max allow. Writes DIR/ep001.<preset>.mp4 ... through\n"
       "the preset pipeline (frame-exact), or DIR/ep001.mp4 ... copied without re-encoding\n"
       "(ends snap to keyframes) when no preset is given, plus DIR/cutlist.csv.",
       "  reelpack split master.mov -o season1/ --target 120 --min 60 --max 180 -p douyin -p "
       "tiktok\n"
       "  reelpack split master.mp4 -o eps/ --target 90            # lossless copies\n"
       "  reelpack split master.mov -o eps/ --target 120 --dry-run\n"
       "  reelpack split master.mov -o eps/ --target 120 --dry-run --cache-dir "
       "~/.cache/reelpack\n"});
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  if (vm.count("verbose")) set_verbosity(1);
  if (!vm.count("input")) throw UsageError("reelpack split: no INPUT; see `reelpack split --help`");
  if (!vm.count("output")) throw UsageError("reelpack split: no output folder; add -o DIR");
  if (!vm.count("target")) throw UsageError("reelpack split: no --target length in seconds");

  // A split that writes nothing leaves no folder it made (an empty one, at least).
  const fs::path outdir = vm["output"].as<std::string>();
  std::error_code ec;
  const bool existed = fs::exists(outdir, ec);
  const auto remove_if_made_and_empty = [&] {
    if (!existed && fs::is_empty(outdir, ec)) fs::remove(outdir, ec);
  };
  try {
    const SplitJob job = split_job(vm);
    const bool json = vm.count("json") > 0;
    const int code = print_split(job, split(job, split_progress(job, json)), json);
    remove_if_made_and_empty();
    return code;
  } catch (...) {
    remove_if_made_and_empty();
    throw;
  }
}

}  // namespace reelpack::cli
