#include "subtitles/fonts.h"

#include <fontconfig/fontconfig.h>

#include <cstdio>

#include "core/error.h"
#include "subtitles/line_break.h"

namespace reelpack {

std::string subtitle_font_family(const SubtitleSpec& spec) {
  const std::string& lang = spec.language;
  if (lang == "zho" || lang == "chi") {
    return spec.script == "Hant" ? "Noto Sans CJK TC" : "Noto Sans CJK SC";
  }
  if (lang == "yue") return spec.script == "Hans" ? "Noto Sans CJK SC" : "Noto Sans CJK TC";
  if (lang == "jpn") return "Noto Sans CJK JP";
  if (lang == "kor") return "Noto Sans CJK KR";
  return "DejaVu Sans";
}

namespace {
struct ConfigFree {
  void operator()(FcConfig* c) const { FcConfigDestroy(c); }
};
struct CharSetFree {
  void operator()(FcCharSet* c) const { FcCharSetDestroy(c); }
};
struct PatternFree {
  void operator()(FcPattern* p) const { FcPatternDestroy(p); }
};
struct FontSetFree {
  void operator()(FcFontSet* s) const { FcFontSetDestroy(s); }
};
}  // namespace

// A configuration of our own (no fontconfig global state shared between threads).
struct GlyphCoverage::Impl {
  std::unique_ptr<FcConfig, ConfigFree> config;
  std::unique_ptr<FcCharSet, CharSetFree> chars;
};

GlyphCoverage::GlyphCoverage(const std::string& family) : impl_(std::make_unique<Impl>()) {
  impl_->config.reset(FcInitLoadConfigAndFonts());
  if (!impl_->config) throw ProcessingError("fontconfig: cannot load its configuration");
  std::unique_ptr<FcPattern, PatternFree> pattern(
      FcNameParse(reinterpret_cast<const FcChar8*>(family.c_str())));
  if (!pattern) throw ProcessingError("fontconfig: cannot parse the family " + family);
  FcConfigSubstitute(impl_->config.get(), pattern.get(), FcMatchPattern);
  FcDefaultSubstitute(pattern.get());
  FcResult result = FcResultNoMatch;
  FcCharSet* chars = nullptr;
  // Untrimmed: the union of every font fontconfig would fall back to.
  std::unique_ptr<FcFontSet, FontSetFree> fonts(
      FcFontSort(impl_->config.get(), pattern.get(), FcFalse, &chars, &result));
  impl_->chars.reset(chars ? chars : FcCharSetCreate());
}

GlyphCoverage::~GlyphCoverage() = default;

bool GlyphCoverage::has(char32_t code_point) const {
  return FcCharSetHasChar(impl_->chars.get(), code_point) == FcTrue;
}

namespace {
// Drawn as nothing, or by the shaper with its neighbour: no glyph of their own needed.
bool needs_glyph(char32_t c) {
  return c > 0x20 && c != 0x7F && !(c >= 0x80 && c <= 0xA0) && c != 0xAD &&
         !(c >= 0x200B && c <= 0x200F) && !(c >= 0x2028 && c <= 0x202E) &&
         !(c >= 0x2060 && c <= 0x206F) && !(c >= 0xFE00 && c <= 0xFE0F) && c != 0xFEFF &&
         !(c >= 0xE0100 && c <= 0xE01EF) && c != 0x3000;
}

int cue_number(const SubtitleCue& cue, size_t index) {
  // The event's first field is the cue's place in the file (from 0).
  const std::string& e = cue.event;
  const size_t comma = e.find(',');
  if (comma != std::string::npos && comma > 0 && comma < 10) {
    try {
      return std::stoi(e.substr(0, comma)) + 1;
    } catch (const std::exception&) {
    }
  }
  return static_cast<int>(index) + 1;
}

bool emoji(char32_t c) {
  return (c >= 0x1F000 && c <= 0x1FAFF) || (c >= 0x2600 && c <= 0x27BF);
}
}  // namespace

std::optional<MissingGlyph> first_missing_glyph(const std::vector<SubtitleCue>& cues,
                                                const GlyphCoverage& fonts) {
  std::optional<MissingGlyph> first;
  for (size_t i = 0; i < cues.size(); ++i) {
    const int number = cue_number(cues[i], i);
    if (first && number >= first->cue_number) continue;  // cues are in time order
    for (const char32_t c : visible_code_points(event_text(cues[i].event))) {
      if (needs_glyph(c) && !fonts.has(c)) {
        first = MissingGlyph{number, c};
        break;
      }
    }
  }
  return first;
}

std::string describe_code_point(char32_t code_point) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(code_point));
  return std::string(hex) + " " + utf8(code_point);
}

std::string missing_glyph_message(const std::string& file, const MissingGlyph& m) {
  const char* package = emoji(m.code_point)           ? "fonts-noto-color-emoji"
                        : has_cjk(utf8(m.code_point)) ? "fonts-noto-cjk"
                                                      : "fonts-noto-core";
  return file + ": cue " + std::to_string(m.cue_number) + " has " +
         describe_code_point(m.code_point) +
         " that no installed font can draw; install a font that has it (Debian: " + package +
         ") or pass --allow-missing-glyphs";
}

std::string missing_glyph_problem(const SubtitleTrack& track) {
  const auto missing =
      first_missing_glyph(track.cues, GlyphCoverage(subtitle_font_family(track.spec)));
  return missing ? missing_glyph_message(track.spec.file.string(), *missing) : "";
}

}  // namespace reelpack
