// `--reframe smart` end to end: clips drawn frame by frame (a face from
// tests/support/drawn_face.h, or a faceless block) with a known subject path, packaged by
// the real binary; the crop path CSV (--crop-path-out) is checked against the subject's
// true box and for a calm camera, the picture against an ffmpeg-CLI crop at the same
// windows (PSNR floor); crop paths read back (--crop-path-in), ranges, the review video,
// blur-fill shots, rotated inputs, the Haar fallback, the analysis phase's progress and
// the errors.
extern "C" {
#include <libavutil/log.h>
}

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/blazeface_detector.h"
#include "package/package.h"
#include "presets/preset.h"
#include "support/drawn_clip.h"
#include "support/drawn_face.h"
#include "support/media.h"
#include "support/skip.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace reelpack::test;

namespace {

constexpr int kSrcW = 960, kSrcH = 540, kFps = 30, kFaceH = 120;
// 9:16 of a 960x540 source: the centre crop's size, which the smart window keeps.
constexpr int kWinW = 304, kWinH = 540;
constexpr int kOutW = 360, kOutH = 640;
const std::vector<std::string> kSmall = {"--video.width",          std::to_string(kOutW),
                                         "--video.height",         std::to_string(kOutH),
                                         "--video.encoder-preset", "ultrafast"};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Frames drawn by `draw(index, image)`, kSrcW x kSrcH at kFps unless told
// (support/drawn_clip.h).
fs::path drawn_clip(const fs::path& out, int frames, const std::function<void(int, cv::Mat&)>& draw,
                    const std::string& extra = "", int w = kSrcW, int h = kSrcH) {
  return reelpack::test::drawn_clip(out, frames, w, h, kFps, draw, extra);
}

// A scene's backdrop: a colour and stripes per shot (so cuts are cuts), light grain.
void backdrop(cv::Mat& img, int shot, int frame) {
  static const cv::Scalar colours[] = {
      {90, 110, 80}, {120, 90, 70}, {70, 80, 120}, {100, 100, 100}};
  img.setTo(colours[shot % 4]);
  for (int k = 0; k < 24; ++k) {
    cv::rectangle(img, cv::Rect(k * 40, img.rows - 110, 20, 110),
                  cv::Scalar(40 + k * 6 + shot * 30, 80 + shot * 40, 100), cv::FILLED);
  }
  cv::Mat grain(img.size(), CV_8UC3);
  cv::theRNG().state = static_cast<uint64_t>(frame) + 1;
  cv::randn(grain, 0, 3);
  img += grain;
}

// The main scene, 6 s: shot A (0-2 s) the face still on the left; shot B (2-4 s) walking
// right at 240 px/s; shot C (4-6 s) a cut back to the left, still.
constexpr int kFrames = 180;
int shot_of(int i) {
  return i < 60 ? 0 : i < 120 ? 1 : 2;
}
cv::Point face_at(int i) {
  switch (shot_of(i)) {
    case 0:
      return {240, 240};
    case 1:
      return {240 + (i - 60) * 8, 240};
    default:
      return {300, 250};
  }
}
void draw_scene(int i, cv::Mat& img) {
  backdrop(img, shot_of(i), i);
  draw_face(img, face_at(i), kFaceH);
}

struct Row {
  int frame = 0;
  double pts_s = 0;
  int x = 0, y = 0, w = 0, h = 0;
};

std::vector<Row> read_rows(const fs::path& csv) {
  std::ifstream in(csv);
  REQUIRE(in);
  std::string line;
  REQUIRE(std::getline(in, line));
  REQUIRE(line == "frame,pts_seconds,x,y,width,height");
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    Row r;
    char c = 0;
    std::istringstream s(line);
    s >> r.frame >> c >> r.pts_s >> c >> r.x >> c >> r.y >> c >> r.w >> c >> r.h;
    REQUIRE(s);
    rows.push_back(r);
  }
  return rows;
}

bool inside(const cv::Rect& box, const Row& r) {
  return box.x >= r.x && box.y >= r.y && box.x + box.width <= r.x + r.w &&
         box.y + box.height <= r.y + r.h;
}

// Share of rows whose window holds the subject's true box at that row's source time.
double inside_share(const std::vector<Row>& rows, const std::function<cv::Rect(int)>& truth) {
  int ok = 0;
  for (const Row& r : rows) {
    const int source_frame = static_cast<int>(std::lround(r.pts_s * kFps));
    if (inside(truth(source_frame), r)) ++ok;
  }
  return rows.empty() ? 0 : static_cast<double>(ok) / rows.size();
}

// Mean |x[k+1] - 2 x[k] + x[k-1]| over frames (first, last) of a shot, px/frame^2.
double mean_abs_second_difference(const std::vector<Row>& rows, int first, int last) {
  double sum = 0;
  int n = 0;
  for (int k = first + 1; k + 1 < last; ++k) {
    sum += std::abs(rows[k + 1].x - 2 * rows[k].x + rows[k - 1].x);
    ++n;
  }
  return n ? sum / n : 0;
}

json package_smart(const fs::path& input, const fs::path& outdir,
                   const std::vector<std::string>& extra, const std::string& preset = "tiktok") {
  const std::vector<std::string> args =
      std::vector<std::string>{"package",       input.string(), "-p",    preset,  "-o",
                               outdir.string(), "--reframe",    "smart", "--json"} +
      kSmall + extra;
  const RunResult r = run_reelpack(args);
  INFO("reelpack package ... " << r.err << r.out);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

// PSNR of output frame `n` against the ffmpeg command line's crop of source frame
// `source_n` at the window (scaled to the output size by psnr()).
double frame_psnr(const TempDir& dir, const fs::path& source, int source_n, const fs::path& output,
                  int n, const Row& window) {
  const std::string tag = std::to_string(n);
  const fs::path src = extract_frame(source, source_n, dir / ("src" + tag + ".nut"));
  const fs::path ref =
      make_clip(dir / ("ref" + tag + ".nut"),
                "-i " + shell_quote(src.string()) + " -vf crop=" + std::to_string(window.w) + ":" +
                    std::to_string(window.h) + ":" + std::to_string(window.x) + ":" +
                    std::to_string(window.y) + " -c:v ffv1");
  const fs::path got = extract_frame(output, n, dir / ("out" + tag + ".nut"));
  return psnr(ref, got);
}

}  // namespace

