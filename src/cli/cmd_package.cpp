#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/error.h"
#include "core/json_text.h"
#include "package/package.h"
#include "package/package_covers.h"
#include "presets/schema.h"
#include "reframe/smart_reframe.h"
#include "subtitles/fonts.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace reelpack::cli {

void prepare_output_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    throw ProcessingError(dir.string() + ": cannot create the output folder (" +
                          (ec ? ec.message() : "a file is in the way") + "); choose another -o");
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    throw ProcessingError(
        dir.string() +
        ": the output folder is not writable; fix its permissions or choose another -o");
  }
}

namespace {
std::string human_size(int64_t bytes) {
  char buf[32];
  if (bytes >= 1'000'000) {
    std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f kB", bytes / 1e3);
  }
  return buf;
}

// Where the analysis of a --reframe smart run came from, when that is news.
void print_analysis_notes(const AnalysisReport& analysis) {
  for (const auto& w : analysis.warnings) std::cerr << "reelpack: warning: " << w << "\n";
  if (analysis.cache == "hit") {
    std::cerr << "  analysis read from the cache (" << analysis.cache_file.string() << ")\n";
  }
  if (analysis.cache_pruned_entries > 0) {
    const int n = analysis.cache_pruned_entries;
    std::cerr << "  analysis cache: removed " << n << " least recently used "
              << (n == 1 ? "entry" : "entries") << " (" << human_size(analysis.cache_pruned_bytes)
              << ") to keep it under --cache-max\n";
  }
}

// What was written (and what failed), on stderr.
void print_summary(const PackageReport& report, const std::vector<CoverFile>& covers,
                   const fs::path& outdir) {
  print_analysis_notes(report.analysis);
  for (const auto& w : report.warnings) std::cerr << "reelpack: warning: " << w << "\n";
  for (const OutputReport& o : report.outputs) {
    for (const auto& w : o.warnings)
      std::cerr << "reelpack: warning: " << o.path.string() << ": " << w << "\n";
    if (o.ok) {
      std::cerr << "  wrote " << o.path.string() << " (" << human_size(o.size_bytes) << ", "
                << o.video_frames << " frames)\n";
    } else {
      std::cerr << "reelpack: error: " << o.error << "\n";
    }
  }
  char secs[32];
  for (const CoverFile& c : covers) {
    std::snprintf(secs, sizeof secs, "%.3f", c.time_us / 1e6);
    std::cerr << "  wrote cover " << c.path.string() << " (" << c.size.width_px << "x"
              << c.size.height_px << ", frame at " << secs << " s)\n";
  }
  if (!report.ok()) return;  // the errors above say what was not written; no "packaged"
  std::snprintf(secs, sizeof secs, "%.1f", report.elapsed_s);
  std::cerr << "packaged " << report.input.path.string() << " for " << report.outputs.size()
            << " preset(s) in " << secs << " s; outputs in " << outdir.string() << "\n";
}
}  // namespace

