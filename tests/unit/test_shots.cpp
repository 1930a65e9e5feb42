// Shot-boundary detection on drawn 256x144 frames at 30 fps: hard cuts, fades and
// dissolves found where they were drawn; pans, moving subjects, flashes and noise not.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "analysis/shot_detector.h"
#include "core/error.h"

using namespace reelpack;

namespace {

const cv::Size kFrame{256, 144};
const Rational kFps{30, 1};

using FrameAt = std::function<cv::Mat(int64_t)>;

std::vector<ShotBoundary> detect(int64_t frames, const FrameAt& frame_at,
                                 ShotDetectorOptions options = {}) {
  ShotDetector detector(kFps, options);
  for (int64_t i = 0; i < frames; ++i) detector.push(frame_at(i));
  return detector.finish();
}

void add_noise(cv::Mat& img, double sigma, cv::RNG& rng) {
  if (sigma <= 0) return;
  cv::Mat noise(img.size(), CV_16SC3);
  rng.fill(noise, cv::RNG::NORMAL, 0, sigma);
  cv::add(img, noise, img, cv::noArray(), CV_8UC3);
}

// A scene: a gradient between two colours, a few shapes and some fine texture.
cv::Mat drawn_scene(uint64_t seed, cv::Scalar from, cv::Scalar to) {
  cv::RNG rng(seed);
  cv::Mat img(kFrame, CV_8UC3);
  for (int y = 0; y < img.rows; ++y) {
    for (int x = 0; x < img.cols; ++x) {
      const double a = (x + 0.5 * y) / (img.cols + 0.5 * img.rows);
      const cv::Scalar c = from * (1 - a) + to * a;
      img.at<cv::Vec3b>(y, x) =
          cv::Vec3b(cv::saturate_cast<uint8_t>(c[0]), cv::saturate_cast<uint8_t>(c[1]),
                    cv::saturate_cast<uint8_t>(c[2]));
    }
  }
  for (int i = 0; i < 6; ++i) {
    const cv::Scalar colour(rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0, 256));
    const cv::Point centre(rng.uniform(0, img.cols), rng.uniform(0, img.rows));
    if (i % 2) {
      cv::circle(img, centre, rng.uniform(8, 30), colour, cv::FILLED, cv::LINE_AA);
    } else {
      cv::rectangle(img, cv::Rect(centre.x, centre.y, rng.uniform(10, 60), rng.uniform(10, 40)),
                    colour, cv::FILLED);
    }
  }
  cv::Mat texture(kFrame, CV_16SC3);
  rng.fill(texture, cv::RNG::NORMAL, 0, 12);
  cv::GaussianBlur(texture, texture, {5, 5}, 1.2);
  cv::add(img, texture, img, cv::noArray(), CV_8UC3);
  return img;
}

// Two scenes with the same colours in the same shares (so the same mean colour and
// histogram) but a different layout: red/green stripes, and red/green blocks.
cv::Mat stripes_scene() {
  cv::Mat img(kFrame, CV_8UC3);
  for (int x = 0; x < img.cols; ++x) {
    const cv::Scalar c = (x / 16) % 2 ? cv::Scalar(40, 170, 60) : cv::Scalar(50, 60, 180);
    img.col(x).setTo(c);
  }
  return img;
}
cv::Mat blocks_scene() {
  cv::Mat img(kFrame, CV_8UC3);
  for (int y = 0; y < img.rows; y += 24) {
    for (int x = 0; x < img.cols; x += 32) {
      const bool green = ((x / 32) + (y / 24)) % 2;
      img(cv::Rect(x, y, 32, std::min(24, img.rows - y)))
          .setTo(green ? cv::Scalar(40, 170, 60) : cv::Scalar(50, 60, 180));
    }
  }
  return img;
}