TEST_CASE("smart reframing follows a face: still, walking, and across cuts", "[smart]") {
  TempDir dir;
  const fs::path clip = drawn_clip(dir / "scene.mp4", kFrames, draw_scene);
  const fs::path csv = dir / "scene.crop.csv";
  const json report = package_smart(clip, dir.path(), {"--crop-path-out", csv.string()});
  const json& out = report["outputs"][0];
  REQUIRE(out["ok"] == true);
  CHECK(out["crop_path"] == csv.string());

  const fs::path video = dir / "scene.tiktok.mp4";
  const json probe = first_stream(ffprobe(video), "video");
  CHECK(probe["width"] == kOutW);  // output size exact
  CHECK(probe["height"] == kOutH);

  const std::vector<Row> rows = read_rows(csv);
  REQUIRE(static_cast<int>(rows.size()) == out["video_frames"].get<int>());
  REQUIRE(rows.size() == static_cast<size_t>(kFrames));
  for (size_t k = 0; k < rows.size(); ++k) {
    INFO("row " << k);
    CHECK(rows[k].frame == static_cast<int>(k));
    CHECK(rows[k].pts_s == Approx(k / 30.0).margin(1e-6));
    CHECK(rows[k].w == kWinW);  // the centre crop's size: only the position moves
    CHECK(rows[k].h == kWinH);
    CHECK(rows[k].x % 2 == 0);
    CHECK(rows[k].y % 2 == 0);
    CHECK(rows[k].x >= 0);
    CHECK(rows[k].x + rows[k].w <= kSrcW);
  }

  // The subject inside the window on at least 98% of the frames (a centre crop, x = 328,
  // has it on none of shot A's or C's frames).
  const double share = inside_share(rows, [](int f) { return face_box(face_at(f), kFaceH); });
  INFO("face inside the window on " << share * 100 << "% of frames");
  CHECK(share >= 0.98);

  // The shots, as the camera saw them: cuts at 2 s and 4 s.
  const json& shots = out["reframe_shots"];
  REQUIRE(shots.size() == 3);
  CHECK(shots[1]["start_frame"] == 60);
  CHECK(shots[2]["start_frame"] == 120);
  CHECK(shots[0]["mode"] == "stationary");
  CHECK((shots[1]["mode"] == "track" || shots[1]["mode"] == "pan"));
  CHECK(shots[2]["mode"] == "stationary");
  for (const auto& s : shots) CHECK(!s["reason"].get<std::string>().empty());
  // The decision's figures: still shots span less than the window and do not move; the
  // walk spans more than the window and the camera travels with it.
  for (int k : {0, 2}) {
    CHECK(shots[k]["travel_px"] == json::array({0, 0}));
    CHECK(shots[k]["subjects_span_px"][0].get<int>() > 0);
    CHECK(shots[k]["subjects_span_px"][0].get<int>() <= kWinW);
  }
  CHECK(shots[1]["subjects_span_px"][0].get<int>() > kWinW);
  CHECK(shots[1]["travel_px"][0].get<int>() > 200);

  // A still subject: not one pixel of camera movement in shots A and C.
  for (int k = 1; k < 60; ++k) CHECK(rows[k].x == rows[0].x);
  for (int k = 121; k < 180; ++k) CHECK(rows[k].x == rows[120].x);
  // Across a cut the window jumps once and then holds: no drift in the frames after it.
  CHECK(rows[120].x != rows[119].x);
  CHECK(rows[121].x == rows[120].x);
  CHECK(rows[61].x == rows[60].x);
  // A calm camera while following: mean |second difference| <= 0.5 px/frame^2 per shot.
  for (auto [first, last] : {std::pair{0, 60}, std::pair{60, 120}, std::pair{120, 180}}) {
    INFO("shot frames " << first << ".." << last);
    CHECK(mean_abs_second_difference(rows, first, last) <= 0.5);
  }
  // The moving shot is followed: the window ends far right of where it started.
  CHECK(rows[119].x - rows[60].x > 300);

  // The picture is the source cropped at the window, as the ffmpeg command line crops it.
  for (int n : {30, 90, 110, 150}) {
    const double db = frame_psnr(dir, clip, n, video, n, rows[n]);
    INFO("frame " << n << ": " << db << " dB");
    CHECK(db >= 30.0);
  }
}

// 19 s of five shots for one-pass reframing: three of 2.5 s (the face still left, walking
// right, still right), one of 8.5 s (walking back left slowly) and one of 3 s (still).
constexpr int kLongFrames = 570;
int long_shot_of(int i) {
  return i < 75 ? 0 : i < 150 ? 1 : i < 225 ? 2 : i < 480 ? 3 : 4;
}
cv::Point long_face_at(int i) {
  switch (long_shot_of(i)) {
    case 0:
      return {200, 240};
    case 1:
      return {200 + (i - 75) * 7, 240};
    case 2:
      return {760, 250};
    case 3:
      return {760 - (i - 225) * 2, 240};
    default:
      return {480, 260};
  }
}