void print_plan(const MediaInfo& info, const PackageJob& job, bool json) {
  // Loudness targets are met by a gain measured on the input's audio: the dry run measures
  // it too (an audio-only read), so the plan shows the chain that will run.
  const auto plans = plan_package(info, job, {}, loudness_meter(job, resolve_ranges(info, job)));
  if (json) {
    std::cout << json_text(plan_json(info, job, plans), 2) << "\n";
    return;
  }
  std::cout << "dry run: nothing will be written\ninput " << info.path.string() << ": "
            << info.duration_us / 1e6 << " s, " << info.video->display_width_px() << "x"
            << info.video->display_height_px() << (info.audio ? ", with audio" : ", no audio")
            << "\ndecode once, then for each output:\n";
  for (size_t i = 0; i < plans.size(); ++i) {
    const OutputPlan& pl = plans[i];
    std::cout << "\n"
              << pl.path.string() << "\n  preset  " << pl.preset << " ("
              << job.outputs[i].preset.source.string() << ")\n  video   " << pl.video.codec << " "
              << pl.video.profile << " " << pl.video.width_px << "x" << pl.video.height_px << " @ "
              << pl.video.frame_rate.num << "/" << pl.video.frame_rate.den << " fps, crf "
              << pl.video.crf << ", maxrate " << pl.video.maxrate_bps << ", bufsize "
              << pl.video.bufsize_bits << ", GOP " << pl.video.gop_frames << " frames, "
              << pl.video.bframes << " B-frames\n  rate    " << fps_text(pl.frame_rate.rate)
              << " fps: " << pl.frame_rate.reason << "\n  filters " << pl.video_filters;
    if (!pl.smart_filters.fill.empty()) {
      std::cout << " (the window moves per frame)\n  fill    " << pl.smart_filters.fill
                << " (shots drawn as blur fill)";
    }
    std::cout << "\n  audio   ";
    if (!pl.has_audio) {
      std::cout << "none";
    } else {
      std::cout << pl.audio.codec << " " << pl.audio.bitrate_bps << " bit/s "
                << pl.audio.sample_rate_hz << " Hz " << pl.audio.channels << " ch"
                << (pl.silent_audio ? " (silence: the input has no audio)"
                                    : ", filters " + pl.audio_filters);
    }
    std::cout << "\n";
    for (size_t k = 0; k < job.subtitles.size(); ++k) {
      std::cout << "  subs    " << job.subtitles[k].file.string() << " ("
                << job.subtitles[k].language << "): mov_text track"
                << (k == 0 && job.burn_subtitles ? ", and burnt in" : "") << "\n";
    }
    if (!pl.same_encode_as.empty()) {
      std::cout << "  encode  none: the same encode as " << pl.same_encode_as.string()
                << " (linked or copied)\n";
    } else if (!pl.same_video_as.empty()) {
      std::cout << "  encode  audio only: video packets shared with " << pl.same_video_as.string()
                << " (same video settings)\n";
    }
    for (const auto& w : pl.warnings) std::cout << "  warning " << w << "\n";
  }
}

int run_package(const PackageJob& job, bool json, const fs::path& outdir, bool covers) {
  // --reframe smart first analyses the input: "<file> analysing", then "<file> encoding".
  const std::string name = job.input.filename().string();
  ProgressBar bar(name, stderr_is_terminal() && !json);
  std::optional<ProgressPhase> shown;
  const PackageReport report = package(job, [&](const Progress& p) {
    if (shown != p.phase && job.reframe == ReframeMode::Smart) {
      bar.relabel(name + (p.phase == ProgressPhase::Analysing ? " analysing" : " encoding"));
    }
    shown = p.phase;
    bar.update(p.position_us, p.duration_us, p.frames, p.elapsed_s);
  });
  bar.done();
  if (report.face_detector == "haar")
    std::cerr << "reelpack: note: " << haar_fallback_note() << "\n";

  // --cover: the best frame beside each output that was written.
  const std::vector<CoverFile> cover_files =
      covers ? write_package_covers(job, report) : std::vector<CoverFile>{};
  if (json) {
    nlohmann::json j = to_json(report);
    if (covers) j["covers"] = covers_json(cover_files);
    std::cout << json_text(j, 2) << "\n";
  } else {
    print_summary(report, cover_files, outdir);
  }
  return report.ok() ? kExitOk : kExitProcessing;
}

