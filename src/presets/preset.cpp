#include "presets/preset.h"

#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/json_text.h"
#include "presets/frame_rate.h"
#include "presets/schema.h"

namespace reelpack {
namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace {

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

std::vector<fs::path> default_search_path() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("REELPACK_PRESETS"); env && *env) {
    std::stringstream ss(env);
    std::string item;
    while (std::getline(ss, item, ':')) {
      if (!item.empty()) dirs.emplace_back(item);
    }
  }
  if (const fs::path exe = executable_dir(); !exe.empty()) {
    dirs.push_back(exe / "../share/reelpack/presets");
    dirs.push_back(exe / "../presets");
  }
  dirs.emplace_back(REELPACK_SOURCE_PRESET_DIR);
  dirs.emplace_back(REELPACK_INSTALL_PRESET_DIR);
  return dirs;
}

bool looks_like_path(const std::string& s) {
  return s.find('/') != std::string::npos || (s.size() > 4 && s.ends_with(".ini"));
}

// The preset file's text as the INI parser takes it: a UTF-8 byte-order mark (Windows
// editors write one) dropped, `;` comment lines (INI's other comment mark) kept as `#`
// ones; and the line of each key, for messages. A file that is not text, a line that is
// neither a [section] nor `key = value`, or a key given twice (in one section or in two
// sections of the same name) is a UsageError naming the file and the line.
struct PresetText {
  std::string text;
  std::map<std::string, int> lines;  // "video.crf" -> its line (1-based)
};

PresetText preset_text(const fs::path& file) {
  const std::string where = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UsageError(where + ": cannot read the preset file");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  if (text.find('\0') != std::string::npos || !is_utf8(text)) {
    throw UsageError(where + ": not a text file (binary content, or not UTF-8); a preset is " +
                     "an INI file of `key = value` lines under [section] headers");
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
  std::istringstream lines(text);
  PresetText out;
  std::string section;  // "video." under [video], as the INI parser names keys
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    const std::string at = where + " line " + std::to_string(number) + ": ";
    const std::string t = trim(line);
    if (t.starts_with(";")) {
      out.text += "#" + t.substr(1) + "\n";
      continue;
    }
    // What the INI parser reads of the line: everything before a '#'.
    const std::string content = trim(t.substr(0, t.find('#')));
    const size_t equals = content.find('=');
    if (content.starts_with("[") && content.ends_with("]")) {
      // As the parser names it (which would read past the end of an empty name).
      section = content.substr(1, content.size() - 2);
      if (section.empty())
        throw UsageError(at + "'[]' names no section; write [video], [audio]...");
      if (!section.ends_with(".")) section += ".";
    } else if (!content.empty() && equals == std::string::npos) {
      throw UsageError(at + "'" + excerpt(t) + "' is neither a [section] nor a `key = value` line");
    } else if (!content.empty()) {
      const std::string name = trim(content.substr(0, equals));
      if (name.empty()) throw UsageError(at + "'" + excerpt(t) + "' has no key before '='");
      const std::string key = section + name;
      if (const auto [it, added] = out.lines.emplace(key, number); !added) {
        throw UsageError(at + display_key(key) + " is given twice (first on line " +
                         std::to_string(it->second) + "); keep one");
      }
    }
    out.text += line + "\n";
  }
  return out;
}

double number(const std::string& v) {
  return std::stod(trim(v));
}

// The resolved values build() reads, and the error that names where a bad one came from.
struct Values {
  const std::map<std::string, ResolvedValue>& values;
  const std::string& get(const char* key) const { return values.at(key).value; }
  UsageError fail(const char* key, const std::string& why) const {
    const ResolvedValue& v = values.at(key);
    const std::string line = v.line ? " line " + std::to_string(v.line) : "";
    return UsageError(v.origin + line + ": " + display_key(key) + ": " + why);
  }
};

// Fills defaults and applies the command line's overrides.
void resolve_values(std::map<std::string, ResolvedValue>& values, const Overrides& overrides) {
  for (const KeySpec& k : preset_schema()) {
    if (!values.count(k.key) && k.default_value) values[k.key] = {k.default_value, "default"};
  }
  const int file_width = std::stoi(values.at("video.width").value);
  const int file_height = std::stoi(values.at("video.height").value);
  for (const auto& [k, v] : overrides) values[k] = {trim(v), "command line"};
  // The safe area is drawn on the preset's frame: when the command line changes the frame
  // size but not the safe area, scale it with the frame so it keeps covering the same UI.
  for (const char* side :
       {"safe-area.top", "safe-area.bottom", "safe-area.left", "safe-area.right"}) {
    if (overrides.count(side)) continue;
    const bool vertical =
        std::string(side) == "safe-area.top" || std::string(side) == "safe-area.bottom";
    const int from = vertical ? file_height : file_width;
    const int to = std::stoi(values.at(vertical ? "video.height" : "video.width").value);
    if (from == to) continue;
    ResolvedValue& v = values.at(side);
    v.value = std::to_string(static_cast<int>(std::lround(std::stod(v.value) * to / from)));
    v.origin += " (scaled to the frame size)";
  }
}