const std::vector<cv::Mat>& scenes() {
  static const std::vector<cv::Mat> s = {
      drawn_scene(1, {200, 120, 40}, {120, 60, 20}),  // blue
      drawn_scene(2, {30, 140, 240}, {20, 80, 160}),  // orange
      drawn_scene(3, {60, 180, 60}, {30, 90, 40}),    // green
      stripes_scene(),
      blocks_scene(),
      drawn_scene(4, {200, 200, 200}, {90, 90, 90}),  // grey
  };
  return s;
}

// Frame i of a scene: a small square drifting across it (life in the shot) and noise.
cv::Mat live(const cv::Mat& scene, int64_t i, double noise_sigma, cv::RNG& rng) {
  cv::Mat f = scene.clone();
  const int x = static_cast<int>((i * 3) % (kFrame.width + 40)) - 40;
  cv::rectangle(f, cv::Rect(x, 90, 24, 24), cv::Scalar(230, 230, 240), cv::FILLED);
  add_noise(f, noise_sigma, rng);
  return f;
}

// Which scene each frame shows, given the first frame of each scene after the first.
size_t scene_at(int64_t i, const std::vector<int64_t>& cuts) {
  size_t k = 0;
  while (k < cuts.size() && i >= cuts[k]) ++k;
  return k;
}

cv::Mat blend(const cv::Mat& a, const cv::Mat& b, double alpha) {
  cv::Mat out;
  cv::addWeighted(a, 1 - alpha, b, alpha, 0, out);
  return out;
}

cv::Mat scaled(const cv::Mat& a, double gain) {
  cv::Mat out;
  a.convertTo(out, -1, gain);
  return out;
}

std::string describe(const std::vector<ShotBoundary>& boundaries) {
  std::string s;
  for (const ShotBoundary& b : boundaries) {
    s += std::to_string(b.frame) + " " + to_string(b.kind) + " [" + std::to_string(b.span_start) +
         ", " + std::to_string(b.span_end) + "] score " + std::to_string(b.score) + "\n";
  }
  return s.empty() ? "none" : s;
}

// A smooth random landscape seven screens wide: low-resolution random colours around
// two hues (sky over fields), enlarged, with fine texture on top.
const cv::Mat& landscape() {
  static const cv::Mat wide = [] {
    cv::RNG rng(5);
    cv::Mat coarse(8, 48, CV_8UC3);
    for (int y = 0; y < coarse.rows; ++y) {
      for (int x = 0; x < coarse.cols; ++x) {
        const int hue = (y < 3 ? 100 : 40) + rng.uniform(-12, 12);
        coarse.at<cv::Vec3b>(y, x) =
            cv::Vec3b(static_cast<uint8_t>(hue), static_cast<uint8_t>(rng.uniform(60, 200)),
                      static_cast<uint8_t>(rng.uniform(70, 230)));
      }
    }
    cv::cvtColor(coarse, coarse, cv::COLOR_HSV2BGR);
    cv::Mat out;
    cv::resize(coarse, out, {1800, 180}, 0, 0, cv::INTER_CUBIC);
    cv::Mat texture(out.size(), CV_16SC3);
    rng.fill(texture, cv::RNG::NORMAL, 0, 14);
    cv::GaussianBlur(texture, texture, {5, 5}, 1.0);
    cv::add(out, texture, out, cv::noArray(), CV_8UC3);
    return out;
  }();
  return wide;
}

// Frame i of a pan across the landscape at speed_px a frame, with a slow tilt.
cv::Mat pan(int64_t i, int speed_px, cv::RNG& rng) {
  const int y = 18 + static_cast<int>(std::lround(14 * std::sin(i / 25.0)));
  const int x = static_cast<int>(i) * speed_px;
  cv::Mat f = landscape()(cv::Rect(x, y, kFrame.width, kFrame.height)).clone();
  add_noise(f, 3, rng);
  return f;
}

