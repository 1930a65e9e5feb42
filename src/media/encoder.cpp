#include "media/encoder.h"

extern "C" {
#include <libavutil/opt.h>
}

#include <cmath>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "media/av_error.h"

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
// x265's HDR signalling: SEI for the mastering display (chromaticities in 0.00002,
// luminance in 0.0001 nits) and the content light levels.
std::string hdr_params(const VideoEncoderSettings& s) {
  std::string p;
  if (s.transfer == AVCOL_TRC_SMPTE2084) p += ":hdr10=1";
  if (s.transfer == AVCOL_TRC_ARIB_STD_B67) p += ":atc-sei=18";  // HLG, for HLG-aware players
  if (s.mastering) {
    const MasteringDisplay& m = *s.mastering;
    auto xy = [](double v) { return std::to_string(std::lround(v * 50000)); };
    auto nits = [](double v) { return std::to_string(std::llround(v * 10000)); };
    p += ":master-display=G(" + xy(m.green_x) + "," + xy(m.green_y) + ")B(" + xy(m.blue_x) + "," +
         xy(m.blue_y) + ")R(" + xy(m.red_x) + "," + xy(m.red_y) + ")WP(" + xy(m.white_x) + "," +
         xy(m.white_y) + ")L(" + nits(m.max_luminance_nits) + "," + nits(m.min_luminance_nits) +
         ")";
  }
  if (s.max_cll_nits > 0) {
    p += ":max-cll=" + std::to_string(std::lround(s.max_cll_nits)) + "," +
         std::to_string(std::lround(s.max_fall_nits));
  }
  return p;
}

}  // namespace

Encoder Encoder::with_context(const AVCodec* codec, const std::string& file) {
  Encoder e;
  e.file_ = file;
  e.packet_ = av::make_packet();
  e.ctx_.reset(avcodec_alloc_context3(codec));
  if (!e.ctx_) throw std::bad_alloc();
  return e;
}

Encoder Encoder::video(const VideoEncoderSettings& s, bool global_header, const std::string& file) {
  const AVCodec* codec = find_encoder(s.codec, file);
  Encoder e = with_context(codec, file);
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
  // BT.709 tags (what every platform's SDR pipeline assumes for HD), or a kept HDR
  // source's.
  c->color_primaries = s.primaries;
  c->color_trc = s.transfer;
  c->colorspace = s.matrix;
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
    params += hdr_params(s);
    set_private(c, "x265-params", params, file);
    c->codec_tag = MKTAG('h', 'v', 'c', '1');  // Apple players want hvc1, not hev1
  } else if (s.codec == "libsvtav1") {
    set_private(c, "preset", s.preset, file);
    set_private(c, "crf", std::to_string(static_cast<int>(std::lround(s.crf))), file);
    c->profile = FF_PROFILE_AV1_MAIN;
  }
  av::check(avcodec_open2(c, codec, nullptr),
            (std::string("open the ") + s.codec + " encoder").c_str(), file);
  return e;
}

Encoder Encoder::h264_matching(const MatchedH264Settings& s, const std::string& file) {
  const AVCodec* codec = find_encoder("libx264", file);
  Encoder e = with_context(codec, file);
  AVCodecContext* c = e.ctx_.get();
  c->width = s.width_px;
  c->height = s.height_px;
  c->pix_fmt = s.pix_fmt;
  c->sample_aspect_ratio = s.sar;
  c->framerate = s.frame_rate;
  c->time_base = s.time_base;
  c->gop_size = s.gop_frames;
  c->max_b_frames = 0;
  c->flags |= AV_CODEC_FLAG_CLOSED_GOP | AV_CODEC_FLAG_GLOBAL_HEADER;
  c->color_primaries = s.color_primaries;
  c->color_trc = s.color_trc;
  c->colorspace = s.colorspace;
  c->color_range = s.color_range;
  c->chroma_sample_location = s.chroma_location;
  set_private(c, "preset", s.preset, file);
  set_private(c, "profile", s.profile, file);
  if (s.level_idc > 0) set_private(c, "level", std::to_string(s.level_idc), file);
  set_private(c, "crf", std::to_string(s.crf), file);
  // x264 picks the profile it writes from the tools it uses: keep the ones that make a
  // Main or High stream Main or High whatever the preset.
  std::string params = "sps-id=" + std::to_string(s.parameter_set_id);
  if (s.profile != "baseline") params += ":cabac=1";
  if (s.profile.rfind("high", 0) == 0) params += ":8x8dct=1";
  set_private(c, "x264-params", params, file);
  av::check(avcodec_open2(c, codec, nullptr), "open the libx264 encoder", file);
  return e;
}

