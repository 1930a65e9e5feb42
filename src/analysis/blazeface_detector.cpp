#include "analysis/blazeface_detector.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <opencv2/imgproc.hpp>

#include "core/error.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {

constexpr int kInputPx = 256;
// The two anchor layers: cells per side and anchors per cell (16*16*2 + 8*8*6 = 896).
constexpr int kLayerCells[2] = {16, 8};
constexpr int kLayerAnchors[2] = {2, 6};
constexpr int kValuesPerAnchor = 16;  // box x, y, w, h, then six key points (x, y)

float sigmoid(float x) {
  return 1.0f / (1.0f + std::exp(-x));
}

float iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0;
}

}  // namespace

fs::path find_blazeface_model(const fs::path& preferred) {
  std::error_code ec;
  if (!preferred.empty()) {
    if (fs::is_regular_file(preferred, ec)) return preferred;
    throw UsageError(preferred.string() +
                     ": no such face model; run scripts/setup.sh to install BlazeFace "
                     "(or leave the option out to use the Haar cascades)");
  }
  // $REELPACK_MODELS, when set, is the only place looked in (set it to an empty folder
  // to run with the Haar cascades alone).
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("REELPACK_MODELS"); env && *env) {
    dirs.emplace_back(env);
  } else {
    dirs.emplace_back("/usr/local/share/reelpack/models");
    dirs.emplace_back("/usr/share/reelpack/models");
  }
  for (const fs::path& dir : dirs) {
    if (fs::is_regular_file(dir / kBlazeFaceModelFile, ec)) return dir / kBlazeFaceModelFile;
  }
  return {};
}

BlazeFaceDetector::BlazeFaceDetector(const fs::path& model, BlazeFaceOptions options)
    : options_(options) {
  if (!(options_.min_score > 0 && options_.min_score < 1) ||
      !(options_.merge_iou > 0 && options_.merge_iou < 1) || options_.tiles < 1 ||
      options_.tiles > 2) {
    throw UsageError("BlazeFace: min_score and merge_iou must be in (0, 1), tiles 1 or 2");
  }
  try {
    net_ = cv::dnn::readNetFromONNX(model.string());
  } catch (const cv::Exception& e) {
    throw UsageError(model.string() + ": OpenCV cannot load this face model (" + e.msg +
                     "); reinstall it with scripts/setup.sh, or remove it to use the Haar "
                     "cascades");
  }
  if (net_.empty()) {
    throw UsageError(model.string() +
                     ": OpenCV loaded an empty network; reinstall it with "
                     "scripts/setup.sh");
  }
  net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  outputs_ = net_.getUnconnectedOutLayersNames();
  if (outputs_.size() != 4) {
    throw UsageError(model.string() + ": not the BlazeFace model reelpack expects (" +
                     std::to_string(outputs_.size()) + " outputs, not 4); install " +
                     kBlazeFaceModelFile + " with scripts/setup.sh");
  }
}

