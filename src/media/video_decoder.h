// A decoder for one video stream fed with packets the caller reads itself: a copy cut
// reads every packet once, copies most of them and decodes only the few GOPs it re-encodes.
//
//   VideoDecoder dec(input.format()->streams[v], "master.mp4");
//   dec.send(pkt, [&](AVFrame* f) { ... });       // f->pts: best-effort, stream time base
//   dec.send(nullptr, [&](AVFrame* f) { ... });   // end: the frames still held come out
#pragma once

#include <functional>
#include <string>

#include "media/av_ptr.h"

namespace reelpack {

class VideoDecoder {
 public:
  using FrameSink = std::function<void(AVFrame*)>;

  // Throws ProcessingError naming `file` when there is no decoder for the stream.
  VideoDecoder(const AVStream* stream, const std::string& file);

  // Sends a packet (nullptr: the end of the stream) and hands every frame ready to `sink`,
  // with pts set to its best-effort timestamp. Damaged packets are skipped, as players do.
  void send(const AVPacket* packet, const FrameSink& sink);

 private:
  void drain(const FrameSink& sink);
  av::CodecContextPtr ctx_;
  av::FramePtr frame_ = av::make_frame();
  std::string file_;
};

}  // namespace reelpack
