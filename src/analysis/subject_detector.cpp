#include "analysis/subject_detector.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <opencv2/imgproc.hpp>

#include "analysis/blazeface_detector.h"
#include "core/error.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {

constexpr const char* kFrontalFile = "haarcascade_frontalface_alt2.xml";
constexpr const char* kProfileFile = "haarcascade_profileface.xml";

bool holds_cascades(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / kFrontalFile, ec) && fs::is_regular_file(dir / kProfileFile, ec);
}

// A cascade's neighbour count (3 at the threshold, dozens for a clear face) as 0..1.
double confidence_from_neighbours(int neighbours) {
  return 1.0 - std::exp(-std::max(neighbours, 0) / 6.0);
}

double overlap(const cv::Rect& a, const cv::Rect& b) {
  const double inter = (a & b).area();
  const double smaller = std::min(a.area(), b.area());
  return smaller > 0 ? inter / smaller : 0;
}

// Keeps the more confident of any two boxes that mostly overlap (the same face seen by
// two passes).
std::vector<SubjectBox> merge(std::vector<SubjectBox> boxes) {
  std::sort(boxes.begin(), boxes.end(),
            [](const SubjectBox& a, const SubjectBox& b) { return a.confidence > b.confidence; });
  std::vector<SubjectBox> kept;
  for (const SubjectBox& b : boxes) {
    const bool duplicate = std::any_of(
        kept.begin(), kept.end(), [&](const SubjectBox& k) { return overlap(k.box, b.box) > 0.5; });
    if (!duplicate) kept.push_back(b);
  }
  return kept;
}

}  // namespace

const char* to_string(FaceView view) {
  switch (view) {
    case FaceView::Frontal:
      return "frontal";
    case FaceView::Profile:
      return "profile";
    case FaceView::Tilted:
      return "tilted";
  }
  return "frontal";
}

fs::path find_cascade_dir(const fs::path& preferred) {
  if (!preferred.empty()) {
    if (holds_cascades(preferred)) return preferred;
    throw UsageError(preferred.string() + ": no " + kFrontalFile + " and " + kProfileFile +
                     " here; point to the folder of OpenCV's Haar cascades (Debian: apt-get "
                     "install opencv-data puts them in /usr/share/opencv4/haarcascades)");
  }
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("REELPACK_CASCADES"); env && *env) candidates.emplace_back(env);
  candidates.emplace_back("/usr/share/opencv4/haarcascades");
  candidates.emplace_back("/usr/share/opencv/haarcascades");
  candidates.emplace_back("/usr/local/share/opencv4/haarcascades");
  for (const fs::path& dir : candidates) {
    if (holds_cascades(dir)) return dir;
  }
  throw UsageError(std::string("face detection needs OpenCV's Haar cascades (") + kFrontalFile +
                   ") and none are in /usr/share/opencv4/haarcascades" +
                   (std::getenv("REELPACK_CASCADES") ? " or $REELPACK_CASCADES" : "") +
                   "; install them with `apt-get install opencv-data` (or set "
                   "REELPACK_CASCADES to the folder holding them)");
}

SubjectDetector::~SubjectDetector() = default;
SubjectDetector::SubjectDetector(SubjectDetector&&) noexcept = default;
SubjectDetector& SubjectDetector::operator=(SubjectDetector&&) noexcept = default;

