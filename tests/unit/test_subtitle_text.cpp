// Burnt-in subtitle text: the font family per language and the glyph check
// (subtitles/fonts.h, against the fonts installed by scripts/setup.sh), line breaking with
// kinsoku rules (subtitles/line_break.h), language tags, and the ASS script's placement in
// the safe area.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "subtitles/fonts.h"
#include "subtitles/line_break.h"
#include "subtitles/subtitles.h"

using namespace reelpack;

namespace {

SubtitleCue cue(int read_order, const std::string& text) {
  return {0, 1'000'000, std::to_string(read_order) + ",0,Default,,0,0,0,," + text};
}

const std::u32string kNoStart = U"，。！？、；：）」』》〉…—,.!?;:)";
const std::u32string kNoEnd = U"（「『《〈";

void check_kinsoku(const std::vector<std::string>& lines) {
  for (const std::string& line : lines) {
    const std::u32string cps = visible_code_points(line);
    REQUIRE(!cps.empty());
    INFO(line);
    CHECK(kNoStart.find(cps.front()) == std::u32string::npos);
    CHECK(kNoEnd.find(cps.back()) == std::u32string::npos);
  }
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += l;
  return s;
}

}  // namespace

TEST_CASE("subtitle fonts follow the language and script", "[subtitles][fonts]") {
  CHECK(subtitle_font_family(parse_subtitle_spec("a.srt:zho")) == "Noto Sans CJK SC");
  CHECK(subtitle_font_family(parse_subtitle_spec("a.srt:chi")) == "Noto Sans CJK SC");
  CHECK(subtitle_font_family(parse_subtitle_spec("a.srt:zh-Hans")) == "Noto Sans CJK SC");
  CHECK(subtitle_font_family(parse_subtitle_spec("a.srt:zh-Hant")) == "Noto Sans CJK TC");
  CHECK(subtitle_font_family(parse_subtitle_spec("a.srt:zh-TW")) == "Noto Sans CJK TC");
  CHECK(subtitle_font_family(parse_subtitle_spec("a.srt:yue")) == "Noto Sans CJK TC");
  CHECK(subtitle_font_family(parse_subtitle_spec("a.srt:jpn")) == "Noto Sans CJK JP");
  CHECK(subtitle_font_family(parse_subtitle_spec("a.srt:kor")) == "Noto Sans CJK KR");
  CHECK(subtitle_font_family(parse_subtitle_spec("a.srt:eng")) == "DejaVu Sans");
  CHECK(subtitle_font_family(parse_subtitle_spec("a.srt")) == "DejaVu Sans");
}

TEST_CASE("subtitle language tags store the three-letter code and keep the script", "[subtitles]") {
  const SubtitleSpec hant = parse_subtitle_spec("ep01.srt:zh-Hant");
  CHECK(hant.file == "ep01.srt");
  CHECK(hant.language == "zho");
  CHECK(hant.script == "Hant");
  const SubtitleSpec hans = parse_subtitle_spec("ep01.srt:zh-Hans");
  CHECK(hans.language == "zho");
  CHECK(hans.script == "Hans");
  CHECK(parse_subtitle_spec("ep01.srt:ZHO").language == "zho");
  CHECK(parse_subtitle_spec("ep01.srt:ja").language == "jpn");
  CHECK(parse_subtitle_spec("ep01.srt:pt-BR").language == "por");
  CHECK(parse_subtitle_spec("Ep 1: The Contract.srt").file == "Ep 1: The Contract.srt");
  CHECK(parse_subtitle_spec("a:b.srt").file == "a:b.srt");
  CHECK(parse_subtitle_spec("subs:v2").file == "subs:v2");
  CHECK_THROWS_AS(parse_subtitle_spec("ep01.srt:english"), UsageError);
  CHECK_THROWS_AS(parse_subtitle_spec("ep01.srt:xx-Hant"), UsageError);
}

TEST_CASE("subtitle glyph check finds characters no installed font has", "[subtitles][fonts]") {
  const GlyphCoverage sc("Noto Sans CJK SC");
  if (!sc.has(U'你')) {
    FAIL("fonts-noto-cjk is not installed (scripts/setup.sh installs it)");
  }
  CHECK(sc.has(U'A'));
  CHECK(sc.has(U'。'));
  CHECK(sc.has(U'猫'));
  // A private-use code point: no font has it.
  CHECK(!sc.has(0xF0000));
  const std::vector<SubtitleCue> cues = {cue(0, "你好{\\i1}世界\\N再见"),
                                         cue(1, "第二句 \U000F0000 话"), cue(2, "好")};
  const auto missing = first_missing_glyph(cues, sc);
  REQUIRE(missing);
  CHECK(missing->cue_number == 2);
  CHECK(missing->code_point == 0xF0000);
  CHECK(!first_missing_glyph({cues[0], cues[2]}, sc));
  CHECK(describe_code_point(0x1F600) == "U+1F600 \xF0\x9F\x98\x80");
  CHECK_THAT(missing_glyph_message("zh.srt", {3, U'你'}),
             Catch::Contains("U+4F60 你") && Catch::Contains("fonts-noto-cjk"));
  const std::string message = missing_glyph_message("zh.srt", {12, 0x1F600});
  CHECK(message ==
        "zh.srt: cue 12 has U+1F600 \xF0\x9F\x98\x80 that no installed font can draw; install "
        "a font that has it (Debian: fonts-noto-color-emoji) or pass --allow-missing-glyphs");
}