// Cells of random colours (hues within 40 degrees of hue_deg), 12 px, lightly blurred:
// every step of the camera changes most pixels, so the content score is high and uneven
// from frame to frame.
cv::Mat busy_texture(uint64_t seed, int hue_deg) {
  cv::RNG rng(seed);
  cv::Mat cells(40, 60, CV_8UC3);
  for (int y = 0; y < cells.rows; ++y) {
    for (int x = 0; x < cells.cols; ++x) {
      const int hue = (hue_deg + rng.uniform(-40, 41) + 360) % 360 / 2;
      cells.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<uint8_t>(hue), static_cast<uint8_t>(rng.uniform(40, 256)),
                    static_cast<uint8_t>(rng.uniform(40, 256)));
    }
  }
  cv::cvtColor(cells, cells, cv::COLOR_HSV2BGR);
  cv::Mat out;
  cv::resize(cells, out, {720, 480}, 0, 0, cv::INTER_NEAREST);
  cv::GaussianBlur(out, out, {3, 3}, 0.8);
  return out;
}

// Frame i of a handheld camera drifting over a texture, shaking by up to shake_px.
cv::Mat shaky(const cv::Mat& texture, int64_t i, int shake_px, cv::RNG& rng) {
  const int x = 100 + static_cast<int>(i) + rng.uniform(-shake_px, shake_px + 1);
  const int y = 150 + rng.uniform(-shake_px, shake_px + 1);
  cv::Mat f = texture(cv::Rect(x, y, kFrame.width, kFrame.height)).clone();
  add_noise(f, 2, rng);
  return f;
}

}  // namespace

TEST_CASE("hard cuts between six scenes are found to the frame", "[shots]") {
  // Scenes 3 and 4 share their colours and mean colour; only the layout differs.
  const std::vector<int64_t> cuts = {40, 95, 150, 230, 262};
  const double sigma = GENERATE(0.0, 3.0, 8.0);
  INFO("noise sigma " << sigma);
  cv::RNG rng(7);
  const auto found =
      detect(330, [&](int64_t i) { return live(scenes()[scene_at(i, cuts)], i, sigma, rng); });
  INFO(describe(found));
  REQUIRE(found.size() == cuts.size());
  for (size_t k = 0; k < cuts.size(); ++k) {
    CHECK(std::abs(found[k].frame - cuts[k]) <= 1);
    CHECK(found[k].kind == TransitionKind::Cut);
  }
}

TEST_CASE("a subject moving through a still shot is not a cut", "[shots]") {
  cv::RNG rng(11);
  const cv::Mat& scene = scenes()[2];
  const auto found = detect(240, [&](int64_t i) {
    cv::Mat f = scene.clone();
    // A tall figure walking across, and a ball thrown quickly the other way.
    const int walker_x = static_cast<int>(i * 1.5) - 50;
    cv::rectangle(f, cv::Rect(walker_x, 20, 50, 110), cv::Scalar(40, 40, 160), cv::FILLED);
    cv::circle(f, {static_cast<int>(300 - (i * 9) % 360), 50}, 18, cv::Scalar(0, 220, 255),
               cv::FILLED, cv::LINE_AA);
    add_noise(f, 3, rng);
    return f;
  });
  INFO(describe(found));
  CHECK(found.empty());
}

TEST_CASE("a camera pan over one wide scene is not a cut", "[shots]") {
  const int speed_px = GENERATE(2, 5, 8, 12);  // per frame: 60 to 360 px a second
  INFO("pan speed " << speed_px << " px/frame");
  cv::RNG rng(5);
  const int64_t frames = (landscape().cols - kFrame.width) / speed_px;
  const auto found = detect(frames, [&](int64_t i) { return pan(i, speed_px, rng); });
  INFO(describe(found));
  CHECK(found.empty());
}

