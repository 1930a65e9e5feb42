// SubjectDetector on drawn faces (tests/support/drawn_face.h) over a textured background at
// the analysis size (480x270): which views the Haar cascades (the fallback) and BlazeFace
// (when its model is installed) find and which they do not, where the box lands, the
// following of a face between samples, and the errors without the cascades or the model.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <opencv2/imgproc.hpp>

#include "analysis/blazeface_detector.h"
#include "analysis/subject_detector.h"
#include "core/error.h"
#include "support/drawn_face.h"
#include "support/files.h"
#include "support/skip.h"

using namespace reelpack;
using reelpack::test::draw_face;
using reelpack::test::DrawnFace;
using reelpack::test::face_box;

namespace {

cv::Mat background() {
  cv::Mat img(270, 480, CV_8UC3, cv::Scalar(90, 110, 80));
  for (int k = 0; k < 20; ++k) {
    cv::rectangle(img, cv::Rect(k * 24, 200, 12, 70), cv::Scalar(60 + k * 5, 80, 100), cv::FILLED);
  }
  cv::Mat noise(img.size(), CV_8UC3);
  cv::theRNG().state = 7;  // the same grain every run
  cv::randn(noise, 0, 4);
  img += noise;
  return img;
}

cv::Mat scene(cv::Point centre, int height, DrawnFace how = {}) {
  cv::Mat img = background();
  draw_face(img, centre, height, how);
  cv::GaussianBlur(img, img, {3, 3}, 0);  // a camera's softness
  return img;
}

// The detection overlapping the true face box most, as a share of the true box.
double best_overlap(const std::vector<SubjectBox>& found, const cv::Rect& truth) {
  double best = 0;
  for (const SubjectBox& s : found) {
    best = std::max(best, static_cast<double>((s.box & truth).area()) / truth.area());
  }
  return best;
}

// The cascades alone, whether or not BlazeFace is installed.
SubjectDetectorOptions haar_only() {
  SubjectDetectorOptions o;
  o.use_blazeface = false;
  return o;
}

}  // namespace

TEST_CASE("the Haar cascades find a drawn face in the views smart reframing meets", "[faces]") {
  SubjectDetector detector(haar_only());
  struct Case {
    const char* name;
    int height;
    DrawnFace how;
  };
  // Found by the upright passes: frontal at several sizes down to 36 px (an eighth of the
  // frame height), three-quarter views either way, heads tilted up to 10 degrees.
  const Case found[] = {{"frontal", 120, {}},
                        {"frontal medium", 80, {}},
                        {"small (40 px)", 40, {}},
                        {"small (36 px)", 36, {}},
                        {"three-quarter", 120, {0, 0.6}},
                        {"three-quarter other way", 120, {0, -0.6}},
                        {"nearly profile", 120, {0, 0.9}},
                        {"tilted 10 degrees", 120, {10, 0}},
                        {"tilted -10 degrees", 120, {-10, 0}}};
  for (const Case& c : found) {
    SECTION(c.name) {
      const cv::Point centre(240, 130);
      const auto faces = detector.detect(scene(centre, c.height, c.how));
      INFO(c.name << ": " << faces.size() << " found");
      REQUIRE(!faces.empty());
      CHECK(best_overlap(faces, face_box(centre, c.height)) >= 0.6);
      CHECK(faces.size() <= 2);  // at most a stray box beside the face
      CHECK(faces.front().confidence > 0.3);
    }
  }
}

TEST_CASE("strongly tilted heads need the cascades' tilted passes", "[faces]") {
  SubjectDetector upright(haar_only());
  SubjectDetectorOptions o = haar_only();
  o.tilt_deg = 20;
  SubjectDetector tilted(o);
  const cv::Point centre(240, 130);
  // The upright cascade misses a head tilted 25 degrees (a known limitation; 15 degrees
  // is found only sometimes)...
  CHECK(upright.detect(scene(centre, 120, {25, 0})).empty());
  // ...the frontal cascade on the frame turned by 20 degrees either way finds heads
  // tilted 15 to 30 degrees.
  for (double tilt : {15.0, -15.0, 25.0, -25.0, 30.0, -30.0}) {
    INFO("tilt " << tilt);
    const auto faces = tilted.detect(scene(centre, 120, {tilt, 0}));
    REQUIRE(!faces.empty());
    CHECK(best_overlap(faces, face_box(centre, 120)) >= 0.5);
  }
}

TEST_CASE("what the cascades do not find", "[faces]") {
  SubjectDetector detector(haar_only());
  // Smaller than min_face_px (20 px at the analysis size): a face a sixteenth of the frame
  // height in a wide shot is not seen, by design (smaller scales cost the most). Faces of
  // 20-30 px are found only some of the time (not asserted).
  CHECK(detector.detect(scene({240, 130}, 16)).empty());
  // No face, no detection: the background alone.
  CHECK(detector.detect(background()).empty());
}

TEST_CASE("a face is followed around its last position", "[faces]") {
  SubjectDetector detector(haar_only());
  const cv::Point before(200, 130), after(226, 136);  // moved between two samples
  const auto first = detector.detect(scene(before, 100));
  REQUIRE(first.size() == 1);
  const auto near = detector.detect_near(scene(after, 100), first.front().box);
  REQUIRE(near.size() == 1);
  CHECK(best_overlap(near, face_box(after, 100)) >= 0.6);
  // Gone (the shot changed): nothing near the old box.
  CHECK(detector.detect_near(background(), first.front().box).empty());
}

