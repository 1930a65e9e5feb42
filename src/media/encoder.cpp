#include "media/encoder.h"

extern "C" {
#include <libavutil/opt.h>
}

#include <cmath>

#include "media/av_error.h"
#include "util/error.h"

namespace reelpack {

namespace {
const AVCodec* find_encoder(const std::string& name, const std::string& file) {
  const AVCodec* codec = avcodec_find_encoder_by_name(name.c_str());
  if (!codec) {
    throw ProcessingError(file + ": encoder '" + name +
                          "' is not in this FFmpeg build; install it or choose another codec");
  }
  return codec;
}

void set_private(AVCodecContext* ctx, const char* key, const std::string& value,
                 const std::string& file) {
  const int ret = av_opt_set(ctx->priv_data, key, value.c_str(), 0);
  if (ret < 0) {
    throw ProcessingError(file + ": the " + ctx->codec->name + " encoder rejects " + key + " = " +
                          value + " (" + av::error_text(ret) + ")");
  }
}
}  // namespace

Encoder Encoder::video(const VideoEncoderSettings& s, bool global_header,
                       const std::string& file) {
  const AVCodec* codec = find_encoder(s.codec, file);
  Encoder e;
  e.file_ = file;
  e.packet_ = av::make_packet();
  e.ctx_.reset(avcodec_alloc_context3(codec));
  if (!e.ctx_) throw std::bad_alloc();
  AVCodecContext* c = e.ctx_.get();
  c->width = s.width_px;
  c->height = s.height_px;
  c->pix_fmt = s.pix_fmt;
  c->sample_aspect_ratio = {1, 1};
  c->framerate = s.frame_rate;
  c->time_base = av_inv_q(s.frame_rate);
  c->gop_size = s.gop_frames;
  c->max_b_frames = s.bframes;
  c->flags |= AV_CODEC_FLAG_CLOSED_GOP;
  if (global_header) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  c->rc_max_rate = s.maxrate_bps;
  c->rc_buffer_size = static_cast<int>(std::min<int64_t>(s.bufsize_bits, INT32_MAX));
  c->thread_count = s.threads;
  // BT.709 tags: what every platform's SDR pipeline assumes for HD.
  c->color_primaries = AVCOL_PRI_BT709;
  c->color_trc = AVCOL_TRC_BT709;
  c->colorspace = AVCOL_SPC_BT709;
  c->color_range = AVCOL_RANGE_MPEG;

  const std::string crf = std::to_string(s.crf);
  if (s.codec == "libx264") {
    set_private(c, "preset", s.preset, file);
    set_private(c, "profile", s.profile, file);
    if (s.level != "auto") set_private(c, "level", s.level, file);
    set_private(c, "crf", crf, file);
  } else if (s.codec == "libx265") {
    set_private(c, "preset", s.preset, file);
    set_private(c, "profile", s.profile, file);
    set_private(c, "crf", crf, file);
    // libx265's wrapper does not map the closed-GOP flag or the B-frame count itself.
    std::string params = "open-gop=0:bframes=" + std::to_string(s.bframes) + ":log-level=error";
    if (s.level != "auto") params += ":level-idc=" + s.level;
    set_private(c, "x265-params", params, file);
    c->codec_tag = MKTAG('h', 'v', 'c', '1');  // Apple players want hvc1, not hev1
  } else if (s.codec == "libsvtav1") {
    set_private(c, "preset", s.preset, file);
    set_private(c, "crf", std::to_string(static_cast<int>(std::lround(s.crf))), file);
    c->profile = FF_PROFILE_AV1_MAIN;
  }
  av::check(avcodec_open2(c, codec, nullptr), (std::string("open the ") + s.codec + " encoder").c_str(),
            file);
  return e;
}

Encoder Encoder::audio(const AudioEncoderSettings& s, bool global_header,
                       const std::string& file) {
  const AVCodec* codec = find_encoder(s.codec, file);
  Encoder e;
  e.file_ = file;
  e.packet_ = av::make_packet();
  e.ctx_.reset(avcodec_alloc_context3(codec));
  if (!e.ctx_) throw std::bad_alloc();
  AVCodecContext* c = e.ctx_.get();
  c->sample_rate = s.sample_rate_hz;
  av_channel_layout_default(&c->ch_layout, s.channels);
  c->sample_fmt = codec->sample_fmts ? codec->sample_fmts[0] : AV_SAMPLE_FMT_FLTP;
  c->bit_rate = s.bitrate_bps;
  c->time_base = {1, s.sample_rate_hz};
  if (global_header) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  av::check(avcodec_open2(c, codec, nullptr), (std::string("open the ") + s.codec + " encoder").c_str(),
            file);
  return e;
}

void Encoder::send(const AVFrame* frame, const PacketSink& sink) {
  const int ret = avcodec_send_frame(ctx_.get(), frame);
  if (ret != AVERROR_EOF) av::check(ret, "encode", file_);
  for (;;) {
    const int r = avcodec_receive_packet(ctx_.get(), packet_.get());
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
    av::check(r, "encode", file_);
    sink(packet_.get());
    av_packet_unref(packet_.get());
  }
}

}  // namespace reelpack
