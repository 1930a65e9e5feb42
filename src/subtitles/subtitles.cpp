#include "subtitles/subtitles.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

#include "core/error.h"
#include "edit/ranges.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {
// ISO 639-1 codes common in subtitles, to their ISO 639-2/T code (what MP4 stores).
std::string three_letter(const std::string& two) {
  static const std::pair<const char*, const char*> kCodes[] = {
      {"zh", "zho"}, {"ja", "jpn"}, {"ko", "kor"}, {"en", "eng"}, {"fr", "fra"}, {"es", "spa"},
      {"de", "deu"}, {"it", "ita"}, {"pt", "por"}, {"ru", "rus"}, {"ar", "ara"}, {"hi", "hin"},
      {"th", "tha"}, {"vi", "vie"}, {"id", "ind"}, {"ms", "msa"}, {"tr", "tur"}, {"nl", "nld"},
      {"pl", "pol"}, {"sv", "swe"}, {"uk", "ukr"}, {"he", "heb"}, {"fa", "fas"}, {"tl", "tgl"}};
  for (const auto& [a, b] : kCodes) {
    if (two == a) return b;
  }
  return "";
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}
}  // namespace

// FILE:LANG takes LANG only when it looks like a language (letters, then -subtags) and
// FILE is not the whole text's own name: `Ep 1: The Contract.srt` and `a:b.srt` are paths.
// A language that is no code we know (`ep01.srt:english`) is a mistake, said so.
SubtitleSpec parse_subtitle_spec(const std::string& text) {
  SubtitleSpec spec;
  const size_t colon = text.rfind(':');
  const std::string lang = colon == std::string::npos ? "" : text.substr(colon + 1);
  std::vector<std::string> parts;  // "zh-Hant": zh, Hant
  for (size_t from = 0;;) {
    const size_t dash = lang.find('-', from);
    parts.push_back(lang.substr(from, dash == std::string::npos ? dash : dash - from));
    if (dash == std::string::npos) break;
    from = dash + 1;
  }
  const auto all = [](const std::string& part, bool digits) {
    return !part.empty() && std::all_of(part.begin(), part.end(), [digits](unsigned char c) {
      return std::isalpha(c) != 0 || (digits && std::isdigit(c) != 0);
    });
  };
  // Letters, then -subtags of letters and digits: `ep01.srt:v2` is a path.
  bool tag_like = all(parts[0], false);
  for (size_t i = 1; i < parts.size(); ++i) tag_like = tag_like && all(parts[i], true);
  std::error_code ec;
  const bool whole_is_file = fs::is_regular_file(text, ec);
  if (colon == std::string::npos || colon == 0 || !tag_like || whole_is_file) {
    spec.file = text;
    return spec;
  }
  const auto bad = [&] {
    return UsageError("--subtitles " + text +
                      ": the language after ':' must be a three-letter ISO 639-2 code such "
                      "as eng, zho or spa, or a tag such as zh-Hans or zh-Hant");
  };
  std::string primary = lower(parts[0]);
  if (primary.size() == 2) primary = three_letter(primary);
  if (primary.size() != 3) throw bad();
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string sub = lower(parts[i]);
    if (sub.size() > 8) throw bad();
    if (sub == "hans" || sub == "hant") {
      spec.script = sub == "hans" ? "Hans" : "Hant";
    } else if (spec.script.empty() && (sub == "tw" || sub == "hk" || sub == "mo")) {
      spec.script = "Hant";
    } else if (spec.script.empty() && (sub == "cn" || sub == "sg")) {
      spec.script = "Hans";
    }
  }
  spec.file = text.substr(0, colon);
  spec.language = primary;
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

namespace {
// Pixels of the frame kept clear on each side, and the font's size.
struct Margins {
  int left_px, right_px, bottom_px;
};

Margins burn_margins(Size frame, const SafeArea& safe, int outline_px, int font_px) {
  const int w = frame.width_px, h = frame.height_px;
  Margins m{w * 8 / 100, w * 8 / 100, h * 22 / 100};
  if (safe.top_px || safe.bottom_px || safe.left_px || safe.right_px) {
    // The outline is drawn outside the glyphs: keep it inside the safe area too.
    m = {std::max(0, safe.left_px) + outline_px, std::max(0, safe.right_px) + outline_px,
         std::max(0, safe.bottom_px) + outline_px};
  }
  // Room for at least one character, whatever the safe area says.
  const int spare = w - font_px - m.left_px - m.right_px;
  if (spare < 0) {
    m.left_px = std::max(0, m.left_px + spare / 2);
    m.right_px = std::max(0, w - font_px - m.left_px);
  }
  m.bottom_px = std::clamp(m.bottom_px, 0, std::max(0, h - 2 * font_px));
  return m;
}
}  // namespace

std::string ass_script(const std::vector<SubtitleCue>& cues, Size frame, const BurnLayout& layout) {
  const int h = frame.height_px, w = frame.width_px;
  const int font_px = std::max(8, h * layout.font_permille / 1000);
  const int outline_px = std::max(1, h / 480);
  const Margins m = burn_margins(frame, layout.safe_area, outline_px, font_px);
  // A CJK character is one em wide; Latin text averages about 0.55 em a character.
  const int width_px = std::max(font_px, w - m.left_px - m.right_px);
  LineBreakOptions breaks = layout.breaks;
  breaks.max_cjk = std::clamp(width_px / font_px, 1, std::max(1, breaks.max_cjk));
  breaks.max_latin = std::clamp(width_px * 20 / (font_px * 11), 1, std::max(1, breaks.max_latin));
  std::ostringstream s;
  s << "[Script Info]\nScriptType: v4.00+\nPlayResX: " << w << "\nPlayResY: " << h
    << "\nScaledBorderAndShadow: yes\nWrapStyle: 0\n\n[V4+ Styles]\n"
       "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
       "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
       "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
    << "Style: Default," << layout.font_family << "," << font_px
    << ",&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1," << outline_px
    << ",0,2," << m.left_px << "," << m.right_px << "," << m.bottom_px
    << ",1\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, "
       "Effect, Text\n";
  for (const SubtitleCue& c : cues) {
    // "ReadOrder,Layer,Rest..." -> "Dialogue: Layer,Start,End,Rest..."
    const size_t a = c.event.find(',');
    const size_t b = a == std::string::npos ? a : c.event.find(',', a + 1);
    if (b == std::string::npos) continue;
    const std::string_view event = c.event;
    const std::string_view text = event_text(event);
    if (text.data() == event.data()) continue;  // not the nine fields of an event
    const std::string_view fields = event.substr(b + 1, event.size() - text.size() - b - 1);
    std::string broken = break_lines(text, breaks);
    // Over twice the line's length: two lines that are too long, shrunk to fit the width.
    if (has_cjk(broken)) {
      int longest = 0;
      for (const std::string& line : split_lines(broken))
        longest = std::max(longest, visible_length(line));
      if (longest > breaks.max_cjk) {
        const int percent = std::max(1, 100 * breaks.max_cjk / longest);
        broken =
            "{\\fscx" + std::to_string(percent) + "\\fscy" + std::to_string(percent) + "}" + broken;
      }
    }
    s << "Dialogue: " << c.event.substr(a + 1, b - a - 1) << "," << ass_time(c.start_us) << ","
      << ass_time(c.end_us) << "," << fields << broken << "\n";
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