void BlazeFaceDetector::run_square(const cv::Mat& image, const cv::Rect& square,
                                   std::vector<Candidate>& out) {
  // The square may reach past the image (letterbox): the rest stays black.
  square_.create(square.size(), CV_8UC3);
  square_.setTo(cv::Scalar::all(0));
  const cv::Rect inside = square & cv::Rect(0, 0, image.cols, image.rows);
  image(inside).copyTo(square_(inside - square.tl()));
  cv::resize(square_, resized_, {kInputPx, kInputPx}, 0, 0,
             square.width > kInputPx ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::cvtColor(resized_, rgb_, cv::COLOR_BGR2RGB);
  rgb_.convertTo(input_, CV_32FC3, 2.0 / 255.0, -1.0);
  const int shape[] = {1, kInputPx, kInputPx, 3};  // NHWC, as the export takes it
  net_.setInput(cv::Mat(4, shape, CV_32F, input_.data));
  std::vector<cv::Mat> results;
  net_.forward(results, outputs_);

  // Scores are [1, N, 1] and boxes [1, N, 16], N = 512 (first layer) or 384 (second).
  const cv::Mat* scores[2] = {nullptr, nullptr};
  const cv::Mat* boxes[2] = {nullptr, nullptr};
  for (const cv::Mat& r : results) {
    if (r.dims != 3) continue;
    const int n = r.size[1], width = r.size[2];
    for (int layer = 0; layer < 2; ++layer) {
      if (n != kLayerCells[layer] * kLayerCells[layer] * kLayerAnchors[layer]) continue;
      (width == 1 ? scores : boxes)[layer] = &r;
    }
  }
  for (int layer = 0; layer < 2; ++layer) {
    if (!scores[layer] || !boxes[layer] || boxes[layer]->size[2] != kValuesPerAnchor) {
      throw ProcessingError("BlazeFace: unexpected output shapes; not the model reelpack expects");
    }
  }

  const float scale = static_cast<float>(square.width);  // normalised -> image pixels
  const auto to_image = [&](float nx, float ny) {
    return cv::Point2f(square.x + nx * scale, square.y + ny * scale);
  };
  const float min_logit =
      std::log(static_cast<float>(options_.min_score / (1 - options_.min_score)));
  for (int layer = 0; layer < 2; ++layer) {
    const int cells = kLayerCells[layer], per_cell = kLayerAnchors[layer];
    const float* s = scores[layer]->ptr<float>();
    const float* b = boxes[layer]->ptr<float>();
    for (int index = 0; index < cells * cells * per_cell; ++index) {
      if (s[index] < min_logit) continue;
      const int cell = index / per_cell;
      const float ax = (cell % cells + 0.5f) / cells, ay = (cell / cells + 0.5f) / cells;
      const float* v = b + static_cast<ptrdiff_t>(index) * kValuesPerAnchor;
      const float cx = ax + v[0] / kInputPx, cy = ay + v[1] / kInputPx;
      const float w = v[2] / kInputPx, h = v[3] / kInputPx;
      Candidate c;
      const cv::Point2f tl = to_image(cx - w / 2, cy - h / 2);
      c.box = cv::Rect2f(tl.x, tl.y, w * scale, h * scale);
      c.score = sigmoid(s[index]);
      c.eyes[0] = to_image(ax + v[4] / kInputPx, ay + v[5] / kInputPx);
      c.eyes[1] = to_image(ax + v[6] / kInputPx, ay + v[7] / kInputPx);
      c.nose = to_image(ax + v[8] / kInputPx, ay + v[9] / kInputPx);
      out.push_back(c);
    }
  }
}

std::vector<SubjectBox> BlazeFaceDetector::detect_in(const cv::Mat& image, const cv::Rect& region) {
  if (image.empty() || image.type() != CV_8UC3) {
    throw std::invalid_argument("BlazeFaceDetector: expected an 8-bit BGR image");
  }
  const cv::Rect frame(0, 0, image.cols, image.rows);
  const cv::Rect r = region & frame;
  if (r.area() == 0) return {};
  std::vector<Candidate> found;
  const int w = r.width, h = r.height;
  const int long_side = std::max(w, h), short_side = std::min(w, h);
  if (options_.tiles == 2 && long_side * 5 > short_side * 7) {
    // Two squares of the short side, at either end of the long side (overlapping in the
    // middle unless the image is wider than 2:1; then each is widened to reach it).
    const int side = std::max(short_side, (long_side + 1) / 2);
    for (int k = 0; k < 2; ++k) {
      const int offset = k == 0 ? 0 : long_side - side;
      const cv::Rect sq = w >= h ? cv::Rect(r.x + offset, r.y - (side - h) / 2, side, side)
                                 : cv::Rect(r.x - (side - w) / 2, r.y + offset, side, side);
      run_square(image, sq, found);
    }
  } else {
    run_square(image,
               cv::Rect(r.x - (long_side - w) / 2, r.y - (long_side - h) / 2, long_side, long_side),
               found);
  }

  // Weighted suppression: each face is the score-weighted mean of the anchors on it.
  std::sort(found.begin(), found.end(),
            [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  std::vector<bool> used(found.size(), false);
  std::vector<SubjectBox> out;
  for (size_t i = 0; i < found.size(); ++i) {
    if (used[i]) continue;
    double total = 0, x = 0, y = 0, bw = 0, bh = 0;
    cv::Point2f eyes[2], nose;
    for (size_t j = i; j < found.size(); ++j) {
      if (used[j] || iou(found[i].box, found[j].box) <= options_.merge_iou) continue;
      used[j] = true;
      const Candidate& c = found[j];
      total += c.score;
      x += c.score * c.box.x;
      y += c.score * c.box.y;
      bw += c.score * c.box.width;
      bh += c.score * c.box.height;
      for (int e = 0; e < 2; ++e) eyes[e] += c.score * c.eyes[e];
      nose += c.score * c.nose;
    }
    const auto t = static_cast<float>(total);
    for (int e = 0; e < 2; ++e) eyes[e] /= t;
    nose /= t;
    // The network's box is a square from the brows to the chin. Boxes are made the
    // size and place of the Haar cascades' (a square about 1.35 times as wide, centred
    // higher: the whole face with its forehead and ears), so that the camera's margins,
    // tuned on those, frame BlazeFace's faces alike.
    const double side = 1.35 * std::max(bw, bh) / total;
    const double cx = (x + bw / 2) / total, cy = (y + bh / 2) / total - 0.15 * bh / total;
    cv::Rect box(static_cast<int>(std::lround(cx - side / 2)),
                 static_cast<int>(std::lround(cy - side / 2)), static_cast<int>(std::lround(side)),
                 static_cast<int>(std::lround(side)));
    box &= frame;
    if (box.area() == 0) continue;

    const cv::Point2f across = eyes[1] - eyes[0];
    const float eye_distance = std::hypot(across.x, across.y);
    FaceView view = FaceView::Frontal;
    if (eye_distance > 0) {
      float slope_deg = std::atan2(across.y, across.x) * 180.0f / static_cast<float>(CV_PI);
      if (slope_deg > 90) slope_deg -= 180;
      if (slope_deg < -90) slope_deg += 180;
      const cv::Point2f nose_offset = nose - (eyes[0] + eyes[1]) * 0.5f;
      const float sideways = nose_offset.dot(across) / (eye_distance * eye_distance);
      if (std::abs(sideways) > 0.35f) {
        view = FaceView::Profile;
      } else if (std::abs(slope_deg) > 20) {
        view = FaceView::Tilted;
      }
    }
    out.push_back({box, found[i].score, view});
  }
  return out;
}

std::vector<SubjectBox> BlazeFaceDetector::detect(const cv::Mat& image) {
  return detect_in(image, cv::Rect(0, 0, image.cols, image.rows));
}

}  // namespace reelpack