TEST_CASE("a shaky, fast camera over busy texture is not a cut", "[shots]") {
  // The jumps of a shaking camera stand out from their neighbours as a cut does; a small
  // shift of the previous frame explains them.
  const int shake_px = GENERATE(3, 8);
  INFO("shake " << shake_px << " px");
  const cv::Mat texture = busy_texture(1, 200);
  for (uint64_t seed = 41; seed < 51; ++seed) {
    cv::RNG rng(seed);
    const auto found = detect(240, [&](int64_t i) { return shaky(texture, i, shake_px, rng); });
    INFO("seed " << seed << ": " << describe(found));
    CHECK(found.empty());
  }
}

TEST_CASE("cuts between moving shots are found", "[shots]") {
  // Shaky over one texture, shaky over another in other colours, a pan, a still shot with a
  // subject moving.
  const cv::Mat texture_a = busy_texture(1, 200), texture_b = busy_texture(2, 30);
  cv::RNG rng(43);
  const auto found = detect(360, [&](int64_t i) {
    if (i < 90) return shaky(texture_a, i, 6, rng);
    if (i < 180) return shaky(texture_b, i, 6, rng);
    if (i < 270) return pan(i - 180, 5, rng);
    return live(scenes()[0], i, 3, rng);
  });
  INFO(describe(found));
  REQUIRE(found.size() == 3);
  CHECK(found[0].frame == 90);
  CHECK(found[1].frame == 180);
  CHECK(found[2].frame == 270);
}

TEST_CASE("flashes of one or two frames are not cuts", "[shots]") {
  cv::RNG rng(13);
  const cv::Mat white(kFrame, CV_8UC3, cv::Scalar::all(255));
  const cv::Mat black(kFrame, CV_8UC3, cv::Scalar::all(0));
  const cv::Mat& scene = scenes()[0];
  SECTION("one white frame") {
    const auto found =
        detect(200, [&](int64_t i) { return i == 100 ? white.clone() : live(scene, i, 3, rng); });
    INFO(describe(found));
    CHECK(found.empty());
  }
  SECTION("two white frames") {
    const auto found = detect(200, [&](int64_t i) {
      return i == 100 || i == 101 ? white.clone() : live(scene, i, 3, rng);
    });
    INFO(describe(found));
    CHECK(found.empty());
  }
  SECTION("a camera flash: one frame overexposed, the next still bright") {
    const auto found = detect(200, [&](int64_t i) {
      cv::Mat f = live(scene, i, 3, rng);
      if (i == 100) f.convertTo(f, -1, 1.8, 70);
      if (i == 101) f.convertTo(f, -1, 1.3, 25);
      return f;
    });
    INFO(describe(found));
    CHECK(found.empty());
  }
  SECTION("one black frame") {
    const auto found =
        detect(200, [&](int64_t i) { return i == 100 ? black.clone() : live(scene, i, 3, rng); });
    INFO(describe(found));
    CHECK(found.empty());
  }
}

TEST_CASE("a fade through black is one boundary inside the fade", "[shots]") {
  // Out over frames 100..114 to black, in over 115..129 (one second in all).
  cv::RNG rng(17);
  const double sigma = GENERATE(0.0, 4.0);
  INFO("noise sigma " << sigma);
  const cv::Mat& a = scenes()[1];
  const cv::Mat& b = scenes()[2];
  const auto found = detect(240, [&](int64_t i) {
    cv::Mat f;
    if (i < 100) {
      f = live(a, i, 0, rng);
    } else if (i < 115) {
      f = scaled(live(a, i, 0, rng), 1 - (i - 99) / 15.0);
    } else if (i < 130) {
      f = scaled(live(b, i, 0, rng), (i - 114) / 15.0);
    } else {
      f = live(b, i, 0, rng);
    }
    add_noise(f, sigma, rng);
    return f;
  });
  INFO(describe(found));
  REQUIRE(found.size() == 1);
  CHECK(found[0].kind == TransitionKind::Fade);
  CHECK(found[0].frame >= 100);
  CHECK(found[0].frame <= 129);
  CHECK(found[0].span_start >= 98);
  CHECK(found[0].span_end <= 131);
}

