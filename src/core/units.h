// Parsing of the value forms users type: rationals ("30000/1001"), bit rates and
// sizes with decimal suffixes ("8M", "128k", "4G"), and booleans.
//
//   Rational r = parse_rational("30000/1001");   // {30000, 1001}
//   int64_t bps = parse_si("8M");                 // 8'000'000
//
// Each throws std::invalid_argument with a short reason; callers add file and key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace reelpack {

struct Rational {
  int num = 0;
  int den = 1;
  double to_double() const { return den ? static_cast<double>(num) / den : 0.0; }
  std::string to_string() const;
  friend bool operator==(const Rational&, const Rational&) = default;
};

Rational parse_rational(const std::string& text);
// "24000/1001, 25, 30": comma-separated rationals, at least one.
std::vector<Rational> parse_rational_list(const std::string& text);
int64_t parse_si(const std::string& text);  // k/M/G suffixes, powers of 1000
bool parse_bool(const std::string& text);
std::string format_si(int64_t value);  // 8000000 -> "8M"
std::string trim(const std::string& text);

}  // namespace reelpack
