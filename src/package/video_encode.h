// The picture of one video encode in package(), run on its branch's worker thread: the
// decoded frames through the output's filter graph (--reframe smart: a source graph, then
// per frame a window or a fill graph), then one encoder. At the end of the video flush()
// drains every graph, in the order frames pass through them, then the encoder: once.
//
//   VideoEncode video(plan, input.video_time_base(), sar, mux.wants_global_header(), name);
//   video.set_sinks({.filtered = ..., .packets = [&](AVPacket* p) { ... }, .encoded = ...});
//   video.send(frame);   // each decoded frame; nullptr at the end of the video
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "media/av_ptr.h"
#include "media/encoder.h"
#include "media/filter_graph.h"
#include "package/plan.h"
#include "reframe/smart_reframe.h"

namespace reelpack {

class VideoEncode {
 public:
  // Where the encode's results go.
  struct Sinks {
    // Each filtered frame, before it is encoded, with the graph's output time base (the
    // branches this one scales for); nullptr at the end.
    std::function<void(const AVFrame*, AVRational)> filtered;
    Encoder::PacketSink packets;  // every packet, in the encoder's time base
    // After each frame encoded: the end of the video so far, in the encoder's time base.
    std::function<void(int64_t)> encoded;
  };

  // Opens the encoder with `plan`'s video settings; the graphs are built from the first
  // frame. `input_time_base` and `sar` describe the decoded frames.
  VideoEncode(const OutputPlan& plan, AVRational input_time_base, AVRational sar,
              bool global_header, std::string name);

  void set_sinks(Sinks sinks) { sinks_ = std::move(sinks); }
  // --reframe smart: each frame is cropped to its own window before it is scaled.
  void crop_with(std::shared_ptr<const FrameWindows> windows) { windows_ = std::move(windows); }

  // A decoded frame (this encode's own reference); nullptr: the end of the video.
  void send(AVFrame* frame);
  // A frame another encode's graph filtered (same chain) in `time_base`: encoded as it is.
  void send_filtered(AVFrame* frame, AVRational time_base);

  const Encoder& encoder() const { return encoder_; }
  bool done() const { return done_; }  // the end of the video went through
  int64_t frames() const { return frames_; }
  int64_t end_pts() const { return end_pts_; }  // encoder time base

 private:
  void drain_source();
  void draw_smart(AVFrame* whole);
  void encode_ready(FilterGraph& graph);
  void encode(AVFrame* frame, AVRational time_base);
  void flush();

  std::string name_;
  std::string video_filters_;
  SmartFilterChains smart_filters_;  // --reframe smart, with crop_with()
  AVRational input_time_base_, sar_;
  Encoder encoder_;
  Sinks sinks_;
  std::optional<FilterGraph> graph_;
  // --reframe smart: graph_ runs the source chain; these draw its frames.
  std::optional<FilterGraph> window_graph_, fill_graph_;
  std::shared_ptr<const FrameWindows> windows_;
  av::FramePtr frame_ = av::make_frame();
  av::FramePtr whole_ = av::make_frame();
  int64_t end_pts_ = 0;  // end of the last encoded frame, encoder time base
  int64_t frames_ = 0;
  bool done_ = false;
};

}  // namespace reelpack
