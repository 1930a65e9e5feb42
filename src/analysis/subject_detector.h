// Faces in small frames, for smart reframing: MediaPipe's BlazeFace network when its
// model is installed (scripts/setup.sh; see analysis/blazeface_detector.h), else OpenCV's
// Haar cascades (Debian's opencv-data package) run on a grey copy of the frame, frontal
// first, then, optionally, the frontal cascade on the frame turned a little either way
// for tilted heads. Either way the profile cascade (facing either way) runs where nothing
// else is found. Plain C++ on cv::Mat; the caller decodes and downscales.
//
//   SubjectDetector detector;                      // throws UsageError without opencv-data
//   for (const SubjectBox& s : detector.detect(bgr_480px)) use(s.box, s.confidence);
//
// What the cascades find (tests/unit/test_subject_detector.cpp, on drawn faces): frontal and
// three-quarter faces from about 36 px high (at 480x270, an eighth of the frame height;
// down to min_face_px, 20 px, only sometimes), heads tilted up to about 10 degrees (up to
// 30 with tilt_deg = 20), profiles. What it misses: faces seen from behind or above,
// smaller faces, heavily occluded faces, and anything in deep shadow.
// Like any Haar cascade it finds an occasional face in texture; the camera path's
// running median and importance weighting keep such strays from moving the camera.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>

namespace reelpack {

enum class FaceView { Frontal, Profile, Tilted };
const char* to_string(FaceView view);  // "frontal", "profile", "tilted"

struct SubjectBox {
  cv::Rect box;           // pixels of the image passed to detect(), inside it
  double confidence = 0;  // 0..1, from how many neighbouring windows agreed
  FaceView view = FaceView::Frontal;
};

struct SubjectDetectorOptions {
  // Folder holding haarcascade_frontalface_alt2.xml and haarcascade_profileface.xml;
  // empty: find_cascade_dir() looks in the usual places.
  std::filesystem::path cascade_dir;
  int min_face_px = 20;  // smallest face side searched for, in image pixels
  // Between detection scales. 1.1 finds faces from about 36 px and tilted up to 10 degrees
  // reliably; 1.15 or 1.2 are a third faster but miss some of those.
  double scale_step = 1.1;
  // The profile passes' step: coarser, as profiles are looked for less often and count
  // less (a profile hit is 0.8 as confident as a frontal one).
  double profile_scale_step = 1.2;
  int min_neighbours = 3;  // overlapping hits needed for a face
  // Profile passes (the cascade, and on the mirrored image for the other side) when the
  // frontal pass finds nothing; detect() can skip them per call.
  bool profiles = true;
  // > 0: when nothing upright is found, the frontal cascade also runs on the image turned
  // by +tilt_deg and -tilt_deg (two more passes). 0: off.
  double tilt_deg = 0;
  // BlazeFace (analysis/blazeface_detector.h) replaces the frontal and tilted cascade
  // passes when its model is installed: it finds the same faces and also three-quarter,
  // tilted and smaller ones (tests/bench/eval_faces.cpp). The profile cascade still runs
  // where it finds nothing. false, or no model installed: the cascades alone.
  bool use_blazeface = true;
  // The model file; empty: find_blazeface_model() looks in the usual places.
  std::filesystem::path face_model;
  // BlazeFaceOptions::tiles: 2 scans a wide frame as two squares (faces half the size are
  // found, for twice the time); 1 as one.
  int blazeface_tiles = 2;
};

// The folder holding the cascades: `preferred` when given (it must hold them), else
// $REELPACK_CASCADES, /usr/share/opencv4/haarcascades, /usr/share/opencv/haarcascades,
// /usr/local/share/opencv4/haarcascades. Throws UsageError naming the folder looked in
// and saying to install opencv-data.
std::filesystem::path find_cascade_dir(const std::filesystem::path& preferred = {});

class BlazeFaceDetector;

class SubjectDetector {
 public:
  explicit SubjectDetector(SubjectDetectorOptions options = {});

  // Faces in `image` (8-bit BGR or grey), overlapping hits of different passes merged
  // (the more confident kept). `with_profiles` = false runs the frontal pass only (the
  // cheap pass, for frequent sampling). Not thread-safe (the cascades keep scratch state).
  std::vector<SubjectBox> detect(const cv::Mat& image, bool with_profiles = true);

  // The face found at `previous` in an earlier frame, looked for again only around it
  // (three times its size) and at scales near its own: frontal, then the profiles. A few
  // times cheaper than detect(), for following faces between full scans; it finds no new
  // faces. Empty when the face is gone.
  std::vector<SubjectBox> detect_near(const cv::Mat& image, const cv::Rect& previous);

  const SubjectDetectorOptions& options() const { return options_; }
  // The BlazeFace model in use; empty when the cascades work alone.
  const std::filesystem::path& face_model() const { return face_model_; }

  ~SubjectDetector();
  SubjectDetector(SubjectDetector&&) noexcept;
  SubjectDetector& operator=(SubjectDetector&&) noexcept;

 private:
  void prepare(const cv::Mat& image);
  std::vector<SubjectBox> run(cv::CascadeClassifier& cascade, const cv::Mat& grey, FaceView view,
                              double confidence_scale, cv::Size min_size, cv::Size max_size = {});
  std::vector<SubjectBox> profiles(const cv::Mat& grey, cv::Size min_size, cv::Size max_size = {});

  SubjectDetectorOptions options_;
  std::filesystem::path face_model_;
  std::unique_ptr<BlazeFaceDetector> blazeface_;
  cv::CascadeClassifier frontal_;
  cv::CascadeClassifier profile_;
  cv::Mat grey_, equalised_, scratch_;
};

}  // namespace reelpack