SubjectDetector::SubjectDetector(SubjectDetectorOptions options) : options_(std::move(options)) {
  if (options_.min_face_px < 12) throw UsageError("face detector: min_face_px must be at least 12");
  for (double step : {options_.scale_step, options_.profile_scale_step}) {
    if (!(step > 1.01 && step <= 2.0)) {
      throw UsageError("face detector: scale steps must be in (1.01, 2]");
    }
  }
  if (options_.min_neighbours < 1) throw UsageError("face detector: min_neighbours must be >= 1");
  if (!(options_.tilt_deg >= 0 && options_.tilt_deg <= 45)) {
    throw UsageError("face detector: tilt_deg must be in 0..45");
  }
  const fs::path dir = find_cascade_dir(options_.cascade_dir);
  options_.cascade_dir = dir;
  for (auto [cascade, file] :
       {std::pair{&frontal_, kFrontalFile}, std::pair{&profile_, kProfileFile}}) {
    const fs::path path = dir / file;
    if (!cascade->load(path.string())) {
      throw UsageError(path.string() +
                       ": not a Haar cascade OpenCV can load; reinstall "
                       "opencv-data (apt-get install --reinstall opencv-data)");
    }
  }
  if (options_.use_blazeface) {
    face_model_ = find_blazeface_model(options_.face_model);
    if (!face_model_.empty()) {
      BlazeFaceOptions b;
      b.tiles = options_.blazeface_tiles;
      blazeface_ = std::make_unique<BlazeFaceDetector>(face_model_, b);
    }
  }
}

std::vector<SubjectBox> SubjectDetector::run(cv::CascadeClassifier& cascade, const cv::Mat& grey,
                                             FaceView view, double confidence_scale,
                                             cv::Size min_size, cv::Size max_size) {
  std::vector<cv::Rect> rects;
  std::vector<int> neighbours;
  const double step = view == FaceView::Profile ? options_.profile_scale_step : options_.scale_step;
  cascade.detectMultiScale(grey, rects, neighbours, step, options_.min_neighbours, 0, min_size,
                           max_size);
  std::vector<SubjectBox> out;
  for (size_t i = 0; i < rects.size(); ++i) {
    const int n = i < neighbours.size() ? neighbours[i] : options_.min_neighbours;
    out.push_back({rects[i], confidence_scale * confidence_from_neighbours(n), view});
  }
  return out;
}

// The profile cascade finds faces turned one way; on the mirrored image, the other way.
std::vector<SubjectBox> SubjectDetector::profiles(const cv::Mat& grey, cv::Size min_size,
                                                  cv::Size max_size) {
  // Profiles are less reliable than frontal hits: count them a little less.
  std::vector<SubjectBox> found = run(profile_, grey, FaceView::Profile, 0.8, min_size, max_size);
  cv::flip(grey, scratch_, 1);
  for (SubjectBox b : run(profile_, scratch_, FaceView::Profile, 0.8, min_size, max_size)) {
    b.box.x = grey.cols - b.box.x - b.box.width;
    found.push_back(b);
  }
  return found;
}

void SubjectDetector::prepare(const cv::Mat& image) {
  if (image.empty() || image.depth() != CV_8U || (image.channels() != 3 && image.channels() != 1)) {
    throw std::invalid_argument("SubjectDetector: expected an 8-bit BGR or grey image");
  }
  if (image.channels() == 3) {
    cv::cvtColor(image, grey_, cv::COLOR_BGR2GRAY);
  } else {
    grey_ = image;
  }
  // Equalised, as the cascades were trained: faces in dim or flat scenes still stand out.
  cv::equalizeHist(grey_, equalised_);
}