Encoder Encoder::audio(const AudioEncoderSettings& s, bool global_header, const std::string& file) {
  const AVCodec* codec = find_encoder(s.codec, file);
  Encoder e = with_context(codec, file);
  AVCodecContext* c = e.ctx_.get();
  c->sample_rate = s.sample_rate_hz;
  av_channel_layout_default(&c->ch_layout, s.channels);
  c->sample_fmt = codec->sample_fmts ? codec->sample_fmts[0] : AV_SAMPLE_FMT_FLTP;
  c->bit_rate = s.bitrate_bps;
  c->time_base = {1, s.sample_rate_hz};
  if (global_header) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  av::check(avcodec_open2(c, codec, nullptr),
            (std::string("open the ") + s.codec + " encoder").c_str(), file);
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

SubtitleEncoder::SubtitleEncoder(bool global_header, const std::string& file) : file_(file) {
  const AVCodec* codec = find_encoder("mov_text", file);
  ctx_.reset(avcodec_alloc_context3(codec));
  if (!ctx_) throw std::bad_alloc();
  ctx_->time_base = {1, 1000};
  if (global_header) ctx_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  // mov_text takes its default style from an ASS header (as the ffmpeg command line
  // passes on the decoder's): one plain style.
  static const char kHeader[] =
      "[Script Info]\nScriptType: v4.00+\nPlayResX: 384\nPlayResY: 288\n\n[V4+ Styles]\n"
      "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
      "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
      "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
      "Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0\n\n"
      "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n";
  ctx_->subtitle_header = static_cast<uint8_t*>(av_mallocz(sizeof kHeader));
  if (!ctx_->subtitle_header) throw std::bad_alloc();
  std::memcpy(ctx_->subtitle_header, kHeader, sizeof kHeader);
  ctx_->subtitle_header_size = static_cast<int>(sizeof kHeader - 1);
  av::check(avcodec_open2(ctx_.get(), codec, nullptr), "open the mov_text encoder", file);
}

void SubtitleEncoder::encode(const std::string& event, int64_t start_ms, int64_t duration_ms,
                             AVPacket* out) {
  std::vector<char> text(event.begin(), event.end());
  text.push_back('\0');
  AVSubtitleRect rect{};
  rect.type = SUBTITLE_ASS;
  rect.ass = text.data();
  AVSubtitleRect* rects[] = {&rect};
  AVSubtitle sub{};
  sub.num_rects = 1;
  sub.rects = rects;
  sub.start_display_time = 0;
  sub.end_display_time = static_cast<uint32_t>(duration_ms);
  sub.pts = av_rescale_q(start_ms, {1, 1000}, AV_TIME_BASE_Q);
  std::vector<uint8_t> buf(1 << 16);
  const int size =
      avcodec_encode_subtitle(ctx_.get(), buf.data(), static_cast<int>(buf.size()), &sub);
  av::check(size, "encode a subtitle", file_);
  av_packet_unref(out);
  av::check(av_new_packet(out, size), "encode a subtitle", file_);
  std::memcpy(out->data, buf.data(), static_cast<size_t>(size));
  out->pts = out->dts = start_ms;
  out->duration = duration_ms;
}

}  // namespace reelpack
