// A drawn face for tests of face detection and smart reframing: skin-coloured oval, hair,
// eyebrows, eyes with pupils, nose line, mouth and shoulders. OpenCV's frontal Haar cascade
// finds it much as it finds a real face (the eye band darker than the cheeks and the bridge
// of the nose), so tests can place a face exactly where they want it.
//
//   cv::Mat img(540, 960, CV_8UC3, cv::Scalar(90, 110, 80));
//   draw_face(img, {240, 230}, 120);                 // centre, face height in px
//   FaceBox truth = face_box({240, 230}, 120);       // the oval's bounding box
#pragma once

#include <opencv2/core.hpp>

namespace reelpack::test {

struct DrawnFace {
  double tilt_deg = 0;  // the head turned in the picture plane (clockwise)
  double turn = 0;      // -1..1: features shifted sideways, as a three-quarter view
};

// The face's oval is face_height_px tall and 0.75 of that wide, centred on `centre`.
void draw_face(cv::Mat& img, cv::Point centre, int face_height_px, DrawnFace how = {});

// The oval's bounding box (no hair, no shoulders).
cv::Rect face_box(cv::Point centre, int face_height_px);

}  // namespace reelpack::test