TEST_CASE("one pass: the frames decoded once give the same windows as an analysis pass",
          "[smart][one-pass]") {
  TempDir dir;
  const fs::path clip = drawn_clip(dir / "long.mp4", kLongFrames, [](int i, cv::Mat& img) {
    backdrop(img, long_shot_of(i), i);
    draw_face(img, long_face_at(i), kFaceH);
  });
  // Two passes (the analysis decodes alone first), one pass (each shot's frames held
  // until the shot is over and the second or so after it has settled it), and one pass
  // whose 8.5 s shot outgrows 200 MB of held frames (960x540: 0.84 MB each, about 240
  // frames; the 2.5 s shots peak near 110), so the video is decoded again from its start.
  struct Run {
    std::string name;
    std::vector<std::string> args;
    std::string decode;
  };
  const std::vector<Run> runs = {{"two", {"--smart-memory", "0"}, "own pass"},
                                 {"one", {}, "one pass"},
                                 {"again", {"--smart-memory", "200"}, "one pass"}};
  std::vector<std::vector<Row>> rows;
  std::vector<json> reports;
  for (const Run& run : runs) {
    INFO(run.name);
    const fs::path csv = dir / (run.name + ".csv");
    reports.push_back(
        package_smart(clip, dir / run.name,
                      run.args + std::vector<std::string>{"--crop-path-out", csv.string()}));
    const json& report = reports.back();
    CHECK(report["analysis"]["decode"] == run.decode);
    CHECK(report["analysis"]["warnings"].empty());
    rows.push_back(read_rows(csv));
    REQUIRE(rows.back().size() == static_cast<size_t>(kLongFrames));
    const json probe = first_stream(ffprobe(dir / run.name / "long.tiktok.mp4"), "video");
    CHECK(probe["nb_frames"] == std::to_string(kLongFrames));
  }
  CHECK(reports[0]["frames_decoded"] == kLongFrames);
  CHECK(reports[1]["frames_decoded"] == kLongFrames);  // decoded once
  CHECK(reports[1]["analysis"]["decoded_again_from_seconds"].is_null());
  // Decoded again from inside the long shot: the first three shots went out from memory.
  const json& again = reports[2]["analysis"]["decoded_again_from_seconds"];
  REQUIRE(again.is_number());
  CHECK(again.get<double>() == Approx(7.5).margin(1e-6));
  CHECK(reports[2]["frames_decoded"] > kLongFrames);
  CHECK(reports[2]["frames_decoded"] < 2 * kLongFrames);

  // The same windows and shots, frame for frame.
  for (size_t r = 1; r < runs.size(); ++r) {
    INFO(runs[r].name << " against two passes");
    for (size_t k = 0; k < rows[0].size(); ++k) {
      INFO("row " << k);
      CHECK(rows[r][k].x == rows[0][k].x);
      CHECK(rows[r][k].y == rows[0][k].y);
    }
    CHECK(reports[r]["outputs"][0]["reframe_shots"] == reports[0]["outputs"][0]["reframe_shots"]);
  }
  REQUIRE(reports[0]["outputs"][0]["reframe_shots"].size() == 5);
  const double share =
      inside_share(rows[1], [](int f) { return face_box(long_face_at(f), kFaceH); });
  INFO("face inside the window on " << share * 100 << "% of frames");
  CHECK(share >= 0.98);
  // And the same pictures: each run's frames against the two-pass output's.
  for (size_t r = 1; r < runs.size(); ++r) {
    for (int n : {40, 200, 300, 470, 560}) {
      const fs::path a = extract_frame(dir / "two" / "long.tiktok.mp4", n,
                                       dir / ("two" + std::to_string(n) + ".nut"));
      const fs::path b = extract_frame(dir / runs[r].name / "long.tiktok.mp4", n,
                                       dir / (runs[r].name + std::to_string(n) + ".nut"));
      const double db = psnr(a, b);
      INFO(runs[r].name << " frame " << n << ": " << db << " dB");
      CHECK(db >= 40.0);
    }
  }
}

TEST_CASE("one pass over one range: the same windows, on the source timeline",
          "[smart][one-pass]") {
  TempDir dir;
  const fs::path clip = drawn_clip(dir / "long.mp4", kLongFrames, [](int i, cv::Mat& img) {
    backdrop(img, long_shot_of(i), i);
    draw_face(img, long_face_at(i), kFaceH);
  });
  // 1.5 s to 18 s: the long shot's 255 frames outgrow 150 MB, so the last run reads the
  // range again from its start, keeping the frames from that shot on.
  const std::vector<std::string> range = {"--range", "1.5-18"};
  const std::vector<std::pair<std::string, std::vector<std::string>>> runs = {
      {"two", {"--smart-memory", "0"}}, {"one", {}}, {"again", {"--smart-memory", "150"}}};
  std::vector<std::vector<Row>> rows;
  std::vector<json> reports;
  for (const auto& [name, args] : runs) {
    INFO(name);
    const fs::path csv = dir / (name + ".csv");
    reports.push_back(
        package_smart(clip, dir / name,
                      range + args + std::vector<std::string>{"--crop-path-out", csv.string()}));
    rows.push_back(read_rows(csv));
    REQUIRE(rows.back().size() == 495);                            // 16.5 s
    CHECK(rows.back().front().pts_s == Approx(1.5).margin(1e-6));  // source timeline
    const json probe = first_stream(ffprobe(dir / name / "long.tiktok.mp4"), "video");
    CHECK(probe["nb_frames"] == "495");
  }
  CHECK(reports[0]["analysis"]["decode"] == "own pass");
  CHECK(reports[1]["analysis"]["decode"] == "one pass");
  CHECK(reports[1]["analysis"]["decoded_again_from_seconds"].is_null());
  const json& again = reports[2]["analysis"]["decoded_again_from_seconds"];
  REQUIRE(again.is_number());
  CHECK(again.get<double>() == Approx(6.0).margin(1e-6));  // the long shot, 7.5 - 1.5 s
  for (size_t r = 1; r < runs.size(); ++r) {
    INFO(runs[r].first << " against two passes");
    for (size_t k = 0; k < rows[0].size(); ++k) {
      INFO("row " << k);
      CHECK(rows[r][k].x == rows[0][k].x);
      CHECK(rows[r][k].pts_s == rows[0][k].pts_s);
    }
    CHECK(reports[r]["outputs"][0]["reframe_shots"] == reports[0]["outputs"][0]["reframe_shots"]);
    const double db = psnr(extract_frame(dir / "two" / "long.tiktok.mp4", 400, dir / "t400.nut"),
                           extract_frame(dir / runs[r].first / "long.tiktok.mp4", 400,
                                         dir / (runs[r].first + "400.nut")));
    INFO("frame 400: " << db << " dB");
    CHECK(db >= 40.0);
  }
}

TEST_CASE("one pass decoding again from MPEG-TS starts at a keyframe before the frames it needs",
          "[smart][one-pass]") {
  TempDir dir;
  // 480x270 (about 0.2 MB a frame): shots of 2 s, 2 s and 8 s, a keyframe every 1.5 s.
  // The 8 s shot outgrows 35 MB of held frames, so the video is decoded again from 4 s,
  // half-way between keyframes; MPEG-TS seeks by byte position and lands past the one
  // before 4 s. A box moves across the last shot so that every frame differs.
  constexpr int kW = 480, kH = 270, kN = 360;
  const fs::path clip = drawn_clip(
      dir / "episode.ts", kN,
      [](int i, cv::Mat& img) {
        backdrop(img, i < 60 ? 0 : i < 120 ? 1 : 2, i);
        if (i >= 120) {
          cv::rectangle(img, cv::Rect(2 * (i - 120), 60, 60, 60), {255, 255, 255}, cv::FILLED);
        }
      },
      "-g 45 -sc_threshold 0", kW, kH);
  std::vector<json> reports;
  for (const std::string memory : {"0", "35"}) {
    reports.push_back(package_smart(clip, dir / ("m" + memory), {"--smart-memory", memory}));
    const json probe = first_stream(ffprobe(dir / ("m" + memory) / "episode.tiktok.mp4"), "video");
    CHECK(probe["nb_frames"] == std::to_string(kN));
  }
  const json& again = reports[1]["analysis"]["decoded_again_from_seconds"];
  REQUIRE(again.is_number());
  CHECK(again.get<double>() == Approx(4.0).margin(0.05));
  CHECK(reports[1]["frames_decoded"] == kN + (kN - 120));  // every frame from 4 s, again
  // Frames of the last shot before its first keyframe are there, not stand-ins.
  for (int n : {122, 130, 200}) {
    const double db = psnr(extract_frame(dir / "m0" / "episode.tiktok.mp4", n,
                                         dir / ("two" + std::to_string(n) + ".nut")),
                           extract_frame(dir / "m35" / "episode.tiktok.mp4", n,
                                         dir / ("again" + std::to_string(n) + ".nut")));
    INFO("frame " << n << ": " << db << " dB");
    CHECK(db >= 40.0);
  }
}

