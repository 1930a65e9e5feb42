#include "subtitles/subtitles.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

#include "core/error.h"
#include "edit/ranges.h"

namespace reelpack {
namespace fs = std::filesystem;

// FILE:LANG takes LANG only when it is three letters (ISO 639-2) and FILE is not the whole
// text's own name: `Ep 1: The Contract.srt` and `a:b.srt` are paths. Letters of another
// length after the last colon (`ep01.srt:english`) are a mistyped language, said so.
SubtitleSpec parse_subtitle_spec(const std::string& text) {
  SubtitleSpec spec;
  const size_t colon = text.rfind(':');
  std::string lang = colon == std::string::npos ? "" : text.substr(colon + 1);
  const bool letters = !lang.empty() && std::all_of(lang.begin(), lang.end(), [](unsigned char c) {
    return std::isalpha(c) != 0;
  });
  std::error_code ec;
  const bool whole_is_file = fs::is_regular_file(text, ec);
  if (colon != std::string::npos && colon > 0 && letters && !whole_is_file) {
    if (lang.size() != 3) {
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
  SubtitleFile file = read_subtitle_file(spec.file);
  if (file.cues.empty()) {
    throw UsageError(name + ": holds no subtitle cue; check that it is SRT or WebVTT");
  }
  // A mov_text sample stores its text's length in 16 bits: a longer cue would fail in the
  // encoder, blamed on the output. Leave room for the style records beside the text.
  constexpr size_t kMaxCueTextBytes = 60'000;
  for (size_t i = 0; i < file.cues.size(); ++i) {
    const std::string& event = file.cues[i].event;
    size_t text_at = 0;
    for (int field = 0; field < 8 && text_at != std::string::npos; ++field) {
      text_at = event.find(',', text_at);
      if (text_at != std::string::npos) ++text_at;
    }
    const size_t text_bytes = text_at == std::string::npos ? event.size() : event.size() - text_at;
    if (text_bytes > kMaxCueTextBytes) {
      throw UsageError(name + ": cue " + std::to_string(i + 1) + " (at " +
                       format_time(file.cues[i].start_us) + ") holds " +
                       std::to_string(text_bytes) + " bytes of text, more than a subtitle " +
                       "track's cue can (" + std::to_string(kMaxCueTextBytes) + "); split it");
    }
  }
  SubtitleTrack track{spec, std::move(file.format), std::move(file.cues)};
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
