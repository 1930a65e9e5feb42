// Subtitles for packaged outputs: an SRT or WebVTT file (read by media/subtitle_reader.h),
// re-timed onto the output's timeline (the --range cuts joined from zero), and
// either muxed as a soft mov_text track or burnt into the picture by libass.
//
//   SubtitleSpec spec = parse_subtitle_spec("ep01.en.srt:eng");
//   SubtitleTrack track = read_subtitles(spec);                   // UsageError when bad
//   auto cues = retime(track.cues, ranges, output_duration_us);   // output timeline
//   BurnLayout layout{subtitle_font_family(spec), preset.safe_area};  // subtitles/fonts.h
//   std::string script = ass_script(cues, {1080, 1920}, layout);  // for the `ass` filter
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/geometry.h"
#include "edit/ranges.h"
#include "media/subtitle_reader.h"  // SubtitleCue
#include "presets/preset.h"         // SafeArea
#include "subtitles/line_break.h"

namespace reelpack {

struct SubtitleSpec {
  std::filesystem::path file;
  std::string language = "und";  // ISO 639-2 (three letters), as MP4 stores it
  std::string script;            // "Hans", "Hant" or "": from a tag such as zh-Hant
  friend bool operator==(const SubtitleSpec&, const SubtitleSpec&) = default;
};

// "FILE" or "FILE:LANG": LANG an ISO 639-2 code (eng, zho, spa) or a language tag of a
// common two-letter code with a script or region (zh-Hans, zh-Hant, zh-TW, ja, pt-BR):
// stored as its three-letter code, the script kept (zh-TW, zh-HK: Hant; zh-CN: Hans).
// Throws UsageError for a LANG that is neither.
SubtitleSpec parse_subtitle_spec(const std::string& text);

struct SubtitleTrack {
  SubtitleSpec spec;
  std::string format;             // "srt" or "webvtt"
  std::vector<SubtitleCue> cues;  // in start order, on the file's own timeline
};

// Reads and decodes the whole file. Throws UsageError naming the file when it is missing,
// not SRT or WebVTT, or holds no cue.
SubtitleTrack read_subtitles(const SubtitleSpec& spec);

// The cues on the output timeline: each cue's part inside each range (ranges joined in
// order from zero; no ranges: the whole input), cut at `duration_us`; empty parts dropped.
std::vector<SubtitleCue> retime(const std::vector<SubtitleCue>& cues,
                                const std::vector<TimeRange>& ranges, int64_t duration_us);

// How burnt-in subtitles are drawn on a frame.
struct BurnLayout {
  std::string font_family = "DejaVu Sans";  // subtitles/fonts.h subtitle_font_family()
  // The preset's safe area on this frame (pixels). The text's bottom sits on its bottom
  // edge and its sides inside its left and right edges. All zero (none published): 8% of
  // the width each side and 22% of the height up, clear of the usual bottom controls.
  SafeArea safe_area;
  int font_permille = 35;   // font size, of the frame's height
  LineBreakOptions breaks;  // the most characters per line, fewer if the width asks
};

// An ASS script of `cues` for libass, laid out for a `frame` of this size: white with a
// dark outline, centred at the bottom of the safe area, each cue broken into balanced
// lines (break_lines()) of at most as many characters as the safe area's width holds at
// that size; a CJK line still longer (a cue over twice that) is shrunk to fit.
std::string ass_script(const std::vector<SubtitleCue>& cues, Size frame,
                       const BurnLayout& layout = {});

// The libavfilter `ass` filter drawing `script_file`, escaped for a filter chain.
std::string ass_filter(const std::filesystem::path& script_file);

}  // namespace reelpack