namespace {

po::options_description package_options() {
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")(
      "preset,p", po::value<std::vector<std::string>>()->value_name("NAME|FILE"),
      "platform preset, repeatable (`reelpack presets list`)")(
      "output,o", po::value<std::string>()->value_name("DIR"),
      "output folder, created if missing; files are <stem>.<preset>.mp4")(
      "reframe", po::value<std::string>()->default_value("center")->value_name("MODE"),
      "center (crop), pad (fit, black bars), blur (fit over a blurred fill) or smart (a crop "
      "that follows faces and motion, placed per shot)")(
      "crop-path-out", po::value<std::string>()->value_name("FILE.csv"),
      "smart: write the window per output frame (frame,pts_seconds,x,y,width,height; source "
      "pixels and timeline); several presets: FILE.<preset>.csv")(
      "crop-path-in", po::value<std::string>()->value_name("FILE.csv"),
      "smart: take the windows from this CSV (keyframe rows, interpolated between) instead of "
      "the analysis")(
      "subtitles", po::value<std::vector<std::string>>()->value_name("FILE[:LANG]"),
      "SRT or WebVTT file added as a soft mov_text track (repeatable); LANG an ISO 639-2 "
      "code such as eng (default und) or a tag such as zh-Hant; timed with the --range cuts")(
      "burn-subtitles",
      "also draw the first --subtitles file into the picture after reframing, inside the "
      "preset's safe area (libass; Noto Sans CJK for zho, zh-Hant, yue, jpn, kor, else "
      "DejaVu Sans)")(
      "allow-missing-glyphs",
      "burn in even a character no installed font has (drawn as an empty box), with a "
      "warning; without it that stops the run")(
      "cache-dir", po::value<std::string>()->value_name("DIR"),
      "smart: keep the analysis in DIR and reuse it for the same input, ranges and settings")(
      "cache-max", po::value<int64_t>()->value_name("MB"), kCacheMaxHelp)(
      "smart-memory", po::value<int64_t>()->value_name("MB"),
      "smart: memory for decoded frames held until their shot's camera is placed, so the "
      "input is decoded once (default 1536; a longer shot is decoded again; 0: always "
      "analyse in a pass of its own)")(
      "range,r", po::value<std::vector<std::string>>()->value_name("START-END"),
      "cut these ranges (repeatable, joined in order; the frames with START <= time < END): "
      "seconds 12.5, 00:01:02.500 or frame f300")(
      "title", po::value<std::string>()->value_name("TEXT"), "title metadata for every output")(
      "audio-stream", po::value<std::string>()->value_name("N|LANG"),
      "the audio stream to use: N (0 the first, as ffmpeg's -map 0:a:N) or a language tag "
      "such as eng (default: the first flagged default)")(
      "cover",
      "also write the best frame as a cover beside each output: <stem>.<preset>.jpg "
      "(the preset's [cover] size and format; see `reelpack thumbs`)")("allow-truncated",
                                                                       kAllowTruncatedHelp)(
      "dry-run,n", "print the resolved presets and the plan; write nothing")(
      "json", "print a JSON summary (or plan) on stdout")("verbose,v",
                                                          "show FFmpeg's own warnings");
  return opts;
}

const VerbHelp kPackageHelp = {
    "reelpack package INPUT -p PRESET [-p PRESET ...] -o OUTDIR [options]",
    "Decodes INPUT once and writes one vertical episode per preset: reframed to the\n"
    "preset's size, encoded with its codec, rate cap and GOP, AAC audio (silence when the\n"
    "input has none), MP4 with moov first. The frame rate is the source's own where the\n"
    "preset's min-fps..max-fps accepts it, else a whole factor of it (120 to 60: every other\n"
    "frame); --video.fps 30 forces one; --dry-run says which and why. Any preset key can be\n"
    "overridden for this run with --SECTION.KEY VALUE. Outputs appear only when complete.",
    "  reelpack package media/sample.mp4 -p tiktok -o out/\n"
    "  reelpack package ep01.mov -p tiktok -p douyin -p youtube-shorts -o out/ --reframe blur\n"
    "  reelpack package ep01.mov -p instagram-reels --video.crf 20 --audio.bitrate 192k -o "
    "out/\n"
    "  reelpack package ep01.mov -p ./my-platform.ini -o out/ --dry-run\n"
    "  reelpack package ep01.mov -p tiktok -o out/ --video.fps 30\n"
    "  reelpack package master.mov -p tiktok --range 00:00:10.000-00:01:40.000 -o out/\n"
    "  reelpack package ep01.mov -p tiktok -o out/ --reframe smart --crop-path-out "
    "ep01.crop.csv\n"
    "  reelpack package ep01.mov -p tiktok -o out/ --reframe smart --crop-path-in "
    "ep01.edited.csv\n"
    "  reelpack package ep01.mov -p douyin -o out/ --reframe smart --cache-dir "
    "~/.cache/reelpack --cache-max 1024\n"
    "  reelpack package ep01.mov -p tiktok -o out/ --subtitles ep01.en.srt:eng --subtitles "
    "ep01.zh.vtt:zho\n"
    "  reelpack package ep01.mov -p tiktok -o out/ --subtitles ep01.en.srt:eng "
    "--burn-subtitles\n"};

