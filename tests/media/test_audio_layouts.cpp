// Audio layouts (issue 18): 5.1 and 7.1 masters downmixed to stereo with the dialogue
// (centre) at ITU-R BS.775's -3 dB in each side, mono centred, and the audio stream chosen
// among several (the default-flagged one, or --audio-stream N|LANG).
//
// Each source channel carries a tone of its own frequency, the centre a 1 kHz tone standing
// in for speech; a narrow band-pass at 1 kHz (Q 20, twice: the other tones are 59 dB down or more)
// measures the centre's level in each output channel against the same measure of the
// source's centre.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "support/media.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace reelpack::test;

namespace {

const std::vector<std::string> kSmall = {
    "--video.width", "180", "--video.height", "320", "--video.encoder-preset", "ultrafast"};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// RMS level (dBFS) of channel `channel` of the first audio stream, band-passed at `hz`.
double band_level_db(const fs::path& file, int channel, int hz) {
  // Q 20, twice: a tone twice or half the frequency is 59 dB down.
  const std::string band = "bandpass=f=" + std::to_string(hz) + ":width_type=q:w=20";
  const RunResult r =
      run("ffmpeg -nostdin -v info -i " + shell_quote(file.string()) +
          " -map 0:a:0 -af 'pan=mono|c0=c" + std::to_string(channel) + "," + band + "," + band +
          ",astats=measure_overall=RMS_level:measure_perchannel=none' -f null - "
          "2>&1 | grep -o 'RMS level dB: [-0-9.inf]*' | tail -1 | cut -d' ' -f4");
  REQUIRE(r.exit_code == 0);
  INFO("level of " << file << " channel " << channel << ": '" << r.out << "'");
  REQUIRE(!r.out.empty());
  return r.out.rfind("-inf", 0) == 0 ? -200 : std::stod(r.out);
}

// `exprs`: one aevalsrc expression per channel of `layout`, 3 s at 48 kHz, beside a picture.
fs::path make_audio_source(const fs::path& path, const std::string& exprs,
                           const std::string& layout) {
  return make_clip(path, "-f lavfi -i \"aevalsrc=exprs=" + exprs + ":c=" + layout +
                             ":s=48000:d=3\" -f lavfi -i testsrc2=s=320x180:r=25:d=3 -map 1:v "
                             "-map 0:a -c:v libx264 -preset ultrafast -c:a pcm_s16le");
}

std::string tone(double amplitude, int hz) {
  return std::to_string(amplitude) + "*sin(2*PI*" + std::to_string(hz) + "*t)";
}

// Packages `in` for douyin (no loudness target, so levels are the downmix's own).
fs::path package_douyin(const fs::path& in, const fs::path& outdir,
                        const std::vector<std::string>& extra = {}) {
  const RunResult r = run_reelpack(
      std::vector<std::string>{"package", in.string(), "-p", "douyin", "-o", outdir.string()} +
      kSmall + extra);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return outdir / (in.stem().string() + ".douyin.mp4");
}

}  // namespace

TEST_CASE("a 5.1 master keeps its dialogue at BS.775's level in the stereo downmix",
          "[package][audio][downmix]") {
  TempDir dir;
  // 5.1: FL FR FC LFE BL BR; the centre (the "speech") at 1 kHz, the rest elsewhere.
  const fs::path in =
      make_audio_source(dir / "master51.mov",
                        tone(0.25, 200) + "|" + tone(0.25, 300) + "|" + tone(0.1, 1000) + "|" +
                            tone(0.25, 50) + "|" + tone(0.25, 3000) + "|" + tone(0.25, 5000),
                        "5.1");
  REQUIRE(first_stream(ffprobe(in), "audio")["channels"] == 6);
  const double speech_db = band_level_db(in, 2, 1000);
  const fs::path out = package_douyin(in, dir / "out");
  const json a = first_stream(ffprobe(out), "audio");
  CHECK(a["channels"] == 2);
  // BS.775: Lo = L + 0.707 C + 0.707 Ls, Ro = R + 0.707 C + 0.707 Rs.
  const double intended_db = speech_db + 20 * std::log10(std::pow(10, -3 / 20.0));
  for (int ch : {0, 1}) {
    const double got = band_level_db(out, ch, 1000);
    INFO("channel " << ch << ": speech at " << got << " dB, intended " << intended_db
                    << " dB (source centre " << speech_db << " dB)");
    CHECK(std::abs(got - intended_db) <= 1.0);
  }
  // The surrounds go to their own side only, the LFE nowhere.
  CHECK(band_level_db(out, 0, 3000) > band_level_db(out, 1, 3000) + 30);
  CHECK(band_level_db(out, 1, 5000) > band_level_db(out, 0, 5000) + 30);
  CHECK(band_level_db(out, 0, 50) < band_level_db(in, 3, 50) - 30);

  SECTION("the levels are preset keys") {
    const fs::path louder =
        package_douyin(in, dir / "louder", {"--audio.centre-mix", "0", "--audio.lfe-mix", "-3"});
    CHECK(std::abs(band_level_db(louder, 0, 1000) - speech_db) <= 1.0);
    CHECK(band_level_db(louder, 0, 50) > band_level_db(in, 3, 50) - 6);
  }
}

