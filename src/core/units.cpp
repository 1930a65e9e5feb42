#include "core/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace reelpack {

std::string trim(const std::string& text) {
  size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  return text.substr(b, e - b);
}

std::string Rational::to_string() const {
  return den == 1 ? std::to_string(num) : std::to_string(num) + "/" + std::to_string(den);
}

namespace {
int64_t parse_int(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    throw std::invalid_argument("'" + std::string(s) + "' is not a whole number");
  }
  return v;
}
}  // namespace

Rational parse_rational(const std::string& raw) {
  const std::string text = trim(raw);
  const auto slash = text.find('/');
  int64_t num = 0, den = 1;
  if (slash == std::string::npos) {
    if (text.find('.') != std::string::npos) {
      // "29.97" -> 2997/100, reduced; common NTSC rates are better given as 30000/1001.
      const double v = std::stod(text);
      num = std::llround(v * 1000);
      den = 1000;
    } else {
      num = parse_int(text);
    }
  } else {
    num = parse_int(std::string_view(text).substr(0, slash));
    den = parse_int(std::string_view(text).substr(slash + 1));
  }
  if (den <= 0 || num <= 0) throw std::invalid_argument("'" + text + "' must be positive");
  const int64_t g = std::gcd(num, den);
  num /= g;
  den /= g;
  if (num > 1'000'000 || den > 1'000'000)
    throw std::invalid_argument("'" + text + "' is too large");
  return {static_cast<int>(num), static_cast<int>(den)};
}

std::vector<Rational> parse_rational_list(const std::string& raw) {
  std::vector<Rational> out;
  size_t from = 0;
  for (;;) {
    const size_t comma = raw.find(',', from);
    out.push_back(
        parse_rational(raw.substr(from, comma == std::string::npos ? comma : comma - from)));
    if (comma == std::string::npos) return out;
    from = comma + 1;
  }
}

int64_t parse_si(const std::string& raw) {
  std::string text = trim(raw);
  if (text.empty()) throw std::invalid_argument("empty value");
  double scale = 1;
  switch (text.back()) {
    case 'k':
    case 'K':
      scale = 1e3;
      text.pop_back();
      break;
    case 'm':
    case 'M':
      scale = 1e6;
      text.pop_back();
      break;
    case 'g':
    case 'G':
      scale = 1e9;
      text.pop_back();
      break;
    default:
      break;
  }
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(v) || v < 0) {
    throw std::invalid_argument("'" + raw + "' is not a number with an optional k/M/G suffix");
  }
  return std::llround(v * scale);
}

bool parse_bool(const std::string& raw) {
  const std::string t = trim(raw);
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  throw std::invalid_argument("'" + raw + "' is not true or false");
}

std::string format_si(int64_t v) {
  if (v != 0 && v % 1'000'000'000 == 0) return std::to_string(v / 1'000'000'000) + "G";
  if (v != 0 && v % 1'000'000 == 0) return std::to_string(v / 1'000'000) + "M";
  if (v != 0 && v % 1'000 == 0) return std::to_string(v / 1'000) + "k";
  return std::to_string(v);
}

}  // namespace reelpack
