// Hostile paths: every path is a local file, never a URL or a libav protocol; what is not a
// regular file (a FIFO, a device) or names other files (playlists, concat lists) is refused
// with one line naming it; a subtitles path may hold colons.
//
// Episode names like `Ep 1: The Contract.mp4` are common; `pipe:0.mp4` and `file:zz.mp4`
// are ordinary names here. Before the fix, each of them was opened as a protocol: "Protocol
// not found", or stdin read instead of the file.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "support/media.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace reelpack::test;

namespace {

const std::vector<std::string> kFast = {"--video.encoder-preset", "ultrafast"};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

fs::path small_clip(const fs::path& out) {
  return make_clip(out,
                   "-f lavfi -i testsrc2=s=320x180:r=25:d=3 -f lavfi -i sine=d=3 -c:v libx264 "
                   "-preset ultrafast -g 25 -pix_fmt yuv420p -c:a aac -shortest");
}

// Runs reelpack with stdin from /dev/null, so a name read as `pipe:0` would read nothing.
RunResult run_quiet(const std::vector<std::string>& args) {
  return run(reelpack_command(args) + " </dev/null");
}

}  // namespace

TEST_CASE("names with colons are files, for inputs and outputs of every verb", "[paths]") {
  TempDir dir;
  const fs::path master = small_clip(dir / "master.mp4");
  for (const std::string name :
       {"Ep 1: The Contract.mp4", "pipe:0.mp4", "file:zz.mp4", "http:x.mp4", "concat:a.mp4"}) {
    DYNAMIC_SECTION(name) {
      const fs::path in = dir / name;
      fs::copy_file(master, in);
      // As the user types them: relative to the current folder, where the protocol prefix
      // is at the start of the argument.
      const std::string cd = "cd " + shell_quote(dir.str()) + " && ";

      RunResult r = run(cd + reelpack_command({"probe", name, "--json"}) + " </dev/null");
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
      CHECK(json::parse(r.out)["video"]["width"] == 320);

      const std::string cut_out = "cut: " + name;
      r = run(cd +
              reelpack_command(
                  std::vector<std::string>{"cut", name, "-o", cut_out, "--range", "1-2"} + kFast) +
              " </dev/null");
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
      CHECK(video_frames(dir / cut_out).size() == 25);

      r = run(cd +
              reelpack_command({"cut", name, "-o", "copy:" + name, "--range", "0-2", "--copy"}) +
              " </dev/null");
      INFO(r.err);
      CHECK(r.exit_code == 0);
      CHECK(fs::is_regular_file(dir / ("copy:" + name)));

      // An output folder with a colon: MP4's faststart pass reopens the file by name.
      const std::string outdir = "out:" + std::to_string(name.size());
      r = run(cd +
              reelpack_command(std::vector<std::string>{
                                   "package", name, "-p", "tiktok", "-o", outdir, "--range", "0-1",
                                   "--cover", "--video.width", "180", "--video.height", "320"} +
                               kFast) +
              " </dev/null");
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
      const fs::path stem = fs::path(name).stem();
      const fs::path packaged = dir / outdir / (stem.string() + ".tiktok.mp4");
      CHECK(first_stream(ffprobe(packaged), "video")["height"] == 320);
      CHECK(fs::is_regular_file(dir / outdir / (stem.string() + ".tiktok.jpg")));

      r = run(cd + reelpack_command({"thumbs", name, "-o", "th:umbs", "-n", "1"}) + " </dev/null");
      INFO(r.err);
      CHECK(r.exit_code == 0);
      CHECK(temporaries(dir.path()).empty());
    }
  }
}

TEST_CASE("URLs and protocols never reach the network or another file", "[paths]") {
  TempDir dir;
  for (const std::string url :
       {"http://127.0.0.1:9/x.mp4", "concat:a.mp4|b.mp4", "subfile:,,start,0,end,0,,:x.mp4",
        "data:video/mp4;base64,AAAA", "pipe:0"}) {
    INFO(url);
    const RunResult r = run_quiet({"probe", url});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(url) && Catch::Contains("no such file"));
  }
}

