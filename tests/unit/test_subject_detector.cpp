// SubjectDetector on drawn faces (tests/support/drawn_face.h) over a textured background at
// the analysis size (480x270): which views it finds and which it does not, where the box
// lands, the following of a face between samples, and the error without the cascades.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <opencv2/imgproc.hpp>

#include "analysis/subject_detector.h"
#include "support/drawn_face.h"
#include "support/media.h"
#include "util/error.h"

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

}  // namespace

TEST_CASE("finds a drawn face in the views smart reframing meets", "[faces]") {
  SubjectDetector detector;
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

TEST_CASE("strongly tilted heads need the tilted passes", "[faces]") {
  SubjectDetector upright;
  SubjectDetectorOptions o;
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

TEST_CASE("what the detector does not find", "[faces]") {
  SubjectDetector detector;
  // Smaller than min_face_px (20 px at the analysis size): a face a sixteenth of the frame
  // height in a wide shot is not seen, by design (smaller scales cost the most). Faces of
  // 20-30 px are found only some of the time (not asserted).
  CHECK(detector.detect(scene({240, 130}, 16)).empty());
  // No face, no detection: the background alone.
  CHECK(detector.detect(background()).empty());
}

TEST_CASE("a face is followed around its last position", "[faces]") {
  SubjectDetector detector;
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
