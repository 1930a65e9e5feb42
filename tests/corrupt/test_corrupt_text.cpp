// Malformed text inputs (presets, manifests, ranges, crop paths, subtitles): each is refused
// with one short line that names the file and the line, never a crash, a hang or memory
// out of proportion to the file. Then a full disk or a file-size limit: the output that
// cannot be written fails with a message saying so, leaves nothing partial, and the other
// outputs of the run (and a batch's other rows) are still written.
//
// Parsers are called directly where they are library code; a few cases run the binary to
// check the exit code and the one stderr line as a user sees them.
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "batch/manifest.h"
#include "core/error.h"
#include "core/json_text.h"
#include "edit/ranges.h"
#include "presets/preset.h"
#include "reframe/crop_path_io.h"
#include "subtitles/subtitles.h"
#include "support/media.h"
#include "support/skip.h"

namespace fs = std::filesystem;
using namespace reelpack;
using namespace reelpack::test;

namespace {

// Short enough to read as one line of a terminal (a file name and a reason).
constexpr size_t kShortMessage = 600;

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

const std::string kTenMegabytes = repeat("x", 10'000'000);
const std::string kNul(1, '\0');
const std::string kBinaryJunk = [] {
  std::string s;
  for (int i = 0; i < 4096; ++i) s += static_cast<char>((i * 167 + 13) % 256);
  return s;
}();

// UTF-16 of ASCII `text`, little or big endian, with or without a byte-order mark.
std::string utf16(const std::string& text, bool little_endian, bool bom) {
  std::string out;
  if (bom) out = little_endian ? "\xFF\xFE" : "\xFE\xFF";
  for (const char c : text) {
    out += little_endian ? std::string{c, '\0'} : std::string{'\0', c};
  }
  return out;
}

// A refusal as the contract wants it: one line, short, naming what it should.
void check_message(const std::string& message, const std::vector<std::string>& mentions) {
  INFO("message: " << message.substr(0, 2000));
  CHECK(message.size() < kShortMessage);
  CHECK(message.find('\n') == std::string::npos);
  CHECK(message.find('\0') == std::string::npos);
  for (const std::string& m : mentions) CHECK_THAT(message, Catch::Contains(m));
}

// The message of the UsageError `f` throws (FAILs when it throws none or another kind).
template <class F>
std::string usage_error(F&& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  FAIL("expected a UsageError");
  return "";
}

// --- presets ------------------------------------------------------------------------------

std::string preset_error(const TempDir& dir, const std::string& name, const std::string& text) {
  const fs::path file = dir / name;
  write_file(file, text);
  const PresetLoader loader({dir.path()});
  return usage_error([&] { loader.load(file.string()); });
}

}  // namespace

TEST_CASE("malformed preset files name the file and the line", "[corrupt][presets]") {
  TempDir dir;
  struct Case {
    std::string name, text;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      {"garbage.ini", "[video]\ncrf = 20\nthis is not ini\n", {"line 3", "neither a [section]"}},
      {"nul.ini", "[video]\ncrf = 2" + kNul + "0\n", {"not a text file"}},
      {"junk.ini", kBinaryJunk, {"not a text file"}},
      {"utf16.ini", utf16("[video]\ncrf = 20\n", true, true), {"not a text file"}},
      {"huge-line.ini", "[video]\n" + kTenMegabytes + "\n", {"line 2", "neither"}},
      {"huge-value.ini",
       "[video]\nencoder-preset = " + kTenMegabytes + "\n",
       {"line 2", "[video] encoder-preset"}},
      {"huge-number.ini", "[video]\ncrf = 1" + kTenMegabytes + "\n", {"line 2", "[video] crf"}},
      {"huge-key.ini", "[video]\n" + kTenMegabytes + " = 1\n", {"line 2", "unknown key"}},
      {"twice.ini",
       "[video]\ncrf = 20\n[audio]\nchannels = 2\n[video]\ncrf = 22\n",
       {"line 6", "[video] crf is given twice", "line 2"}},
      {"invalid.ini", "[video]\n\n# comment\ncrf = 99\n", {"line 4", "out of range"}},
      {"odd.ini", "[video]\nwidth = 1081\n", {"line 2", "odd"}},
      {"unknown.ini",
       "[video]\ncrf = 20\n[bogus]\nkey = 1\n",
       {"line 4", "unknown key [bogus] key"}},
      {"no-key.ini", "[video]\n= 20\n", {"line 2", "no key"}},
      {"empty-section.ini", "[]\ncrf = 20\n", {"line 1", "no section"}},
      {"control.ini", "[video]\nencoder-preset = \x1b[31mred\n", {"line 2", "\\x1b"}},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const std::string err = preset_error(dir, c.name, c.text);
    std::vector<std::string> mentions = c.mentions;
    mentions.push_back((dir / c.name).string());
    check_message(err, mentions);
  }
}

