#include <algorithm>
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

// --copy --exact: per range, which frames are re-encoded and which copied (frame numbers
// as --range writes them, END excluded). The plan of --dry-run also lists the IDR pictures.
void print_exact_report(const CopyCutReport& rep, std::ostream& out) {
  int frames = 0, reencoded = 0;
  for (size_t i = 0; i < rep.ranges.size(); ++i) {
    const CopiedRange& c = rep.ranges[i];
    out << "  range " << i + 1 << ": asked " << format_time(c.requested.start_us) << "-"
        << format_time(c.requested.end_us) << ", cut " << format_time(c.snapped.start_us) << "-"
        << format_time(c.snapped.end_us) << " (" << c.frames << " frames)\n";
    for (const CutPart& p : c.parts) {
      out << "    " << (p.reencoded ? "re-encoded" : "copied    ") << " f" << p.first_frame << "-f"
          << p.end_frame << "  " << format_time(p.span.start_us) << "-"
          << format_time(p.span.end_us) << "  " << p.frames << " frames\n";
      if (p.reencoded) reencoded += p.frames;
    }
    const bool copies =
        std::any_of(c.parts.begin(), c.parts.end(), [](const CutPart& p) { return !p.reencoded; });
    if (!copies) out << "    (no IDR picture inside the range: all of it re-encoded)\n";
    if (rep.dry_run) {
      out << "    IDR pictures read:";
      for (int64_t t : c.idr_us) out << " " << format_time(t);
      out << (c.idr_us.empty() ? " none\n" : "\n");
    }
    frames += c.frames;
  }
  out << "  " << (rep.dry_run ? "would write " : "wrote ") << rep.output.string() << " ("
      << rep.output_duration_us / 1e6 << " s, " << frames << " frames: " << frames - reencoded
      << " copied, " << reencoded << " re-encoded)\n";
}

// --copy: packets copied between keyframes; with --exact, frame-exact with the partial
// GOPs re-encoded (edit/copy_cut.h).
int cut_copy(const po::variables_map& vm, const fs::path& input,
             const std::vector<RangeSpec>& ranges, const fs::path& output) {
  const bool dry_run = vm.count("dry-run") > 0;
  const bool json = vm.count("json") > 0;
  CopyCutOptions options;
  options.exact = vm.count("exact") > 0;
  options.dry_run = dry_run;
  options.allow_truncated = vm.count("allow-truncated") > 0;
  // The re-encoded frames' quality and speed, checked by the preset schema like any override.
  const Overrides ov = preset_overrides(vm);
  const Preset given = PresetLoader().from_defaults("cut", ov);
  if (ov.count("video.crf")) options.crf = given.video.crf;
  if (ov.count("video.encoder-preset")) options.encoder_preset = given.video.encoder_preset;
  // Bad ranges fail before anything is created.
  const std::vector<TimeRange> resolved = resolve_ranges(probe(input), ranges);
  if (dry_run && !options.exact) {
    for (const TimeRange& r : resolved) {
      std::cout << "copy " << format_time(r.start_us) << "-" << format_time(r.end_us)
                << " (snapped back/forward to keyframes when run)\n";
    }
    return kExitOk;
  }
  if (!dry_run) prepare_output_dir(folder_of(output));
  const CopyCutReport rep = copy_cut(input, ranges, output, options);
  if (json) {
    std::cout << json_text(to_json(rep), 2) << "\n";
  } else if (options.exact) {
    print_exact_report(rep, dry_run ? std::cout : std::cerr);
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
  if (vm.count("audio-stream")) job.audio_stream = vm["audio-stream"].as<std::string>();
  PresetLoader loader;
  const MediaInfo info = probe(input, job.audio_stream);
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
                                                 "output file (.mp4; .mov/.mkv/.ts with --copy)")(
      "range,r", po::value<std::vector<std::string>>()->value_name("START-END"),
      "range to keep, repeatable, joined in order: 12.5, 00:01:02.500 or frame f300")(
      "copy", "cut without re-encoding: ranges snap to keyframes (reported)")(
      "exact",
      "with --copy: frame-exact; re-encodes only the frames before each range's first IDR "
      "and after its last copyable packet, matched to the source (H.264)")(
      "preset,p", po::value<std::string>()->value_name("NAME|FILE"),
      "encode with this preset (default: the source's size and rate at CRF 18)")(
      "reframe", po::value<std::string>()->default_value("center")->value_name("MODE"),
      "with -p: center, pad, blur or smart")("allow-truncated", kAllowTruncatedHelp)(
      "audio-stream", po::value<std::string>()->value_name("N|LANG"),
      "the audio stream to use: N (0 the first, as ffmpeg's -map 0:a:N) or a language tag "
      "such as eng (default: the first flagged default)")(
      "dry-run,n", "print the plan; write nothing")("json", "print a JSON summary on stdout")(
      "verbose,v", "show FFmpeg's own warnings");
  const auto parsed = parse_verb(
      "cut", args, opts, "input",
      {"reelpack cut INPUT -o OUT --range START-END [--range START-END ...] [--copy [--exact]]",
       "Frame-accurate trims and cut lists. A range holds the source frames whose time t\n"
       "is START <= t < END (f60-f120: frames 60 to 119), so A-B then B-C hold every\n"
       "frame of A-C exactly once; ranges are joined in order with audio cut on the same\n"
       "instants and a 5 ms fade at each join. --copy cuts without re-encoding and says\n"
       "which keyframes each range snapped to. --copy --exact keeps exactly the same\n"
       "frames as a re-encoded cut: it re-encodes only the partial GOPs at the ends of each\n"
       "range (libx264 at CRF 16, matched to the source; --video.crf and\n"
       "--video.encoder-preset change that), copies the rest, and says which frames it\n"
       "re-encoded; with --dry-run it prints that plan and writes nothing.",
       "  reelpack cut master.mov -o ep01.mp4 --range 00:00:10.000-00:01:40.000\n"
       "  reelpack cut master.mov -o ep01.mp4 --range f300-f2100 --range f2400-f4000\n"
       "  reelpack cut master.mp4 -o ep01.mp4 --range 10-100 --copy\n"
       "  reelpack cut master.mp4 -o ep01.mp4 --range f300-f2100 --copy --exact\n"
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
  if (vm.count("exact") && !vm.count("copy")) {
    throw UsageError(
        "reelpack cut: --exact refines --copy; add --copy (cut without --copy is frame-exact "
        "already)");
  }
  if (vm.count("copy")) {
    if (vm.count("preset")) throw UsageError("reelpack cut: --copy does not re-encode; drop -p");
    return cut_copy(vm, input, ranges, output);
  }
  return cut_encode(vm, input, ranges, output);
}

}  // namespace reelpack::cli
