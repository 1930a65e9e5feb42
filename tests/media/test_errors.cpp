// How `reelpack package` fails: the documented exit code, one line on stderr that names the
// file (or key, or option) and says what is wrong, and nothing left in the output folder,
// not even a hidden temporary (.reelpack-tmp-*). Also interruption by SIGINT/SIGTERM and
// every verb's --help.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/cancel.h"
#include "core/error.h"
#include "core/json_text.h"
#include "media/input.h"
#include "support/media.h"

namespace fs = std::filesystem;
using namespace reelpack::test;

namespace {

const std::vector<std::string> kSmall = {
    "--video.width", "360", "--video.height", "640", "--video.encoder-preset", "ultrafast"};

fs::path valid_clip(const TempDir& dir, const std::string& name = "episode.mp4") {
  return make_clip(dir / name,
                   "-f lavfi -i testsrc2=s=320x180:r=30:d=1 -f lavfi -i sine=d=1 -c:v libx264 "
                   "-preset ultrafast -pix_fmt yuv420p -c:a aac -shortest");
}

RunResult package(const fs::path& input, const std::string& preset, const fs::path& outdir,
                  const std::vector<std::string>& extra = kSmall) {
  std::vector<std::string> args = {"package", input.string(), "-p", preset, "-o", outdir.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_reelpack(args);
}

// The failure contract: exit code, exactly one stderr line mentioning each of `mentions`,
// and an output folder that is empty or was never made.
void check_failure(const RunResult& r, int exit_code, const std::vector<std::string>& mentions,
                   const fs::path& outdir) {
  INFO("exit " << r.exit_code << ", stderr:\n" << r.err);
  CHECK(r.exit_code == exit_code);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(!r.err.empty());
  if (!r.err.empty()) CHECK(r.err.back() == '\n');
  for (const std::string& m : mentions) CHECK_THAT(r.err, Catch::Contains(m));
  CHECK(list_dir(outdir).empty());
}

}  // namespace

TEST_CASE("a missing input path is a usage error", "[errors][input]") {
  TempDir dir;
  const fs::path missing = dir / "no-such-episode.mp4";
  check_failure(package(missing, "tiktok", dir / "out"), 2, {missing.string()}, dir / "out");
}

TEST_CASE("a folder given as input is a usage error", "[errors][input]") {
  TempDir dir;
  fs::create_directories(dir / "clips.mp4");
  check_failure(package(dir / "clips.mp4", "tiktok", dir / "out"), 2,
                {(dir / "clips.mp4").string()}, dir / "out");
}

TEST_CASE("an empty input file fails", "[errors][input]") {
  TempDir dir;
  write_file(dir / "empty.mp4", "");
  check_failure(package(dir / "empty.mp4", "tiktok", dir / "out"), 1,
                {(dir / "empty.mp4").string()}, dir / "out");
}

TEST_CASE("a truncated input fails and leaves no partial output", "[errors][input]") {
  TempDir dir;
  // moov first, so the cut file still opens and declares the full duration.
  const fs::path whole =
      make_clip(dir / "whole.mp4",
                "-f lavfi -i testsrc2=s=640x360:r=30:d=2 -f lavfi -i sine=d=2 -c:v libx264 "
                "-preset ultrafast -pix_fmt yuv420p -c:a aac -shortest -movflags +faststart");
  const auto [moov, mdat] = moov_mdat_offsets(whole);
  REQUIRE(moov < mdat);
  std::ifstream in(whole, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  bytes.resize(bytes.size() / 2);
  const fs::path cut = dir / "cut.mp4";
  write_file(cut, bytes);
  check_failure(package(cut, "youtube-shorts", dir / "out"), 1, {cut.string()}, dir / "out");
}

TEST_CASE("a text file named .mp4 fails", "[errors][input]") {
  TempDir dir;
  write_file(dir / "notes.mp4", "Episode 1 script notes: not a video at all.\n");
  check_failure(package(dir / "notes.mp4", "tiktok", dir / "out"), 1,
                {(dir / "notes.mp4").string()}, dir / "out");
}

// Found by the demux fuzzer: a header claiming 134 million channels made probe allocate a
// name for each (4 GiB) before any decoder refused the stream.
TEST_CASE("an audio header that claims millions of channels fails at once", "[errors][input]") {
  TempDir dir;
  const fs::path caf = make_clip(dir / "dub.caf", "-f lavfi -i sine=d=0.05 -c:a pcm_s16be");
  std::ifstream in(caf, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  in.close();
  // CAF 'desc': chunk size (8), sample rate (8), format id, flags, bytes and frames per
  // packet (4 each), then the channel count, big-endian.
  const size_t desc = bytes.find("desc");
  REQUIRE(desc != std::string::npos);
  const size_t channels = desc + 4 + 8 + 8 + 4 * 4;
  REQUIRE(bytes.size() >= channels + 4);
  bytes.replace(channels, 4, std::string("\x08\x00\x00\x00", 4));
  write_file(caf, bytes);
  for (const std::string verb : {"probe", "package"}) {
    std::vector<std::string> args = {verb, caf.string()};
    if (verb == "package") args.insert(args.end(), {"-p", "tiktok", "-o", (dir / "out").string()});
    check_failure(run_reelpack(args), 1, {caf.string(), "134217728 channels"}, dir / "out");
  }
}

TEST_CASE("an output folder that cannot be made fails", "[errors][output]") {
  TempDir dir;
  const fs::path in = valid_clip(dir);
  // The tests run as root, which chmod does not stop: put a regular file in the way.
  write_file(dir / "blocker", "x");
  const fs::path outdir = dir / "blocker" / "sub";
  check_failure(package(in, "tiktok", outdir), 1, {outdir.string()}, outdir);
  CHECK(list_dir(dir.path()) == std::vector<std::string>{"blocker", "episode.mp4"});
  CHECK(fs::file_size(dir / "blocker") == 1);
}

TEST_CASE("an unknown preset name is a usage error", "[errors][preset]") {
  TempDir dir;
  const fs::path in = valid_clip(dir);
  check_failure(package(in, "tiktokk", dir / "out"), 2, {"tiktokk"}, dir / "out");
}

TEST_CASE("a preset file with an unknown key names the file and the key", "[errors][preset]") {
  TempDir dir;
  const fs::path in = valid_clip(dir);
  const fs::path ini = dir / "my-platform.ini";
  write_file(ini, "name = my-platform\nbase = tiktok\n\n[video]\nwidht = 720\n");
  check_failure(package(in, ini.string(), dir / "out"), 2, {ini.string(), "widht"}, dir / "out");
}

TEST_CASE("a preset value of the wrong type names the file and the key", "[errors][preset]") {
  TempDir dir;
  const fs::path in = valid_clip(dir);
  const fs::path ini = dir / "my-platform.ini";
  write_file(ini, "base = tiktok\n\n[video]\ncrf = abc\n");
  check_failure(package(in, ini.string(), dir / "out"), 2, {ini.string(), "crf", "abc"},
                dir / "out");
}

TEST_CASE("a preset value out of range names the file and the key", "[errors][preset]") {
  TempDir dir;
  const fs::path in = valid_clip(dir);
  const fs::path ini = dir / "my-platform.ini";
  write_file(ini, "base = tiktok\n\n[video]\ncrf = 99\n");
  check_failure(package(in, ini.string(), dir / "out"), 2, {ini.string(), "crf", "99"},
                dir / "out");
}

TEST_CASE("an odd width override is a usage error", "[errors][options]") {
  TempDir dir;
  const fs::path in = valid_clip(dir);
  check_failure(package(in, "youtube-shorts", dir / "out", {"--video.width", "361"}), 2,
                {"width", "361"}, dir / "out");
}

TEST_CASE("an unknown command-line option is a usage error", "[errors][options]") {
  TempDir dir;
  const fs::path in = valid_clip(dir);
  SECTION("not an option at all") {
    check_failure(package(in, "tiktok", dir / "out", {"--bogus"}), 2, {"--bogus"}, dir / "out");
  }
  SECTION("not a preset key") {
    check_failure(package(in, "tiktok", dir / "out", {"--video.bitrate", "5M"}), 2,
                  {"video.bitrate"}, dir / "out");
  }
  SECTION("a preset key with a value of the wrong type") {
    check_failure(package(in, "tiktok", dir / "out", {"--video.crf", "abc"}), 2,
                  {"video.crf", "abc"}, dir / "out");
  }
  SECTION("a preset key with a value out of range") {
    check_failure(package(in, "tiktok", dir / "out", {"--video.crf", "99"}), 2, {"video.crf", "99"},
                  dir / "out");
  }
  SECTION("not a reframe mode") {
    check_failure(package(in, "tiktok", dir / "out", {"--reframe", "zoom"}), 2, {"zoom"},
                  dir / "out");
  }
}

TEST_CASE("probe fails like package on missing and unreadable inputs", "[errors][probe]") {
  TempDir dir;
  const fs::path missing = dir / "gone.mp4";
  RunResult r = run_reelpack({"probe", missing.string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(missing.string()));
  write_file(dir / "notes.mp4", "not a video\n");
  r = run_reelpack({"probe", (dir / "notes.mp4").string(), "--json"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains((dir / "notes.mp4").string()));
  CHECK(r.out.empty());
}

TEST_CASE("SIGINT and SIGTERM stop a run and remove every partial output", "[errors][signals]") {
  TempDir dir;
  // Long and slow enough (full 1080x1920, x264 medium) to be caught mid-run.
  const fs::path in =
      make_clip(dir / "long.mp4",
                "-f lavfi -i testsrc2=s=640x360:r=30:d=10 -f lavfi -i sine=d=10 -c:v libx264 "
                "-preset ultrafast -pix_fmt yuv420p -c:a aac -shortest");
  const fs::path outdir = dir / "out";
  const fs::path err = dir / "stderr";
  for (const std::string sig : {"INT", "TERM"}) {
    INFO("SIG" << sig);
    const std::string cmd =
        reelpack_command({"package", in.string(), "-p", "tiktok", "-p", "youtube-shorts", "-o",
                          outdir.string(), "--video.encoder-preset", "medium"}) +
        " 2>" + shell_quote(err.string()) + " & pid=$!\n" +
        // Wait until the outputs are being written, then interrupt.
        "seen=no; i=0\n"
        "while [ $i -lt 200 ]; do\n"
        "  if ls -A " +
        shell_quote(outdir.string()) +
        " 2>/dev/null | grep -q '^\\.reelpack-tmp-'; then seen=yes; break; fi\n"
        "  sleep 0.05; i=$((i+1))\n"
        "done\n"
        "sleep 0.5\n"
        "t0=$(date +%s%N)\n"
        "kill -" +
        sig +
        " $pid; wait $pid; rc=$?\n"
        "t1=$(date +%s%N)\n"
        "echo \"$rc $seen $(( (t1 - t0) / 1000000 ))\"\n";
    const RunResult r = run(cmd);
    REQUIRE(r.exit_code == 0);
    int rc = -1, ms = -1;
    std::string seen;
    std::istringstream(r.out) >> rc >> seen >> ms;
    std::ifstream e(err);
    const std::string stderr_text((std::istreambuf_iterator<char>(e)), {});
    INFO("script output: " << r.out << "stderr: " << stderr_text);
    CHECK(seen == "yes");  // the run had started writing before the signal
    CHECK(rc == 130);
    CHECK(ms < 10'000);  // stops promptly, not after finishing the encode
    CHECK_THAT(stderr_text, Catch::Contains("interrupted"));
    CHECK(std::count(stderr_text.begin(), stderr_text.end(), '\n') == 1);
    CHECK(list_dir(outdir).empty());
    fs::remove_all(outdir);
  }
}

TEST_CASE("every verb's --help exits 0 with examples", "[errors][help]") {
  const RunResult top = run_reelpack({"--help"});
  CHECK(top.exit_code == 0);
  CHECK_THAT(top.out, Catch::Contains("Examples:"));
  // The verbs the top-level help lists ("Verbs:" up to the first blank line).
  std::vector<std::string> verbs;
  std::istringstream lines(top.out);
  bool in_verbs = false;
  for (std::string line; std::getline(lines, line);) {
    if (line == "Verbs:") {
      in_verbs = true;
    } else if (in_verbs && line.empty()) {
      break;
    } else if (in_verbs) {
      std::istringstream words(line);
      std::string verb;
      if (words >> verb) verbs.push_back(verb);
    }
  }
  for (const std::string verb : {"package", "probe", "presets"}) {
    CHECK(std::find(verbs.begin(), verbs.end(), verb) != verbs.end());
  }
  for (const std::string& verb : verbs) {
    INFO("reelpack " << verb << " --help");
    const RunResult r = run_reelpack({verb, "--help"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("Examples:"));
    CHECK(r.err.empty());
  }
}

TEST_CASE("an output never replaces its own input, a device or a symlink", "[errors][output]") {
  TempDir dir;
  const fs::path in = valid_clip(dir);
  const auto size = fs::file_size(in);
  const auto mtime = fs::last_write_time(in);
  // The input itself, and a hard link to it: refused before any work, exit 2.
  for (const fs::path& out : {in, dir / "alias.mp4"}) {
    if (out != in) fs::create_hard_link(in, out);
    const RunResult r = run_reelpack({"cut", in.string(), "-o", out.string(), "--range", "0-0.5"});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(out.string() + ": is an input"));
  }
  CHECK(fs::file_size(in) == size);
  CHECK(fs::last_write_time(in) == mtime);
  // A symlink to a character device: refused; the link stays a link.
  fs::create_symlink("/dev/null", dir / "null.mp4");
  const RunResult dev =
      run_reelpack({"cut", in.string(), "-o", (dir / "null.mp4").string(), "--range", "0-0.5"});
  CHECK(dev.exit_code == 2);
  CHECK_THAT(dev.err, Catch::Contains("is a character device"));
  CHECK(fs::is_symlink(fs::symlink_status(dir / "null.mp4")));
  CHECK(fs::is_character_file(fs::status("/dev/null")));
  // shots -o through a symlink writes its target and keeps the link.
  write_file(dir / "real.csv", "old\n");
  fs::create_symlink("real.csv", dir / "link.csv");
  const RunResult shots = run_reelpack({"shots", in.string(), "-o", (dir / "link.csv").string()});
  INFO(shots.err);
  CHECK(shots.exit_code == 0);
  CHECK(fs::is_symlink(fs::symlink_status(dir / "link.csv")));
  CHECK(fs::file_size(dir / "real.csv") > 4);
  CHECK(temporaries(dir.path()).empty());
}

TEST_CASE("an output with no frames, or fewer than its ranges ask, fails and writes nothing",
          "[errors][frames]") {
  TempDir dir;
  // A key frame every second, no B-frames: damage that starts on a key frame ends on one.
  const fs::path whole =
      make_clip(dir / "whole.mp4",
                "-f lavfi -i testsrc2=s=320x180:r=25:d=4 -f lavfi -i sine=d=4 -c:v libx264 "
                "-preset ultrafast -g 25 -bf 0 -pix_fmt yuv420p -c:a aac -shortest "
                "-movflags +faststart");
  const fs::path outdir = dir / "out";
  const std::vector<std::string> fast = {"--video.encoder-preset", "ultrafast"};
  const auto cut = [&](const fs::path& in, const std::string& range) {
    std::vector<std::string> args = {"cut",     in.string(), "-o", (outdir / "cut.mp4").string(),
                                     "--range", range};
    args.insert(args.end(), fast.begin(), fast.end());
    return run_reelpack(args);
  };
  SECTION("no frame decodes at all") {
    const fs::path in = damage_video(whole, 0, 10, dir / "blank.mp4");
    check_failure(cut(in, "1-2"), 1, {in.string(), "no video frame", "--range 1-2"}, outdir);
    std::vector<std::string> extra = kSmall;
    extra.insert(extra.end(), {"--range", "1-2"});
    check_failure(package(in, "tiktok", outdir, extra), 1, {in.string(), "no video frame"}, outdir);
    check_failure(package(in, "tiktok", outdir), 1, {in.string(), "no video frame"}, outdir);
  }
  SECTION("the third second does not decode") {
    const fs::path in = damage_video(whole, 2, 3, dir / "holed.mp4");
    // The last good frame is held at most three frames into the hole (ranges.cpp): 27.
    check_failure(cut(in, "1-3"), 1, {in.string(), "only 27 of the 50 frames", "--range 1-3"},
                  outdir);
    std::vector<std::string> extra = kSmall;
    extra.insert(extra.end(), {"--range", "1-3"});
    check_failure(package(in, "tiktok", outdir, extra), 1,
                  {in.string(), "of the 50 frames"},  // 25 fps kept
                  outdir);
    // Where nothing is missing the cut is fine.
    const RunResult ok = cut(in, "0.5-1.9");
    INFO(ok.err);
    CHECK(ok.exit_code == 0);
    CHECK(list_dir(outdir) == std::vector<std::string>{"cut.mp4"});
  }
  CHECK(temporaries(dir.path()).empty());
}

namespace {

// The first `fraction` of `whole`'s bytes at `out`: a copy that did not finish.
fs::path cut_short(const fs::path& whole, double fraction, const fs::path& out) {
  std::ifstream in(whole, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  bytes.resize(static_cast<size_t>(static_cast<double>(bytes.size()) * fraction));
  write_file(out, bytes);
  return out;
}

}  // namespace

TEST_CASE("a truncated input fails every verb unless --allow-truncated, which says what is missing",
          "[errors][truncated]") {
  TempDir dir;
  const std::string ext = GENERATE(std::string(".mp4"), std::string(".mkv"));
  INFO(ext);
  const fs::path whole =
      make_clip(dir / ("whole" + ext),
                "-f lavfi -i testsrc2=s=320x180:r=25:d=10 -f lavfi -i sine=d=10 -c:v libx264 "
                "-preset ultrafast -pix_fmt yuv420p -c:a aac -shortest" +
                    std::string(ext == ".mp4" ? " -movflags +faststart" : ""));
  // 92% of the bytes: the last second or so is gone, the header still declares 10 s.
  const fs::path in = cut_short(whole, 0.92, dir / ("short" + ext));
  const fs::path outdir = dir / "out";
  const std::vector<std::string> mentions = {in.string(), "truncated", "s missing",
                                             "--allow-truncated"};
  check_failure(package(in, "tiktok", outdir), 1, mentions, outdir);
  const auto cut = [&](const std::string& range, std::vector<std::string> extra) {
    std::vector<std::string> args = {"cut",
                                     in.string(),
                                     "-o",
                                     (outdir / "cut.mp4").string(),
                                     "--range",
                                     range,
                                     "--video.encoder-preset",
                                     "ultrafast"};
    if (!extra.empty() && extra.front() == "--copy") args.resize(6);
    args.insert(args.end(), extra.begin(), extra.end());
    return run_reelpack(args);
  };
  check_failure(cut("8-10", {}), 1, mentions, outdir);
  check_failure(cut("8-10", {"--copy"}), 1, mentions, outdir);
  check_failure(run_reelpack({"shots", in.string()}), 1, mentions, outdir);
  // A range the file still holds is cut as asked.
  const RunResult early = cut("2-3", {});
  INFO(early.err);
  CHECK(early.exit_code == 0);
  fs::remove_all(outdir);

  // --allow-truncated: what there is, and a warning saying what is missing.
  std::vector<std::string> allow = kSmall;
  allow.push_back("--allow-truncated");
  const RunResult r = package(in, "tiktok", outdir, allow);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("warning: " + in.string() + ": truncated"));
  CHECK_THAT(r.err, Catch::Contains("s missing"));
  const double got = number_field(ffprobe(outdir / ("short.tiktok.mp4"))["format"], "duration");
  CHECK(got > 8.0);
  CHECK(got < 9.9);
  const RunResult copied = cut("8-10", {"--copy", "--allow-truncated"});
  INFO(copied.err);
  CHECK(copied.exit_code == 0);
  CHECK_THAT(copied.err, Catch::Contains("s missing"));
  CHECK(temporaries(dir.path()).empty());
}

TEST_CASE("ordinary files are not truncated: late starts, long audio, rounded durations, VFR",
          "[errors][truncated]") {
  TempDir dir;
  const std::string src = "-f lavfi -i testsrc2=s=320x180:r=";
  const std::string x264 = " -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac";
  std::vector<fs::path> files;
  for (const std::string rate : {"24000/1001", "25", "30000/1001"}) {
    for (const std::string ext : {".mp4", ".mkv", ".ts", ".mov"}) {
      const std::string name = "r" + std::to_string(files.size()) + ext;
      files.push_back(make_clip(
          dir / name, src + rate + ":d=3 -f lavfi -i sine=d=3" + x264 + " -bf 2 -g 24 -shortest"));
    }
  }
  for (const std::string ext : {".mp4", ".mkv", ".ts"}) {  // the audio runs 1 s past the video
    files.push_back(
        make_clip(dir / ("long-audio" + ext), src + "25:d=2 -f lavfi -i sine=d=3" + x264));
  }
  for (const std::string offset : {"1", "100000"}) {  // an MP4 whose first frame is late
    files.push_back(make_clip(
        dir / ("from-" + offset + ".mp4"),
        src + "25:d=3 -f lavfi -i sine=d=3" + x264 + " -shortest -output_ts_offset " + offset));
  }
  // Negative timestamps: audio before zero and B-frames, kept as they are.
  files.push_back(make_clip(dir / "negative.mkv", src + "25:d=3 -f lavfi -i sine=d=3" + x264 +
                                                      " -bf 2 -shortest -output_ts_offset -1 "
                                                      "-avoid_negative_ts disabled"));
  // Variable frame rate: every fifth frame dropped, the others keep their times.
  files.push_back(make_clip(dir / "vfr.mp4", src + "25:d=3 -f lavfi -i sine=d=3" + x264 +
                                                 " -vf select='not(eq(mod(n\\,5)\\,4))' "
                                                 "-fps_mode vfr -shortest"));
  for (const fs::path& f : files) {
    INFO(f.filename().string());
    const RunResult r = package(f, "tiktok", dir / "out");
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, !Catch::Contains("truncated"));
  }
  // The MP4 from 100000 s lasts 3 s, not the 100003 s its header counts from zero.
  const RunResult probe = run_reelpack({"probe", (dir / "from-100000.mp4").string(), "--json"});
  REQUIRE(probe.exit_code == 0);
  CHECK(nlohmann::json::parse(probe.out)["duration_seconds"].get<double>() ==
        Approx(3.0).margin(0.1));
}

TEST_CASE("names that are not UTF-8 reach JSON losslessly, and such a batch row runs like any",
          "[errors][json]") {
  TempDir dir;
  const std::string latin1 = "caf\xE9";  // ISO 8859-1, as old cameras and Windows shares name
  const fs::path in = valid_clip(dir, latin1 + ".mp4");
  const RunResult probe = run_reelpack({"probe", in.string(), "--json"});
  INFO(probe.err);
  REQUIRE(probe.exit_code == 0);
  CHECK_THAT(probe.out, Catch::Contains("caf\\udce9.mp4"));
  CHECK(reelpack::parse_json_text(probe.out)["path"].get<std::string>() == in.string());
  // Python reads the escapes back to the bytes (surrogateescape).
  const RunResult py = run(reelpack_command({"probe", in.string(), "--json"}) +
                           " | python3 -c 'import json,os,sys; "
                           "sys.stdout.buffer.write(os.fsencode(json.load(sys.stdin)[\"path\"]))'");
  if (py.exit_code == 0) CHECK(py.out == in.string());

  // A batch: that row, a good one and a missing input that fails alone.
  valid_clip(dir, "plain.mp4");
  write_file(dir / "season.csv",
             "input,presets\n" + latin1 + ".mp4,tiktok\nplain.mp4,tiktok\nmissing.mp4,tiktok\n");
  std::vector<std::string> args = {"batch", (dir / "season.csv").string(), "-o",
                                   (dir / "out").string(), "--no-cache"};
  args.insert(args.end(), kSmall.begin(), kSmall.end());
  const RunResult first = run_reelpack(args);
  INFO(first.err);
  CHECK(first.exit_code == 1);                            // the missing row
  CHECK_THAT(first.out, Catch::Contains("missing.mp4"));  // the table is printed
  REQUIRE(fs::exists(dir / "out" / "report.json"));
  std::ifstream report_file(dir / "out" / "report.json");
  const std::string report_text((std::istreambuf_iterator<char>(report_file)), {});
  const nlohmann::json report = reelpack::parse_json_text(report_text);
  std::map<std::string, std::string> status;
  for (const auto& row : report["rows"]) status[row["name"]] = row["status"];
  CHECK(status[latin1] == "ok");
  CHECK(status["plain"] == "ok");
  CHECK(status["missing"] == "failed");
  CHECK(fs::exists(dir / "out" / (latin1 + ".tiktok.mp4")));
  // Its state was kept: a rerun skips it.
  const RunResult again = run_reelpack(args);
  INFO(again.err);
  std::ifstream again_file(dir / "out" / "report.json");
  const std::string again_text((std::istreambuf_iterator<char>(again_file)), {});
  for (const auto& row : reelpack::parse_json_text(again_text)["rows"]) {
    if (row["name"] == latin1) CHECK(row["status"] == "skipped");
  }
  CHECK(temporaries(dir.path()).empty());
}

TEST_CASE("errors name the cause: a small source, a 1x1 picture, a huge cue, long names work",
          "[errors][small]") {
  TempDir dir;
  const fs::path outdir = dir / "out";
  // cut without -p encodes at the source's size, which an output may not have.
  const fs::path small =
      make_clip(dir / "small.mp4",
                "-f lavfi -i testsrc2=s=160x90:r=25:d=1 -c:v libx264 -preset ultrafast "
                "-pix_fmt yuv420p");
  const RunResult cut =
      run_reelpack({"cut", small.string(), "-o", (outdir / "c.mp4").string(), "--range", "0-0.5"});
  check_failure(cut, 2, {small.string(), "160x90", "-p PRESET"}, outdir);
  CHECK_THAT(cut.err, !Catch::Contains("--video.height:"));
  // A 1x1 picture cannot be reframed: the input is named, not the output.
  const fs::path dot =
      make_clip(dir / "dot.mkv", "-f lavfi -i color=s=2x2:r=25:d=1 -vf scale=1:1 -c:v ffv1");
  const RunResult tiny = package(dot, "tiktok", outdir);
  check_failure(tiny, 1, {dot.string(), "1x1"}, outdir);
  CHECK_THAT(tiny.err, !Catch::Contains("tiktok.mp4"));
  // A cue larger than a subtitle track holds: the file and the cue are named.
  const fs::path in = valid_clip(dir);
  write_file(dir / "huge.srt",
             "1\n00:00:00,000 --> 00:00:01,000\n" + std::string(200'000, 'x') + "\n");
  std::vector<std::string> subs = kSmall;
  subs.insert(subs.end(), {"--subtitles", (dir / "huge.srt").string()});
  check_failure(package(in, "tiktok", outdir, subs), 2,
                {(dir / "huge.srt").string(), "cue 1", "bytes"}, outdir);
  // A 240-byte stem: the output's name fits (251 bytes), and so does its temporary.
  const fs::path long_in = dir / (std::string(240, 'e') + ".mp4");
  fs::copy_file(in, long_in);
  const RunResult r = package(long_in, "tiktok", outdir);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(fs::exists(outdir / (std::string(240, 'e') + ".tiktok.mp4")));
  CHECK(temporaries(dir.path()).empty());
}

TEST_CASE("preset files: a BOM and comments are fine, binary or stray lines named, base by path",
          "[errors][preset]") {
  TempDir dir;
  write_file(dir / "presets" / "bom.ini",
             "\xEF\xBB\xBF; written by a Windows editor\nbase = tiktok\n[video]\ncrf = 22\n");
  RunResult r = run_reelpack({"presets", "show", (dir / "presets" / "bom.ini").string()});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("crf = 22"));
  // base = a path is relative to the file that says it, wherever reelpack runs.
  write_file(dir / "presets" / "sub" / "child.ini", "base = ../bom.ini\n[audio]\nbitrate = 96k\n");
  r = run("cd / && " +
          reelpack_command({"presets", "show", (dir / "presets" / "sub" / "child.ini").string()}));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("crf = 22"));
  std::string binary(300, '\0');
  for (size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 37 % 256);
  write_file(dir / "binary.ini", binary);
  r = run_reelpack({"presets", "show", (dir / "binary.ini").string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains((dir / "binary.ini").string() + ": not a text file"));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  write_file(dir / "stray.ini", "base = tiktok\nwidth 720\n");
  r = run_reelpack({"presets", "show", (dir / "stray.ini").string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("stray.ini line 2: 'width 720'"));
}

// A signal while an input is being opened (a slow network disk) stops libav's reads through
// the interrupt callback; the failed open must then be an interruption (exit 130), not "not
// a media file". Regular files open too fast to signal in between, and FIFOs are refused
// before they are opened, so the flag is set first. The flag cannot be cleared: ctest runs
// every test case in a process of its own.
TEST_CASE("an open stopped by a signal is an interruption, not a damaged file",
          "[errors][signals]") {
  TempDir dir;
  const fs::path in = valid_clip(dir);
  reelpack::request_cancel();
  CHECK_THROWS_AS(reelpack::InputFile(in), reelpack::Interrupted);
}

TEST_CASE("batch: a range wrong on its face is a usage error, a dry run that would fail exits 1",
          "[errors][batch]") {
  TempDir dir;
  valid_clip(dir);
  write_file(dir / "reversed.csv", "input,presets,ranges\nepisode.mp4,tiktok,2-1\n");
  check_failure(
      run_reelpack({"batch", (dir / "reversed.csv").string(), "-o", (dir / "out").string()}), 2,
      {"reversed.csv line 2", "2-1", "END must come after START"}, dir / "out");
  write_file(dir / "missing.csv", "input,presets\nnone.mp4,tiktok\ngone.mp4,tiktok\n");
  const RunResult dry = run_reelpack(
      {"batch", (dir / "missing.csv").string(), "-o", (dir / "out").string(), "--dry-run"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 1);
  CHECK_THAT(dry.out, Catch::Contains("2 rows that would fail"));
  CHECK(!fs::exists(dir / "out"));
}

TEST_CASE("SVT-AV1 prints no banner of its own", "[errors][av1]") {
  if (run("ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libsvtav1").exit_code != 0) {
    WARN("no libsvtav1 in this FFmpeg");
    return;
  }
  TempDir dir;
  const fs::path in = valid_clip(dir);
  const RunResult r =
      package(in, "tiktok", dir / "out",
              {"--video.codec", "libsvtav1", "--video.encoder-preset", "12", "--video.profile",
               "main", "--video.width", "360", "--video.height", "640"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, !Catch::Contains("Svt["));
}

TEST_CASE("a failed split writes no cut list and leaves no folder it made", "[errors][split]") {
  TempDir dir;
  const fs::path in = valid_clip(dir);
  const fs::path eps = dir / "eps";
  const auto split = [&](const fs::path& input, const std::string& target) {
    return run_reelpack({"split", input.string(), "-o", eps.string(), "--target", target});
  };
  check_failure(split(in, "nan"), 2, {"--target"}, eps);
  CHECK(!fs::exists(eps));
  check_failure(split(dir / "none.mp4", "2"), 2, {(dir / "none.mp4").string()}, eps);
  CHECK(!fs::exists(eps));
  const fs::path blank = damage_video(in, 0, 10, dir / "blank.mp4");
  check_failure(split(blank, "2"), 1, {blank.string()}, eps);
  CHECK(!fs::exists(eps));
  // Every episode fails (a copy cannot place packets without timestamps): no cut list of
  // nothing, no folder; in a folder that was there, the old cut list stays as it was.
  const fs::path untimed =
      make_clip(dir / "untimed.mkv",
                "-f lavfi -i testsrc2=s=320x180:r=25:d=3 -c:v libx264 -preset ultrafast "
                "-pix_fmt yuv420p -bf 2 -output_ts_offset -1 -avoid_negative_ts disabled");
  const RunResult none = split(untimed, "3");
  INFO(none.err);
  CHECK(none.exit_code == 1);
  CHECK_THAT(none.err, Catch::Contains("has no timestamp"));
  CHECK(!fs::exists(eps));
  write_file(eps / "cutlist.csv", "old\n");
  CHECK(split(untimed, "3").exit_code == 1);
  CHECK(list_dir(eps) == std::vector<std::string>{"cutlist.csv"});
  CHECK(fs::file_size(eps / "cutlist.csv") == 4);
  CHECK(temporaries(dir.path()).empty());
}
