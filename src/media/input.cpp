#include "media/input.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/mastering_display_metadata.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <system_error>

#include "core/atomic_file.h"
#include "core/cancel.h"
#include "core/error.h"
#include "media/av_error.h"
#include "media/frame_end.h"
#include "media/local_file.h"

namespace reelpack {
namespace fs = std::filesystem;

struct InputFile::Decoder {
  int stream_index = -1;
  av::CodecContextPtr ctx;
  av::FramePtr frame = av::make_frame();
  int64_t offset = 0;    // start offset in the stream's time base
  int64_t last_end = 0;  // end of the last decoded frame, stream time base
  FrameEndClock end_clock;
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

// Where `st` ends by its own account, on the container's clock (AV_TIME_BASE), or
// AV_NOPTS_VALUE when it does not say.
int64_t declared_end_us(const AVStream* st) {
  if (st->duration > 0 && st->start_time != AV_NOPTS_VALUE) {
    return av_rescale_q(st->start_time + st->duration, st->time_base, AV_TIME_BASE_Q);
  }
  // Matroska keeps a track's end in a DURATION tag (HH:MM:SS.fraction, the segment's clock).
  if (const AVDictionaryEntry* tag = av_dict_get(st->metadata, "DURATION", nullptr, 0)) {
    int h = 0, m = 0;
    double sec = 0;
    if (std::sscanf(tag->value, "%d:%d:%lf", &h, &m, &sec) == 3 && h >= 0 && m >= 0 && sec >= 0) {
      return std::llround(((h * 60.0 + m) * 60.0 + sec) * 1e6);
    }
  }
  return AV_NOPTS_VALUE;
}

std::string seconds_text(int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", us / 1e6);
  return buf;
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

constexpr int kMaxAudioChannels = 64;

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
  require_regular_file(path, "media file");
  protect_input(path);  // no output of this process may replace it (core/atomic_file.h)
  info_.size_bytes = static_cast<int64_t>(fs::file_size(path, ec));
  if (!ec && info_.size_bytes == 0) {
    throw ProcessingError(path_text_ + ": the file is empty; re-export or re-copy it");
  }

  fmt_ = open_demuxer();

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
    // A damaged header can claim millions of channels; no decoder takes more than 64 here.
    if (ai.channels < 1 || ai.channels > kMaxAudioChannels) {
      throw ProcessingError(path_text_ + ": audio stream " + std::to_string(a) + " claims " +
                            std::to_string(ai.channels) + " channels (reelpack reads 1 to " +
                            std::to_string(kMaxAudioChannels) +
                            "); the file may be damaged, or choose another with --audio-stream");
    }
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
  track_ends();

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
// them, through a demuxer of its own so this one stays at the start.
void InputFile::peek_hdr_metadata(int stream_index, VideoInfo& vi) const {
  av::InputFormatPtr fmt;
  av::CodecContextPtr ctx;
  try {
    fmt = open_demuxer();
    const AVStream* st = fmt->streams[stream_index];
    const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec) return;  // the real open says so
    ctx.reset(avcodec_alloc_context3(codec));
    if (!ctx || avcodec_parameters_to_context(ctx.get(), st->codecpar) < 0 ||
        avcodec_open2(ctx.get(), codec, nullptr) < 0)
      return;
  } catch (const Error&) {
    return;
  }
  av::PacketPtr pkt = av::make_packet();
  av::FramePtr frame = av::make_frame();
  bool got = false;
  for (int packets = 0; !got && packets < 500 && av_read_frame(fmt.get(), pkt.get()) >= 0;) {
    if (pkt->stream_index == stream_index) {
      ++packets;
      if (avcodec_send_packet(ctx.get(), pkt.get()) >= 0 &&
          avcodec_receive_frame(ctx.get(), frame.get()) >= 0) {
        read_frame_hdr_metadata(frame.get(), vi);
        got = true;
      }
    }
    av_packet_unref(pkt.get());
  }
}

av::InputFormatPtr InputFile::open_demuxer() const {
  AVFormatContext* raw = avformat_alloc_context();
  if (!raw) throw std::bad_alloc();
  // A signal while opening (a slow disk, a pipe) stops the reads at once; an open that
  // failed because of it is an interruption (exit 130), not a bad file.
  raw->interrupt_callback = {[](void*) { return cancel_requested() ? 1 : 0; }, nullptr};
  av::Dict open_options = local_file_options();
  const int ret =
      avformat_open_input(&raw, file_url(path_).c_str(), nullptr, open_options.get_address());
  if (ret < 0) {
    throw_if_cancelled();
    const std::string refused = refused_container(path_);
    if (!refused.empty()) throw UsageError(path_text_ + ": " + refused);
    throw ProcessingError(path_text_ + ": not a media file FFmpeg can read (" +
                          av::error_text(ret) + "); check that it is complete and not damaged");
  }
  av::InputFormatPtr fmt(raw);
  const int info_ret = avformat_find_stream_info(fmt.get(), nullptr);
  throw_if_cancelled();
  if (info_ret < 0) {
    throw ProcessingError(path_text_ + ": cannot read stream information (" +
                          av::error_text(info_ret) + "); the file may be damaged");
  }
  return fmt;
}

// Where the video and audio streams say they end, and how close a read must come: two
// frames, plus a tick of the time base (Matroska rounds to the millisecond).
void InputFile::track_ends() {
  // A duration guessed from the bit rate (MPEG-TS without timestamps) promises nothing.
  const bool guessed = fmt_->duration_estimation_method == AVFMT_DURATION_FROM_BITRATE;
  const Rational fps = info_.video ? info_.video->nominal_frame_rate() : Rational{0, 1};
  const int64_t video_frame_us =
      fps.num > 0 ? av_rescale(1'000'000, fps.den, fps.num) : int64_t{40'000};
  int64_t latest_us = AV_NOPTS_VALUE;
  bool all_declared = true;
  for (const int index :
       {info_.video ? info_.video->index : -1, info_.audio ? info_.audio->index : -1}) {
    if (index < 0) continue;
    const AVStream* st = fmt_->streams[index];
    StreamEnd e;
    e.index = index;
    int64_t frame_us = video_frame_us;
    if (st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
      e.kind = "audio";
      const int samples = st->codecpar->frame_size > 0 ? st->codecpar->frame_size : 1024;
      if (st->codecpar->sample_rate > 0) {
        frame_us = std::max(frame_us, av_rescale(samples, 1'000'000, st->codecpar->sample_rate));
      }
    }
    e.tolerance_us = 2 * frame_us + av_rescale_q(1, st->time_base, AV_TIME_BASE_Q);
    const int64_t end_us = guessed ? AV_NOPTS_VALUE : declared_end_us(st);
    if (end_us == AV_NOPTS_VALUE) {
      all_declared = false;
    } else {
      e.declared_us = end_us - info_.start_us;
      latest_us = std::max(latest_us, e.declared_us);
    }
    ends_.push_back(e);
  }
  // The streams' own ends measure the file from its start; the container's duration may
  // count from zero instead (an MP4 whose first frame is at 100000 s).
  if (all_declared && latest_us > 0) info_.duration_us = latest_us;
  if (!guessed && info_.duration_us > 0) {
    declared_us_ = info_.duration_us - std::max<int64_t>(0, all_declared ? 0 : info_.start_us);
  }
}

void InputFile::note_packet_end(const AVPacket* packet) {
  for (StreamEnd& e : ends_) {
    if (packet->stream_index != e.index) continue;
    const int64_t ts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
    if (ts == AV_NOPTS_VALUE) return;
    const AVRational tb = fmt_->streams[e.index]->time_base;
    const int64_t end_us =
        av_rescale_q(ts + std::max<int64_t>(0, packet->duration), tb, AV_TIME_BASE_Q) -
        info_.start_us;
    e.read_us = e.read_us == AV_NOPTS_VALUE ? end_us : std::max(e.read_us, end_us);
    return;
  }
}

void InputFile::truncated(const std::string& what) {
  if (!options_.allow_truncated) {
    throw ProcessingError(path_text_ + ": " + what +
                          "; copy the file again, or add --allow-truncated to use what there is");
  }
  if (truncation_.empty()) truncation_ = what;
}

// At the end of the file: every stream read must have come to where it says it ends.
void InputFile::check_ends() {
  if (ends_checked_) return;
  ends_checked_ = true;
  int64_t latest_us = AV_NOPTS_VALUE, tolerance_us = 0;
  for (const StreamEnd& e : ends_) {
    // Nothing read of it since the last seek (a range past the end of a shorter audio).
    if (e.read_us == AV_NOPTS_VALUE) continue;
    latest_us = std::max(latest_us, e.read_us);
    tolerance_us = std::max(tolerance_us, e.tolerance_us);
    if (e.declared_us != AV_NOPTS_VALUE && e.declared_us - e.read_us > e.tolerance_us) {
      truncated("truncated: the " + std::string(e.kind) + " ends at " + seconds_text(e.read_us) +
                " of the " + seconds_text(e.declared_us) + " it declares (" +
                seconds_text(e.declared_us - e.read_us) + " missing)");
      return;
    }
  }
  if (declared_us_ != AV_NOPTS_VALUE && latest_us != AV_NOPTS_VALUE &&
      declared_us_ - latest_us > tolerance_us) {
    truncated("truncated: the file ends at " + seconds_text(latest_us) + " of the " +
              seconds_text(declared_us_) + " it declares (" +
              seconds_text(declared_us_ - latest_us) + " missing)");
  }
}

void InputFile::open_decoder(Decoder& d, int stream_index, bool fast) {
  const AVStream* st = fmt_->streams[stream_index];
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) throw ProcessingError(av::no_decoder_text(path_text_, st->codecpar->codec_id));
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
  d.end_clock = FrameEndClock(st->time_base);
}

int64_t InputFile::first_keyframe_us() const {
  if (!info_.video) return 0;
  if (first_keyframe_pts_ == AV_NOPTS_VALUE) return info_.video->start_us;
  return av_rescale_q(first_keyframe_pts_, video_time_base(), AV_TIME_BASE_Q) - info_.start_us;
}

int64_t InputFile::decoded_video_end_us() const {
  return video_ ? av_rescale_q(video_->last_end, video_time_base(), AV_TIME_BASE_Q) : 0;
}

AVRational InputFile::video_time_base() const {
  return info_.video ? fmt_->streams[info_.video->index]->time_base : AVRational{1, 1};
}
AVRational InputFile::audio_time_base() const {
  return info_.audio ? fmt_->streams[info_.audio->index]->time_base : AVRational{1, 1};
}

namespace {
// Video errors of any kind are damage to skip (av::damaged_data()): concealment and the
// frame counts take care of the rest. Audio only skips what says it is invalid data: past
// damaged AAC (a program config element out of place), the AAC encoder was seen to spin
// for ever on what the decoder still gave.
bool skippable(StreamKind kind, int code) {
  return kind == StreamKind::Video ? av::damaged_data(code) : code == AVERROR_INVALIDDATA;
}
}  // namespace

void InputFile::fail_decoding(StreamKind kind, int code) const {
  if (code == AVERROR(ENOMEM)) throw std::bad_alloc();
  throw ProcessingError(path_text_ + ": its " + (kind == StreamKind::Video ? "video" : "audio") +
                        " is damaged (the decoder says: " + av::error_text(code) +
                        "); check that the file is complete and not damaged");
}

void InputFile::drain(Decoder& d, StreamKind kind, const FrameSink& sink) {
  for (int damaged = 0;;) {
    const int ret = avcodec_receive_frame(d.ctx.get(), d.frame.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    if (skippable(kind, ret)) {  // a damaged frame: skip it, as players do
      ++d.bad_packets;
      // A decoder may answer every call with the same error: the next packet tries again.
      if (++damaged > av::kMaxDamagedInARow) return;
      continue;
    }
    damaged = 0;
    if (ret < 0) fail_decoding(kind, ret);
    AVFrame* f = d.frame.get();
    int64_t pts = f->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) pts = f->pts;
    if (pts == AV_NOPTS_VALUE) pts = d.last_end + d.offset;  // no timestamp: assume contiguous
    f->pts = pts - d.offset;
    d.last_end = std::max(d.last_end, d.end_clock.end_of(f));
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
    if (skippable(kind, sret)) {
      ++d->bad_packets;  // a damaged packet: skip it, as players do
    } else if (sret < 0 && sret != AVERROR(EAGAIN)) {
      fail_decoding(kind, sret);
    }
    drain(*d, kind, sink);
  }
  av_packet_unref(pkt);
  return true;
}

bool InputFile::skip_video_packet(const AVPacket* pkt) {
  if (!options_.keyframes_only) return false;
  if (!(pkt->flags & AV_PKT_FLAG_KEY)) return true;
  ++keyframe_packets_;
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

namespace {
// Reads the next packet without the bookkeeping of read_packet(); false at the end or on
// an error (seeking only looks).
bool peek_packet(AVFormatContext* fmt, AVPacket* packet) {
  return av_read_frame(fmt, packet) >= 0;
}

int64_t packet_time(const AVPacket* packet) {
  return packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
}
}  // namespace

// Back to the first packet of the file: the first timestamp where the demuxer lands on a
// keyframe there (MP4, Matroska), else byte 0 (MPEG-TS lands past its first keyframe);
// a demuxer that can do neither (Matroska without cues, with negative timestamps) is
// opened again.
void InputFile::rewind() {
  av::PacketPtr pkt = av::make_packet();
  // What comes first after a seek: a video keyframe (or any packet, without video).
  const auto lands_on_keyframe = [&] {
    while (peek_packet(fmt_.get(), pkt.get())) {
      const bool video = info_.video && pkt->stream_index == info_.video->index;
      const bool key = pkt->flags & AV_PKT_FLAG_KEY;
      av_packet_unref(pkt.get());
      if (!info_.video || video) return key || !info_.video;
    }
    return false;
  };
  const auto readable = [&] {
    const bool ok = peek_packet(fmt_.get(), pkt.get());
    av_packet_unref(pkt.get());
    return ok;
  };
  const int64_t start = fmt_->start_time == AV_NOPTS_VALUE ? 0 : fmt_->start_time;
  const auto to_start = [&] {
    return av_seek_frame(fmt_.get(), -1, start, AVSEEK_FLAG_BACKWARD) >= 0;
  };
  const auto to_byte_0 = [&] {
    return !(fmt_->iformat->flags & AVFMT_NO_BYTE_SEEK) &&
           av_seek_frame(fmt_.get(), -1, 0, AVSEEK_FLAG_BYTE) >= 0;
  };
  if (to_start() && lands_on_keyframe() && to_start()) return;
  if (to_byte_0() && readable() && to_byte_0()) return;
  av::InputFormatPtr again = open_demuxer();
  if (again->nb_streams != fmt_->nb_streams) {
    throw ProcessingError(path_text_ + ": cannot seek, and the file changed when opened again");
  }
  fmt_ = std::move(again);
}

// The first video keyframe read from here (zero-based), or AV_NOPTS_VALUE when the file
// ends first.
int64_t InputFile::next_keyframe_us() {
  const int index = info_.video->index;
  const AVRational tb = fmt_->streams[index]->time_base;
  av::PacketPtr pkt = av::make_packet();
  while (peek_packet(fmt_.get(), pkt.get())) {
    const bool key = pkt->stream_index == index && (pkt->flags & AV_PKT_FLAG_KEY);
    const int64_t ts = packet_time(pkt.get());
    av_packet_unref(pkt.get());
    if (key && ts != AV_NOPTS_VALUE) return av_rescale_q(ts, tb, AV_TIME_BASE_Q) - info_.start_us;
  }
  return AV_NOPTS_VALUE;
}

void InputFile::seek_to(int64_t time_us) {
  const int index = info_.video ? info_.video->index : info_.audio->index;
  const AVRational tb = fmt_->streams[index]->time_base;
  const int64_t tolerance_us = av_rescale_q(1, tb, AV_TIME_BASE_Q) / 2;  // container rounding
  const int64_t first_us = info_.video ? info_.video->start_us : 0;
  const auto seek = [&](int64_t target_us) {
    const int64_t ts = av_rescale_q(target_us + info_.start_us, AV_TIME_BASE_Q, tb);
    return av_seek_frame(fmt_.get(), index, ts, AVSEEK_FLAG_BACKWARD) >= 0;
  };
  // Demuxers without an index (MPEG-TS) land on any packet, often past the keyframe
  // needed: the decoder would start at the next one, after time_us. So look at the first
  // keyframe after landing and step back (1 s, 2 s, 4 s...) until it is at or before
  // time_us; then seek there again (the same seek lands on the same packet).
  bool rewound = true;
  for (int64_t back_us = 0;; back_us = back_us == 0 ? 1'000'000 : back_us * 2) {
    const int64_t target_us = time_us - back_us;
    if (target_us <= first_us || !seek(target_us)) break;  // the start always works
    if (!info_.video) {
      rewound = false;
      break;
    }
    const int64_t key_us = next_keyframe_us();
    if (key_us != AV_NOPTS_VALUE && key_us <= time_us + tolerance_us) {
      rewound = !seek(target_us);
      break;
    }
  }
  if (rewound) rewind();
  for (Decoder* dec : {video_.get(), audio_.get()}) {
    if (!dec) continue;
    avcodec_flush_buffers(dec->ctx.get());
    dec->end_clock = FrameEndClock(fmt_->streams[dec->stream_index]->time_base);
  }
  last_keyframe_sent_ = AV_NOPTS_VALUE;
  reading_from_start_ = rewound;
}

bool InputFile::read_packet(AVPacket* packet) {
  throw_if_cancelled();
  const int ret = av_read_frame(fmt_.get(), packet);
  if (ret == AVERROR_EOF) {
    reached_end_ = true;
    check_ends();
    return false;
  }
  if (ret < 0) {
    throw ProcessingError(path_text_ + ": read error (" + av::error_text(ret) +
                          "); the file is damaged or was cut short");
  }
  if (reading_from_start_ && first_keyframe_pts_ == AV_NOPTS_VALUE && info_.video &&
      packet->stream_index == info_.video->index && (packet->flags & AV_PKT_FLAG_KEY)) {
    first_keyframe_pts_ = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
  }
  note_packet_end(packet);
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
  // Every packet was there (read_packet() checked), but the last pictures may not decode.
  if (video_ && !options_.keyframes_only) {
    for (const StreamEnd& e : ends_) {
      if (e.index != video_->stream_index || e.declared_us == AV_NOPTS_VALUE) continue;
      const int64_t got_us = decoded_video_end_us();
      if (e.declared_us - got_us > e.tolerance_us) {
        truncated("truncated: the video decodes to " + seconds_text(got_us) + " of the " +
                  seconds_text(e.declared_us) + " it declares (" +
                  seconds_text(e.declared_us - got_us) + " missing)");
      }
    }
  }
}

MediaInfo probe(const fs::path& path, const std::string& audio_stream) {
  DecodeOptions none = DecodeOptions::none();
  none.audio_stream = audio_stream;
  return InputFile(path, none).info();
}

}  // namespace reelpack