TEST_CASE("a crop path read in is rendered as its keyframes interpolate", "[smart]") {
  TempDir dir;
  const fs::path clip = drawn_clip(dir / "scene.mp4", kFrames, draw_scene);
  // Sparse keyframes: by frame, by time only, a comment, a blank line, empty sizes.
  const fs::path in = dir / "edited.csv";
  std::ofstream(in) << "frame,pts_seconds,x,y,width,height\n"
                       "# hold left, sweep right, come back\n"
                       "0,,100,0,304,540\n"
                       "\n"
                       ",3.000000,600,0,,\n"
                       "179,5.966667,301,0,304,540\n";
  const fs::path csv = dir / "rendered.csv";
  const json report = package_smart(
      clip, dir.path(), {"--crop-path-in", in.string(), "--crop-path-out", csv.string()});
  const json& out = report["outputs"][0];
  REQUIRE(out["ok"] == true);
  REQUIRE(out["reframe_shots"].size() == 1);
  CHECK(out["reframe_shots"][0]["mode"] == "file");

  const std::vector<Row> rows = read_rows(csv);
  REQUIRE(rows.size() == static_cast<size_t>(kFrames));
  // Linear between keyframes 0 (x 100), 90 (x 600) and 179 (x 301), snapped to even.
  const auto expected = [](int f) {
    const double x = f <= 90 ? 100 + (600 - 100) * f / 90.0 : 600 + (301 - 600) * (f - 90) / 89.0;
    return 2 * static_cast<int>(std::lround(x / 2));
  };
  for (int f = 0; f < kFrames; ++f) {
    INFO("frame " << f);
    CHECK(rows[f].x == expected(f));
    CHECK(rows[f].y == 0);
  }
  const fs::path video = dir / "scene.tiktok.mp4";
  for (int n : {0, 45, 90, 160}) {
    const double db = frame_psnr(dir, clip, n, video, n, rows[n]);
    INFO("frame " << n << ": " << db << " dB");
    CHECK(db >= 30.0);
  }
}

TEST_CASE("smart reframing of ranges: windows of the frames cut, on the source timeline",
          "[smart]") {
  TempDir dir;
  const fs::path clip = drawn_clip(dir / "scene.mp4", kFrames, draw_scene);
  const fs::path csv = dir / "cut.csv";
  // 1-3 s (the end of shot A and the walk's first half), then 4.5-5.5 s (shot C).
  const json report = package_smart(
      clip, dir.path(), {"--range", "1-3", "--range", "4.5-5.5", "--crop-path-out", csv.string()});
  const json& out = report["outputs"][0];
  REQUIRE(out["ok"] == true);
  const std::vector<Row> rows = read_rows(csv);
  REQUIRE(rows.size() == 90);
  CHECK(rows[0].pts_s == Approx(1.0).margin(1e-6));
  CHECK(rows[59].pts_s == Approx(2.966667).margin(1e-5));
  CHECK(rows[60].pts_s == Approx(4.5).margin(1e-6));
  CHECK(rows[89].pts_s == Approx(5.466667).margin(1e-5));
  const double share = inside_share(rows, [](int f) { return face_box(face_at(f), kFaceH); });
  INFO("face inside the window on " << share * 100 << "% of frames");
  CHECK(share >= 0.98);
  // The join is a shot boundary, reported on the source timeline.
  const json& shots = out["reframe_shots"];
  REQUIRE(shots.size() == 3);
  CHECK(shots[1]["end_seconds"].get<double>() == Approx(3.0).margin(1e-3));
  CHECK(shots[2]["start_seconds"].get<double>() == Approx(4.5).margin(1e-3));
  // Output frame 75 is source frame 150 (5.0 s) cropped at its window.
  CHECK(frame_psnr(dir, clip, 150, dir / "scene.tiktok.mp4", 75, rows[75]) >= 30.0);
  CHECK(frame_psnr(dir, clip, 45, dir / "scene.tiktok.mp4", 15, rows[15]) >= 30.0);
}

TEST_CASE("without a face the camera follows the motion", "[smart]") {
  TempDir dir;
  // A bright block walking right over a still backdrop, 4 s, one shot: no face to find.
  const auto block_at = [](int i) { return cv::Rect(120 + i * 5, 200, 70, 150); };
  const fs::path clip = drawn_clip(dir / "block.mp4", 120, [&](int i, cv::Mat& img) {
    backdrop(img, 3, i);
    cv::rectangle(img, block_at(i), cv::Scalar(240, 240, 240), cv::FILLED);
    cv::rectangle(img, block_at(i), cv::Scalar(20, 20, 20), 4);
  });
  const fs::path csv = dir / "block.csv";
  const json report = package_smart(clip, dir.path(), {"--crop-path-out", csv.string()});
  REQUIRE(report["outputs"][0]["ok"] == true);
  const std::vector<Row> rows = read_rows(csv);
  REQUIRE(rows.size() == 120);
  const double share = inside_share(rows, [&](int f) { return block_at(f); });
  INFO("block inside the window on " << share * 100 << "% of frames");
  CHECK(share >= 0.9);
  CHECK(rows.back().x - rows.front().x > 300);
  CHECK(mean_abs_second_difference(rows, 0, 120) <= 0.5);
}

