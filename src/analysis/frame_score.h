// How good one frame would look as a cover or thumbnail: sharp, well exposed, with
// contrast, and showing faces that are large, frontal and inside the part of the picture
// the cover keeps. Plain C++ on cv::Mat; the caller decodes and downscales (any width works;
// measures are taken at analysis_width_px so they do not depend on it).
//
//   FrameScore s = score_frame(bgr);                  // sharpness, exposure, contrast
//   add_faces(s, faces.detect(bgr), bgr.size());      // optional: faces (analysis/face_detector.h)
//   if (!rejection(s)) use(s.total);
//
// Scores are 0..1, 1 best:
//   sharpness = 1 - exp(-detail / detail_reference), detail = the mean energy of the
//               Laplacian of the grey frame normalised to unit standard deviation (so
//               contrast does not count twice), over the sharpest tenth of a 16-across
//               grid of tiles: a sharp face over a soft background counts as sharp, while
//               blur, motion blur and mid-dissolve frames have no sharp tile.
//   exposure  = exp(-((mean luma - ideal_luma) / luma_tolerance)^2), lowered when more than
//               15% of the pixels are crushed to black or blown to white.
//   contrast  = min(1, luma standard deviation / contrast_reference): fades and haze are flat.
//   quality   = sharpness^0.4 x exposure^0.3 x contrast^0.3 (a weighted geometric mean: a
//               frame bad in one respect cannot make up for it with another).
//   faces     = the best face's size (height / full_face_height of the frame's, capped at
//               1) x view (frontal 1, tilted 0.9, profile 0.6) x eyes (two found 1, one 0.85,
//               none 0.7, not checked 0.85) x the share of the box inside cover_region,
//               squared, x (0.5 + confidence / 2).
//   total     = quality x (1 + face_weight x faces) / (1 + face_weight).
// analysis/cover_picker.h adds what one frame cannot tell: shots and transitions.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "analysis/face_detector.h"

namespace reelpack {

struct FrameScoreOptions {
  int analysis_width_px = 320;  // grey frame width the measures are taken at
  // Detail (at 320 px) that scores 1 - 1/e = 0.63: footage in focus reaches 3 to 30, a
  // drawn face over a soft background about 1.7; a 4-px Gaussian blur stays below 0.3.
  double detail_reference = 2.0;
  double ideal_luma = 0.45;          // mean luma (0..1) a cover looks best at
  double luma_tolerance = 0.25;      // how far from it before exposure drops to 1/e
  double contrast_reference = 0.18;  // luma standard deviation (0..1) that scores 1
  double face_weight = 1.0;          // a frame with a perfect face scores up to 2x
  double full_face_height = 0.35;    // face height / frame height that earns full size credit
  // The part of the frame the cover will show, as fractions of the width and height (the
  // centre crop for a vertical cover of a wide source); faces outside it count less.
  cv::Rect2d cover_region{0, 0, 1, 1};
  // Floors: a frame below any of them is never a cover (rejection()).
  double min_sharpness = 0.15;
  double min_exposure = 0.15;
  double min_contrast = 0.2;
};

struct FrameScore {
  // Measures.
  double luma_mean = 0;  // 0..1
  double luma_std = 0;   // 0..1
  double clipped = 0;    // share of pixels at black (< 3%) or white (> 97%)
  double detail = 0;     // Laplacian energy of the sharpest tiles (see above)
  // Scores, 0..1, 1 best.
  double sharpness = 0;
  double exposure = 0;
  double contrast = 0;
  double quality = 0;
  double faces = 0;  // 0 without faces, or when faces were not looked for
  int face_count = 0;
  bool faces_checked = false;
  std::vector<Face> face_boxes;  // as add_faces() got them
  double total = 0;
};

// Sharpness, exposure, contrast and quality of an 8-bit BGR (or grey) frame; total =
// quality x 1 / (1 + face_weight) until add_faces() says what faces it holds.
FrameScore score_frame(const cv::Mat& image, const FrameScoreOptions& options = {});

// The face score of `faces` found in a frame of `frame_size` (0 when none).
double face_score(const std::vector<Face>& faces, cv::Size frame_size,
                  const FrameScoreOptions& options = {});

// Records the faces found in the scored frame and updates faces and total.
void add_faces(FrameScore& score, std::vector<Face> faces, cv::Size frame_size,
               const FrameScoreOptions& options = {});

// Why the frame may not be a cover ("dark", "blurred", "flat"), or nullptr when it may.
const char* rejection(const FrameScore& score, const FrameScoreOptions& options = {});

}  // namespace reelpack
