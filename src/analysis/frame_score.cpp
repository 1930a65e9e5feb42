#include "analysis/frame_score.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
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

// Mean luma (0..1) of a region of a grey picture, and its share crushed to black or blown
// to white.
struct RegionLight {
  double mean = 0;
  double clipped = 0;
  double pixels = 0;
};

RegionLight region_light(const cv::Mat& grey, cv::Rect r) {
  r &= cv::Rect(0, 0, grey.cols, grey.rows);
  if (r.area() <= 0) return {};
  const cv::Mat roi = grey(r);
  const int clipped = cv::countNonZero(roi < 8) + cv::countNonZero(roi > 247);  // 3%, 97%
  return {cv::mean(roi)[0] / 255.0, static_cast<double>(clipped) / r.area(),
          static_cast<double>(r.area())};
}

// The centre of the cover region in a picture of `size`: its middle half across and the
// band from 20% to 80% down, where a viewer looks and a subject usually is.
cv::Rect centre_of(cv::Size size, const cv::Rect2d& region) {
  const double x = region.x + region.width * 0.25, w = region.width * 0.5;
  const double y = region.y + region.height * 0.2, h = region.height * 0.6;
  const cv::Rect r(static_cast<int>(std::lround(x * size.width)),
                   static_cast<int>(std::lround(y * size.height)),
                   std::max(1, static_cast<int>(std::lround(w * size.width))),
                   std::max(1, static_cast<int>(std::lround(h * size.height))));
  return r & cv::Rect(0, 0, size.width, size.height);
}

// Exposure from the key region (the faces once known, else the centre), then quality and
// total.
void update_exposure(FrameScore& s, const FrameScoreOptions& o) {
  const bool faces = s.exposure_basis == ExposureBasis::Faces;
  const double ideal = faces ? o.ideal_face_luma : o.ideal_luma;
  const double tolerance = faces ? o.face_luma_tolerance : o.luma_tolerance;
  const double clipped = faces ? s.face_clipped : s.centre_clipped;
  const double off = (s.key_luma() - ideal) / tolerance;
  // Up to 15% clipped is normal (a window, deep shadows, a catchlight); beyond that the
  // region is losing its content to black or white.
  const double clip_factor = clamp01(1.0 - (clipped - 0.15) / 0.7);
  s.exposure = std::exp(-off * off) * clip_factor;
  s.quality = std::pow(s.sharpness, 0.4) * std::pow(s.exposure, 0.3) * std::pow(s.contrast, 0.3);
  recompute_total(s, o);
}

// The luma (0..1) below which `share` of the picture's pixels lie.
double luma_percentile(const cv::Mat& grey, double share) {
  std::array<int, 256> histogram{};
  for (int y = 0; y < grey.rows; ++y) {
    const uint8_t* row = grey.ptr<uint8_t>(y);
    for (int x = 0; x < grey.cols; ++x) ++histogram[row[x]];
  }
  const double wanted = share * static_cast<double>(grey.total());
  double seen = 0;
  for (int v = 0; v < 256; ++v) {
    seen += histogram[v];
    if (seen >= wanted) return v / 255.0;
  }
  return 1.0;
}

std::string fixed2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
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
  s.highlight_luma = luma_percentile(grey, 0.99);
  s.shadow_luma = luma_percentile(grey, 0.01);
  const RegionLight centre = region_light(grey, centre_of(grey.size(), o.cover_region));
  s.centre_luma = centre.mean;
  s.centre_clipped = centre.clipped;
  s.contrast = clamp01(s.luma_std / o.contrast_reference);
  update_exposure(s, o);
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

void add_faces(FrameScore& s, std::vector<Face> faces, const cv::Mat& image,
               const FrameScoreOptions& o) {
  s.faces = face_score(faces, image.size(), o);
  s.face_count = static_cast<int>(faces.size());
  s.faces_checked = true;
  // The faces' light, over the inner part of each box (cheeks, eyes, nose: the box's
  // corners are background or hair).
  cv::Mat grey;
  double sum = 0, clipped = 0, pixels = 0;
  for (const Face& f : faces) {
    const cv::Rect inner(f.box.x + f.box.width / 5, f.box.y + f.box.height / 5,
                         std::max(1, f.box.width * 3 / 5), std::max(1, f.box.height * 3 / 5));
    const cv::Rect r = inner & cv::Rect(0, 0, image.cols, image.rows);
    if (r.area() <= 0) continue;
    if (image.channels() == 3) {
      cv::cvtColor(image(r), grey, cv::COLOR_BGR2GRAY);
    } else {
      grey = image(r);
    }
    const RegionLight light = region_light(grey, {0, 0, grey.cols, grey.rows});
    sum += light.mean * light.pixels;
    clipped += light.clipped * light.pixels;
    pixels += light.pixels;
  }
  if (pixels > 0) {
    s.face_luma = sum / pixels;
    s.face_clipped = clipped / pixels;
    s.exposure_basis = ExposureBasis::Faces;
  } else {
    s.face_luma = -1;
    s.face_clipped = 0;
    s.exposure_basis = ExposureBasis::Centre;
  }
  s.face_boxes = std::move(faces);
  update_exposure(s, o);
}

const char* to_string(ExposureBasis basis) {
  return basis == ExposureBasis::Faces ? "faces" : "centre";
}

const char* rejection(const FrameScore& s, const FrameScoreOptions& o) {
  if (s.highlight_luma < o.black_highlight) return "dark";
  if (s.shadow_luma > o.white_shadow) return "overexposed";
  if (s.contrast < o.min_contrast) return "flat";
  if (s.sharpness < o.min_sharpness) return "blurred";
  return nullptr;
}

std::string rejection_detail(const FrameScore& s, const FrameScoreOptions& o) {
  const char* why = rejection(s, o);
  if (!why) return "";
  const std::string r = why;
  if (r == "dark") {
    return "nothing in the picture is lit: its brightest 1% is below luma " +
           fixed2(s.highlight_luma) + " (floor " + fixed2(o.black_highlight) + ")";
  }
  if (r == "overexposed") {
    return "nothing in the picture is dark: its darkest 1% is above luma " + fixed2(s.shadow_luma) +
           " (ceiling " + fixed2(o.white_shadow) + ")";
  }
  if (r == "flat") {
    return "no contrast: luma standard deviation " + fixed2(s.luma_std) + " (contrast " +
           fixed2(s.contrast) + ", floor " + fixed2(o.min_contrast) + ")";
  }
  return "out of focus or in motion: sharpness " + fixed2(s.sharpness) + " (floor " +
         fixed2(o.min_sharpness) + ")";
}

}  // namespace reelpack