TEST_CASE("playlists and concat lists are refused, not followed", "[paths]") {
  TempDir dir;
  small_clip(dir / "part.mp4");
  make_clip(dir / "part.ts", "-i " + shell_quote((dir / "part.mp4").string()) + " -c copy");
  write_file(dir / "list.m3u8",
             "#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3,\npart.ts\n"
             "#EXT-X-ENDLIST\n");
  write_file(dir / "list.ffconcat", "ffconcat version 1.0\nfile part.mp4\nfile part.mp4\n");
  for (const std::string name : {"list.m3u8", "list.ffconcat"}) {
    INFO(name);
    const fs::path out = dir / ("out-" + name + ".mp4");
    const RunResult r =
        run_quiet({"cut", (dir / name).string(), "-o", out.string(), "--range", "0-1"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(name) && Catch::Contains("names other files"));
    CHECK(!fs::exists(out));
  }
}

TEST_CASE("a FIFO or a device as input is refused at once, not read forever", "[paths]") {
  TempDir dir;
  const fs::path fifo = dir / "live.mp4";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  struct Case {
    fs::path input;
    const char* kind;
  };
  for (const Case& c : {Case{fifo, "FIFO"}, Case{"/dev/zero", "device"}}) {
    for (const std::string verb : {"probe", "cut", "package", "thumbs", "shots"}) {
      INFO(verb << " " << c.input);
      std::vector<std::string> args = {verb, c.input.string()};
      if (verb == "cut")
        args = args + std::vector<std::string>{"-o", (dir / "o.mp4").string(), "--range", "0-1"};
      if (verb == "package")
        args = args + std::vector<std::string>{"-p", "tiktok", "-o", (dir / "out").string()};
      if (verb == "thumbs") args = args + std::vector<std::string>{"-o", (dir / "th").string()};
      // `timeout` turns a hang into exit 124, which fails the check below.
      const RunResult r = run("timeout 20 env " + reelpack_command(args) + " </dev/null");
      CHECK(r.exit_code == 2);
      CHECK_THAT(r.err, Catch::Contains(c.input.string()) && Catch::Contains(c.kind));
    }
  }
  CHECK(!fs::exists(dir / "o.mp4"));
}

TEST_CASE("a subtitles path may hold colons, the language is taken only when it is one",
          "[paths][subtitles]") {
  TempDir dir;
  const fs::path in = small_clip(dir / "ep.mp4");
  const std::string cues = "1\n00:00:00,200 --> 00:00:01,500\nHello\n";
  write_file(dir / "Ep 1: subs.srt", cues);
  write_file(dir / "a:b.srt", cues);
  struct Case {
    std::string arg;
    std::string language;
  };
  int n = 0;
  for (const Case& c : {Case{"Ep 1: subs.srt", "und"}, Case{"a:b.srt", "und"},
                        Case{"a:b.srt:zho", "zho"}, Case{"Ep 1: subs.srt:eng", "eng"}}) {
    INFO(c.arg);
    const fs::path out = dir / ("out" + std::to_string(n++));
    const RunResult r =
        run_quiet(std::vector<std::string>{"package", in.string(), "-p", "tiktok", "-o",
                                           out.string(), "--subtitles", (dir / c.arg).string(),
                                           "--video.width", "180", "--video.height", "320"} +
                  kFast);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json subs = first_stream(ffprobe(out / "ep.tiktok.mp4"), "subtitle");
    REQUIRE(subs.is_object());
    CHECK(subs["tags"]["language"] == c.language);
  }
  const RunResult bad =
      run_quiet({"package", in.string(), "-p", "tiktok", "-o", (dir / "bad").string(),
                 "--subtitles", (dir / "a:b.srt:chinese").string()});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("three-letter"));
}

TEST_CASE("a run after a SIGKILL removes the temporaries the killed run left", "[paths][debris]") {
  TempDir dir;
  const fs::path in = make_clip(dir / "long.mp4",
                                "-f lavfi -i testsrc2=s=640x360:r=25:d=30 -f lavfi -i sine=d=30 "
                                "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac "
                                "-shortest");
  write_file(dir / "ep.srt", "1\n00:00:00,500 --> 00:00:20,000\nHello\n");
  const fs::path out = dir / "out";
  const fs::path tmp = dir / "tmp";
  fs::create_directories(tmp);
  const std::vector<std::string> args = {"package",
                                         in.string(),
                                         "-p",
                                         "tiktok",
                                         "-o",
                                         out.string(),
                                         "--subtitles",
                                         (dir / "ep.srt").string(),
                                         "--burn-subtitles"};
  // Killed (SIGKILL: no handler runs) once its output has been started.
  const RunResult killed = run(
      "export TMPDIR=" + shell_quote(tmp.string()) + "; " + reelpack_command(args) +
      " >/dev/null 2>&1 & pid=$!; for i in $(seq 200); do ls -A " + shell_quote(out.string()) +
      " 2>/dev/null | grep -q reelpack-tmp && break; sleep 0.05; done; kill -9 $pid; wait $pid");
  REQUIRE(killed.exit_code == 128 + 9);
  REQUIRE(temporaries(out).size() == 1);
  REQUIRE(list_dir(tmp).size() == 1);  // the burn-in's ASS script
  CHECK(list_dir(tmp)[0].rfind("reelpack-tmp-", 0) == 0);

  const RunResult again =
      run("export TMPDIR=" + shell_quote(tmp.string()) + "; " +
          reelpack_command(args + kFast + std::vector<std::string>{"--range", "0-1"}));
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(temporaries(out).empty());
  CHECK(list_dir(tmp).empty());
  CHECK_THAT(again.err,
             Catch::Contains("removed 2 temporary file(s) left by runs that were killed"));

  // batch says what it removed in its report.
  const std::string stale = std::string(".reelpack-tmp-") + "render9-1-0-long.tiktok.mp4";
  write_file(out / stale, "partial");
  fs::last_write_time(out / stale, fs::file_time_type::clock::now() - std::chrono::hours(7));
  write_file(dir / "season.csv", "input,presets,ranges\nlong.mp4,tiktok,0-1\n");
  const RunResult b = run_quiet(std::vector<std::string>{"batch", (dir / "season.csv").string(),
                                                         "-o", out.string(), "--force"} +
                                kFast);
  INFO(b.err);
  REQUIRE(b.exit_code == 0);
  const json report = read_json(out / "report.json");
  REQUIRE(report["temporaries_removed"].size() == 1);
  CHECK(report["temporaries_removed"][0] == (out / stale).string());
  CHECK(temporaries(out).empty());
}
