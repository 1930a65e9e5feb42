#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/commands.h"
#include "core/error.h"
#include "core/json_text.h"
#include "package/package.h"
#include "presets/schema.h"
#include "stills/covers.h"
#include "stills/thumbs.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace reelpack::cli {

namespace {

std::string describe(const CoverFile& c) {
  char buf[64];
  std::snprintf(buf, sizeof buf, " (%dx%d, frame at %.3f s)", c.size.width_px, c.size.height_px,
                c.time_us / 1e6);
  return c.path.string() + buf;
}

int64_t seconds_to_us(double s, const char* option) {
  if (!std::isfinite(s) || s <= 0 || s > 1e6) {
    throw UsageError(std::string("reelpack thumbs: ") + option +
                     " must be a positive number of seconds");
  }
  return static_cast<int64_t>(std::llround(s * 1e6));
}

po::options_description thumbs_options() {
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")(
      "output,o", po::value<std::string>()->value_name("DIR"), "output folder, created if missing")(
      "count,n", po::value<int>()->default_value(3)->value_name("N"),
      "covers to write, the best first (different shots first)")(
      "preset,p", po::value<std::vector<std::string>>()->value_name("NAME|FILE"),
      "write covers at this preset's [cover] size and format (repeatable); none: the source's "
      "size")("format", po::value<std::string>()->value_name("jpg|webp|png"),
              "image format for every cover (default: each preset's cover format, else jpg)")(
      "reframe", po::value<std::string>()->default_value("center")->value_name("MODE"),
      "center (crop), pad (fit, black bars), blur (fit over a blurred fill) or smart (crop "
      "around the faces)")(
      "sprite",
      "also write a scrubbing sprite sheet (sprite.jpg) and its WebVTT track (sprite.vtt)")(
      "interval", po::value<double>()->default_value(2.0)->value_name("S"),
      "with --sprite: seconds between tiles")(
      "tile-width", po::value<int>()->default_value(160)->value_name("PX"),
      "with --sprite: tile width (height follows the picture's aspect)")(
      "columns", po::value<int>()->default_value(10)->value_name("N"),
      "with --sprite: tiles per row, at most")(
      "rows", po::value<int>()->default_value(10)->value_name("N"),
      "with --sprite: rows per sheet, at most (a long input fills sprite-2.jpg, ...)")(
      "candidates", po::value<int>()->default_value(12)->value_name("N"),
      "keyframes to score, about (more: a wider search, slower)")(
      "no-faces", "do not look for faces (faster; covers then favour sharp, bright frames)")(
      "allow-truncated", kAllowTruncatedHelp)(
      "dry-run", "analyse and print what would be written; write nothing")(
      "json", "print a JSON summary (every candidate's scores) on stdout")(
      "verbose,v", "show FFmpeg's own warnings");
  return opts;
}

// The job the options describe; presets are loaded (and checked) here.
ThumbsJob thumbs_job(const po::variables_map& vm) {
  ThumbsJob job;
  job.input = vm["input"].as<std::string>();
  job.outdir = vm["output"].as<std::string>();
  job.reframe = parse_reframe_mode(vm["reframe"].as<std::string>());
  job.search.count = vm["count"].as<int>();
  if (job.search.count < 1 || job.search.count > 100) {
    throw UsageError("reelpack thumbs: -n must be 1..100");
  }
  job.search.max_candidates = vm["candidates"].as<int>();
  if (job.search.max_candidates < 1 || job.search.max_candidates > 10'000) {
    throw UsageError("reelpack thumbs: --candidates must be 1..10000");
  }
  job.search.faces = vm.count("no-faces") == 0;
  job.search.allow_truncated = vm.count("allow-truncated") > 0;
  job.sprite_options.allow_truncated = job.search.allow_truncated;
  if (vm.count("format")) {
    job.format = vm["format"].as<std::string>();
    if (job.format == "jpeg") job.format = "jpg";
    if (job.format != "jpg" && job.format != "png" && job.format != "webp") {
      throw UsageError("reelpack thumbs: --format " + job.format + ": use jpg, webp or png");
    }
  }
  job.sprite = vm.count("sprite") > 0;
  job.sprite_options.interval_us = seconds_to_us(vm["interval"].as<double>(), "--interval");
  job.sprite_options.tile_width_px = vm["tile-width"].as<int>();
  job.sprite_options.columns = vm["columns"].as<int>();
  job.sprite_options.max_rows = vm["rows"].as<int>();
  if (!job.format.empty()) job.sprite_options.format = job.format;

  const Overrides ov = preset_overrides(vm);
  PresetLoader loader;
  std::set<std::string> names;
  if (vm.count("preset")) {
    for (const auto& name : vm["preset"].as<std::vector<std::string>>()) {
      Preset p = loader.load(name, ov);
      if (!names.insert(p.name).second) {
        throw UsageError("reelpack thumbs: preset '" + p.name + "' is given twice");
      }
      job.presets.push_back(std::move(p));
    }
  }
  job.dry_run = vm.count("dry-run") > 0;
  return job;
}

