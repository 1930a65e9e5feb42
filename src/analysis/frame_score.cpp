#include "analysis/frame_score.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <vector>

namespace reelpack {

namespace {

double clamp01(double v) {
  return std::clamp(v, 0.0, 1.0);
}

// Standard deviation floor for the normalisation, in 0..1 luma: a nearly flat frame
// (black, a title card's background) is not stretched until its noise looks like detail.
constexpr double kMinNormalisingStd = 0.05;
// Tiles across the analysis width for the sharpness measure (20 px at 320 px).
constexpr int kTilesAcross = 16;

double view_weight(FaceView view) {
  switch (view) {
    case FaceView::Frontal:
      return 1.0;
    case FaceView::Tilted:
      return 0.9;
    case FaceView::Profile:
      return 0.6;
  }
  return 1.0;
}

double eye_weight(int eyes) {
  if (eyes >= 2) return 1.0;
  if (eyes == 1) return 0.85;
  if (eyes == 0) return 0.7;
  return 0.85;  // not looked for: between "both found" and "none found"
}

void recompute_total(FrameScore& s, const FrameScoreOptions& o) {
  s.total = s.quality * (1 + o.face_weight * s.faces) / (1 + o.face_weight);
}

}  // namespace

FrameScore score_frame(const cv::Mat& image, const FrameScoreOptions& o) {
  if (image.empty() || image.depth() != CV_8U || (image.channels() != 3 && image.channels() != 1)) {
    throw std::invalid_argument("score_frame: expected an 8-bit BGR or grey image");
  }
  if (o.analysis_width_px < 16) throw std::invalid_argument("score_frame: analysis width < 16");
  cv::Mat grey;
  if (image.channels() == 3) {
    cv::cvtColor(image, grey, cv::COLOR_BGR2GRAY);
  } else {
    grey = image;
  }
  if (grey.cols != o.analysis_width_px) {
    const int h = std::max(1, static_cast<int>(std::lround(static_cast<double>(grey.rows) *
                                                           o.analysis_width_px / grey.cols)));
    cv::Mat small;
    cv::resize(grey, small, cv::Size(o.analysis_width_px, h), 0, 0,
               grey.cols > o.analysis_width_px ? cv::INTER_AREA : cv::INTER_LINEAR);
    grey = small;
  }

  FrameScore s;
  cv::Scalar mean, stddev;
  cv::meanStdDev(grey, mean, stddev);
  s.luma_mean = mean[0] / 255.0;
  s.luma_std = stddev[0] / 255.0;
  const int crushed = cv::countNonZero(grey < 8);  // 3% of 255
  const int blown = cv::countNonZero(grey > 247);
  s.clipped = static_cast<double>(crushed + blown) / static_cast<double>(grey.total());

  // Detail: the Laplacian of the grey frame scaled to unit standard deviation, so a
  // low-contrast frame that is in focus still shows its edges and a high-contrast blur
  // does not look sharp.
  cv::Mat normalised, laplacian;
  const double scale = 1.0 / (255.0 * std::max(s.luma_std, kMinNormalisingStd));
  grey.convertTo(normalised, CV_32F, scale, -mean[0] * scale);
  cv::Laplacian(normalised, laplacian, CV_32F, 1);
  // Drama is shot with a shallow depth of field: a sharp face over a soft background is in
  // focus. So detail is measured where it is: the Laplacian's energy in a grid of tiles,
  // averaged over the sharpest tenth of them. A blurred or mid-dissolve frame has no
  // sharp tile; a frame with a sharp subject anywhere has several.
  cv::Mat energy;
  cv::multiply(laplacian, laplacian, energy);
  const int tile = std::max(8, grey.cols / kTilesAcross);
  std::vector<double> tiles;
  for (int y = 0; y + tile <= energy.rows; y += tile) {
    for (int x = 0; x + tile <= energy.cols; x += tile) {
      tiles.push_back(cv::mean(energy(cv::Rect(x, y, tile, tile)))[0]);
    }
  }
  if (tiles.empty()) tiles.push_back(cv::mean(energy)[0]);
  const size_t top = std::max<size_t>(1, tiles.size() / 10);
  std::nth_element(tiles.begin(), tiles.begin() + static_cast<long>(top) - 1, tiles.end(),
                   std::greater<>());
  double sum = 0;
  for (size_t i = 0; i < top; ++i) sum += tiles[i];
  s.detail = sum / static_cast<double>(top);

  s.sharpness = 1.0 - std::exp(-s.detail / o.detail_reference);
  const double off = (s.luma_mean - o.ideal_luma) / o.luma_tolerance;
  // Up to 15% clipped is normal (letterbox bars, a window, deep shadows); beyond that the
  // picture is losing its content to black or white.
  const double clip_factor = clamp01(1.0 - (s.clipped - 0.15) / 0.7);
  s.exposure = std::exp(-off * off) * clip_factor;
  s.contrast = clamp01(s.luma_std / o.contrast_reference);
  s.quality = std::pow(s.sharpness, 0.4) * std::pow(s.exposure, 0.3) * std::pow(s.contrast, 0.3);
  recompute_total(s, o);
  return s;
}

double face_score(const std::vector<Face>& faces, cv::Size frame_size, const FrameScoreOptions& o) {
  if (frame_size.width <= 0 || frame_size.height <= 0) return 0;
  const cv::Rect region(static_cast<int>(std::lround(o.cover_region.x * frame_size.width)),
                        static_cast<int>(std::lround(o.cover_region.y * frame_size.height)),
                        static_cast<int>(std::lround(o.cover_region.width * frame_size.width)),
                        static_cast<int>(std::lround(o.cover_region.height * frame_size.height)));
  double best = 0;
  for (const Face& f : faces) {
    if (f.box.area() <= 0) continue;
    const double size =
        clamp01(static_cast<double>(f.box.height) / (o.full_face_height * frame_size.height));
    const double inside = static_cast<double>((f.box & region).area()) / f.box.area();
    const double score = size * view_weight(f.view) * eye_weight(f.eyes) * inside * inside *
                         (0.5 + 0.5 * clamp01(f.confidence));
    best = std::max(best, score);
  }
  return best;
}

void add_faces(FrameScore& s, std::vector<Face> faces, cv::Size frame_size,
               const FrameScoreOptions& o) {
  s.faces = face_score(faces, frame_size, o);
  s.face_count = static_cast<int>(faces.size());
  s.faces_checked = true;
  s.face_boxes = std::move(faces);
  recompute_total(s, o);
}

const char* rejection(const FrameScore& s, const FrameScoreOptions& o) {
  if (s.exposure < o.min_exposure) return s.luma_mean < o.ideal_luma ? "dark" : "overexposed";
  if (s.contrast < o.min_contrast) return "flat";
  if (s.sharpness < o.min_sharpness) return "blurred";
  return nullptr;
}

}  // namespace reelpack
