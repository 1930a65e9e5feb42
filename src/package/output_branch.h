// One video encode of a package job and the outputs it feeds, run by one worker thread
// (package/encodes.h starts one per encode): the decoder thread offers it frames through a
// small bounded queue of reference-counted frames; the worker filters and encodes the
// picture once (package/video_encode.h) and muxes the packets, beside each output's own
// audio, into every output file (package/output_writer.h). Outputs whose presets differ
// only in audio or tags (OutputPlan::same_video_as) share the video packets; one whose
// muxing or audio fails fails alone, a failing video encode fails all.
//
//   OutputBranch b(plans, input, job, {"tiktok, douyin"}, subtitles);
//   b.start();
//   b.offer(StreamKind::Video, frame);   // from the decoder thread, nullptr at the end
//   b.close_input();
//   std::vector<OutputReport> reports = b.finish();
#pragma once

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/bounded_queue.h"
#include "media/av_ptr.h"
#include "media/input.h"
#include "package/job.h"
#include "package/output_writer.h"
#include "package/plan.h"
#include "package/report.h"
#include "package/video_encode.h"

namespace reelpack {

// Why an output of `frames` video frames must not be committed (it holds fewer than the
// input gave for it, or none), or "" when it may be.
using FrameCheck = std::function<std::string(const OutputPlan& plan, int64_t frames)>;

class OutputBranch {
 public:
  // `plans`: the outputs this encode writes; the first one's video settings rule (the
  // others' are equal). `for_presets[k]` names every preset output k's file serves (the
  // comment tag says so). Throws when no output can be set up.
  OutputBranch(const std::vector<OutputPlan>& plans, const InputFile& input, const PackageJob& job,
               const std::vector<std::string>& for_presets,
               const std::vector<TimedSubtitles>& subtitles);
  ~OutputBranch();
  OutputBranch(const OutputBranch&) = delete;
  OutputBranch& operator=(const OutputBranch&) = delete;

  void start();
  // Called by the decoder thread. Returns false once every output of this encode failed.
  bool offer(StreamKind kind, const AVFrame* frame);
  // Branches whose filter chains are equal filter once: this branch's filtered frames also
  // go to `follower`, which encodes them as they are (the scaling is done once).
  void feed(OutputBranch* follower);
  // The decoder has handed out everything (a fed branch's queue closes once its leader
  // is done too).
  void close_input() { producer_done(); }
  void abort() { queue_.abort(); }
  // --reframe smart: each frame is cropped to its own window before the filter graph.
  void crop_with(std::shared_ptr<const FrameWindows> windows);

  // Joins the worker; commits each complete output that `check` passes (renames its
  // temporary into place). One report per output, in the order of the plans given.
  std::vector<OutputReport> finish(const FrameCheck& check = {});

 private:
  struct Item {
    StreamKind kind;
    av::FramePtr frame;  // null: end of that stream
    // A video frame that already went through another branch's filter graph (same
    // chain), with that graph's output time base.
    bool filtered = false;
    AVRational time_base{1, 1};
  };

  void connect_video();
  bool any_live() const;
  bool followers_live() const;
  // Called by the leader's worker thread.
  void offer_filtered(const AVFrame* frame, AVRational time_base);
  void leader_done(const std::string& failure);
  void producer_done();
  void run();
  void run_items();
  void handle(Item& item);
  void finish_outputs();

  std::string name_;
  std::filesystem::path video_path_;  // the output whose plan rules the video
  std::vector<std::unique_ptr<OutputWriter>> outputs_;
  std::optional<VideoEncode> video_;
  bool uses_input_audio_ = false;
  std::vector<OutputBranch*> followers_;  // fed this branch's filtered frames
  bool fed_ = false;                      // its video comes from a leader, not the decoder
  std::atomic<int> producers_{1};         // the decoder, and the leader when fed
  std::mutex upstream_mutex_;
  std::string upstream_error_;  // why the leader stopped feeding this branch
  BoundedQueue<Item> queue_{16};
  std::atomic<bool> failed_{false};
  std::exception_ptr error_;
  std::thread worker_;
};

}  // namespace reelpack
