// Face detector evaluation: recall per category and time per call of the Haar cascades
// (SubjectDetector as smart reframing runs it, with and without the tilted passes),
// BlazeFace (one letterboxed square, or two squares along a wide frame) and their union.
//
//   build/tests/eval_faces                         # drawn faces only
//   build/tests/eval_faces --real DIR              # plus real photos found in DIR
//
// Drawn faces (tests/support/drawn_face.h) on 480x270 analysis frames: frontal 50-120 px,
// three-quarter (features shifted 0.4-0.7 of the way), strong three-quarter (0.9-1.0),
// tilted 30-45 degrees either way, small (20-32 px), and frames without a face (false
// positives). Real photos, when DIR holds them (tests/bench/eval_faces.sh fetches them
// from Debian's python3-skimage and opencv-doc packages; they are not committed):
// astronaut.png (frontal), camera.png (three-quarter, nearly profile), messi5.jpg (small,
// head bowed), Megamind.avi frames 60/120/180/240 (animated faces), each also mirrored,
// tilted +-30 and +-45 degrees, and shrunk to a 24-px face, all fitted into 480-px-wide
// frames as the analysis sees them. A face counts as found when a box's centre lies in
// its true box and the box's height is 0.4 to 2.5 times the true height.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <string>
#include <vector>

#include "analysis/blazeface_detector.h"
#include "analysis/subject_detector.h"
#include "support/drawn_face.h"

using namespace reelpack;
namespace fs = std::filesystem;

namespace {

struct Sample {
  std::string category;
  cv::Mat image;
  std::vector<cv::Rect> faces;  // truth
};

cv::Mat backdrop(cv::RNG& rng) {
  cv::Mat img(270, 480, CV_8UC3,
              cv::Scalar(rng.uniform(40, 200), rng.uniform(40, 200), rng.uniform(40, 200)));
  for (int k = 0; k < 12; ++k) {
    const cv::Point p(rng.uniform(0, 480), rng.uniform(0, 270));
    cv::rectangle(img, cv::Rect(p, cv::Size(rng.uniform(10, 120), rng.uniform(10, 120))),
                  cv::Scalar(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)),
                  cv::FILLED);
  }
  cv::Mat noise(img.size(), CV_8UC3);
  cv::randn(noise, 0, 4);
  img += noise;
  return img;
}

std::vector<Sample> drawn_samples(int per_category) {
  cv::RNG rng(20261121);
  std::vector<Sample> out;
  const auto add = [&](const std::string& category, int h_lo, int h_hi, double turn_lo,
                       double turn_hi, double tilt_lo, double tilt_hi) {
    for (int i = 0; i < per_category; ++i) {
      Sample s;
      s.category = category;
      s.image = backdrop(rng);
      const int h = rng.uniform(h_lo, h_hi + 1);
      const cv::Point c(rng.uniform(h, 480 - h), rng.uniform(h * 2 / 3, 270 - h * 2 / 3));
      const double sign = i % 2 ? 1 : -1;
      test::DrawnFace how;
      how.turn = sign * rng.uniform(turn_lo, turn_hi + 1e-9);
      how.tilt_deg = (i / 2 % 2 ? 1 : -1) * rng.uniform(tilt_lo, tilt_hi + 1e-9);
      test::draw_face(s.image, c, h, how);
      cv::GaussianBlur(s.image, s.image, {3, 3}, 0);
      s.faces.push_back(test::face_box(c, h));
      out.push_back(std::move(s));
    }
  };
  add("drawn frontal", 50, 120, 0, 0, 0, 0);
  add("drawn three-quarter", 50, 120, 0.4, 0.7, 0, 0);
  add("drawn strong 3/4", 50, 120, 0.9, 1.0, 0, 0);
  add("drawn tilted 30-45", 60, 120, 0, 0, 30, 45);
  add("drawn small 20-32 px", 20, 32, 0, 0.3, 0, 0);
  for (int i = 0; i < per_category; ++i) out.push_back({"drawn no face", backdrop(rng), {}});
  return out;
}

// Fits `img` into a 480-px-wide frame (the analysis size), scaling the truth with it.
Sample fitted(const std::string& category, const cv::Mat& img, cv::Rect truth) {
  const double k = 480.0 / img.cols;
  Sample s{category, {}, {}};
  cv::resize(img, s.image, {}, k, k, cv::INTER_AREA);
  s.faces.push_back(cv::Rect(cv::Point(cvRound(truth.x * k), cvRound(truth.y * k)),
                             cv::Size(cvRound(truth.width * k), cvRound(truth.height * k))));
  return s;
}