TEST_CASE("a cut to black and a cut back is one fade boundary", "[shots]") {
  cv::RNG rng(19);
  const auto found = detect(200, [&](int64_t i) {
    if (i >= 90 && i < 100) return cv::Mat(kFrame, CV_8UC3, cv::Scalar::all(0));
    return live(scenes()[i < 90 ? 0 : 5], i, 3, rng);
  });
  INFO(describe(found));
  REQUIRE(found.size() == 1);
  CHECK(found[0].kind == TransitionKind::Fade);
  CHECK(found[0].frame >= 90);
  CHECK(found[0].frame <= 100);
}

TEST_CASE("black before the first picture and after the last is not a boundary", "[shots]") {
  // One second of black, a one-second fade in, ..., a one-second fade out, black.
  cv::RNG rng(47);
  const auto found = detect(300, [&](int64_t i) {
    const double gain = std::clamp(std::min((i - 30) / 30.0, (269 - i) / 30.0), 0.0, 1.0);
    cv::Mat f = scaled(live(scenes()[1], i, 0, rng), gain);
    add_noise(f, 2, rng);
    return f;
  });
  INFO(describe(found));
  CHECK(found.empty());
}

TEST_CASE("a dissolve is one boundary inside the dissolve", "[shots]") {
  const int length = GENERATE(15, 30, 45);  // half a second to one and a half
  const double sigma = GENERATE(0.0, 4.0);
  INFO(length << " frames, noise sigma " << sigma);
  cv::RNG rng(23);
  const int64_t start = 100;
  const cv::Mat& a = scenes()[0];
  const cv::Mat& b = scenes()[2];
  const auto found = detect(start + length + 120, [&](int64_t i) {
    const double alpha = std::clamp((i - start + 1) / (length + 1.0), 0.0, 1.0);
    return blend(live(a, i, sigma, rng), live(b, i, sigma, rng), alpha);
  });
  INFO(describe(found));
  REQUIRE(found.size() == 1);
  CHECK(found[0].kind == TransitionKind::Dissolve);
  CHECK(found[0].frame >= start);
  CHECK(found[0].frame < start + length);
  CHECK(found[0].span_start >= start - 1);
  CHECK(found[0].span_end <= start + length);
}

TEST_CASE("noise alone, however strong, is not a cut", "[shots]") {
  const double sigma = GENERATE(6.0, 12.0, 20.0);
  INFO("noise sigma " << sigma);
  cv::RNG rng(29);
  const cv::Mat& scene = scenes()[5];
  const auto found = detect(300, [&](int64_t) {
    cv::Mat f = scene.clone();
    add_noise(f, sigma, rng);
    return f;
  });
  INFO(describe(found));
  CHECK(found.empty());
}

TEST_CASE("shots shorter than min_shot_seconds are merged, keeping the stronger cut", "[shots]") {
  // Scene 1 lasts 10 frames (a third of a second) between scenes 0 and 2.
  cv::RNG rng(31);
  const auto frame_at = [&](int64_t i) {
    return live(scenes()[i < 60 ? 0 : i < 70 ? 1 : 2], i, 2, rng);
  };
  const auto merged = detect(150, frame_at);  // 0.5 s = 15 frames
  INFO(describe(merged));
  REQUIRE(merged.size() == 1);
  CHECK((merged[0].frame == 60 || merged[0].frame == 70));

  ShotDetectorOptions short_shots;
  short_shots.min_shot_seconds = 0.2;
  const auto both = detect(150, frame_at, short_shots);
  INFO(describe(both));
  REQUIRE(both.size() == 2);
  CHECK(both[0].frame == 60);
  CHECK(both[1].frame == 70);

  // Nor may the first or last shot be shorter.
  const auto early =
      detect(150, [&](int64_t i) { return live(scenes()[i < 8 ? 0 : 2], i, 2, rng); });
  INFO(describe(early));
  CHECK(early.empty());
  ShotDetectorOptions every;
  every.min_shot_seconds = 0;
  const auto kept = detect(
      150, [&](int64_t i) { return live(scenes()[i < 8 ? 0 : 2], i, 2, rng); }, every);
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].frame == 8);

  const auto shots = shots_from_boundaries(both, 150);
  REQUIRE(shots.size() == 3);
  CHECK(shots[0].start_frame == 0);
  CHECK(shots[0].end_frame == 60);
  CHECK(shots[1].start_frame == 60);
  CHECK(shots[1].end_frame == 70);
  CHECK(shots[2].start_frame == 70);
  CHECK(shots[2].end_frame == 150);
}

