#include "presets/schema.h"

#include <boost/program_options.hpp>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "core/error.h"
#include "core/units.h"

namespace reelpack {
namespace po = boost::program_options;

namespace {
// Every preset key. Defaults are the conservative H.264 vertical master most platforms
// accept (1080x1920, the source's frame rate within 23-30 fps, High profile, 2 s closed
// GOP, AAC-LC 48 kHz stereo). 23-30 fps is every rate these presets delivered when they
// all said 30 fps, or fewer: what a platform that publishes no range is given.
const std::vector<KeySpec> kSchema = {
    {"name", KeyType::String, nullptr, 0, 0, {}, "preset name (the file's stem)"},
    {"description", KeyType::String, "", 0, 0, {}, "one line shown by `presets list`"},
    {"base", KeyType::String, nullptr, 0, 0, {}, "preset whose values this one starts from"},
    {"container", KeyType::Choice, "mp4", 0, 0, {"mp4", "mov"}, "output container"},

    {"video.width", KeyType::Int, "1080", 128, 8192, {}, "output width, pixels (even)"},
    {"video.height", KeyType::Int, "1920", 128, 8192, {}, "output height, pixels (even)"},
    {"video.fps",
     KeyType::FrameRate,
     "source",
     1,
     240,
     {},
     "output frame rate: source (the recorded rate when min-fps..max-fps accepts it, else "
     "the nearest sensible one) or a rate that forces it (30, 30000/1001)"},
    {"video.min-fps",
     KeyType::Rational,
     "23",
     1,
     240,
     {},
     "lowest frame rate the platform accepts (23.976 counts as 24, 29.97 as 30)"},
    {"video.max-fps",
     KeyType::Rational,
     "30",
     1,
     240,
     {},
     "highest frame rate the platform accepts"},
    {"video.preferred-fps",
     KeyType::RationalList,
     "24000/1001,24,25,30000/1001,30,48,50,60000/1001,60,100,120",
     1,
     240,
     {},
     "standard rates a changed rate is chosen from (variable-rate sources, rates no whole "
     "factor brings into range)"},
    {"video.codec",
     KeyType::Choice,
     "libx264",
     0,
     0,
     {"libx264", "libx265", "libsvtav1"},
     "video encoder"},
    {"video.profile",
     KeyType::Choice,
     "high",
     0,
     0,
     {"baseline", "main", "high", "high444", "main10"},
     "codec profile (checked against the codec; high444 with crf 0 is lossless)"},
    {"video.level", KeyType::Level, "auto", 1, 6.2, {}, "codec level, or auto"},
    {"video.pix-fmt", KeyType::Choice, "yuv420p", 0, 0, {"yuv420p", "yuv420p10le"}, "pixel format"},
    {"video.hdr",
     KeyType::Choice,
     "tonemap",
     0,
     0,
     {"tonemap", "keep"},
     "HDR (PQ, HLG) sources: tonemap to BT.709 SDR, or keep HDR (needs libx265 main10)"},
    {"video.encoder-preset",
     KeyType::String,
     "medium",
     0,
     0,
     {},
     "speed/quality preset (x264/x265: ultrafast..placebo; svtav1: 0..13)"},
    {"video.crf", KeyType::Number, "23", 0, 63, {}, "constant rate factor (quality)"},
    {"video.maxrate", KeyType::Si, "8M", 0, 1e9, {}, "peak bit rate cap, bit/s (0: none)"},
    {"video.bufsize", KeyType::Si, "16M", 0, 2e9, {}, "VBV buffer, bits"},
    {"video.gop-seconds", KeyType::Number, "2", 0.1, 20, {}, "keyframe interval (closed GOP)"},
    {"video.bframes", KeyType::Int, "2", 0, 16, {}, "consecutive B-frames"},

    {"audio.codec", KeyType::Choice, "aac", 0, 0, {"aac"}, "audio encoder (AAC-LC)"},
    {"audio.bitrate", KeyType::Si, "128k", 16000, 512000, {}, "audio bit rate, bit/s"},
    {"audio.sample-rate", KeyType::Int, "48000", 8000, 96000, {}, "sample rate, Hz"},
    {"audio.channels", KeyType::Int, "2", 1, 8, {}, "channel count"},
    {"audio.loudness",
     KeyType::NumberOrNone,
     "none",
     -70,
     -5,
     {},
     "integrated loudness target, LUFS, or none"},
    {"audio.true-peak", KeyType::Number, "-1", -9, 0, {}, "true-peak ceiling, dBTP"},
    {"audio.centre-mix",
     KeyType::Number,
     "-3",
     -30,
     0,
     {},
     "downmix: the centre (dialogue) channel into each of left and right, dB (ITU-R BS.775: "
     "-3)"},
    {"audio.surround-mix",
     KeyType::Number,
     "-3",
     -30,
     0,
     {},
     "downmix: each surround and back channel into its side, dB (ITU-R BS.775: -3)"},
    {"audio.lfe-mix",
     KeyType::NumberOrNone,
     "none",
     -30,
     0,
     {},
     "downmix: the LFE channel into left and right, dB, or none (ITU-R BS.775 leaves it out)"},
    {"audio.required",
     KeyType::Bool,
     "true",
     0,
     0,
     {},
     "add a silent track when the input has no audio"},

    {"limits.min-duration", KeyType::Number, "0", 0, 86400, {}, "seconds (0: no minimum)"},
    {"limits.max-duration", KeyType::Number, "0", 0, 86400, {}, "seconds (0: no maximum)"},
    {"limits.max-size", KeyType::Si, "0", 0, 1e13, {}, "bytes (0: no limit)"},

    {"safe-area.top", KeyType::Int, "0", 0, 8192, {}, "pixels kept clear of platform UI"},
    {"safe-area.bottom", KeyType::Int, "0", 0, 8192, {}, "pixels kept clear of platform UI"},
    {"safe-area.left", KeyType::Int, "0", 0, 8192, {}, "pixels kept clear of platform UI"},
    {"safe-area.right", KeyType::Int, "0", 0, 8192, {}, "pixels kept clear of platform UI"},

    {"cover.width", KeyType::Int, "1080", 16, 8192, {}, "cover image width, pixels"},
    {"cover.height", KeyType::Int, "1920", 16, 8192, {}, "cover image height, pixels"},
    {"cover.format", KeyType::Choice, "jpg", 0, 0, {"jpg", "png", "webp"}, "cover image format"},
};

std::string range_text(const KeySpec& s) {
  std::ostringstream o;
  o << s.min << ".." << s.max;
  return o.str();
}

std::string check_range(const KeySpec& s, double v, const std::string& raw) {
  if (!std::isfinite(v) || v < s.min || v > s.max) {
    return "'" + excerpt(raw) + "' is out of range " + range_text(s);
  }
  return "";
}

double parse_number(const std::string& raw) {
  const std::string t = trim(raw);
  size_t used = 0;
  const double v = std::stod(t, &used);
  if (used != t.size()) throw std::invalid_argument("trailing text");
  return v;
}
}  // namespace

std::span<const KeySpec> preset_schema() {
  return kSchema;
}

const KeySpec* find_key(const std::string& key) {
  for (const KeySpec& k : kSchema) {
    if (key == k.key) return &k;
  }
  return nullptr;
}

std::string validate_value(const KeySpec& s, const std::string& raw) {
  const std::string v = trim(raw);
  const std::string shown = excerpt(v);  // for messages
  try {
    switch (s.type) {
      case KeyType::String:
        return "";
      case KeyType::Choice: {
        for (const auto& c : s.choices) {
          if (v == c) return "";
        }
        std::string all;
        for (const auto& c : s.choices) all += (all.empty() ? "" : ", ") + c;
        return "'" + shown + "' is not one of: " + all;
      }
      case KeyType::Int: {
        if (v.empty() || v.find_first_not_of("-0123456789") != std::string::npos) {
          return "'" + shown + "' is not a whole number";
        }
        return check_range(s, std::stod(v), v);
      }
      case KeyType::Number:
        return check_range(s, parse_number(v), v);
      case KeyType::NumberOrNone:
        return v == "none" ? "" : check_range(s, parse_number(v), v);
      case KeyType::Rational:
        return check_range(s, parse_rational(v).to_double(), v);
      case KeyType::FrameRate:
        return v == "source" ? "" : check_range(s, parse_rational(v).to_double(), v);
      case KeyType::RationalList:
        for (const Rational& r : parse_rational_list(v)) {
          if (std::string err = check_range(s, r.to_double(), v); !err.empty()) return err;
        }
        return "";
      case KeyType::Si:
        return check_range(s, static_cast<double>(parse_si(v)), v);
      case KeyType::Bool:
        parse_bool(v);
        return "";
      case KeyType::Level:
        return v == "auto" ? "" : check_range(s, parse_number(v), v);
    }
  } catch (const std::exception&) {
    switch (s.type) {
      case KeyType::Rational:
        return "'" + shown + "' is not a frame rate (30, 30000/1001, 29.97)";
      case KeyType::FrameRate:
        return "'" + shown + "' is not source or a frame rate (30, 30000/1001, 29.97)";
      case KeyType::RationalList:
        return "'" + shown + "' is not a list of frame rates (24000/1001,25,30)";
      case KeyType::Si:
        return "'" + shown + "' is not a number with an optional k/M/G suffix";
      case KeyType::Bool:
        return "'" + shown + "' is not true or false";
      case KeyType::NumberOrNone:
        return "'" + shown + "' is not a number or none";
      case KeyType::Level:
        return "'" + shown + "' is not a level like 4.1, or auto";
      default:
        return "'" + shown + "' is not a number";
    }
  }
  return "";
}

po::options_description preset_options(bool for_command_line) {
  po::options_description desc(for_command_line ? "Preset overrides (any preset key)" : "Preset");
  for (const KeySpec& k : kSchema) {
    const std::string key = k.key;
    if (for_command_line && key.find('.') == std::string::npos) continue;  // name, base...
    std::string help = k.help;
    if (k.default_value && *k.default_value)
      help += " [default " + std::string(k.default_value) + "]";
    desc.add_options()(k.key, po::value<std::string>()->value_name("V"), help.c_str());
  }
  return desc;
}

std::string display_key(const std::string& key) {
  const auto dot = key.find('.');
  if (dot == std::string::npos) return key;
  return "[" + key.substr(0, dot) + "] " + key.substr(dot + 1);
}

}  // namespace reelpack
