#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "edit/copy_cut.h"
#include "edit/shots.h"
#include "package/package.h"
#include "presets/schema.h"
#include "reframe/analysis_cache.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace reelpack::cli {

namespace {
std::string episode_name(int index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "ep%03d", index);
  return buf;
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
      "cache-dir", po::value<std::string>()->value_name("DIR"),
      "keep the shot list (and with --reframe smart, each episode's analysis) in DIR and reuse "
      "it for the same input and settings");
  opts.add_options()("cache-max", po::value<int64_t>()->value_name("MB"), kCacheMaxHelp)(
      "dry-run,n", "print the episode plan; write nothing")(
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

  const fs::path input = vm["input"].as<std::string>();
  const fs::path outdir = vm["output"].as<std::string>();
  SplitOptions so;
  so.target_s = vm["target"].as<double>();
  if (vm.count("min")) so.min_s = vm["min"].as<double>();
  if (vm.count("max")) so.max_s = vm["max"].as<double>();
  const bool json = vm.count("json") > 0;

  // Presets are checked before the (long) analysis so a typo fails at once.
  const Overrides ov = preset_overrides(vm);
  PresetLoader loader;
  std::vector<Preset> presets;
  if (vm.count("preset")) {
    for (const auto& name : vm["preset"].as<std::vector<std::string>>()) {
      presets.push_back(loader.load(name, ov));
    }
  }
  const ReframeMode reframe = parse_reframe_mode(vm["reframe"].as<std::string>());
  if (!vm.count("dry-run")) prepare_output_dir(outdir);

  // The shot list from the cache when it holds one for this content and these settings.
  const fs::path cache_dir =
      vm.count("cache-dir") ? fs::path(vm["cache-dir"].as<std::string>()) : fs::path();
  if (vm.count("cache-max") && cache_dir.empty()) {
    throw UsageError("reelpack split: --cache-max needs --cache-dir DIR");
  }
  const int64_t cache_max =
      vm.count("cache-max") ? cache_max_bytes(vm, "split") : kDefaultCacheMaxBytes;
  std::string shots_cache = "off";
  ShotList shots;
  if (!cache_dir.empty()) {
    const AnalysisCache cache(cache_dir, cache_max);
    const AnalysisKey key = shots_key(input, shot_options(vm));
    std::vector<std::string> warnings;
    if (auto hit = cache.load_shots(key, input, warnings)) {
      shots = std::move(*hit);
      shots_cache = "hit";
    } else {
      shots = detect_with_progress(input, shot_options(vm), json);
      cache.store_shots(key, shots, warnings);
      shots_cache = "miss";
    }
    for (const auto& w : warnings) std::cerr << "reelpack: warning: " << w << "\n";
    if (shots_cache == "hit" && !json) {
      std::cerr << "  shots read from the cache (" << cache.shots_file_for(key).string() << ")\n";
    }
  } else {
    shots = detect_with_progress(input, shot_options(vm), json);
  }
  const std::vector<Episode> episodes = plan_split(shots, so);

  struct Row {
    Episode ep;
    TimeRange written;
    std::vector<std::string> files;
    std::string error;
  };
  std::vector<Row> rows;
  bool ok = true;
  for (const Episode& ep : episodes) {
    Row row{ep, {ep.start_us, ep.end_us}, {}, {}};
    const std::string name = episode_name(ep.index);
    if (!ep.within_limits) {
      std::cerr << "reelpack: warning: " << name << ": no shot boundary allows a length within "
                << "--min/--max here; it is " << (ep.end_us - ep.start_us) / 1e6 << " s\n";
    }
    if (vm.count("dry-run")) {
      rows.push_back(row);
      continue;
    }
    const RangeSpec range{{false, ep.start_us, 0},
                          {false, ep.end_us, 0},
                          format_time(ep.start_us) + "-" + format_time(ep.end_us)};
    try {
      if (presets.empty()) {
        const fs::path out = outdir / (name + ".mp4");
        const CopyCutReport rep = copy_cut(input, {range}, out);
        row.written = rep.ranges.front().snapped;
        row.files.push_back(out.filename().string());
      } else {
        PackageJob job;
        job.input = input;
        job.reframe = reframe;
        job.ranges = {range};
        job.metadata["episode_id"] = std::to_string(ep.index);
        job.analysis_cache_dir = cache_dir;
        job.analysis_cache_max_bytes = cache_max;
        for (const Preset& p : presets) {
          const fs::path out = outdir / (name + "." + p.name + "." + p.container);
          job.outputs.push_back({p, out});
          row.files.push_back(out.filename().string());
        }
        // package() itself, not run_package(): that prints each episode's summary on
        // stdout, which would break --json (several documents) and the text mode alike.
        const PackageReport rep = package(job);
        for (const OutputReport& o : rep.outputs) {
          if (!o.ok) {
            row.error +=
                (row.error.empty() ? "" : "; ") + o.path.filename().string() + ": " + o.error;
          }
        }
      }
    } catch (const Interrupted&) {
      throw;
    } catch (const Error& e) {
      row.error = e.what();  // one bad episode does not stop the others
    }
    if (!row.error.empty()) {
      ok = false;
      std::cerr << "reelpack: error: " << name << ": " << row.error << "\n";
    } else if (!json) {
      std::cerr << "  " << name << " " << format_time(row.written.start_us) << "-"
                << format_time(row.written.end_us) << " -> " << row.files.front()
                << (row.files.size() > 1 ? " (+" + std::to_string(row.files.size() - 1) + ")" : "")
                << "\n";
    }
    rows.push_back(row);
  }

  std::ostringstream csv;
  csv << "episode,start_seconds,end_seconds,start_frame,end_frame,duration_seconds,"
         "written_start_seconds,written_end_seconds,files,status\n";
  nlohmann::json j = nlohmann::json::array();
  for (const Row& r : rows) {
    char line[256];
    std::snprintf(line, sizeof line, "%s,%.6f,%.6f,%lld,%lld,%.6f,%.6f,%.6f,",
                  episode_name(r.ep.index).c_str(), r.ep.start_us / 1e6, r.ep.end_us / 1e6,
                  static_cast<long long>(r.ep.start_frame), static_cast<long long>(r.ep.end_frame),
                  (r.ep.end_us - r.ep.start_us) / 1e6, r.written.start_us / 1e6,
                  r.written.end_us / 1e6);
    std::string files;
    for (const auto& f : r.files) files += (files.empty() ? "" : ";") + f;
    csv << line << files << "," << (r.error.empty() ? "ok" : "failed") << "\n";
    j.push_back({{"episode", r.ep.index},
                 {"start_seconds", r.ep.start_us / 1e6},
                 {"end_seconds", r.ep.end_us / 1e6},
                 {"start_frame", r.ep.start_frame},
                 {"end_frame", r.ep.end_frame},
                 {"within_limits", r.ep.within_limits},
                 {"written_start_seconds", r.written.start_us / 1e6},
                 {"written_end_seconds", r.written.end_us / 1e6},
                 {"files", r.files},
                 {"error", r.error.empty() ? nlohmann::json() : nlohmann::json(r.error)}});
  }
  if (vm.count("dry-run")) {
    if (json) {
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << "dry run: " << shots.shots.size() << " shots, " << rows.size() << " episodes\n"
                << csv.str();
    }
    return kExitOk;
  }
  const fs::path cutlist = outdir / "cutlist.csv";
  AtomicFile file(cutlist);
  std::ofstream(file.temp_path()) << csv.str();
  file.commit();
  if (json) {
    std::cout << nlohmann::json{{"input", input.string()},     {"shots", shots.shots.size()},
                                {"shots_cache", shots_cache},  {"episodes", j},
                                {"cutlist", cutlist.string()}, {"ok", ok}}
                     .dump(2)
              << "\n";
  } else {
    std::cerr << "split " << input.string() << " into " << rows.size() << " episodes ("
              << shots.shots.size() << " shots); cut list " << cutlist.string() << "\n";
  }
  return ok ? kExitOk : kExitProcessing;
}

}  // namespace reelpack::cli
