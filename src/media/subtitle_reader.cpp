#include "media/subtitle_reader.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <cstdio>
#include <fstream>

#include "core/error.h"
#include "media/av_error.h"
#include "media/av_ptr.h"
#include "media/local_file.h"

namespace reelpack {

namespace {

// libavformat holds a text subtitles file whole in memory, about ten times its size as
// packets: a bound far above any episode's (a feature film's SRT is some 100 kB, a day of
// live captions a few MB) keeps a wrong or runaway file from taking gigabytes.
constexpr std::uintmax_t kMaxSubtitleFileBytes = 16 * 1000 * 1000;
constexpr size_t kMaxCues = 200'000;

// The file opened by libavformat; UsageError unless it is one SRT or WebVTT stream.
av::InputFormatPtr open_subtitles(const std::string& name) {
  AVFormatContext* raw = nullptr;
  require_regular_file(name, "subtitles file");
  std::error_code ec;
  const std::uintmax_t bytes = std::filesystem::file_size(name, ec);
  if (!ec && bytes > kMaxSubtitleFileBytes) {
    char size[32];
    std::snprintf(size, sizeof size, "%.1f MB", static_cast<double>(bytes) / 1e6);
    throw UsageError(name + ": " + size + ", more than the " +
                     std::to_string(kMaxSubtitleFileBytes / 1000 / 1000) +
                     " MB a subtitles file may be; check that it is the right file, or split it");
  }
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

// "00:01:02.500" for a timestamp, "an unknown time" without one.
std::string clock_text(int64_t pts, AVRational time_base) {
  if (pts == AV_NOPTS_VALUE) return "an unknown time";
  const int64_t ms = av_rescale_q(pts, time_base, {1, 1000});
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld",
                static_cast<long long>(ms / 3600000), static_cast<long long>(ms / 60000 % 60),
                static_cast<long long>(ms / 1000 % 60), static_cast<long long>(ms % 1000));
  return buf;
}

// The line (1-based) of byte `pos` of the file, for messages; 0 when unknown.
int line_at(const std::string& name, int64_t pos) {
  std::ifstream in(name, std::ios::binary);
  if (pos < 0 || !in) return 0;
  int line = 1;
  for (char c; pos > 0 && in.get(c); --pos) line += c == '\n';
  return line;
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
    if (used < 0) {
      // Text that is not UTF-8 above all: a cue silently dropped would be a cue missing.
      const int line = line_at(name, pkt->pos);
      throw UsageError(name + (line ? " line " + std::to_string(line) : "") + ": cannot decode " +
                       "the cue at " + clock_text(pkt->pts, st->time_base) + " (" +
                       av::error_text(used) + "); subtitles must be UTF-8 (or UTF-16 with a " +
                       "byte-order mark) text");
    }
    if (got && pkt->pts != AV_NOPTS_VALUE) {
      SubtitleCue cue;
      cue.start_us = av_rescale_q(pkt->pts, st->time_base, AV_TIME_BASE_Q);
      cue.end_us = cue.start_us + av_rescale_q(pkt->duration, st->time_base, AV_TIME_BASE_Q);
      cue.event = event_of(sub);
      if (cue.end_us > cue.start_us && !cue.event.empty()) out.cues.push_back(std::move(cue));
      if (out.cues.size() > kMaxCues) {
        avsubtitle_free(&sub);
        throw UsageError(name + ": more than " + std::to_string(kMaxCues) +
                         " cues, more than a subtitles file may hold; check that it is the " +
                         "right file, or split it");
      }
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
