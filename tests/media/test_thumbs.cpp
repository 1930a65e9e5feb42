// `reelpack thumbs` and `package --cover` end to end: clips drawn frame by frame with
// planted frames (black, a blurred stretch, a fade, a dissolve, a sharp frame with a face),
// run through the real binary; covers checked with ffprobe (size, codec), the choice
// against the planted segments, the sprite's WebVTT track against the sheet and the
// duration, and the errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/face_detector.h"
#include "support/drawn_clip.h"
#include "support/drawn_face.h"
#include "support/media.h"
#include "support/skip.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace reelpack::test;

namespace {

constexpr int kW = 640, kH = 360, kFps = 25;

// A set: a wall colour, a door, a window, a floor; crisp edges and light grain.
void set_piece(cv::Mat& img, cv::Scalar wall, int variant, int frame) {
  img.setTo(wall);
  cv::rectangle(img, cv::Rect(40 + variant * 30, 60, 140, 200), {40, 60, 90}, cv::FILLED);
  cv::rectangle(img, cv::Rect(420 - variant * 20, 70, 110, 100), {200, 220, 230}, cv::FILLED);
  cv::rectangle(img, cv::Rect(0, 280, kW, 80), {50, 70, 60}, cv::FILLED);
  for (int k = 0; k < 12; ++k) {
    cv::line(img, {k * 55, 280}, {k * 55 + 30, 359}, {90.0, 110.0 + variant * 20, 100.0}, 3);
  }
  cv::Mat grain(img.size(), CV_8UC3);
  cv::theRNG().state = static_cast<uint64_t>(frame) + 7;
  cv::randn(grain, 0, 2);
  img += grain;
}

// The planted clip, 14 s at 25 fps, shots of 2 s (times in seconds):
//   0-2 black | 2-4 shot A blurred (a face, out of focus) | 4-6 fade in from black to B |
//   6-8 dissolve B -> C | 8-10 shot C: sharp, a large frontal face | 10-12 shot D: sharp,
//   no face | 12-14 fade out of D to black.
// Covers may come only from 8-12 s; the best is the face in 8-10 s.
constexpr int kPlantedFrames = 14 * kFps;
void planted(int i, cv::Mat& img) {
  cv::Mat b(img.size(), CV_8UC3), c(img.size(), CV_8UC3);
  const double t = (i % (2 * kFps)) / (2.0 * kFps);  // 0..1 within the segment
  switch (i / (2 * kFps)) {
    case 0:
      img.setTo(cv::Scalar(0, 0, 0));
      return;
    case 1: {
      set_piece(img, {60, 120, 170}, 0, i);
      draw_face(img, {320, 150}, 130);
      cv::GaussianBlur(img, img, {0, 0}, 6);
      return;
    }
    case 2:
      set_piece(b, {40, 140, 200}, 1, i);
      img = b * t;
      return;
    case 3:
      set_piece(b, {40, 140, 200}, 1, i);
      set_piece(c, {150, 110, 80}, 2, i);
      draw_face(c, {320, 150}, 150);
      cv::addWeighted(b, 1 - t, c, t, 0, img);
      return;
    case 4:
      set_piece(img, {150, 110, 80}, 2, i);
      draw_face(img, {320, 150}, 150);
      return;
    case 5:
      set_piece(img, {90, 160, 110}, 3, i);
      return;
    default:
      set_piece(c, {90, 160, 110}, 3, i);
      img = c * (1 - t);
      return;
  }
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void check_picks(const json& report, int wanted_min) {
  const json& picked = report["search"]["picked"];
  REQUIRE(picked.size() >= static_cast<size_t>(wanted_min));
  // The best is the face in shot C.
  const double best = picked[0]["cover_seconds"].get<double>();
  CHECK(best >= 8.0);
  CHECK(best < 10.0);
  // No black, blurred, fading or dissolving frame, ever.
  for (const json& p : picked) {
    INFO("cover at " << p["cover_seconds"]);
    CHECK(p["cover_seconds"].get<double>() >= 8.0);
    CHECK(p["cover_seconds"].get<double>() < 12.0);
  }
  for (const json& c : report["search"]["candidates"]) {
    const double t = c["time_seconds"].get<double>();
    if (t < 4.0) CHECK(!c["rejected"].get<std::string>().empty());
  }
}

// --- a low-key dialogue scene (issue 13) ---------------------------------------------------

// A picture decoded by the ffmpeg command line (any format it reads) as 8-bit BGR.
cv::Mat decode_picture(const fs::path& file) {
  const json s = first_stream(ffprobe(file), "video");
  const int w = s["width"], h = s["height"];
  const RunResult raw =
      run("ffmpeg -v error -i " + shell_quote(file.string()) + " -f rawvideo -pix_fmt bgr24 -");
  REQUIRE(raw.exit_code == 0);
  REQUIRE(raw.out.size() == static_cast<size_t>(w) * h * 3);
  cv::Mat img(h, w, CV_8UC3);
  std::memcpy(img.data, raw.out.data(), raw.out.size());
  return img;
}

// The folder of the real photos the low-key test can use (scripts/setup.sh unpacks them
// there from Debian's python3-skimage): $REELPACK_TEST_PHOTOS, else
// /usr/local/share/reelpack/test-photos.
fs::path photo_dir() {
  const char* env = std::getenv("REELPACK_TEST_PHOTOS");
  return env && *env ? fs::path(env) : fs::path("/usr/local/share/reelpack/test-photos");
}

// One speaker: a drawn face (support/drawn_face.h), or the head of a photo cut out with a
// feathered oval and pasted over the set, the face `height` px tall centred on `centre`.
struct Speaker {
  DrawnFace drawn;
  cv::Mat photo;        // BGR head and shoulders; empty: drawn
  cv::Rect photo_face;  // the face in `photo`
  void draw(cv::Mat& img, cv::Point centre, int height) const {
    if (photo.empty()) {
      draw_face(img, centre, height, drawn);
      return;
    }
    const double k = static_cast<double>(height) / photo_face.height;
    cv::Mat scaled;
    cv::resize(photo, scaled, {}, k, k, k < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    const cv::Point2d face_centre((photo_face.x + photo_face.width / 2.0) * k,
                                  (photo_face.y + photo_face.height / 2.0) * k);
    cv::Mat mask(scaled.size(), CV_32F, cv::Scalar(0));
    // The head and hair, not the studio backdrop around them.
    cv::ellipse(mask, cv::Point(cvRound(face_centre.x), cvRound(face_centre.y - 0.05 * height)),
                cv::Size(cvRound(0.55 * height), cvRound(0.7 * height)), 0, 0, 360, cv::Scalar(1),
                cv::FILLED);
    cv::GaussianBlur(mask, mask, {0, 0}, 0.04 * height);
    const cv::Point origin(cvRound(centre.x - face_centre.x), cvRound(centre.y - face_centre.y));
    const cv::Rect where = cv::Rect(origin, scaled.size()) & cv::Rect({0, 0}, img.size());
    for (int y = where.y; y < where.y + where.height; ++y) {
      for (int x = where.x; x < where.x + where.width; ++x) {
        const float a = mask.at<float>(y - origin.y, x - origin.x);
        if (a <= 0) continue;
        cv::Vec3b& d = img.at<cv::Vec3b>(y, x);
        const cv::Vec3b& p = scaled.at<cv::Vec3b>(y - origin.y, x - origin.x);
        for (int c = 0; c < 3; ++c) d[c] = cv::saturate_cast<uchar>(d[c] + a * (p[c] - d[c]));
      }
    }
  }
};

// A restaurant at night, lit low-key: where the practical lights reach, walls, panelling
// and tables at luma 20-40; the ceiling and the far corners black; the speakers' faces
// well lit by their key light.
constexpr int kLowW = 640, kLowH = 360;
constexpr const char* kLowRate = "24000/1001";  // 23.976 fps
constexpr int kLowFrames = 264;                 // 11.01 s
// Four shots: a two-shot (4 s), A's close-up (1.75 s), B's from the reverse angle (2.25 s),
// a wider two-shot (3 s).
constexpr int kLowCuts[] = {0, 96, 138, 192, kLowFrames};

void restaurant(cv::Mat& img, int side, int frame) {
  // Side 0 looks at the wall behind A (panelling, a framed print, a wall lamp); side 1 at
  // the bar behind B (shelves of bottles, a dark window). Both are the same warm dark.
  img.setTo(cv::Scalar(4, 5, 7));
  const cv::Rect lit(60, 70, kLowW - 120, kLowH - 70);
  img(lit).setTo(cv::Scalar(side == 0 ? 17 : 21, side == 0 ? 22 : 21, side == 0 ? 32 : 27));
  for (int y = lit.y; y < lit.y + 40; ++y) {  // the light fades towards the ceiling
    img(cv::Rect(lit.x, y, lit.width, 1)) *= (y - lit.y + 10) / 50.0;
  }
  if (side == 0) {
    for (int x = 20; x < kLowW; x += 70) {
      cv::line(img, {x, 0}, {x, 250}, {16, 20, 30}, 3);
    }
    cv::rectangle(img, cv::Rect(430, 60, 120, 90), {40, 48, 58}, cv::FILLED);
    cv::rectangle(img, cv::Rect(440, 70, 100, 70), {30, 42, 36}, cv::FILLED);
    cv::circle(img, {110, 90}, 7, {150, 210, 250}, cv::FILLED, cv::LINE_AA);
    cv::circle(img, {110, 90}, 18, {45, 60, 80}, 2, cv::LINE_AA);
  } else {
    cv::rectangle(img, cv::Rect(40, 40, 170, 150), {34, 26, 22}, cv::FILLED);  // window
    for (int shelf = 0; shelf < 3; ++shelf) {
      const int y = 70 + shelf * 55;
      cv::line(img, {380, y}, {630, y}, {20, 26, 34}, 4);
      for (int k = 0; k < 9; ++k) {
        cv::rectangle(img, cv::Rect(390 + k * 26, y - 30, 12, 30),
                      {30.0 + 6 * (k % 3), 40.0 + 5 * (k % 4), 50.0 + 4 * (k % 2)}, cv::FILLED);
      }
    }
    cv::circle(img, {560, 30}, 6, {150, 210, 250}, cv::FILLED, cv::LINE_AA);
  }
  cv::rectangle(img, cv::Rect(0, 300, kLowW, 60), {30, 36, 44}, cv::FILLED);  // the table
  cv::circle(img, {side == 0 ? 330 : 300, 296}, 4, {170, 225, 255}, cv::FILLED, cv::LINE_AA);
  cv::Mat grain(img.size(), CV_8UC3);
  cv::theRNG().state = static_cast<uint64_t>(frame) * 7919 + 11;
  cv::randn(grain, 0, 2);
  img += grain;
}

// The frame of the scene: people who barely move (a slow sway of a pixel or two).
void low_key_frame(int i, cv::Mat& img, const Speaker& a, const Speaker& b) {
  const double t = i / 23.976;
  const cv::Point sway(cvRound(1.5 * std::sin(t * 2.1)), cvRound(std::sin(t * 1.3)));
  const cv::Point sway_b(cvRound(1.5 * std::sin(t * 1.7 + 1)), cvRound(std::sin(t * 1.1 + 2)));
  if (i < kLowCuts[1]) {  // two-shot across the table
    restaurant(img, 0, i);
    a.draw(img, cv::Point(262, 150) + sway, 92);
    b.draw(img, cv::Point(392, 156) + sway_b, 88);
  } else if (i < kLowCuts[2]) {  // A's close-up
    restaurant(img, 0, i);
    a.draw(img, cv::Point(286, 168) + sway, 160);
  } else if (i < kLowCuts[3]) {  // B's close-up, the reverse angle
    restaurant(img, 1, i);
    b.draw(img, cv::Point(362, 170) + sway_b, 156);
  } else {  // a wider two-shot from the bar's side
    restaurant(img, 1, i);
    a.draw(img, cv::Point(250, 172) + sway, 76);
    b.draw(img, cv::Point(400, 166) + sway_b, 80);
  }
}

// Runs thumbs -n 3 -p tiktok on the scene and checks what issue 13 asks: three covers, one
// from each of three shots, none from a cut, each showing a face, no face-lit frame
// rejected as dark, and the exposure figures and shots in the report.
void check_low_key_scene(const fs::path& clip, const fs::path& out) {
  // As x264 with its default GOP (-g 250) encodes a scene: keyframes only at the cuts.
  std::vector<int> keyframes;
  const std::vector<FrameFact> frames = video_frames(clip);
  REQUIRE(frames.size() == static_cast<size_t>(kLowFrames));
  for (size_t k = 0; k < frames.size(); ++k) {
    if (frames[k].key) keyframes.push_back(static_cast<int>(k));
  }
  REQUIRE(keyframes == std::vector<int>(std::begin(kLowCuts), std::end(kLowCuts) - 1));
  const double frame_s = 1001.0 / 24000.0;
  const auto shot_of = [&](double t) {
    for (int k = 0; k < 4; ++k) {
      if (t < kLowCuts[k + 1] * frame_s - 1e-6) return k;
    }
    return 3;
  };

  const RunResult r = run_reelpack(
      {"thumbs", clip.string(), "-o", out.string(), "-n", "3", "-p", "tiktok", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json report = json::parse(r.out);
  const json& search = report["search"];
  INFO("scores.csv:\n" << read_file(out / "scores.csv"));
  INFO("warnings: " << search["warnings"].dump());
  for (const json& c : search["candidates"]) {
    INFO("candidate at " << c["time_seconds"] << ": " << c.dump());
    CHECK(c["rejected"] != "dark");  // every frame of the scene shows a lit face
    REQUIRE(c.contains("exposure_figures"));
    CHECK(c["exposure_figures"]["frame_luma"].get<double>() < 0.3);
  }
  const json& picked = search["picked"];
  REQUIRE(picked.size() == 3);
  std::vector<int> shots;
  reelpack::FaceDetector faces;
  for (const json& p : picked) {
    const double t = p["cover_seconds"].get<double>();
    INFO("cover " << p.dump());
    const int shot = shot_of(t);
    shots.push_back(shot);
    // Not a transition: at least three frames from either cut of its shot.
    CHECK(t >= kLowCuts[shot] * frame_s + 3 * frame_s - 1e-6);
    CHECK(t <= kLowCuts[shot + 1] * frame_s - 3 * frame_s + 1e-6);
    CHECK(p["shot"].is_number_integer());
  }
  std::sort(shots.begin(), shots.end());
  CHECK(std::unique(shots.begin(), shots.end()) == shots.end());  // three different shots
  const json& covers = report["covers"];
  REQUIRE(covers.size() == 3);
  for (const json& c : covers) {
    const cv::Mat cover = decode_picture(c["path"].get<std::string>());
    CHECK(cover.cols == 1080);
    CHECK(cover.rows == 1920);
    cv::Mat small;
    cv::resize(cover, small, {540, 960}, 0, 0, cv::INTER_AREA);
    INFO("cover " << c["path"]);
    CHECK(!faces.detect(small).empty());
  }
}

}  // namespace

TEST_CASE(
    "thumbs: a low-key dialogue scene, keyframes only at its four cuts, gives a cover "
    "from each of three shots, each showing a face",
    "[thumbs][lowkey]") {
  TempDir dir;
  Speaker a, b;
  b.drawn.turn = -0.3;  // B looks across the table at A
  const fs::path clip = drawn_clip(
      dir / "dialogue.mp4", kLowFrames, kLowW, kLowH, kLowRate,
      [&](int i, cv::Mat& img) { low_key_frame(i, img, a, b); },
      "-g 250 -force_key_frames 'expr:eq(n,96)+eq(n,138)+eq(n,192)'");
  check_low_key_scene(clip, dir / "covers");
}

TEST_CASE("thumbs: the low-key dialogue scene with real faces (photos from python3-skimage)",
          "[thumbs][lowkey][photos]") {
  const fs::path photo = photo_dir() / "astronaut.png";
  REELPACK_SKIP_IF(
      !fs::exists(photo),
      photo.string() + " is missing (scripts/setup.sh unpacks it from python3-skimage)");
  TempDir dir;
  Speaker a, b;
  a.photo = decode_picture(photo);
  a.photo_face = {175, 70, 100, 120};
  // B: the same face mirrored, in cooler light, across the table.
  cv::flip(a.photo, b.photo, 1);
  b.photo = b.photo * 0.9 + cv::Scalar(12, 0, -10);
  b.photo_face = {a.photo.cols - 175 - 100, 70, 100, 120};
  const fs::path clip = drawn_clip(
      dir / "dialogue.mp4", kLowFrames, kLowW, kLowH, kLowRate,
      [&](int i, cv::Mat& img) { low_key_frame(i, img, a, b); },
      "-g 250 -force_key_frames 'expr:eq(n,96)+eq(n,138)+eq(n,192)'");
  check_low_key_scene(clip, dir / "covers");
}

TEST_CASE("thumbs: the sharp face wins, and no black, blurred or transition frame is chosen",
          "[thumbs]") {
  TempDir dir;
  // Keyframes every 0.4 s (sampled about once a second), then one keyframe only (the
  // whole clip is decoded and sampled on a time grid instead).
  for (const std::string gop : {"-g 10 -keyint_min 10 -sc_threshold 0", "-g 250 -sc_threshold 0"}) {
    DYNAMIC_SECTION("GOP options " << gop) {
      const fs::path clip =
          drawn_clip(dir / "planted.mp4", kPlantedFrames, kW, kH, kFps, planted, gop);
      const fs::path out = dir / "covers";
      const RunResult r = run_reelpack(
          {"thumbs", clip.string(), "-o", out.string(), "-n", "3", "-p", "tiktok", "--json"});
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
      const json report = json::parse(r.out);
      INFO("scores.csv:\n" << read_file(out / "scores.csv"));
      check_picks(report, 1);
      CHECK(report["search"]["dense_sampling"].get<bool>() ==
            (gop.find("250") != std::string::npos));
      // Each cover at the preset's size, as JPEG.
      REQUIRE(!report["covers"].empty());
      for (const json& c : report["covers"]) {
        const json s = first_stream(ffprobe(c["path"].get<std::string>()), "video");
        CHECK(s["codec_name"] == "mjpeg");
        CHECK(s["width"] == 1080);
        CHECK(s["height"] == 1920);
      }
      CHECK(fs::exists(out / "planted.tiktok.1.jpg"));
      // scores.csv: a header and one row per candidate; the chosen ones are marked.
      std::istringstream csv(read_file(out / "scores.csv"));
      std::string line;
      std::getline(csv, line);
      CHECK(line.rfind("time_seconds,shot,sharpness,exposure,contrast,faces,", 0) == 0);
      int rows = 0, chosen = 0;
      while (std::getline(csv, line)) {
        ++rows;
        std::vector<std::string> f;
        std::stringstream ls(line);
        for (std::string cell; std::getline(ls, cell, ',');) f.push_back(cell);
        if (f.size() > 10 && !f[10].empty()) ++chosen;
      }
      CHECK(rows == static_cast<int>(report["search"]["candidates"].size()));
      CHECK(chosen == static_cast<int>(report["search"]["picked"].size()));
      CHECK(list_dir(out).size() == report["covers"].size() + 1);  // nothing else, no temp files
      fs::remove_all(out);
    }
  }
}

TEST_CASE(
    "thumbs: a long span with too few keyframes is sampled densely without decoding "
    "every frame",
    "[thumbs][dense]") {
  TempDir dir;
  // 24 s (longer than the 20 s decoded frame by frame), one keyframe, B-frames.
  const fs::path clip = make_clip(dir / "take.mp4",
                                  "-f lavfi -i testsrc2=s=320x180:r=25:d=24 -c:v libx264 "
                                  "-preset veryfast -bf 3 -g 1000 -sc_threshold 0");
  const RunResult r = run_reelpack(
      {"thumbs", clip.string(), "-o", (dir / "out").string(), "-n", "1", "--no-faces", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json search = json::parse(r.out)["search"];
  CHECK(search["keyframes"] == 1);
  CHECK(search["wanted_candidates"] == 3);
  CHECK(search["sampling"] == "dense, reference frames only");
  CHECK(search["shots"]["source"] == "estimated from the candidates");
  CHECK(search["frames_decoded"].get<int>() < 24 * 25 * 3 / 4);
  CHECK(search["candidates"].size() >= 12);
  CHECK(fs::exists(dir / "out" / "take.1.jpg"));
}

TEST_CASE("thumbs: covers at each preset's size and in the asked format", "[thumbs]") {
  TempDir dir;
  const fs::path clip =
      drawn_clip(dir / "ep.mp4", kPlantedFrames, kW, kH, kFps, planted, "-g 10 -sc_threshold 0");
  for (const std::string format : {"png", "webp", "jpg"}) {
    DYNAMIC_SECTION("format " << format) {
      const fs::path out = dir / ("out-" + format);
      const RunResult r =
          run_reelpack({"thumbs", clip.string(), "-o", out.string(), "-n", "1", "-p", "tiktok",
                        "-p", "youtube-shorts", "--cover.width", "720", "--cover.height", "900",
                        "--format", format, "--reframe", "blur"});
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
      for (const std::string preset : {"tiktok", "youtube-shorts"}) {
        const fs::path cover = out / ("ep." + preset + ".1." + format);
        REQUIRE(fs::exists(cover));
        const json s = first_stream(ffprobe(cover), "video");
        CHECK(s["codec_name"] == (format == "jpg" ? "mjpeg" : format));
        CHECK(s["width"] == 720);
        CHECK(s["height"] == 900);
      }
    }
  }
  // Without presets: the source's own size.
  const RunResult r =
      run_reelpack({"thumbs", clip.string(), "-o", (dir / "plain").string(), "-n", "2"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  for (const char* name : {"ep.1.jpg", "ep.2.jpg"}) {
    const json s = first_stream(ffprobe(dir / "plain" / name), "video");
    CHECK(s["width"] == kW);
    CHECK(s["height"] == kH);
  }
}

TEST_CASE("thumbs --reframe smart keeps the face in a vertical cover", "[thumbs]") {
  TempDir dir;
  // 3 s: a sharp set with a face far left, where a centre crop would lose it.
  const fs::path clip = drawn_clip(
      dir / "left.mp4", 3 * kFps, kW, kH, kFps,
      [](int i, cv::Mat& img) {
        set_piece(img, {150, 110, 80}, 2, i);
        draw_face(img, {110, 150}, 150);
      },
      "-g 10");
  const auto skin_share = [](const fs::path& cover) {
    // The drawn face's skin (BGR about 150,180,225): its share of the cover's pixels.
    const fs::path png = cover.string() + ".png";
    make_clip(png, "-i " + shell_quote(cover.string()) + " -pix_fmt bgr24 -f image2");
    const RunResult raw =
        run("ffmpeg -v error -i " + shell_quote(png.string()) + " -f rawvideo -pix_fmt bgr24 -");
    const auto* px = reinterpret_cast<const unsigned char*>(raw.out.data());
    size_t skin = 0, n = raw.out.size() / 3;
    for (size_t k = 0; k < n; ++k) {
      const int b = px[3 * k], g = px[3 * k + 1], r = px[3 * k + 2];
      if (r > 180 && r > b + 40 && g > b + 10 && r > g + 15) ++skin;
    }
    return static_cast<double>(skin) / std::max<size_t>(1, n);
  };
  for (const std::string mode : {"smart", "center"}) {
    const RunResult r = run_reelpack({"thumbs", clip.string(), "-o", (dir / mode).string(), "-n",
                                      "1", "-p", "tiktok", "--reframe", mode});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  const double smart = skin_share(dir / "smart" / "left.tiktok.1.jpg");
  const double centre = skin_share(dir / "center" / "left.tiktok.1.jpg");
  INFO("skin share smart " << smart << ", centre " << centre);
  CHECK(smart > 0.03);
  CHECK(centre < 0.005);
}

TEST_CASE("thumbs on a phone recording turned by its display matrix", "[thumbs]") {
  TempDir dir;
  // Stored 640x360 with a face upright; the display matrix turns it 90 degrees, so it shows
  // 360x640 (the face lying on its side, as the player would show it).
  const fs::path stored = drawn_clip(
      dir / "stored.mp4", 3 * kFps, kW, kH, kFps,
      [](int i, cv::Mat& img) {
        set_piece(img, {150, 110, 80}, 2, i);
        cv::rectangle(img, cv::Rect(0, 0, 80, 60), {0, 0, 255},
                      cv::FILLED);  // a red corner, top left
      },
      "-g 10");
  const fs::path phone = make_clip(dir / "phone.mp4", "-i " + shell_quote(stored.string()) +
                                                          " -c copy -metadata:s:v:0 rotate=90");
  const RunResult r = run_reelpack({"thumbs", phone.string(), "-o", (dir / "out").string(), "-n",
                                    "1", "--format", "png", "--no-faces"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const fs::path cover = dir / "out" / "phone.1.png";
  const json s = first_stream(ffprobe(cover), "video");
  CHECK(s["width"] == kH);
  CHECK(s["height"] == kW);
  // The red corner where the ffmpeg command line (autorotate) shows it.
  const fs::path reference = dir / "ffmpeg.png";
  make_clip(reference, "-i " + shell_quote(phone.string()) + " -frames:v 1");
  const auto red_corners = [](const fs::path& picture) {
    std::string corners;
    for (const char* at : {"10:10", "310:10", "10:590", "310:590"}) {
      const RunResult px = run("ffmpeg -v error -i " + shell_quote(picture.string()) +
                               " -vf crop=40:40:" + at + ",scale=1:1 -f rawvideo -pix_fmt bgr24 -");
      REQUIRE(px.out.size() == 3u);
      const bool red =
          static_cast<unsigned char>(px.out[2]) > 200 && static_cast<unsigned char>(px.out[0]) < 60;
      corners += red ? "R" : ".";
    }
    return corners;
  };
  const std::string expected = red_corners(reference);
  CHECK(std::count(expected.begin(), expected.end(), 'R') == 1);
  CHECK(red_corners(cover) == expected);
}

TEST_CASE("thumbs --sprite: the VTT track covers the duration and tiles lie inside the sheet",
          "[thumbs][sprite]") {
  TempDir dir;
  const fs::path clip = make_clip(dir / "long.mp4",
                                  "-f lavfi -i testsrc2=s=480x270:r=25:d=23.4 -c:v libx264 "
                                  "-preset ultrafast -g 50");
  const fs::path out = dir / "web";
  const RunResult r =
      run_reelpack({"thumbs", clip.string(), "-o", out.string(), "-n", "1", "--sprite",
                    "--interval", "2", "--columns", "5", "--tile-width", "120", "--no-faces"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json sheet = first_stream(ffprobe(out / "sprite.jpg"), "video");
  const int sheet_w = sheet["width"], sheet_h = sheet["height"];
  CHECK(sheet_w == 5 * 120);
  CHECK(sheet_h == 3 * 68);  // 12 tiles of 120x68 (even height), 5 a row
  const double duration = number_field(ffprobe(clip)["format"], "duration");

  const std::string vtt = read_file(out / "sprite.vtt");
  REQUIRE(vtt.rfind("WEBVTT", 0) == 0);
  const std::regex cue(
      R"((\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)\n([^#\n]+)#xywh=(\d+),(\d+),(\d+),(\d+))");
  const auto secs = [](const std::smatch& m, int i) {
    return std::stoi(m[i]) * 3600 + std::stoi(m[i + 1]) * 60 + std::stoi(m[i + 2]) +
           std::stoi(m[i + 3]) / 1000.0;
  };
  double expected_start = 0;
  int cues = 0;
  for (auto it = std::sregex_iterator(vtt.begin(), vtt.end(), cue); it != std::sregex_iterator();
       ++it) {
    const std::smatch& m = *it;
    ++cues;
    CHECK(secs(m, 1) == Approx(expected_start).margin(0.0015));
    expected_start = secs(m, 5);
    CHECK(m[9] == "sprite.jpg");
    const int x = std::stoi(m[10]), y = std::stoi(m[11]), w = std::stoi(m[12]),
              h = std::stoi(m[13]);
    CHECK(x + w <= sheet_w);
    CHECK(y + h <= sheet_h);
  }
  CHECK(cues == 12);
  CHECK(expected_start == Approx(duration).margin(0.05));  // the last cue ends at the end

  // Tiles show the frame of their time: testsrc2 moves, so neighbouring tiles differ.
  const RunResult crop = run("ffmpeg -v error -i " + shell_quote((out / "sprite.jpg").string()) +
                             " -vf crop=240:68:0:0 -f rawvideo -pix_fmt gray -");
  REQUIRE(crop.out.size() == 240u * 68u);
  double diff = 0;
  for (int y = 0; y < 68; ++y) {
    for (int x = 0; x < 120; ++x) {
      diff += std::abs(static_cast<int>(static_cast<unsigned char>(crop.out[y * 240 + x])) -
                       static_cast<unsigned char>(crop.out[y * 240 + 120 + x]));
    }
  }
  CHECK(diff / (120 * 68) > 2);

  // --rows 2: ten tiles fill the first sheet, the last two start sprite-2.jpg.
  const fs::path paged = dir / "paged";
  const RunResult r2 = run_reelpack({"thumbs", clip.string(), "-o", paged.string(), "-n", "1",
                                     "--sprite", "--interval", "2", "--columns", "5",
                                     "--tile-width", "120", "--rows", "2", "--no-faces"});
  INFO(r2.err);
  REQUIRE(r2.exit_code == 0);
  const json first = first_stream(ffprobe(paged / "sprite.jpg"), "video");
  const json second = first_stream(ffprobe(paged / "sprite-2.jpg"), "video");
  CHECK(first["height"] == 2 * 68);
  CHECK(second["width"] == 2 * 120);  // a sheet is as wide as its tiles
  CHECK(second["height"] == 68);
  const std::string paged_vtt = read_file(paged / "sprite.vtt");
  CHECK(paged_vtt.find("sprite-2.jpg#xywh=0,0,120,68") != std::string::npos);
  CHECK(paged_vtt.find("sprite-2.jpg#xywh=120,0,120,68") != std::string::npos);
}

TEST_CASE("package --cover writes the best frame beside each output", "[thumbs][package]") {
  TempDir dir;
  const fs::path clip = drawn_clip(dir / "ep01.mp4", kPlantedFrames, kW, kH, kFps, planted,
                                   "-f lavfi -i sine=d=14 -g 10 -sc_threshold 0 -shortest");
  const fs::path out = dir / "out";
  const RunResult r = run_reelpack({"package", clip.string(), "-o", out.string(), "-p", "tiktok",
                                    "-p", "instagram-reels", "--cover", "--video.width", "360",
                                    "--video.height", "640", "--video.encoder-preset", "ultrafast",
                                    "--cover.width", "540", "--cover.height", "960"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  for (const char* preset : {"tiktok", "instagram-reels"}) {
    const fs::path cover = out / ("ep01." + std::string(preset) + ".jpg");
    REQUIRE(fs::exists(cover));
    const json s = first_stream(ffprobe(cover), "video");
    CHECK(s["codec_name"] == "mjpeg");
    CHECK(s["width"] == 540);
    CHECK(s["height"] == 960);
    CHECK(fs::exists(out / ("ep01." + std::string(preset) + ".mp4")));
  }
  // With a range, the cover comes from inside it: 10-13 s holds shot D and the fade out.
  const fs::path ranged = dir / "ranged";
  const RunResult rr =
      run_reelpack({"package", clip.string(), "-o", ranged.string(), "-p", "tiktok", "--cover",
                    "--range", "10-13", "--video.width", "360", "--video.height", "640",
                    "--video.encoder-preset", "ultrafast", "--json"});
  INFO(rr.err);
  REQUIRE(rr.exit_code == 0);
  REQUIRE(fs::exists(ranged / "ep01.tiktok.jpg"));
  const json covers = json::parse(rr.out)["covers"];
  REQUIRE(covers.size() == 1);
  CHECK(covers[0]["path"] == (ranged / "ep01.tiktok.jpg").string());
  CHECK(covers[0]["time_seconds"].get<double>() >= 10.0);
  CHECK(covers[0]["time_seconds"].get<double>() < 13.0);
  // Shot D's green wall, not shot C's blue one: the picture's average colour.
  const RunResult avg =
      run("ffmpeg -v error -i " + shell_quote((ranged / "ep01.tiktok.jpg").string()) +
          " -vf scale=1:1:flags=area -f rawvideo -pix_fmt bgr24 -");
  REQUIRE(avg.out.size() == 3);
  CHECK(static_cast<unsigned char>(avg.out[1]) > static_cast<unsigned char>(avg.out[0]) + 20);
}

TEST_CASE("thumbs: bad input gets a clear error and writes nothing", "[thumbs][errors]") {
  TempDir dir;
  const fs::path out = dir / "out";
  RunResult r = run_reelpack({"thumbs", (dir / "missing.mp4").string(), "-o", out.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("missing.mp4") != std::string::npos);
  CHECK(!fs::exists(out));

  const fs::path audio = make_clip(dir / "voice.m4a", "-f lavfi -i sine=d=1");
  r = run_reelpack({"thumbs", audio.string(), "-o", out.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("voice.m4a") != std::string::npos);
  CHECK(r.err.find("no video") != std::string::npos);
  CHECK((!fs::exists(out) || list_dir(out).empty()));

  const fs::path clip = make_clip(dir / "ok.mp4", "-f lavfi -i testsrc2=s=320x180:r=25:d=2");
  r = run_reelpack({"thumbs", clip.string(), "-o", out.string(), "--format", "gif"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("gif") != std::string::npos);
  r = run_reelpack({"thumbs", clip.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("-o") != std::string::npos);
  r = run_reelpack({"thumbs", clip.string(), "-o", out.string(), "-n", "0"});
  CHECK(r.exit_code == 2);

  // A file that is not media.
  std::ofstream(dir / "notes.mp4") << "not a video";
  r = run_reelpack({"thumbs", (dir / "notes.mp4").string(), "-o", out.string()});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("notes.mp4") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);

  // --dry-run plans and writes nothing.
  r = run_reelpack({"thumbs", clip.string(), "-o", (dir / "dry").string(), "--dry-run", "--json"});
  CHECK(r.exit_code == 0);
  CHECK(!fs::exists(dir / "dry"));
  CHECK(!json::parse(r.out)["covers"].empty());
}
