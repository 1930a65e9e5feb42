// Presets: every shipped file loads and cites a source; defaults, base inheritance and
// command-line overrides resolve as documented; bad files are refused naming file and key.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>

#include "core/error.h"
#include "core/units.h"
#include "presets/frame_rate.h"
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
  // Frame rates: the published ranges (platform-specs.md); unpublished ones 23-30.
  const std::map<std::string, std::pair<Rational, Rational>> fps_range = {
      {"tiktok", {{23, 1}, {60, 1}}},
      {"instagram-reels", {{23, 1}, {60, 1}}},
      {"facebook-reels", {{24, 1}, {60, 1}}},
      {"youtube-shorts", {{24, 1}, {60, 1}}},
      {"bilibili-vertical", {{23, 1}, {120, 1}}},
      {"douyin", {{23, 1}, {30, 1}}},
      {"kuaishou", {{23, 1}, {30, 1}}},
      {"wechat-channels", {{23, 1}, {30, 1}}},
      {"snapchat-spotlight", {{23, 1}, {30, 1}}},
      {"drama-app", {{23, 1}, {30, 1}}}};
  for (const auto& [name, range] : fps_range) {
    INFO(name);
    const Preset p = loader.load(name);
    CHECK(!p.video.fps);  // fps = source
    CHECK(p.video.min_fps == range.first);
    CHECK(p.video.max_fps == range.second);
  }
  for (const char* name : {"youtube-shorts-hdr", "instagram-reels-hdr"}) {
    INFO(name);
    const Preset hdr = loader.load(name);
    CHECK(hdr.video.hdr == "keep");
    CHECK(hdr.video.codec == "libx265");
    CHECK(hdr.video.pix_fmt == "yuv420p10le");
  }
  CHECK(loader.load("tiktok").video.hdr == "tonemap");
  CHECK(loader.load("tiktok").audio.centre_mix_db == -3);
  CHECK(!loader.load("tiktok").audio.lfe_mix_db);
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
  // fps = source (issue 18): the recorded rate within 23-30 fps; the GOP follows it.
  CHECK(!p.video.fps);
  CHECK(p.video.min_fps == Rational{23, 1});
  CHECK(p.video.max_fps == Rational{30, 1});
  CHECK(p.video.preferred_fps.front() == Rational{24000, 1001});
  CHECK(p.video.gop_frames({30, 1}) == 60);
  CHECK(p.video.gop_frames({25, 1}) == 50);
  CHECK(p.video.gop_frames({24000, 1001}) == 48);
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
  CHECK(p.video.gop_frames(*p.video.fps) == 60);  // 2 s at 29.97
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
      {"[video]\nmin-fps = 50\nmax-fps = 30\n", "above max-fps"},
      {"[video]\npreferred-fps = 25,fast\n", "list of frame rates"},
      {"[video]\nmax-fps = 500\n", "out of range"},
      {"[video]\nhdr = keep\n", "Main10"},
      {"[audio]\ncentre-mix = 3\n", "out of range"},
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
  CHECK(parse_rational_list("24000/1001, 25,30") ==
        std::vector<Rational>{{24000, 1001}, {25, 1}, {30, 1}});
  CHECK_THROWS(parse_rational_list("25,"));
  CHECK_THROWS(parse_rational("0"));
  CHECK_THROWS(parse_rational("30/0"));
  CHECK(parse_bool("yes"));
  CHECK(!parse_bool("false"));
  CHECK(format_si(8'000'000) == "8M");
}

namespace {
struct RateCase {
  const char* what;
  SourceFrameRate source;
  Rational want;
  FrameRateChange change;
};

void check_rates(const Preset& preset, const std::vector<RateCase>& cases) {
  for (const RateCase& c : cases) {
    const FrameRateChoice got = choose_frame_rate(preset.video, c.source, preset.name);
    INFO(preset.name << ": " << c.what << " -> " << got.rate.to_string() << " (" << got.reason
                     << ")");
    CHECK(got.rate == c.want);
    CHECK(got.change == c.change);
    CHECK(got.accepted);
    CHECK(!got.reason.empty());
  }
}
}  // namespace

