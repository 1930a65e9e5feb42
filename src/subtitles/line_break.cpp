#include "subtitles/line_break.h"

#include <cstdlib>
#include <limits>

namespace reelpack {

char32_t next_code_point(std::string_view text, size_t& i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  int extra = 0;
  char32_t cp = 0;
  if (lead < 0x80) {
    ++i;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    extra = 1, cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2, cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3, cp = lead & 0x07;
  } else {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k <= extra; ++k) {
    if (i + k >= text.size() || (byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  i += extra + 1;
  return cp;
}

std::string utf8(char32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

std::string_view event_text(std::string_view event) {
  size_t at = 0;
  for (int field = 0; field < 8; ++field) {
    at = event.find(',', at);
    if (at == std::string_view::npos) return event;
    ++at;
  }
  return event.substr(at);
}

namespace {

// One piece of a line: a character, or an override tag ({...}, drawn as nothing).
struct Atom {
  std::string_view bytes;
  char32_t cp = 0;
  bool visible = true;
  bool space = false;  // a break point that the break replaces
};

std::vector<Atom> atoms_of(std::string_view text) {
  std::vector<Atom> out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t from = i;
    if (text[i] == '{') {
      const size_t close = text.find('}', i);
      if (close != std::string_view::npos) {
        i = close + 1;
        out.push_back({text.substr(from, i - from), 0, false, false});
        continue;
      }
    }
    if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == 'n' || text[i + 1] == 'h')) {
      i += 2;
      const bool soft = text[from + 1] == 'n';
      out.push_back({text.substr(from, 2), soft ? U' ' : U'\u00A0', true, soft});
      continue;
    }
    const char32_t cp = next_code_point(text, i);
    out.push_back({text.substr(from, i - from), cp, true, cp == U' ' || cp == U'\u3000'});
  }
  return out;
}

bool in(char32_t cp, std::u32string_view set) {
  return set.find(cp) != std::u32string_view::npos;
}

// Kinsoku: what may not start a line, and what may not end one.
constexpr std::u32string_view kNoStart = U"，。！？、；：）」』》〉…—】〕”’,.!?;:)";
constexpr std::u32string_view kNoEnd = U"（「『《〈【〔“‘";

bool is_cjk(char32_t c) {
  return (c >= 0x1100 && c <= 0x11FF) || (c >= 0x2E80 && c <= 0x2FDF) ||
         (c >= 0x3000 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA960 && c <= 0xA97F) ||
         (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFFEF) ||
         (c >= 0x20000 && c <= 0x3FFFF);
}

// Letters and digits of Latin text: a CJK line does not break inside "iPhone" or "2024".
bool word_char(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7);
}

int count_visible(const std::vector<Atom>& atoms, size_t from, size_t to) {
  int n = 0;
  for (size_t k = from; k < to; ++k) n += atoms[k].visible ? 1 : 0;
  return n;
}

// The visible atom before `k` (or npos) and the one at or after `k`.
size_t visible_before(const std::vector<Atom>& atoms, size_t k) {
  while (k > 0) {
    if (atoms[--k].visible) return k;
  }
  return std::string_view::npos;
}
size_t visible_from(const std::vector<Atom>& atoms, size_t k) {
  while (k < atoms.size() && !atoms[k].visible) ++k;
  return k < atoms.size() ? k : std::string_view::npos;
}

std::string break_part(std::string_view part, const LineBreakOptions& o) {
  const std::vector<Atom> atoms = atoms_of(part);
  const bool cjk = has_cjk(part);
  const int limit = cjk ? o.max_cjk : o.max_latin;
  const int total = count_visible(atoms, 0, atoms.size());
  if (total <= limit) return std::string(part);
  constexpr size_t npos = std::string_view::npos;
  size_t best = npos;
  bool best_space = false;
  int best_gap = std::numeric_limits<int>::max();
  for (size_t k = 0; k < atoms.size(); ++k) {
    if (!atoms[k].visible) continue;
    const bool space = atoms[k].space;
    const size_t before = visible_before(atoms, k);
    const size_t after = space ? visible_from(atoms, k + 1) : k;
    if (before == npos || after == npos) continue;
    const Atom& a = atoms[before];
    const Atom& b = atoms[after];
    if (a.space || b.space) continue;  // several spaces: break at the last
    if (!space) {
      if (!cjk || (word_char(a.cp) && word_char(b.cp))) continue;
    }
    if (in(b.cp, kNoStart) || in(a.cp, kNoEnd)) continue;
    const int first = count_visible(atoms, 0, k);
    const int second = total - first - (space ? 1 : 0);
    // Balanced; of two equal gaps the longer line goes below.
    const int gap = std::abs(first - second) * 2 + (first > second ? 1 : 0);
    if (gap < best_gap) best_gap = gap, best = k, best_space = space;
  }
  if (best == npos) return std::string(part);
  std::string out;
  for (size_t k = 0; k < atoms.size(); ++k) {
    if (k == best) {
      out += "\\N";
      if (best_space) continue;
    }
    out += atoms[k].bytes;
  }
  return out;
}

}  // namespace

bool has_cjk(std::string_view text) {
  for (const char32_t c : visible_code_points(text)) {
    if (is_cjk(c)) return true;
  }
  return false;
}

std::u32string visible_code_points(std::string_view text) {
  std::u32string out;
  for (const std::string_view line : split_lines(text)) {
    for (const Atom& a : atoms_of(line)) {
      if (a.visible) out += a.cp;
    }
  }
  return out;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t from = 0;
  for (;;) {
    const size_t at = text.find("\\N", from);
    lines.emplace_back(text.substr(from, at == std::string_view::npos ? at : at - from));
    if (at == std::string_view::npos) return lines;
    from = at + 2;
  }
}

int visible_length(std::string_view text) {
  return static_cast<int>(visible_code_points(text).size());
}

std::string break_lines(std::string_view text, const LineBreakOptions& options) {
  std::string out;
  bool first = true;
  for (const std::string& part : split_lines(text)) {
    if (!first) out += "\\N";
    first = false;
    out += break_part(part, options);
  }
  return out;
}

}  // namespace reelpack
