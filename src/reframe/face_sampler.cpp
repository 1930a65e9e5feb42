#include "reframe/face_sampler.h"

#include <algorithm>
#include <cmath>

namespace reelpack {

FaceSampler::FaceSampler(const SmartAnalysisOptions& o, double to_src_x, double to_src_y,
                         Size source)
    : detector_(o.faces),
      to_src_x_(to_src_x),
      to_src_y_(to_src_y),
      source_(source),
      profile_interval_us_(std::llround(o.profile_interval_seconds * 1e6)),
      full_scan_us_(std::llround(o.full_scan_seconds * 1e6)),
      empty_scan_us_(std::llround(o.empty_scan_seconds * 1e6)),
      queue_(8) {
  worker_ = std::thread([this] { run(); });
}

FaceSampler::~FaceSampler() {
  queue_.abort();
  if (worker_.joinable()) worker_.join();
}

void FaceSampler::submit(int64_t frame, int64_t t_us, cv::Mat image, bool full) {
  submitted_.push_back(frame);
  queue_.push({frame, t_us, std::move(image), full});
}

std::vector<SubjectSample> FaceSampler::faces_between(int64_t first, int64_t end) {
  const auto due = static_cast<size_t>(std::lower_bound(submitted_.begin(), submitted_.end(), end) -
                                       submitted_.begin());
  std::unique_lock lock(mutex_);
  progress_.wait(lock, [&] { return done_ >= due || error_; });
  if (error_) std::rethrow_exception(error_);
  return samples_between(faces_, first, end);
}

std::vector<SubjectSample> FaceSampler::finish() {
  queue_.close();
  if (worker_.joinable()) worker_.join();
  if (error_) std::rethrow_exception(error_);
  return std::move(faces_);
}

void FaceSampler::run() {
  try {
    while (auto job = queue_.pop()) {
      sample(*job);
      const std::lock_guard lock(mutex_);
      ++done_;
      progress_.notify_all();
    }
  } catch (...) {
    const std::lock_guard lock(mutex_);
    error_ = std::current_exception();
    queue_.abort();
    progress_.notify_all();
  }
}

void FaceSampler::sample(const Job& job) {
  std::vector<SubjectBox> found;
  bool full = job.full || followed_.empty() || job.t_us >= next_full_us_;
  if (!full) {
    for (const cv::Rect& r : followed_) {
      for (const SubjectBox& b : detector_.detect_near(job.image, r)) {
        const bool again = std::any_of(found.begin(), found.end(), [&](const SubjectBox& f) {
          return (f.box & b.box).area() > 0;
        });
        if (!again) found.push_back(b);
      }
    }
    if (found.size() < followed_.size()) full = true;  // a face lost: look again now
  }
  if (full) {
    if (!job.full && followed_.empty() && job.t_us < next_full_us_) {
      return;  // nothing seen lately and no scan due: spare the frame
    }
    const bool profiles = job.t_us >= next_profile_us_;
    found = detector_.detect(job.image, profiles);
    if (profiles && found.empty()) next_profile_us_ = job.t_us + profile_interval_us_;
    next_full_us_ = job.t_us + (found.empty() ? empty_scan_us_ : full_scan_us_);
  }
  followed_.clear();
  const std::lock_guard lock(mutex_);
  for (const SubjectBox& b : found) {
    followed_.push_back(b.box);
    faces_.push_back({job.frame, to_source(cv::Rect2d(b.box), to_src_x_, to_src_y_, source_),
                      b.confidence, to_string(b.view)});
  }
}

}  // namespace reelpack