// The photo turned about the face's centre (the truth box keeps its centre and size).
cv::Mat turned(const cv::Mat& img, const cv::Rect& truth, double deg) {
  const cv::Point2f c(truth.x + truth.width / 2.0f, truth.y + truth.height / 2.0f);
  cv::Mat out;
  cv::warpAffine(img, out, cv::getRotationMatrix2D(c, deg, 1.0), img.size(), cv::INTER_LINEAR,
                 cv::BORDER_CONSTANT, cv::Scalar::all(110));
  return out;
}

std::vector<Sample> real_samples(const fs::path& dir, const std::string& only) {
  struct Photo {
    std::string name, view;
    cv::Mat image;
    cv::Rect face;
  };
  std::vector<Photo> photos;
  const auto load = [&](const std::string& file, const std::string& view, cv::Rect face) {
    cv::Mat img = cv::imread((dir / file).string(), cv::IMREAD_COLOR);
    if (!img.empty()) photos.push_back({file, view, img, face});
  };
  load("astronaut.png", "frontal", {175, 70, 100, 120});
  load("camera.png", "three-quarter/profile", {182, 95, 75, 105});
  load("messi5.jpg", "small, bowed", {206, 76, 46, 46});
  cv::VideoCapture video((dir / "Megamind.avi").string());
  if (video.isOpened()) {
    const std::map<int, cv::Rect> faces = {{60, {200, 160, 170, 190}},
                                           {120, {390, 120, 190, 240}},
                                           {180, {210, 132, 190, 220}},
                                           {240, {240, 92, 300, 320}}};
    cv::Mat frame;
    for (int n = 0; video.read(frame); ++n) {
      if (faces.count(n))
        photos.push_back(
            {"Megamind.avi#" + std::to_string(n), "animated", frame.clone(), faces.at(n)});
    }
  }
  std::vector<Sample> out;
  for (const Photo& p : photos) {
    if (!only.empty() && p.name.find(only) == std::string::npos) continue;
    const std::string base = "real " + p.view;
    out.push_back(fitted(base, p.image, p.face));
    cv::Mat mirrored;
    cv::flip(p.image, mirrored, 1);
    cv::Rect m = p.face;
    m.x = p.image.cols - p.face.x - p.face.width;
    out.push_back(fitted(base, mirrored, m));
    for (double deg : {30.0, -30.0, 45.0, -45.0}) {
      out.push_back(fitted("real tilted 30-45", turned(p.image, p.face, deg), p.face));
    }
    // Shrunk so the face is 24 px high in a 480x270 frame, on a plain grey surround.
    const double k = 24.0 / p.face.height;
    cv::Mat small;
    cv::resize(p.image, small, {}, k, k, cv::INTER_AREA);
    Sample s{"real small 24 px", cv::Mat(270, 480, CV_8UC3, cv::Scalar(110, 110, 110)), {}};
    const cv::Rect place =
        cv::Rect(cv::Point(240 - small.cols / 2, 135 - small.rows / 2), small.size()) &
        cv::Rect(0, 0, 480, 270);
    small(place - cv::Point(240 - small.cols / 2, 135 - small.rows / 2)).copyTo(s.image(place));
    s.faces.push_back(cv::Rect(cvRound(240 - small.cols / 2.0 + p.face.x * k),
                               cvRound(135 - small.rows / 2.0 + p.face.y * k),
                               cvRound(p.face.width * k), cvRound(p.face.height * k)));
    out.push_back(std::move(s));
  }
  return out;
}

bool matches(const cv::Rect& found, const cv::Rect& truth) {
  const cv::Point c(found.x + found.width / 2, found.y + found.height / 2);
  return truth.contains(c) && found.height >= 0.4 * truth.height &&
         found.height <= 2.5 * truth.height;
}

struct Detector {
  std::string name;
  std::function<std::vector<SubjectBox>(const cv::Mat&)> detect;
};

struct Tally {
  int faces = 0, found = 0, images = 0, false_positives = 0;
};

}  // namespace

