#include "media/input.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/mastering_display_metadata.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cctype>
#include <cmath>
#include <system_error>

#include "core/atomic_file.h"
#include "core/cancel.h"
#include "core/error.h"
#include "media/av_error.h"

namespace reelpack {
namespace fs = std::filesystem;

struct InputFile::Decoder {
  int stream_index = -1;
  av::CodecContextPtr ctx;
  av::FramePtr frame = av::make_frame();
  int64_t offset = 0;    // start offset in the stream's time base
  int64_t last_end = 0;  // end of the last decoded frame, stream time base
  int64_t frames = 0;
  int64_t bad_packets = 0;
};

namespace {

std::string str_or(const char* s, const char* fallback = "unknown") {
  return s ? s : fallback;
}

// Clockwise degrees a player rotates the picture by, from the display matrix side data.
int rotation_of(const AVStream* st) {
  const uint8_t* matrix = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
  if (!matrix) return 0;
  // av_display_rotation_get is counter-clockwise; players turn the other way.
  double theta = -av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
  if (std::isnan(theta)) return 0;
  theta = std::fmod(theta, 360.0);
  if (theta < 0) theta += 360.0;
  return static_cast<int>(std::lround(theta / 90.0)) * 90 % 360;
}

std::string language_of(const AVStream* st) {
  const AVDictionaryEntry* e = av_dict_get(st->metadata, "language", nullptr, 0);
  return e ? e->value : "";
}

bool same_text(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The audio stream `wanted` names (DecodeOptions::audio_stream); -1 when the file has none.
int pick_audio_stream(AVFormatContext* fmt, int video, const std::string& wanted,
                      const std::string& path) {
  std::vector<int> audio;
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    if (fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO)
      audio.push_back(static_cast<int>(i));
  }
  if (wanted.empty()) {
    // Several tracks (dubs, commentary, a music-and-effects mix): the one the file flags
    // as default is what a player plays.
    if (audio.size() > 1) {
      for (const int i : audio) {
        if (fmt->streams[i]->disposition & AV_DISPOSITION_DEFAULT) return i;
      }
    }
    return av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, video >= 0 ? video : -1, nullptr, 0);
  }
  const bool number =
      wanted.size() < 7 && wanted.find_first_not_of("0123456789") == std::string::npos;
  for (size_t n = 0; n < audio.size(); ++n) {
    if (number ? std::stoul(wanted) == n : same_text(language_of(fmt->streams[audio[n]]), wanted))
      return audio[n];
  }
  std::string have;
  for (size_t n = 0; n < audio.size(); ++n) {
    const AVStream* st = fmt->streams[audio[n]];
    const std::string lang = language_of(st);
    have += (have.empty() ? "" : ", ") + std::to_string(n) + " (" + (lang.empty() ? "und" : lang) +
            ", " + std::to_string(st->codecpar->ch_layout.nb_channels) + " ch" +
            (st->disposition & AV_DISPOSITION_DEFAULT ? ", default" : "") + ")";
  }
  throw UsageError(path + ": --audio-stream " + wanted + ": no such audio stream; " +
                   (audio.empty() ? "the file has none" : "the file has " + have));
}

void read_hdr_metadata(const AVStream* st, VideoInfo& vi) {
  if (const auto* m = reinterpret_cast<const AVMasteringDisplayMetadata*>(
          av_stream_get_side_data(st, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, nullptr));
      m && m->has_primaries && m->has_luminance) {
    MasteringDisplay d;
    d.red_x = av_q2d(m->display_primaries[0][0]);
    d.red_y = av_q2d(m->display_primaries[0][1]);
    d.green_x = av_q2d(m->display_primaries[1][0]);
    d.green_y = av_q2d(m->display_primaries[1][1]);
    d.blue_x = av_q2d(m->display_primaries[2][0]);
    d.blue_y = av_q2d(m->display_primaries[2][1]);
    d.white_x = av_q2d(m->white_point[0]);
    d.white_y = av_q2d(m->white_point[1]);
    d.min_luminance_nits = av_q2d(m->min_luminance);
    d.max_luminance_nits = av_q2d(m->max_luminance);
    vi.mastering = d;
  }
  if (const auto* l = reinterpret_cast<const AVContentLightMetadata*>(
          av_stream_get_side_data(st, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, nullptr))) {
    vi.max_cll_nits = l->MaxCLL;
    vi.max_fall_nits = l->MaxFALL;
  }
}

void read_frame_hdr_metadata(const AVFrame* f, VideoInfo& vi) {
  if (const AVFrameSideData* sd =
          av_frame_get_side_data(f, AV_FRAME_DATA_MASTERING_DISPLAY_METADATA)) {
    const auto* m = reinterpret_cast<const AVMasteringDisplayMetadata*>(sd->data);
    if (m->has_primaries && m->has_luminance) {
      vi.mastering =
          MasteringDisplay{av_q2d(m->display_primaries[0][0]), av_q2d(m->display_primaries[0][1]),
                           av_q2d(m->display_primaries[1][0]), av_q2d(m->display_primaries[1][1]),
                           av_q2d(m->display_primaries[2][0]), av_q2d(m->display_primaries[2][1]),
                           av_q2d(m->white_point[0]),          av_q2d(m->white_point[1]),
                           av_q2d(m->min_luminance),           av_q2d(m->max_luminance)};
    }
  }
  if (const AVFrameSideData* sd = av_frame_get_side_data(f, AV_FRAME_DATA_CONTENT_LIGHT_LEVEL)) {
    const auto* l = reinterpret_cast<const AVContentLightMetadata*>(sd->data);
    vi.max_cll_nits = l->MaxCLL;
    vi.max_fall_nits = l->MaxFALL;
  }
}

std::vector<std::string> channel_names(const AVChannelLayout& layout) {
  AVChannelLayout named{};
  if (layout.order == AV_CHANNEL_ORDER_UNSPEC) {
    av_channel_layout_default(&named, layout.nb_channels);
  } else if (av_channel_layout_copy(&named, &layout) < 0) {
    return {};
  }
  std::vector<std::string> names;
  for (int c = 0; c < named.nb_channels; ++c) {
    char name[32] = {};
    av_channel_name(name, sizeof name, av_channel_layout_channel_from_index(&named, c));
    names.emplace_back(name);
  }
  av_channel_layout_uninit(&named);
  return names;
}

}  // namespace

