// `reelpack cut` and `package --range` end to end: frame-accurate re-encoded cuts checked
// frame by frame against the source, joins, time formats, audio at the joins, A/V sync,
// seeking, lossless --copy cuts, frame-exact --copy --exact cuts and bad ranges.
//
// Sources are testsrc2 (a frame counter and moving shapes, so neighbouring frames differ
// clearly) with a key frame every 2 s at 30 fps and B-frames, tagged BT.709 so outputs need
// no colour conversion. A cut frame is "the right one" when it matches the source frame
// decoded at that time (PSNR >= 35 dB) clearly better than either neighbour.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "edit/ranges.h"
#include "media/input.h"
#include "support/media.h"

extern "C" {
#include <libavutil/frame.h>
}

namespace fs = std::filesystem;
using nlohmann::json;
using namespace reelpack::test;

namespace {

constexpr double kFps = 30;
constexpr double kFrame = 1 / kFps;

const std::string kVideo =
    " -c:v libx264 -preset veryfast -g 60 -keyint_min 60 -sc_threshold 0 -pix_fmt yuv420p"
    " -colorspace bt709 -color_primaries bt709 -color_trc bt709";

// 8 s of testsrc2 at 320x180 with a 440 Hz tone; key frames at 0, 2, 4 and 6 s.
fs::path counter_source(const TempDir& dir, const std::string& name = "master.mp4",
                        int seconds = 8) {
  const std::string d = std::to_string(seconds);
  return make_clip(dir / name, "-f lavfi -i testsrc2=s=320x180:r=30:d=" + d +
                                   " -f lavfi -i sine=f=440:r=48000:d=" + d + kVideo +
                                   " -c:a aac -shortest");
}

std::string joined(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += " " + a;
  return s;
}

RunResult reelpack_ok(const std::vector<std::string>& args) {
  const RunResult r = run_reelpack(args);
  INFO("reelpack" << joined(args) << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

// `reelpack cut IN -o OUT --range R...` (re-encoded at the source's size and rate).
fs::path cut(const fs::path& in, const fs::path& out, const std::vector<std::string>& ranges,
             std::vector<std::string> extra = {"--video.encoder-preset", "ultrafast"}) {
  std::vector<std::string> args = {"cut", in.string(), "-o", out.string()};
  for (const auto& r : ranges) args.insert(args.end(), {"--range", r});
  args.insert(args.end(), extra.begin(), extra.end());
  reelpack_ok(args);
  REQUIRE(fs::is_regular_file(out));
  return out;
}

// Video frame times of `file` on its own timeline (zero at the container start, as
// reelpack and players count).
std::vector<double> frame_times(const fs::path& file) {
  const double start = start_time_s(file);
  std::vector<double> t;
  for (const FrameFact& f : video_frames(file)) t.push_back(f.pts_s - start);
  return t;
}

constexpr double kTimeSlack = 1e-4;  // ffprobe prints microseconds

// The first source frame a range starting at `t_s` holds: the first at or after it.
int frame_from(const std::vector<double>& times, double t_s) {
  for (size_t i = 0; i < times.size(); ++i) {
    if (times[i] >= t_s - kTimeSlack) return static_cast<int>(i);
  }
  FAIL("no frame at or after " << t_s << " s");
  return -1;
}

// The last source frame before `t_s`.
int frame_before(const std::vector<double>& times, double t_s) {
  int index = -1;
  for (size_t i = 0; i < times.size(); ++i) {
    if (times[i] < t_s - kTimeSlack) index = static_cast<int>(i);
  }
  REQUIRE(index >= 0);
  return index;
}

// Compares single frames of an output with frames of its source, extracting each frame
// once into the temporary folder.
class FrameMatcher {
 public:
  FrameMatcher(const TempDir& dir, fs::path source, int source_frames)
      : dir_(dir), source_(std::move(source)), source_frames_(source_frames) {}

  // Output frame `out_index` is source frame `src_index`: at least 35 dB against it, and
  // at least 8 dB better than against the frames either side of it.
  void check(const fs::path& out, int out_index, int src_index) {
    INFO("output " << out.filename().string() << " frame " << out_index
                   << " should be source frame " << src_index);
    const fs::path got = extract_frame(
        out, out_index,
        dir_ / ("got-" + out.stem().string() + "-" + std::to_string(out_index) + ".nut"));
    const double right = psnr(source_frame(src_index), got);
    INFO("PSNR against it: " << right << " dB");
    CHECK(right >= 35);
    for (const int n : {src_index - 1, src_index + 1}) {
      if (n < 0 || n >= source_frames_) continue;
      const double neighbour = psnr(source_frame(n), got);
      INFO("PSNR against source frame " << n << ": " << neighbour << " dB");
      CHECK(right >= neighbour + 8);
    }
  }

 private:
  fs::path source_frame(int index) {
    auto it = cache_.find(index);
    if (it != cache_.end()) return it->second;
    const fs::path p = extract_frame(
        source_, index,
        dir_ / ("src-" + source_.stem().string() + "-" + std::to_string(index) + ".nut"));
    cache_[index] = p;
    return p;
  }

  const TempDir& dir_;
  fs::path source_;
  int source_frames_;
  std::map<int, fs::path> cache_;
};

// Frames one every 1/30 s from zero: no gap, no repeat, no drift.
void check_continuous(const std::vector<double>& times) {
  REQUIRE(!times.empty());
  double worst = 0;
  for (size_t i = 0; i < times.size(); ++i) {
    worst = std::max(worst, std::abs(times[i] - i * kFrame));
  }
  INFO("largest distance from the 30 fps grid: " << worst << " s");
  CHECK(worst < 0.002);
}

double stream_duration(const fs::path& file, const std::string& type) {
  return number_field(first_stream(ffprobe(file), type), "duration");
}

// The audio ends with the video (within 25 ms: one AAC frame of priming or padding).
void check_audio_length(const fs::path& out) {
  const double v = stream_duration(out, "video");
  const double a = stream_duration(out, "audio");
  INFO("video " << v << " s, audio " << a << " s");
  CHECK(std::abs(a - v) <= 0.025);
}

// One range cut from `in`: its frames are exactly the source's frames from the first at or
// after START to the last before END.
struct Expect {
  std::string range;
  double start_s, end_s;  // as the range means them (END clamped to the input)
};

void check_single_range(const fs::path& out, const Expect& e, FrameMatcher& match,
                        const std::vector<double>& src_times) {
  INFO("range " << e.range);
  const int first = frame_from(src_times, e.start_s);
  const int last = frame_before(src_times, e.end_s);
  const auto times = frame_times(out);
  CHECK(static_cast<int>(times.size()) == last - first + 1);
  check_continuous(times);
  const double v = stream_duration(out, "video");
  INFO("output video lasts " << v << " s for a " << e.end_s - e.start_s << " s range");
  CHECK(std::abs(v - (e.end_s - e.start_s)) <= kFrame + 1e-3);
  CHECK(std::abs(static_cast<double>(times.size()) - (e.end_s - e.start_s) * kFps) <= 1);
  check_audio_length(out);
  json vs = first_stream(ffprobe(out), "video");
  CHECK(vs["width"] == 320);
  CHECK(vs["height"] == 180);
  CHECK(vs["r_frame_rate"] == "30/1");
  match.check(out, 0, first);
  match.check(out, static_cast<int>(times.size()) - 1, last);
}

// Beep onsets (seconds) in decoded audio: where |sample| first reaches half the peak, at
// least 0.2 s after the previous onset.
std::vector<double> onsets(const std::vector<int16_t>& pcm, int rate_hz) {
  int peak = 0;
  for (int16_t s : pcm) peak = std::max(peak, std::abs(static_cast<int>(s)));
  std::vector<double> found;
  long last = -1'000'000;
  for (size_t i = 0; i < pcm.size(); ++i) {
    if (std::abs(static_cast<int>(pcm[i])) * 2 >= peak && peak > 0) {
      if (static_cast<long>(i) - last > rate_hz / 5)
        found.push_back(static_cast<double>(i) / rate_hz);
      last = static_cast<long>(i);
    }
  }
  return found;
}

// The largest sample-to-sample step over the peak level: about 2 pi f / rate for a clean
// tone (0.058 for 440 Hz at 48 kHz); a hard cut at a bad phase jumps by up to 2.
double max_step_ratio(const std::vector<int16_t>& pcm) {
  int peak = 0, step = 0;
  for (size_t i = 0; i < pcm.size(); ++i) {
    peak = std::max(peak, std::abs(static_cast<int>(pcm[i])));
    if (i > 0) step = std::max(step, std::abs(pcm[i] - pcm[i - 1]));
  }
  REQUIRE(peak > 1000);
  return static_cast<double>(step) / peak;
}

}  // namespace

TEST_CASE("cut keeps exactly the frames of a range, on key frames or between them",
          "[cut][frames]") {
  TempDir dir;
  const fs::path in = counter_source(dir);
  const auto src_times = frame_times(in);
  REQUIRE(src_times.size() == 240);
  FrameMatcher match(dir, in, 240);
  const std::vector<Expect> cases = {
      {"2-4", 2.0, 4.0},          // both ends on key frames
      {"2.5-4.2", 2.5, 4.2},      // both ends between key frames
      {"2.51-5.99", 2.51, 5.99},  // between frames: from the frame at 2.533 to the one at 5.967
      {"0-1", 0.0, 1.0},          // from the first frame
      {"7-20", 7.0, 8.0},         // END past the end of the input: up to the last frame
  };
  int n = 0;
  for (const Expect& e : cases) {
    const fs::path out = cut(in, dir / ("cut" + std::to_string(n++) + ".mp4"), {e.range});
    check_single_range(out, e, match, src_times);
  }
}

TEST_CASE("cut --json reports the span actually cut on the source timeline", "[cut][json]") {
  TempDir dir;
  const fs::path in = counter_source(dir);
  const RunResult r = reelpack_ok({"cut", in.string(), "-o", (dir / "out.mp4").string(), "--range",
                                   "2.51-5.99", "--json", "--video.encoder-preset", "ultrafast"});
  const json j = json::parse(r.out);
  CHECK(j["ok"] == true);
  REQUIRE(j["ranges"].size() == 1);
  // From the first frame at or after 2.51 s (at 2.533 s) to the end of the last before
  // 5.99 s (at 5.967 s): frames 76 to 179.
  CHECK(j["ranges"][0]["start_seconds"].get<double>() == Approx(76 * kFrame).margin(1e-3));
  CHECK(j["ranges"][0]["end_seconds"].get<double>() == Approx(6.0).margin(1e-3));
  REQUIRE(j["outputs"].size() == 1);
  CHECK(j["outputs"][0]["video_frames"] == 104);
}

TEST_CASE("several ranges are joined in the order given, with continuous timestamps",
          "[cut][join]") {
  TempDir dir;
  const fs::path in = counter_source(dir);
  const auto src_times = frame_times(in);
  FrameMatcher match(dir, in, static_cast<int>(src_times.size()));
  // Out of order on purpose, none on key frames, mixed formats.
  const fs::path out = cut(in, dir / "joined.mp4", {"5.2-6.1", "1.05-2.5", "f90-f105"});

  struct Piece {
    int first, last;
  };
  const std::vector<Piece> pieces = {{frame_from(src_times, 5.2), frame_before(src_times, 6.1)},
                                     {frame_from(src_times, 1.05), frame_before(src_times, 2.5)},
                                     {90, 104}};
  CHECK(pieces[0].first == 156);
  CHECK(pieces[0].last == 182);
  CHECK(pieces[1].first == 32);
  CHECK(pieces[1].last == 74);

  const auto times = frame_times(out);
  int expected_frames = 0;
  for (const Piece& p : pieces) expected_frames += p.last - p.first + 1;
  REQUIRE(static_cast<int>(times.size()) == expected_frames);
  check_continuous(times);
  CHECK(std::abs(stream_duration(out, "video") - expected_frames * kFrame) <= kFrame + 1e-3);
  check_audio_length(out);

  // Both sides of every join, and the two ends.
  int at = 0;
  for (const Piece& p : pieces) {
    match.check(out, at, p.first);
    at += p.last - p.first + 1;
    match.check(out, at - 1, p.last);
  }
}

TEST_CASE("seconds, HH:MM:SS.mmm and frame numbers mean the same instants", "[cut][formats]") {
  TempDir dir;
  const fs::path in = counter_source(dir);
  const std::vector<std::string> spellings = {"2.5-4", "00:00:02.500-00:00:04.000", "f75-f120",
                                              "0:02.5-f120", "2.500-00:04"};
  std::vector<fs::path> outs;
  for (size_t i = 0; i < spellings.size(); ++i) {
    INFO("--range " << spellings[i]);
    const fs::path out = dir / ("f" + std::to_string(i) + ".mp4");
    const RunResult r =
        reelpack_ok({"cut", in.string(), "-o", out.string(), "--range", spellings[i], "--json",
                     "--video.encoder-preset", "ultrafast"});
    const json j = json::parse(r.out);
    REQUIRE(j["ranges"].size() == 1);
    CHECK(j["ranges"][0]["start_seconds"].get<double>() == Approx(2.5).margin(1e-6));
    CHECK(j["ranges"][0]["end_seconds"].get<double>() == Approx(4.0).margin(1e-6));
    CHECK(video_frames(out).size() == 45);
    outs.push_back(out);
  }
  for (size_t i = 1; i < outs.size(); ++i) {
    INFO(spellings[0] << " against " << spellings[i]);
    CHECK(psnr(outs[0], outs[i]) >= 50);
  }
  FrameMatcher match(dir, in, 240);
  match.check(outs[2], 0, 75);
  match.check(outs[2], 44, 119);
}

TEST_CASE("frame numbers pick exactly those frames from millisecond timestamps (Matroska)",
          "[cut][formats][matroska]") {
  TempDir dir;
  // Matroska stores 1 ms ticks: frame 2 (66.667 ms) is stored as 67 ms and frame 10
  // (333.333 ms) as 333 ms.
  const fs::path in =
      make_clip(dir / "master.mkv", "-f lavfi -i testsrc2=s=320x180:r=30:d=2" + kVideo);
  const auto src_times = frame_times(in);
  REQUIRE(src_times.size() == 60);
  REQUIRE(src_times[2] == Approx(0.067).margin(1e-6));
  const fs::path out = cut(in, dir / "out.mp4", {"f2-f10", "f40-f47"});
  const auto times = frame_times(out);
  CHECK(times.size() == 8 + 7);
  check_continuous(times);
  FrameMatcher match(dir, in, 60);
  match.check(out, 0, 2);
  match.check(out, 7, 9);
  match.check(out, 8, 40);
  match.check(out, 14, 46);
}

TEST_CASE("an MPEG-TS source that starts late is cut on the right frames", "[cut][mpegts]") {
  TempDir dir;
  // Transport streams start at 1.4 s or so and have no index: seeking lands by byte
  // position, often after the key frame a range needs.
  const fs::path mp4 = counter_source(dir);
  const fs::path in = make_clip(dir / "master.ts", "-i " + shell_quote(mp4.string()) + " -c copy");
  REQUIRE(start_time_s(in) > 1.0);
  const auto src_times = frame_times(in);
  REQUIRE(src_times.size() == 240);
  FrameMatcher match(dir, in, 240);

  SECTION("re-encoded") {
    for (const Expect& e : std::vector<Expect>{{"2.5-4", 2.5, 4.0}, {"5.3-6.9", 5.3, 6.9}}) {
      const fs::path out = cut(in, dir / ("ts-" + e.range + ".mp4"), {e.range});
      check_single_range(out, e, match, src_times);
    }
  }
  SECTION("--copy snaps to the key frame at or before START") {
    const RunResult r = reelpack_ok({"cut", in.string(), "-o", (dir / "copy.mp4").string(),
                                     "--range", "2.5-4", "--copy", "--json"});
    const json j = json::parse(r.out);
    REQUIRE(j["ranges"].size() == 1);
    const double start = j["ranges"][0]["copied"]["start_seconds"].get<double>();
    // Key frames every 60 frames: the one before 2.5 s is frame 60.
    CHECK(start == Approx(src_times[60]).margin(1e-3));
    CHECK(start <= 2.5);
  }
}

TEST_CASE("package --range cuts the same frames through a preset", "[cut][package]") {
  TempDir dir;
  const fs::path in = counter_source(dir);
  const fs::path outdir = dir / "out";
  // The preset at the source's own size, so frames compare without geometry.
  const RunResult r =
      reelpack_ok({"package", in.string(), "-p", "youtube-shorts", "-o", outdir.string(), "--range",
                   "2.5-4.2", "--range", "f156-00:00:06.000", "--json", "--video.width", "320",
                   "--video.height", "180", "--video.encoder-preset", "ultrafast"});
  const json j = json::parse(r.out);
  REQUIRE(j["ranges"].size() == 2);
  CHECK(j["ranges"][0]["start_seconds"].get<double>() == Approx(2.5).margin(1e-3));
  CHECK(j["ranges"][1]["start_seconds"].get<double>() == Approx(5.2).margin(1e-3));
  CHECK(j["ranges"][1]["end_seconds"].get<double>() == Approx(6.0).margin(1e-3));
  const fs::path out = outdir / "master.youtube-shorts.mp4";
  REQUIRE(fs::is_regular_file(out));
  const auto times = frame_times(out);
  const int first_len = 126 - 75;  // frames 75..125 (4.2 s falls inside frame 125)
  REQUIRE(times.size() == static_cast<size_t>(first_len + 24));
  check_continuous(times);
  check_audio_length(out);
  FrameMatcher match(dir, in, 240);
  match.check(out, 0, 75);
  match.check(out, first_len - 1, 125);
  match.check(out, first_len, 156);
  match.check(out, first_len + 23, 179);
}

TEST_CASE("a range starts on the first frame at or after START when the preset changes the rate",
          "[cut][package][fps]") {
  TempDir dir;
  // 25 fps in, 30 fps out: START 2.5 s falls inside source frame 62 (2.48 s), so the range
  // holds source frames 63 (2.52 s) to 99 (3.96 s): 1.48 s.
  const fs::path in =
      make_clip(dir / "pal.mp4", "-f lavfi -i testsrc2=s=320x180:r=25:d=8 -f lavfi -i sine=d=8" +
                                     kVideo + " -g 50 -keyint_min 50 -c:a aac -shortest");
  const fs::path outdir = dir / "out";
  // tiktok keeps a 25 fps source's rate since issue 18: force the change this is about.
  reelpack_ok({"package", in.string(), "-p", "tiktok", "-o", outdir.string(), "--range", "2.5-4",
               "--video.width", "320", "--video.height", "180", "--video.encoder-preset",
               "ultrafast", "--video.fps", "30"});
  const fs::path out = outdir / "pal.tiktok.mp4";
  const auto times = frame_times(out);
  check_continuous(times);
  const double span = 4.0 - 2.52;
  CHECK(std::abs(stream_duration(out, "video") - span) <= kFrame + 1e-3);
  // The audio covers the same 1.48 s, plus at most the AAC encoder's last frame of padding.
  const double audio = stream_duration(out, "audio");
  INFO("audio " << audio << " s for a span of " << span << " s");
  CHECK(audio >= span - 1e-3);
  CHECK(audio <= span + 1024.0 / 44100 + 1e-3);  // sine: 44.1 kHz
  FrameMatcher match(dir, in, 200);
  match.check(out, 0, 63);
  // The last output frame shows source frame 99 (3.96 s).
  CHECK(std::abs(static_cast<double>(times.size()) - span * kFps) <= 1);
  match.check(out, static_cast<int>(times.size()) - 1, 99);
}

TEST_CASE("audio stays in sync with the picture across joins", "[cut][sync]") {
  TempDir dir;
  // A white frame and a 1 kHz beep together for 0.1 s at 0.5, 1.5, 2.5... s.
  const fs::path in = make_clip(
      dir / "sync.mp4",
      "-f lavfi -i \"color=c=black:s=320x180:r=30:d=8,"
      "drawbox=c=white:t=fill:enable='lt(mod(n+15\\,30)\\,3)'\" "
      "-f lavfi -i "
      "\"aevalsrc='if(lt(mod(t+0.5\\,1)\\,0.1)\\,0.5*sin(2*PI*1000*t)\\,0)':s=48000:d=8\"" +
          kVideo + " -c:a aac -shortest");
  const fs::path out = cut(in, dir / "out.mp4", {"1.2-2.7", "4.3-5.8"});

  // Flashes: the first bright frame of each run.
  const auto luma = frame_luma_means(out);
  const auto times = frame_times(out);
  REQUIRE(luma.size() == times.size());
  std::vector<double> flashes;
  for (size_t i = 0; i < luma.size(); ++i) {
    if (luma[i] > 128 && (i == 0 || luma[i - 1] <= 128)) flashes.push_back(times[i]);
  }
  const auto beeps = onsets(decode_audio_mono(out), 48000);
  INFO("flashes at " << Catch::Detail::stringify(flashes) << ", beeps at "
                     << Catch::Detail::stringify(beeps));
  // 1.5 and 2.5 from the first range, 4.5 and 5.5 from the second.
  REQUIRE(flashes.size() == 4);
  CHECK(flashes[0] == Approx(0.3).margin(1e-3));
  CHECK(flashes[2] == Approx(1.5 + 0.2).margin(1e-3));
  REQUIRE(beeps.size() == flashes.size());
  double lo = 1, hi = -1;
  for (size_t i = 0; i < beeps.size(); ++i) {
    const double offset = beeps[i] - flashes[i];
    lo = std::min(lo, offset);
    hi = std::max(hi, offset);
  }
  INFO("audio minus video: " << lo * 1000 << " to " << hi * 1000 << " ms");
  // Within one AAC frame (the encoder's 21 ms of priming), and no drift across the join.
  CHECK(std::abs(lo) <= 0.025);
  CHECK(std::abs(hi) <= 0.025);
  CHECK(hi - lo <= 0.002);
}

TEST_CASE("joins fade the audio instead of clicking", "[cut][audio]") {
  TempDir dir;
  const fs::path in = counter_source(dir);
  // 440 Hz at 30 fps: the tone's phase at frame k is 2k/3 of a cycle. Ending before frame
  // 62 (phase 1/3, +0.87 of the peak) and resuming at frame 91 (phase 2/3, -0.87) makes a
  // hard join jump by 1.7 times the peak.
  const fs::path out = cut(in, dir / "out.mp4", {"f30-f62", "f91-f120"});

  // The same join made hard with the ffmpeg command line, encoded alike: the click the
  // fade must avoid.
  const fs::path hard = make_clip(
      dir / "hard.mp4",
      "-i " + shell_quote(in.string()) +
          " -filter_complex \"[0:a]atrim=start_sample=48000:end_sample=99200,asetpts=N/SR/TB[a1];"
          "[0:a]atrim=start_sample=145600:end_sample=192000,asetpts=N/SR/TB[a2];"
          "[a1][a2]concat=n=2:v=0:a=1[a]\" -map \"[a]\" -c:a aac -b:a 192k -ac 2");
  const double hard_step = max_step_ratio(decode_audio_mono(hard));
  const double cut_step = max_step_ratio(decode_audio_mono(out));
  INFO("largest step over peak: reelpack " << cut_step << ", hard join " << hard_step);
  REQUIRE(hard_step > 0.5);  // the test can see a click
  // The tone's own steepest step is 2 pi 440 / 48000 = 0.058 of its peak.
  CHECK(cut_step <= 1.5 * 2 * M_PI * 440 / 48000);
  CHECK(std::abs(stream_duration(out, "video") - 61 * kFrame) <= 1e-3);
  check_audio_length(out);
}

TEST_CASE("a late range is reached by seeking, not by decoding from the start", "[cut][seek]") {
  TempDir dir;
  const fs::path in = make_clip(dir / "long.mp4",
                                "-f lavfi -i testsrc2=s=320x180:r=30:d=60 -f lavfi -i sine=d=60 "
                                "-c:v libx264 -preset ultrafast -g 60 -pix_fmt yuv420p "
                                "-colorspace bt709 -color_primaries bt709 -color_trc bt709 "
                                "-c:a aac -shortest");
  const long long size = static_cast<long long>(fs::file_size(in));
  auto bytes_for = [&](const std::vector<std::string>& args) {
    return bytes_read_by(reelpack_command(args));
  };
  // Copying the whole file reads all of it: the count sees the input.
  const auto whole = bytes_for(
      {"cut", in.string(), "-o", (dir / "all.mp4").string(), "--range", "0-60", "--copy"});
  if (!whole) {
    WARN("strace is not available here; cannot count the bytes reelpack reads");
    return;
  }
  REQUIRE(*whole >= size * 9 / 10);
  for (const bool copy : {false, true}) {
    INFO((copy ? "--copy" : "re-encoded"));
    std::vector<std::string> args = {"cut",     in.string(), "-o", (dir / "late.mp4").string(),
                                     "--range", "55.5-56.5"};
    if (copy) {
      args.push_back("--copy");
    } else {
      args.insert(args.end(), {"--video.encoder-preset", "ultrafast"});
    }
    const auto read = bytes_for(args);
    REQUIRE(read);
    INFO("read " << *read << " bytes of a " << size << "-byte input");
    CHECK(*read < size / 4);
    CHECK(std::abs(stream_duration(dir / "late.mp4", "video") - (copy ? 4.0 : 1.0)) <= kFrame);
  }
}

TEST_CASE("cut --copy keeps the packets, snapped to key frames, and says where", "[cut][copy]") {
  TempDir dir;
  const fs::path in = counter_source(dir);
  const auto src_frames = video_frames(in);
  const auto src_packets = video_packets(in);
  std::vector<double> keys;
  for (const FrameFact& f : src_frames) {
    if (f.key) keys.push_back(f.pts_s);
  }
  REQUIRE(keys == std::vector<double>{0, 2, 4, 6});

  // 2.5-3.5 snaps to 2-4, 6.3-7 to 6-8 (the end of the input).
  const std::vector<std::string> ranges = {"2.5-3.5", "6.3-7"};
  const std::vector<std::pair<double, double>> asked = {{2.5, 3.5}, {6.3, 7.0}};
  const std::vector<std::pair<double, double>> snapped = {{2.0, 4.0}, {6.0, 8.0}};
  auto args_for = [&](const fs::path& out) {
    std::vector<std::string> a = {"cut", in.string(), "-o", out.string(), "--copy"};
    for (const auto& r : ranges) a.insert(a.end(), {"--range", r});
    return a;
  };

  SECTION("the text report names the key frames") {
    const RunResult r = reelpack_ok(args_for(dir / "copy.mp4"));
    CHECK_THAT(r.err, Catch::Contains("copied 00:00:02.000-00:00:04.000"));
    CHECK_THAT(r.err, Catch::Contains("copied 00:00:06.000-00:00:08.000"));
    CHECK(r.out.empty());
  }

  SECTION("--json reports them and the output is those packets, unchanged") {
    const fs::path out = dir / "copy.mp4";
    std::vector<std::string> args = args_for(out);
    args.push_back("--json");
    const json j = json::parse(reelpack_ok(args).out);
    REQUIRE(j["ranges"].size() == 2);
    double total = 0;
    for (size_t i = 0; i < 2; ++i) {
      INFO("range " << ranges[i]);
      const json& c = j["ranges"][i]["copied"];
      const double start = c["start_seconds"].get<double>(), end = c["end_seconds"].get<double>();
      CHECK(j["ranges"][i]["requested"]["start_seconds"].get<double>() == Approx(asked[i].first));
      // The key frame at or before START, with none between it and START.
      CHECK(start <= asked[i].first);
      CHECK(std::any_of(keys.begin(), keys.end(),
                        [&](double k) { return std::abs(k - start) < 1e-6; }));
      for (double k : keys) CHECK(!(k > start + 1e-6 && k <= asked[i].first));
      CHECK(start == Approx(snapped[i].first).margin(1e-6));
      CHECK(end >= asked[i].second);
      CHECK(end == Approx(snapped[i].second).margin(1e-6));
      total += end - start;
    }
    CHECK(j["duration_seconds"].get<double>() == Approx(total).margin(1e-3));

    json info = ffprobe(out);
    json v = first_stream(info, "video");
    json sv = first_stream(ffprobe(in), "video");
    CHECK(v["codec_name"] == sv["codec_name"]);
    CHECK(v["profile"] == sv["profile"]);
    CHECK(v["width"] == sv["width"]);
    CHECK(std::abs(number_field(v, "duration") - total) <= kFrame + 1e-3);
    json a = first_stream(info, "audio");
    REQUIRE(a.is_object());
    CHECK(std::abs(number_field(a, "duration") - total) <= 0.05);
    const auto times = frame_times(out);
    CHECK(times.size() == static_cast<size_t>(std::lround(total * kFps)));
    check_continuous(times);

    // Each range's first GOP: the source's packets from that key frame, byte for byte.
    const auto out_packets = video_packets(out);
    REQUIRE(out_packets.size() == times.size());
    size_t o = 0;
    for (const auto& [start_s, end_s] : snapped) {
      const double start = start_s;  // a lambda cannot capture a structured binding (clang 14)
      INFO("GOP from " << start << " s");
      const auto key = std::find_if(
          src_packets.begin(), src_packets.end(),
          [&](const PacketFact& p) { return p.key && std::abs(p.pts_s - start) < 1e-3; });
      REQUIRE(key != src_packets.end());
      REQUIRE(out_packets[o].key);
      const size_t first = static_cast<size_t>(key - src_packets.begin());
      for (size_t k = 0; k < 60; ++k) {
        REQUIRE(first + k < src_packets.size());
        CHECK(out_packets[o + k].md5 == src_packets[first + k].md5);
      }
      o += static_cast<size_t>(std::lround((end_s - start) * kFps));
    }
  }
}

TEST_CASE("bad ranges are usage errors that write nothing", "[cut][errors]") {
  TempDir dir;
  const fs::path in = counter_source(dir);
  struct Bad {
    std::string range, message;
  };
  const std::vector<Bad> bad = {
      {"5-3", "END must come after START"},
      {"3-3", "END must come after START"},
      {"00:00:04.000-00:00:03.500", "END must come after START"},
      {"f100-f50", "END must come after START"},
      {"abc-3", "'abc' is not a time"},
      {"1.5x-3", "'1.5x' is not a time"},
      {"0:01,5-3", "is not a time"},
      {"1-", "expected START-END"},
      {"f1x-f20", "is not a frame number"},
      {"3", "expected START-END"},
      {"20-30", "starts after the end of the input"},
      {"8-9", "starts after the end of the input"},
      {"f300-f400", "starts after the end of the input"},
  };
  const fs::path outdir = dir / "out";
  for (const Bad& b : bad) {
    for (const std::string mode : {"cut", "cut --copy", "package"}) {
      INFO(mode << " --range " << b.range);
      std::vector<std::string> args;
      if (mode == "package") {
        args = {"package", in.string(), "-p", "tiktok", "-o", outdir.string(), "--range", b.range};
      } else {
        args = {"cut",     in.string(), "-o",      (outdir / "cut.mp4").string(),
                "--range", "1-2",       "--range", b.range};
        if (mode == "cut --copy") args.push_back("--copy");
      }
      const RunResult r = run_reelpack(args);
      INFO(r.err);
      CHECK(r.exit_code == 2);
      CHECK_THAT(r.err, Catch::Contains("--range " + b.range) && Catch::Contains(b.message));
      CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
      CHECK(list_dir(outdir).empty());
    }
  }
}

// The frame rule, as invariants: a range holds the frames with START <= t < END, so A-B
// then B-C hold exactly the frames of A-C, none twice and none lost, on every rate real
// footage comes in, with ranges on and off frame times and on and off keyframes.

namespace {

struct RateCase {
  std::string name;
  std::string rate;  // lavfi's r=
  double fps;        // nominal; for the VFR case its average
  bool vfr;
};

// 6 s as drama is delivered: x264 with its default 250-frame GOP and B-frames, so the only
// keyframes are at 0 and at a cut forced at 3.2 s; 48 kHz AAC; tagged BT.709 so that a
// lossless cut needs no colour conversion and its pictures are the source's, bit for bit.
// The VFR case is a 30 fps phone clip with frames dropped irregularly (gaps of 33 and 67 ms).
fs::path rate_source(const TempDir& dir, const RateCase& c) {
  std::string args = "-f lavfi -i testsrc2=s=320x180:r=" + c.rate +
                     ":d=6 -f lavfi -i sine=f=440:r=48000:d=6 -c:v libx264 -preset veryfast"
                     " -bf 3 -force_key_frames 3.2 -pix_fmt yuv420p -colorspace bt709"
                     " -color_primaries bt709 -color_trc bt709 -c:a aac -shortest";
  if (c.vfr) {
    args +=
        " -vf \"select='not(eq(mod(n\\,7)\\,3))*not(eq(mod(n\\,5)\\,1))'\""
        " -fps_mode passthrough -video_track_timescale 90000";
  }
  return make_clip(dir / (c.name + ".mp4"), args);
}

const std::vector<std::string> kLossless = {
    "--video.crf", "0", "--video.profile", "high444", "--video.encoder-preset", "ultrafast"};

std::string seconds(double t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", t);
  return buf;
}

std::vector<std::string> slice(const std::vector<std::string>& v, size_t from, size_t to) {
  return {v.begin() + static_cast<long>(std::min(from, v.size())),
          v.begin() + static_cast<long>(std::min(to, v.size()))};
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// `m` without neighbours equal to the one before.
std::vector<std::string> distinct(const std::vector<std::string>& m) {
  std::vector<std::string> out;
  for (const auto& x : m) {
    if (out.empty() || out.back() != x) out.push_back(x);
  }
  return out;
}

// What the library hands out for a cut list: video frames and audio samples.
struct Sunk {
  int frames = 0;
  int64_t samples = 0;
};

Sunk read_ranges(const fs::path& in, const std::vector<std::string>& texts) {
  reelpack::InputFile input(in);
  std::vector<reelpack::RangeSpec> specs;
  for (const auto& t : texts) specs.push_back(reelpack::parse_range(t));
  reelpack::RangeReader reader(input, reelpack::resolve_ranges(input.info(), specs));
  Sunk got;
  reader.run([&](reelpack::StreamKind kind, AVFrame* f) {
    if (!f) return;
    if (kind == reelpack::StreamKind::Video) {
      ++got.frames;
    } else {
      got.samples += f->nb_samples;
    }
  });
  return got;
}

}  // namespace

// --- cut --copy --exact ---------------------------------------------------------------
//
// Long-GOP x264 sources (keyframes only where forced, B-pyramid) at 23.976, 25 and 29.97
// fps. A range holds exactly the frames with START <= t < END. Copied frames must decode to
// the source's pictures exactly and be its packets byte for byte; re-encoded ones must be
// within 40 dB of the source; every SPS of the output must say what the source's does.

namespace {

struct LongGop {
  std::string rate;   // as ffmpeg takes it
  double fps;         // the same as a number
  std::string extra;  // encoder options: profile, aspect, colour tags
};

const std::vector<LongGop> kLongGops = {
    {"24000/1001", 24000.0 / 1001, " -colorspace bt709 -color_primaries bt709 -color_trc bt709"},
    {"25", 25,
     " -profile:v main -vf setsar=4/3 -colorspace bt470bg -color_primaries bt470bg"
     " -color_trc gamma28"},
    {"30000/1001", 30000.0 / 1001,
     " -colorspace bt709 -color_primaries bt709 -color_trc bt709 -color_range pc"},
};

// 12 s with IDRs only at 0, about 4.1 and about 8.3 s (x264 puts a forced keyframe on the
// first frame at or after the time), a 440 Hz tone beside.
fs::path long_gop_source(const TempDir& dir, const LongGop& g, const std::string& name) {
  return make_clip(dir / name, "-f lavfi -i testsrc2=s=320x180:r=" + g.rate +
                                   ":d=12 -f lavfi -i sine=f=440:r=48000:d=12 -c:v libx264 "
                                   "-preset veryfast -g 250 -keyint_min 250 -sc_threshold 0 "
                                   "-bf 3 -force_key_frames 0,4.1,8.3 -pix_fmt yuv420p" +
                                   g.extra + " -c:a aac -shortest");
}

json exact_cut(const fs::path& in, const fs::path& out, const std::vector<std::string>& ranges) {
  std::vector<std::string> args = {"cut",    in.string(), "-o",    out.string(),
                                   "--copy", "--exact",   "--json"};
  for (const auto& r : ranges) args.insert(args.end(), {"--range", r});
  const json j = json::parse(reelpack_ok(args).out);
  REQUIRE(fs::is_regular_file(out));
  return j;
}

// Indices of the frames a range holds: [first, end) with START <= t < END.
std::pair<int, int> frames_in(const std::vector<double>& times, double start_s, double end_s) {
  int first = static_cast<int>(times.size()), end = first;
  for (size_t i = 0; i < times.size(); ++i) {
    if (times[i] >= start_s - kTimeSlack && first == static_cast<int>(times.size()))
      first = static_cast<int>(i);
    if (times[i] >= end_s - kTimeSlack) {
      end = static_cast<int>(i);
      break;
    }
  }
  return {first, std::max(first, end)};
}

// The output's frame `j` of a range (presentation order) as source frame first + j: its
// packet identical when copied, its picture identical when copied and >= 40 dB when
// re-encoded.
void check_exact_pictures(const fs::path& in, const fs::path& out, const json& range, int first,
                          int out_first = 0) {
  const int frames = range["frames"].get<int>();
  const std::vector<double> psnrs = frame_psnrs(out, out_first, in, first, frames);
  REQUIRE(static_cast<int>(psnrs.size()) == frames);
  auto by_pts = [](std::vector<PacketFact> p) {
    std::sort(p.begin(), p.end(),
              [](const PacketFact& a, const PacketFact& b) { return a.pts_s < b.pts_s; });
    return p;
  };
  const auto src_packets = by_pts(video_packets(in));
  const auto out_packets = by_pts(video_packets(out));
  int at = 0;  // frame index within the range
  for (const json& part : range["parts"]) {
    const bool copied = part["kind"] == "copied";
    const int n = part["frames"].get<int>();
    CHECK(part["start_frame"].get<int>() == first + at);
    double worst = 100;
    int same_packets = 0;
    for (int k = at; k < at + n; ++k) {
      worst = std::min(worst, psnrs[k]);
      same_packets += out_packets.at(out_first + k).md5 == src_packets.at(first + k).md5;
    }
    INFO("part " << part.dump() << ": worst PSNR " << worst << " dB, " << same_packets << " of "
                 << n << " packets as in the source");
    if (copied) {
      CHECK(worst == 100);
      CHECK(same_packets == n);
    } else {
      CHECK(worst >= 40);
      CHECK(same_packets == 0);
    }
    at += n;
  }
  CHECK(at == frames);
}

// Every SPS in `out` (the copied stream's and the re-encoded frames') describes the stream
// as the source's does, and ffprobe reads the same stream properties.
void check_same_stream(const fs::path& in, const fs::path& out) {
  const auto src = h264_sps_fields(in);
  const auto got = h264_sps_fields(out);
  REQUIRE(!src.empty());
  REQUIRE(got.size() >= 2);  // the source's and the re-encoded frames' SPS
  std::set<int64_t> ids;
  for (const auto& sps : got) {
    ids.insert(sps.at("seq_parameter_set_id"));
    for (const char* key :
         {"profile_idc", "level_idc", "chroma_format_idc", "bit_depth_luma_minus8",
          "pic_width_in_mbs_minus1", "pic_height_in_map_units_minus1", "frame_mbs_only_flag",
          "frame_crop_right_offset", "frame_crop_bottom_offset", "aspect_ratio_idc", "sar_width",
          "sar_height", "video_full_range_flag", "colour_primaries", "transfer_characteristics",
          "matrix_coefficients"}) {
      INFO("SPS " << sps.at("seq_parameter_set_id") << " " << key);
      CHECK(sps.count(key) == src[0].count(key));
      if (sps.count(key) && src[0].count(key)) CHECK(sps.at(key) == src[0].at(key));
    }
  }
  CHECK(ids.size() >= 2);  // one id each
  const json a = first_stream(ffprobe(in), "video"), b = first_stream(ffprobe(out), "video");
  for (const char* key :
       {"codec_name", "profile", "level", "width", "height", "sample_aspect_ratio", "pix_fmt",
        "color_range", "color_space", "color_primaries", "color_transfer"}) {
    INFO(key);
    CHECK(b.value(key, json()) == a.value(key, json()));
  }
}

}  // namespace

TEST_CASE("A-B then B-C hold exactly the frames of A-C at every rate", "[cut][partition]") {
  const std::vector<RateCase> rates = {{"ntsc-film", "24000/1001", 24000.0 / 1001, false},
                                       {"pal", "25", 25, false},
                                       {"ntsc", "30000/1001", 30000.0 / 1001, false},
                                       {"thirty", "30", 30, false},
                                       {"phone-vfr", "30", 30, true}};
  for (const RateCase& rc : rates) {
    DYNAMIC_SECTION(rc.name) {
      TempDir dir;
      const fs::path in = rate_source(dir, rc);
      const std::vector<FrameFact> facts = video_frames(in);
      const double start = start_time_s(in);
      std::vector<double> t;
      int key = -1;  // the forced keyframe near 3.2 s
      for (size_t i = 0; i < facts.size(); ++i) {
        t.push_back(facts[i].pts_s - start);
        if (i > 0 && facts[i].key && key < 0) key = static_cast<int>(i);
      }
      REQUIRE(key > 0);
      const std::vector<std::string> src = frame_md5s(in);
      REQUIRE(src.size() == t.size());
      if (rc.vfr) {
        CHECK(src.size() < 150);  // frames were dropped...
        CHECK(src.size() > 100);
      }

      // Frame 40 by number on a constant rate; by its time on VFR, where numbers are on
      // the nominal grid and so name no particular frame.
      const std::string f40 = rc.vfr ? seconds(t[40]) : "f40";
      const std::string between = seconds((t[50] + t[51]) / 2);  // half-way between frames
      struct Triple {
        std::string a, b, c;
        const char* what;
      };
      const std::vector<Triple> triples = {
          {"0", seconds(t[key]), "4.3", "from 0, B on the keyframe, C between frames"},
          {"0.517", f40, seconds(t[key] + 0.01), "A off the grid, B on a frame, C past the key"},
          {"f13", between, "99", "A by number, B between frames, C past the end"}};
      int n = 0;
      for (const Triple& tr : triples) {
        INFO(rc.name << ": " << tr.a << " / " << tr.b << " / " << tr.c << " (" << tr.what << ")");
        const std::string ab = tr.a + "-" + tr.b, bc = tr.b + "-" + tr.c, ac = tr.a + "-" + tr.c;
        const std::string tag = std::to_string(n++);
        const auto m_ab = frame_md5s(cut(in, dir / ("ab" + tag + ".mp4"), {ab}, kLossless));
        const auto m_bc = frame_md5s(cut(in, dir / ("bc" + tag + ".mp4"), {bc}, kLossless));
        const fs::path ac_file = cut(in, dir / ("ac" + tag + ".mp4"), {ac}, kLossless);
        const auto m_ac = frame_md5s(ac_file);
        const auto m_joined = frame_md5s(cut(in, dir / ("j" + tag + ".mp4"), {ab, bc}, kLossless));

        // The rule, frame by frame: the source's frames from the first at or after A to
        // the last before C, each exactly once.
        auto time_of = [&](const std::string& p) {
          const reelpack::TimePoint tp = reelpack::parse_time_point(p);
          return tp.is_frame ? t[static_cast<size_t>(tp.frame)] : tp.time_us / 1e6;
        };
        const size_t first_a = static_cast<size_t>(frame_from(t, time_of(tr.a)));
        const size_t first_b = static_cast<size_t>(frame_from(t, time_of(tr.b)));
        const size_t first_c =
            time_of(tr.c) > t.back() ? t.size() : static_cast<size_t>(frame_from(t, time_of(tr.c)));
        // A VFR source is encoded at a constant rate, so frames repeat to fill its gaps:
        // compare without the repeats (the source has no two equal neighbours).
        auto shown = [&](const std::vector<std::string>& m) { return rc.vfr ? distinct(m) : m; };
        CHECK(shown(m_ab) == slice(src, first_a, first_b));
        CHECK(shown(m_bc) == slice(src, first_b, first_c));
        CHECK(shown(m_ac) == slice(src, first_a, first_c));
        CHECK(concat(m_ab, m_bc) == m_ac);
        CHECK(m_joined == m_ac);
        if (!rc.vfr) {  // round((END - START) x fps) within one frame
          const double a = time_of(tr.a), b = time_of(tr.b);
          const double c = std::min(time_of(tr.c), t.size() / rc.fps);
          CHECK(std::abs(static_cast<double>(m_ab.size()) - (b - a) * rc.fps) <= 1);
          CHECK(std::abs(static_cast<double>(m_bc.size()) - (c - b) * rc.fps) <= 1);
        }
        check_audio_length(ac_file);

        // The audio follows the same instants, sample for sample: A-B runs from the first
        // frame's time to the time of B's first frame, and the pieces add up to A-C.
        const Sunk s_ab = read_ranges(in, {ab}), s_bc = read_ranges(in, {bc});
        const Sunk s_ac = read_ranges(in, {ac});
        CHECK(s_ab.frames == static_cast<int>(shown(m_ab).size()));
        CHECK(s_ab.frames + s_bc.frames == s_ac.frames);
        const double from = t[first_a], to = t[first_b];
        INFO("A-B: " << s_ab.samples << " samples for " << from << " to " << to << " s");
        CHECK(std::abs(static_cast<double>(s_ab.samples) - (to - from) * 48000) <= 1);
        CHECK(std::abs(s_ab.samples + s_bc.samples - s_ac.samples) <= 1);
      }
    }
  }
}

TEST_CASE("a range with no frame in it is an error that writes nothing", "[cut][partition]") {
  TempDir dir;
  const fs::path in = counter_source(dir);  // frames at 2.5 and 2.533 s
  const fs::path out = dir / "none.mp4";
  const RunResult r =
      run_reelpack({"cut", in.string(), "-o", out.string(), "--range", "2.51-2.52"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(in.string()) != std::string::npos);
  CHECK(r.err.find("holds no video frame") != std::string::npos);
  CHECK(r.err.find("00:00:02.533") != std::string::npos);  // where the next frame is
  CHECK(!fs::exists(out));
  CHECK(temporaries(dir.path()).empty());
  // One frame is enough: 2.5 s is a frame's time.
  CHECK(video_frames(cut(in, dir / "one.mp4", {"2.5-2.51"})).size() == 1);
}

TEST_CASE("split's episodes joined are exactly the master's frames", "[cut][partition][split]") {
  TempDir dir;
  // Three shots at 23.976 fps, 3 s each, keyframes only at the cuts (as x264 places them).
  const std::string shot = "=s=320x180:r=24000/1001:d=3";
  const fs::path in = make_clip(
      dir / "master.mp4",
      "-f lavfi -i testsrc2" + shot + " -f lavfi -i smptebars" + shot + " -f lavfi -i testsrc" +
          shot +
          " -f lavfi -i sine=r=48000:d=9 -filter_complex \"[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]\""
          " -map \"[v]\" -map 3:a -c:v libx264 -preset veryfast -bf 3 -pix_fmt yuv420p"
          " -colorspace bt709 -color_primaries bt709 -color_trc bt709 -c:a aac -shortest");
  const fs::path outdir = dir / "episodes";
  const RunResult r = run_reelpack(
      concat({"split", in.string(), "-o", outdir.string(), "--target", "3", "-p", "youtube-shorts",
              "--video.width", "320", "--video.height", "180", "--video.fps", "24000/1001"},
             kLossless));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<fs::path> episodes;
  for (const auto& e : fs::directory_iterator(outdir)) {
    if (e.path().extension() == ".mp4") episodes.push_back(e.path());
  }
  std::sort(episodes.begin(), episodes.end());
  CHECK(episodes.size() == 3);
  std::vector<std::string> joined;
  for (const fs::path& e : episodes) joined = concat(joined, frame_md5s(e));
  const std::vector<std::string> master = frame_md5s(in);
  CHECK(joined.size() == master.size());
  CHECK(joined == master);
}

TEST_CASE("cut --copy --exact keeps exactly the frames of a range at 23.976, 25 and 29.97 fps",
          "[cut][exact]") {
  for (const LongGop& g : kLongGops) {
    INFO("source at " << g.rate << " fps");
    TempDir dir;
    const fs::path in = long_gop_source(dir, g, "master.mp4");
    const auto times = frame_times(in);
    std::vector<int> idr;
    const auto src_frames = video_frames(in);
    for (size_t i = 0; i < src_frames.size(); ++i) {
      if (src_frames[i].key) idr.push_back(static_cast<int>(i));
    }
    REQUIRE(idr.size() == 3);
    const std::string f1 = "f" + std::to_string(idr[1]), f2 = "f" + std::to_string(idr[2]);
    struct Case {
      std::string range;
      double start_s, end_s;
      bool frame_aligned;  // both ends on frames: the accurate cut's rule agrees on any version
    };
    const double t1 = times[idr[1]], t2 = times[idr[2]];
    const std::vector<Case> cases = {
        {"1.3-5.02", 1.3, 5.02, false},               // off frames, off keyframes
        {"f30-f150", 30 / g.fps, 150 / g.fps, true},  // on frames, off keyframes
        {f1 + "-" + f2, t1, t2, true},                // IDR to IDR: nothing re-encoded
        {f1 + "-f" + std::to_string(idr[1] + 30), t1, (idr[1] + 30) / g.fps, true},  // from one
        {"0.2-0.6", 0.2, 0.6, false},  // inside one GOP
        {"9-20", 9, 20, false},        // END past the end of the input
    };
    int n = 0;
    bool checked_stream = false;
    for (const Case& c : cases) {
      INFO("--range " << c.range);
      const fs::path out = dir / ("exact" + std::to_string(n++) + ".mp4");
      const json j = exact_cut(in, out, {c.range});
      const auto [first, end] = frames_in(times, c.start_s, c.end_s);
      const int expected = end - first;
      const double end_s = std::min(c.end_s, times.back() + 1 / g.fps);
      CHECK(std::abs(expected - std::lround((end_s - c.start_s) * g.fps)) <= 1);
      CHECK(decode_errors(out).empty());
      CHECK(static_cast<int>(video_frames(out).size()) == expected);
      REQUIRE(j["ranges"].size() == 1);
      const json& r = j["ranges"][0];
      CHECK(r["frames"] == expected);
      CHECK(j["frames"] == expected);
      check_exact_pictures(in, out, r, first);
      check_audio_length(out);
      if (c.range == f1 + "-" + f2) CHECK(j["reencoded_frames"] == 0);
      if (c.range == "1.3-5.02") CHECK(r["parts"][1]["start_frame"] == idr[1]);  // copy from IDR
      if (c.frame_aligned) {
        const fs::path accurate =
            cut(in, dir / ("accurate" + std::to_string(n) + ".mp4"), {c.range});
        CHECK(static_cast<int>(video_frames(accurate).size()) == expected);
      }
      if (!checked_stream && j["reencoded_frames"].get<int>() > 0) {
        check_same_stream(in, out);
        checked_stream = true;
      }
    }
    CHECK(checked_stream);
  }
}

TEST_CASE("cut --copy --exact: A-B and B-C hold the frames of A-C between them",
          "[cut][exact][partition]") {
  TempDir dir;
  const LongGop& g = kLongGops[2];
  const fs::path in = long_gop_source(dir, g, "master.mp4");
  for (const auto& [a, b, c] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"1.3", "5.02", "9.71"}, {"f20", "f131", "f250"}, {"0.1", "4.1", "8.3"}}) {
    INFO(a << " " << b << " " << c);
    const json ab = exact_cut(in, dir / "ab.mp4", {a + "-" + b});
    const json bc = exact_cut(in, dir / "bc.mp4", {b + "-" + c});
    const json ac = exact_cut(in, dir / "ac.mp4", {a + "-" + c});
    const size_t n_ab = video_frames(dir / "ab.mp4").size();
    const size_t n_bc = video_frames(dir / "bc.mp4").size();
    CHECK(n_ab + n_bc == video_frames(dir / "ac.mp4").size());
    CHECK(ab["frames"].get<int>() + bc["frames"].get<int>() == ac["frames"].get<int>());
    // B-C starts with the frame after A-B's last.
    CHECK(ab["ranges"][0]["parts"].back()["end_frame"] ==
          bc["ranges"][0]["parts"][0]["start_frame"]);
  }
}

TEST_CASE("cut --copy --exact joins ranges on one timeline with the audio in sync",
          "[cut][exact][sync]") {
  TempDir dir;
  // A white frame and a 1 kHz beep together for 0.1 s at 0.5, 1.5, 2.5... s; IDRs at 0, 3
  // and 6 s only.
  const fs::path in =
      make_clip(dir / "sync.mp4",
                "-f lavfi -i \"color=c=black:s=320x180:r=30:d=8,"
                "drawbox=c=white:t=fill:enable='lt(mod(n+15\\,30)\\,3)'\" "
                "-f lavfi -i "
                "\"aevalsrc='if(lt(mod(t+0.5\\,1)\\,0.1)\\,0.5*sin(2*PI*1000*t)\\,0)':s=48000:d=8\""
                " -c:v libx264 -preset veryfast -g 250 -sc_threshold 0 -force_key_frames 0,3,6"
                " -pix_fmt yuv420p -c:a aac -shortest");
  const fs::path out = dir / "out.mp4";
  const json j = exact_cut(in, out, {"1.2-2.7", "4.3-5.8", "f200-f230"});
  CHECK(decode_errors(out).empty());
  const auto times = frame_times(out);
  REQUIRE(times.size() == 45 + 45 + 30);
  CHECK(j["frames"] == 120);
  check_continuous(times);
  check_audio_length(out);
  const auto luma = frame_luma_means(out);
  REQUIRE(luma.size() == times.size());
  std::vector<double> flashes;
  for (size_t i = 0; i < luma.size(); ++i) {
    if (luma[i] > 128 && (i == 0 || luma[i - 1] <= 128)) flashes.push_back(times[i]);
  }
  const auto beeps = onsets(decode_audio_mono(out), 48000);
  INFO("flashes at " << Catch::Detail::stringify(flashes) << ", beeps at "
                     << Catch::Detail::stringify(beeps));
  // 1.5 and 2.5 from the first range, 4.5 and 5.5 from the second, 6.5 (f195) is before the
  // third and 7.5 (f225) inside it.
  REQUIRE(flashes.size() == 5);
  CHECK(flashes[0] == Approx(0.3).margin(1e-3));
  CHECK(flashes[2] == Approx(1.5 + 0.2).margin(1e-3));
  CHECK(flashes[4] == Approx(3.0 + 25 / 30.0).margin(1e-3));
  REQUIRE(beeps.size() == flashes.size());
  for (size_t i = 0; i < beeps.size(); ++i) {
    INFO("beep " << i << ": audio minus video " << (beeps[i] - flashes[i]) * 1000 << " ms");
    CHECK(std::abs(beeps[i] - flashes[i]) <= 0.025);
  }
}

TEST_CASE("cut --copy --exact re-encodes open GOPs through to an IDR", "[cut][exact][open_gop]") {
  TempDir dir;
  // Keyframes every 3 s are recovery points, not IDRs, with B-frames before them that are
  // decoded after them.
  const fs::path in = make_clip(dir / "open.mp4",
                                "-f lavfi -i testsrc2=s=320x180:r=25:d=10 -c:v libx264 -preset "
                                "veryfast -g 75 -bf 3 -x264-params open-gop=1 -sc_threshold 0 "
                                "-pix_fmt yuv420p");
  const fs::path out = dir / "out.mp4";
  const json j = exact_cut(in, out, {"2.5-7.3"});
  CHECK(decode_errors(out).empty());
  const auto [first, end] = frames_in(frame_times(in), 2.5, 7.3);
  CHECK(j["frames"] == end - first);
  CHECK(static_cast<int>(video_frames(out).size()) == end - first);
  CHECK(j["copied_frames"] == 0);  // the only IDR is the first frame
  check_exact_pictures(in, out, j["ranges"][0], first);
}

TEST_CASE("cut --copy --exact from MPEG-TS, and into Matroska and MPEG-TS",
          "[cut][exact][containers]") {
  TempDir dir;
  const fs::path mp4 = long_gop_source(dir, kLongGops[1], "master.mp4");
  const fs::path ts = make_clip(dir / "master.ts", "-i " + shell_quote(mp4.string()) + " -c copy");
  struct Case {
    fs::path in;
    std::string out;
  };
  for (const Case& c :
       std::vector<Case>{{ts, "from-ts.mp4"}, {mp4, "to.mkv"}, {mp4, "to.ts"}, {ts, "ts-to.ts"}}) {
    INFO(c.in.filename().string() << " -> " << c.out);
    const fs::path out = dir / c.out;
    const json j = exact_cut(c.in, out, {"2-6.5"});
    CHECK(decode_errors(out).empty());
    // 25 fps: frames 50..162 of the MP4; the MPEG-TS's timeline starts 21 ms before its
    // video (with the audio), which puts frame 162 at 6.501 s, past END.
    const auto [first, end] = frames_in(frame_times(c.in), 2, 6.5);
    CHECK(first == 50);
    CHECK(end == (c.in == ts ? 162 : 163));
    CHECK(j["frames"] == end - first);
    CHECK(static_cast<int>(video_frames(out).size()) == end - first);
    CHECK(j["reencoded_frames"].get<int>() > 0);
    CHECK(j["copied_frames"].get<int>() > 0);
    const std::vector<double> psnrs = frame_psnrs(out, 0, c.in, first, end - first);
    REQUIRE(static_cast<int>(psnrs.size()) == end - first);
    CHECK(*std::min_element(psnrs.begin(), psnrs.end()) >= 40);
  }
}

TEST_CASE("cut --copy --exact refuses what it cannot continue, naming the file",
          "[cut][exact][errors]") {
  TempDir dir;
  const std::string src = "-f lavfi -i testsrc2=s=320x180:r=25:d=2 -pix_fmt yuv420p";
  struct Refused {
    std::string name, args, why;
  };
  const std::vector<Refused> refused = {
      {"mpeg4.mp4", src + " -c:v mpeg4", "this video is mpeg4"},
      {"hevc.mp4", src + " -c:v libx265 -x265-params log-level=error", "this video is hevc"},
      {"interlaced.mp4", src + " -c:v libx264 -flags +ildct+ilme -top 1", "interlaced"},
  };
  const fs::path outdir = dir / "out";
  for (const Refused& r : refused) {
    INFO(r.name);
    const fs::path in = make_clip(dir / r.name, r.args);
    const RunResult res = run_reelpack({"cut", in.string(), "-o", (outdir / "cut.mp4").string(),
                                        "--range", "0.5-1.5", "--copy", "--exact"});
    INFO(res.err);
    CHECK(res.exit_code == 2);
    CHECK_THAT(res.err, Catch::Contains(in.string()) && Catch::Contains(r.why) &&
                            Catch::Contains("use cut without --copy"));
    CHECK(std::count(res.err.begin(), res.err.end(), '\n') == 1);
    CHECK(list_dir(outdir).empty());
  }
  const fs::path in = long_gop_source(dir, kLongGops[1], "master.mp4");
  SECTION("--exact needs --copy") {
    const RunResult res = run_reelpack(
        {"cut", in.string(), "-o", (outdir / "cut.mp4").string(), "--range", "1-2", "--exact"});
    CHECK(res.exit_code == 2);
    CHECK_THAT(res.err, Catch::Contains("--exact refines --copy"));
  }
  SECTION("a range that holds no frame") {
    // 25 fps: frames at 2.48 and 2.52 s; none starts in [2.50, 2.52).
    const RunResult res = run_reelpack({"cut", in.string(), "-o", (outdir / "cut.mp4").string(),
                                        "--range", "2.5-2.52", "--copy", "--exact"});
    CHECK(res.exit_code == 2);
    CHECK_THAT(res.err, Catch::Contains("--range 2.5-2.52") && Catch::Contains("no frame"));
    CHECK(list_dir(outdir).empty());
  }
}

TEST_CASE("cut --copy --exact --dry-run prints the plan and writes nothing", "[cut][exact][plan]") {
  TempDir dir;
  const fs::path in = long_gop_source(dir, kLongGops[1], "master.mp4");
  const fs::path out = dir / "out" / "cut.mp4";
  const RunResult text = reelpack_ok(
      {"cut", in.string(), "-o", out.string(), "--range", "f50-f150", "--copy", "--exact", "-n"});
  // 25 fps: the IDR forced at 4.1 s is frame 103 (4.12 s).
  CHECK_THAT(text.out, Catch::Contains("re-encoded f50-f103") && Catch::Contains("copied") &&
                           Catch::Contains("IDR pictures read: 00:00:00.000 00:00:04.120") &&
                           Catch::Contains("would write"));
  const json j = json::parse(reelpack_ok({"cut", in.string(), "-o", out.string(), "--range",
                                          "f50-f150", "--copy", "--exact", "-n", "--json"})
                                 .out);
  CHECK(j["dry_run"] == true);
  CHECK(j["frames"] == 100);
  CHECK(j["ranges"][0]["parts"][0]["kind"] == "reencoded");
  CHECK(j["ranges"][0]["parts"][0]["frames"] == 53);
  CHECK(!fs::exists(out));
  CHECK(!fs::exists(out.parent_path()));
}

TEST_CASE("an interrupted cut --copy --exact leaves no partial output", "[cut][exact][signals]") {
  TempDir dir;
  // One IDR only: the whole range is re-encoded, slowly enough at x264 medium to be caught.
  const fs::path in = make_clip(dir / "long.mp4",
                                "-f lavfi -i testsrc2=s=640x360:r=30:d=20 -f lavfi -i sine=d=20 "
                                "-c:v libx264 -preset ultrafast -g 1000 -pix_fmt yuv420p -c:a aac "
                                "-shortest");
  const fs::path outdir = dir / "out";
  const std::string cmd =
      reelpack_command({"cut", in.string(), "-o", (outdir / "cut.mp4").string(), "--range", "1-19",
                        "--copy", "--exact", "--video.encoder-preset", "medium"}) +
      " 2>" + shell_quote((dir / "stderr").string()) + " & pid=$!\n" +
      "seen=no; i=0\n"
      "while [ $i -lt 200 ]; do\n"
      "  if ls -A " +
      shell_quote(outdir.string()) +
      " 2>/dev/null | grep -q '^\\.reelpack-tmp-'; then seen=yes; break; fi\n"
      "  sleep 0.05; i=$((i+1))\n"
      "done\n"
      "sleep 0.3\n"
      "kill -INT $pid; wait $pid; echo \"$? $seen\"\n";
  const RunResult r = run(cmd);
  REQUIRE(r.exit_code == 0);
  int rc = -1;
  std::string seen;
  std::istringstream(r.out) >> rc >> seen;
  INFO("script output: " << r.out);
  CHECK(seen == "yes");  // the temporary output existed before the signal
  CHECK(rc == 130);
  CHECK(list_dir(outdir).empty());
}
