#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_text.h"
#include "edit/shots.h"
#include "media/input.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace reelpack::cli {

void add_shot_options(po::options_description& opts) {
  opts.add_options()("min-shot", po::value<double>()->value_name("S"),
                     "shortest shot in seconds [default 0.5]")(
      "sensitivity", po::value<double>()->value_name("X"),
      "hard-cut threshold: content change over its neighbourhood [default 3.0]");
}

ShotDetectorOptions shot_options(const po::variables_map& vm) {
  ShotDetectorOptions o;
  if (vm.count("min-shot")) o.min_shot_seconds = vm["min-shot"].as<double>();
  if (vm.count("sensitivity")) o.adaptive_threshold = vm["sensitivity"].as<double>();
  return o;
}

namespace {

ShotList detect_with_progress(const fs::path& input, const ShotDetectorOptions& options, bool quiet,
                              bool allow_truncated) {
  const MediaInfo info = probe(input);
  ProgressBar bar(input.filename().string() + " shots", stderr_is_terminal() && !quiet);
  const auto t0 = std::chrono::steady_clock::now();
  ShotList list = detect_shots(
      input, options,
      [&](int64_t frames, int64_t pos_us) {
        const double el =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        bar.update(pos_us, info.duration_us, frames, el);
      },
      allow_truncated);
  bar.done();
  for (const auto& w : list.warnings) std::cerr << "reelpack: warning: " << w << "\n";
  return list;
}

}  // namespace

int cmd_shots(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")(
      "format,f", po::value<std::string>()->default_value("csv")->value_name("csv|json"),
      "output format")("output,o", po::value<std::string>()->value_name("FILE"),
                       "write to FILE instead of stdout")("allow-truncated", kAllowTruncatedHelp)(
      "verbose,v", "show FFmpeg's own warnings");
  add_shot_options(opts);
  po::options_description all;
  all.add(opts).add_options()("input", po::value<std::string>());
  po::positional_options_description pos;
  pos.add("input", 1);
  const auto vm = parse_args("shots", args, all, pos);
  if (vm.count("help")) {
    print_help("reelpack shots INPUT [--format csv|json] [-o FILE]",
               "Lists the shots of a file: hard cuts, fades through black and dissolves are\n"
               "boundaries; camera moves, people walking through the frame and flashes are not.\n"
               "CSV columns: index,start_seconds,end_seconds,start_frame,end_frame (source\n"
               "timeline; end_frame is exclusive). JSON adds each transition's kind and span.",
               opts,
               "  reelpack shots master.mov > shots.csv\n"
               "  reelpack shots master.mov --format json -o shots.json\n"
               "  reelpack shots master.mov --min-shot 1.0\n");
    return kExitOk;
  }
  if (vm.count("verbose")) set_verbosity(1);
  if (!vm.count("input")) throw UsageError("reelpack shots: no INPUT; see `reelpack shots --help`");
  const std::string format = vm["format"].as<std::string>();
  if (format != "csv" && format != "json") {
    throw UsageError("reelpack shots: --format " + format + ": use csv or json");
  }
  const ShotList list = detect_with_progress(vm["input"].as<std::string>(), shot_options(vm), false,
                                             vm.count("allow-truncated") > 0);
  const std::string text = format == "csv" ? shots_csv(list) : json_text(to_json(list), 2) + "\n";
  if (vm.count("output")) {
    const fs::path out = vm["output"].as<std::string>();
    write_file_atomically(out, text);
    std::cerr << "  wrote " << out.string() << " (" << list.shots.size() << " shots)\n";
  } else {
    std::cout << text;
  }
  return kExitOk;
}

}  // namespace reelpack::cli