TEST_CASE("reframe: review video and crop path without packaging", "[smart]") {
  TempDir dir;
  const fs::path clip = drawn_clip(dir / "scene.mp4", kFrames, draw_scene);
  const fs::path preview = dir / "review.mp4";
  const fs::path csv = dir / "scene.crop.csv";
  const fs::path detections = dir / "scene.faces.csv";
  const RunResult r =
      run_reelpack(std::vector<std::string>{"reframe", clip.string(), "-p", "tiktok", "--preview",
                                            preview.string(), "--crop-path-out", csv.string(),
                                            "--detections-out", detections.string(), "--json"} +
                   kSmall);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(j["reframe_shots"].size() == 3);
  CHECK(j["faces"].get<int>() >= 25);  // five samples a second, one face each

  // A valid video: H.264 at 960 px wide (the source's aspect), every frame.
  const json v = first_stream(ffprobe(preview), "video");
  CHECK(v["codec_name"] == "h264");
  CHECK(v["width"] == 960);
  CHECK(v["height"] == 540);
  CHECK(video_frames(preview).size() == static_cast<size_t>(kFrames));
  // Outside the window the picture is dimmed: the preview is darker than the source there.
  const double dimmed = luma_stats(preview, "crop=100:100:850:50").mean;
  const double source = luma_stats(clip, "crop=100:100:850:50").mean;
  CHECK(dimmed < source * 0.7);
  // No file left behind but the three asked for (and the source).
  CHECK(list_dir(dir.path()).size() == 4);

  // The same path as package writes for the same preset.
  const fs::path packaged = dir / "packaged.csv";
  package_smart(clip, dir / "out", {"--crop-path-out", packaged.string()});
  std::ifstream a(csv), b(packaged);
  std::stringstream sa, sb;
  sa << a.rdbuf();
  sb << b.rdbuf();
  CHECK(sa.str() == sb.str());
  // The detections file names each sample.
  std::ifstream d(detections);
  std::string header;
  std::getline(d, header);
  CHECK(header == "frame,pts_seconds,kind,x,y,width,height,confidence");
}