Rational VideoInfo::nominal_frame_rate() const {
  const AVRational r = avg_frame_rate.num > 0 ? avg_frame_rate : r_frame_rate;
  if (r.num <= 0 || r.den <= 0) return {0, 1};
  return {r.num, r.den};
}

int VideoInfo::display_width_px() const {
  const bool swap = rotation_deg == 90 || rotation_deg == 270;
  const double w = width_px * av_q2d(sar);
  const double h = height_px;
  return static_cast<int>(std::lround(swap ? h : w));
}

int VideoInfo::display_height_px() const {
  const bool swap = rotation_deg == 90 || rotation_deg == 270;
  const double w = width_px * av_q2d(sar);
  const double h = height_px;
  return static_cast<int>(std::lround(swap ? w : h));
}

InputFile::InputFile(const fs::path& path, DecodeOptions options)
    : path_(path), path_text_(path.string()), options_(options) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) {
    throw UsageError(path_text_ + ": no such file; check the path");
  }
  if (fs::is_directory(status)) {
    throw UsageError(path_text_ + ": is a folder, not a media file");
  }
  protect_input(path);  // no output of this process may replace it (core/atomic_file.h)
  info_.size_bytes = static_cast<int64_t>(fs::file_size(path, ec));
  if (!ec && info_.size_bytes == 0) {
    throw ProcessingError(path_text_ + ": the file is empty; re-export or re-copy it");
  }

  AVFormatContext* raw = nullptr;
  const int ret = avformat_open_input(&raw, path_text_.c_str(), nullptr, nullptr);
  if (ret < 0) {
    throw ProcessingError(path_text_ + ": not a media file FFmpeg can read (" +
                          av::error_text(ret) + "); check that it is complete and not damaged");
  }
  fmt_.reset(raw);
  const int info_ret = avformat_find_stream_info(fmt_.get(), nullptr);
  if (info_ret < 0) {
    throw ProcessingError(path_text_ + ": cannot read stream information (" +
                          av::error_text(info_ret) + "); the file may be damaged");
  }

  info_.path = path;
  info_.format_name = str_or(fmt_->iformat->name);
  info_.duration_us = fmt_->duration == AV_NOPTS_VALUE ? 0 : fmt_->duration;
  info_.start_us = fmt_->start_time == AV_NOPTS_VALUE ? 0 : fmt_->start_time;
  info_.bit_rate = fmt_->bit_rate;

  for (unsigned i = 0; i < fmt_->nb_streams; ++i) {
    const AVStream* st = fmt_->streams[i];
    const AVCodecParameters* par = st->codecpar;
    info_.streams.push_back({static_cast<int>(i), str_or(av_get_media_type_string(par->codec_type)),
                             str_or(avcodec_get_name(par->codec_id))});
  }

  const int v = av_find_best_stream(fmt_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (v >= 0 && !(fmt_->streams[v]->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
    const AVStream* st = fmt_->streams[v];
    const AVCodecParameters* par = st->codecpar;
    VideoInfo vi;
    vi.index = v;
    vi.codec = str_or(avcodec_get_name(par->codec_id));
    vi.profile = str_or(avcodec_profile_name(par->codec_id, par->profile), "");
    vi.pix_fmt = str_or(av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format)));
    vi.width_px = par->width;
    vi.height_px = par->height;
    const AVRational sar = av_guess_sample_aspect_ratio(fmt_.get(), fmt_->streams[v], nullptr);
    vi.sar = (sar.num > 0 && sar.den > 0) ? sar : AVRational{1, 1};
    vi.avg_frame_rate = st->avg_frame_rate;
    vi.r_frame_rate = st->r_frame_rate;
    vi.time_base = st->time_base;
    vi.rotation_deg = rotation_of(st);
    vi.interlaced =
        par->field_order != AV_FIELD_PROGRESSIVE && par->field_order != AV_FIELD_UNKNOWN;
    if (vi.avg_frame_rate.num > 0 && vi.r_frame_rate.num > 0) {
      const double ratio = av_q2d(vi.avg_frame_rate) / av_q2d(vi.r_frame_rate);
      vi.variable_frame_rate = std::abs(ratio - 1.0) > 0.01;
    }
    vi.frame_count = st->nb_frames;
    if (st->start_time != AV_NOPTS_VALUE) {
      vi.start_us = std::max<int64_t>(
          0, av_rescale_q(st->start_time, st->time_base, AV_TIME_BASE_Q) - info_.start_us);
    }
    vi.bit_rate = par->bit_rate;
    vi.color_space = str_or(av_color_space_name(par->color_space));
    vi.color_primaries = str_or(av_color_primaries_name(par->color_primaries));
    vi.color_transfer = str_or(av_color_transfer_name(par->color_trc));
    vi.color_range = str_or(av_color_range_name(par->color_range));
    read_hdr_metadata(st, vi);
    const bool hdr = vi.color_transfer == "smpte2084" || vi.color_transfer == "arib-std-b67";
    if (hdr && !vi.mastering && vi.max_cll_nits == 0) peek_hdr_metadata(v, vi);
    info_.video = vi;
  }
  const int a = pick_audio_stream(fmt_.get(), v, options.audio_stream, path_text_);
  if (a >= 0) {
    const AVStream* st = fmt_->streams[a];
    const AVCodecParameters* par = st->codecpar;
    AudioInfo ai;
    ai.index = a;
    ai.codec = str_or(avcodec_get_name(par->codec_id));
    ai.sample_rate_hz = par->sample_rate;
    ai.channels = par->ch_layout.nb_channels;
    char layout[128] = {};
    if (av_channel_layout_describe(&par->ch_layout, layout, sizeof layout) >= 0) {
      ai.channel_layout = layout;
    }
    ai.channel_names = channel_names(par->ch_layout);
    ai.language = language_of(st);
    ai.default_track = st->disposition & AV_DISPOSITION_DEFAULT;
    for (int i = 0; i < static_cast<int>(fmt_->nb_streams); ++i) {
      if (fmt_->streams[i]->codecpar->codec_type != AVMEDIA_TYPE_AUDIO) continue;
      if (i < a) ++ai.audio_number;
      ++ai.audio_streams;
    }
    ai.time_base = st->time_base;
    ai.bit_rate = par->bit_rate;
    info_.audio = ai;
  }
  if (!info_.video && !info_.audio) {
    throw ProcessingError(path_text_ + ": has no video or audio stream; nothing to package");
  }

  if (options.video && info_.video) {
    video_ = std::make_unique<Decoder>();
    open_decoder(*video_, info_.video->index, options.fast_video);
  }
  if (options.audio && info_.audio) {
    audio_ = std::make_unique<Decoder>();
    open_decoder(*audio_, info_.audio->index, false);
  }
}

