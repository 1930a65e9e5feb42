#include "package/output_branch.h"

#include <algorithm>
#include <new>

#include "core/error.h"

namespace reelpack {

OutputBranch::OutputBranch(const std::vector<OutputPlan>& plans, const InputFile& input,
                           const PackageJob& job, const std::vector<std::string>& for_presets,
                           const std::vector<TimedSubtitles>& subtitles)
    : name_(plans.front().path.string()), video_path_(plans.front().path) {
  // Every output's file and muxer first: the encoder needs to know whether the
  // container wants global headers (the container is part of the shared settings).
  for (const OutputPlan& plan : plans) outputs_.push_back(std::make_unique<OutputWriter>(plan));
  const auto first_live =
      std::find_if(outputs_.begin(), outputs_.end(), [](const auto& o) { return !o->failed(); });
  if (first_live == outputs_.end()) std::rethrow_exception(outputs_.front()->error());
  video_.emplace(plans.front(), input.video_time_base(), input.info().video->sar,
                 (*first_live)->wants_global_header(), name_);
  connect_video();
  for (size_t k = 0; k < outputs_.size(); ++k) {
    outputs_[k]->start(video_->encoder(), input.audio_time_base(), job.metadata, for_presets[k],
                       subtitles);
  }
  uses_input_audio_ = std::any_of(outputs_.begin(), outputs_.end(),
                                  [](const auto& o) { return o->takes_input_audio(); });
  if (!any_live()) std::rethrow_exception(outputs_.front()->error());
}

// The encode's results: filtered frames to the branches it scales for, every packet to
// every output, and silent audio kept up with the picture.
void OutputBranch::connect_video() {
  VideoEncode::Sinks sinks;
  sinks.filtered = [this](const AVFrame* frame, AVRational time_base) {
    for (OutputBranch* f : followers_) f->offer_filtered(frame, time_base);
  };
  sinks.packets = [this](AVPacket* packet) {
    for (auto& o : outputs_) o->write_video(packet, video_->encoder().time_base());
  };
  sinks.encoded = [this](int64_t end_pts) {
    for (auto& o : outputs_) o->video_encoded(end_pts, video_->encoder().time_base());
  };
  video_->set_sinks(std::move(sinks));
}

OutputBranch::~OutputBranch() {
  queue_.abort();
  if (worker_.joinable()) worker_.join();
}

void OutputBranch::start() {
  worker_ = std::thread([this] { run(); });
}

bool OutputBranch::offer(StreamKind kind, const AVFrame* frame) {
  if (failed_.load()) return false;
  if (kind == StreamKind::Audio && !uses_input_audio_) return true;
  if (kind == StreamKind::Video && fed_) return true;  // its leader sends it filtered frames
  av::FramePtr copy;
  if (frame) {
    copy.reset(av_frame_clone(frame));  // a new reference, not a copy of the pixels
    if (!copy) throw std::bad_alloc();
  }
  return queue_.push({kind, std::move(copy)});
}

void OutputBranch::feed(OutputBranch* follower) {
  followers_.push_back(follower);
  follower->fed_ = true;
  follower->producers_ = 2;
}

void OutputBranch::crop_with(std::shared_ptr<const FrameWindows> windows) {
  video_->crop_with(std::move(windows));
}

std::vector<OutputReport> OutputBranch::finish(const FrameCheck& check) {
  if (worker_.joinable()) worker_.join();
  std::string upstream;
  {
    const std::lock_guard lock(upstream_mutex_);
    upstream = upstream_error_;
  }
  std::vector<OutputReport> reports;
  for (auto& o : outputs_) {
    std::exception_ptr error = error_;
    if (!error && upstream.empty() && check && !o->failed()) {
      const std::string too_few = check(o->plan(), video_->frames());
      if (!too_few.empty()) error = std::make_exception_ptr(ProcessingError(too_few));
    }
    OutputReport r = o->close(error, upstream);
    r.video_frames = video_->frames();
    if (r.path != video_path_) r.video_shared_from = video_path_;
    reports.push_back(std::move(r));
  }
  return reports;
}

bool OutputBranch::any_live() const {
  return std::any_of(outputs_.begin(), outputs_.end(), [](const auto& o) { return !o->failed(); });
}

bool OutputBranch::followers_live() const {
  return std::any_of(followers_.begin(), followers_.end(),
                     [](const OutputBranch* f) { return !f->failed_.load(); });
}

void OutputBranch::offer_filtered(const AVFrame* frame, AVRational time_base) {
  if (failed_.load()) return;
  av::FramePtr copy;
  if (frame) {
    copy.reset(av_frame_clone(frame));
    if (!copy) throw std::bad_alloc();
  }
  queue_.push({StreamKind::Video, std::move(copy), true, time_base});
}

void OutputBranch::leader_done(const std::string& failure) {
  if (!failure.empty()) {
    {
      const std::lock_guard lock(upstream_mutex_);
      upstream_error_ = failure;
    }
    failed_.store(true);
    queue_.abort();
  } else {
    producer_done();
  }
}

void OutputBranch::producer_done() {
  if (producers_.fetch_sub(1) == 1) queue_.close();
}

void OutputBranch::run() {
  std::string failure;
  try {
    run_items();
  } catch (const std::exception& e) {
    error_ = std::current_exception();
    failure = e.what();
  } catch (...) {
    error_ = std::current_exception();
    failure = "unexpected error";
  }
  if (error_) {
    failed_.store(true);
    queue_.abort();  // unblock the producer; it skips this encode from now on
  }
  for (OutputBranch* f : followers_) {
    f->leader_done(error_ ? "the shared scaling for " + name_ + " failed: " + failure : "");
  }
}

void OutputBranch::run_items() {
  while (auto item = queue_.pop()) {
    handle(*item);
    if (!any_live() && !followers_live()) {
      failed_.store(true);
      queue_.abort();
      return;
    }
    if (video_->done() && std::all_of(outputs_.begin(), outputs_.end(),
                                      [](const auto& o) { return o->audio_done(); })) {
      finish_outputs();
      return;
    }
  }
}

void OutputBranch::handle(Item& item) {
  if (item.kind == StreamKind::Video && item.filtered) {
    video_->send_filtered(item.frame.get(), item.time_base);
  } else if (item.kind == StreamKind::Video) {
    video_->send(item.frame.get());
  } else {
    for (auto& o : outputs_) o->send_audio(item.frame.get());
  }
}

// The video and every output's audio are flushed: the silent tracks' last frames, then
// each muxer's trailer, once.
void OutputBranch::finish_outputs() {
  for (auto& o : outputs_) o->finish(video_->end_pts(), video_->encoder().time_base());
}

}  // namespace reelpack
