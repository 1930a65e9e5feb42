#include "reframe/one_pass.h"

#include <new>
#include <stdexcept>

namespace reelpack {
namespace fs = std::filesystem;

namespace {

// Frames' decoded pictures, in bytes (their buffers).
int64_t buffer_bytes(const AVFrame* frame) {
  int64_t bytes = 0;
  for (const AVBufferRef* b : frame->buf) {
    if (b) bytes += static_cast<int64_t>(b->size);
  }
  return bytes;
}

// The analysis of frames [first, end) as an analysis of its own (frame `first` is its frame
// 0): whole shots, solved as solve_smart_path() solves them, shot by shot.
SmartAnalysis slice_of(const SmartAnalysis& so_far, int64_t first, int64_t end,
                       const std::vector<Shot>& shots, std::vector<SubjectSample> faces,
                       std::vector<SubjectSample> motion) {
  SmartAnalysis a;
  a.input = so_far.input;
  a.source = so_far.source;
  a.frame_rate = so_far.frame_rate;
  a.time_base = so_far.time_base;
  a.sample_seconds = so_far.sample_seconds;
  a.pts.assign(so_far.pts.begin() + first, so_far.pts.begin() + end);
  for (const Shot& s : shots) a.shots.push_back({s.start_frame - first, s.end_frame - first});
  for (SubjectSample& f : faces) f.frame -= first;
  for (SubjectSample& m : motion) m.frame -= first;
  a.faces = std::move(faces);
  a.motion = std::move(motion);
  return a;
}

}  // namespace

OnePassReframe::OnePassReframe(const fs::path& input, const MediaInfo& info, AVRational time_base,
                               const SmartAnalysisOptions& options, int64_t hold_limit_bytes)
    : analyser_(input, info, time_base, options),
      settings_(analyser_.so_far()),
      hold_limit_bytes_(hold_limit_bytes) {}

OnePassReframe::Camera OnePassReframe::camera(Size window) {
  if (state_ != State::Holding || analyser_.so_far().frame_count() > 0) {
    throw std::logic_error("OnePassReframe::camera: after the first frame");
  }
  for (const Track& t : tracks_) {
    if (t.window == window) return {t.path, t.windows};
  }
  auto path = std::make_shared<SmartPath>();
  path->geometry = {settings_.source, window};
  tracks_.push_back({window, path, std::make_shared<FrameWindows>(path->geometry)});
  return {tracks_.back().path, tracks_.back().windows};
}

void OnePassReframe::place(const SmartAnalysis& part, int64_t first) {
  for (Track& t : tracks_) {
    SmartPath solved = solve_smart_path(part, t.window);
    for (ShotPlan& shot : solved.shots) {
      shot.start_frame += first;
      shot.end_frame += first;
    }
    t.path->windows.insert(t.path->windows.end(), solved.windows.begin(), solved.windows.end());
    t.path->shots.insert(t.path->shots.end(), solved.shots.begin(), solved.shots.end());
    t.windows->append(part.pts, solved.windows);
  }
}

void OnePassReframe::deliver_held(size_t n, const Deliver& deliver) {
  for (size_t i = 0; i < n; ++i) {
    held_bytes_ -= buffer_bytes(held_[i].get());
    deliver(held_[i].get());
  }
  held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(n));
}

void OnePassReframe::take(AVFrame* frame, const Deliver& deliver) {
  expect(State::Holding, State::Overflowed, "take");
  analyser_.push(frame);
  if (state_ == State::Holding) {
    av::FramePtr held(av_frame_clone(frame));  // a reference, not a copy of the pixels
    if (!held) throw std::bad_alloc();
    held_bytes_ += buffer_bytes(held.get());
    held_.push_back(std::move(held));
  }
  // Every third of a second: are more shots over?
  if (++frames_since_check_ < 10) return;
  frames_since_check_ = 0;
  const ShotDetector::Settled settled = analyser_.settled();
  const SmartAnalysis& so_far = analyser_.so_far();
  int64_t end = placed_;
  std::vector<Shot> shots;
  for (const ShotBoundary& b : settled.boundaries) {
    if (b.frame <= placed_) continue;
    shots.push_back({end, b.frame});
    placed_boundaries_.push_back(b);
    end = b.frame;
  }
  if (end > placed_) {
    place(slice_of(so_far, placed_, end, shots, analyser_.faces_between(placed_, end),
                   samples_between(so_far.motion, placed_, end)),
          placed_);
    if (state_ == State::Holding) deliver_held(static_cast<size_t>(end - placed_), deliver);
    placed_ = end;
  }
  if (state_ == State::Holding && held_bytes_ > hold_limit_bytes_) {
    // The shot (and the seconds after it that settle it) outgrew the memory allowed: the
    // frames not delivered are decoded again once the analysis is complete.
    state_ = State::Overflowed;
    first_not_delivered_ = placed_;
    held_.clear();
    held_bytes_ = 0;
  }
}

SmartAnalysis OnePassReframe::complete(const std::vector<TimeRange>& ranges_read,
                                       std::vector<std::string>& warnings) {
  expect(State::Holding, State::Overflowed, "complete");
  SmartAnalysis a = analyser_.finish(ranges_read);
  // The shots placed while decoding stand. They end at settled boundaries, which are the
  // final ones there (ShotDetector::settled()); the check confirms it.
  std::vector<ShotBoundary> boundaries = placed_boundaries_;
  std::vector<int64_t> placed, final_placed;
  for (const ShotBoundary& b : placed_boundaries_) placed.push_back(b.frame);
  for (const ShotBoundary& b : a.boundaries) {
    if (b.frame <= placed_) {
      final_placed.push_back(b.frame);
    } else {
      boundaries.push_back(b);
    }
  }
  if (placed != final_placed) {
    warnings.push_back(
        "smart reframe: the shots placed while decoding differ from the final analysis; "
        "the crop path keeps the ones placed");
  }
  a.boundaries = std::move(boundaries);
  a.shots = shots_from_boundaries(a.boundaries, a.frame_count());
  // The rest: finish() sampled the last frame, so its faces and motion come from `a`.
  const int64_t first = placed_;
  if (a.frame_count() > first) {
    std::vector<Shot> rest;
    for (const Shot& sh : a.shots) {
      if (sh.start_frame >= first) rest.push_back(sh);
    }
    place(
        slice_of(a, first, a.frame_count(), rest, samples_between(a.faces, first, a.frame_count()),
                 samples_between(a.motion, first, a.frame_count())),
        first);
  }
  placed_ = a.frame_count();
  if (state_ == State::Overflowed) {
    decode_again_pts_ = a.pts.at(static_cast<size_t>(first_not_delivered_));
    state_ = State::DecodeAgain;
  } else {
    state_ = State::Complete;
  }
  return a;
}

void OnePassReframe::deliver_rest(const Deliver& deliver) {
  expect(State::Complete, State::Complete, "deliver_rest");
  deliver_held(held_.size(), deliver);
  held_bytes_ = 0;
  state_ = State::Delivered;
  deliver(nullptr);
}

std::optional<int64_t> OnePassReframe::decode_again_from() const {
  if (state_ != State::DecodeAgain) return std::nullopt;
  return decode_again_pts_;
}

void OnePassReframe::expect(State a, State b, const char* call) const {
  if (state_ != a && state_ != b) {
    throw std::logic_error(std::string("OnePassReframe::") + call + ": called out of order");
  }
}

}  // namespace reelpack