TEST_CASE("shots_from_boundaries covers every frame once", "[shots]") {
  CHECK(shots_from_boundaries({}, 0).empty());
  const auto whole = shots_from_boundaries({}, 90);
  REQUIRE(whole.size() == 1);
  CHECK(whole[0].start_frame == 0);
  CHECK(whole[0].end_frame == 90);

  std::vector<ShotBoundary> b(4);
  b[0].frame = 10;
  b[1].frame = 25;
  b[2].frame = 25;   // a duplicate is ignored
  b[3].frame = 500;  // past the end is ignored
  const auto shots = shots_from_boundaries(b, 100);
  REQUIRE(shots.size() == 3);
  int64_t next = 0;
  for (const Shot& s : shots) {
    CHECK(s.start_frame == next);
    CHECK(s.end_frame > s.start_frame);
    next = s.end_frame;
  }
  CHECK(next == 100);
}

// Pushes the frames, asking settled() after each one; then checks every answer against
// finish(): the same boundaries before its `until`, and none missing there.
void check_settled(int64_t frames, const FrameAt& frame_at, size_t boundaries,
                   int64_t settle_lag = 40, ShotDetectorOptions options = {}) {
  ShotDetector detector(kFps, options);
  std::vector<ShotDetector::Settled> answers;
  for (int64_t i = 0; i < frames; ++i) {
    detector.push(frame_at(i));
    answers.push_back(detector.settled());
  }
  const std::vector<ShotBoundary> final_boundaries = detector.finish();
  INFO("final: " << describe(final_boundaries));
  CHECK(final_boundaries.size() == boundaries);
  int64_t furthest = 0;
  for (size_t n = 0; n < answers.size(); ++n) {
    const ShotDetector::Settled& a = answers[n];
    INFO("after frame " << n << ", settled until " << a.until << ": " << describe(a.boundaries));
    CHECK(a.until <= static_cast<int64_t>(n) + 1);
    std::vector<ShotBoundary> expected;
    for (const ShotBoundary& b : final_boundaries) {
      if (b.frame < a.until) expected.push_back(b);
    }
    REQUIRE(a.boundaries.size() == expected.size());
    for (size_t k = 0; k < expected.size(); ++k) {
      CHECK(a.boundaries[k].frame == expected[k].frame);
      CHECK(a.boundaries[k].kind == expected[k].kind);
    }
    furthest = std::max(furthest, a.until);
  }
  // Long enough inputs settle well before their end.
  // While the picture holds, the boundaries settle about a second behind the last frame
  // (min_shot_seconds and half of gradual_window_seconds, plus a few frames).
  CHECK(furthest >= frames - settle_lag);
}