std::vector<SubjectBox> SubjectDetector::detect_near(const cv::Mat& image,
                                                     const cv::Rect& previous) {
  prepare(image);
  const cv::Rect frame(0, 0, equalised_.cols, equalised_.rows);
  const cv::Rect roi = cv::Rect(previous.x - previous.width, previous.y - previous.height,
                                3 * previous.width, 3 * previous.height) &
                       frame;
  const int side = std::max(previous.width, previous.height);
  const cv::Size min_size(std::max(options_.min_face_px, side * 3 / 4),
                          std::max(options_.min_face_px, side * 3 / 4));
  const cv::Size max_size(side * 3 / 2 + 1, side * 3 / 2 + 1);
  if (roi.width < min_size.width || roi.height < min_size.height) return {};
  const cv::Mat part = equalised_(roi);
  std::vector<SubjectBox> out;
  if (blazeface_ && image.channels() == 3) {
    // The region alone, seen larger than in the whole frame; faces of about the same size.
    for (const SubjectBox& b : blazeface_->detect_in(image, roi)) {
      const int size = std::max(b.box.width, b.box.height);
      if (size * 2 >= side && size <= side * 2) out.push_back(b);
    }
  } else {
    out = run(frontal_, part, FaceView::Frontal, 1.0, min_size, max_size);
    for (SubjectBox& b : out) b.box += roi.tl();
  }
  if (out.empty() && options_.profiles) {
    out = profiles(part, min_size, max_size);
    for (SubjectBox& b : out) b.box += roi.tl();
  }
  out = merge(std::move(out));
  for (SubjectBox& b : out) b.box &= frame;
  out.erase(
      std::remove_if(out.begin(), out.end(), [](const SubjectBox& b) { return b.box.area() == 0; }),
      out.end());
  // The one nearest the previous box: a face does not split in two between samples.
  if (out.size() > 1) {
    const cv::Point2f c(previous.x + previous.width / 2.0f, previous.y + previous.height / 2.0f);
    const auto distance = [&](const SubjectBox& b) {
      const cv::Point2f d(b.box.x + b.box.width / 2.0f - c.x, b.box.y + b.box.height / 2.0f - c.y);
      return d.dot(d);
    };
    std::nth_element(
        out.begin(), out.begin(), out.end(),
        [&](const SubjectBox& x, const SubjectBox& y) { return distance(x) < distance(y); });
    out.resize(1);
  }
  return out;
}

std::vector<SubjectBox> SubjectDetector::detect(const cv::Mat& image, bool with_profiles) {
  prepare(image);
  const cv::Rect frame(0, 0, equalised_.cols, equalised_.rows);
  const cv::Size min_size(options_.min_face_px, options_.min_face_px);

  std::vector<SubjectBox> found;
  if (blazeface_ && image.channels() == 3) {
    found = blazeface_->detect(image);
  } else {
    found = run(frontal_, equalised_, FaceView::Frontal, 1.0, min_size);
  }
  if (found.empty() && with_profiles && options_.profiles) found = profiles(equalised_, min_size);
  if (found.empty() && with_profiles && options_.tilt_deg > 0 && !blazeface_) {
    const cv::Point2f centre(equalised_.cols / 2.0f, equalised_.rows / 2.0f);
    for (double angle : {options_.tilt_deg, -options_.tilt_deg}) {
      const cv::Mat turn = cv::getRotationMatrix2D(centre, angle, 1.0);
      cv::warpAffine(equalised_, scratch_, turn, equalised_.size(), cv::INTER_LINEAR,
                     cv::BORDER_REPLICATE);
      cv::Mat back;
      cv::invertAffineTransform(turn, back);
      for (SubjectBox b : run(frontal_, scratch_, FaceView::Tilted, 0.9, min_size)) {
        // The box's centre turned back; its size kept (the upright box of a tilted face
        // is a little larger, which the camera's margin absorbs).
        const double cx = b.box.x + b.box.width / 2.0, cy = b.box.y + b.box.height / 2.0;
        const double x =
            back.at<double>(0, 0) * cx + back.at<double>(0, 1) * cy + back.at<double>(0, 2);
        const double y =
            back.at<double>(1, 0) * cx + back.at<double>(1, 1) * cy + back.at<double>(1, 2);
        b.box.x = static_cast<int>(std::lround(x - b.box.width / 2.0));
        b.box.y = static_cast<int>(std::lround(y - b.box.height / 2.0));
        found.push_back(b);
      }
    }
  }
  std::vector<SubjectBox> out;
  for (SubjectBox& b : merge(std::move(found))) {
    b.box &= frame;
    if (b.box.area() > 0) out.push_back(b);
  }
  return out;
}

}  // namespace reelpack
