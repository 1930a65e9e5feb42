#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/error.h"
#include "core/json_text.h"
#include "edit/copy_cut.h"
#include "package/package.h"
#include "presets/schema.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace reelpack::cli {

namespace {

// The folder `output` goes in.
fs::path folder_of(const fs::path& output) {
  return output.parent_path().empty() ? fs::path(".") : output.parent_path();
}

void print_copy_report(const CopyCutReport& rep) {
  for (const auto& w : rep.warnings) std::cerr << "reelpack: warning: " << w << "\n";
  for (size_t i = 0; i < rep.ranges.size(); ++i) {
    const CopiedRange& c = rep.ranges[i];
    std::cerr << "  range " << i + 1 << ": asked " << format_time(c.requested.start_us) << "-"
              << format_time(c.requested.end_us) << ", copied " << format_time(c.snapped.start_us)
              << "-" << format_time(c.snapped.end_us) << " (keyframes)\n";
  }
  std::cerr << "  wrote " << rep.output.string() << " (" << rep.output_duration_us / 1e6
            << " s, no re-encoding)\n";
}

// --copy: packets copied between keyframes (edit/copy_cut.h).
int cut_copy(const fs::path& input, const std::vector<RangeSpec>& ranges, const fs::path& output,
             bool dry_run, bool json, bool allow_truncated) {
  // Bad ranges fail before anything is created.
  const std::vector<TimeRange> resolved = resolve_ranges(probe(input), ranges);
  if (dry_run) {
    for (const TimeRange& r : resolved) {
      std::cout << "copy " << format_time(r.start_us) << "-" << format_time(r.end_us)
                << " (snapped back/forward to keyframes when run)\n";
    }
    return kExitOk;
  }
  prepare_output_dir(folder_of(output));
  const CopyCutReport rep = copy_cut(input, ranges, output, allow_truncated);
  if (json) {
    std::cout << json_text(to_json(rep), 2) << "\n";
  } else {
    print_copy_report(rep);
  }
  return kExitOk;
}

// Frame-exact: through the packaging pipeline, with -p's preset or the source's own size
// and rate at mastering quality.
int cut_encode(const po::variables_map& vm, const fs::path& input,
               const std::vector<RangeSpec>& ranges, const fs::path& output) {
  const bool json = vm.count("json") > 0;
  const Overrides ov = preset_overrides(vm);
  PackageJob job;
  job.input = input;
  job.ranges = ranges;
  job.reframe = parse_reframe_mode(vm["reframe"].as<std::string>());
  job.allow_truncated = vm.count("allow-truncated") > 0;
  PresetLoader loader;
  const MediaInfo info = probe(input);
  Preset preset;
  if (vm.count("preset")) {
    preset = loader.load(vm["preset"].as<std::string>(), ov);
  } else {
    preset = loader.from_defaults("master", master_overrides(info, ov));
  }
  job.outputs.push_back({preset, output});
  if (vm.count("dry-run")) {
    print_plan(info, job, json);
    return kExitOk;
  }
  resolve_ranges(info, job);  // bad ranges fail before anything is created
  prepare_output_dir(folder_of(output));
  return run_package(job, json, folder_of(output));
}

}  // namespace

int cmd_cut(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")("output,o",
                                                 po::value<std::string>()->value_name("FILE"),
                                                 "output file (.mp4; .mov/.mkv with --copy)")(
      "range,r", po::value<std::vector<std::string>>()->value_name("START-END"),
      "range to keep, repeatable, joined in order: 12.5, 00:01:02.500 or frame f300")(
      "copy", "cut without re-encoding: ranges snap to keyframes (reported)")(
      "preset,p", po::value<std::string>()->value_name("NAME|FILE"),
      "encode with this preset (default: the source's size and rate at CRF 18)")(
      "reframe", po::value<std::string>()->default_value("center")->value_name("MODE"),
      "with -p: center, pad, blur or smart")("allow-truncated", kAllowTruncatedHelp)(
      "dry-run,n", "print the plan; write nothing")("json", "print a JSON summary on stdout")(
      "verbose,v", "show FFmpeg's own warnings");
  const auto parsed = parse_verb(
      "cut", args, opts, "input",
      {"reelpack cut INPUT -o OUT --range START-END [--range START-END ...] [--copy]",
       "Frame-accurate trims and cut lists. The first frame is the source frame shown at\n"
       "START, the last the one before END; ranges are joined in order with audio cut\n"
       "on the same instants and a 5 ms fade at each join. --copy cuts without\n"
       "re-encoding and says which keyframes each range snapped to.",
       "  reelpack cut master.mov -o ep01.mp4 --range 00:00:10.000-00:01:40.000\n"
       "  reelpack cut master.mov -o ep01.mp4 --range f300-f2100 --range f2400-f4000\n"
       "  reelpack cut master.mp4 -o ep01.mp4 --range 10-100 --copy\n"
       "  reelpack cut master.mov -o ep01.tiktok.mp4 --range 10-100 -p tiktok --reframe blur\n"});
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  if (vm.count("verbose")) set_verbosity(1);
  if (!vm.count("input")) throw UsageError("reelpack cut: no INPUT; see `reelpack cut --help`");
  if (!vm.count("output")) throw UsageError("reelpack cut: no output; add -o FILE");
  if (!vm.count("range")) throw UsageError("reelpack cut: no range; add --range START-END");

  const fs::path input = vm["input"].as<std::string>();
  const fs::path output = vm["output"].as<std::string>();
  std::vector<RangeSpec> ranges;
  for (const auto& r : vm["range"].as<std::vector<std::string>>()) ranges.push_back(parse_range(r));
  if (vm.count("copy")) {
    if (vm.count("preset")) throw UsageError("reelpack cut: --copy does not re-encode; drop -p");
    return cut_copy(input, ranges, output, vm.count("dry-run") > 0, vm.count("json") > 0,
                    vm.count("allow-truncated") > 0);
  }
  return cut_encode(vm, input, ranges, output);
}

}  // namespace reelpack::cli