InputFile::~InputFile() = default;

// HDR10 from cameras and encoders often carries its mastering display and light levels
// only in the bitstream (HEVC SEI), not in the container: decode the first frame for
// them, then go back to the start.
void InputFile::peek_hdr_metadata(int stream_index, VideoInfo& vi) {
  Decoder d;
  try {
    open_decoder(d, stream_index, false);
  } catch (const Error&) {
    return;  // no decoder: the real open says so
  }
  av::PacketPtr pkt = av::make_packet();
  bool got = false;
  for (int packets = 0; !got && packets < 500 && av_read_frame(fmt_.get(), pkt.get()) >= 0;) {
    if (pkt->stream_index == stream_index) {
      ++packets;
      if (avcodec_send_packet(d.ctx.get(), pkt.get()) >= 0 &&
          avcodec_receive_frame(d.ctx.get(), d.frame.get()) >= 0) {
        read_frame_hdr_metadata(d.frame.get(), vi);
        got = true;
      }
    }
    av_packet_unref(pkt.get());
  }
  avformat_seek_file(fmt_.get(), -1, INT64_MIN,
                     fmt_->start_time == AV_NOPTS_VALUE ? 0 : fmt_->start_time, INT64_MAX, 0);
}

void InputFile::open_decoder(Decoder& d, int stream_index, bool fast) {
  const AVStream* st = fmt_->streams[stream_index];
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) {
    throw ProcessingError(path_text_ + ": no decoder for " +
                          str_or(avcodec_get_name(st->codecpar->codec_id)) +
                          " in this FFmpeg build; transcode it to a common codec first");
  }
  d.stream_index = stream_index;
  d.ctx.reset(avcodec_alloc_context3(codec));
  if (!d.ctx) throw std::bad_alloc();
  av::check(avcodec_parameters_to_context(d.ctx.get(), st->codecpar), "copy decoder parameters",
            path_text_);
  d.ctx->pkt_timebase = st->time_base;
  d.ctx->thread_count = 0;  // libav picks one thread per core
  d.ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  if (fast) d.ctx->skip_loop_filter = AVDISCARD_ALL;
  if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
    if (options_.keyframes_only) {
      d.ctx->skip_frame = AVDISCARD_NONKEY;
    } else if (options_.skip_nonref) {
      d.ctx->skip_frame = AVDISCARD_NONREF;
    }
  }
  av::check(avcodec_open2(d.ctx.get(), codec, nullptr), "open the decoder", path_text_);
  d.offset = av_rescale_q(info_.start_us, AV_TIME_BASE_Q, st->time_base);
}

