// The one list of preset keys: name, type, range, default and help. The preset loader,
// the command-line overrides (--video.crf 20) and `reelpack presets keys` all read it.
//
//   for (const KeySpec& k : preset_schema()) std::cout << k.key << " = " << k.default_value;
//   std::string err = validate_value(spec, "99");   // "" when valid
#pragma once

#include <boost/program_options/options_description.hpp>
#include <span>
#include <string>
#include <vector>

namespace reelpack {

enum class KeyType {
  String,        // free text
  Choice,        // one of `choices`
  Int,           // whole number in [min, max]
  Number,        // real number in [min, max]
  Rational,      // "30", "30000/1001", "29.97"; value in [min, max]
  FrameRate,     // "source" or a Rational in [min, max]
  RationalList,  // "24000/1001, 25, 30": Rationals, each in [min, max]
  Si,            // whole number with optional k/M/G (powers of 1000) suffix, in [min, max]
  Bool,          // true/false
  NumberOrNone,  // "none" or a real number in [min, max]
  Level,         // "auto" or a codec level like 4.1
};

struct KeySpec {
  const char* key;  // "video.crf": section.key, as on the command line
  KeyType type;
  const char* default_value;  // nullptr: no default (must be given, or none needed)
  double min = 0;
  double max = 0;
  std::vector<std::string> choices = {};
  const char* help = "";
};

std::span<const KeySpec> preset_schema();
const KeySpec* find_key(const std::string& key);

// "" when `value` is valid for `spec`, else a short reason ("'99' is out of range 0..63").
std::string validate_value(const KeySpec& spec, const std::string& value);

// Options for Boost.Program_options: every schema key as a string-valued option, so a
// preset file and the command line share one schema.
boost::program_options::options_description preset_options(bool for_command_line);

// "[video] crf" for messages, from "video.crf".
std::string display_key(const std::string& key);

}  // namespace reelpack
