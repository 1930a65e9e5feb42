// Line breaking of subtitle text, done before libass sees it (Debian's libass is built
// without libunibreak, so it breaks lines only at spaces and a Chinese or Japanese cue
// would run off the picture). Works on a cue's ASS text: override tags ({\i1}) stay where
// they are and take no room, explicit breaks (\N) are kept.
//
//   LineBreakOptions o;                                  // 16 CJK or 42 Latin per line
//   std::string two = break_lines("今天我们一起去看电影然后吃晚饭好吗", o);
//   // "今天我们一起去看\N电影然后吃晚饭好吗": 8 and 9, balanced, kinsoku rules kept
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reelpack {

// Code points are counted, a full-width character as one.
struct LineBreakOptions {
  int max_cjk = 16;    // per line, text with Chinese, Japanese or Korean characters
  int max_latin = 42;  // per line, other text
};

// Each part of `text` between explicit breaks (\N) that is longer than its limit becomes
// two balanced lines (as equal in length as the rules allow): Latin text breaks at a
// space (which the break replaces), CJK text between any two characters except inside a
// run of Latin letters or digits, never with one of ，。！？、；：）」』》〉…— (or ASCII
// ,.!?;:) ) at a line's start nor one of （「『《〈 at a line's end. Never more than two
// lines per part: a part longer than twice its limit gives two lines longer than the
// limit (ass_script() then shrinks the text to fit). Text with no allowed break point
// stays one line.
std::string break_lines(std::string_view text, const LineBreakOptions& options = {});

// The lines of `text` split at its explicit breaks (\N), and the longest line's visible
// length (tags left out).
std::vector<std::string> split_lines(std::string_view text);
int visible_length(std::string_view text);

// Whether `text` holds Chinese, Japanese or Korean characters (it takes the CJK limit).
bool has_cjk(std::string_view text);

// UTF-8: the code point at `i` (advancing `i`; a bad byte reads as U+FFFD, one byte), and
// a code point's encoding.
char32_t next_code_point(std::string_view text, size_t& i);
std::string utf8(char32_t code_point);

// The characters of ASS text that are drawn: override tags ({...}) and \N, \n, \h left
// out (\h as a space).
std::u32string visible_code_points(std::string_view text);

// The text of a cue's event ("ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,
// Text"): what follows its eighth comma.
std::string_view event_text(std::string_view event);

}  // namespace reelpack