TEST_CASE("several presets: a crop path each, shared encodes share their path", "[smart]") {
  TempDir dir;
  const fs::path clip = drawn_clip(dir / "scene.mp4", 60, [](int i, cv::Mat& img) {
    backdrop(img, 0, i);
    draw_face(img, {240, 240}, kFaceH);
  });
  const fs::path csv = dir / "scene.csv";
  // A 4:5 feed preset of our own beside two 9:16 presets that encode identically.
  std::ofstream(dir / "feed45.ini")
      << "name = feed45\nbase = tiktok\n[video]\nwidth = 432\nheight = 540\n"
         "[safe-area]\ntop = 0\nbottom = 0\nleft = 0\nright = 0\n";
  const RunResult r = run_reelpack({"package", clip.string(), "-p", "douyin", "-p", "kuaishou",
                                    "-p", (dir / "feed45.ini").string(), "-o", dir.str(),
                                    "--reframe", "smart", "--crop-path-out", csv.string(), "--json",
                                    "--video.encoder-preset", "ultrafast"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  for (const auto& o : j["outputs"]) {
    CHECK(o["ok"] == true);
    CHECK(o["reframe_shots"].size() == 1);
  }
  const auto douyin = read_rows(dir / "scene.douyin.csv");
  const auto kuaishou = read_rows(dir / "scene.kuaishou.csv");
  const auto reels = read_rows(dir / "scene.feed45.csv");
  REQUIRE(douyin.size() == 60);
  REQUIRE(kuaishou.size() == 60);
  CHECK(douyin.front().w == 304);  // 9:16
  CHECK(kuaishou.front().x == douyin.front().x);
  CHECK(reels.front().w == 432);  // 4:5 of 540 lines: a wider window
  CHECK(j["outputs"][1]["encode"] == "shared");
  CHECK(inside(face_box({240, 240}, kFaceH), reels.front()));
}

TEST_CASE("the smart analysis is cached by input content and reused", "[smart][cache]") {
  TempDir dir;
  // A face walking right: a path that moves, so a wrong cache entry would show.
  const fs::path clip = drawn_clip(dir / "scene.mp4", 60, [](int i, cv::Mat& img) {
    backdrop(img, 0, i);
    draw_face(img, {240 + 6 * i, 240}, kFaceH);
  });
  const fs::path cache = dir / "cache";
  // Capped at 1 MiB, over which an old entry of 1 MiB puts the cache once the first
  // analysis is stored: that entry goes, the new one stays.
  const std::vector<std::string> cached = {"--cache-dir", cache.string(), "--cache-max", "1"};
  fs::create_directories(cache);
  const fs::path old_entry = cache / "analysis-00000000000000ff.json";
  std::ofstream(old_entry) << std::string(1 << 20, ' ');
  fs::last_write_time(old_entry, fs::file_time_type::clock::now() - std::chrono::hours(1));

  const json first =
      package_smart(clip, dir / "a",
                    cached + std::vector<std::string>{"--crop-path-out", (dir / "a.csv").string()});
  CHECK(first["analysis"]["cache"] == "miss");
  CHECK(first["analysis"]["cache_pruned"]["entries"] == 1);
  CHECK(first["analysis"]["cache_pruned"]["bytes"] == 1 << 20);
  CHECK_FALSE(fs::exists(old_entry));
  const fs::path entry = first["analysis"]["cache_file"].get<std::string>();
  CHECK(entry.parent_path() == cache);
  REQUIRE(fs::is_regular_file(entry));

  // Another preset, another output folder, a copy of the input under another name: the
  // same content and settings, so no second analysis, and the same path.
  fs::copy_file(clip, dir / "copy.mp4");
  const json second = package_smart(
      dir / "copy.mp4", dir / "b",
      cached + std::vector<std::string>{"--crop-path-out", (dir / "b.csv").string()}, "douyin");
  CHECK(second["analysis"]["cache"] == "hit");
  CHECK(second["analysis"]["cache_file"] == entry.string());
  const auto a = read_rows(dir / "a.csv");
  const auto b = read_rows(dir / "b.csv");
  REQUIRE(a.size() == 60);
  REQUIRE(b.size() == a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("frame " << i);
    CHECK(b[i].x == a[i].x);
    CHECK(b[i].y == a[i].y);
  }
  CHECK(a.back().x > a.front().x);  // the window did follow the face

  // Other ranges are another analysis.
  const json ranged =
      package_smart(clip, dir / "c", cached + std::vector<std::string>{"--range", "0-1"});
  CHECK(ranged["analysis"]["cache"] == "miss");

  SECTION("a damaged entry is ignored with a warning, analysed again and replaced") {
    std::ofstream(entry, std::ios::trunc) << "{\"key\": \"truncated";
    const json again = package_smart(
        clip, dir / "d",
        cached + std::vector<std::string>{"--crop-path-out", (dir / "d.csv").string()});
    CHECK(again["analysis"]["cache"] == "miss");
    CHECK_THAT(again["analysis"]["warnings"].dump(),
               Catch::Contains("damaged analysis cache entry") &&
                   Catch::Contains(entry.filename().string()));
    const auto d = read_rows(dir / "d.csv");
    REQUIRE(d.size() == a.size());
    for (size_t i = 0; i < a.size(); ++i) CHECK(d[i].x == a[i].x);
    // Replaced by a good entry: the next run reads it.
    CHECK(package_smart(clip, dir / "e", cached)["analysis"]["cache"] == "hit");
  }
  SECTION("the text output says so too, and batch caches in OUTDIR/.reelpack-cache") {
    std::ofstream(dir / "season.csv") << "input,presets,reframe,name\n"
                                         "scene.mp4,tiktok,smart,ep01\n";
    std::ofstream(dir / "other.csv") << "input,presets,reframe,name\n"
                                        "scene.mp4,douyin,smart,ep01-cn\n";
    const fs::path out = dir / "out";
    const std::vector<std::string> base = {"batch", (dir / "season.csv").string(), "-o",
                                           out.string()};
    RunResult r = run_reelpack(base + kSmall);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    auto row = [&] {
      std::ifstream in(out / "report.json");
      return json::parse(in)["rows"][0];
    };
    CHECK(row()["analysis_cache"] == "miss");
    CHECK(fs::is_directory(out / ".reelpack-cache"));
    r = run_reelpack(base + kSmall + std::vector<std::string>{"--force"});
    REQUIRE(r.exit_code == 0);
    CHECK(row()["outputs"][0]["status"] == "written");
    CHECK(row()["analysis_cache"] == "hit");
    r = run_reelpack(
        std::vector<std::string>{"batch", (dir / "other.csv").string(), "-o", out.string()} +
        kSmall);
    REQUIRE(r.exit_code == 0);
    CHECK(row()["analysis_cache"] == "hit");
    r = run_reelpack(base + kSmall + std::vector<std::string>{"--force", "--no-cache"});
    REQUIRE(r.exit_code == 0);
    CHECK(row()["analysis_cache"] == "off");
  }
}

TEST_CASE("a truncated input leaves no analysis in the cache, in one pass or two passes",
          "[smart][cache][one-pass]") {
  TempDir dir;
  // moov first, so that the first half still opens, decodes and declares the whole length:
  // the input is refused as cut short only after its last frame.
  const fs::path whole = drawn_clip(
      dir / "whole.mp4", 90,
      [](int i, cv::Mat& img) {
        backdrop(img, 0, i);
        draw_face(img, {240, 240}, kFaceH);
      },
      "-movflags +faststart");
  std::ifstream in(whole, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  bytes.resize(bytes.size() / 2);
  const fs::path cut = dir / "cut.mp4";
  std::ofstream(cut, std::ios::binary) << bytes;
  for (const std::string memory : {"0", "1536"}) {
    INFO("--smart-memory " << memory);
    const fs::path cache = dir / ("cache" + memory);
    const RunResult r = run_reelpack(
        std::vector<std::string>{"package", cut.string(), "-p", "tiktok", "-o",
                                 (dir / ("out" + memory)).string(), "--reframe", "smart",
                                 "--cache-dir", cache.string(), "--smart-memory", memory} +
        kSmall);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("truncated"));
    CHECK(list_dir(dir / ("out" + memory)).empty());
    CHECK((!fs::exists(cache) || list_dir(cache).empty()));
  }
}

TEST_CASE("every output failing half-way: the shots reported keep their times",
          "[smart][one-pass]") {
  TempDir dir;
  // Three 4 s shots, with sound: the audio handed to the output while the video is held
  // finds it failed.
  const fs::path clip =
      make_clip(dir / "cuts.mp4",
                "-f lavfi -i testsrc2=s=640x360:r=30:d=4 -f lavfi -i smptebars=s=640x360:r=30:d=4 "
                "-f lavfi -i testsrc=s=640x360:r=30:d=4 -f lavfi -i sine=d=12 -filter_complex "
                "'[0:v][1:v][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]' -map '[v]' -map 3:a "
                "-c:v libx264 -preset ultrafast -c:a aac");
  for (const std::string memory : {"0", "1536"}) {
    INFO("--smart-memory " << memory);
    const fs::path out = dir / ("out" + memory);
    // Writes past 30 kB fail (EFBIG, the signal ignored): the output fails in its first
    // shot, in one pass while the later ones are still to come.
    const RunResult r =
        run("trap '' XFSZ; ulimit -f 60; " +
            reelpack_command(std::vector<std::string>{"package", clip.string(), "-p", "tiktok",
                                                      "-o", out.string(), "--reframe", "smart",
                                                      "--json", "--smart-memory", memory} +
                             kSmall));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 1);
    const json report = json::parse(r.out);
    const json& o = report["outputs"][0];
    CHECK(o["ok"] == false);
    CHECK_THAT(o["error"].get<std::string>(), Catch::Contains("File too large"));
    for (const json& shot : o.value("reframe_shots", json::array())) {
      CHECK(shot["end_seconds"].get<double>() > shot["start_seconds"].get<double>());
    }
    CHECK(list_dir(out).empty());
  }
}

TEST_CASE("two subjects too far apart: that shot is drawn as blur fill, and says so", "[smart]") {
  TempDir dir;
  // Shot A (0-2 s): one face on the left, framed. Shot B (2-4 s): two faces of one size at
  // either edge, 700 px apart: no 304-px window holds both and neither dominates.
  const fs::path clip = drawn_clip(dir / "two.mp4", 120, [](int i, cv::Mat& img) {
    backdrop(img, i < 60 ? 0 : 1, i);
    if (i < 60) {
      draw_face(img, {240, 240}, kFaceH);
    } else {
      draw_face(img, {130, 250}, kFaceH);
      draw_face(img, {830, 250}, kFaceH);
    }
  });
  const fs::path csv = dir / "two.crop.csv";
  const json report = package_smart(clip, dir / "smart", {"--crop-path-out", csv.string()});
  const json& out = report["outputs"][0];
  REQUIRE(out["ok"] == true);
  const json& shots = out["reframe_shots"];
  REQUIRE(shots.size() == 2);
  CHECK(shots[0]["mode"] != "fill");
  CHECK(shots[1]["mode"] == "fill");
  CHECK(shots[1]["reason"].get<std::string>().find("blur fill") != std::string::npos);

  // The CSV gives fill frames the whole picture as their window.
  const std::vector<Row> rows = read_rows(csv);
  REQUIRE(rows.size() == 120);
  for (int k = 0; k < 120; ++k) {
    INFO("row " << k);
    if (k < 60) {
      CHECK(rows[k].w == kWinW);
    } else {
      CHECK((rows[k].x == 0 && rows[k].y == 0 && rows[k].w == kSrcW && rows[k].h == kSrcH));
    }
  }

  // Fill frames are what --reframe blur draws (the whole picture, both faces, over a
  // blurred fill); the framed shot stays a crop.
  const RunResult blur =
      run_reelpack(std::vector<std::string>{"package", clip.string(), "-p", "tiktok", "-o",
                                            (dir / "blur").string(), "--reframe", "blur"} +
                   kSmall);
  INFO(blur.err);
  REQUIRE(blur.exit_code == 0);
  const fs::path smart_video = dir / "smart" / "two.tiktok.mp4";
  const fs::path blur_video = dir / "blur" / "two.tiktok.mp4";
  REQUIRE(video_frames(smart_video).size() == 120);
  for (int n : {61, 90, 119}) {
    const double db = psnr(extract_frame(blur_video, n, dir / ("b" + std::to_string(n) + ".nut")),
                           extract_frame(smart_video, n, dir / ("s" + std::to_string(n) + ".nut")));
    INFO("fill frame " << n << ": " << db << " dB against --reframe blur");
    CHECK(db >= 35.0);
  }
  CHECK(frame_psnr(dir, clip, 30, smart_video, 30, rows[30]) >= 30.0);
}

TEST_CASE("a rotated (phone) input is analysed and cropped in display orientation", "[smart]") {
  // Stored portrait, 540x960, with a display matrix that turns it a quarter: a player
  // shows it as the 960x540 scene of the first test. The 9:16 window then moves along
  // the stored picture's height. (FFmpeg 5.1's mp4 muxer writes `rotate=90` as a matrix
  // that players, ffmpeg's own autorotate included, apply as 90 degrees anticlockwise:
  // reelpack reads it as 270 clockwise; `rotate=270` as 90 clockwise.)
  struct Case {
    const char* tag;
    int rotation_deg;        // as reelpack reads it: clockwise, as shown
    cv::RotateFlags stored;  // display -> stored: the opposite turn
  };
  for (const Case& c : {Case{"90", 270, cv::ROTATE_90_CLOCKWISE},
                        Case{"270", 90, cv::ROTATE_90_COUNTERCLOCKWISE}}) {
    INFO("rotate=" << c.tag);
    TempDir dir;
    const fs::path stored = drawn_clip(
        dir / "stored.mp4", kFrames,
        [&](int i, cv::Mat& img) {
          cv::Mat scene(kSrcH, kSrcW, CV_8UC3);
          draw_scene(i, scene);
          cv::rotate(scene, img, c.stored);
        },
        "", kSrcH, kSrcW);
    const fs::path clip =
        make_clip(dir / "phone.mp4", "-i " + shell_quote(stored.string()) +
                                         " -c copy -metadata:s:v:0 rotate=" + c.tag);
    const RunResult probe = run_reelpack({"probe", clip.string(), "--json"});
    REQUIRE(probe.exit_code == 0);
    REQUIRE(json::parse(probe.out)["video"]["rotation"] == c.rotation_deg);

    const fs::path csv = dir / "phone.crop.csv";
    const json report = package_smart(clip, dir / "out", {"--crop-path-out", csv.string()});
    const json& out = report["outputs"][0];
    REQUIRE(out["ok"] == true);
    const fs::path video = dir / "out" / "phone.tiktok.mp4";
    const json v = first_stream(ffprobe(video), "video");
    CHECK(v["width"] == kOutW);
    CHECK(v["height"] == kOutH);

    // Windows in display pixels: 304x540 across the 960-px-wide upright picture.
    const std::vector<Row> rows = read_rows(csv);
    REQUIRE(rows.size() == static_cast<size_t>(kFrames));
    for (const Row& r : rows) {
      CHECK(r.w == kWinW);
      CHECK(r.h == kWinH);
    }
    const double share = inside_share(rows, [](int f) { return face_box(face_at(f), kFaceH); });
    INFO("face inside the window on " << share * 100 << "% of frames");
    CHECK(share >= 0.98);
    CHECK(out["reframe_shots"].size() == 3);
    // The picture is the upright frame cropped at the window (ffmpeg's CLI turns it too).
    for (int n : {30, 150}) {
      const double db = frame_psnr(dir, clip, n, video, n, rows[n]);
      INFO("frame " << n << ": " << db << " dB");
      CHECK(db >= 30.0);
    }

    if (c.rotation_deg != 90) continue;
    // The review video is upright too, the window drawn where the face is.
    const fs::path preview = dir / "review.mp4";
    const RunResult r =
        run_reelpack(std::vector<std::string>{"reframe", clip.string(), "-p", "tiktok", "--preview",
                                              preview.string()} +
                     kSmall);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json pv = first_stream(ffprobe(preview), "video");
    CHECK(pv["width"] == 960);
    CHECK(pv["height"] == 540);
    // Outside the window (the right of the frame in shot A) the preview is dimmed.
    CHECK(luma_stats(preview, "trim=end_frame=30,crop=100:100:850:50").mean <
          0.7 * luma_stats(clip, "trim=end_frame=30,crop=100:100:850:50").mean);
  }
}

TEST_CASE("without the BlazeFace model the Haar cascades do the work, and a note says so",
          "[smart]") {
  TempDir dir;
  const fs::path clip = drawn_clip(dir / "scene.mp4", kFrames, draw_scene);
  fs::create_directories(dir / "no-models");
  const fs::path csv = dir / "haar.csv";
  // $REELPACK_MODELS, when set, is the only place the model is looked for.
  const RunResult r =
      run("REELPACK_MODELS=" + shell_quote((dir / "no-models").string()) + " " +
          reelpack_command(std::vector<std::string>{"package", clip.string(), "-p", "tiktok", "-o",
                                                    (dir / "out").string(), "--reframe", "smart",
                                                    "--crop-path-out", csv.string(), "--json"} +
                           kSmall));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["face_detector"] == "haar");
  CHECK(r.err.find("note: smart reframing used OpenCV's Haar cascades") != std::string::npos);
  CHECK(r.err.find("scripts/setup.sh") != std::string::npos);
  const double share =
      inside_share(read_rows(csv), [](int f) { return face_box(face_at(f), kFaceH); });
  CHECK(share >= 0.98);
}

