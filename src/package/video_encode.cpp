#include "package/video_encode.h"

namespace reelpack {

VideoEncode::VideoEncode(const OutputPlan& plan, AVRational input_time_base, AVRational sar,
                         bool global_header, std::string name)
    : name_(std::move(name)),
      video_filters_(plan.video_filters),
      smart_filters_(plan.smart_filters),
      input_time_base_(input_time_base),
      sar_(sar),
      encoder_(Encoder::video(plan.video, global_header, name_)) {}

void VideoEncode::send(AVFrame* frame) {
  if (!frame) {
    flush();
    return;
  }
  if (windows_) {
    // The source graph re-times frames to the output rate; the frame's own timestamp
    // (which its window is looked up by) travels in `opaque`, which filters copy.
    frame->opaque = reinterpret_cast<void*>(static_cast<intptr_t>(frame->pts));
  }
  if (!graph_) {
    graph_.emplace(FilterGraph::video(frame, input_time_base_, sar_,
                                      windows_ ? smart_filters_.source : video_filters_, name_));
  }
  graph_->push(frame);
  drain_source();
}

void VideoEncode::send_filtered(AVFrame* frame, AVRational time_base) {
  if (!frame) {
    flush();
    return;
  }
  encode(frame, time_base);
}

// --reframe smart: each frame the source graph (rotation, rate) passes is cropped to its
// window and scaled (window graph), or in a blur-fill shot drawn whole over a blurred
// fill (fill graph). Both are one frame in, one frame out, so frames reach the encoder in
// order whichever graph draws them.
void VideoEncode::drain_source() {
  if (!windows_) {
    encode_ready(*graph_);
    return;
  }
  while (graph_->pull(whole_.get())) {
    draw_smart(whole_.get());
    av_frame_unref(whole_.get());
  }
}

void VideoEncode::draw_smart(AVFrame* whole) {
  const auto source_pts = static_cast<int64_t>(reinterpret_cast<intptr_t>(whole->opaque));
  const Rect window = windows_->at(source_pts);
  const bool fill = windows_->is_fill(window);
  // `whole` is this encode's own reference: cropping it moves only its data pointers,
  // never pixels another encode shares.
  if (!fill) crop_to_window(whole, window, name_);
  std::optional<FilterGraph>& graph = fill ? fill_graph_ : window_graph_;
  if (!graph) {
    graph.emplace(FilterGraph::video(whole, graph_->output_time_base(), whole->sample_aspect_ratio,
                                     fill ? smart_filters_.fill : smart_filters_.window, name_));
  }
  graph->push(whole);
  encode_ready(*graph);
}

// Encodes every frame `graph` has ready (after handing it to the branches this one
// scales for).
void VideoEncode::encode_ready(FilterGraph& graph) {
  while (graph.pull(frame_.get())) {
    sinks_.filtered(frame_.get(), graph.output_time_base());
    encode(frame_.get(), graph.output_time_base());
    av_frame_unref(frame_.get());
  }
}

// The one rescale from filter time base to encoder time base.
void VideoEncode::encode(AVFrame* frame, AVRational time_base) {
  frame->pts = av_rescale_q(frame->pts, time_base, encoder_.time_base());
  frame->pict_type = AV_PICTURE_TYPE_NONE;
  ++frames_;
  encoder_.send(frame, sinks_.packets);
  end_pts_ = frame->pts + 1;
  sinks_.encoded(end_pts_);
}

// The end of the video: each graph in the order frames pass through them, then the
// encoder. The muxers' trailers follow once the audio is done too (OutputBranch).
void VideoEncode::flush() {
  if (graph_) {
    graph_->push(nullptr);
    drain_source();
  }
  for (auto* g : {&window_graph_, &fill_graph_}) {
    if (*g) {
      (*g)->push(nullptr);
      encode_ready(**g);
    }
  }
  done_ = true;
  sinks_.filtered(nullptr, {1, 1});
  encoder_.send(nullptr, sinks_.packets);
}

}  // namespace reelpack
