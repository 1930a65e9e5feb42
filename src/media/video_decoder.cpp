#include "media/video_decoder.h"

#include "core/error.h"
#include "media/av_error.h"

namespace reelpack {

VideoDecoder::VideoDecoder(const AVStream* st, const std::string& file) : file_(file) {
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) throw ProcessingError(av::no_decoder_text(file, st->codecpar->codec_id));
  ctx_.reset(avcodec_alloc_context3(codec));
  if (!ctx_) throw std::bad_alloc();
  av::check(avcodec_parameters_to_context(ctx_.get(), st->codecpar), "copy decoder parameters",
            file);
  ctx_->pkt_timebase = st->time_base;
  ctx_->thread_count = 0;  // libav picks one thread per core
  ctx_->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  av::check(avcodec_open2(ctx_.get(), codec, nullptr), "open the decoder", file);
}

void VideoDecoder::send(const AVPacket* packet, const FrameSink& sink) {
  int sret = avcodec_send_packet(ctx_.get(), packet);
  if (sret == AVERROR(EAGAIN)) {  // frames must come out before this packet goes in
    drain(sink);
    sret = avcodec_send_packet(ctx_.get(), packet);
  }
  if (sret < 0 && sret != AVERROR_EOF && !av::damaged_data(sret)) {
    av::check(sret, "send a packet to the decoder", file_);
  }
  drain(sink);
}

void VideoDecoder::drain(const FrameSink& sink) {
  for (int damaged = 0;;) {
    const int ret = avcodec_receive_frame(ctx_.get(), frame_.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    if (av::damaged_data(ret)) {  // a damaged frame: skip it
      // A decoder may answer every call with the same error: the next packet tries again.
      if (++damaged > av::kMaxDamagedInARow) return;
      continue;
    }
    damaged = 0;
    av::check(ret, "decode a frame", file_);
    AVFrame* f = frame_.get();
    if (f->best_effort_timestamp != AV_NOPTS_VALUE) f->pts = f->best_effort_timestamp;
    sink(f);
    av_frame_unref(f);
  }
}

}  // namespace reelpack