AVRational InputFile::video_time_base() const {
  return info_.video ? fmt_->streams[info_.video->index]->time_base : AVRational{1, 1};
}
AVRational InputFile::audio_time_base() const {
  return info_.audio ? fmt_->streams[info_.audio->index]->time_base : AVRational{1, 1};
}

void InputFile::drain(Decoder& d, StreamKind kind, const FrameSink& sink) {
  for (;;) {
    const int ret = avcodec_receive_frame(d.ctx.get(), d.frame.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    if (ret == AVERROR_INVALIDDATA) {  // a damaged frame: skip it, as players do
      ++d.bad_packets;
      continue;
    }
    av::check(ret, "decode a frame", path_text_);
    AVFrame* f = d.frame.get();
    int64_t pts = f->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) pts = f->pts;
    if (pts == AV_NOPTS_VALUE) pts = d.last_end + d.offset;  // no timestamp: assume contiguous
    f->pts = pts - d.offset;
    const int64_t dur = f->pkt_duration > 0 ? f->pkt_duration : 0;
    d.last_end = std::max(d.last_end, f->pts + dur);
    ++d.frames;
    sink(kind, f);
    av_frame_unref(f);
  }
}

bool InputFile::read_some(const FrameSink& sink) {
  AVPacket* pkt = packet_.get();
  if (!read_packet(pkt)) {
    flush_decoders(sink);
    return false;
  }
  Decoder* d = nullptr;
  StreamKind kind = StreamKind::Video;
  if (video_ && pkt->stream_index == video_->stream_index) {
    if (!skip_video_packet(pkt)) d = video_.get();
  } else if (audio_ && pkt->stream_index == audio_->stream_index) {
    d = audio_.get();
    kind = StreamKind::Audio;
  }
  if (d) {
    const int sret = avcodec_send_packet(d->ctx.get(), pkt);
    if (sret == AVERROR_INVALIDDATA) {
      ++d->bad_packets;  // a damaged packet: skip it, as players do
    } else if (sret < 0 && sret != AVERROR(EAGAIN)) {
      av::check(sret, "send a packet to the decoder", path_text_);
    }
    drain(*d, kind, sink);
  }
  av_packet_unref(pkt);
  return true;
}

