// Subtitles end to end: SRT and WebVTT files muxed as soft mov_text tracks (language, cue
// count and times read back with ffprobe, re-timed with --range cuts), burnt into the
// picture (the bottom of the frame changes, the top does not; Chinese drawn with glyphs,
// not empty boxes, inside the preset's safe area), and bad files refused before anything
// is written.
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

// A flat picture: whatever a burnt-in subtitle changes is its own.
fs::path flat_clip(const TempDir& dir) {
  return make_clip(dir / "flat.mp4",
                   "-f lavfi -i color=c=0x406080:s=640x360:r=30:d=3 -f lavfi -i sine=d=3"
                   " -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest");
}

// Frame `index` of `file` as 8-bit luma, `width` x `height`.
std::vector<uint8_t> luma_frame(const TempDir& dir, const fs::path& file, int index, int width,
                                int height) {
  const fs::path raw = dir / (file.stem().string() + "." + std::to_string(index) + ".gray");
  make_clip(raw, "-i " + shell_quote(file.string()) + " -vf " +
                     shell_quote("select=eq(n\\," + std::to_string(index) + ")") +
                     " -frames:v 1 -f rawvideo -pix_fmt gray");
  std::ifstream in(raw, std::ios::binary);
  std::vector<uint8_t> pixels((std::istreambuf_iterator<char>(in)), {});
  REQUIRE(pixels.size() == static_cast<size_t>(width) * height);
  return pixels;
}

// Burns `srt` (one cue over the clip) in Chinese into a 360x640 tiktok output in `name`.
fs::path burn_chinese(const TempDir& dir, const fs::path& in, const std::string& name,
                      const std::string& text) {
  const fs::path srt = dir / (name + ".srt");
  write_file(srt, "1\n00:00:00,000 --> 00:00:03,000\n" + text + "\n");
  const RunResult r = run_reelpack(
      std::vector<std::string>{"package", in.string(), "-p", "tiktok", "-o", (dir / name).string(),
                               "--subtitles", srt.string() + ":zho", "--burn-subtitles"} +
      kSmall);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return dir / name / "flat.tiktok.mp4";
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

TEST_CASE("burnt-in Chinese subtitles draw their characters and not empty boxes",
          "[subtitles][burn]") {
  TempDir dir;
  const fs::path in = flat_clip(dir);
  // Same length, different characters: empty boxes (tofu) would look the same.
  const fs::path a = burn_chinese(dir, in, "a", "你好世界今天很好");
  const fs::path b = burn_chinese(dir, in, "b", "我们明天再见面吧");
  const std::vector<uint8_t> fa = luma_frame(dir, a, 30, 360, 640);
  const std::vector<uint8_t> fb = luma_frame(dir, b, 30, 360, 640);
  // The band the text is in: above the tiktok safe area's bottom (140 px at this size).
  long differing = 0, bright = 0;
  for (int y = 400; y < 500; ++y) {
    for (int x = 0; x < 360; ++x) {
      const size_t i = static_cast<size_t>(y) * 360 + x;
      differing += std::abs(fa[i] - fb[i]) > 60 ? 1 : 0;
      bright += fa[i] > 200 ? 1 : 0;
    }
  }
  INFO("differing " << differing << ", bright " << bright);
  CHECK(bright > 150);     // the text is there (white on a dark blue)
  CHECK(differing > 300);  // and its strokes differ from the other line's
}

TEST_CASE("burnt-in Chinese subtitles stay inside the safe area in two lines",
          "[subtitles][burn]") {
  TempDir dir;
  const fs::path in = flat_clip(dir);
  const RunResult r = run_reelpack(std::vector<std::string>{"package", in.string(), "-p", "tiktok",
                                                            "-o", (dir / "plain").string()} +
                                   kSmall);
  REQUIRE(r.exit_code == 0);
  // 40 characters, more than a line of the safe area's width holds.
  const fs::path burnt = burn_chinese(
      dir, in, "burnt",
      "我们今天晚上一起去电影院看一部新上映的电影，然后再去吃一顿好吃的晚饭吧朋友们好吗");
  const std::vector<uint8_t> plain =
      luma_frame(dir, dir / "plain" / "flat.tiktok.mp4", 30, 360, 640);
  const std::vector<uint8_t> text = luma_frame(dir, burnt, 30, 360, 640);
  // tiktok's safe area (top 250, bottom 420, left 0, right 170 on 1080x1920) at 360x640.
  const int top = 83, bottom = 640 - 140, left = 0, right = 360 - 57;
  constexpr int kSlack = 2;  // chroma and encoder blur at the outline's edge
  std::vector<int> per_row(640, 0);
  long outside = 0, inside = 0;
  for (int y = 0; y < 640; ++y) {
    for (int x = 0; x < 360; ++x) {
      const size_t i = static_cast<size_t>(y) * 360 + x;
      if (std::abs(text[i] - plain[i]) <= 40) continue;
      ++per_row[y];
      const bool in_safe =
          y >= top - kSlack && y < bottom + kSlack && x >= left - kSlack && x < right + kSlack;
      (in_safe ? inside : outside) += 1;
      if (!in_safe) UNSCOPED_INFO("outside the safe area at " << x << "," << y);
    }
  }
  INFO("inside " << inside << ", outside " << outside);
  CHECK(inside > 500);
  CHECK(outside == 0);
  // Two rows of text: two runs of rows with text, a gap between.
  int runs = 0, last_row = -1, lowest = 0;
  for (int y = 0; y < 640; ++y) {
    if (per_row[y] == 0) continue;
    if (last_row < 0 || y > last_row + 1) ++runs;
    last_row = y;
    lowest = y;
  }
  INFO("runs of rows " << runs << ", lowest row " << lowest);
  CHECK(runs == 2);
  // The block's bottom sits on the safe area's bottom edge.
  CHECK(lowest >= bottom - 12);
  CHECK(lowest < bottom + kSlack);
}

TEST_CASE("burnt-in subtitles with a character no font has stop the run or warn",
          "[subtitles][burn][errors]") {
  TempDir dir;
  const fs::path in = flat_clip(dir);
  const fs::path srt = dir / "zh.srt";
  // U+F0000 is private use: no font draws it.
  write_file(srt,
             "1\n00:00:00,000 --> 00:00:01,000\n你好\n\n2\n00:00:01,000 --> "
             "00:00:02,000\n再见 \xF3\xB0\x80\x80\n");
  const std::vector<std::string> base = {"package",
                                         in.string(),
                                         "-p",
                                         "tiktok",
                                         "-o",
                                         (dir / "out").string(),
                                         "--subtitles",
                                         srt.string() + ":zho",
                                         "--burn-subtitles"};
  RunResult r = run_reelpack(base + kSmall);
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("zh.srt: cue 2 has U+F0000") &&
                        Catch::Contains("--allow-missing-glyphs"));
  CHECK(!fs::exists(dir / "out"));
  r = run_reelpack(base + kSmall + std::vector<std::string>{"--allow-missing-glyphs"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("warning") && Catch::Contains("U+F0000"));
  CHECK(fs::exists(dir / "out" / "flat.tiktok.mp4"));
}
