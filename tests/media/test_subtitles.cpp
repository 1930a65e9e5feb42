// Subtitles end to end: SRT and WebVTT files muxed as soft mov_text tracks (language, cue
// count and times read back with ffprobe, re-timed with --range cuts), burnt into the
// picture (the bottom of the frame changes, the top does not), and bad files refused
// before anything is written.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "support/media.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace reelpack::test;

namespace {

const std::vector<std::string> kSmall = {
    "--video.width", "360", "--video.height", "640", "--video.encoder-preset", "ultrafast"};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const char* kSrt =
    "1\n00:00:00,200 --> 00:00:01,500\nHello <i>world</i>\n\n"
    "2\n00:00:02,000 --> 00:00:03,000\nSecond cue\nwith two lines\n\n"
    "3\n00:00:03,500 --> 00:00:04,500\nThird cue\n";
const char* kVtt = "WEBVTT\n\n00:00.500 --> 00:02.000\nBonjour\n\n00:03.000 --> 00:04.000\nSalut\n";

struct Cue {
  double start_s, duration_s;
};

// The packets of subtitle stream `index` that hold text (mov_text also stores 2-byte empty
// samples for the gaps between cues).
std::vector<Cue> cues(const fs::path& file, int index) {
  const RunResult r = run("ffprobe -v error -select_streams s:" + std::to_string(index) +
                          " -show_entries packet=pts_time,duration_time,size -of json " +
                          shell_quote(file.string()));
  REQUIRE(r.exit_code == 0);
  std::vector<Cue> out;
  const json probe = json::parse(r.out);
  for (const json& p : probe["packets"]) {
    if (std::stoi(p["size"].get<std::string>()) > 2) {
      out.push_back({std::stod(p["pts_time"].get<std::string>()),
                     std::stod(p["duration_time"].get<std::string>())});
    }
  }
  return out;
}

std::vector<json> subtitle_streams(const fs::path& file) {
  std::vector<json> out;
  const json probe = ffprobe(file);  // kept alive: the loop walks into it
  for (const json& s : probe["streams"]) {
    if (s["codec_type"] == "subtitle") out.push_back(s);
  }
  return out;
}

fs::path clip(const TempDir& dir) {
  return make_clip(dir / "ep01.mp4",
                   "-f lavfi -i testsrc2=s=640x360:r=30:d=5 -f lavfi -i sine=d=5"
                   " -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest");
}

}  // namespace

