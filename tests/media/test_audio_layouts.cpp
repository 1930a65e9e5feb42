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
#include "support/skip.h"

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

namespace {

struct R128 {
  double integrated_lufs = 0;
  double true_peak_dbtp = 0;
};

// The ffmpeg command line's own EBU R128 meter on `file` (summary: integrated loudness and
// true peak, 4x oversampled), independent of reelpack's measurement.
R128 ffmpeg_r128(const fs::path& file) {
  const RunResult r = run("ffmpeg -nostats -hide_banner -i " + shell_quote(file.string()) +
                          " -af ebur128=peak=true -f null - 2>&1");
  const auto after = [&](const std::string& key) {
    const size_t at = r.out.rfind(key);
    REQUIRE(at != std::string::npos);
    return std::stod(r.out.substr(at + key.size()));
  };
  R128 m;
  m.integrated_lufs = after("I:");
  const size_t peak = r.out.rfind("True peak:");
  REQUIRE(peak != std::string::npos);
  m.true_peak_dbtp = std::stod(r.out.substr(r.out.find("Peak:", peak) + 5));
  return m;
}

}  // namespace

TEST_CASE("loudness: one measured gain meets the target and the true-peak ceiling",
          "[audio][loudness]") {
  // Dialogue as drama has it: two spoken lines (espeak-ng) over quiet room tone, mixed
  // very quiet (-41 LUFS: +27 dB to go, the limiter must hold the peaks) or hot (-15 LUFS
  // with peaks over full scale).
  REELPACK_SKIP_IF(run("command -v espeak-ng").exit_code != 0,
                   "espeak-ng is not installed (scripts/setup.sh)");
  TempDir dir;
  const fs::path speech = dir / "speech.wav";
  REQUIRE(run("espeak-ng -w " + shell_quote(speech.string()) +
              " 'This is the contract. You signed it. Do you remember the night you signed "
              "it? I do. I remember every word.'")
              .exit_code == 0);
  const double level = GENERATE(0.1, 2.0);
  INFO("speech at x" << level);
  const std::string v = std::to_string(level);
  const fs::path in = make_clip(
      dir / "scene.mp4",
      "-f lavfi -i testsrc2=s=320x180:r=30:d=14 -i " + shell_quote(speech.string()) + " -i " +
          shell_quote(speech.string()) +
          " -f lavfi -i anoisesrc=d=14:c=brown:a=0.003 -filter_complex "
          "\"[1:a]volume=" +
          v + "[s1];[2:a]adelay=7000|7000,volume=" + v +
          "[s2];[s1][s2][3:a]amix=inputs=3:normalize=0:duration=longest,aresample=48000,"
          "aformat=channel_layouts=stereo,atrim=0:14[a]\" -map 0:v -map \"[a]\" -c:v libx264 "
          "-preset ultrafast -c:a aac -b:a 192k -t 14");
  const fs::path out = dir / "out";
  const RunResult r = run_reelpack({"package", in.string(), "-p", "tiktok", "-p", "youtube-shorts",
                                    "-o", out.string(), "--video.width", "360", "--video.height",
                                    "640", "--video.encoder-preset", "ultrafast", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json report = json::parse(r.out);
  for (const json& o : report["outputs"]) {
    INFO(o["preset"] << ": " << o["loudness"].dump());
    REQUIRE(o["loudness"].is_object());
    CHECK(o["loudness"]["gain_db"].get<double>() > (level < 1 ? 20 : 0));
    CHECK(o["loudness"]["limiter"] == true);
    const R128 got = ffmpeg_r128(o["path"].get<std::string>());
    INFO("measured by ffmpeg: " << got.integrated_lufs << " LUFS, " << got.true_peak_dbtp
                                << " dBTP");
    CHECK(std::abs(got.integrated_lufs - -14.0) <= 0.5);
    CHECK(got.true_peak_dbtp <= -1.0);
    // check agrees, and fails the source itself, 27 LU short or 1 over.
    const RunResult c =
        run_reelpack({"check", o["path"].get<std::string>(), "-p", o["preset"].get<std::string>(),
                      "--video.width", "360", "--video.height", "640"});
    CHECK_THAT(c.out, Catch::Contains("PASS loudness") && Catch::Contains("PASS true-peak"));
    const RunResult cj =
        run_reelpack({"check", o["path"].get<std::string>(), "-p", o["preset"].get<std::string>(),
                      "--video.width", "360", "--video.height", "640", "--json"});
    const json measured = json::parse(cj.out)["loudness"];
    CHECK(measured["integrated_lufs"].get<double>() == Approx(got.integrated_lufs).margin(0.1));
    CHECK(measured["true_peak_dbtp"].get<double>() == Approx(got.true_peak_dbtp).margin(0.1));
    CHECK(measured["range_lu"].get<double>() >= 0);
  }
  const RunResult source = run_reelpack({"check", in.string(), "-p", "tiktok"});
  CHECK_THAT(source.out, Catch::Contains(level < 1 ? "FAIL loudness" : "FAIL true-peak"));
}
