#include "analysis/face_detector.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "core/error.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {
constexpr const char* kEyeFile = "haarcascade_eye.xml";
// The eye band is scaled to this width before the eye cascade runs: its 20x20 window then
// fits an eye of a face about 40 px wide, and the search costs the same for every face.
constexpr int kEyeBandWidthPx = 120;
}  // namespace

FaceDetector::FaceDetector(FaceDetectorOptions options)
    : options_(std::move(options)), subjects_(options_.faces) {
  if (options_.search_width_px != 0 && options_.search_width_px < 64) {
    throw UsageError("face detector: search_width_px must be 0 or at least 64");
  }
  if (options_.min_eye_face_px < 16) {
    throw UsageError("face detector: min_eye_face_px must be at least 16");
  }
  if (!options_.eyes) return;
  const fs::path path = subjects_.options().cascade_dir / kEyeFile;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || !eye_.load(path.string())) {
    throw UsageError(path.string() +
                     ": missing or not a Haar cascade OpenCV can load; install (or reinstall) "
                     "opencv-data (apt-get install opencv-data), or set REELPACK_CASCADES to "
                     "the folder holding OpenCV's Haar cascades");
  }
}

int FaceDetector::count_eyes(const cv::Mat& image, const cv::Rect& face) {
  if (eye_.empty()) return -1;
  if (image.channels() == 3) {
    cv::cvtColor(image, grey_, cv::COLOR_BGR2GRAY);
  } else {
    grey_ = image;
  }
  // Eyes sit in the upper half of a frontal face box; the brows and the bridge of the
  // nose around them are what the cascade keys on, so keep a margin above and below.
  const cv::Rect band = cv::Rect(face.x + face.width / 20, face.y + face.height * 3 / 20,
                                 face.width * 9 / 10, face.height * 9 / 20) &
                        cv::Rect(0, 0, grey_.cols, grey_.rows);
  if (band.width < 8 || band.height < 4) return 0;
  const double scale = static_cast<double>(kEyeBandWidthPx) / band.width;
  cv::resize(grey_(band), roi_, cv::Size(), scale, scale,
             scale > 1 ? cv::INTER_LINEAR : cv::INTER_AREA);
  cv::equalizeHist(roi_, roi_);
  std::vector<cv::Rect> eyes;
  const int min_side = kEyeBandWidthPx / 7, max_side = kEyeBandWidthPx / 2;
  eye_.detectMultiScale(roi_, eyes, 1.05, 2, 0, cv::Size(min_side, min_side),
                        cv::Size(max_side, max_side));
  bool left = false, right = false;
  for (const cv::Rect& e : eyes) {
    (e.x + e.width / 2 < roi_.cols / 2 ? left : right) = true;
  }
  return static_cast<int>(left) + static_cast<int>(right);
}

std::vector<Face> FaceDetector::detect(const cv::Mat& image, bool with_profiles) {
  std::vector<Face> faces;
  double scale = 1.0;  // image pixels per searched pixel
  const cv::Mat* searched = &image;
  if (options_.search_width_px > 0 && image.cols > options_.search_width_px) {
    scale = static_cast<double>(image.cols) / options_.search_width_px;
    cv::resize(image, small_,
               cv::Size(options_.search_width_px,
                        std::max(1, static_cast<int>(std::lround(image.rows / scale)))),
               0, 0, cv::INTER_AREA);
    searched = &small_;
  }
  const cv::Rect frame(0, 0, image.cols, image.rows);
  for (const SubjectBox& s : subjects_.detect(*searched, with_profiles)) {
    Face f;
    f.box = cv::Rect(static_cast<int>(std::lround(s.box.x * scale)),
                     static_cast<int>(std::lround(s.box.y * scale)),
                     static_cast<int>(std::lround(s.box.width * scale)),
                     static_cast<int>(std::lround(s.box.height * scale))) &
            frame;
    f.view = s.view;
    f.confidence = s.confidence;
    if (options_.eyes && s.view != FaceView::Profile &&
        std::min(s.box.width, s.box.height) >= options_.min_eye_face_px) {
      f.eyes = count_eyes(image, s.box);
    }
    faces.push_back(f);
  }
  std::sort(faces.begin(), faces.end(),
            [](const Face& a, const Face& b) { return a.box.area() > b.box.area(); });
  return faces;
}

}  // namespace reelpack
