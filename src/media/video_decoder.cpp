#include "media/video_decoder.h"

#include "core/error.h"
#include "media/av_error.h"

namespace reelpack {

VideoDecoder::VideoDecoder(const AVStream* st, const std::string& file) : file_(file) {
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) {
    throw ProcessingError(file + ": no decoder for " + avcodec_get_name(st->codecpar->codec_id) +
                          " in this FFmpeg build");
  }
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
  if (sret < 0 && sret != AVERROR_INVALIDDATA && sret != AVERROR_EOF) {
    av::check(sret, "send a packet to the decoder", file_);
  }
  drain(sink);
}

void VideoDecoder::drain(const FrameSink& sink) {
  for (;;) {
    const int ret = avcodec_receive_frame(ctx_.get(), frame_.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    if (ret == AVERROR_INVALIDDATA) continue;  // a damaged frame: skip it
    av::check(ret, "decode a frame", file_);
    AVFrame* f = frame_.get();
    if (f->best_effort_timestamp != AV_NOPTS_VALUE) f->pts = f->best_effort_timestamp;
    sink(f);
    av_frame_unref(f);
  }
}

}  // namespace reelpack