// The job the command line asks for, apart from its outputs.
PackageJob job_from(const po::variables_map& vm) {
  PackageJob job;
  job.input = vm["input"].as<std::string>();
  job.reframe = parse_reframe_mode(vm["reframe"].as<std::string>());
  if (vm.count("title")) job.metadata["title"] = vm["title"].as<std::string>();
  if (vm.count("audio-stream")) job.audio_stream = vm["audio-stream"].as<std::string>();
  if (vm.count("crop-path-out")) job.crop_path_out = vm["crop-path-out"].as<std::string>();
  if (vm.count("crop-path-in")) job.crop_path_in = vm["crop-path-in"].as<std::string>();
  if (vm.count("cache-dir")) job.analysis_cache_dir = vm["cache-dir"].as<std::string>();
  if (vm.count("cache-max")) {
    if (!vm.count("cache-dir")) {
      throw UsageError("reelpack package: --cache-max needs --cache-dir DIR");
    }
    job.analysis_cache_max_bytes = cache_max_bytes(vm, "package");
  }
  if (vm.count("smart-memory")) job.smart_hold_bytes = smart_memory_bytes(vm, "package");
  if (vm.count("subtitles")) {
    for (const auto& s : vm["subtitles"].as<std::vector<std::string>>()) {
      job.subtitles.push_back(parse_subtitle_spec(s));
    }
  }
  job.burn_subtitles = vm.count("burn-subtitles") > 0;
  job.allow_truncated = vm.count("allow-truncated") > 0;
  if (job.burn_subtitles && job.subtitles.empty()) {
    throw UsageError("reelpack package: --burn-subtitles needs --subtitles FILE");
  }
  job.allow_missing_glyphs = vm.count("allow-missing-glyphs") > 0;
  // A bad subtitles file stops the run before anything is written, and so does a
  // character to burn in that no installed font has.
  for (const SubtitleSpec& s : job.subtitles) {
    const SubtitleTrack track = read_subtitles(s);
    if (job.burn_subtitles && !job.allow_missing_glyphs && &s == &job.subtitles.front()) {
      if (const std::string problem = missing_glyph_problem(track); !problem.empty())
        throw UsageError(problem);
    }
  }
  if ((!job.crop_path_out.empty() || !job.crop_path_in.empty()) &&
      job.reframe != ReframeMode::Smart) {
    throw UsageError(std::string("reelpack package: ") +
                     (job.crop_path_in.empty() ? "--crop-path-out" : "--crop-path-in") +
                     " needs --reframe smart");
  }
  if (vm.count("range")) {
    for (const auto& r : vm["range"].as<std::vector<std::string>>())
      job.ranges.push_back(parse_range(r));
  }
  return job;
}

// One output per -p preset, in `outdir`; two presets of one name would write one file.
std::vector<OutputRequest> outputs_from(const po::variables_map& vm, const Overrides& ov,
                                        const fs::path& outdir, const std::string& stem) {
  PresetLoader loader;
  std::set<std::string> names;
  std::vector<OutputRequest> outputs;
  for (const std::string& name : vm["preset"].as<std::vector<std::string>>()) {
    Preset p = loader.load(name, ov);
    if (!names.insert(p.name).second) {
      throw UsageError("reelpack package: preset '" + p.name + "' is given twice");
    }
    const fs::path path = package_output_path(outdir, stem, p);
    outputs.push_back({std::move(p), path});
  }
  return outputs;
}

}  // namespace

int cmd_package(const Args& args) {
  const auto parsed = parse_verb("package", args, package_options(), "input", kPackageHelp);
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  if (vm.count("verbose")) set_verbosity(1);
  if (!vm.count("input"))
    throw UsageError("reelpack package: no INPUT; see `reelpack package --help`");
  if (!vm.count("preset")) {
    throw UsageError(
        "reelpack package: no preset; add -p NAME (`reelpack presets list` shows them)");
  }
  if (!vm.count("output")) throw UsageError("reelpack package: no output folder; add -o DIR");

  const Overrides ov = preset_overrides(vm);
  PackageJob job = job_from(vm);
  const fs::path outdir = vm["output"].as<std::string>();
  job.outputs = outputs_from(vm, ov, outdir, job.input.stem().string());
  const bool json = vm.count("json") > 0;

  if (vm.count("dry-run")) {
    print_plan(probe(job.input, job.audio_stream), job, json);
    return kExitOk;
  }
  probe(job.input,
        job.audio_stream);  // a missing or unreadable input fails before the folder is created
  prepare_output_dir(outdir);
  return run_package(job, json, outdir, vm.count("cover") > 0);
}

}  // namespace reelpack::cli
