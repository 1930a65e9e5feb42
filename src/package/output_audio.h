// One output's audio track in package(): the input's audio through the output's own
// filter chain and encoder, or generated silence when the input has none, written to the
// output's muxer.
//
//   OutputAudio audio(plan, mux, input.audio_time_base(), "out/ep01.tiktok.mp4");
//   audio.send(frame);                      // each decoded input frame; nullptr at its end
//   audio.silence_until(end_pts, video_tb); // silent outputs: keep up with the video
//   audio.finish(end_pts, video_tb);        // silent outputs: end exactly with the video
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "media/av_ptr.h"
#include "media/encoder.h"
#include "media/filter_graph.h"
#include "media/output.h"
#include "package/plan.h"

namespace reelpack {

class OutputAudio {
 public:
  // Opens the encoder and adds its stream to `mux` (before the muxer starts).
  OutputAudio(const OutputPlan& plan, Muxer& mux, AVRational input_time_base, std::string name);

  // The input's audio ended and was flushed (silent tracks never take input audio).
  bool done() const { return done_; }
  bool silent() const { return silent_; }
  // A decoded input frame; nullptr: the end of the input's audio, which flushes the chain.
  void send(AVFrame* frame);
  // Silent tracks: whole frames of silence up to the video's end so far (encoder time
  // base `video_tb`), so the muxer never buffers one stream waiting for the other.
  void silence_until(int64_t video_end_pts, AVRational video_tb);
  // Silent tracks: one short last frame lands exactly on the video's end, then the encoder
  // is flushed, so the track is no longer than the picture.
  void finish(int64_t video_end_pts, AVRational video_tb);

 private:
  void add_silence(int64_t video_end_pts, AVRational video_tb, bool last);
  void encode(const AVFrame* frame);

  Muxer& mux_;
  std::string name_;
  std::string filters_;
  AVRational input_time_base_;
  int sample_rate_hz_;
  bool silent_;
  Encoder encoder_;
  int stream_;
  std::optional<FilterGraph> graph_;  // built from the first input frame
  av::FramePtr frame_ = av::make_frame();
  int64_t silence_next_ = 0;  // samples of silence written so far
  bool done_;
};

}  // namespace reelpack
