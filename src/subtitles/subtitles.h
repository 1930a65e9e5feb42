// Subtitles for packaged outputs: an SRT or WebVTT file (read by media/subtitle_reader.h),
// re-timed onto the output's timeline (the --range cuts joined from zero), and
// either muxed as a soft mov_text track or burnt into the picture by libass.
//
//   SubtitleSpec spec = parse_subtitle_spec("ep01.en.srt:eng");
//   SubtitleTrack track = read_subtitles(spec);                   // UsageError when bad
//   auto cues = retime(track.cues, ranges, output_duration_us);   // output timeline
//   std::string script = ass_script(cues, {1080, 1920});          // for the `ass` filter
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/geometry.h"
#include "edit/ranges.h"
#include "media/subtitle_reader.h"  // SubtitleCue

namespace reelpack {

struct SubtitleSpec {
  std::filesystem::path file;
  std::string language = "und";  // ISO 639-2 (three letters), as MP4 stores it
  friend bool operator==(const SubtitleSpec&, const SubtitleSpec&) = default;
};

// "FILE" or "FILE:LANG" (LANG three lowercase letters, e.g. eng, zho, spa). Throws
// UsageError for a LANG that is not three letters.
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

// An ASS script of `cues` for libass, laid out for a `frame` of this size: DejaVu Sans
// (fontconfig) at 3.5% of the height, white with a dark outline, centred at the bottom
// 22% of the height up, clear of the platforms' bottom controls.
std::string ass_script(const std::vector<SubtitleCue>& cues, Size frame);

// The libavfilter `ass` filter drawing `script_file`, escaped for a filter chain.
std::string ass_filter(const std::filesystem::path& script_file);

}  // namespace reelpack