TEST_CASE("missing cascades are a usage error naming the folder and the package", "[faces]") {
  const reelpack::test::TempDir dir;
  try {
    SubjectDetectorOptions o;
    o.cascade_dir = dir.path();
    SubjectDetector d(o);
    FAIL("no error");
  } catch (const UsageError& e) {
    const std::string m = e.what();
    CHECK(m.find(dir.str()) != std::string::npos);
    CHECK(m.find("opencv-data") != std::string::npos);
  }
}

// --- BlazeFace ----------------------------------------------------------------------------

// Tests of the model itself are skipped (failed in CI) when it is not installed.
constexpr const char* kNoModel = "BlazeFace is not installed (scripts/setup.sh installs it)";

TEST_CASE("BlazeFace finds frontal, three-quarter, tilted and small faces", "[faces][blazeface]") {
  const auto model = find_blazeface_model();
  REELPACK_SKIP_IF(model.empty(), kNoModel);
  BlazeFaceDetector detector(model);
  struct Case {
    const char* name;
    int height;
    DrawnFace how;
  };
  // Everything the cascades find, and what they miss: heads tilted 30 to 45 degrees
  // either way, faces of 20-24 px (a thirteenth of the frame height).
  const Case found[] = {{"frontal", 120, {}},
                        {"small (40 px)", 40, {}},
                        {"small (24 px)", 24, {}},
                        {"small (20 px)", 20, {}},
                        {"three-quarter", 120, {0, 0.6}},
                        {"three-quarter other way", 90, {0, -0.6}},
                        {"nearly profile", 120, {0, 0.9}},
                        {"tilted 30", 120, {30, 0}},
                        {"tilted -30", 100, {-30, 0}},
                        {"tilted 45", 120, {45, 0}},
                        {"tilted -45", 80, {-45, 0.4}}};
  for (const Case& c : found) {
    SECTION(c.name) {
      for (const cv::Point centre :
           {cv::Point(240, 130), cv::Point(90, 120), cv::Point(400, 150)}) {
        INFO(c.name << " at " << centre);
        const auto faces = detector.detect(scene(centre, c.height, c.how));
        REQUIRE(faces.size() == 1);
        // (The truth is the upright oval's box; a head tilted 45 degrees fills it less.)
        CHECK(best_overlap(faces, face_box(centre, c.height)) >=
              (std::abs(c.how.tilt_deg) >= 45 ? 0.5 : 0.6));
        // The box is the face's size, not a patch of it or the whole head and shoulders.
        CHECK(faces.front().box.height >= 0.7 * c.height);
        CHECK(faces.front().box.height <= 1.4 * c.height);
        CHECK(faces.front().confidence > 0.6);
      }
    }
  }
  SECTION("no face, no detection") {
    CHECK(detector.detect(background()).empty());
  }
  SECTION("two faces, two boxes") {
    cv::Mat img = background();
    draw_face(img, {100, 130}, 90);
    draw_face(img, {360, 140}, 70, {20, 0.3});
    const auto faces = detector.detect(img);
    REQUIRE(faces.size() == 2);
    CHECK(best_overlap(faces, face_box({100, 130}, 90)) >= 0.6);
    CHECK(best_overlap(faces, face_box({360, 140}, 70)) >= 0.6);
  }
  SECTION("the view from the key points") {
    CHECK(detector.detect(scene({240, 130}, 120)).front().view == FaceView::Frontal);
    CHECK(detector.detect(scene({240, 130}, 120, {40, 0})).front().view == FaceView::Tilted);
  }
}

TEST_CASE("SubjectDetector without BlazeFace: off, or a model that is missing or broken",
          "[faces][blazeface]") {
  SECTION("off, or an explicit model that is missing") {
    CHECK(SubjectDetector(haar_only()).face_model().empty());
    const reelpack::test::TempDir dir;
    SubjectDetectorOptions o;
    o.face_model = dir / "none.onnx";
    try {
      SubjectDetector d(o);
      FAIL("no error");
    } catch (const UsageError& e) {
      CHECK(std::string(e.what()).find("none.onnx") != std::string::npos);
      CHECK(std::string(e.what()).find("scripts/setup.sh") != std::string::npos);
    }
  }
  SECTION("a file that is not a model is a usage error naming it") {
    const reelpack::test::TempDir dir;
    const auto bad = dir / "bad.onnx";
    std::ofstream(bad) << "not a network";
    SubjectDetectorOptions o;
    o.face_model = bad;
    CHECK_THROWS_AS(SubjectDetector(o), UsageError);
  }
}

TEST_CASE("SubjectDetector uses BlazeFace when installed, where the cascades miss",
          "[faces][blazeface]") {
  const auto model = find_blazeface_model();
  REELPACK_SKIP_IF(model.empty(), kNoModel);
  SubjectDetector detector;
  CHECK(detector.face_model() == model);
  // A head tilted 40 degrees: the cascades need their tilted passes and still miss it.
  const cv::Point centre(240, 130);
  const auto faces = detector.detect(scene(centre, 110, {40, 0}));
  REQUIRE(faces.size() == 1);
  CHECK(best_overlap(faces, face_box(centre, 110)) >= 0.6);
  CHECK(SubjectDetector(haar_only()).detect(scene(centre, 110, {40, 0})).empty());
  // Followed between samples around its last box, found at a better scale there.
  const cv::Point after(262, 136);
  const auto near = detector.detect_near(scene(after, 110, {35, 0}), faces.front().box);
  REQUIRE(near.size() == 1);
  CHECK(best_overlap(near, face_box(after, 110)) >= 0.6);
  CHECK(detector.detect_near(background(), faces.front().box).empty());
}
