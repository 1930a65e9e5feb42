// How good one frame would look as a cover or thumbnail: sharp, well exposed, with
// contrast, and showing faces that are large, frontal and inside the part of the picture
// the cover keeps. Plain C++ on cv::Mat; the caller decodes and downscales (any width works;
// measures are taken at analysis_width_px so they do not depend on it).
//
//   FrameScore s = score_frame(bgr);                  // sharpness, exposure, contrast
//   add_faces(s, faces.detect(bgr), bgr);             // optional: faces (analysis/face_detector.h)
//   if (!rejection(s)) use(s.total);
//
// Floors (rejection()) are only for frames that really are black (nothing in the picture
// lit: the brightest 1% below black_highlight), blown out (nothing dark: the darkest 1%
// above white_shadow), flat or blurred. A dim room with a lit face is an ordinary drama
// frame: it scores by its face, and it is not "dark".
//
// Scores are 0..1, 1 best:
//   sharpness = 1 - exp(-detail / detail_reference), detail = the mean energy of the
//               Laplacian of the grey frame normalised to unit standard deviation (so
//               contrast does not count twice), over the sharpest tenth of a 16-across
//               grid of tiles: a sharp face over a soft background counts as sharp, while
//               blur, motion blur and mid-dissolve frames have no sharp tile.
//   exposure  = how well the part of the picture a viewer looks at is lit, not the whole
//               frame (low-key and high-key scenes are normal in drama): the mean luma of
//               the faces (the inner three fifths of each box) once faces are known
//               (add_faces()), else that of the centre of the cover region (its middle
//               half across, from 20% to 80% down);
//               exp(-((key luma - ideal) / tolerance)^2), lowered when more than 15% of
//               that region is crushed to black or blown to white.
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

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "analysis/face_detector.h"

namespace reelpack {

struct FrameScoreOptions {
  int analysis_width_px = 320;  // grey frame width the measures are taken at
  // Detail (at 320 px) that scores 1 - 1/e = 0.63: footage in focus reaches 3 to 30, a
  // drawn face over a soft background about 1.7; a 4-px Gaussian blur stays below 0.3.
  double detail_reference = 2.0;
  // Exposure (see above): the centre of the cover region, or the faces once known.
  double ideal_luma = 0.45;          // the centre's mean luma (0..1) a cover looks best at
  double luma_tolerance = 0.25;      // how far from it before exposure drops to 1/e
  double ideal_face_luma = 0.55;     // a face's: skin is a little brighter than mid-grey
  double face_luma_tolerance = 0.3;  // dark and fair skin are both well exposed
  double contrast_reference = 0.18;  // luma standard deviation (0..1) that scores 1
  double face_weight = 1.0;          // a frame with a perfect face scores up to 2x
  double full_face_height = 0.35;    // face height / frame height that earns full size credit
  // The part of the frame the cover will show, as fractions of the width and height (the
  // centre crop for a vertical cover of a wide source); faces outside it count less.
  cv::Rect2d cover_region{0, 0, 1, 1};
  // Floors: a frame beyond any of them is never a cover (rejection()).
  double black_highlight = 0.2;  // brightest 1% below this: black, or deep in a fade ("dark")
  double white_shadow = 0.8;     // darkest 1% above this: white or blown out ("overexposed")
  double min_sharpness = 0.15;
  double min_contrast = 0.2;
  // Brightest 1% below this: dim, as the darker half of a fade is. The transition test of
  // analysis/cover_picker.h judges a candidate with one neighbour (at either end, or after
  // a gap in the sampling) by that neighbour only when it is this dim.
  double dim_highlight = 0.4;
};

// What the exposure score was taken from.
enum class ExposureBasis { Centre, Faces };
const char* to_string(ExposureBasis basis);  // "centre", "faces"

struct FrameScore {
  // Measures, luma 0..1.
  double luma_mean = 0;       // the whole frame
  double luma_std = 0;        // the whole frame
  double clipped = 0;         // share of the frame at black (< 3%) or white (> 97%)
  double highlight_luma = 0;  // the brightest 1% of the frame starts here
  double shadow_luma = 0;     // the darkest 1% ends here
  double centre_luma = 0;     // the centre of the cover region (see above)
  double centre_clipped = 0;
  double face_luma = -1;  // the faces' inner boxes (area-weighted); -1 while none is known
  double face_clipped = 0;
  ExposureBasis exposure_basis = ExposureBasis::Centre;
  double detail = 0;  // Laplacian energy of the sharpest tiles (see above)
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

  // The luma exposure was judged on: face_luma or centre_luma.
  double key_luma() const {
    return exposure_basis == ExposureBasis::Faces ? face_luma : centre_luma;
  }
};

// Sharpness, exposure, contrast and quality of an 8-bit BGR (or grey) frame; total =
// quality x 1 / (1 + face_weight) until add_faces() says what faces it holds.
FrameScore score_frame(const cv::Mat& image, const FrameScoreOptions& options = {});

// The face score of `faces` found in a frame of `frame_size` (0 when none).
double face_score(const std::vector<Face>& faces, cv::Size frame_size,
                  const FrameScoreOptions& options = {});

// Records the faces found in the scored frame `image` (the picture score_frame() was
// given, or the same at another size; boxes in its pixels) and updates faces, the
// exposure (judged on the faces when there are any), quality and total.
void add_faces(FrameScore& score, std::vector<Face> faces, const cv::Mat& image,
               const FrameScoreOptions& options = {});

// Why the frame may not be a cover ("dark", "overexposed", "flat", "blurred"), or nullptr
// when it may.
const char* rejection(const FrameScore& score, const FrameScoreOptions& options = {});
// The same in words, with the figures behind it ("" when it may be a cover).
std::string rejection_detail(const FrameScore& score, const FrameScoreOptions& options = {});

}  // namespace reelpack