TEST_CASE("with the BlazeFace model installed, BlazeFace does the work and no note is printed",
          "[smart][blazeface]") {
  REELPACK_SKIP_IF(reelpack::find_blazeface_model().empty(),
                   "BlazeFace is not installed (scripts/setup.sh installs it)");
  TempDir dir;
  const fs::path clip = drawn_clip(dir / "scene.mp4", kFrames, draw_scene);
  const RunResult b =
      run_reelpack(std::vector<std::string>{"package", clip.string(), "-p", "tiktok", "-o",
                                            (dir / "b").string(), "--reframe", "smart", "--json"} +
                   kSmall);
  REQUIRE(b.exit_code == 0);
  CHECK(json::parse(b.out)["face_detector"] == "blazeface");
  CHECK(b.err.find("note:") == std::string::npos);
}

TEST_CASE("progress: the analysis pass is reported as its own phase", "[smart][progress]") {
  av_log_set_level(AV_LOG_QUIET);  // as the CLI runs the library: no encoder statistics
  TempDir dir;
  const fs::path clip = drawn_clip(dir / "scene.mp4", 90, draw_scene);
  const reelpack::PresetLoader loader({REELPACK_PRESET_DIR});
  const reelpack::Overrides small = {{"video.width", std::to_string(kOutW)},
                                     {"video.height", std::to_string(kOutH)},
                                     {"video.encoder-preset", "ultrafast"}};
  // Smart with an analysis pass of its own, smart in one pass (no analysis phase: the
  // bar follows the frames handed to the encoder), one pass that overflows its memory at
  // once (the rest is analysed, then decoded again), and the centre crop.
  for (const int64_t hold :
       {int64_t{0}, reelpack::kDefaultSmartHoldBytes, int64_t{1}, int64_t{-1}}) {
    const auto mode = hold >= 0 ? reelpack::ReframeMode::Smart : reelpack::ReframeMode::Center;
    INFO("reframe " << reelpack::to_string(mode) << ", hold " << hold);
    reelpack::PackageJob job;
    job.input = clip;
    job.reframe = mode;
    job.outputs.push_back({loader.load("tiktok", small), dir / "scene.tiktok.mp4"});
    job.smart_hold_bytes = std::max<int64_t>(hold, 0);
    std::vector<reelpack::Progress> seen;
    const reelpack::PackageReport report =
        reelpack::package(job, [&](const reelpack::Progress& p) { seen.push_back(p); });
    REQUIRE(report.ok());
    std::vector<reelpack::Progress> analysing, encoding;
    for (const auto& p : seen) {
      (p.phase == reelpack::ProgressPhase::Analysing ? analysing : encoding).push_back(p);
    }
    // Every analysis update comes before the first encoding update.
    const auto first_encoding = std::find_if(
        seen.begin(), seen.end(),
        [](const reelpack::Progress& p) { return p.phase == reelpack::ProgressPhase::Encoding; });
    CHECK(std::all_of(first_encoding, seen.end(), [](const reelpack::Progress& p) {
      return p.phase == reelpack::ProgressPhase::Encoding;
    }));
    CHECK(encoding.size() == 90);  // one per decoded frame
    for (size_t k = 1; k < encoding.size(); ++k) {
      CHECK(encoding[k].frames == encoding[k - 1].frames + 1);
      CHECK(encoding[k].position_us > encoding[k - 1].position_us);
    }
    if (hold == 0) {
      REQUIRE(analysing.size() == 90);
      // Each phase runs from the start to the end of the clip, frames counted from one.
      CHECK(analysing.front().frames == 1);
      CHECK(analysing.back().frames == 90);
      CHECK(analysing.back().position_us == Approx(89 / 30.0 * 1e6).margin(1000));
      CHECK(analysing.back().duration_us == Approx(3e6).margin(1e5));
      CHECK(encoding.front().frames == 1);
      for (size_t k = 1; k < analysing.size(); ++k) {
        CHECK(analysing[k].position_us > analysing[k - 1].position_us);
      }
    } else if (hold == 1) {
      // The overflow shows at the first check, 10 frames in: the other 80 are analysed
      // with the bar moving, and then all 90 are decoded again and encoded.
      REQUIRE(report.analysis.decoded_again_from_s);
      CHECK(*report.analysis.decoded_again_from_s == Approx(0).margin(1e-6));
      CHECK(analysing.size() >= 80);
      CHECK(analysing.front().frames == 1);
      for (size_t k = 1; k < analysing.size(); ++k) {
        CHECK(analysing[k].frames == analysing[k - 1].frames + 1);
        CHECK(analysing[k].position_us > analysing[k - 1].position_us);
      }
      CHECK(analysing.back().position_us == Approx(89 / 30.0 * 1e6).margin(1000));
      CHECK(encoding.front().frames == 1);
    } else {
      CHECK(analysing.empty());
    }
    CHECK(encoding.back().position_us == Approx(89 / 30.0 * 1e6).margin(1000));
  }

  // On a terminal the bar says which phase it is in (`script` gives the run a terminal).
  if (run("command -v script").exit_code != 0) {
    WARN("no `script` (util-linux): the terminal check is skipped");
    return;
  }
  const RunResult tty = run("script -qefc " +
                            shell_quote(reelpack_command(
                                std::vector<std::string>{"package", clip.string(), "-p", "tiktok",
                                                         "-o", (dir / "tty").string(), "--reframe",
                                                         "smart", "--smart-memory", "0"} +
                                kSmall)) +
                            " /dev/null");
  INFO(tty.out << tty.err);
  REQUIRE(tty.exit_code == 0);
  const std::string all = tty.out + tty.err;
  const size_t analysing_at = all.find("scene.mp4 analysing [");
  const size_t encoding_at = all.find("scene.mp4 encoding [");
  CHECK(analysing_at != std::string::npos);
  CHECK(encoding_at != std::string::npos);
  CHECK(analysing_at < encoding_at);
}

