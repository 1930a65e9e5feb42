#include "package/output_audio.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/samplefmt.h>
}

#include <algorithm>

#include "media/av_error.h"

namespace reelpack {

OutputAudio::OutputAudio(const OutputPlan& plan, Muxer& mux, AVRational input_time_base,
                         std::string name)
    : mux_(mux),
      name_(std::move(name)),
      filters_(plan.audio_filters),
      input_time_base_(input_time_base),
      sample_rate_hz_(plan.audio.sample_rate_hz),
      silent_(plan.silent_audio),
      encoder_(Encoder::audio(plan.audio, mux.wants_global_header(), name_)),
      stream_(mux.add_stream(encoder_)),
      done_(plan.silent_audio) {}

void OutputAudio::send(AVFrame* frame) {
  if (done_) return;
  if (frame && !graph_) {
    graph_.emplace(
        FilterGraph::audio(frame, input_time_base_, filters_, encoder_.frame_size(), name_));
  }
  if (graph_) {
    graph_->push(frame);
    while (graph_->pull(frame_.get())) {
      frame_->pts = av_rescale_q(frame_->pts, graph_->output_time_base(), encoder_.time_base());
      encode(frame_.get());
      av_frame_unref(frame_.get());
    }
  }
  if (!frame) {
    done_ = true;
    encode(nullptr);
  }
}

void OutputAudio::silence_until(int64_t video_end_pts, AVRational video_tb) {
  if (silent_) add_silence(video_end_pts, video_tb, false);
}

void OutputAudio::finish(int64_t video_end_pts, AVRational video_tb) {
  if (!silent_) return;  // flushed at the end of the input's audio
  add_silence(video_end_pts, video_tb, true);
  encode(nullptr);
}

// Whole encoder frames while the video runs; at the end (`last`) one short frame.
void OutputAudio::add_silence(int64_t video_end_pts, AVRational video_tb, bool last) {
  const int64_t target = av_rescale_q(video_end_pts, video_tb, {1, sample_rate_hz_});
  const int frame_size = encoder_.frame_size() > 0 ? encoder_.frame_size() : 1024;
  for (;;) {
    const int64_t left = target - silence_next_;
    const int n = static_cast<int>(std::min<int64_t>(left, frame_size));
    if (n <= 0 || (n < frame_size && !last)) return;
    av::FramePtr s = av::make_frame();
    s->nb_samples = n;
    s->format = encoder_.context()->sample_fmt;
    s->sample_rate = sample_rate_hz_;
    av::check(av_channel_layout_copy(&s->ch_layout, &encoder_.context()->ch_layout),
              "set up silence", name_);
    av::check(av_frame_get_buffer(s.get(), 0), "allocate silence", name_);
    av_samples_set_silence(s->extended_data, 0, n, s->ch_layout.nb_channels,
                           static_cast<AVSampleFormat>(s->format));
    s->pts = silence_next_;
    silence_next_ += n;
    encode(s.get());
  }
}

void OutputAudio::encode(const AVFrame* frame) {
  encoder_.send(frame, [&](AVPacket* pkt) { mux_.write(pkt, stream_, encoder_.time_base()); });
}

}  // namespace reelpack