VideoPreset read_video(const Values& in) {
  const auto get = [&](const char* key) -> const std::string& { return in.get(key); };
  const auto fail = [&](const char* key, const std::string& why) { return in.fail(key, why); };
  VideoPreset v;
  v.width_px = std::stoi(get("video.width"));
  v.height_px = std::stoi(get("video.height"));
  if (v.width_px % 2)
    throw fail("video.width", get("video.width") + " is odd; 4:2:0 video needs even sizes");
  if (v.height_px % 2)
    throw fail("video.height", get("video.height") + " is odd; 4:2:0 video needs even sizes");
  // 29.97 and 23.976 as written mean the NTSC rates 30000/1001 and 24000/1001.
  if (get("video.fps") != "source") v.fps = snap_to_standard(parse_rational(get("video.fps")));
  v.min_fps = parse_rational(get("video.min-fps"));
  v.max_fps = parse_rational(get("video.max-fps"));
  if (v.min_fps.to_double() > v.max_fps.to_double()) {
    throw fail("video.min-fps", get("video.min-fps") + " is above max-fps " + get("video.max-fps"));
  }
  for (const Rational& r : parse_rational_list(get("video.preferred-fps")))
    v.preferred_fps.push_back(snap_to_standard(r));
  v.codec = get("video.codec");
  v.profile = get("video.profile");
  v.level = get("video.level");
  v.pix_fmt = get("video.pix-fmt");
  v.hdr = get("video.hdr");
  v.encoder_preset = get("video.encoder-preset");
  v.crf = number(get("video.crf"));
  v.maxrate_bps = parse_si(get("video.maxrate"));
  v.bufsize_bits = parse_si(get("video.bufsize"));
  v.gop_seconds = number(get("video.gop-seconds"));
  v.bframes = std::stoi(get("video.bframes"));
  return v;
}

// Cross-key checks: what each encoder really accepts, so a preset never fails mid-run.
void check_encoder(const VideoPreset& v, const Values& in) {
  const auto get = [&](const char* key) -> const std::string& { return in.get(key); };
  const auto fail = [&](const char* key, const std::string& why) { return in.fail(key, why); };
  static const std::set<std::string> kX26xPresets = {"ultrafast", "superfast", "veryfast", "faster",
                                                     "fast",      "medium",    "slow",     "slower",
                                                     "veryslow",  "placebo"};
  if (v.codec == "libx264") {
    if (v.profile != "baseline" && v.profile != "main" && v.profile != "high" &&
        v.profile != "high444") {
      throw fail("video.profile",
                 "'" + v.profile + "' is not an H.264 profile (baseline, main, high, high444)");
    }
    if (v.crf == 0 && v.profile != "high444") {
      throw fail("video.crf", "H.264 crf 0 is lossless and needs profile high444");
    }
    if (v.pix_fmt != "yuv420p")
      throw fail("video.pix-fmt", "libx264 here encodes 8-bit yuv420p only");
    if (v.profile == "baseline" && v.bframes > 0) {
      throw fail("video.bframes", "baseline profile has no B-frames; set bframes = 0");
    }
  } else if (v.codec == "libx265") {
    if (v.profile != "main" && v.profile != "main10") {
      throw fail("video.profile", "'" + v.profile + "' is not an HEVC profile (main, main10)");
    }
    if ((v.profile == "main10") != (v.pix_fmt == "yuv420p10le")) {
      throw fail("video.pix-fmt", "HEVC main needs yuv420p and main10 needs yuv420p10le");
    }
  } else if (v.codec == "libsvtav1" && v.profile != "main") {
    throw fail("video.profile", "'" + v.profile + "' is not an AV1 profile here (main)");
  }
  if (v.codec == "libsvtav1") {
    const std::string& ep = v.encoder_preset;
    const bool numeric = !ep.empty() && ep.find_first_not_of("0123456789") == std::string::npos;
    if (!numeric || std::stoi(ep) > 13) {
      throw fail("video.encoder-preset", "'" + excerpt(ep) + "' is not an SVT-AV1 preset (0..13)");
    }
    if (v.crf > 63) throw fail("video.crf", "SVT-AV1 takes 0..63");
  } else {
    if (!kX26xPresets.count(v.encoder_preset)) {
      throw fail("video.encoder-preset", "'" + excerpt(v.encoder_preset) +
                                             "' is not an x264/x265 preset (ultrafast..placebo)");
    }
    if (v.crf > 51)
      throw fail("video.crf", "'" + get("video.crf") + "' is out of range 0..51 for " + v.codec);
  }
  if (v.hdr == "keep" && (v.codec != "libx265" || v.pix_fmt != "yuv420p10le")) {
    throw fail("video.hdr",
               "keep needs HEVC Main10: codec = libx265, profile = main10, pix-fmt = yuv420p10le");
  }
  if (v.maxrate_bps > 0 && v.bufsize_bits == 0) {
    throw fail("video.bufsize", "a maxrate cap needs a bufsize (typically 2x maxrate)");
  }
}