TEST_CASE("fps = source keeps the recorded rate where the platform accepts it", "[presets][fps]") {
  PresetLoader loader({REELPACK_PRESET_DIR});
  using C = FrameRateChange;
  const Rational ntsc24{24000, 1001}, ntsc30{30000, 1001}, ntsc60{60000, 1001};
  // TikTok, 23-60 fps: every drama and phone rate is kept; slow motion halves.
  check_rates(loader.load("tiktok"),
              {{"23.976", {ntsc24}, ntsc24, C::Kept},
               {"24", {{24, 1}}, {24, 1}, C::Kept},
               {"25", {{25, 1}}, {25, 1}, C::Kept},
               {"29.97", {ntsc30}, ntsc30, C::Kept},
               {"50", {{50, 1}}, {50, 1}, C::Kept},
               {"59.94", {ntsc60}, ntsc60, C::Kept},
               {"120", {{120, 1}}, {60, 1}, C::Dropped},
               {"240", {{240, 1}}, {60, 1}, C::Dropped},
               {"15", {{15, 1}}, {30, 1}, C::Repeated},
               {"12", {{12, 1}}, {24, 1}, C::Repeated},
               // A measured 23.976 (a Matroska average) is the NTSC rate itself.
               {"23.9760", {{2997, 125}}, ntsc24, C::Kept},
               {"VFR averaging 29.6", {{90000, 1}, {296, 10}, true}, ntsc30, C::Standard},
               {"VFR averaging 24.4", {{30, 1}, {244, 10}, true}, {24, 1}, C::Standard},
               {"no rate", {}, {30, 1}, C::Unknown}});
  // Douyin publishes no rate: 23-30 fps, so 50 and 60 keep every other frame.
  check_rates(loader.load("douyin"),
              {{"25", {{25, 1}}, {25, 1}, C::Kept},
               {"50", {{50, 1}}, {25, 1}, C::Dropped},
               {"59.94", {ntsc60}, ntsc30, C::Dropped},
               {"60", {{60, 1}}, {30, 1}, C::Dropped},
               {"120", {{120, 1}}, {30, 1}, C::Dropped},
               {"VFR averaging 55", {{60, 1}, {55, 1}, true}, {30, 1}, C::Standard}});
  // Facebook, 24-60: 23.976 is the 24 it names.
  check_rates(loader.load("facebook-reels"), {{"23.976", {ntsc24}, ntsc24, C::Kept}});
  // Bilibili takes up to 120.
  check_rates(loader.load("bilibili-vertical"),
              {{"120", {{120, 1}}, {120, 1}, C::Kept}, {"240", {{240, 1}}, {120, 1}, C::Dropped}});
  // No whole factor fits 40 fps into 23-30: the nearest preferred rate.
  check_rates(loader.load("douyin"), {{"40", {{40, 1}}, {30, 1}, C::Nearest}});
}

TEST_CASE("video.fps forces a rate, accepts_frame_rate allows the NTSC rates at the bounds",
          "[presets][fps]") {
  PresetLoader loader({REELPACK_PRESET_DIR});
  const Preset forced = loader.load("tiktok", {{"video.fps", "30"}});
  FrameRateChoice c = choose_frame_rate(forced.video, {{24000, 1001}}, "tiktok");
  CHECK(c.rate == Rational{30, 1});
  CHECK(c.change == FrameRateChange::Forced);
  CHECK(c.accepted);
  CHECK_THAT(c.reason, Catch::Contains("video.fps = 30") && Catch::Contains("repeated"));
  // Written as people write them, 29.97 and 23.976 are the NTSC rates.
  CHECK(loader.load("tiktok", {{"video.fps", "29.97"}}).video.fps == Rational{30000, 1001});
  CHECK(loader.load("tiktok", {{"video.fps", "23.976"}}).video.fps == Rational{24000, 1001});
  const Preset slow = loader.load("tiktok", {{"video.fps", "15"}});
  c = choose_frame_rate(slow.video, {{30, 1}}, "tiktok");
  CHECK(c.rate == Rational{15, 1});
  CHECK(!c.accepted);
  CHECK_THAT(c.reason, Catch::Contains("outside"));

  const VideoPreset fb = loader.load("facebook-reels").video;  // 24-60
  CHECK(accepts_frame_rate(fb, {24000, 1001}));
  CHECK(accepts_frame_rate(fb, {60000, 1001}));
  CHECK(accepts_frame_rate(fb, {60, 1}));
  CHECK(!accepts_frame_rate(fb, {23, 1}));
  CHECK(!accepts_frame_rate(fb, {61, 1}));
  CHECK(!accepts_frame_rate(fb, {120, 1}));
  CHECK(fps_text({24000, 1001}) == "23.976");
  CHECK(fps_text({30000, 1001}) == "29.97");
  CHECK(fps_text({25, 1}) == "25");
  CHECK(fps_range_text(fb) == "24-60 fps");
}