TEST_CASE("subtitles become soft mov_text tracks with their language and cue times",
          "[subtitles]") {
  TempDir dir;
  const fs::path in = clip(dir);
  write_file(dir / "ep01.srt", kSrt);
  write_file(dir / "ep01.vtt", kVtt);
  const fs::path out = dir / "out";
  const std::vector<std::string> base = {"package",     in.string(),
                                         "-p",          "tiktok",
                                         "-o",          out.string(),
                                         "--subtitles", (dir / "ep01.srt").string() + ":eng",
                                         "--subtitles", (dir / "ep01.vtt").string() + ":fra"};

  SECTION("the whole input: cues at their own times") {
    const RunResult r = run_reelpack(base + kSmall);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const fs::path file = out / "ep01.tiktok.mp4";
    const auto streams = subtitle_streams(file);
    REQUIRE(streams.size() == 2);
    CHECK(streams[0]["codec_name"] == "mov_text");
    CHECK(streams[0]["tags"]["language"] == "eng");
    CHECK(streams[1]["codec_name"] == "mov_text");
    CHECK(streams[1]["tags"]["language"] == "fra");
    const auto en = cues(file, 0);
    REQUIRE(en.size() == 3);
    CHECK(en[0].start_s == Approx(0.2).margin(0.002));
    CHECK(en[0].duration_s == Approx(1.3).margin(0.002));
    CHECK(en[1].start_s == Approx(2.0).margin(0.002));
    CHECK(en[2].start_s == Approx(3.5).margin(0.002));
    CHECK(en[2].duration_s == Approx(1.0).margin(0.002));
    const auto fr = cues(file, 1);
    REQUIRE(fr.size() == 2);
    CHECK(fr[0].start_s == Approx(0.5).margin(0.002));
    CHECK(fr[1].start_s == Approx(3.0).margin(0.002));
    // The text survives (ffmpeg decodes the track back to SRT).
    const RunResult srt =
        run("ffmpeg -v error -i " + shell_quote(file.string()) + " -map 0:s:0 -f srt -");
    CHECK_THAT(srt.out, Catch::Contains("Hello") && Catch::Contains("with two lines"));
    const RunResult c =
        run_reelpack(std::vector<std::string>{"check", file.string(), "-p", "tiktok"} + kSmall);
    INFO(c.out);
    CHECK(c.exit_code == 0);
  }
  SECTION("--range cuts move and trim the cues with the picture") {
    // 1.0-4.2 s then nothing else: cue 1 keeps 1.0-1.5 (at 0), cue 2 lands at 1.0, cue 3
    // keeps 3.5-4.2 (at 2.5, 0.7 s long).
    const RunResult r = run_reelpack(base + kSmall + std::vector<std::string>{"--range", "1-4.2"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto en = cues(out / "ep01.tiktok.mp4", 0);
    REQUIRE(en.size() == 3);
    CHECK(en[0].start_s == Approx(0.0).margin(0.002));
    CHECK(en[0].duration_s == Approx(0.5).margin(0.002));
    CHECK(en[1].start_s == Approx(1.0).margin(0.002));
    CHECK(en[2].start_s == Approx(2.5).margin(0.002));
    CHECK(en[2].duration_s == Approx(0.7).margin(0.002));
  }
}

TEST_CASE("burnt-in subtitles draw into the bottom of the reframed picture", "[subtitles]") {
  TempDir dir;
  const fs::path in = clip(dir);
  // One cue over the whole clip.
  write_file(dir / "all.srt", "1\n00:00:00,000 --> 00:00:05,000\nBURNT IN TEXT\n");
  const std::vector<std::string> base = {"package", in.string(),   "-p",
                                         "tiktok",  "--subtitles", (dir / "all.srt").string()};
  RunResult r =
      run_reelpack(base + kSmall + std::vector<std::string>{"-o", (dir / "plain").string()});
  REQUIRE(r.exit_code == 0);
  r = run_reelpack(base + kSmall +
                   std::vector<std::string>{"-o", (dir / "burnt").string(), "--burn-subtitles"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const fs::path plain = dir / "plain" / "ep01.tiktok.mp4";
  const fs::path burnt = dir / "burnt" / "ep01.tiktok.mp4";
  CHECK(subtitle_streams(burnt).size() == 1);  // still a soft track too
  // Lossless crops of the top and bottom thirds of both, compared by PSNR: the top only
  // differs by encoder noise, the bottom carries the text.
  auto region = [&](const fs::path& file, const std::string& name, const std::string& crop) {
    return make_clip(dir / (name + ".nut"), "-i " + shell_quote(file.string()) +
                                                " -vf crop=" + crop + " -an -sn -c:v ffv1");
  };
  const double top = psnr(region(plain, "pt", "360:200:0:0"), region(burnt, "bt", "360:200:0:0"));
  const double bottom =
      psnr(region(plain, "pb", "360:200:0:400"), region(burnt, "bb", "360:200:0:400"));
  INFO("top " << top << " dB, bottom " << bottom << " dB");
  CHECK(top > 35);
  CHECK(bottom < top - 8);
  const RunResult c =
      run_reelpack(std::vector<std::string>{"check", burnt.string(), "-p", "tiktok"} + kSmall);
  CHECK(c.exit_code == 0);
}

TEST_CASE("a bad subtitles file stops the run with its name and writes nothing",
          "[subtitles][errors]") {
  TempDir dir;
  const fs::path in = clip(dir);
  write_file(dir / "bad.srt", "this is not a subtitles file\n");
  write_file(dir / "ok.srt", kSrt);
  const fs::path out = dir / "out";
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--subtitles", (dir / "bad.srt").string()}, "bad.srt"},
      {{"--subtitles", (dir / "missing.srt").string()}, "missing.srt"},
      {{"--subtitles", in.string()}, "not SRT or WebVTT"},
      {{"--subtitles", (dir / "ok.srt").string() + ":english"}, "three-letter"},
      {{"--burn-subtitles"}, "--subtitles"},
  };
  for (const Case& c : cases) {
    const RunResult r = run_reelpack(
        std::vector<std::string>{"package", in.string(), "-p", "tiktok", "-o", out.string()} +
        c.args);
    INFO(c.args.back() << "\n" << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(c.message));
    // One line, naming the problem.
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(!fs::exists(out));
  }
}