AudioPreset read_audio(const Values& in) {
  const auto get = [&](const char* key) -> const std::string& { return in.get(key); };
  const auto fail = [&](const char* key, const std::string& why) { return in.fail(key, why); };
  AudioPreset a;
  a.codec = get("audio.codec");
  a.bitrate_bps = parse_si(get("audio.bitrate"));
  a.sample_rate_hz = std::stoi(get("audio.sample-rate"));
  a.channels = std::stoi(get("audio.channels"));
  if (get("audio.loudness") != "none") a.loudness_lufs = number(get("audio.loudness"));
  a.true_peak_dbtp = number(get("audio.true-peak"));
  a.centre_mix_db = number(get("audio.centre-mix"));
  a.surround_mix_db = number(get("audio.surround-mix"));
  if (get("audio.lfe-mix") != "none") a.lfe_mix_db = number(get("audio.lfe-mix"));
  a.required = parse_bool(get("audio.required"));
  static const std::set<int> kAacRates = {8000,  11025, 12000, 16000, 22050, 24000,
                                          32000, 44100, 48000, 64000, 88200, 96000};
  if (!kAacRates.count(a.sample_rate_hz)) {
    throw fail("audio.sample-rate", get("audio.sample-rate") + " Hz is not an AAC sample rate");
  }
  return a;
}

LimitsPreset read_limits(const Values& in) {
  const auto get = [&](const char* key) -> const std::string& { return in.get(key); };
  const auto fail = [&](const char* key, const std::string& why) { return in.fail(key, why); };
  LimitsPreset l;
  l.min_duration_ms = std::llround(number(get("limits.min-duration")) * 1000);
  l.max_duration_ms = std::llround(number(get("limits.max-duration")) * 1000);
  l.max_size_bytes = parse_si(get("limits.max-size"));
  if (l.max_duration_ms && l.min_duration_ms > l.max_duration_ms) {
    throw fail("limits.min-duration", "is above max-duration");
  }
  return l;
}

}  // namespace

int VideoPreset::gop_frames(Rational rate) const {
  return std::max(1, static_cast<int>(std::lround(gop_seconds * rate.to_double())));
}

PresetLoader::PresetLoader() : search_path_(default_search_path()) {}
PresetLoader::PresetLoader(std::vector<fs::path> search_path)
    : search_path_(std::move(search_path)) {}

fs::path PresetLoader::find(const std::string& name_or_path) const {
  std::error_code ec;
  if (looks_like_path(name_or_path)) {
    const fs::path p(name_or_path);
    if (!fs::is_regular_file(p, ec)) {
      throw UsageError(name_or_path + ": no such preset file; check the path");
    }
    return p;
  }
  for (const fs::path& dir : search_path_) {
    const fs::path candidate = dir / (name_or_path + ".ini");
    if (fs::is_regular_file(candidate, ec)) return candidate.lexically_normal();
  }
  throw UsageError("unknown preset '" + name_or_path +
                   "'; `reelpack presets list` shows the names, or give a path to an .ini file");
}

std::vector<std::pair<std::string, fs::path>> PresetLoader::list() const {
  std::map<std::string, fs::path> found;
  for (const fs::path& dir : search_path_) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() != ".ini") continue;
      found.emplace(entry.path().stem().string(), entry.path().lexically_normal());
    }
  }
  return {found.begin(), found.end()};
}

