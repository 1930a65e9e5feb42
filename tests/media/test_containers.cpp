// Every verb that seeks (cut, cut --copy, thumbs, package --range, split, shots) on every
// container reelpack takes: MP4, Matroska, MPEG-TS and MOV, a Matroska file with negative
// timestamps (audio before zero, B-frames), MP4s whose first frame is at 1 s and at
// 100000 s, and an MPEG-TS with a single keyframe. Seeking lands before the frames asked
// for whatever the demuxer does (MPEG-TS has no index and lands past keyframes; Matroska
// without cues cannot seek at all), and no file is mistaken for a truncated one.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "support/media.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace reelpack::test;

namespace {

const std::string kSource =
    "-f lavfi -i testsrc2=s=320x180:r=25:d=6 -f lavfi -i sine=f=440:d=6 -c:v libx264 "
    "-preset ultrafast -pix_fmt yuv420p -bf 2 -colorspace bt709 -color_primaries bt709 "
    "-color_trc bt709 -c:a aac -shortest";

struct Case {
  std::string name;
  std::string ffmpeg_args;  // after kSource
};

const std::vector<Case> kCases = {
    {"plain.mp4", " -g 50"},
    {"plain.mkv", " -g 50"},
    {"plain.ts", " -g 50"},
    {"plain.mov", " -g 50"},
    // Audio before zero, and B-frames whose decoding times are negative.
    {"negative.mkv", " -g 50 -avoid_negative_ts disabled"},
    // Shifted a second back: Matroska cannot keep the negative times, so the first second
    // of packets has none (nor cues to seek by).
    {"negative-offset.mkv", " -output_ts_offset -1 -avoid_negative_ts disabled"},
    {"from-1s.mp4", " -g 50 -output_ts_offset 1"},
    {"from-100000s.mp4", " -g 50 -output_ts_offset 100000"},
    {"one-keyframe.ts", " -g 1000"},
};

RunResult ok_run(const std::vector<std::string>& args) {
  const RunResult r = run_reelpack(args);
  std::string line;
  for (const auto& a : args) line += " " + a;
  INFO("reelpack" << line << "\n" << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, !Catch::Contains("truncated"));
  return r;
}

int frame_count(const fs::path& file) {
  return static_cast<int>(video_frames(file).size());
}

// Index of the source frame shown at or before `t_s`, and of the first at or after it
// (the same when one is at `t_s`), on the file's own timeline.
std::pair<int, int> frames_around(const fs::path& file, double t_s) {
  const double start = start_time_s(file);
  const std::vector<FrameFact> frames = video_frames(file);
  int before = 0, after = static_cast<int>(frames.size()) - 1;
  for (size_t i = 0; i < frames.size(); ++i) {
    const double t = frames[i].pts_s - start;
    if (t <= t_s + 1e-3) before = static_cast<int>(i);
    if (t >= t_s - 1e-3 && static_cast<int>(i) < after) after = static_cast<int>(i);
  }
  if (after < before) after = before;
  return {before, after};
}

}  // namespace

TEST_CASE("every verb seeks right on every container, with negative and late timestamps",
          "[containers][seek]") {
  TempDir dir;
  for (const Case& c : kCases) {
    INFO(c.name);
    const fs::path in = make_clip(dir / c.name, kSource + c.ffmpeg_args);
    const fs::path out = dir / ("out-" + c.name);
    // ffprobe has no time for its first frames, a copy no time for its keyframe.
    const bool timed = c.name != "negative-offset.mkv";

    // cut: 25 frames from the one at 2.5 s.
    const fs::path cut = out / "cut.mp4";
    ok_run({"cut", in.string(), "-o", cut.string(), "--range", "2.5-3.5", "--video.encoder-preset",
            "ultrafast"});
    if (!fs::exists(cut)) continue;
    CHECK(std::abs(frame_count(cut) - 25) <= 1);
    if (timed) {
      const auto [before, after] = frames_around(in, 2.5);
      const fs::path got = extract_frame(cut, 0, out / "got.nut");
      const double psnr_best = std::max(psnr(extract_frame(in, before, out / "before.nut"), got),
                                        psnr(extract_frame(in, after, out / "after.nut"), got));
      INFO("source frames " << before << "/" << after << ": " << psnr_best << " dB");
      CHECK(psnr_best >= 35);
    }

    // cut --copy: from the keyframe at or before 2.5 s.
    const std::vector<std::string> copy_args = {
        "cut",     in.string(), "-o",     (out / "copy.mp4").string(),
        "--range", "2.5-3.5",   "--copy", "--json"};
    if (!timed) {  // no time to copy it at: an error that says so, and no file
      const RunResult copy = run_reelpack(copy_args);
      CHECK(copy.exit_code == 1);
      CHECK_THAT(copy.err, Catch::Contains("has no timestamp"));
      CHECK(!fs::exists(out / "copy.mp4"));
    }
    const RunResult copy = timed ? ok_run(copy_args) : RunResult{};
    if (copy.exit_code == 0) {
      const json j = json::parse(copy.out);
      const double from = j["ranges"][0]["copied"]["start_seconds"].get<double>();
      CHECK(from <= 2.5 + 1e-3);
      CHECK(frame_count(out / "copy.mp4") >= 25);
    }

    // package --range, thumbs, split, shots.
    ok_run({"package", in.string(), "-p", "tiktok", "-o", out.string(), "--range", "4-5",
            "--video.width", "360", "--video.height", "640", "--video.encoder-preset",
            "ultrafast"});
    const fs::path packaged = out / (in.stem().string() + ".tiktok.mp4");
    // tiktok keeps the source's 25 fps (presets/frame_rate.h): 25 frames for 1 s.
    if (fs::exists(packaged)) CHECK(std::abs(frame_count(packaged) - 25) <= 1);
    ok_run({"thumbs", in.string(), "-o", (out / "covers").string(), "-n", "2"});
    CHECK(list_dir(out / "covers").size() >= 2);
    // split: copies (no preset), or through a preset where a copy cannot be placed.
    std::vector<std::string> split = {"split",    in.string(), "-o", (out / "eps").string(),
                                      "--target", "3"};
    if (!timed) {
      split.insert(split.end(), {"-p", "tiktok", "--video.width", "360", "--video.height", "640",
                                 "--video.encoder-preset", "ultrafast"});
    }
    ok_run(split);
    CHECK(fs::exists(out / "eps" / "cutlist.csv"));
    CHECK(fs::exists(out / "eps" / (timed ? "ep001.mp4" : "ep001.tiktok.mp4")));
    const RunResult shots = ok_run({"shots", in.string()});
    CHECK_THAT(shots.out, Catch::StartsWith("index,"));
    CHECK(temporaries(dir.path()).empty());
  }
}