TEST_CASE("a 7.1 master and a mono source come out as stereo with the centre in both",
          "[package][audio][downmix]") {
  TempDir dir;
  SECTION("7.1: FL FR FC LFE BL BR SL SR") {
    const fs::path in = make_audio_source(
        dir / "master71.mov",
        tone(0.2, 200) + "|" + tone(0.2, 300) + "|" + tone(0.1, 1000) + "|" + tone(0.2, 50) + "|" +
            tone(0.2, 3000) + "|" + tone(0.2, 4000) + "|" + tone(0.2, 5000) + "|" + tone(0.2, 6000),
        "7.1");
    const double speech_db = band_level_db(in, 2, 1000);
    const fs::path out = package_douyin(in, dir / "out71");
    CHECK(first_stream(ffprobe(out), "audio")["channels"] == 2);
    for (int ch : {0, 1}) CHECK(std::abs(band_level_db(out, ch, 1000) - (speech_db - 3)) <= 1.0);
  }
  SECTION("mono: the one channel at its own level on both sides") {
    const fs::path in = make_audio_source(dir / "mono.mov", tone(0.2, 1000), "mono");
    const double source_db = band_level_db(in, 0, 1000);
    const fs::path out = package_douyin(in, dir / "outmono");
    const double left = band_level_db(out, 0, 1000), right = band_level_db(out, 1, 1000);
    INFO("source " << source_db << " dB, left " << left << ", right " << right);
    CHECK(std::abs(left - right) <= 0.1);
    CHECK(std::abs(left - source_db) <= 1.0);
  }
}

TEST_CASE("of several audio streams the default-flagged one is used, or --audio-stream's",
          "[package][audio][streams]") {
  TempDir dir;
  // Three tracks: eng (1 kHz), fra (2 kHz, flagged default), a commentary without language.
  const fs::path in = make_clip(
      dir / "dubs.mkv",
      "-f lavfi -i testsrc2=s=320x180:r=25:d=2 -f lavfi -i sine=f=1000:d=2 -f lavfi -i "
      "sine=f=2000:d=2 -f lavfi -i sine=f=3000:d=2 -map 0 -map 1 -map 2 -map 3 -c:v libx264 "
      "-preset ultrafast -c:a aac -metadata:s:a:0 language=eng -metadata:s:a:1 language=fra "
      "-disposition:a:0 0 -disposition:a:1 default -disposition:a:2 0");
  auto strongest = [&](const fs::path& out) {
    int best = 0;
    double level = -1000;
    for (int hz : {1000, 2000, 3000}) {
      const double l = band_level_db(out, 0, hz);
      if (l > level) {
        level = l;
        best = hz;
      }
    }
    return best;
  };
  CHECK(strongest(package_douyin(in, dir / "default")) == 2000);
  CHECK(strongest(package_douyin(in, dir / "eng", {"--audio-stream", "eng"})) == 1000);
  CHECK(strongest(package_douyin(in, dir / "third", {"--audio-stream", "2"})) == 3000);

  const RunResult bad =
      run_reelpack(std::vector<std::string>{"package", in.string(), "-p", "douyin", "-o",
                                            (dir / "bad").string(), "--audio-stream", "deu"} +
                   kSmall);
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("--audio-stream deu") && Catch::Contains("1 (fra, 1 ch, "
                                                                               "default)"));
  CHECK(!fs::exists(dir / "bad"));
}