TEST_CASE("smart reframing errors say what to do", "[smart]") {
  TempDir dir;
  const fs::path clip = make_clip(
      dir / "in.mp4", "-f lavfi -i testsrc2=s=640x360:r=30:d=1 -c:v libx264 -preset ultrafast");
  SECTION("a crop path needs smart reframing") {
    const RunResult r = run_reelpack({"package", clip.string(), "-p", "tiktok", "-o", dir.str(),
                                      "--crop-path-out", (dir / "x.csv").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--reframe smart") != std::string::npos);
  }
  SECTION("a missing crop path to read") {
    const RunResult r =
        run_reelpack({"package", clip.string(), "-p", "tiktok", "-o", dir.str(), "--reframe",
                      "smart", "--crop-path-in", (dir / "none.csv").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("none.csv") != std::string::npos);
    CHECK(list_dir(dir.path()).size() == 1);  // nothing written
  }
  SECTION("a malformed crop path names its line") {
    std::ofstream(dir / "bad.csv")
        << "frame,pts_seconds,x,y,width,height\n0,,10,0,304,540\n1,,abc,0,,\n";
    const RunResult r =
        run_reelpack({"package", clip.string(), "-p", "tiktok", "-o", dir.str(), "--reframe",
                      "smart", "--crop-path-in", (dir / "bad.csv").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("bad.csv:2") != std::string::npos);  // width 304 is not 360x640's window
  }
}
