#include "subtitles/subtitles.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

#include "core/error.h"
#include "media/av_error.h"
#include "media/av_ptr.h"

namespace reelpack {
namespace fs = std::filesystem;

SubtitleSpec parse_subtitle_spec(const std::string& text) {
  SubtitleSpec spec;
  const size_t colon = text.rfind(':');
  if (colon != std::string::npos && colon > 0 && text.find('/', colon) == std::string::npos) {
    std::string lang = text.substr(colon + 1);
    const bool letters =
        std::all_of(lang.begin(), lang.end(), [](unsigned char c) { return std::isalpha(c) != 0; });
    if (!letters || lang.size() != 3) {
      throw UsageError("--subtitles " + text +
                       ": the language after ':' must be a three-letter "
                       "ISO 639-2 code such as eng, zho or spa");
    }
    std::transform(lang.begin(), lang.end(), lang.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    spec.file = text.substr(0, colon);
    spec.language = lang;
  } else {
    spec.file = text;
  }
  return spec;
}

SubtitleTrack read_subtitles(const SubtitleSpec& spec) {
  const std::string name = spec.file.string();
  std::error_code ec;
  if (!fs::is_regular_file(spec.file, ec)) {
    throw UsageError(name + ": no such subtitles file; check the path");
  }
  AVFormatContext* raw = nullptr;
  int ret = avformat_open_input(&raw, name.c_str(), nullptr, nullptr);
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
  const AVStream* st = fmt->streams[0];
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) throw UsageError(name + ": no decoder for its subtitles in this FFmpeg build");
  av::CodecContextPtr dec(avcodec_alloc_context3(codec));
  if (!dec) throw std::bad_alloc();
  av::check(avcodec_parameters_to_context(dec.get(), st->codecpar), "set up the subtitle decoder",
            name);
  dec->pkt_timebase = st->time_base;
  av::check(avcodec_open2(dec.get(), codec, nullptr), "open the subtitle decoder", name);

  SubtitleTrack track;
  track.spec = spec;
  track.format = format;
  av::PacketPtr pkt = av::make_packet();
  while ((ret = av_read_frame(fmt.get(), pkt.get())) >= 0) {
    AVSubtitle sub{};
    int got = 0;
    const int used = avcodec_decode_subtitle2(dec.get(), &sub, &got, pkt.get());
    if (used >= 0 && got && pkt->pts != AV_NOPTS_VALUE) {
      SubtitleCue cue;
      cue.start_us = av_rescale_q(pkt->pts, st->time_base, AV_TIME_BASE_Q);
      cue.end_us = cue.start_us + av_rescale_q(pkt->duration, st->time_base, AV_TIME_BASE_Q);
      for (unsigned i = 0; i < sub.num_rects; ++i) {
        if (sub.rects[i]->ass) {
          if (cue.event.empty()) {
            cue.event = sub.rects[i]->ass;
          } else {
            // A second rect of the same cue: its text on a new line.
            const std::string more = sub.rects[i]->ass;
            size_t p = 0;
            for (int k = 0; k < 8 && p != std::string::npos; ++k) p = more.find(',', p + 1);
            if (p != std::string::npos) cue.event += "\\N" + more.substr(p + 1);
          }
        }
      }
      if (cue.end_us > cue.start_us && !cue.event.empty()) track.cues.push_back(std::move(cue));
    }
    if (got) avsubtitle_free(&sub);
    av_packet_unref(pkt.get());
  }
  if (ret != AVERROR_EOF) {
    throw UsageError(name + ": cannot read the subtitles (" + av::error_text(ret) +
                     "); check the file");
  }
  if (track.cues.empty()) {
    throw UsageError(name + ": holds no subtitle cue; check that it is SRT or WebVTT");
  }
  std::stable_sort(
      track.cues.begin(), track.cues.end(),
      [](const SubtitleCue& a, const SubtitleCue& b) { return a.start_us < b.start_us; });
  return track;
}

std::vector<SubtitleCue> retime(const std::vector<SubtitleCue>& cues,
                                const std::vector<TimeRange>& ranges, int64_t duration_us) {
  std::vector<TimeRange> spans = ranges;
  if (spans.empty()) spans.push_back({0, duration_us > 0 ? duration_us : INT64_MAX / 4});
  std::vector<SubtitleCue> out;
  int64_t offset_us = 0;
  for (const TimeRange& r : spans) {
    for (const SubtitleCue& c : cues) {
      const int64_t s = std::max(c.start_us, r.start_us);
      const int64_t e = std::min(c.end_us, r.end_us);
      if (e <= s) continue;
      SubtitleCue moved = c;
      moved.start_us = s - r.start_us + offset_us;
      moved.end_us = e - r.start_us + offset_us;
      if (duration_us > 0) moved.end_us = std::min(moved.end_us, duration_us);
      if (moved.end_us > moved.start_us) out.push_back(std::move(moved));
    }
    offset_us += r.length_us();
  }
  std::stable_sort(out.begin(), out.end(), [](const SubtitleCue& a, const SubtitleCue& b) {
    return a.start_us < b.start_us;
  });
  return out;
}

namespace {
std::string ass_time(int64_t us) {
  const int64_t cs = us / 10'000;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld.%02lld", static_cast<long long>(cs / 360000),
                static_cast<long long>(cs / 6000 % 60), static_cast<long long>(cs / 100 % 60),
                static_cast<long long>(cs % 100));
  return buf;
}
}  // namespace

std::string ass_script(const std::vector<SubtitleCue>& cues, Size frame) {
  const int h = frame.height_px, w = frame.width_px;
  std::ostringstream s;
  s << "[Script Info]\nScriptType: v4.00+\nPlayResX: " << w << "\nPlayResY: " << h
    << "\nScaledBorderAndShadow: yes\nWrapStyle: 0\n\n[V4+ Styles]\n"
       "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
       "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
       "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
    << "Style: Default,DejaVu Sans," << std::max(8, h * 35 / 1000)
    << ",&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1," << std::max(1, h / 480)
    << ",0,2," << w * 8 / 100 << "," << w * 8 / 100 << "," << h * 22 / 100
    << ",1\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, "
       "Effect, Text\n";
  for (const SubtitleCue& c : cues) {
    // "ReadOrder,Layer,Rest..." -> "Dialogue: Layer,Start,End,Rest..."
    const size_t a = c.event.find(',');
    const size_t b = a == std::string::npos ? a : c.event.find(',', a + 1);
    if (b == std::string::npos) continue;
    s << "Dialogue: " << c.event.substr(a + 1, b - a - 1) << "," << ass_time(c.start_us) << ","
      << ass_time(c.end_us) << "," << c.event.substr(b + 1) << "\n";
  }
  return s.str();
}

std::string ass_filter(const fs::path& script_file) {
  // Two levels: the option value (\ ' :), then the filter chain (\ ' [ ] , ;).
  std::string value;
  for (const char c : script_file.string()) {
    if (c == '\\' || c == '\'' || c == ':') value += '\\';
    value += c;
  }
  std::string chain;
  for (const char c : value) {
    if (c == '\\' || c == '\'' || c == '[' || c == ']' || c == ',' || c == ';') chain += '\\';
    chain += c;
  }
  return "ass=filename=" + chain;
}

}  // namespace reelpack
