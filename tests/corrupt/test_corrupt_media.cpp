// Corrupt and extreme inputs through every verb that reads media: truncated files, flipped
// bytes at fixed seeds, wrong extensions, odd and extreme sizes, huge and negative
// timestamps, a rotated VFR clip, many streams, lying duration headers. Every input is made
// at test time (ffmpeg's lavfi sources, then bytes changed here) in a temporary folder.
//
// Each run must either succeed with an output ffprobe reads (with a video stream when the
// verb writes video), or fail with exit 1 (2 where the docs say a verb refuses the input)
// and exactly one line on stderr naming the input; never a signal, never longer than
// kRunLimitSeconds, and never a leftover: no .reelpack-tmp-* in the output folder or
// $TMPDIR, and nothing under a final name after a failure. See tests/corrupt/README.md.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/media.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace reelpack::test;

namespace {

// Killed (SIGKILL) after this long: a hang fails the case instead of the whole suite.
constexpr int kRunLimitSeconds = 60;

// Small outputs, fast encodes: the point is the input, not the picture.
const std::vector<std::string> kFast = {"--video.encoder-preset", "ultrafast"};
const std::vector<std::string> kSmallPreset = {
    "-p",       "tiktok", "--video.width", "180", "--video.height", "320", "--video.encoder-preset",
    "ultrafast"};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// ---- inputs ------------------------------------------------------------------------------

const std::string kBaseClip =
    "-f lavfi -i testsrc2=s=320x240:r=30:d=3 -f lavfi -i sine=f=440:d=3 -c:v libx264 "
    "-preset ultrafast -g 30 -pix_fmt yuv420p -c:a aac -shortest";

fs::path base_mp4(const TempDir& dir, const std::string& name, bool faststart) {
  return make_clip(dir / name, kBaseClip + (faststart ? " -movflags +faststart" : ""));
}

fs::path truncated(const fs::path& whole, size_t keep, const fs::path& out) {
  std::string bytes = read_bytes(whole);
  REQUIRE(keep < bytes.size());
  bytes.resize(keep);
  write_file(out, bytes);
  return out;
}

// `percent_tenths` / 1000 of the bytes from `from` on are XORed with a random nonzero byte;
// positions and values come from a fixed-seed mt19937 (raw outputs, so the same on every
// standard library).
fs::path flipped(const fs::path& whole, size_t from, unsigned seed, const fs::path& out) {
  std::string bytes = read_bytes(whole);
  REQUIRE(from < bytes.size());
  std::mt19937 rng(seed);
  const size_t span = bytes.size() - from;
  const size_t flips = std::max<size_t>(1, span / 200);  // 0.5%
  for (size_t i = 0; i < flips; ++i) {
    const size_t at = from + rng() % span;
    bytes[at] = static_cast<char>(static_cast<unsigned char>(bytes[at]) ^ (1 + rng() % 255));
  }
  write_file(out, bytes);
  return out;
}

uint32_t be32(const std::string& b, size_t at) {
  return (uint32_t(uint8_t(b[at])) << 24) | (uint32_t(uint8_t(b[at + 1])) << 16) |
         (uint32_t(uint8_t(b[at + 2])) << 8) | uint32_t(uint8_t(b[at + 3]));
}

void put_be32(std::string& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
}

// An MP4 whose movie header (mvhd) and every track's media header (mdhd) declare
// `numerator / denominator` times their real duration (version 0 boxes, as ffmpeg writes).
fs::path lying_mp4(const fs::path& whole, uint32_t numerator, uint32_t denominator,
                   const fs::path& out) {
  std::string bytes = read_bytes(whole);
  int patched = 0;
  for (const std::string box : {"mvhd", "mdhd"}) {
    for (size_t at = bytes.find(box); at != std::string::npos; at = bytes.find(box, at + 4)) {
      REQUIRE(bytes[at + 4] == 0);  // version 0: 32-bit times
      // type, version+flags, creation, modification, timescale, duration
      const size_t duration = at + 4 + 4 + 4 + 4 + 4;
      put_be32(bytes, duration,
               static_cast<uint32_t>(uint64_t(be32(bytes, duration)) * numerator / denominator));
      ++patched;
    }
  }
  REQUIRE(patched >= 3);  // the movie, its video and its audio track
  write_file(out, bytes);
  return out;
}

// A Matroska file whose Segment Info Duration (EBML id 0x4489, an 8-byte float as ffmpeg
// writes it) says `factor` times the real duration.
fs::path lying_mkv(const fs::path& whole, double factor, const fs::path& out) {
  std::string bytes = read_bytes(whole);
  const size_t at = bytes.find("\x44\x89\x88");
  REQUIRE(at != std::string::npos);
  uint64_t raw = 0;
  for (int i = 0; i < 8; ++i) raw = (raw << 8) | uint8_t(bytes[at + 3 + i]);
  double value;
  std::memcpy(&value, &raw, 8);
  value *= factor;
  std::memcpy(&raw, &value, 8);
  for (int i = 0; i < 8; ++i) bytes[at + 3 + i] = static_cast<char>((raw >> (56 - 8 * i)) & 0xff);
  write_file(out, bytes);
  return out;
}

// A tiny valid PNG (ffmpeg writes it) under another name.
fs::path png_named(const TempDir& dir, const fs::path& out) {
  const fs::path png =
      make_clip(dir / "still.png", "-f lavfi -i testsrc2=s=64x48 -frames:v 1 -c:v png");
  fs::rename(png, out);
  return out;
}

// ---- verbs -------------------------------------------------------------------------------

enum class Writes { kVideo, kShots, kCover, kEpisodes, kNothing };

struct Verb {
  std::string name;
  Writes writes;
  // Exit 2 is documented for this verb on some valid-looking inputs (cut --copy --exact
  // refuses what it cannot re-encode exactly).
  bool may_refuse = false;
  std::function<std::vector<std::string>(const fs::path& in, const fs::path& out)> args;
};

const std::vector<Verb>& all_verbs() {
  static const std::vector<Verb> verbs = [] {
    std::vector<Verb> v;
    for (const std::string mode : {"center", "pad", "blur", "smart"}) {
      v.push_back({"package " + mode, Writes::kVideo, false,
                   [mode](const fs::path& in, const fs::path& out) {
                     return std::vector<std::string>{"package",    in.string(), "-o",
                                                     out.string(), "--reframe", mode} +
                            kSmallPreset;
                   }});
    }
    v.push_back({"cut", Writes::kVideo, false, [](const fs::path& in, const fs::path& out) {
                   return std::vector<std::string>{"cut",     in.string(),
                                                   "-o",      (out / "cut.mp4").string(),
                                                   "--range", "0.5-1.5"} +
                          kFast;
                 }});
    v.push_back({"cut --copy", Writes::kVideo, false, [](const fs::path& in, const fs::path& out) {
                   return std::vector<std::string>{
                       "cut",     in.string(), "-o",    (out / "cut.mp4").string(),
                       "--range", "0.5-1.5",   "--copy"};
                 }});
    v.push_back(
        {"cut --copy --exact", Writes::kVideo, true, [](const fs::path& in, const fs::path& out) {
           return std::vector<std::string>{
               "cut",     in.string(), "-o",      (out / "cut.mp4").string(), "--range",
               "0.5-1.5", "--copy",    "--exact", "--video.encoder-preset",   "ultrafast"};
         }});
    v.push_back({"shots", Writes::kShots, false, [](const fs::path& in, const fs::path& out) {
                   return std::vector<std::string>{"shots", in.string(), "-o",
                                                   (out / "shots.csv").string()};
                 }});
    v.push_back({"thumbs", Writes::kCover, false, [](const fs::path& in, const fs::path& out) {
                   return std::vector<std::string>{"thumbs", in.string(), "-o", out.string(),
                                                   "-n",     "1",         "-p", "tiktok"};
                 }});
    v.push_back({"split", Writes::kEpisodes, false, [](const fs::path& in, const fs::path& out) {
                   return std::vector<std::string>{"split",    in.string(), "-o",    out.string(),
                                                   "--target", "1.5",       "--min", "0.5",
                                                   "--max",    "2.5"};
                 }});
    v.push_back({"check", Writes::kNothing, false, [](const fs::path& in, const fs::path&) {
                   return std::vector<std::string>{"check", in.string(), "-p", "tiktok"};
                 }});
    v.push_back({"probe", Writes::kNothing, false, [](const fs::path& in, const fs::path&) {
                   return std::vector<std::string>{"probe", in.string(), "--json"};
                 }});
    return v;
  }();
  return verbs;
}

std::vector<Verb> verbs_named(const std::vector<std::string>& names) {
  std::vector<Verb> picked;
  for (const Verb& v : all_verbs()) {
    if (std::find(names.begin(), names.end(), v.name) != names.end()) picked.push_back(v);
  }
  REQUIRE(picked.size() == names.size());
  return picked;
}

// The verbs the byte-flip seeds go through (the rest see each other input once).
const std::vector<std::string> kFlipVerbs = {"package center", "cut", "shots", "thumbs", "probe"};

// ---- running and judging -------------------------------------------------------------------

// ffprobe's streams and format, or nullopt when ffprobe cannot read the file.
std::optional<json> probe_file(const fs::path& file) {
  const RunResult r = run("ffprobe -v error -print_format json -show_format -show_streams " +
                          shell_quote(file.string()));
  if (r.exit_code != 0) return std::nullopt;
  try {
    return json::parse(r.out);
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

bool has_video(const fs::path& file) {
  const auto p = probe_file(file);
  return p && !first_stream(*p, "video").is_null();
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> found;
  if (!fs::exists(dir)) return found;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) found.push_back(e.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// An input, and whether a verb may refuse it as a usage error (exit 2), as the README's
// exit codes say: no video stream, or a picture `cut` cannot encode at its own size.
struct Input {
  Input(fs::path p, bool r = false) : path(std::move(p)), refusable(r) {}
  fs::path path;
  bool refusable;
};

struct Tally {
  int inputs = 0;
  int runs = 0;
};

// Checks what a successful run left in `out`: the output the verb writes, readable.
void check_outputs(const Verb& verb, const fs::path& in, const fs::path& out, const RunResult& r) {
  const std::string stem = in.stem().string();
  switch (verb.writes) {
    case Writes::kVideo: {
      const fs::path file =
          verb.name.starts_with("package") ? out / (stem + ".tiktok.mp4") : out / "cut.mp4";
      INFO("output " << file);
      CHECK(has_video(file));
      break;
    }
    case Writes::kShots: {
      const std::string csv = read_bytes(out / "shots.csv");
      CHECK(csv.starts_with("index,"));
      break;
    }
    case Writes::kCover: {
      std::vector<fs::path> covers;
      for (const auto& f : files_in(out)) {
        if (f.filename().string().starts_with(stem + ".tiktok.")) covers.push_back(f);
      }
      REQUIRE(!covers.empty());
      for (const auto& c : covers) {
        INFO("cover " << c);
        CHECK(has_video(c));
      }
      break;
    }
    case Writes::kEpisodes: {
      int episodes = 0;
      for (const auto& f : files_in(out)) {
        if (f.extension() != ".mp4") continue;
        INFO("episode " << f);
        CHECK(has_video(f));
        ++episodes;
      }
      CHECK(episodes > 0);
      CHECK(fs::is_regular_file(out / "cutlist.csv"));
      break;
    }
    case Writes::kNothing:
      if (verb.name == "probe") {
        CHECK(json::accept(r.out));
      } else {
        CHECK(!r.out.empty());
      }
      break;
  }
}

// One verb on one input, in its own output folder and $TMPDIR, judged by the contract in
// the header comment.
void try_verb(const Verb& verb, const Input& input, const TempDir& dir, Tally& tally) {
  const fs::path& in = input.path;
  const std::string tag = in.filename().string() + " | " + verb.name;
  const fs::path work = dir / ("run-" + std::to_string(tally.runs++));
  const fs::path out = work / "out", tmp = work / "tmp";
  fs::create_directories(out);
  fs::create_directories(tmp);
  const std::string command = "TMPDIR=" + shell_quote(tmp.string()) + " timeout -s KILL " +
                              std::to_string(kRunLimitSeconds) + " env " +
                              reelpack_command(verb.args(in, out));
  const auto start = std::chrono::steady_clock::now();
  const RunResult r = run(command);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const size_t lines = std::count(r.err.begin(), r.err.end(), '\n');
  const std::string first_line = r.err.substr(0, r.err.find('\n'));
  std::cout << "corrupt: " << tag << ": exit " << r.exit_code << " in " << seconds << " s"
            << (r.exit_code != 0 ? ": " + first_line : "") << "\n";

  INFO(tag << ": exit " << r.exit_code << " after " << seconds << " s\nstderr:\n" << r.err);
  CHECK(r.exit_code <= 128);  // a signal, or killed by the time limit
  CHECK(temporaries(out).empty());
  CHECK(temporaries(tmp).empty());
  if (r.exit_code == 0) {
    check_outputs(verb, in, out, r);
  } else if (verb.name == "check" && r.exit_code == 1 && r.err.empty()) {
    // A rule failed: the report is on stdout.
    CHECK_THAT(r.out, Catch::Contains("FAIL"));
  } else {
    const bool allowed =
        r.exit_code == 1 || (r.exit_code == 2 && (verb.may_refuse || input.refusable));
    CHECK(allowed);
    CHECK(lines == 1);
    CHECK(!r.err.empty());
    if (!r.err.empty()) CHECK(r.err.back() == '\n');
    CHECK_THAT(r.err, Catch::Contains(in.filename().string()));
    CHECK(files_in(out).empty());  // nothing under a final name
  }
}

void try_all(const std::vector<Input>& inputs, const std::vector<Verb>& verbs, const TempDir& dir,
             const std::string& what) {
  Tally tally;
  for (const Input& in : inputs) {
    ++tally.inputs;
    for (const Verb& v : verbs) try_verb(v, in, dir, tally);
  }
  WARN(what << ": " << tally.inputs << " inputs x " << verbs.size() << " verbs = " << tally.runs
            << " runs");
}

}  // namespace

TEST_CASE("corrupt: a valid clip passes every verb (the control)", "[corrupt]") {
  TempDir dir;
  try_all({base_mp4(dir, "control.mp4", false), base_mp4(dir, "control-faststart.mp4", true)},
          all_verbs(), dir, "control");
}

TEST_CASE("corrupt: truncated files", "[corrupt][truncated]") {
  TempDir dir;
  const fs::path fast = base_mp4(dir, "whole-faststart.mp4", true);
  const fs::path slow = base_mp4(dir, "whole.mp4", false);
  const size_t size = fs::file_size(fast);
  std::vector<Input> inputs;
  for (int percent : {1, 10, 50, 90}) {
    inputs.push_back(
        truncated(fast, size * percent / 100, dir / ("trunc-" + std::to_string(percent) + ".mp4")));
  }
  // moov at the end: cut in the middle of it.
  const auto [moov, mdat] = moov_mdat_offsets(slow);
  REQUIRE(moov > mdat);
  const size_t moov_size = be32(read_bytes(slow), moov);
  inputs.push_back(truncated(slow, moov + moov_size / 2, dir / "trunc-mid-moov.mp4"));
  const fs::path mkv = make_clip(dir / "whole.mkv", kBaseClip);
  inputs.push_back(truncated(mkv, fs::file_size(mkv) / 2, dir / "trunc-50.mkv"));
  const fs::path ts = make_clip(dir / "whole.ts", kBaseClip);
  inputs.push_back(truncated(ts, fs::file_size(ts) / 2, dir / "trunc-50.ts"));
  try_all(inputs, all_verbs(), dir, "truncated");
}

TEST_CASE("corrupt: empty files and wrong extensions", "[corrupt][names]") {
  TempDir dir;
  std::vector<Input> inputs;
  write_file(dir / "empty.mp4", "");
  inputs.push_back(dir / "empty.mp4");
  const fs::path mp4 = base_mp4(dir, "real.mp4", false);
  fs::rename(mp4, dir / "mp4-named.mkv");
  inputs.push_back(dir / "mp4-named.mkv");
  write_file(dir / "notes.mp4", "Episode 1, scene 4: INT. OFFICE - NIGHT\nShe signs.\n");
  inputs.push_back(dir / "notes.mp4");
  inputs.push_back({png_named(dir, dir / "png-named.mp4"), true});  // 64x48: too small for cut
  try_all(inputs, all_verbs(), dir, "names");
}

TEST_CASE("corrupt: one kind of stream only", "[corrupt][streams]") {
  // Without video, every verb but probe and check refuses the input (exit 2).
  TempDir dir;
  std::vector<Input> inputs;
  inputs.push_back(
      {make_clip(dir / "audio-only.mp4", "-f lavfi -i sine=f=440:d=3 -c:a aac"), true});
  inputs.push_back(make_clip(dir / "video-only.mp4",
                             "-f lavfi -i testsrc2=s=320x240:r=30:d=3 -c:v libx264 -preset "
                             "ultrafast -g 30 -pix_fmt yuv420p"));
  try_all(inputs, all_verbs(), dir, "one kind of stream");
}

TEST_CASE("corrupt: many streams", "[corrupt][streams]") {
  TempDir dir;
  write_file(dir / "dialogue.srt",
             "1\n00:00:00,500 --> 00:00:01,500\nHello.\n\n2\n00:00:02,000 --> "
             "00:00:02,800\nGoodbye.\n");
  // 2 video streams, 8 audio (different tones), 2 subtitle tracks.
  std::string args =
      "-f lavfi -i testsrc2=s=320x240:r=30:d=3 -f lavfi -i smptebars=s=160x120:r=25:d=3 ";
  for (int i = 1; i <= 8; ++i) args += "-f lavfi -i sine=f=" + std::to_string(200 * i) + ":d=3 ";
  const std::string srt = shell_quote((dir / "dialogue.srt").string());
  args += "-i " + srt + " -i " + srt + " ";
  for (int i = 0; i < 12; ++i) args += "-map " + std::to_string(i) + " ";
  args += "-c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p -c:a aac ";
  std::vector<Input> inputs;
  inputs.push_back(make_clip(dir / "many-streams.mkv", args + "-c:s srt"));
  inputs.push_back(make_clip(dir / "many-streams.mp4", args + "-c:s mov_text"));
  try_all(inputs, all_verbs(), dir, "many streams");
}

TEST_CASE("corrupt: extreme and odd picture sizes", "[corrupt][sizes]") {
  TempDir dir;
  std::vector<Input> inputs;
  // x264 needs even sizes in 4:2:0: 4:4:4 for odd ones, and FFV1 4:2:0 in Matroska. cut
  // refuses (exit 2) to encode 1x1 and 4000x4 at their own size.
  inputs.push_back({make_clip(dir / "one-pixel.mp4",
                              "-f lavfi -i testsrc2=s=64x64:r=30:d=2 -f lavfi -i sine=d=2 -vf "
                              "scale=1:1 -c:v libx264 -preset ultrafast -pix_fmt yuv444p -c:a aac "
                              "-shortest"),
                    true});
  inputs.push_back(make_clip(dir / "8k.mp4",
                             "-f lavfi -i testsrc2=s=7680x4320:r=1:d=2 -c:v libx264 -preset "
                             "ultrafast -pix_fmt yuv420p"));
  inputs.push_back({make_clip(dir / "strip-4000x4.mp4",
                              "-f lavfi -i testsrc2=s=4000x4:r=30:d=2 -c:v libx264 -preset "
                              "ultrafast -pix_fmt yuv420p"),
                    true});
  inputs.push_back(make_clip(dir / "odd-321x239.mp4",
                             "-f lavfi -i testsrc2=s=321x239:r=30:d=2 -f lavfi -i sine=d=2 -c:v "
                             "libx264 -preset ultrafast -pix_fmt yuv444p -c:a aac -shortest"));
  inputs.push_back(make_clip(dir / "odd-321x239.mkv",
                             "-f lavfi -i testsrc2=s=321x239:r=30:d=2 -c:v ffv1 -pix_fmt yuv420p"));
  try_all(inputs, all_verbs(), dir, "sizes");
}

TEST_CASE("corrupt: huge and negative timestamps and a rotated VFR clip", "[corrupt][timestamps]") {
  TempDir dir;
  std::vector<Input> inputs;
  // MPEG-TS timestamps are 33 bits at 90 kHz: this one wraps about 1.7 s in.
  inputs.push_back(make_clip(dir / "wraps.ts", kBaseClip + " -output_ts_offset 95442"));
  inputs.push_back(make_clip(dir / "starts-late.mkv", kBaseClip + " -output_ts_offset 1000000"));
  inputs.push_back(make_clip(dir / "negative.mkv",
                             kBaseClip + " -output_ts_offset -1 -avoid_negative_ts disabled"));
  inputs.push_back(make_clip(dir / "audio-early.mp4",
                             "-itsoffset -5 -f lavfi -i sine=d=8 -f lavfi -i "
                             "testsrc2=s=320x240:r=30:d=3 -map 1:v -map 0:a -c:v libx264 -preset "
                             "ultrafast -g 30 -pix_fmt yuv420p -c:a aac"));
  // 30 fps for a second, then 10 fps; a display matrix of 90 degrees.
  const fs::path vfr = make_clip(dir / "vfr-plain.mp4",
                                 "-f lavfi -i testsrc2=s=320x240:r=30:d=3 -vf "
                                 "\"setpts='if(lt(N,30),N/30,1+(N-30)/10)/TB'\" -vsync vfr -c:v "
                                 "libx264 -preset ultrafast -g 30 -pix_fmt yuv420p");
  inputs.push_back(make_clip(dir / "vfr-rotated.mp4", "-i " + shell_quote(vfr.string()) +
                                                          " -c copy -metadata:s:v rotate=90"));
  try_all(inputs, all_verbs(), dir, "timestamps");
}

TEST_CASE("corrupt: lying duration headers", "[corrupt][duration]") {
  TempDir dir;
  const fs::path mp4 = base_mp4(dir, "honest.mp4", true);
  const fs::path mkv = make_clip(dir / "honest.mkv", kBaseClip);
  std::vector<Input> inputs;
  inputs.push_back(lying_mp4(mp4, 10, 1, dir / "claims-longer.mp4"));
  inputs.push_back(lying_mp4(mp4, 1, 4, dir / "claims-shorter.mp4"));
  inputs.push_back(lying_mkv(mkv, 100, dir / "claims-longer.mkv"));
  inputs.push_back(lying_mkv(mkv, 0.25, dir / "claims-shorter.mkv"));
  try_all(inputs, all_verbs(), dir, "duration");
}

namespace {
// Seeds [first, first + count): half flip bytes of the MP4's media data only (the index
// intact: damaged pictures and audio), half anything after the first 64 bytes (the index
// too), in MP4 and Matroska.
void flip_seeds(unsigned first, unsigned count) {
  TempDir dir;
  const fs::path mp4 = base_mp4(dir, "clean.mp4", true);
  const fs::path mkv = make_clip(dir / "clean.mkv", kBaseClip);
  const auto [moov, mdat] = moov_mdat_offsets(mp4);
  REQUIRE(mdat > moov);
  // Damage can leave a file that a verb refuses as documented (its video stream gone, a
  // picture of 73921x240): exit 2 is allowed, still one line naming the input.
  std::vector<Input> inputs;
  for (unsigned seed = first; seed < first + count; ++seed) {
    const std::string s = std::to_string(seed);
    switch (seed % 3) {
      case 0:
        inputs.push_back({flipped(mp4, 64, seed, dir / ("flip-" + s + "-any.mp4")), true});
        break;
      case 1:
        inputs.push_back({flipped(mp4, mdat + 8, seed, dir / ("flip-" + s + "-mdat.mp4")), true});
        break;
      default:
        inputs.push_back({flipped(mkv, 64, seed, dir / ("flip-" + s + ".mkv")), true});
        break;
    }
  }
  try_all(inputs, verbs_named(kFlipVerbs), dir,
          "byte flips " + std::to_string(first) + ".." + std::to_string(first + count - 1));
}
}  // namespace

TEST_CASE("corrupt: flipped bytes at seeds 1 to 10", "[corrupt][flips]") {
  flip_seeds(1, 10);
}

TEST_CASE("corrupt: flipped bytes at seeds 11 to 20", "[corrupt][flips]") {
  flip_seeds(11, 10);
}
