// Presets: every shipped file loads and cites a source; defaults, base inheritance and
// command-line overrides resolve as documented; bad files are refused naming file and key.
#include <catch2/catch.hpp>
#include <fstream>

#include "core/error.h"
#include "core/units.h"
#include "presets/preset.h"
#include "presets/schema.h"
#include "support/files.h"

using namespace reelpack;
namespace fs = std::filesystem;

namespace {
fs::path write(const test::TempDir& dir, const std::string& name, const std::string& text) {
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

// The message of the UsageError that loading throws.
std::string load_error(const PresetLoader& loader, const std::string& what,
                       const Overrides& ov = {}) {
  try {
    loader.load(what, ov);
  } catch (const UsageError& e) {
    return e.what();
  }
  FAIL("expected a UsageError for " << what);
  return "";
}
}  // namespace

TEST_CASE("every shipped preset loads, is named after its file and cites its source", "[presets]") {
  PresetLoader loader({REELPACK_PRESET_DIR});
  const auto all = loader.list();
  const std::vector<std::string> required = {
      "tiktok",           "douyin",          "kuaishou",       "wechat-channels",
      "youtube-shorts",   "instagram-reels", "facebook-reels", "snapchat-spotlight",
      "bilibili-vertical"};
  for (const auto& name : required) {
    INFO(name);
    CHECK(std::any_of(all.begin(), all.end(), [&](auto& e) { return e.first == name; }));
  }
  for (const auto& [name, path] : all) {
    INFO(path);
    const Preset p = loader.load(name);
    CHECK(p.name == name);
    CHECK(!p.description.empty());
    CHECK(p.video.width_px % 2 == 0);
    CHECK(p.video.height_px > p.video.width_px);  // vertical
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    CHECK(text.find("# ") == 0);  // opens with a comment block citing the source
  }
}

TEST_CASE("platform figures match the published specifications", "[presets]") {
  PresetLoader loader({REELPACK_PRESET_DIR});
  const Preset yt = loader.load("youtube-shorts");
  CHECK(yt.video.codec == "libx264");
  CHECK(yt.video.profile == "high");
  CHECK(yt.video.bframes == 2);
  CHECK(yt.video.gop_seconds == Approx(0.5));  // closed GOP of half the frame rate
  CHECK(yt.audio.sample_rate_hz == 48000);
  CHECK(yt.limits.max_duration_ms == 180'000);
  const Preset fb = loader.load("facebook-reels");
  CHECK(fb.limits.min_duration_ms == 3'000);
  CHECK(fb.limits.max_duration_ms == 90'000);
  CHECK(fb.video.gop_seconds >= 2);
  CHECK(fb.video.gop_seconds <= 5);
  const Preset ig = loader.load("instagram-reels");
  CHECK(ig.video.maxrate_bps <= 25'000'000);
  CHECK(ig.limits.max_size_bytes == 300'000'000);
  const Preset bili = loader.load("bilibili-vertical");
  CHECK(bili.audio.bitrate_bps <= 320'000);
  CHECK(bili.video.gop_seconds <= 10);
  CHECK(bili.cover.width_px * bili.cover.height_px >= 960 * 600);
  const Preset snap = loader.load("snapchat-spotlight");
  CHECK(snap.audio.bitrate_bps >= 192'000);
  CHECK(snap.safe_area.top_px == 150);
  CHECK(snap.safe_area.bottom_px == 150);
}

TEST_CASE("missing keys take the schema defaults", "[presets]") {
  test::TempDir dir;
  const fs::path f = write(dir, "mini.ini", "description = minimal\n[video]\ncrf = 20\n");
  const Preset p = PresetLoader(std::vector<fs::path>{}).load(f.string());
  CHECK(p.name == "mini");
  CHECK(p.video.crf == 20);
  CHECK(p.video.width_px == 1080);
  CHECK(p.video.height_px == 1920);
  CHECK(p.video.fps == Rational{30, 1});
  CHECK(p.video.gop_frames() == 60);
  CHECK(p.audio.bitrate_bps == 128'000);
  CHECK(!p.audio.loudness_lufs);
  CHECK(p.resolved.at("video.width").origin == "default");
  CHECK(p.resolved.at("video.crf").origin == f.string());
}

TEST_CASE("base presets are inherited and the child wins", "[presets]") {
  test::TempDir dir;
  write(dir, "parent.ini",
        "description = parent\n[video]\ncrf = 19\nfps = 30000/1001\n[audio]\nbitrate = 192k\n");
  write(dir, "child.ini", "base = parent\n[video]\ncrf = 25\n");
  const PresetLoader loader({dir.path()});
  const Preset p = loader.load("child");
  CHECK(p.name == "child");
  CHECK(p.description == "parent");
  CHECK(p.video.crf == 25);
  CHECK(p.video.fps == Rational{30000, 1001});
  CHECK(p.video.gop_frames() == 60);  // 2 s at 29.97
  CHECK(p.audio.bitrate_bps == 192'000);

  write(dir, "a.ini", "base = b\n");
  write(dir, "b.ini", "base = a\n");
  CHECK_THAT(load_error(loader, "a"), Catch::Contains("cycle"));
}

TEST_CASE("command-line overrides use the same key names and are validated", "[presets]") {
  PresetLoader loader({REELPACK_PRESET_DIR});
  const Preset p = loader.load("tiktok", {{"video.crf", "30"}, {"audio.bitrate", "96k"}});
  CHECK(p.video.crf == 30);
  CHECK(p.audio.bitrate_bps == 96'000);
  CHECK(p.resolved.at("video.crf").origin == "command line");
  CHECK_THAT(load_error(loader, "tiktok", {{"video.crf", "99"}}), Catch::Contains("video.crf"));
  CHECK_THAT(load_error(loader, "tiktok", {{"video.nope", "1"}}), Catch::Contains("video.nope"));
  CHECK_THAT(load_error(loader, "tiktok", {{"video.width", "1081"}}), Catch::Contains("odd"));
  // H.264 lossless: crf 0 only with the High 4:4:4 Predictive profile, which x264 needs.
  const Preset lossless = loader.load("tiktok", {{"video.crf", "0"}, {"video.profile", "high444"}});
  CHECK(lossless.video.profile == "high444");
  CHECK_THAT(load_error(loader, "tiktok", {{"video.crf", "0"}}), Catch::Contains("high444"));
  CHECK_THAT(
      load_error(loader, "tiktok", {{"video.codec", "libx265"}, {"video.profile", "high444"}}),
      Catch::Contains("HEVC profile"));
}

TEST_CASE("bad preset files are refused with the file and the key named", "[presets]") {
  test::TempDir dir;
  const PresetLoader loader({dir.path()});
  struct Case {
    const char* text;
    const char* expect;
  };
  const Case cases[] = {
      {"[video]\ncrf = abc\n", "[video] crf"},
      {"[video]\ncrf = 99\n", "out of range"},
      {"[video]\nwidht = 1080\n", "unknown key [video] widht"},
      {"[video]\nfps = fast\n", "frame rate"},
      {"[video]\ncodec = libvpx\n", "[video] codec"},
      {"[video]\ncodec = libx265\nprofile = high\n", "HEVC profile"},
      {"[video]\nencoder-preset = turbo\n", "encoder-preset"},
      {"[video]\nwidth = 1079\n", "odd"},
      {"[audio]\nsample-rate = 45000\n", "AAC sample rate"},
      {"[audio]\nrequired = maybe\n", "true or false"},
      {"[limits]\nmin-duration = 10\nmax-duration = 5\n", "max-duration"},
      {"[video]\ncrf = 20\ncrf = 21\n", "twice"},
      {"base = nowhere\n", "unknown preset 'nowhere'"},
  };
  int i = 0;
  for (const Case& c : cases) {
    const fs::path f = write(dir, "bad" + std::to_string(i++) + ".ini", c.text);
    INFO(c.text);
    const std::string err = load_error(loader, f.string());
    CHECK_THAT(err, Catch::Contains(c.expect));
    if (std::string(c.expect).rfind("unknown preset", 0) != 0) {
      CHECK_THAT(err, Catch::Contains(f.string()));
    }
  }
  CHECK_THAT(load_error(loader, "no-such-preset"), Catch::Contains("presets list"));
}

TEST_CASE("every schema default is valid for its own key", "[presets]") {
  for (const KeySpec& k : preset_schema()) {
    if (!k.default_value) continue;
    INFO(k.key);
    CHECK(validate_value(k, k.default_value).empty());
  }
}

TEST_CASE("unit parsing", "[units]") {
  CHECK(parse_si("8M") == 8'000'000);
  CHECK(parse_si("128k") == 128'000);
  CHECK(parse_si("1.5M") == 1'500'000);
  CHECK(parse_si("4G") == 4'000'000'000);
  CHECK_THROWS(parse_si("fast"));
  CHECK_THROWS(parse_si("-1"));
  CHECK(parse_rational("30000/1001") == Rational{30000, 1001});
  CHECK(parse_rational("60/2") == Rational{30, 1});
  CHECK(parse_rational("29.97") == Rational{2997, 100});
  CHECK_THROWS(parse_rational("0"));
  CHECK_THROWS(parse_rational("30/0"));
  CHECK(parse_bool("yes"));
  CHECK(!parse_bool("false"));
  CHECK(format_si(8'000'000) == "8M");
}