TEST_CASE("subtitle lines of Chinese break into two balanced lines with kinsoku rules",
          "[subtitles][breaks]") {
  // 40 characters, punctuation in the middle where a plain split would put it at a start.
  const std::string text =
      "我们今天晚上一起去电影院看一部新上映的电影，然后再去吃一顿好吃的晚饭吧朋友们好吗";
  REQUIRE(visible_length(text) == 40);
  const std::vector<std::string> lines = split_lines(break_lines(text));
  REQUIRE(lines.size() == 2);
  CHECK(visible_length(lines[0]) >= 19);
  CHECK(visible_length(lines[0]) <= 21);
  CHECK(visible_length(lines[1]) >= 19);
  CHECK(visible_length(lines[1]) <= 21);
  CHECK(joined(lines) == text);
  check_kinsoku(lines);

  SECTION("punctuation at the balanced point moves the break") {
    // Ten characters, then a comma, then ten: the comma may not start the second line.
    const std::string t = "一二三四五六七八九十，一二三四五六七八九十";
    const auto l = split_lines(break_lines(t, {8, 42}));
    REQUIRE(l.size() == 2);
    check_kinsoku(l);
    CHECK(joined(l) == t);
    const std::string q = "一二三四五六七八九「十一二三四五六七八九」";
    const auto lq = split_lines(break_lines(q, {8, 42}));
    REQUIRE(lq.size() == 2);
    check_kinsoku(lq);
    CHECK(visible_length(lq[0]) != 10);  // not right after the opening bracket
  }
  SECTION("an odd length puts the longer line below") {
    CHECK(break_lines("今天我们一起去看电影然后吃晚饭好吗") ==
          "今天我们一起去看\\N电影然后吃晚饭好吗");
  }
  SECTION("short lines and explicit breaks are kept") {
    CHECK(break_lines("你好世界") == "你好世界");
    CHECK(break_lines("第一行\\N第二行") == "第一行\\N第二行");
    const auto l = split_lines(break_lines("短\\N" + text));
    REQUIRE(l.size() == 3);
    CHECK(l[0] == "短");
  }
  SECTION("more than twice the limit still gives two lines") {
    const auto l = split_lines(break_lines(text, {10, 42}));
    REQUIRE(l.size() == 2);
    CHECK(joined(l) == text);
  }
  SECTION("Latin words inside Chinese stay whole and tags take no room") {
    const std::string t = "{\\i1}我们用iPhone15拍了这部电影{\\i0}然后发到网上给大家看";
    const auto l = split_lines(break_lines(t, {10, 42}));
    REQUIRE(l.size() == 2);
    CHECK(joined(l) == t);
    CHECK(l[0].find("iPhone15") != std::string::npos);
  }
}

TEST_CASE("subtitle lines of Latin text break at a space", "[subtitles][breaks]") {
  const std::string text =
      "This is a rather long subtitle line that should be broken into two lines";
  const auto lines = split_lines(break_lines(text));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] + " " + lines[1] == text);
  CHECK(std::abs(visible_length(lines[0]) - visible_length(lines[1])) <= 8);
  CHECK(break_lines("Short line.") == "Short line.");
  CHECK(break_lines(std::string(60, 'x')) == std::string(60, 'x'));  // nowhere to break
}

TEST_CASE("burn scripts place subtitles inside the safe area with the family",
          "[subtitles][burn]") {
  BurnLayout layout;
  layout.font_family = "Noto Sans CJK SC";
  layout.safe_area = {250, 420, 0, 170};
  const std::string script = ass_script({cue(0, "你好")}, {1080, 1920}, layout);
  INFO(script);
  // Font 3.5% of 1920 = 67, outline 4: margins left 0+4, right 170+4, bottom 420+4.
  CHECK_THAT(script, Catch::Contains("Style: Default,Noto Sans CJK SC,67,"));
  CHECK_THAT(script, Catch::Contains(",0,2,4,174,424,1\n"));
  CHECK_THAT(script, Catch::Contains(",0:00:00.00,0:00:01.00,Default,,0,0,0,,你好\n"));
  // No safe area published: clear of the usual bottom controls.
  const std::string none = ass_script({cue(0, "Hi")}, {1080, 1920});
  CHECK_THAT(none, Catch::Contains("Style: Default,DejaVu Sans,67,"));
  CHECK_THAT(none, Catch::Contains(",0,2,86,86,422,1\n"));
  // 40 characters on a 906 px wide area at 67 px: 13 a line, two lines shrunk to fit.
  const std::string long_cue = ass_script(
      {cue(0, "我们今天晚上一起去电影院看一部新上映的电影，然后再去吃一顿好吃的晚饭吧朋友们好吗")},
      {1080, 1920}, layout);
  CHECK_THAT(long_cue, Catch::Contains(",,{\\fscx65\\fscy65}"));
  CHECK_THAT(long_cue, Catch::Contains("\\N"));
}
