#include "core/json_text.h"

#include <cstdio>

namespace reelpack {

namespace {

// U+FDD0, a noncharacter no name or text of ours holds: stands for an escape while
// nlohmann dumps or parses. Followed by two hex digits (a raw byte) or "uu" (a U+FDD0 of
// the text itself, so that one is never taken for a marker).
const std::string kMarker = "\xEF\xB7\x90";

size_t utf8_length(const std::string& s, size_t i) {
  const auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = at(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  }
  return n;
}

std::string hex2(unsigned value) {
  char buf[3];
  std::snprintf(buf, sizeof buf, "%02x", value & 0xFF);
  return buf;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Invalid bytes and U+FDD0 as markers.
std::string mark(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_length(s, i);
    if (n == 0) {
      out += kMarker + hex2(static_cast<unsigned char>(s[i]));
      ++i;
    } else if (s.compare(i, n, kMarker) == 0) {
      out += kMarker + "uu";
      i += n;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  return out;
}

// Markers back to bytes (and to U+FDD0).
std::string unmark(const std::string& s) {
  if (s.find(kMarker) == std::string::npos) return s;
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s.compare(i, kMarker.size(), kMarker) == 0 && i + kMarker.size() + 2 <= s.size()) {
      const size_t d = i + kMarker.size();
      const int h = hex_digit(s[d]), l = hex_digit(s[d + 1]);
      if (h >= 0 && l >= 0) {
        out += static_cast<char>(h * 16 + l);
      } else {
        out += kMarker;  // "uu"
      }
      i = d + 2;
    } else {
      out += s[i++];
    }
  }
  return out;
}

// A copy of `j` with every string (keys too) passed through `f`.
template <class F>
nlohmann::json map_strings(const nlohmann::json& j, const F& f) {
  if (j.is_string()) return f(j.get_ref<const std::string&>());
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : j) out.push_back(map_strings(v, f));
    return out;
  }
  if (j.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = j.begin(); it != j.end(); ++it) out[f(it.key())] = map_strings(it.value(), f);
    return out;
  }
  return j;
}

// Refuses JSON nested deeper than kMaxJsonDepth, before anything recurses over it.
void check_depth(const std::string& text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) {
        throw nlohmann::json::parse_error::create(
            101, i + 1,
            "arrays and objects nested deeper than " + std::to_string(kMaxJsonDepth) + " levels",
            nullptr);
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

}  // namespace

size_t utf8_sequence_length(const std::string& text, size_t i) {
  return i < text.size() ? utf8_length(text, i) : 0;
}

bool is_utf8(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8_length(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string json_text(const nlohmann::json& j, int indent) {
  const std::string dumped = map_strings(j, mark).dump(indent);
  if (dumped.find(kMarker) == std::string::npos) return dumped;
  std::string out;
  out.reserve(dumped.size());
  for (size_t i = 0; i < dumped.size();) {
    if (dumped.compare(i, kMarker.size(), kMarker) == 0 &&
        i + kMarker.size() + 2 <= dumped.size()) {
      const std::string code = dumped.substr(i + kMarker.size(), 2);
      out += code == "uu" ? "\\ufdd0" : "\\udc" + code;
      i += kMarker.size() + 2;
    } else {
      out += dumped[i++];
    }
  }
  return out;
}

nlohmann::json parse_json_text(const std::string& text) {
  check_depth(text);
  std::string marked;
  marked.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      if (text[i + 1] == 'u' && i + 6 <= text.size()) {
        unsigned v = 0;
        bool hex = true;
        for (size_t k = i + 2; k < i + 6; ++k) {
          const int d = hex_digit(text[k]);
          hex = hex && d >= 0;
          v = v * 16 + static_cast<unsigned>(d < 0 ? 0 : d);
        }
        if (hex && v >= 0xDC80 && v <= 0xDCFF) {
          marked += kMarker + hex2(v);
          i += 6;
          continue;
        }
        if (hex && v == 0xFDD0) {
          marked += kMarker + "uu";
          i += 6;
          continue;
        }
      }
      marked.append(text, i, 2);  // any other escape, an escaped backslash included
      i += 2;
    } else if (text.compare(i, kMarker.size(), kMarker) == 0) {
      marked += kMarker + "uu";
      i += kMarker.size();
    } else {
      marked += text[i++];
    }
  }
  return map_strings(nlohmann::json::parse(marked), unmark);
}

}  // namespace reelpack