std::map<std::string, ResolvedValue> PresetLoader::load_values(
    const fs::path& file, std::vector<std::string>& chain) const {
  const std::string where = file.string();
  if (std::find(chain.begin(), chain.end(), where) != chain.end()) {
    throw UsageError(where + ": base presets form a cycle; remove one `base =` line");
  }
  chain.push_back(where);

  const PresetText text = preset_text(file);
  // "FILE line N" where the key is known, else "FILE".
  const auto at = [&](const std::string& key) {
    const auto it = text.lines.find(key);
    return it == text.lines.end() ? where : where + " line " + std::to_string(it->second);
  };
  std::istringstream in(text.text);
  po::parsed_options parsed(nullptr);
  const po::options_description desc = preset_options(false);
  try {
    parsed = po::parse_config_file(in, desc, false);
  } catch (const po::unknown_option& e) {
    throw UsageError(at(e.get_option_name()) + ": unknown key " +
                     excerpt(display_key(e.get_option_name())) +
                     "; `reelpack presets keys` lists the valid keys");
  } catch (const po::error& e) {
    throw UsageError(where + ": " + excerpt(e.what(), 200));
  }

  std::map<std::string, ResolvedValue> own;
  for (const po::option& opt : parsed.options) {
    if (own.count(opt.string_key)) {
      throw UsageError(at(opt.string_key) + ": " + display_key(opt.string_key) + " is given twice");
    }
    const std::string value = opt.value.empty() ? "" : trim(opt.value.front());
    const KeySpec* spec = find_key(opt.string_key);
    if (const std::string err = validate_value(*spec, value); !err.empty()) {
      throw UsageError(at(opt.string_key) + ": " + display_key(opt.string_key) + ": " + err);
    }
    const auto line = text.lines.find(opt.string_key);
    own[opt.string_key] = {value, where, line == text.lines.end() ? 0 : line->second};
  }
  const std::string stem = file.stem().string();

  std::map<std::string, ResolvedValue> values;
  if (auto it = own.find("base"); it != own.end()) {
    // A base given as a path is relative to this file's folder, not to where reelpack runs.
    std::string base = it->second.value;
    if (looks_like_path(base) && fs::path(base).is_relative()) {
      base = (file.parent_path() / base).lexically_normal().string();
    }
    values = load_values(find(base), chain);
  }
  for (auto& [k, v] : own) values[k] = v;
  // A preset is named by its own file, never by its base's.
  if (!own.count("name")) values["name"] = {stem, where};
  chain.pop_back();
  return values;
}

void validate_overrides(const Overrides& overrides) {
  for (const auto& [key, value] : overrides) {
    const KeySpec* spec = find_key(key);
    if (!spec || key.find('.') == std::string::npos) {
      throw UsageError("--" + key + ": not a preset key; `reelpack presets keys` lists them");
    }
    if (const std::string err = validate_value(*spec, value); !err.empty()) {
      throw UsageError("--" + key + ": " + err);
    }
  }
}

Preset PresetLoader::load(const std::string& name_or_path, const Overrides& overrides) const {
  validate_overrides(overrides);
  const fs::path file = find(name_or_path);
  std::vector<std::string> chain;
  return build(load_values(file, chain), overrides, file);
}

Preset PresetLoader::from_defaults(const std::string& name, const Overrides& overrides) const {
  validate_overrides(overrides);
  return build({{"name", {name, "built in"}}, {"description", {"", "built in"}}}, overrides, "");
}

Preset PresetLoader::build(std::map<std::string, ResolvedValue> values, const Overrides& overrides,
                           const fs::path& file) const {
  resolve_values(values, overrides);
  Preset p;
  p.source = file;
  p.resolved = values;
  const Values in{values};
  auto get = [&](const char* key) -> const std::string& { return in.get(key); };
  auto fail = [&](const char* key, const std::string& why) { return in.fail(key, why); };

  p.name = get("name");
  p.description = get("description");
  p.container = get("container");
  p.video = read_video(in);
  check_encoder(p.video, in);
  p.audio = read_audio(in);
  p.limits = read_limits(in);
  const VideoPreset& v = p.video;
  p.safe_area = {std::stoi(get("safe-area.top")), std::stoi(get("safe-area.bottom")),
                 std::stoi(get("safe-area.left")), std::stoi(get("safe-area.right"))};
  if (p.safe_area.top_px + p.safe_area.bottom_px >= v.height_px) {
    throw fail("safe-area.bottom", "top + bottom leave no picture");
  }
  if (p.safe_area.left_px + p.safe_area.right_px >= v.width_px) {
    throw fail("safe-area.right", "left + right leave no picture");
  }
  p.cover = {std::stoi(get("cover.width")), std::stoi(get("cover.height")), get("cover.format")};
  return p;
}

