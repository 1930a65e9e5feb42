#include "reframe/frame_analyser.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <string>

#include "core/error.h"
#include "media/av_error.h"
#include "media/filter_chains.h"

namespace reelpack {
namespace fs = std::filesystem;

FrameAnalyser::FrameAnalyser(const fs::path& path, const MediaInfo& info, AVRational time_base,
                             const SmartAnalysisOptions& opt)
    : opt_(opt), path_(path) {
  if (opt.width_px < 64 || opt.width_px % 2) {
    throw UsageError("smart reframe: the analysis width must be even and at least 64 px");
  }
  if (!(opt.face_interval_seconds > 0) || !(opt.profile_interval_seconds > 0) ||
      !(opt.full_scan_seconds > 0) || !(opt.empty_scan_seconds > 0)) {
    throw UsageError("smart reframe: detection intervals must be positive");
  }
  if (!info.video) throw UsageError(path.string() + ": has no video stream to reframe");
  const VideoInfo& v = *info.video;
  const int rotation = v.rotation_deg;
  if (rotation != 0 && rotation != 90 && rotation != 180 && rotation != 270) {
    throw UsageError(path.string() + ": --reframe smart: rotation " + std::to_string(rotation) +
                     " degrees is not a quarter turn; re-encode it upright first");
  }
  SmartAnalysis& a = a_;
  a.input = path;
  // Everything from here on is in display orientation, as the outputs are cropped.
  a.source = rotated_size({v.width_px, v.height_px}, rotation);
  const Rational fr = v.nominal_frame_rate();
  a.frame_rate = fr.num > 0 ? fr : Rational{30, 1};
  a.time_base = time_base;
  a.sample_seconds = opt.face_interval_seconds;

  // The analysis frame keeps the displayed aspect (non-square pixels are resampled).
  const PixelAspect par = rotated_aspect({v.sar.num, v.sar.den}, rotation);
  const double sar = par.num > 0 && par.den > 0 ? static_cast<double>(par.num) / par.den : 1.0;
  aw_ = opt.width_px;
  ah_ = even(aw_ * static_cast<double>(a.source.height_px) / (a.source.width_px * sar));
  sw_ = kShotAnalysisWidthPx;
  sh_ = even(sw_ * static_cast<double>(ah_) / aw_);
  small_to_src_x_ = static_cast<double>(a.source.width_px) / sw_;
  small_to_src_y_ = static_cast<double>(a.source.height_px) / sh_;
  to_small_.emplace(rotation, BgrConverter::Scaling::Fast, path.string());
  to_analysis_.emplace(rotation, BgrConverter::Scaling::Fast, path.string());
  if (opt.detect) {
    shots_.emplace(a.frame_rate, opt.shots);
    faces_.emplace(opt, static_cast<double>(a.source.width_px) / aw_,
                   static_cast<double>(a.source.height_px) / ah_, a.source);
    a.face_model = faces_->face_model();
    a.face_detector = a.face_model.empty() ? "haar" : "blazeface";
  }
  face_interval_us_ = std::llround(opt.face_interval_seconds * 1e6);
}

void FrameAnalyser::push(const AVFrame* f) {
  SmartAnalysis& a = a_;
  const int64_t index = a.frame_count();
  a.pts.push_back(f->pts);
  // The frame's end as the filter graph reckons it (FilterGraph::push).
  a.end_pts = std::max(a.end_pts, end_clock_.end_of(f));
  if (!opt_.detect) return;
  const int64_t t_us = a.to_us(f->pts);

  // Every frame at 256 px (shots, motion); sampled frames at the analysis width (faces).
  small_ = to_small_->convert(f, {sw_, sh_});
  shots_->push(small_);
  cv::cvtColor(small_, grey_, cv::COLOR_BGR2GRAY);
  const bool likely_cut = !previous_grey_.empty() && guess_cut(index);
  std::swap(grey_, previous_grey_);
  // The frame before is kept (a reference, not a copy) so that at a likely cut the
  // shot's last moments can be sampled too.
  av_frame_unref(previous_frame_.get());
  av::check(av_frame_ref(previous_frame_.get(), f), "keep a frame for analysis", path_.string());
  previous_us_ = t_us;

  if (t_us < next_face_us_ && !likely_cut) return;
  // A sampling instant: faces in this frame, motion over the interval that ends here.
  next_face_us_ =
      (next_face_us_ == INT64_MIN || likely_cut ? t_us : next_face_us_) + face_interval_us_;
  if (next_face_us_ <= t_us) next_face_us_ = t_us + face_interval_us_;  // after a gap
  sample_motion(index);
  sample_faces(f, index, t_us, likely_cut);
}

bool FrameAnalyser::guess_cut(int64_t index) {
  cv::absdiff(grey_, previous_grey_, diff_);
  // A cheap cut guess (the shot detector decides later): the picture changes far more
  // than it has been changing. Then the frame before is sampled, so the camera knows
  // where the subject was when the shot ended, and the new shot is sampled at once.
  const double change = cv::mean(diff_)[0];
  const bool likely_cut = change > std::max(6.0, 4.0 * typical_change_);
  typical_change_ = likely_cut ? typical_change_ : 0.9 * typical_change_ + 0.1 * change;
  if (likely_cut) {
    if (last_sampled_ < index - 1) {
      sample_motion(index - 1);
      sample_faces(previous_frame_.get(), index - 1, previous_us_, false);
    }
    moments_.clear();  // no motion measured across a cut
    interval_first_ = index;
  } else {
    accumulate_motion(diff_, moments_);
  }
  return likely_cut;
}

ShotDetector::Settled FrameAnalyser::settled() const {
  return shots_ ? shots_->settled() : ShotDetector::Settled{};
}

std::vector<SubjectSample> FrameAnalyser::faces_between(int64_t first, int64_t end) {
  return faces_ ? faces_->faces_between(first, end) : std::vector<SubjectSample>{};
}

SmartAnalysis FrameAnalyser::finish(const std::vector<TimeRange>& actual) {
  SmartAnalysis& a = a_;
  if (a.pts.empty()) throw ProcessingError(path_.string() + ": no video frame could be decoded");
  if (opt_.detect && last_sampled_ < a.frame_count() - 1) {
    // The last frame too, as at a cut: else the camera holds the last sample's position
    // for up to a sampling interval, while a walking subject walks on out of the window.
    sample_motion(a.frame_count() - 1);
    sample_faces(previous_frame_.get(), a.frame_count() - 1, previous_us_, false);
  }
  av_frame_unref(previous_frame_.get());

  const std::vector<ShotBoundary> joins = retime(actual);
  if (faces_) a.faces = faces_->finish();
  if (shots_) a.boundaries = shots_->finish();
  for (const ShotBoundary& j : joins) {
    const bool known = std::any_of(a.boundaries.begin(), a.boundaries.end(),
                                   [&](const ShotBoundary& b) { return b.frame == j.frame; });
    if (!known) a.boundaries.push_back(j);
  }
  std::sort(a.boundaries.begin(), a.boundaries.end(),
            [](const ShotBoundary& x, const ShotBoundary& y) { return x.frame < y.frame; });
  a.shots = shots_from_boundaries(a.boundaries, a.frame_count());
  return std::move(a);
}

std::vector<ShotBoundary> FrameAnalyser::retime(const std::vector<TimeRange>& actual) {
  SmartAnalysis& a = a_;
  std::vector<ShotBoundary> joins;
  a.source_us.resize(a.pts.size());
  size_t range = 0;
  int64_t offset_us = 0;
  for (size_t i = 0; i < a.pts.size(); ++i) {
    const int64_t t_us = a.to_us(a.pts[i]);
    if (actual.empty()) {
      a.source_us[i] = t_us;
      continue;
    }
    while (range + 1 < actual.size() && t_us >= offset_us + actual[range].length_us()) {
      offset_us += actual[range].length_us();
      ++range;
      const auto frame = static_cast<int64_t>(i);
      joins.push_back({frame, TransitionKind::Cut, frame, frame, 0.0});
    }
    a.source_us[i] = actual[range].start_us + t_us - offset_us;
  }
  return joins;
}

void FrameAnalyser::sample_faces(const AVFrame* frame, int64_t index, int64_t t_us, bool full) {
  faces_->submit(index, t_us, to_analysis_->convert(frame, {aw_, ah_}).clone(), full);
  last_sampled_ = index;
}

void FrameAnalyser::sample_motion(int64_t frame) {
  if (const auto box = motion_box(moments_, cv::Size(sw_, sh_))) {
    a_.motion.push_back({(interval_first_ + frame) / 2,
                         to_source(*box, small_to_src_x_, small_to_src_y_, a_.source), 0.6,
                         "motion"});
  }
  moments_.clear();
  interval_first_ = frame;
}

}  // namespace reelpack
