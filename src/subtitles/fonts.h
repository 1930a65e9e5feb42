// Fonts for burnt-in subtitles: the family drawn for a subtitle's language (Noto Sans CJK
// for Chinese, Japanese and Korean, DejaVu Sans otherwise; Debian's fonts-noto-cjk and
// fonts-dejavu-core), and a check, through fontconfig as libass uses it, that some
// installed font has a glyph for every character of the cues, so that nothing is drawn as
// an empty box.
//
//   const std::string family = subtitle_font_family(spec);   // "Noto Sans CJK SC"
//   GlyphCoverage fonts(family);
//   if (auto m = first_missing_glyph(track.cues, fonts)) ...  // cue m->cue_number
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "media/subtitle_reader.h"  // SubtitleCue
#include "subtitles/subtitles.h"    // SubtitleSpec

namespace reelpack {

// The font family libass is asked for: by language (zho and chi: Simplified Chinese
// unless the spec's script is Hant; yue: Traditional; jpn; kor), else DejaVu Sans.
std::string subtitle_font_family(const SubtitleSpec& spec);

// What fontconfig can draw when `family` is asked for: that family's characters and those
// of every installed font it falls back to (FcFontSort), as libass falls back.
class GlyphCoverage {
 public:
  explicit GlyphCoverage(const std::string& family);
  ~GlyphCoverage();
  GlyphCoverage(const GlyphCoverage&) = delete;
  GlyphCoverage& operator=(const GlyphCoverage&) = delete;
  bool has(char32_t code_point) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct MissingGlyph {
  int cue_number = 0;  // 1 for the file's first cue
  char32_t code_point = 0;
};

// The first character of the cues' text (ASS override tags, \N and spaces left out) that
// `fonts` cannot draw, if any.
std::optional<MissingGlyph> first_missing_glyph(const std::vector<SubtitleCue>& cues,
                                                const GlyphCoverage& fonts);

// "U+1F600 😀": the code point and the character itself.
std::string describe_code_point(char32_t code_point);

// For `track` burnt in: missing_glyph_message() for its first character no font has (with
// its language's family, subtitle_font_family()), or "" when every one can be drawn.
std::string missing_glyph_problem(const SubtitleTrack& track);

// The message for a missing glyph in `file`, saying what to install or pass.
std::string missing_glyph_message(const std::string& file, const MissingGlyph& missing);

}  // namespace reelpack
