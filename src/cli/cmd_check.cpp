// reelpack check: does a file meet a preset's delivery rules?
#include <iostream>
#include <nlohmann/json.hpp>

#include "check/conformance.h"
#include "cli/commands.h"
#include "core/error.h"
#include "core/json_text.h"
#include "presets/schema.h"

namespace po = boost::program_options;

namespace reelpack::cli {

namespace {

// One line per rule, then the verdict.
void print_rules(const ConformanceReport& report, const std::string& file,
                 const std::string& preset) {
  int failed = 0;
  for (const RuleResult& r : report.rules) {
    std::cout << to_string(r) << "\n";
    if (r.status == RuleStatus::Fail) ++failed;
  }
  if (failed) {
    std::cout << file << ": " << failed << " rule(s) fail for " << preset << "\n";
  } else {
    std::cout << file << ": conforms to " << preset << "\n";
  }
}

}  // namespace

int cmd_check(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")(
      "preset,p", po::value<std::string>()->value_name("NAME|FILE"),
      "the preset to check against (`reelpack presets list`)")(
      "json", "print every rule with status, measured and expected values as JSON")(
      "verbose,v", "show FFmpeg's own warnings");
  const auto parsed = parse_verb(
      "check", args, opts, "input",
      {"reelpack check FILE -p PRESET [--json] [--SECTION.KEY VALUE ...]",
       "Checks any media file against a preset's delivery rules and names each rule that\n"
       "fails: size, codec, profile, pixel format, frame rate, keyframe interval (largest\n"
       "gap between key frames <= gop-seconds + half a frame), duration and file-size\n"
       "limits, bitrate cap (peak video bitrate over any 1 s window <= 1.5 x maxrate),\n"
       "audio (present if required, AAC, sample rate, channels), integrated loudness\n"
       "(EBU R128, within 2 LU of the preset's target) and faststart (moov before mdat).\n"
       "Exit code 0 when every rule passes, 1 when any fails.",
       "  reelpack check out/ep01.tiktok.mp4 -p tiktok\n"
       "  reelpack check upload.mp4 -p youtube-shorts --json\n"
       "  reelpack check small.mp4 -p tiktok --video.width 540 --video.height 960\n"});
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  if (vm.count("verbose")) set_verbosity(1);
  if (!vm.count("input")) throw UsageError("reelpack check: no FILE; see `reelpack check --help`");
  if (!vm.count("preset")) {
    throw UsageError("reelpack check: no preset; add -p NAME (`reelpack presets list` shows them)");
  }
  const Overrides ov = preset_overrides(vm);
  const Preset preset = PresetLoader().load(vm["preset"].as<std::string>(), ov);
  const std::string file = vm["input"].as<std::string>();
  const ConformanceReport report = check_conformance(file, preset);

  if (vm.count("json")) {
    std::cout << json_text(to_json(report), 2) << "\n";
  } else {
    print_rules(report, file, preset.name);
  }
  return report.pass() ? kExitOk : kExitProcessing;
}

}  // namespace reelpack::cli