bool InputFile::skip_video_packet(const AVPacket* pkt) {
  if (!options_.keyframes_only) return false;
  if (!(pkt->flags & AV_PKT_FLAG_KEY)) return true;
  const int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
  if (ts != AV_NOPTS_VALUE && last_keyframe_sent_ != AV_NOPTS_VALUE &&
      options_.keyframe_spacing_us > 0) {
    const AVRational tb = fmt_->streams[pkt->stream_index]->time_base;
    if (av_rescale_q(ts - last_keyframe_sent_, tb, AV_TIME_BASE_Q) < options_.keyframe_spacing_us) {
      return true;
    }
  }
  if (ts != AV_NOPTS_VALUE) last_keyframe_sent_ = ts;
  return false;
}

void InputFile::flush_decoders(const FrameSink& sink) {
  // A null packet, then drain to EOF; the decoders are reset for a later seek.
  for (auto [d, kind] :
       {std::pair{video_.get(), StreamKind::Video}, std::pair{audio_.get(), StreamKind::Audio}}) {
    if (!d) continue;
    avcodec_send_packet(d->ctx.get(), nullptr);
    drain(*d, kind, sink);
    avcodec_flush_buffers(d->ctx.get());
  }
}

void InputFile::seek_to(int64_t time_us) {
  const int index = info_.video ? info_.video->index : info_.audio->index;
  const AVRational tb = fmt_->streams[index]->time_base;
  const int64_t ts = av_rescale_q(time_us + info_.start_us, AV_TIME_BASE_Q, tb);
  const int ret = av_seek_frame(fmt_.get(), index, ts, AVSEEK_FLAG_BACKWARD);
  if (ret < 0) {
    // Some streams cannot seek backward to a keyframe; the start of the file always works.
    av::check(
        avformat_seek_file(fmt_.get(), -1, INT64_MIN,
                           fmt_->start_time == AV_NOPTS_VALUE ? 0 : fmt_->start_time, INT64_MAX, 0),
        "seek", path_text_);
  }
  for (Decoder* dec : {video_.get(), audio_.get()}) {
    if (dec) avcodec_flush_buffers(dec->ctx.get());
  }
  last_keyframe_sent_ = AV_NOPTS_VALUE;
}

bool InputFile::read_packet(AVPacket* packet) {
  throw_if_cancelled();
  const int ret = av_read_frame(fmt_.get(), packet);
  if (ret == AVERROR_EOF) return false;
  if (ret < 0) {
    throw ProcessingError(path_text_ + ": read error (" + av::error_text(ret) +
                          "); the file is damaged or was cut short");
  }
  return true;
}

void InputFile::decode(const FrameSink& sink) {
  if (!video_ && !audio_) throw std::logic_error("InputFile::decode without decoders");
  while (read_some(sink)) {
  }
  if (video_) sink(StreamKind::Video, nullptr);
  if (audio_) sink(StreamKind::Audio, nullptr);

  if (video_ && video_->frames == 0) {
    throw ProcessingError(path_text_ + ": no video frame could be decoded; the file is damaged");
  }
  // A container that promises more than the streams deliver was cut short (a copy that did
  // not finish). Tolerate the usual rounding; refuse to silently package half an episode.
  if (video_ && info_.duration_us > 0 && !options_.keyframes_only) {
    const AVRational tb = fmt_->streams[video_->stream_index]->time_base;
    const int64_t got_us = av_rescale_q(video_->last_end, tb, AV_TIME_BASE_Q);
    if (got_us + 500'000 < info_.duration_us * 9 / 10) {
      throw ProcessingError(
          path_text_ + ": truncated: video ends at " + std::to_string(got_us / 1000) + " ms of " +
          std::to_string(info_.duration_us / 1000) + " ms the file declares; copy the file again");
    }
  }
}

MediaInfo probe(const fs::path& path, const std::string& audio_stream) {
  DecodeOptions none = DecodeOptions::none();
  none.audio_stream = audio_stream;
  return InputFile(path, none).info();
}

}  // namespace reelpack