int main(int argc, char** argv) {
  fs::path real_dir;
  std::string only;
  int per_category = 40;
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--real") && i + 1 < argc)
      real_dir = argv[++i];
    else if (!std::strcmp(argv[i], "--only") && i + 1 < argc)
      only = argv[++i];
    else if (!std::strcmp(argv[i], "--per-category") && i + 1 < argc)
      per_category = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--list"))
      list = true;
    else {
      std::cerr << "usage: eval_faces [--real DIR] [--only NAME] [--per-category N] [--list]\n";
      return 2;
    }
  }
  std::vector<Sample> samples = drawn_samples(per_category);
  if (!real_dir.empty()) {
    std::vector<Sample> real = real_samples(real_dir, only);
    if (real.empty()) std::cerr << "eval_faces: no photos in " << real_dir << "\n";
    samples.insert(samples.end(), real.begin(), real.end());
  }

  std::vector<Detector> detectors;
  SubjectDetectorOptions haar_options;
  haar_options.use_blazeface = false;
  auto haar = std::make_shared<SubjectDetector>(haar_options);
  SubjectDetectorOptions tilt_options = haar_options;
  tilt_options.tilt_deg = 20;
  auto haar_tilt = std::make_shared<SubjectDetector>(tilt_options);
  detectors.push_back({"Haar", [haar](const cv::Mat& m) { return haar->detect(m); }});
  detectors.push_back(
      {"Haar+tilt", [haar_tilt](const cv::Mat& m) { return haar_tilt->detect(m); }});
  const fs::path model = find_blazeface_model();
  if (model.empty()) {
    std::cerr << "eval_faces: BlazeFace is not installed (scripts/setup.sh); Haar only\n";
  } else {
    BlazeFaceOptions one;
    one.tiles = 1;
    auto blaze1 = std::make_shared<BlazeFaceDetector>(model, one);
    auto blaze2 = std::make_shared<BlazeFaceDetector>(model);
    detectors.push_back({"BlazeFace x1", [blaze1](const cv::Mat& m) { return blaze1->detect(m); }});
    detectors.push_back({"BlazeFace x2", [blaze2](const cv::Mat& m) { return blaze2->detect(m); }});
    SubjectDetectorOptions both;
    both.face_model = model;
    auto merged = std::make_shared<SubjectDetector>(both);
    detectors.push_back(
        {"SubjectDetector(BlazeFace)", [merged](const cv::Mat& m) { return merged->detect(m); }});
  }

  std::vector<std::string> categories;
  for (const Sample& s : samples) {
    if (std::find(categories.begin(), categories.end(), s.category) == categories.end())
      categories.push_back(s.category);
  }
  std::printf("%-24s %6s", "category", "faces");
  for (const Detector& d : detectors) std::printf(" | %26s", d.name.c_str());
  std::printf("\n");
  std::vector<std::map<std::string, Tally>> tallies(detectors.size());
  std::vector<double> ms(detectors.size(), 0);
  for (size_t k = 0; k < detectors.size(); ++k) {
    for (const Sample& s : samples) {
      const auto t0 = std::chrono::steady_clock::now();
      const std::vector<SubjectBox> found = detectors[k].detect(s.image);
      ms[k] +=
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      Tally& t = tallies[k][s.category];
      ++t.images;
      t.faces += static_cast<int>(s.faces.size());
      for (const cv::Rect& truth : s.faces) {
        if (std::any_of(found.begin(), found.end(),
                        [&](const SubjectBox& b) { return matches(b.box, truth); }))
          ++t.found;
      }
      for (const SubjectBox& b : found) {
        if (std::none_of(s.faces.begin(), s.faces.end(),
                         [&](const cv::Rect& truth) { return matches(b.box, truth); }))
          ++t.false_positives;
      }
      if (list) {
        std::printf("%s | %s |", detectors[k].name.c_str(), s.category.c_str());
        for (const SubjectBox& b : found)
          std::printf(" [%d,%d %dx%d %.2f %s]", b.box.x, b.box.y, b.box.width, b.box.height,
                      b.confidence, to_string(b.view));
        std::printf("\n");
      }
    }
  }
  for (const std::string& c : categories) {
    const Tally& first = tallies[0][c];
    std::printf("%-24s %6d", c.c_str(), first.faces ? first.faces : first.images);
    for (size_t k = 0; k < detectors.size(); ++k) {
      const Tally& t = tallies[k][c];
      char cell[64];
      if (t.faces) {
        std::snprintf(cell, sizeof cell, "%3.0f%% (%d/%d) fp %d", 100.0 * t.found / t.faces,
                      t.found, t.faces, t.false_positives);
      } else {
        std::snprintf(cell, sizeof cell, "fp %d in %d", t.false_positives, t.images);
      }
      std::printf(" | %26s", cell);
    }
    std::printf("\n");
  }
  std::printf("%-24s %6zu", "ms per call (mean)", samples.size());
  for (size_t k = 0; k < detectors.size(); ++k) std::printf(" | %26.1f", ms[k] / samples.size());
  std::printf("\n");
  return 0;
}