namespace {
// The keys that decide the frame rate: the rate chosen stands for them all.
bool frame_rate_key(const std::string& k) {
  return k == "video.fps" || k == "video.min-fps" || k == "video.max-fps" ||
         k == "video.preferred-fps";
}

std::string fingerprint(const Preset& p, Rational frame_rate, bool audio) {
  std::ostringstream o;
  o << "frame-rate=" << frame_rate.to_string() << ';';
  for (const auto& [k, v] : p.resolved) {
    if (frame_rate_key(k)) continue;
    if (k.starts_with("video.") || (audio && k.starts_with("audio.")) || k == "container") {
      o << k << '=' << v.value << ';';
    }
  }
  return o.str();
}
}  // namespace

std::string Preset::encoding_fingerprint(Rational frame_rate) const {
  return fingerprint(*this, frame_rate, true);
}

std::string Preset::video_fingerprint(Rational frame_rate) const {
  return fingerprint(*this, frame_rate, false);
}

nlohmann::json to_json(const Preset& p) {
  nlohmann::json j;
  j["name"] = p.name;
  j["description"] = p.description;
  j["source"] = p.source.string();
  j["container"] = p.container;
  const VideoPreset& v = p.video;
  nlohmann::json preferred = nlohmann::json::array();
  for (const Rational& r : v.preferred_fps) preferred.push_back(r.to_string());
  j["video"] = {{"width", v.width_px},
                {"height", v.height_px},
                {"fps", v.fps ? v.fps->to_string() : "source"},
                {"min-fps", v.min_fps.to_string()},
                {"max-fps", v.max_fps.to_string()},
                {"preferred-fps", preferred},
                {"codec", v.codec},
                {"profile", v.profile},
                {"level", v.level},
                {"pix-fmt", v.pix_fmt},
                {"hdr", v.hdr},
                {"encoder-preset", v.encoder_preset},
                {"crf", v.crf},
                {"maxrate", v.maxrate_bps},
                {"bufsize", v.bufsize_bits},
                {"gop-seconds", v.gop_seconds},
                {"gop-frames", v.fps ? nlohmann::json(v.gop_frames(*v.fps)) : nlohmann::json()},
                {"bframes", v.bframes}};
  const AudioPreset& a = p.audio;
  j["audio"] = {{"codec", a.codec},
                {"bitrate", a.bitrate_bps},
                {"sample-rate", a.sample_rate_hz},
                {"channels", a.channels},
                {"loudness", a.loudness_lufs ? nlohmann::json(*a.loudness_lufs) : nlohmann::json()},
                {"true-peak", a.true_peak_dbtp},
                {"centre-mix", a.centre_mix_db},
                {"surround-mix", a.surround_mix_db},
                {"lfe-mix", a.lfe_mix_db ? nlohmann::json(*a.lfe_mix_db) : nlohmann::json()},
                {"required", a.required}};
  j["limits"] = {{"min-duration", p.limits.min_duration_ms / 1000.0},
                 {"max-duration", p.limits.max_duration_ms / 1000.0},
                 {"max-size", p.limits.max_size_bytes}};
  j["safe-area"] = {{"top", p.safe_area.top_px},
                    {"bottom", p.safe_area.bottom_px},
                    {"left", p.safe_area.left_px},
                    {"right", p.safe_area.right_px}};
  j["cover"] = {
      {"width", p.cover.width_px}, {"height", p.cover.height_px}, {"format", p.cover.format}};
  return j;
}

std::string to_ini(const Preset& p) {
  std::ostringstream o;
  std::string section;
  for (const KeySpec& k : preset_schema()) {
    const std::string key = k.key;
    auto it = p.resolved.find(key);
    if (it == p.resolved.end()) continue;
    const auto dot = key.find('.');
    const std::string sec = dot == std::string::npos ? "" : key.substr(0, dot);
    if (sec != section) {
      o << "\n[" << sec << "]\n";
      section = sec;
    }
    const std::string name = dot == std::string::npos ? key : key.substr(dot + 1);
    o << name << " = " << it->second.value;
    if (it->second.origin != p.source.string()) o << "    # " << it->second.origin;
    o << '\n';
  }
  return o.str();
}

}  // namespace reelpack