// What was (or would be) written, on stderr.
void print_summary(const ThumbsJob& job, const ThumbsReport& report) {
  for (const std::string& w : report.search.warnings) {
    std::cerr << "reelpack: warning: " << job.input.string() << ": " << w << "\n";
  }
  const char* verb = job.dry_run ? "  would write " : "  wrote ";
  for (const CoverFile& c : report.covers) std::cerr << verb << describe(c) << "\n";
  if (!report.scores.empty()) std::cerr << verb << report.scores.string() << "\n";
  if (report.sprite) {
    for (const fs::path& s : report.sprite->sheets) std::cerr << verb << s.string() << "\n";
    std::cerr << verb << report.sprite->track.string() << " (" << report.sprite->tiles
              << " tiles of " << report.sprite->tile.width_px << "x"
              << report.sprite->tile.height_px << ")\n";
  }
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.2f", report.elapsed_s);
  std::cerr << (job.dry_run ? "dry run: " : "") << "scored " << report.search.candidates.size()
            << " candidate frames of " << job.input.string() << " in " << secs << " s\n";
}

}  // namespace

int cmd_thumbs(const Args& args) {
  const po::options_description opts = thumbs_options();
  const auto parsed = parse_verb(
      "thumbs", args, opts, "input",
      {"reelpack thumbs INPUT -o DIR [-n N] [-p PRESET ...] [--sprite] [--format jpg|webp|png]",
       "Picks the frames a viewer would click on: sharp, with contrast, their faces (or\n"
       "centre) well exposed however dark or bright the room, not in or next to a cut or\n"
       "fade, showing large frontal faces with open eyes, one per shot and not the same\n"
       "moment twice. Only keyframes are decoded to choose (a scene of up to 20 s with too\n"
       "few keyframes is decoded once more, fast, and its shots detected); the winners are\n"
       "decoded again at full size. Writes DIR/<stem>.<preset>.<rank>.<format> at each\n"
       "preset's [cover] size, reframed like `package` (rank 1 is the best; without -p:\n"
       "DIR/<stem>.<rank>.jpg at the source's size), and DIR/scores.csv with every\n"
       "candidate's scores. --sprite adds DIR/sprite.jpg and DIR/sprite.vtt, the thumbnail\n"
       "track web players show while scrubbing.",
       "  reelpack thumbs ep01.mp4 -o covers/ -p tiktok -p bilibili-vertical\n"
       "  reelpack thumbs ep01.mp4 -o covers/ -n 1 -p douyin --reframe blur --format webp\n"
       "  reelpack thumbs ep01.mp4 -o web/ -n 1 --sprite --interval 5\n"
       "  reelpack thumbs ep01.mp4 -o covers/ --dry-run --json\n"});
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  if (vm.count("verbose")) set_verbosity(1);
  if (!vm.count("input"))
    throw UsageError("reelpack thumbs: no INPUT; see `reelpack thumbs --help`");
  if (!vm.count("output")) throw UsageError("reelpack thumbs: no output folder; add -o DIR");

  ThumbsJob job = thumbs_job(vm);
  const bool json = vm.count("json") > 0;
  probe(job.input);  // a missing or unreadable input fails before the folder is created
  if (!job.dry_run) prepare_output_dir(job.outdir);

  const ThumbsReport report = run_thumbs(job);
  if (json) {
    std::cout << json_text(to_json(report), 2) << "\n";
  } else {
    print_summary(job, report);
  }
  return kExitOk;
}

}  // namespace reelpack::cli
