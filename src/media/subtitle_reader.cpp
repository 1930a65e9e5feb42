#include "media/subtitle_reader.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include "core/error.h"
#include "media/av_error.h"
#include "media/av_ptr.h"
#include "media/local_file.h"

namespace reelpack {

namespace {

// The file opened by libavformat; UsageError unless it is one SRT or WebVTT stream.
av::InputFormatPtr open_subtitles(const std::string& name) {
  AVFormatContext* raw = nullptr;
  require_regular_file(name, "subtitles file");
  av::Dict options = local_file_options();
  int ret = avformat_open_input(&raw, file_url(name).c_str(), nullptr, options.get_address());
  if (ret < 0) {
    throw UsageError(name + ": not a readable SRT or WebVTT subtitles file (" +
                     av::error_text(ret) + "); check its format and UTF-8 encoding");
  }
  av::InputFormatPtr fmt(raw);
  const std::string format = fmt->iformat->name;
  if (format != "srt" && format != "webvtt") {
    throw UsageError(name + ": is " + format + ", not SRT or WebVTT subtitles; convert it first");
  }
  ret = avformat_find_stream_info(fmt.get(), nullptr);
  if (ret < 0 || fmt->nb_streams != 1) {
    throw UsageError(name + ": not a readable " + format + " subtitles file; check it");
  }
  return fmt;
}

av::CodecContextPtr open_decoder(const AVStream* st, const std::string& name) {
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) throw UsageError(name + ": no decoder for its subtitles in this FFmpeg build");
  av::CodecContextPtr dec(avcodec_alloc_context3(codec));
  if (!dec) throw std::bad_alloc();
  av::check(avcodec_parameters_to_context(dec.get(), st->codecpar), "set up the subtitle decoder",
            name);
  dec->pkt_timebase = st->time_base;
  av::check(avcodec_open2(dec.get(), codec, nullptr), "open the subtitle decoder", name);
  return dec;
}

// The decoded rects of one packet as one event; a second rect of the same cue adds its
// text on a new line.
std::string event_of(const AVSubtitle& sub) {
  std::string event;
  for (unsigned i = 0; i < sub.num_rects; ++i) {
    if (!sub.rects[i]->ass) continue;
    if (event.empty()) {
      event = sub.rects[i]->ass;
      continue;
    }
    const std::string more = sub.rects[i]->ass;
    size_t p = 0;
    for (int k = 0; k < 8 && p != std::string::npos; ++k) p = more.find(',', p + 1);
    if (p != std::string::npos) event += "\\N" + more.substr(p + 1);
  }
  return event;
}

}  // namespace

SubtitleFile read_subtitle_file(const std::filesystem::path& file) {
  const std::string name = file.string();
  const av::InputFormatPtr fmt = open_subtitles(name);
  const AVStream* st = fmt->streams[0];
  const av::CodecContextPtr dec = open_decoder(st, name);
  SubtitleFile out;
  out.format = fmt->iformat->name;
  av::PacketPtr pkt = av::make_packet();
  int ret = 0;
  while ((ret = av_read_frame(fmt.get(), pkt.get())) >= 0) {
    AVSubtitle sub{};
    int got = 0;
    const int used = avcodec_decode_subtitle2(dec.get(), &sub, &got, pkt.get());
    if (used >= 0 && got && pkt->pts != AV_NOPTS_VALUE) {
      SubtitleCue cue;
      cue.start_us = av_rescale_q(pkt->pts, st->time_base, AV_TIME_BASE_Q);
      cue.end_us = cue.start_us + av_rescale_q(pkt->duration, st->time_base, AV_TIME_BASE_Q);
      cue.event = event_of(sub);
      if (cue.end_us > cue.start_us && !cue.event.empty()) out.cues.push_back(std::move(cue));
    }
    if (got) avsubtitle_free(&sub);
    av_packet_unref(pkt.get());
  }
  if (ret != AVERROR_EOF) {
    throw UsageError(name + ": cannot read the subtitles (" + av::error_text(ret) +
                     "); check the file");
  }
  return out;
}

}  // namespace reelpack