TEST_CASE("preset files as editors save them still load", "[corrupt][presets]") {
  TempDir dir;
  const PresetLoader loader({dir.path()});
  // Windows line ends and a byte-order mark; a section given twice with different keys.
  write_file(dir / "crlf.ini",
             "\xEF\xBB\xBF[video]\r\ncrf = 20\r\n[audio]\r\nchannels = 1\r\n"
             "[video]\r\nbframes = 0\r\n");
  const Preset p = loader.load((dir / "crlf.ini").string());
  CHECK(p.video.crf == 20);
  CHECK(p.video.bframes == 0);
  CHECK(p.audio.channels == 1);
}

// --- manifests ----------------------------------------------------------------------------

namespace {

std::string manifest_error(const std::string& text, ManifestFormat format) {
  return usage_error([&] {
    std::istringstream in(text);
    parse_manifest(in, "/seasons/season.csv", format);
  });
}

}  // namespace

TEST_CASE("malformed CSV manifests name the file and the line", "[corrupt][manifest]") {
  const std::string at = "/seasons/season.csv line ";
  struct Case {
    std::string text;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      // A NUL would cut the path short: ep01.mp4 would be read instead of the row's file.
      {"input,presets\nep01.mp4" + kNul + ".junk,tiktok\n", {at + "2:", "NUL"}},
      {utf16("input,presets\nep01.mp4,tiktok\n", true, true), {at + "1:", "UTF-16"}},
      {utf16("input,presets\nep01.mp4,tiktok\n", false, true), {at + "1:", "UTF-16"}},
      {utf16("input,presets\nep01.mp4,tiktok\n", true, false), {at + "1:", "NUL"}},
      {kBinaryJunk, {at}},
      {"input,presets\r\nep01.mp4\r\n", {at + "2:", "1 fields, but the header has 2"}},
      {"input,title\nep01.mp4,A\n", {at + "1:", "no 'presets' column"}},
      {kTenMegabytes + ",input,presets\nep01.mp4,tiktok\n", {at + "1:", "unknown column"}},
      {"input,presets,ranges\nep01.mp4,tiktok," + kTenMegabytes + "\n", {at + "2:", "ranges"}},
      {"input,presets,ranges\nep01.mp4,tiktok,1" + kTenMegabytes + "-2\n", {at + "2:", "ranges"}},
      {"input,presets,reframe\nep01.mp4,tiktok," + kTenMegabytes + "\n", {at + "2:", "reframe"}},
      {"input,presets,name\nep01.mp4,tiktok,." + kTenMegabytes + "\n", {at + "2:", "name"}},
      {"input,presets\nep01.mp4,\"tiktok" + kTenMegabytes + "\n", {at + "2:", "never closed"}},
  };
  int i = 0;
  for (const Case& c : cases) {
    INFO("case " << i++);
    check_message(manifest_error(c.text, ManifestFormat::Csv), c.mentions);
  }
}

TEST_CASE("CSV manifests with a BOM, CRLF and file names that are not UTF-8 are read",
          "[corrupt][manifest]") {
  std::istringstream in(
      "\xEF\xBB\xBFinput,presets,title\r\nep\xff\x01.mp4,tiktok,Caf\xc3\xa9\r\n"
      "\r\nep02.mp4,tiktok;douyin,\"two\r\nlines\"\r\n");
  const Manifest m = parse_manifest(in, "/seasons/season.csv", ManifestFormat::Csv);
  REQUIRE(m.rows.size() == 2);
  CHECK(m.rows[0].input == fs::path("/seasons/ep\xff\x01.mp4"));
  CHECK(m.rows[0].title == "Caf\xc3\xa9");
  CHECK(m.rows[1].line == 4);
  CHECK(m.rows[1].presets.size() == 2);
}