TEST_CASE("settled boundaries are the ones finish() returns", "[shots]") {
  cv::RNG rng(41);
  SECTION("cuts, including two closer than the shortest shot") {
    const std::vector<int64_t> cuts = {40, 95, 150, 230, 240, 262, 330};
    check_settled(
        420, [&](int64_t i) { return live(scenes()[scene_at(i, cuts) % 6], i, 3, rng); }, 6);
  }
  SECTION("a fade through black, and black at the end") {
    check_settled(
        330,
        [&](int64_t i) {
          if (i < 100) return live(scenes()[1], i, 0, rng);
          if (i < 115) return scaled(live(scenes()[1], i, 0, rng), 1 - (i - 99) / 15.0);
          if (i < 130) return scaled(live(scenes()[2], i, 0, rng), (i - 114) / 15.0);
          if (i < 300) return live(scenes()[2], i, 0, rng);
          return scaled(scenes()[2], 0.0);
        },
        1, 64);  // black from frame 300: settled up to its ramp, less the shortest shot
  }
  SECTION("a long black stretch between two scenes") {
    check_settled(
        420,
        [&](int64_t i) {
          if (i < 90) return live(scenes()[0], i, 2, rng);
          if (i < 250) return scaled(scenes()[0], 0.0);
          return live(scenes()[3], i, 2, rng);
        },
        1);
  }
  SECTION("dissolves of half a second and a second and a half") {
    check_settled(
        480,
        [&](int64_t i) {
          const double first = std::clamp((i - 99) / 16.0, 0.0, 1.0);
          const double second = std::clamp((i - 279) / 46.0, 0.0, 1.0);
          const cv::Mat ab =
              blend(live(scenes()[0], i, 2, rng), live(scenes()[2], i, 2, rng), first);
          return blend(ab, live(scenes()[4], i, 2, rng), second);
        },
        2);
  }
  SECTION("flashes") {
    check_settled(
        300,
        [&](int64_t i) {
          if (i == 80 || i == 81) return scaled(scenes()[5], 1.6);
          if (i == 160) return scaled(scenes()[1], 0.0);
          return live(scenes()[1], i, 2, rng);
        },
        0);
  }
}

TEST_CASE("options and frames are checked", "[shots]") {
  CHECK_THROWS_AS(ShotDetector(Rational{0, 1}), UsageError);
  ShotDetectorOptions bad;
  bad.flash_similarity = 2;
  CHECK_THROWS_AS(ShotDetector(kFps, bad), UsageError);
  bad = {};
  bad.min_shot_seconds = -1;
  CHECK_THROWS_AS(ShotDetector(kFps, bad), UsageError);

  ShotDetector d(kFps);
  CHECK_THROWS_AS(d.push(cv::Mat()), std::invalid_argument);
  CHECK_THROWS_AS(d.push(cv::Mat(kFrame, CV_8UC1, cv::Scalar(0))), std::invalid_argument);
  d.push(scenes()[0]);
  CHECK_THROWS_AS(d.push(cv::Mat(64, 64, CV_8UC3, cv::Scalar::all(0))), std::invalid_argument);
  CHECK(d.frame_count() == 1);
  CHECK(d.finish().empty());
}

TEST_CASE("per-frame cost of push() on 256x144 frames", "[shots][timing]") {
  // Reported, not judged: timings depend on the machine and its load. Each cut costs a
  // camera-move check on top, so a stream with a cut every second is timed as well.
  cv::RNG rng(37);
  std::vector<cv::Mat> frames;
  for (int64_t i = 0; i < 90; ++i) frames.push_back(live(scenes()[(i / 30) % 3], i, 4, rng));
  const auto time_push = [&](bool cuts) {
    constexpr int64_t kFrames = 3000;
    ShotDetector detector(kFps);
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < kFrames; ++i) {
      detector.push(frames[static_cast<size_t>(cuts ? i % 90 : i % 30)]);
    }
    const auto t1 = std::chrono::steady_clock::now();
    const auto found = detector.finish();
    const auto t2 = std::chrono::steady_clock::now();
    using Us = std::chrono::duration<double, std::micro>;
    const double push_us = Us(t1 - t0).count() / kFrames;
    const double finish_us = Us(t2 - t1).count();
    WARN((cuts ? "a cut every second" : "one shot")
         << ": push() " << push_us << " us/frame over " << kFrames << " frames; finish() "
         << finish_us << " us");
    return found.size();
  };
  CHECK(time_push(false) == 0);
  CHECK(time_push(true) == 99);  // a cut every 30 frames
}
