// Faces for judging a frame as a cover: where they are, whether they look at the camera
// and whether their eyes are open. Plain C++ on cv::Mat; the caller decodes and downscales.
//
//   FaceDetector faces;                            // throws UsageError without opencv-data
//   for (const Face& f : faces.detect(bgr_480px)) use(f.box, f.view, f.eyes);
//
// Faces come from SubjectDetector (BlazeFace when its model is installed, else OpenCV's
// frontal Haar cascade; the profile cascade where those find nothing), so smart reframing
// and covers agree on what a face is. On top of that, each
// frontal face large enough to hold eyes is searched with OpenCV's eye cascade
// (haarcascade_eye.xml) in the upper part of its box, scaled up to a fixed size: two eyes
// found is "eyes open". Closed eyes, sunglasses and small faces find none, so `eyes` is a
// hint (the eye cascade misses some open eyes too), not a verdict; callers weigh it lightly.
#pragma once

#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>

#include "analysis/subject_detector.h"

namespace reelpack {

struct Face {
  cv::Rect box;  // pixels of the image passed to detect(), inside it
  FaceView view = FaceView::Frontal;
  double confidence = 0;  // 0..1
  // Eyes found inside a frontal face: 0, 1 or 2 (one per half of the face). -1: not
  // looked for (a profile, or a face smaller than FaceDetectorOptions::min_eye_face_px).
  int eyes = -1;
};

struct FaceDetectorOptions {
  // Passed to the face cascades. Covers care about faces a viewer sees, so the default
  // smallest face is larger than smart reframing's and the steps are coarser (faster).
  SubjectDetectorOptions faces = [] {
    SubjectDetectorOptions o;
    // A tenth of the height of a 480x270 scoring frame: smaller faces would earn a
    // cover little (face score 0.3 at most), and the smallest scales cost the most.
    o.min_face_px = 28;
    o.scale_step = 1.15;
    o.profile_scale_step = 1.2;
    o.min_neighbours = 3;
    // One BlazeFace square for the whole frame: a cover's faces are large.
    o.blazeface_tiles = 1;
    return o;
  }();
  // Wider images are searched for faces at this width (the cascades' cost grows with the
  // pixels; a cover's faces are large) and the boxes mapped back; eyes are looked for in
  // the image as given. 0: always at the size given.
  int search_width_px = 0;
  bool eyes = true;          // look for eyes in frontal faces
  int min_eye_face_px = 40;  // smaller frontal faces (in the image given) are not searched
                             // for eyes (eyes = -1)
};

class FaceDetector {
 public:
  // Loads the cascades (find_cascade_dir(); the eye cascade from the same folder). Throws
  // UsageError naming the folder and saying to install opencv-data when one is missing.
  explicit FaceDetector(FaceDetectorOptions options = {});

  // Faces in `image` (8-bit BGR or grey), largest first. The profile passes run only when
  // the frontal one finds nothing (SubjectDetector), and never with `with_profiles` = false. Not
  // thread-safe (the cascades keep scratch state).
  std::vector<Face> detect(const cv::Mat& image, bool with_profiles = true);

  // Eyes (0, 1 or 2) inside `face` of `image`: the eye cascade on the upper part of the
  // box, scaled to a fixed width. Exposed for tests and for callers with their own boxes.
  int count_eyes(const cv::Mat& image, const cv::Rect& face);

  const FaceDetectorOptions& options() const { return options_; }

 private:
  FaceDetectorOptions options_;
  SubjectDetector subjects_;
  cv::CascadeClassifier eye_;
  cv::Mat grey_, roi_, small_;
};

}  // namespace reelpack