TEST_CASE("a manifest of 200000 rows is read in one pass", "[corrupt][manifest]") {
  std::string text = "input,presets,name\n";
  for (int i = 0; i < 200'000; ++i) {
    text += "ep" + std::to_string(i) + ".mp4,tiktok;douyin,e" + std::to_string(i) + "\n";
  }
  std::istringstream in(text);
  const Manifest m = parse_manifest(in, "/seasons/season.csv", ManifestFormat::Csv);
  CHECK(m.rows.size() == 200'000);
  CHECK(m.rows.back().line == 200'001);
}

TEST_CASE("malformed JSON Lines manifests name the file and the line", "[corrupt][manifest]") {
  const std::string at = "/seasons/season.csv line ";
  const std::string row = "{\"input\": \"ep01.mp4\", \"presets\": \"tiktok\"}\n";
  struct Case {
    std::string text;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      // Nesting deep enough to overflow a recursive walk (this crashed before).
      {row + "{\"input\": " + repeat("[", 1'000'000) + "\n", {at + "2:", "nested deeper than 256"}},
      {row + repeat("[", 257) + repeat("]", 257) + "\n", {at + "2:", "nested deeper than 256"}},
      {row + "{\"input\": \"a\", \"presets\": " + repeat("{\"a\":", 300) + "1" + repeat("}", 300) +
           "}\n",
       {at + "2:", "nested deeper"}},
      {row + "{\"input\": \"a" + kNul + "\", \"presets\": \"tiktok\"}\n", {at + "2:", "NUL"}},
      {utf16(row, true, true), {at + "1:", "UTF-16"}},
      {row + "{\"input\": \"ep\xff.mp4\", \"presets\": \"tiktok\"}\n",
       {at + "2:", "not valid JSON"}},
      {row + "{\"input\": \"" + kTenMegabytes + "\n", {at + "2:", "not valid JSON"}},
      {row + "{\"" + kTenMegabytes + "\": 1}\n", {at + "2:", "unknown field"}},
      {row + "{\"input\": \"a\"}\n", {at + "2:", "presets is empty"}},
      {row + kBinaryJunk.substr(0, 200) + "\n", {at + "2:"}},
  };
  int i = 0;
  for (const Case& c : cases) {
    INFO("case " << i++);
    check_message(manifest_error(c.text, ManifestFormat::JsonLines), c.mentions);
  }
}

TEST_CASE("JSON Lines with a BOM and CRLF are read, nesting up to the limit parses",
          "[corrupt][manifest]") {
  std::istringstream in(
      "\xEF\xBB\xBF{\"input\": \"ep01.mp4\", \"presets\": [\"tiktok\"]}\r\n\r\n"
      "{\"input\": \"ep02.mp4\", \"presets\": \"tiktok\"}\r\n");
  const Manifest m = parse_manifest(in, "/seasons/season.jsonl", ManifestFormat::JsonLines);
  REQUIRE(m.rows.size() == 2);
  CHECK(m.rows[1].line == 3);
  const std::string deepest = repeat("[", kMaxJsonDepth) + repeat("]", kMaxJsonDepth);
  CHECK_NOTHROW(parse_json_text(deepest));
  // Brackets inside strings are text, not nesting.
  CHECK(parse_json_text("[\"" + repeat("[", 1000) + "\\\"\"]")[0].get<std::string>().size() ==
        1001);
  CHECK_THROWS_AS(parse_json_text("[" + deepest + "]"), nlohmann::json::parse_error);
}

// --- ranges (cut, package --range, manifests' ranges) -------------------------------------

TEST_CASE("malformed ranges are quoted short and escaped", "[corrupt][ranges]") {
  const std::vector<std::string> bad = {
      kTenMegabytes,
      "1-" + kTenMegabytes,
      "f" + repeat("9", 1000) + "-f2",
      repeat("0", 100) + "1-2",
      "1" + kNul + "-2",
      "1-2\x1b[2J",
      "\xff\xfe-1",
      repeat("1:", 100000) + "1-2",
  };
  for (const std::string& text : bad) {
    const std::string err = usage_error([&] { parse_range(text); });
    check_message(err, {"--range"});
    CHECK(err.find('\x1b') == std::string::npos);
  }
}

// --- crop paths ---------------------------------------------------------------------------

namespace {

std::string crop_path_error(const TempDir& dir, const std::string& name, const std::string& text) {
  const fs::path file = dir / name;
  write_file(file, text);
  const CropGeometry geometry{{1920, 1080}, {608, 1080}};
  const FrameTimes times = FrameTimes::constant_rate({30, 1}, 60);
  return usage_error([&] { read_crop_path(file, geometry, times); });
}

}  // namespace

TEST_CASE("malformed crop paths name the file and the line", "[corrupt][crop-path]") {
  TempDir dir;
  const std::string header = std::string(kCropPathHeader) + "\n";
  struct Case {
    std::string name, text, mention;
  };
  const std::vector<Case> cases = {
      {"junk.csv", kBinaryJunk, ":1:"},
      {"nul.csv", header + "0,,10" + kNul + ",0,,\n", ":2: not UTF-8 text"},
      {"utf16.csv", utf16(header + "0,,10,0,,\n", true, true), ":1: not UTF-8 text"},
      {"utf16be.csv", utf16(header + "0,,10,0,,\n", false, false), ":1: not UTF-8 text"},
      {"huge-line.csv", header + kTenMegabytes + "\n", ":2: expected 6 fields"},
      {"huge-frame.csv", header + "1" + kTenMegabytes + ",,0,0,,\n", ":2: frame"},
      {"huge-x.csv", header + "0,," + repeat("1", 5'000'000) + ",0,,\n", ":2:"},
      {"huge-pts.csv", header + ",1" + repeat("0", 5'000'000) + ",0,0,,\n", ":2: pts_seconds"},
      {"long-zero.csv", header + repeat("0", 5'000'000) + "7,,0,0,608,1081\n", ":2: height"},
      {"control.csv", header + "\x1b[2J,,0,0,,\n", ":2: frame '\\x1b"},
      {"missing.csv", header + "0,,,0,,\n", ":2: x is missing"},
      {"twice.csv", header + "3,,0,0,,\n# again\n3,,2,0,,\n",
       ":4: frame 3 is already keyed on line 2"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    check_message(crop_path_error(dir, c.name, c.text), {(dir / c.name).string() + c.mention});
  }
}

TEST_CASE("a crop path with a BOM and CRLF is read", "[corrupt][crop-path]") {
  TempDir dir;
  write_file(dir / "edited.csv", "\xEF\xBB\xBF" + std::string(kCropPathHeader) +
                                     "\r\n0,,100,0,,\r\n\r\n59,,200,0,608,1080\r\n");
  const CropGeometry geometry{{1920, 1080}, {608, 1080}};
  const auto windows =
      read_crop_path(dir / "edited.csv", geometry, FrameTimes::constant_rate({30, 1}, 60));
  REQUIRE(windows.size() == 60);
  CHECK(windows.front().x_px == 100);
  CHECK(windows.back().x_px == 200);
}

// --- subtitles ----------------------------------------------------------------------------

namespace {

const std::string kSrt =
    "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 --> 00:00:04,500\nAgain\n";

}  // namespace

TEST_CASE("subtitle files that are not SRT text are refused naming the file",
          "[corrupt][subtitles]") {
  TempDir dir;
  struct Case {
    std::string name, text;
  };
  const std::vector<Case> cases = {
      {"junk.srt", kBinaryJunk},
      {"zeros.srt", std::string(100000, '\0')},
      {"utf16le.srt", utf16(kSrt, true, false)},
      {"utf16be.srt", utf16(kSrt, false, false)},
      {"empty.srt", ""},
      {"huge-line.srt", kTenMegabytes},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    write_file(dir / c.name, c.text);
    const std::string err = usage_error([&] { read_subtitles({dir / c.name, "eng", ""}); });
    check_message(err, {(dir / c.name).string()});
  }
}

TEST_CASE("UTF-16 subtitles with a byte-order mark are decoded", "[corrupt][subtitles]") {
  TempDir dir;
  for (const bool little : {true, false}) {
    INFO((little ? "little" : "big") << " endian");
    const fs::path file = dir / (little ? "le.srt" : "be.srt");
    write_file(file, utf16(kSrt, little, true));
    const SubtitleTrack track = read_subtitles({file, "eng", ""});
    REQUIRE(track.cues.size() == 2);
    CHECK_THAT(track.cues[0].event, Catch::EndsWith("Hello"));
    CHECK(track.cues[1].end_us == 4'500'000);
  }
}

TEST_CASE("a subtitles file past the size limit is refused before it is read",
          "[corrupt][subtitles]") {
  TempDir dir;
  // 50 MB of well-formed cues: more than any episode's subtitles.
  std::string text;
  text.reserve(52'000'000);
  const auto srt_time = [](int64_t us) {
    std::string t = format_time(us);  // 00:01:02.500, SRT writes 00:01:02,500
    std::replace(t.begin(), t.end(), '.', ',');
    return t;
  };
  for (int64_t i = 0; text.size() < 50'000'000; ++i) {
    text += std::to_string(i + 1) + "\n" + srt_time(i * 10'000) + " --> " +
            srt_time(i * 10'000 + 5'000) + "\nLine " + std::to_string(i) + "\n\n";
  }
  write_file(dir / "huge.srt", text);
  const std::string err = usage_error([&] { read_subtitles({dir / "huge.srt", "eng", ""}); });
  check_message(err, {(dir / "huge.srt").string(), "MB"});
}

// --- the binary: exit codes and the one stderr line ---------------------------------------

namespace {

fs::path small_clip(const TempDir& dir) {
  return make_clip(dir / "ep01.mp4",
                   "-f lavfi -i testsrc2=s=320x180:r=30:d=1 -f lavfi -i sine=d=1 -c:v libx264 "
                   "-preset ultrafast -pix_fmt yuv420p -c:a aac -shortest");
}

const std::vector<std::string> kSmall = {
    "--video.width", "180", "--video.height", "320", "--video.encoder-preset", "ultrafast"};

// The lines of stderr that report an error (progress lines also go to stderr).
std::vector<std::string> error_lines(const std::string& err) {
  std::vector<std::string> out;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) {
    if (line.find("error") != std::string::npos) out.push_back(line);
  }
  return out;
}

// A usage error as the user sees it: exit 2, one line on stderr naming each of `mentions`.
void check_refused(const RunResult& r, const std::vector<std::string>& mentions) {
  INFO("exit " << r.exit_code << ", stderr:\n" << r.err.substr(0, 2000));
  CHECK(r.exit_code == 2);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.size() < kShortMessage);
  for (const std::string& m : mentions) CHECK_THAT(r.err, Catch::Contains(m));
}

}  // namespace

TEST_CASE("the binary refuses malformed text inputs with one line naming file and line",
          "[corrupt][cli]") {
  TempDir dir;
  const fs::path clip = small_clip(dir);
  const fs::path out = dir / "out";
  const auto package = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"package", clip.string(), "-o", out.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), kSmall.begin(), kSmall.end());
    return run_reelpack(args);
  };

  write_file(dir / "bad.ini", "base = tiktok\n[video]\ncrf = 20\n" + kTenMegabytes + "\n");
  check_refused(package({"-p", (dir / "bad.ini").string()}),
                {(dir / "bad.ini").string() + " line 4"});

  write_file(dir / "junk.srt", kBinaryJunk);
  check_refused(package({"-p", "tiktok", "--subtitles", (dir / "junk.srt").string()}),
                {(dir / "junk.srt").string()});

  // A cue that is not UTF-8 was dropped without a word; now it names its line (the cue's
  // timing line).
  write_file(dir / "latin1.srt",
             "1\n00:00:00,100 --> 00:00:00,400\nHello\n\n"
             "2\n00:00:00,500 --> 00:00:00,900\nCaf\xe9\n");
  check_refused(package({"-p", "tiktok", "--subtitles", (dir / "latin1.srt").string()}),
                {(dir / "latin1.srt").string() + " line 6", "UTF-8"});

  write_file(dir / "crop.csv", std::string(kCropPathHeader) + "\n0,,0,0,,\n" + kBinaryJunk + "\n");
  check_refused(package({"-p", "tiktok", "--reframe", "smart", "--crop-path-in",
                         (dir / "crop.csv").string()}),
                {(dir / "crop.csv").string() + ":3:"});

  // As long as one argument may be (Linux: 128 kB).
  check_refused(package({"-p", "tiktok", "--range", "0-" + repeat("9", 100'000)}), {"--range"});
  CHECK(list_dir(out).empty());

  const auto batch = [&](const fs::path& manifest) {
    std::vector<std::string> args = {"batch", manifest.string(), "-o", out.string()};
    args.insert(args.end(), kSmall.begin(), kSmall.end());
    return run_reelpack(args);
  };
  write_file(dir / "deep.jsonl",
             "{\"input\": \"ep01.mp4\", \"presets\": \"tiktok\"}\n"
             "{\"input\": " +
                 repeat("[", 1'000'000) + "\n");
  check_refused(batch(dir / "deep.jsonl"), {(dir / "deep.jsonl").string() + " line 2", "nested"});
  write_file(dir / "nul.csv", "input,presets\nep01.mp4" + kNul + "x,tiktok\n");
  check_refused(batch(dir / "nul.csv"), {(dir / "nul.csv").string() + " line 2", "NUL"});
  CHECK(list_dir(out).empty());
}

// --- a full disk, a file-size limit -------------------------------------------------------

namespace {

// Two presets of very different sizes: "small" (180x320 at crf 40, some 60 kB for 2 s)
// and "big" (1080x1920 at crf 5, some 4 MB).
void write_size_presets(const fs::path& folder) {
  const std::string common =
      "[video]\nencoder-preset = ultrafast\n[safe-area]\ntop = 0\nbottom = 0\nleft = 0\n"
      "right = 0\n";
  write_file(folder / "small.ini",
             "base = tiktok\n" + common + "[video]\nwidth = 180\nheight = 320\ncrf = 40\n");
  write_file(
      folder / "big.ini",
      "base = tiktok\n" + common + "[video]\nwidth = 1080\nheight = 1920\ncrf = 5\nmaxrate = 0\n");
}

fs::path sized_clip(const TempDir& dir) {
  return make_clip(dir / "ep.mp4",
                   "-f lavfi -i testsrc2=s=640x360:r=30:d=2 -f lavfi -i sine=d=2 -c:v libx264 "
                   "-preset ultrafast -pix_fmt yuv420p -c:a aac -shortest");
}

// reelpack run with a file-size limit of `limit_kb` (ulimit -f, in KiB for bash), with
// SIGXFSZ ignored so that a write past it fails with EFBIG as on a full disk.
RunResult run_limited(int limit_kb, const std::vector<std::string>& args) {
  return run("bash -c " + shell_quote("ulimit -f " + std::to_string(limit_kb) + "; trap '' XFSZ; " +
                                      reelpack_command(args)));
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// A small tmpfs at `dir` (root, and a container that allows mounts); unmounted when done.
class SmallDisk {
 public:
  SmallDisk(const fs::path& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir);
    mounted_ = ::geteuid() == 0 && run("mount -t tmpfs -o size=" + size + " tmpfs " +
                                       shell_quote(dir.string()) + " 2>/dev/null")
                                           .exit_code == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount(dir_.c_str());
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool mounted() const { return mounted_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
};

}  // namespace

TEST_CASE("an output past the file-size limit fails alone and replaces nothing",
          "[corrupt][disk-full]") {
  TempDir dir;
  write_size_presets(dir / "presets");
  const fs::path clip = sized_clip(dir);
  const fs::path out = dir / "out";
  const std::vector<std::string> args = {"package", clip.string(),
                                         "-p",      (dir / "presets/small.ini").string(),
                                         "-p",      (dir / "presets/big.ini").string(),
                                         "-o",      out.string()};
  // A first run without a limit: both outputs, the big one well over 1 MB.
  const RunResult first = run_reelpack(args);
  REQUIRE(first.exit_code == 0);
  const fs::path big = out / "ep.big.mp4", small = out / "ep.small.mp4";
  const std::string big_before = slurp(big);
  REQUIRE(big_before.size() > 1'500'000);
  REQUIRE(fs::file_size(small) < 500'000);
  fs::remove(small);

  const RunResult r = run_limited(1000, args);
  INFO("stderr:\n" << r.err);
  CHECK(r.exit_code == 1);
  const std::vector<std::string> errors = error_lines(r.err);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::Contains(big.string()) && Catch::Contains("File too large") &&
                            Catch::Contains("ulimit -f"));
  // The output that fitted is written, the one that did not is the previous run's still.
  CHECK(fs::exists(small));
  CHECK(number_field(first_stream(ffprobe(small), "video"), "nb_frames") == 60);
  CHECK(slurp(big) == big_before);
  CHECK(temporaries(dir.path()).empty());
}

TEST_CASE("a batch row whose output does not fit fails, the next rows go on",
          "[corrupt][disk-full]") {
  TempDir dir;
  write_size_presets(dir / "presets");
  sized_clip(dir);
  write_file(dir / "season.csv",
             "input,presets,name\nep.mp4,presets/small.ini,one\nep.mp4,presets/big.ini,two\n"
             "ep.mp4,presets/small.ini,three\n");
  const fs::path out = dir / "out";
  const RunResult r =
      run_limited(1000, {"batch", (dir / "season.csv").string(), "-o", out.string(), "-j", "1"});
  INFO("stderr:\n" << r.err);
  CHECK(r.exit_code == 1);
  const nlohmann::json report = read_json(out / "report.json");
  REQUIRE(report["rows"].size() == 3);
  CHECK(report["rows"][0]["status"] == "ok");
  CHECK(report["rows"][1]["status"] == "failed");
  CHECK_THAT(report["rows"][1]["reason"].get<std::string>(),
             Catch::Contains("two.big.mp4") && Catch::Contains("File too large"));
  CHECK(report["rows"][2]["status"] == "ok");
  CHECK(fs::exists(out / "one.small.mp4"));
  CHECK(fs::exists(out / "three.small.mp4"));
  CHECK(!fs::exists(out / "two.big.mp4"));
  CHECK(temporaries(dir.path()).empty());
}

TEST_CASE("a full disk fails the output that does not fit, names it, leaves nothing",
          "[corrupt][disk-full]") {
  TempDir dir;
  write_size_presets(dir / "presets");
  const fs::path clip = sized_clip(dir);
  const SmallDisk disk(dir / "disk", "2m");
  REELPACK_SKIP_IF(!disk.mounted(), "cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)");
  const fs::path out = dir / "disk/out";
  // An earlier output under the final name, which a failed run must not replace.
  write_file(out / "ep.big.mp4", "an earlier episode");

  const RunResult r = run_reelpack(
      {"package", clip.string(), "-p", (dir / "presets/big.ini").string(), "-o", out.string()});
  INFO("stderr:\n" << r.err);
  CHECK(r.exit_code == 1);
  const std::vector<std::string> errors = error_lines(r.err);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0],
             Catch::Contains((out / "ep.big.mp4").string()) && Catch::Contains("the disk is full"));
  CHECK(slurp(out / "ep.big.mp4") == "an earlier episode");
  CHECK(temporaries(dir / "disk").empty());

  // In a batch the space the failed row's temporary took is given back to the next row.
  write_file(dir / "season.csv",
             "input,presets,name\nep.mp4,presets/big.ini,two\nep.mp4,presets/small.ini,three\n");
  const RunResult b =
      run_reelpack({"batch", (dir / "season.csv").string(), "-o", out.string(), "-j", "1"});
  INFO("batch stderr:\n" << b.err);
  CHECK(b.exit_code == 1);
  const nlohmann::json report = read_json(out / "report.json");
  REQUIRE(report["rows"].size() == 2);
  CHECK(report["rows"][0]["status"] == "failed");
  CHECK_THAT(report["rows"][0]["reason"].get<std::string>(), Catch::Contains("disk is full"));
  CHECK(report["rows"][1]["status"] == "ok");
  CHECK(fs::exists(out / "three.small.mp4"));
  CHECK(temporaries(dir / "disk").empty());
}
