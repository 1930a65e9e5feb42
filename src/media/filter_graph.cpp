#include "media/filter_graph.h"

#include <algorithm>

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/opt.h>
}

#include "core/error.h"
#include "media/av_error.h"

namespace reelpack {

void FilterGraph::build(const std::string& source_args, const char* source_name,
                        const std::string& description, const std::string& file) {
  file_ = file;
  graph_.reset(avfilter_graph_alloc());
  if (!graph_) throw std::bad_alloc();
  // nb_threads stays at libav's default (one per core): scaling slices in parallel keeps
  // a single output's worker from becoming the bottleneck ahead of x264.
  const bool is_video = std::string(source_name) == "buffer";
  const AVFilter* src = avfilter_get_by_name(source_name);
  const AVFilter* sink = avfilter_get_by_name(is_video ? "buffersink" : "abuffersink");
  av::check(
      avfilter_graph_create_filter(&source_, src, "in", source_args.c_str(), nullptr, graph_.get()),
      "create the filter source", file);
  av::check(avfilter_graph_create_filter(&sink_, sink, "out", nullptr, nullptr, graph_.get()),
            "create the filter sink", file);

  av::FilterInOutPtr outputs(avfilter_inout_alloc());
  av::FilterInOutPtr inputs(avfilter_inout_alloc());
  if (!outputs || !inputs) throw std::bad_alloc();
  outputs->name = av_strdup("in");
  outputs->filter_ctx = source_;
  outputs->pad_idx = 0;
  outputs->next = nullptr;
  inputs->name = av_strdup("out");
  inputs->filter_ctx = sink_;
  inputs->pad_idx = 0;
  inputs->next = nullptr;

  AVFilterInOut* in_raw = inputs.release();
  AVFilterInOut* out_raw = outputs.release();
  const int ret =
      avfilter_graph_parse_ptr(graph_.get(), description.c_str(), &in_raw, &out_raw, nullptr);
  // parse_ptr leaves the unlinked remainders in the lists; they are ours to free.
  av::FilterInOutPtr in_left(in_raw), out_left(out_raw);
  if (ret < 0) {
    throw ProcessingError(file + ": cannot build the filter graph '" + description + "' (" +
                          av::error_text(ret) + ")");
  }
  av::check(avfilter_graph_config(graph_.get(), nullptr), "configure the filter graph", file);
}

FilterGraph FilterGraph::video(const AVFrame* f, AVRational tb, AVRational sar,
                               const std::string& description, const std::string& file) {
  FilterGraph g;
  const std::string args = "video_size=" + std::to_string(f->width) + "x" +
                           std::to_string(f->height) + ":pix_fmt=" + std::to_string(f->format) +
                           ":time_base=" + std::to_string(tb.num) + "/" + std::to_string(tb.den) +
                           ":pixel_aspect=" + std::to_string(sar.num) + "/" +
                           std::to_string(sar.den);
  g.build(args, "buffer", description, file);
  g.time_base_ = tb;
  g.end_clock_ = FrameEndClock(tb);
  return g;
}

FilterGraph FilterGraph::audio(const AVFrame* f, AVRational tb, const std::string& description,
                               int frame_size, const std::string& file) {
  FilterGraph g;
  char layout[256] = {};
  AVChannelLayout ch{};
  if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
    av_channel_layout_default(&ch, f->ch_layout.nb_channels);  // guess, as ffmpeg does
  } else {
    av_channel_layout_copy(&ch, &f->ch_layout);
  }
  av_channel_layout_describe(&ch, layout, sizeof layout);
  av_channel_layout_uninit(&ch);
  const std::string args = "time_base=" + std::to_string(tb.num) + "/" + std::to_string(tb.den) +
                           ":sample_rate=" + std::to_string(f->sample_rate) +
                           ":sample_fmt=" + std::to_string(f->format) + ":channel_layout=" + layout;
  g.build(args, "abuffer", description, file);
  g.time_base_ = tb;
  g.end_clock_ = FrameEndClock(tb);
  if (frame_size > 0) av_buffersink_set_frame_size(g.sink_, static_cast<unsigned>(frame_size));
  return g;
}

void FilterGraph::push(AVFrame* frame) {
  if (!frame) {
    // Close at the end of the last frame, not at its start, so the fps filter keeps the
    // last frame for its whole duration (as the ffmpeg command line does).
    av::check(av_buffersrc_close(source_, end_pts_, AV_BUFFERSRC_FLAG_PUSH), "end the filter input",
              file_);
    return;
  }
  end_pts_ = std::max(end_pts_, end_clock_.end_of(frame));
  av::check(av_buffersrc_add_frame_flags(source_, frame, AV_BUFFERSRC_FLAG_KEEP_REF),
            "feed the filter graph", file_);
}

bool FilterGraph::pull(AVFrame* out) {
  const int ret = av_buffersink_get_frame(sink_, out);
  if (ret == AVERROR(EAGAIN)) return false;
  if (ret == AVERROR_EOF) {
    finished_ = true;
    return false;
  }
  av::check(ret, "filter a frame", file_);
  return true;
}

AVRational FilterGraph::output_time_base() const {
  return av_buffersink_get_time_base(sink_);
}
AVRational FilterGraph::output_frame_rate() const {
  return av_buffersink_get_frame_rate(sink_);
}

}  // namespace reelpack
