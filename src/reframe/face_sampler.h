// Faces in the sampled frames of a smart-reframe analysis, found on a worker thread so
// that detection runs beside the decoder instead of after it (the decode callback only
// scales and queues a frame).
//
//   FaceSampler faces(options, source_w / 480.0, source_h / 270.0, source);
//   faces.submit(frame, t_us, small_bgr, /*full=*/false);   // at each sampling instant
//   std::vector<SubjectSample> found = faces.faces_between(0, frame + 1);  // waits
//   std::vector<SubjectSample> all = faces.finish();
//
// Frames are handled in the order they are submitted; which frames to sample stays with
// the caller. What to scan is the sampler's: around the faces of the last sample, or the
// whole frame when a full scan is due (every full_scan_seconds, empty_scan_seconds while
// none is seen, at once when a followed face is lost or the caller asks for it).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <mutex>
#include <opencv2/core.hpp>
#include <thread>
#include <vector>

#include "analysis/subject_detector.h"
#include "core/bounded_queue.h"
#include "core/geometry.h"
#include "reframe/smart_analysis.h"

namespace reelpack {

class FaceSampler {
 public:
  // (to_src_x, to_src_y): the scale from the submitted images' pixels to `source`'s.
  FaceSampler(const SmartAnalysisOptions& o, double to_src_x, double to_src_y, Size source);
  ~FaceSampler();
  FaceSampler(const FaceSampler&) = delete;
  FaceSampler& operator=(const FaceSampler&) = delete;

  // `image` (analysis size, BGR) is the sampler's from now on. `full`: scan the whole
  // frame whatever the schedule (a new shot).
  void submit(int64_t frame, int64_t t_us, cv::Mat image, bool full);

  // The faces found in frames [first, end), once every frame submitted before `end` is
  // done (waits for the worker). Rethrows a detection error.
  std::vector<SubjectSample> faces_between(int64_t first, int64_t end);

  // The BlazeFace model the detector runs; empty when it runs the Haar cascades alone.
  const std::filesystem::path& face_model() const { return detector_.face_model(); }

  // Waits for the queued frames; the faces in frame order. Rethrows a detection error.
  std::vector<SubjectSample> finish();

 private:
  struct Job {
    int64_t frame = 0;
    int64_t t_us = 0;
    cv::Mat image;
    bool full = false;
  };

  void run();
  // Around the faces of the last sample, or the whole frame when a full scan is due.
  void sample(const Job& job);

  SubjectDetector detector_;
  double to_src_x_, to_src_y_;
  Size source_;
  int64_t profile_interval_us_, full_scan_us_, empty_scan_us_;
  int64_t next_profile_us_ = INT64_MIN, next_full_us_ = INT64_MIN;
  std::vector<cv::Rect> followed_;  // faces of the last sample, analysis pixels
  std::vector<int64_t> submitted_;  // the frames submitted, in order (the caller's)
  std::mutex mutex_;                // guards faces_, done_ and error_
  std::condition_variable progress_;
  std::vector<SubjectSample> faces_;
  size_t done_ = 0;  // frames sampled (or spared) so far
  std::exception_ptr error_;
  BoundedQueue<Job> queue_;
  std::thread worker_;
};

}  // namespace reelpack
