// `reelpack batch` and `reelpack check` end to end: manifests of tiny lavfi clips run by the
// real binary, judged from report.json, state files and ffprobe facts (never timings).
//
// Presets are shrunk to 180x320 with x264 ultrafast wherever the encoder settings do not
// matter, so the suite stays quick on two shared cores.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
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

// A clip with a test pattern and a tone, `seconds` long, 30 fps.
fs::path clip(const fs::path& path, int seconds = 1, const std::string& size = "320x180") {
  fs::create_directories(path.parent_path());
  const std::string d = std::to_string(seconds);
  return make_clip(path, "-f lavfi -i testsrc2=s=" + size + ":r=30:d=" + d +
                             " -f lavfi -i sine=f=440:d=" + d +
                             " -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest");
}

RunResult batch(const std::vector<std::string>& args) {
  return run_reelpack(std::vector<std::string>{"batch"} + args);
}

std::map<std::string, json> rows_by_name(const json& report) {
  std::map<std::string, json> rows;
  for (const json& r : report["rows"]) rows[r["name"].get<std::string>()] = r;
  return rows;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int video_frame_count(const fs::path& file) {
  return static_cast<int>(video_frames(file).size());
}

// The rows (by name) a dry run of `manifest` plans for `shard`.
std::set<std::string> shard_rows(const fs::path& manifest, const fs::path& outdir,
                                 const std::string& shard, const std::string& env = "") {
  const RunResult r = run(env + reelpack_command({"batch", manifest.string(), "-o", outdir.string(),
                                                  "--shard", shard, "--dry-run", "--json"}));
  INFO("shard " << shard << " " << env << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  std::set<std::string> names;
  const json plan = json::parse(r.out);  // kept alive: the loop walks into it
  for (const json& row : plan["rows"]) names.insert(row["name"].get<std::string>());
  return names;
}

}  // namespace

TEST_CASE("a season runs every good row, reports the bad ones and resumes with no work",
          "[batch]") {
  TempDir dir;
  clip(dir / "ep01.mp4");
  clip(dir / "ep02.mp4");
  clip(dir / "clips" / "ep03.mp4");
  write_file(dir / "corrupt.mp4", std::string(4096, 'x'));  // an .mp4 that is not media
  write_file(dir / "ep02.srt", "1\n00:00:00,000 --> 00:00:01,000\nHello\n");
  // Paths are relative to the manifest's folder; the title holds a comma, so it is quoted.
  write_file(dir / "season.csv",
             "input,presets,title,episode,subtitles,name\n"
             "ep01.mp4,tiktok;douyin;kuaishou,\"My Drama, Season 1\",1,,\n"
             "ep02.mp4,tiktok;youtube-shorts,\"My Drama, Season 1\",2,ep02.srt,\n"
             "missing.mp4,tiktok,,3,,\n"
             "corrupt.mp4,tiktok,,4,,\n"
             "clips/ep03.mp4,tiktok,\"My Drama, Season 1\",5,,drama-e05\n"
             "ep01.mp4,tiktok,,6,no-such.srt,ep01-subbed\n");
  const fs::path out = dir / "out";
  const std::vector<std::string> args =
      std::vector<std::string>{(dir / "season.csv").string(), "-o", out.string(), "-j", "2"} +
      kSmall;

  RunResult r = batch(args);
  INFO("stdout:\n" << r.out << "stderr:\n" << r.err);
  CHECK(r.exit_code == 1);  // rows failed; the others completed
  json report = read_json(out / "report.json");
  CHECK(report["summary"]["rows"] == 6);
  CHECK(report["summary"]["ok"] == 3);
  CHECK(report["summary"]["failed"] == 3);
  auto rows = rows_by_name(report);

  CHECK(rows["missing"]["status"] == "failed");
  CHECK_THAT(rows["missing"]["reason"].get<std::string>(),
             Catch::Contains("missing.mp4") && Catch::Contains("no such file"));
  CHECK(rows["corrupt"]["status"] == "failed");
  CHECK_THAT(rows["corrupt"]["reason"].get<std::string>(),
             Catch::Contains("corrupt.mp4") && Catch::Contains("not a media file"));
  CHECK(rows["ep01-subbed"]["status"] == "failed");
  CHECK_THAT(rows["ep01-subbed"]["reason"].get<std::string>(), Catch::Contains("no-such.srt"));
  // The row's subtitles become a soft mov_text track of each of its outputs.
  CHECK(rows["ep02"]["status"] == "ok");
  for (const std::string preset : {"tiktok", "youtube-shorts"}) {
    int subtitle_tracks = 0;
    const json probe = ffprobe(out / ("ep02." + preset + ".mp4"));
    for (const json& s : probe["streams"]) {
      subtitle_tracks += s["codec_name"] == "mov_text";
    }
    CHECK(subtitle_tracks == 1);
  }

  // Every good row's outputs: named <name>.<preset>.mp4, at the preset size, conforming.
  const std::map<std::string, std::vector<std::string>> expected = {
      {"ep01", {"tiktok", "douyin", "kuaishou"}},
      {"ep02", {"tiktok", "youtube-shorts"}},
      {"drama-e05", {"tiktok"}}};
  for (const auto& [name, presets] : expected) {
    INFO(name);
    const json& row = rows[name];
    CHECK(row["status"] == "ok");
    REQUIRE(row["outputs"].size() == presets.size());
    for (size_t i = 0; i < presets.size(); ++i) {
      const json& o = row["outputs"][i];
      const fs::path path = out / (name + "." + presets[i] + ".mp4");
      INFO(o.dump());
      CHECK(o["path"] == path.string());
      CHECK((o["status"] == "written" || o["status"] == "shared"));
      CHECK(o["conformance"]["pass"] == true);
      REQUIRE(fs::is_regular_file(path));
      CHECK(o["size_bytes"] == static_cast<int64_t>(fs::file_size(path)));
      const json v = first_stream(ffprobe(path), "video");
      CHECK(v["width"] == 180);
      CHECK(v["height"] == 320);
      CHECK(video_frame_count(path) == 30);
      CHECK(fs::is_regular_file(out / ".reelpack" / (path.filename().string() + ".json")));
    }
  }
  // douyin and kuaishou encode identically: one encode serves both.
  CHECK(rows["ep01"]["outputs"][2]["status"] == "shared");
  CHECK(rows["ep01"]["outputs"][2]["shared_from"] == (out / "ep01.douyin.mp4").string());
  CHECK(slurp(out / "ep01.douyin.mp4") == slurp(out / "ep01.kuaishou.mp4"));
  // Title and episode number are written as metadata.
  const json tags = ffprobe(out / "drama-e05.tiktok.mp4")["format"]["tags"];
  CHECK(tags["title"] == "My Drama, Season 1");
  CHECK(tags["episode_id"] == "5");
  // The terminal table names every row and its status.
  CHECK_THAT(r.out, Catch::Contains("drama-e05") && Catch::Contains("failed") &&
                        Catch::Contains("corrupt.mp4"));
  CHECK(temporaries(out).empty());
  CHECK(!fs::exists(out / "corrupt.tiktok.mp4"));

  SECTION("a second run does no work") {
    r = batch(args);
    INFO("stdout:\n" << r.out << "stderr:\n" << r.err);
    CHECK(r.exit_code == 1);  // the bad rows are still bad
    report = read_json(out / "report.json");
    rows = rows_by_name(report);
    for (const auto& [name, presets] : expected) {
      INFO(name);
      CHECK(rows[name]["status"] == "skipped");
      for (const json& o : rows[name]["outputs"]) {
        CHECK(o["status"] == "skipped");
        CHECK(o["conformance"]["pass"] == true);  // remembered from the run that wrote it
      }
    }
    CHECK(report["summary"]["outputs_written"] == 0);
    CHECK(report["summary"]["outputs_shared"] == 0);
    CHECK(report["summary"]["outputs_skipped"] == 6);
    CHECK(rows["missing"]["status"] == "failed");
  }
  SECTION("changed options redo the outputs; --force redoes everything") {
    r = batch(args + std::vector<std::string>{"--video.crf", "30"});
    CHECK(r.exit_code == 1);
    rows = rows_by_name(read_json(out / "report.json"));
    CHECK(rows["ep01"]["status"] == "ok");
    CHECK(rows["ep01"]["outputs"][0]["status"] == "written");
    CHECK(rows["drama-e05"]["outputs"][0]["status"] == "written");

    // The same row alone (same title and episode: metadata is part of the fingerprint).
    write_file(dir / "one.csv",
               "input,presets,title,episode\nep01.mp4,tiktok,\"My Drama, Season 1\",1\n");
    const std::vector<std::string> one = {(dir / "one.csv").string(), "-o", out.string()};
    r = batch(one + kSmall + std::vector<std::string>{"--video.crf", "30"});
    CHECK(r.exit_code == 0);
    CHECK(read_json(out / "report.json")["rows"][0]["status"] == "skipped");
    r = batch(one + kSmall + std::vector<std::string>{"--video.crf", "30", "--force"});
    CHECK(r.exit_code == 0);
    CHECK(read_json(out / "report.json")["rows"][0]["outputs"][0]["status"] == "written");
  }
}

TEST_CASE("an interrupted batch resumes where it stopped and leaves no partial file",
          "[batch][signals]") {
  TempDir dir;
  std::string manifest = "input,presets\n";
  for (int i = 1; i <= 4; ++i) {
    const std::string name = "ep0" + std::to_string(i) + ".mp4";
    clip(dir / name, 4);
    manifest += name + ",tiktok;youtube-shorts\n";
  }
  write_file(dir / "season.csv", manifest);
  const fs::path out = dir / "out";
  // x264 medium at 360x640: slow enough to be caught between rows.
  const std::vector<std::string> args = {(dir / "season.csv").string(),
                                         "-o",
                                         out.string(),
                                         "-j",
                                         "1",
                                         "--video.width",
                                         "360",
                                         "--video.height",
                                         "640"};
  const fs::path err = dir / "stderr";
  // Wait for the first output's state (written right after the output), then interrupt.
  const std::string script = reelpack_command(std::vector<std::string>{"batch"} + args) +
                             " >/dev/null 2>" + shell_quote(err.string()) + " & pid=$!\n" +
                             "i=0\n"
                             "while [ $i -lt 1200 ]; do\n"
                             "  if ls " +
                             shell_quote((out / ".reelpack").string()) +
                             "/*.json >/dev/null 2>&1; then break; fi\n"
                             "  sleep 0.05; i=$((i+1))\n"
                             "done\n"
                             "kill -INT $pid; wait $pid; echo $?\n";
  const RunResult r = run(script);
  REQUIRE(r.exit_code == 0);
  INFO("stderr: " << slurp(err));
  CHECK(std::stoi(r.out) == 130);
  CHECK_THAT(slurp(err), Catch::Contains("interrupted") && Catch::Contains("resume"));
  CHECK(temporaries(out).empty());
  const json first = read_json(out / "report.json");
  CHECK(first["interrupted"] == true);
  CHECK(first["summary"]["ok"].get<int>() < 4);

  const RunResult again = batch(args);
  INFO("stdout:\n" << again.out << "stderr:\n" << again.err);
  CHECK(again.exit_code == 0);
  const json report = read_json(out / "report.json");
  CHECK(report["summary"]["failed"] == 0);
  CHECK(report["summary"]["outputs_skipped"].get<int>() >= 1);  // the work done before the signal
  CHECK(report["summary"]["outputs_written"].get<int>() >= 1);  // the rest
  for (const json& row : report["rows"]) {
    CHECK((row["status"] == "ok" || row["status"] == "skipped"));
    for (const json& o : row["outputs"]) {
      const fs::path path = o["path"].get<std::string>();
      INFO(path);
      REQUIRE(fs::is_regular_file(path));
      CHECK(video_frame_count(path) == 120);
      CHECK(first_stream(ffprobe(path), "audio")["codec_name"] == "aac");
    }
  }
  CHECK(temporaries(out).empty());
  CHECK(list_dir(out).size() == 8 + 2);  // 8 outputs, report.json, .reelpack
}

TEST_CASE("shards 0..N-1 cover every row exactly once, in any row order", "[batch][shard]") {
  TempDir dir;
  clip(dir / "ep.mp4");
  std::vector<std::string> lines;
  for (int i = 1; i <= 40; ++i) lines.push_back("ep.mp4,tiktok,e" + std::to_string(i));
  auto manifest = [&](const std::string& file) {
    std::string text = "input,presets,name\n";
    for (const auto& l : lines) text += l + "\n";
    write_file(dir / file, text);
    return dir / file;
  };
  const fs::path sorted = manifest("sorted.csv");
  std::shuffle(lines.begin(), lines.end(), std::mt19937(7));
  const fs::path shuffled = manifest("shuffled.csv");

  for (const int n : {1, 3, 4}) {
    INFO(n << " shards");
    std::multiset<std::string> all;
    for (int k = 0; k < n; ++k) {
      const std::string shard = std::to_string(k) + "/" + std::to_string(n);
      const auto rows = shard_rows(sorted, dir / "out", shard);
      CHECK(rows == shard_rows(shuffled, dir / "out", shard));  // the same share either way
      if (n > 1) CHECK(rows.size() < 40);
      all.insert(rows.begin(), rows.end());
    }
    CHECK(all.size() == 40);
    CHECK(std::set<std::string>(all.begin(), all.end()).size() == 40);
  }
  // --shard auto: a Kubernetes Indexed Job's index, or a Slurm array task from TASK_MIN.
  const auto one_of_three = shard_rows(sorted, dir / "out", "1/3");
  CHECK(shard_rows(sorted, dir / "out", "auto", "JOB_COMPLETION_INDEX=1 REELPACK_SHARD_COUNT=3 ") ==
        one_of_three);
  CHECK(shard_rows(sorted, dir / "out", "auto",
                   "SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=3 ") ==
        one_of_three);
  const RunResult r = run("JOB_COMPLETION_INDEX=1 " +
                          reelpack_command({"batch", sorted.string(), "-o", (dir / "out").string(),
                                            "--shard", "auto", "--dry-run"}));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--shard-count"));
  CHECK(!fs::exists(dir / "out"));  // dry runs write nothing
}

TEST_CASE("shards write their own reports and --merge-reports joins them", "[batch][shard]") {
  TempDir dir;
  std::string manifest = "input,presets,name\n";
  for (int i = 1; i <= 4; ++i) manifest += "ep.mp4,tiktok,e" + std::to_string(i) + "\n";
  clip(dir / "ep.mp4");
  write_file(dir / "season.csv", manifest);
  const fs::path out = dir / "out";
  for (const std::string shard : {"0/2", "1/2"}) {
    const RunResult r = batch(std::vector<std::string>{(dir / "season.csv").string(), "-o",
                                                       out.string(), "--shard", shard} +
                              kSmall);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    if (shard == "0/2") {
      // Before the second shard has run, the merge says which report is missing.
      const RunResult early = batch({"--merge-reports", out.string()});
      CHECK(early.exit_code == 1);
      CHECK_THAT(early.err, Catch::Contains("shard(s) 1 of 2"));
    }
  }
  CHECK(fs::is_regular_file(out / "report.shard-0-of-2.json"));
  CHECK(fs::is_regular_file(out / "report.shard-1-of-2.json"));
  const RunResult r = batch({"--merge-reports", out.string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  const json merged = read_json(out / "report.json");
  REQUIRE(merged["rows"].size() == 4);
  for (int i = 0; i < 4; ++i) {
    CHECK(merged["rows"][i]["row"] == i + 1);  // manifest order
    CHECK(merged["rows"][i]["status"] == "ok");
  }
  CHECK(merged["missing_shards"].empty());
  CHECK(merged["ok"] == true);
  for (int i = 1; i <= 4; ++i)
    CHECK(fs::is_regular_file(out / ("e" + std::to_string(i) + ".tiktok.mp4")));
}

TEST_CASE("a dry run shows skips and shared encodes and writes nothing", "[batch][dry-run]") {
  TempDir dir;
  clip(dir / "ep01.mp4");
  // JSON Lines: the same fields; lists may be arrays.
  write_file(dir / "season.jsonl",
             "{\"input\": \"ep01.mp4\", \"presets\": [\"tiktok\", \"douyin\", \"kuaishou\"], "
             "\"episode\": 1, \"ranges\": \"0-0.5\"}\n");
  const fs::path out = dir / "out";
  const std::vector<std::string> args = {(dir / "season.jsonl").string(), "-o", out.string()};
  RunResult r = batch(args + kSmall + std::vector<std::string>{"--dry-run", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json plan = json::parse(r.out);
  REQUIRE(plan["rows"].size() == 1);
  json outs = plan["rows"][0]["outputs"];
  CHECK(outs[0]["action"] == "encode");
  CHECK(outs[1]["action"] == "encode");
  CHECK(outs[2]["action"] == "share");
  CHECK(outs[2]["same_encode_as"] == (out / "ep01.douyin.mp4").string());
  CHECK(!fs::exists(out));

  r = batch(args + kSmall);
  REQUIRE(r.exit_code == 0);
  CHECK(video_frame_count(out / "ep01.tiktok.mp4") == 15);  // the 0-0.5 range
  r = batch(args + kSmall + std::vector<std::string>{"--dry-run"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("dry run") && Catch::Contains("skip (up to date)"));
  r = batch(args + kSmall + std::vector<std::string>{"--dry-run", "--json"});
  plan = json::parse(r.out);
  for (const json& o : plan["rows"][0]["outputs"]) CHECK(o["action"] == "skip");
}

TEST_CASE("batch --cover writes a cover beside each output and only redoes missing ones",
          "[batch][cover]") {
  TempDir dir;
  clip(dir / "ep01.mp4", 3);
  clip(dir / "ep02.mp4", 3, "480x270");
  write_file(dir / "season.csv",
             "input,presets,name\n"
             "ep01.mp4,tiktok;youtube-shorts,e01\n"
             "ep02.mp4,tiktok,e02\n"
             "missing.mp4,tiktok,e03\n");
  const fs::path out = dir / "out";
  const std::vector<std::string> args = {(dir / "season.csv").string(),
                                         "-o",
                                         out.string(),
                                         "--cover",
                                         "--cover.width",
                                         "360",
                                         "--cover.height",
                                         "640",
                                         "--json"};
  RunResult r = batch(args + kSmall);
  INFO(r.err);
  CHECK(r.exit_code == 1);  // the missing input
  json report = json::parse(r.out);
  auto rows = rows_by_name(report);
  CHECK(rows["e03"]["status"] == "failed");
  for (const char* name : {"e01.tiktok.jpg", "e01.youtube-shorts.jpg", "e02.tiktok.jpg"}) {
    INFO(name);
    REQUIRE(fs::exists(out / name));
    const json s = first_stream(ffprobe(out / name), "video");
    CHECK(s["codec_name"] == "mjpeg");
    CHECK(s["width"] == 360);
    CHECK(s["height"] == 640);
  }
  CHECK(rows["e01"]["outputs"][0]["cover"] == (out / "e01.tiktok.jpg").string());

  // A rerun skips everything and leaves the covers alone; a deleted cover is made again
  // without encoding its video again.
  const auto written = fs::last_write_time(out / "e02.tiktok.jpg");
  fs::remove(out / "e01.tiktok.jpg");
  r = batch(args + kSmall);
  report = json::parse(r.out);
  rows = rows_by_name(report);
  CHECK(rows["e01"]["status"] == "skipped");
  CHECK(rows["e02"]["status"] == "skipped");
  CHECK(fs::exists(out / "e01.tiktok.jpg"));
  CHECK(fs::last_write_time(out / "e02.tiktok.jpg") == written);
  CHECK(rows["e01"]["outputs"][0]["status"] == "skipped");
}

TEST_CASE("a malformed manifest is a usage error naming the line", "[batch][manifest]") {
  TempDir dir;
  clip(dir / "ep01.mp4");
  const fs::path out = dir / "out";
  struct Case {
    std::string file, text, mentions;
  };
  const std::vector<Case> cases = {
      // An unquoted comma makes one field too many (after a multi-line quoted title).
      {"commas.csv",
       "input,presets,title\nep01.mp4,tiktok,\"Part one,\nand two\"\nep01.mp4,tiktok,A, B\n",
       "line 4"},
      {"quote.csv", "input,presets,title\nep01.mp4,tiktok,\"never closed\n", "line 2"},
      {"range.csv", "input,presets,ranges,name\nep01.mp4,tiktok,,a\nep01.mp4,tiktok,5-x,b\n",
       "line 3"},
      {"preset.csv", "input,presets\nep01.mp4,tiktok\nep01.mp4,no-such-preset\n", "line 3"},
      {"column.csv", "input,presets,colour\nep01.mp4,tiktok,red\n", "line 1"},
      {"twice.csv", "input,presets\nep01.mp4,tiktok\nep01.mp4,tiktok\n", "line 3"},
      {"reframe.csv", "input,presets,reframe\nep01.mp4,tiktok,zoom\n", "line 2"},
      {"bad.jsonl",
       "{\"input\": \"ep01.mp4\", \"presets\": \"tiktok\"}\n\n{\"input\": \"ep01.mp4\",\n",
       "line 3"},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    write_file(dir / c.file, c.text);
    const RunResult r = batch({(dir / c.file).string(), "-o", out.string()});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains((dir / c.file).string() + " " + c.mentions));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(!fs::exists(out));
  }
}

TEST_CASE("identical presets share one encode in a package run", "[batch][shared]") {
  TempDir dir;
  const fs::path in = clip(dir / "ep01.mp4", 1);
  // A preset of our own that only renames tiktok.
  write_file(dir / "presets" / "tiktok-copy.ini", "name = tiktok-copy\nbase = tiktok\n");
  const fs::path out = dir / "out";
  const RunResult r =
      run("REELPACK_PRESETS=" + shell_quote((dir / "presets").string()) + ":" +
          shell_quote(REELPACK_PRESET_DIR) + " " + shell_quote(REELPACK_BINARY) + " package " +
          shell_quote(in.string()) + " -p tiktok -p tiktok-copy -p youtube-shorts -o " +
          shell_quote(out.string()) +
          " --json --video.width 180 --video.height 320 --video.encoder-preset ultrafast");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(j["frames_decoded"] == 30);
  REQUIRE(j["outputs"].size() == 3);
  CHECK(j["outputs"][0]["encode"] == "own");
  CHECK(j["outputs"][1]["encode"] == "shared");
  CHECK(j["outputs"][1]["shared_from"] == (out / "ep01.tiktok.mp4").string());
  CHECK(j["outputs"][2]["encode"] == "own");
  for (const json& o : j["outputs"]) CHECK(o["ok"] == true);
  CHECK(slurp(out / "ep01.tiktok.mp4") == slurp(out / "ep01.tiktok-copy.mp4"));
  CHECK(video_frame_count(out / "ep01.tiktok-copy.mp4") == 30);
  CHECK(list_dir(out).size() == 3);
  // The comment tag names every preset the encode serves.
  CHECK_THAT(ffprobe(out / "ep01.tiktok-copy.mp4")["format"]["tags"]["comment"].get<std::string>(),
             Catch::Contains("tiktok, tiktok-copy"));
}

TEST_CASE("check names every rule a wrong file breaks", "[check]") {
  TempDir dir;
  // Wrong size, a key frame every 4 s, 5 s long, mono 44.1 kHz, moov at the end.
  const fs::path wrong = make_clip(
      dir / "wrong.mp4",
      "-f lavfi -i testsrc2=s=640x360:r=30:d=5 -f lavfi -i sine=d=5:r=44100 -ac 1 "
      "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 120 -keyint_min 120 -sc_threshold 0 "
      "-c:a aac -shortest");
  const std::vector<std::string> args = {"check",  wrong.string(),          "-p",
                                         "tiktok", "--limits.max-duration", "3"};
  RunResult r = run_reelpack(args);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("FAIL size: 640x360, expected 1080x1920"));
  CHECK_THAT(r.out, Catch::Contains("FAIL keyframe-interval: 4.00 s > 2.00 s"));
  CHECK_THAT(r.out, Catch::Contains("FAIL max-duration: 5.0"));
  CHECK_THAT(r.out, Catch::Contains("FAIL faststart: moov after mdat"));
  CHECK_THAT(r.out, Catch::Contains("FAIL audio-sample-rate: 44100 Hz, expected 48000 Hz"));
  CHECK_THAT(r.out, Catch::Contains("FAIL audio-channels: 1, expected 2"));
  CHECK_THAT(r.out, Catch::Contains("PASS codec: h264"));
  CHECK_THAT(r.out, Catch::Contains("PASS frame-rate"));

  r = run_reelpack(args + std::vector<std::string>{"--json"});
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["pass"] == false);
  std::map<std::string, json> rules;
  for (const json& rule : j["rules"]) rules[rule["rule"].get<std::string>()] = rule;
  CHECK(rules["size"]["pass"] == false);
  CHECK(rules["size"]["measured"] == "640x360");
  CHECK(rules["size"]["expected"] == "1080x1920");
  CHECK(rules["keyframe-interval"]["status"] == "fail");
  CHECK(rules["faststart"]["pass"] == false);
  CHECK(rules["max-duration"]["pass"] == false);
  CHECK(rules["codec"]["pass"] == true);
  CHECK(rules["min-duration"]["status"] == "skipped");
  CHECK_THAT(rules["bitrate-cap"]["detail"].get<std::string>(), Catch::Contains("1 s window"));

  // No audio where the preset requires it.
  const fs::path mute = make_clip(dir / "mute.mp4",
                                  "-f lavfi -i testsrc2=s=320x180:r=30:d=1 -c:v libx264 -preset "
                                  "ultrafast -pix_fmt yuv420p");
  r = run_reelpack({"check", mute.string(), "-p", "tiktok"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("FAIL audio-present"));

  r = run_reelpack({"check", (dir / "nothing.mp4").string(), "-p", "tiktok"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("nothing.mp4"));
}

TEST_CASE("check passes what package made for the preset", "[check]") {
  TempDir dir;
  const fs::path in = clip(dir / "ep01.mp4", 2, "640x360");
  for (const std::string preset : {"tiktok", "youtube-shorts"}) {
    INFO(preset);
    const std::vector<std::string> size = {"--video.width", "360", "--video.height", "640"};
    RunResult r = run_reelpack(std::vector<std::string>{"package", in.string(), "-p", preset, "-o",
                                                        (dir / "out").string()} +
                               size);
    REQUIRE(r.exit_code == 0);
    const fs::path out = dir / "out" / ("ep01." + preset + ".mp4");
    r = run_reelpack(std::vector<std::string>{"check", out.string(), "-p", preset} + size);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("conforms to " + preset));
    CHECK_THAT(r.out, !Catch::Contains("FAIL"));
    CHECK_THAT(r.out, Catch::Contains("PASS loudness"));  // both set -14 LUFS
    CHECK_THAT(r.out, Catch::Contains("PASS keyframe-interval"));
  }
}

TEST_CASE("batch keeps its analysis cache under --cache-max and reports what it removed",
          "[batch][cache]") {
  TempDir dir;
  clip(dir / "ep.mp4");
  write_file(dir / "season.csv", "input,presets,name\nep.mp4,tiktok,e1\n");
  const fs::path out = dir / "out";
  const fs::path cache = out / ".reelpack-cache";
  // Three entries of 1 MiB from earlier runs, entry 1 the least recently used. The cache
  // takes only the files it names so (contents are not read when pruning).
  const int64_t mib = 1 << 20;
  for (int i = 1; i <= 3; ++i) {
    const fs::path p = cache / ("analysis-000000000000000" + std::to_string(i) + ".json");
    write_file(p, std::string(mib, ' '));
    fs::last_write_time(p, fs::file_time_type::clock::now() - std::chrono::hours(4 - i));
  }
  write_file(cache / "README", "not an entry");
  const std::vector<std::string> base = {(dir / "season.csv").string(), "-o", out.string()};

  // The default cap (256 MB) holds them all.
  RunResult r = batch(base + kSmall);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  json c = read_json(out / "report.json")["cache"];
  CHECK(c["dir"] == cache.string());
  CHECK(c["max_bytes"] == int64_t{256} << 20);
  CHECK(c["pruned_entries"] == 0);
  CHECK(c["entries"] == 3);
  CHECK(c["size_bytes"] == 3 * mib);

  // A 1 MB cap: the two least recently used go, the newest stays; --json says so too.
  r = batch(base + kSmall + std::vector<std::string>{"--cache-max", "1", "--json"});
  REQUIRE(r.exit_code == 0);
  c = json::parse(r.out)["cache"];
  CHECK(c["pruned_entries"] == 2);
  CHECK(c["pruned_bytes"] == 2 * mib);
  CHECK(c["entries"] == 1);
  CHECK(c["size_bytes"] == mib);
  CHECK(c["warnings"].empty());
  CHECK(read_json(out / "report.json")["cache"] == c);
  CHECK_FALSE(fs::exists(cache / "analysis-0000000000000001.json"));
  CHECK_FALSE(fs::exists(cache / "analysis-0000000000000002.json"));
  CHECK(fs::exists(cache / "analysis-0000000000000003.json"));
  CHECK(fs::exists(cache / "README"));

  // The table says it.
  write_file(cache / "analysis-0000000000000004.json", std::string(mib, ' '));
  r = batch(base + kSmall + std::vector<std::string>{"--cache-max", "1"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("removed 1 least recently used entry (1.0 MB)") &&
                        Catch::Contains("under 1 MB"));

  // 0: no cap.
  write_file(cache / "analysis-0000000000000005.json", std::string(mib, ' '));
  r = batch(base + kSmall + std::vector<std::string>{"--cache-max", "0"});
  REQUIRE(r.exit_code == 0);
  c = read_json(out / "report.json")["cache"];
  CHECK(c["pruned_entries"] == 0);
  CHECK(c["entries"] == 2);

  // No cache: no cache report; a cap without a cache, or a negative one, is a usage error.
  r = batch(base + kSmall + std::vector<std::string>{"--no-cache"});
  REQUIRE(r.exit_code == 0);
  CHECK(read_json(out / "report.json")["cache"].is_null());
  r = batch(base + std::vector<std::string>{"--no-cache", "--cache-max", "10"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--cache-max and --no-cache"));
  r = batch(base + std::vector<std::string>{"--cache-max", "-1"});
  CHECK(r.exit_code == 2);
  r = run_reelpack({"package", (dir / "ep.mp4").string(), "-p", "tiktok", "-o",
                    (dir / "pkg").string(), "--cache-max", "10"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--cache-max needs --cache-dir"));
}

TEST_CASE("merged shard reports add up the shards' cache pruning", "[batch][shard][cache]") {
  TempDir dir;
  const fs::path out = dir / "out";
  for (int k = 0; k < 2; ++k) {
    const json report = {{"manifest", "season.csv"},
                         {"manifest_rows", 0},
                         {"interrupted", false},
                         {"elapsed_seconds", 1.0},
                         {"cache",
                          {{"dir", (out / ".reelpack-cache").string()},
                           {"max_bytes", 1 << 20},
                           {"pruned_entries", 2 + k},
                           {"pruned_bytes", 1000 * (k + 1)},
                           {"pruned_temporaries", k}}},
                         {"rows", json::array()}};
    write_file(out / ("report.shard-" + std::to_string(k) + "-of-2.json"), report.dump());
  }
  const RunResult r = batch({"--merge-reports", out.string(), "--json"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const json c = json::parse(r.out)["cache"];
  CHECK(c["pruned_entries"] == 5);
  CHECK(c["pruned_bytes"] == 3000);
  CHECK(c["pruned_temporaries"] == 1);
  CHECK(c["max_bytes"] == 1 << 20);
}
