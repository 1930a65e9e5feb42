// `reelpack package` end to end: clips made with ffmpeg's lavfi sources, packaged by the
// real binary, checked with ffprobe facts and PSNR floors against renders of the same
// crop or fit made by the ffmpeg command line (never exact bytes of an encode).
//
// Most runs shrink the output to 360x640 and use x264's ultrafast preset so the suite stays
// quick on two cores; the delivery-spec test keeps the preset's own encoder settings.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "support/media.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace reelpack::test;

namespace {

constexpr int kW = 360, kH = 640;  // the shrunken preset size used by most tests
const std::vector<std::string> kSmall = {"--video.width",          std::to_string(kW),
                                         "--video.height",         std::to_string(kH),
                                         "--video.encoder-preset", "ultrafast"};

// Sources are tagged BT.709 so references need no colour-matrix conversion (untagged SD is
// converted, which the colour test checks on its own).
const std::string kEncode =
    " -c:v libx264 -preset ultrafast -pix_fmt yuv420p"
    " -colorspace bt709 -color_primaries bt709 -color_trc bt709";

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string joined(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += " " + a;
  return s;
}

fs::path output_path(const fs::path& input, const std::string& preset, const fs::path& outdir) {
  return outdir / (input.stem().string() + "." + preset + ".mp4");
}

// Packages `input` for one preset, REQUIREs success and returns the output path.
fs::path package_one(const fs::path& input, const std::string& preset, const fs::path& outdir,
                     const std::vector<std::string>& extra = kSmall) {
  const std::vector<std::string> args =
      std::vector<std::string>{"package", input.string(), "-p", preset, "-o", outdir.string()} +
      extra;
  const RunResult r = run_reelpack(args);
  INFO("reelpack" << joined(args) << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  const fs::path out = output_path(input, preset, outdir);
  REQUIRE(fs::is_regular_file(out));
  return out;
}

// The first output of `reelpack package --dry-run --json`.
json dry_run_plan(const fs::path& input, const std::string& preset,
                  const std::vector<std::string>& extra) {
  const std::vector<std::string> args =
      std::vector<std::string>{"package", input.string(),         "-p",        preset,
                               "-o",      "/nonexistent-dry-run", "--dry-run", "--json"} +
      extra;
  const RunResult r = run_reelpack(args);
  INFO("reelpack" << joined(args) << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  REQUIRE(j["outputs"].size() == 1);
  return j["outputs"][0];
}

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
  std::string filter() const {
    return "crop=" + std::to_string(w) + ":" + std::to_string(h) + ":" + std::to_string(x) + ":" +
           std::to_string(y);
  }
};

Rect planned_crop(const json& plan) {
  const json& c = plan["crop"];
  return {c["x"].get<int>(), c["y"].get<int>(), c["width"].get<int>(), c["height"].get<int>()};
}

// The planned crop is the largest centred region with the output's display aspect
// (within 2 px: sizes and offsets are rounded to even numbers for 4:2:0).
void check_centred_crop(const Rect& c, int src_w, int src_h, double sar, int out_w, int out_h) {
  const double out_aspect = static_cast<double>(out_w) / out_h;
  double w = src_w, h = src_h;
  if (src_w * sar / src_h > out_aspect) {
    w = src_h * out_aspect / sar;
  } else {
    h = src_w * sar / out_aspect;
  }
  INFO("crop " << c.w << "x" << c.h << "+" << c.x << "+" << c.y << " of " << src_w << "x" << src_h
               << ", ideal " << w << "x" << h);
  CHECK(std::abs(c.w - w) <= 2);
  CHECK(std::abs(c.h - h) <= 2);
  CHECK(std::abs(c.x - (src_w - w) / 2) <= 2);
  CHECK(std::abs(c.y - (src_h - h) / 2) <= 2);
  CHECK(c.w % 2 == 0);
  CHECK(c.h % 2 == 0);
}

// Where the whole picture lands in pad and blur modes: fitted inside the output, centred,
// even sizes and offsets (rounded down) for 4:2:0.
Rect fit_rect(int display_w, int display_h, int out_w, int out_h) {
  const double aspect = static_cast<double>(display_w) / display_h;
  auto even = [](double v) { return 2 * static_cast<int>(std::lround(v / 2)); };
  Rect r{0, 0, out_w, out_h};
  if (aspect > static_cast<double>(out_w) / out_h) {
    r.h = std::min(out_h, even(out_w / aspect));
    r.y = 2 * ((out_h - r.h) / 4);
  } else {
    r.w = std::min(out_w, even(out_h * aspect));
    r.x = 2 * ((out_w - r.w) / 4);
  }
  return r;
}

// Renders `input` through `filters` with the ffmpeg command line (which applies rotation
// itself) as a lossless reference, and returns the PSNR of `output` against it.
double psnr_vs_ffmpeg(const fs::path& input, const std::string& filters, const fs::path& output,
                      const fs::path& reference) {
  make_clip(reference, "-i " + shell_quote(input.string()) + " -an -vf " +
                           shell_quote(filters + ",format=yuv420p") + " -c:v ffv1");
  return psnr(reference, output);
}

// The same region of an output, cut out losslessly, to compare part of a picture.
fs::path cut(const fs::path& file, const Rect& r, const fs::path& out) {
  return make_clip(out,
                   "-i " + shell_quote(file.string()) + " -an -vf " + r.filter() + " -c:v ffv1");
}

Rect inset(Rect r, int by) {
  return {r.x + by, r.y + by, r.w - 2 * by, r.h - 2 * by};
}

// The bars around a fitted picture, kept 24 px clear of it: the encoder's ringing and
// deblocking stay inside the 16x16 blocks the picture's edge crosses.
std::vector<Rect> bars_around(const Rect& fit, int out_w, int out_h) {
  constexpr int kMargin = 24, kMin = 8;
  std::vector<Rect> bars;
  if (fit.y - kMargin >= kMin) bars.push_back({0, 0, out_w, fit.y - kMargin});
  const int below = fit.y + fit.h + kMargin;
  if (out_h - below >= kMin) bars.push_back({0, below, out_w, out_h - below});
  if (fit.x - kMargin >= kMin) bars.push_back({0, 0, fit.x - kMargin, out_h});
  const int right = fit.x + fit.w + kMargin;
  if (out_w - right >= kMin) bars.push_back({right, 0, out_w - right, out_h});
  return bars;
}

// The largest gap between key frames, counting the stretch after the last one.
double max_keyframe_gap_s(const std::vector<FrameFact>& frames) {
  double last_key = -1, gap = 0;
  for (const FrameFact& f : frames) {
    if (f.key) {
      if (last_key >= 0) gap = std::max(gap, f.pts_s - last_key);
      last_key = f.pts_s;
    }
  }
  if (!frames.empty() && last_key >= 0) gap = std::max(gap, frames.back().pts_s - last_key);
  return gap;
}

int key_frames(const std::vector<FrameFact>& frames) {
  return static_cast<int>(
      std::count_if(frames.begin(), frames.end(), [](auto& f) { return f.key; }));
}

double duration_s(const json& stream) {
  return number_field(stream, "duration");
}

// Inputs for the reframe tests: wide, 4:3, already vertical, narrower than 9:16, odd-sized
// and rotated.
struct Source {
  std::string name;
  fs::path path;
  int display_w, display_h;
  size_t bars;  // bars pad mode adds at 360x640: 2 above and below, 2 beside, or none
};

std::vector<Source> reframe_sources(const TempDir& dir) {
  std::vector<Source> s;
  auto plain = [&](const std::string& name, int w, int h, const std::string& pix_fmt, size_t bars) {
    const fs::path p = dir / (name + ".mp4");
    std::string enc = kEncode;
    if (pix_fmt != "yuv420p") enc.replace(enc.find("yuv420p"), 7, pix_fmt);
    make_clip(p, "-f lavfi -i testsrc2=s=" + std::to_string(w) + "x" + std::to_string(h) +
                     ":r=30:d=1" + enc);
    s.push_back({name, p, w, h, bars});
  };
  plain("wide", 640, 360, "yuv420p", 2);
  plain("four-three", 480, 360, "yuv420p", 2);
  plain("vertical", 360, 640, "yuv420p", 0);
  plain("tall", 320, 720, "yuv420p", 2);  // narrower than 9:16: bars beside
  // Odd sizes cannot be 4:2:0; x264 takes them as 4:4:4.
  plain("odd", 641, 359, "yuv444p", 2);
  // Recordings shown turned by their display matrix (FFmpeg 5.1 writes the matrix from the
  // rotate tag when remuxing): landscape shown portrait, and upside down.
  auto rotated = [&](const std::string& name, int tag, int w, int h, size_t bars) {
    const fs::path p = make_clip(dir / (name + ".mp4"),
                                 "-i " + shell_quote(s[0].path.string()) +
                                     " -c copy -metadata:s:v:0 rotate=" + std::to_string(tag));
    s.push_back({name, p, w, h, bars});
  };
  rotated("rotated", 90, 360, 640, 0);
  rotated("upside-down", 180, 640, 360, 2);
  return s;
}

// ffprobe's rotation from the display matrix side data; 0 when there is none.
int side_data_rotation(const fs::path& file) {
  json v = first_stream(ffprobe(file), "video");
  for (const auto& sd : v.value("side_data_list", json::array())) {
    if (sd.contains("rotation")) return sd["rotation"].get<int>();
  }
  return 0;
}

void check_vertical_output(const fs::path& out, int w = kW, int h = kH) {
  json v = first_stream(ffprobe(out), "video");
  REQUIRE(v.is_object());
  CHECK(v["width"] == w);
  CHECK(v["height"] == h);
  CHECK(v.value("sample_aspect_ratio", "1:1") == "1:1");
  CHECK(v["pix_fmt"] == "yuv420p");
}

}  // namespace

TEST_CASE("a tiktok package meets the preset's delivery spec", "[package][spec]") {
  TempDir dir;
  const fs::path in =
      make_clip(dir / "episode.mp4",
                "-f lavfi -i testsrc2=s=640x360:r=30:d=3 -f lavfi -i sine=f=440:d=3:r=44100" +
                    kEncode + " -c:a aac -shortest");
  // Half the preset's 1080x1920 (still inside its safe area) with its own x264 settings, so
  // the profile is what the preset delivers.
  const fs::path out =
      package_one(in, "tiktok", dir / "out", {"--video.width", "540", "--video.height", "960"});

  json info = ffprobe(out);
  json v = first_stream(info, "video");
  json a = first_stream(info, "audio");
  REQUIRE(v.is_object());
  CHECK(v["codec_name"] == "h264");
  CHECK(v["profile"] == "High");
  CHECK(v["width"] == 540);
  CHECK(v["height"] == 960);
  CHECK(v["pix_fmt"] == "yuv420p");
  CHECK(v.value("sample_aspect_ratio", "1:1") == "1:1");
  CHECK(v["color_space"] == "bt709");
  CHECK(v["color_primaries"] == "bt709");
  CHECK(v["color_transfer"] == "bt709");
  CHECK(v.value("field_order", "progressive") == "progressive");
  CHECK(v["r_frame_rate"] == "30/1");
  CHECK(v["avg_frame_rate"] == "30/1");

  const double src_duration = duration_s(first_stream(ffprobe(in), "video"));
  CHECK(std::abs(duration_s(v) - src_duration) <= 1.0 / 30 + 1e-3);

  REQUIRE(a.is_object());
  CHECK(a["codec_name"] == "aac");
  CHECK(a["sample_rate"] == "48000");
  CHECK(a["channels"] == 2);
  CHECK(std::abs(duration_s(a) - duration_s(v)) < 0.1);

  const auto [moov, mdat] = moov_mdat_offsets(out);
  CHECK(moov >= 0);
  CHECK(mdat >= 0);
  CHECK(moov < mdat);

  // tiktok: a key frame at least every 2 s.
  const auto frames = video_frames(out);
  REQUIRE(frames.size() == 90);
  CHECK(frames.front().key);
  CHECK(max_keyframe_gap_s(frames) <= 2.0 + 0.5 / 30);
  CHECK(key_frames(frames) >= 2);

  // The picture is the centre of the source (colours untouched: the source is BT.709).
  const Rect crop =
      planned_crop(dry_run_plan(in, "tiktok", {"--video.width", "540", "--video.height", "960"}));
  check_centred_crop(crop, 640, 360, 1.0, 540, 960);
  CHECK(psnr_vs_ffmpeg(in, crop.filter() + ",scale=540:960", out, dir / "ref.nut") >= 30);
}

TEST_CASE("youtube-shorts keeps its 0.5 s GOP", "[package][spec]") {
  TempDir dir;
  const fs::path in = make_clip(dir / "episode.mp4",
                                "-f lavfi -i testsrc2=s=640x360:r=30:d=3 -f lavfi -i sine=d=3" +
                                    kEncode + " -c:a aac -shortest");
  const fs::path out = package_one(in, "youtube-shorts", dir / "out");
  const auto frames = video_frames(out);
  REQUIRE(frames.size() == 90);
  CHECK(frames.front().key);
  CHECK(max_keyframe_gap_s(frames) <= 0.5 + 0.5 / 30);
  CHECK(key_frames(frames) >= 6);
  json a = first_stream(ffprobe(out), "audio");
  REQUIRE(a.is_object());
  CHECK(a["sample_rate"] == "48000");
}

TEST_CASE("one decode feeds several presets", "[package][multi]") {
  TempDir dir;
  const fs::path in =
      make_clip(dir / "ep01.mp4", "-f lavfi -i testsrc2=s=640x360:r=30:d=3 -f lavfi -i sine=d=3" +
                                      kEncode + " -c:a aac -shortest");
  const fs::path outdir = dir / "out";
  const std::vector<std::string> presets = {"tiktok", "youtube-shorts", "instagram-reels"};
  const std::vector<std::string> args =
      std::vector<std::string>{"package",  in.string(),      "-p",     presets[0],
                               "-p",       presets[1],       "-p",     presets[2],
                               "-o",       outdir.string(),  "--json", "--video.width",
                               "540",      "--video.height", "960",    "--video.encoder-preset",
                               "ultrafast"};
  const RunResult r = run_reelpack(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);

  json summary = json::parse(r.out);
  CHECK(summary["ok"] == true);
  CHECK(summary["frames_decoded"] == 90);  // each source frame decoded once, not once per preset
  REQUIRE(summary["outputs"].size() == 3);
  CHECK(list_dir(outdir).size() == 3);  // nothing else (no temporaries) left behind

  const std::map<std::string, double> gop_s = {
      {"tiktok", 2.0}, {"youtube-shorts", 0.5}, {"instagram-reels", 2.0}};
  for (size_t i = 0; i < presets.size(); ++i) {
    const json& o = summary["outputs"][i];
    INFO(o.dump());
    CHECK(o["ok"] == true);
    CHECK(o["preset"] == presets[i]);
    CHECK(o["video_frames"] == 90);
    const fs::path path = o["path"].get<std::string>();
    CHECK(path == output_path(in, presets[i], outdir));
    REQUIRE(fs::is_regular_file(path));
    CHECK(o["size_bytes"] == static_cast<int64_t>(fs::file_size(path)));
    check_vertical_output(path, 540, 960);
    json info = ffprobe(path);
    CHECK(first_stream(info, "video")["codec_name"] == "h264");
    CHECK(first_stream(info, "audio")["codec_name"] == "aac");
    const auto frames = video_frames(path);
    CHECK(frames.size() == 90);
    CHECK(max_keyframe_gap_s(frames) <= gop_s.at(presets[i]) + 0.5 / 30);
  }
}

namespace {
// MD5 of a file's first video (or audio) stream's packets, copied as they are: equal
// digests mean the same coded stream, whatever the container around it.
std::string stream_md5(const fs::path& file, const std::string& map) {
  const RunResult r = run("ffmpeg -nostdin -v error -i " + shell_quote(file.string()) + " -map " +
                          map + " -c copy -f md5 -");
  REQUIRE(r.exit_code == 0);
  return r.out;
}
}  // namespace

TEST_CASE("presets that differ only in audio share one video encode", "[package][multi][share]") {
  TempDir dir;
  const fs::path in =
      make_clip(dir / "ep01.mp4", "-f lavfi -i testsrc2=s=640x360:r=30:d=5 -f lavfi -i sine=d=5" +
                                      kEncode + " -c:a aac -shortest");
  const fs::path outdir = dir / "out";
  // 5 s: snapchat-spotlight's shortest. Same video settings; douyin AAC 128k, bilibili-vertical
  // 192k, snapchat-spotlight 192k normalised to -16 LUFS. youtube-shorts (0.5 s GOP) needs a video
  // encode of its own.
  const std::vector<std::string> presets = {"douyin", "bilibili-vertical", "snapchat-spotlight",
                                            "youtube-shorts"};
  std::vector<std::string> args = {"package", in.string(), "-o", outdir.string()};
  for (const auto& p : presets) args = args + std::vector<std::string>{"-p", p};
  args = args + kSmall;

  const RunResult plan = run_reelpack(args + std::vector<std::string>{"--dry-run", "--json"});
  INFO(plan.err);
  REQUIRE(plan.exit_code == 0);
  const json planned = json::parse(plan.out)["outputs"];
  const std::string douyin = output_path(in, "douyin", outdir).string();
  CHECK(planned[0]["same_video_as"].is_null());
  CHECK(planned[1]["same_video_as"] == douyin);
  CHECK(planned[2]["same_video_as"] == douyin);
  CHECK(planned[3]["same_video_as"].is_null());
  for (const json& o : planned) CHECK(o["same_encode_as"].is_null());
  const RunResult text = run_reelpack(args + std::vector<std::string>{"--dry-run"});
  CHECK_THAT(text.out, Catch::Contains("video packets shared with " + douyin));

  const RunResult r = run_reelpack(args + std::vector<std::string>{"--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json summary = json::parse(r.out);
  REQUIRE(summary["outputs"].size() == 4);
  CHECK(list_dir(outdir).size() == 4);
  CHECK(summary["outputs"][1]["video_shared_from"] == douyin);
  CHECK(summary["outputs"][2]["video_shared_from"] == douyin);
  CHECK(summary["outputs"][3]["video_shared_from"].is_null());
  std::vector<fs::path> paths;
  for (const json& o : summary["outputs"]) {
    INFO(o.dump());
    CHECK(o["ok"] == true);
    CHECK(o["encode"] == "own");
    paths.emplace_back(o["path"].get<std::string>());
    check_vertical_output(paths.back(), kW, kH);
    CHECK(video_frames(paths.back()).size() == 150);
    // Each output still meets its own preset.
    const RunResult c = run_reelpack(
        std::vector<std::string>{"check", paths.back().string(), "-p", o["preset"]} + kSmall);
    INFO(c.out << c.err);
    CHECK(c.exit_code == 0);
  }
  // One video stream, three files; the fourth was encoded on its own (other GOP).
  const std::string video = stream_md5(paths[0], "0:v");
  CHECK(stream_md5(paths[1], "0:v") == video);
  CHECK(stream_md5(paths[2], "0:v") == video);
  CHECK(stream_md5(paths[3], "0:v") != video);
  // Each its own audio: other bit rates, and snapchat's loudness normalisation.
  CHECK(stream_md5(paths[0], "0:a") != stream_md5(paths[1], "0:a"));
  CHECK(stream_md5(paths[1], "0:a") != stream_md5(paths[2], "0:a"));
  CHECK(std::abs(max_volume_db(paths[2]) - max_volume_db(paths[1])) > 1.0);
  // The tag names the preset the file is for.
  CHECK_THAT(ffprobe(paths[1])["format"]["tags"]["comment"].get<std::string>(),
             Catch::Contains("bilibili-vertical") && !Catch::Contains("douyin"));
}

TEST_CASE("center reframe crops the middle of any input to the exact size", "[package][reframe]") {
  TempDir dir;
  for (const Source& s : reframe_sources(dir)) {
    INFO(s.name);
    const fs::path out = package_one(s.path, "youtube-shorts", dir / ("center-" + s.name),
                                     kSmall + std::vector<std::string>{"--reframe", "center"});
    check_vertical_output(out);
    json plan = dry_run_plan(s.path, "youtube-shorts", kSmall);
    CHECK(plan["reframe"] == "center");
    const Rect crop = planned_crop(plan);
    check_centred_crop(crop, s.display_w, s.display_h, 1.0, kW, kH);
    CHECK(psnr_vs_ffmpeg(s.path,
                         crop.filter() + ",scale=" + std::to_string(kW) + ":" + std::to_string(kH),
                         out, dir / (s.name + ".center.nut")) >= 30);
  }
}

TEST_CASE("pad reframe fits the whole picture over black bars", "[package][reframe]") {
  TempDir dir;
  for (const Source& s : reframe_sources(dir)) {
    INFO(s.name);
    const fs::path out = package_one(s.path, "youtube-shorts", dir / ("pad-" + s.name),
                                     kSmall + std::vector<std::string>{"--reframe", "pad"});
    check_vertical_output(out);
    const Rect fit = fit_rect(s.display_w, s.display_h, kW, kH);
    INFO("fit " << fit.filter());

    // The whole source, scaled into the fit rectangle (inset a little: edges blend).
    const Rect inner = inset(fit, 6);
    const std::string ref = "scale=" + std::to_string(fit.w) + ":" + std::to_string(fit.h) + "," +
                            Rect{6, 6, inner.w, inner.h}.filter();
    CHECK(psnr_vs_ffmpeg(s.path, ref, cut(out, inner, dir / (s.name + ".pad-inner.nut")),
                         dir / (s.name + ".pad-ref.nut")) >= 30);

    // Black bars (video range: 16) where the picture does not reach.
    const auto bars = bars_around(fit, kW, kH);
    CHECK(bars.size() == s.bars);
    for (const Rect& bar : bars) {
      INFO("bar " << bar.filter());
      const LumaStats luma = luma_stats(out, bar.filter());
      CHECK(luma.mean <= 17);
      CHECK(luma.max <= 20);
    }
  }
}

TEST_CASE("blur reframe fits the whole picture over a blurred fill", "[package][reframe]") {
  TempDir dir;
  for (const Source& s : reframe_sources(dir)) {
    INFO(s.name);
    const fs::path out = package_one(s.path, "youtube-shorts", dir / ("blur-" + s.name),
                                     kSmall + std::vector<std::string>{"--reframe", "blur"});
    check_vertical_output(out);
    const Rect fit = fit_rect(s.display_w, s.display_h, kW, kH);
    INFO("fit " << fit.filter());
    const Rect inner = inset(fit, 6);
    const std::string ref = "scale=" + std::to_string(fit.w) + ":" + std::to_string(fit.h) + "," +
                            Rect{6, 6, inner.w, inner.h}.filter();
    CHECK(psnr_vs_ffmpeg(s.path, ref, cut(out, inner, dir / (s.name + ".blur-inner.nut")),
                         dir / (s.name + ".blur-ref.nut")) >= 30);
    // Where pad has bars, the blurred picture fills in (testsrc2 is bright and colourful).
    const auto bars = bars_around(fit, kW, kH);
    CHECK(bars.size() == s.bars);
    for (const Rect& bar : bars) {
      INFO("fill " << bar.filter());
      CHECK(luma_stats(out, bar.filter()).mean >= 40);
    }
  }
}

TEST_CASE("rotated inputs come out upright", "[package][reframe][rotation]") {
  TempDir dir;
  const fs::path base =
      make_clip(dir / "base.mp4", "-f lavfi -i testsrc2=s=640x360:r=30:d=1" + kEncode);
  for (const int tag : {90, 180, 270}) {
    INFO("rotate=" << tag);
    const std::string name = "rot" + std::to_string(tag);
    const fs::path in = make_clip(dir / (name + ".mp4"),
                                  "-i " + shell_quote(base.string()) +
                                      " -c copy -metadata:s:v:0 rotate=" + std::to_string(tag));
    // The test input really carries a display matrix.
    REQUIRE(std::abs(side_data_rotation(in)) == (tag == 180 ? 180 : 90));
    const bool portrait = tag != 180;

    const fs::path out = package_one(in, "youtube-shorts", dir / name);
    check_vertical_output(out);
    const Rect crop = planned_crop(dry_run_plan(in, "youtube-shorts", kSmall));
    check_centred_crop(crop, portrait ? 360 : 640, portrait ? 640 : 360, 1.0, kW, kH);
    // ffmpeg's command line applies the display matrix itself: the same crop of its upright
    // picture matches, the picture turned half round does not.
    const std::string upright =
        crop.filter() + ",scale=" + std::to_string(kW) + ":" + std::to_string(kH);
    CHECK(psnr_vs_ffmpeg(in, upright, out, dir / (name + ".ref.nut")) >= 30);
    CHECK(psnr_vs_ffmpeg(in, upright + ",hflip,vflip", out, dir / (name + ".wrong.nut")) < 20);
  }
}

TEST_CASE("untagged SD input is converted to BT.709 colours", "[package][colour]") {
  TempDir dir;
  // No colour tags on a 360-line picture: BT.601, as players assume.
  const fs::path in = make_clip(
      dir / "sd.mp4",
      "-f lavfi -i smptebars=s=640x360:r=30:d=1 -c:v libx264 -preset ultrafast -pix_fmt yuv420p");
  REQUIRE(first_stream(ffprobe(in), "video").value("color_space", "unknown") == "unknown");
  const fs::path out = package_one(in, "youtube-shorts", dir / "out");
  json v = first_stream(ffprobe(out), "video");
  CHECK(v["color_space"] == "bt709");
  const Rect crop = planned_crop(dry_run_plan(in, "youtube-shorts", kSmall));
  const std::string geometry =
      crop.filter() + ",scale=" + std::to_string(kW) + ":" + std::to_string(kH);
  const double converted = psnr_vs_ffmpeg(
      in, geometry + ":in_color_matrix=bt601:out_color_matrix=bt709", out, dir / "bt709.nut");
  const double unconverted = psnr_vs_ffmpeg(in, geometry, out, dir / "raw.nut");
  CHECK(converted >= 35);
  CHECK(converted > unconverted + 3);
}

TEST_CASE("non-square pixels come out square at the preset size", "[package][sar]") {
  TempDir dir;
  // 720x576 PAL at 4:3 (16:15) and anamorphic 16:9 (64:45).
  for (const auto& [sar_text, sar] :
       std::vector<std::pair<std::string, double>>{{"16/15", 16.0 / 15}, {"64/45", 64.0 / 45}}) {
    INFO("SAR " << sar_text);
    const std::string name = "pal" + std::to_string(static_cast<int>(sar * 100));
    const fs::path in =
        make_clip(dir / (name + ".mp4"),
                  "-f lavfi -i testsrc2=s=720x576:r=25:d=1 -vf setsar=" + sar_text + kEncode);
    json src = first_stream(ffprobe(in), "video");
    std::string expected_sar = sar_text;
    expected_sar[expected_sar.find('/')] = ':';
    REQUIRE(src["sample_aspect_ratio"] == expected_sar);

    const fs::path out = package_one(in, "youtube-shorts", dir / name);
    check_vertical_output(out);
    const Rect crop = planned_crop(dry_run_plan(in, "youtube-shorts", kSmall));
    check_centred_crop(crop, 720, 576, sar, kW, kH);  // in stored pixels
    CHECK(psnr_vs_ffmpeg(in,
                         crop.filter() + ",scale=" + std::to_string(kW) + ":" + std::to_string(kH) +
                             ",setsar=1",  // the source's 25 fps is kept (24-60 fps)
                         out, dir / (name + ".ref.nut")) >= 30);
  }
}

TEST_CASE("interlaced input is deinterlaced", "[package][interlaced]") {
  TempDir dir;
  // 50 progressive frames a second woven into 25 top-field-first interlaced frames.
  const fs::path in =
      make_clip(dir / "pal-i.mp4",
                "-f lavfi -i testsrc2=s=720x576:r=50:d=2 "
                "-vf tinterlace=mode=interleave_top,setfield=tff -flags +ilme+ildct" +
                    kEncode);
  json src = first_stream(ffprobe(in), "video");
  REQUIRE((src.value("field_order", "") == "tt" || src.value("field_order", "") == "tb"));

  const fs::path out = package_one(in, "youtube-shorts", dir / "out");
  check_vertical_output(out);
  json v = first_stream(ffprobe(out), "video");
  CHECK(v.value("field_order", "progressive") == "progressive");
  // One frame per interlaced frame, at the source's 25 fps (youtube-shorts takes 24-60).
  CHECK(v["r_frame_rate"] == "25/1");
  CHECK(std::abs(duration_s(v) - duration_s(src)) <= 1.0 / 25 + 1e-3);

  // Close to ffmpeg's own bwdif deinterlace of the same crop, and clearly closer than to the
  // woven fields left as they are.
  const Rect crop = planned_crop(dry_run_plan(in, "youtube-shorts", kSmall));
  const std::string geometry =
      crop.filter() + ",scale=" + std::to_string(kW) + ":" + std::to_string(kH);
  const double deinterlaced = psnr_vs_ffmpeg(
      in, "bwdif=mode=send_frame:parity=auto:deint=all," + geometry, out, dir / "bwdif.nut");
  const double woven = psnr_vs_ffmpeg(in, geometry, out, dir / "woven.nut");
  CHECK(deinterlaced >= 35);
  CHECK(deinterlaced > woven + 3);
}

TEST_CASE("variable frame rate input comes out at a constant rate", "[package][vfr]") {
  TempDir dir;
  // One second at 30 fps, then two seconds at 15 fps.
  const fs::path in = make_clip(dir / "phone.mp4",
                                "-f lavfi -i testsrc2=s=640x360:r=30:d=3 -f lavfi -i sine=d=5 "
                                "-vf \"setpts='if(lt(N,30),N,2*N-30)/30/TB'\" -vsync vfr" +
                                    kEncode + " -c:a aac");
  json src = first_stream(ffprobe(in), "video");
  REQUIRE(src["avg_frame_rate"] != src["r_frame_rate"]);  // really variable
  const double src_duration = duration_s(src);
  REQUIRE(src_duration > 4.5);

  // Forced to 30 fps: this is about the even spacing; which rate a variable-rate source
  // gets by default (the standard rate nearest its average) is test_frame_rate's.
  const std::vector<std::string> at30 = kSmall + std::vector<std::string>{"--video.fps", "30"};
  const fs::path out = package_one(in, "youtube-shorts", dir / "out", at30);
  json v = first_stream(ffprobe(out), "video");
  CHECK(v["r_frame_rate"] == "30/1");
  CHECK(v["avg_frame_rate"] == "30/1");
  CHECK(std::abs(duration_s(v) - src_duration) <= 1.0 / 30 + 1e-3);

  // Evenly spaced frames, one every 1/30 s, from zero.
  const auto frames = video_frames(out);
  REQUIRE(!frames.empty());
  CHECK(std::abs(static_cast<double>(frames.size()) - src_duration * 30) <= 1.0);
  double worst = 0;
  for (size_t i = 0; i < frames.size(); ++i)
    worst = std::max(worst, std::abs(frames[i].pts_s - i / 30.0));
  CHECK(worst < 0.002);

  // Each output frame shows the source frame on screen at that time, as ffmpeg's fps does.
  const Rect crop = planned_crop(dry_run_plan(in, "youtube-shorts", at30));
  CHECK(psnr_vs_ffmpeg(
            in,
            "fps=30," + crop.filter() + ",scale=" + std::to_string(kW) + ":" + std::to_string(kH),
            out, dir / "ref.nut") >= 30);
}

TEST_CASE("input without audio gets a silent AAC track unless audio is optional",
          "[package][audio]") {
  TempDir dir;
  const fs::path in =
      make_clip(dir / "mute.mp4", "-f lavfi -i testsrc2=s=640x360:r=30:d=2" + kEncode);
  REQUIRE(first_stream(ffprobe(in), "audio").is_null());

  SECTION("required (the default): silence as long as the video") {
    const fs::path out = package_one(in, "youtube-shorts", dir / "out");
    json info = ffprobe(out);
    json v = first_stream(info, "video");
    json a = first_stream(info, "audio");
    REQUIRE(a.is_object());
    CHECK(a["codec_name"] == "aac");
    CHECK(a["sample_rate"] == "48000");
    CHECK(a["channels"] == 2);
    CHECK(std::abs(duration_s(a) - duration_s(v)) <= 0.1);
    CHECK(max_volume_db(out) <= -80);
  }
  SECTION("--audio.required false: no audio stream") {
    const fs::path out =
        package_one(in, "youtube-shorts", dir / "out",
                    kSmall + std::vector<std::string>{"--audio.required", "false"});
    json info = ffprobe(out);
    CHECK(first_stream(info, "audio").is_null());
    CHECK(first_stream(info, "video")["codec_name"] == "h264");
  }
}

TEST_CASE("the HEVC preset writes hvc1-tagged HEVC", "[package][hevc]") {
  TempDir dir;
  const fs::path in = make_clip(dir / "episode.mp4",
                                "-f lavfi -i testsrc2=s=640x360:r=30:d=2 -f lavfi -i sine=d=2" +
                                    kEncode + " -c:a aac -shortest");
  const fs::path out = package_one(in, "youtube-shorts-hevc", dir / "out");
  json info = ffprobe(out);
  json v = first_stream(info, "video");
  REQUIRE(v.is_object());
  CHECK(v["codec_name"] == "hevc");
  CHECK(v["codec_tag_string"] == "hvc1");
  CHECK(v["profile"] == "Main");
  CHECK(v["width"] == kW);
  CHECK(v["height"] == kH);
  CHECK(v["r_frame_rate"] == "30/1");
  CHECK(first_stream(info, "audio")["codec_name"] == "aac");
  // Inherited from youtube-shorts: a key frame every 0.5 s.
  CHECK(max_keyframe_gap_s(video_frames(out)) <= 0.5 + 0.5 / 30);
  const auto [moov, mdat] = moov_mdat_offsets(out);
  CHECK(moov < mdat);
}

TEST_CASE("preset keys can be overridden on the command line", "[package][overrides]") {
  TempDir dir;
  SECTION("package takes --SECTION.KEY VALUE for any key") {
    const fs::path in = make_clip(dir / "episode.mp4",
                                  "-f lavfi -i testsrc2=s=640x360:r=30:d=2 -f lavfi -i sine=d=2" +
                                      kEncode + " -c:a aac -shortest");
    const fs::path fine = package_one(in, "tiktok", dir / "fine",
                                      {"--video.width", "540", "--video.height", "960",
                                       "--video.encoder-preset", "ultrafast", "--video.crf", "18"});
    const fs::path coarse =
        package_one(in, "tiktok", dir / "coarse",
                    {"--video.width", "540", "--video.height", "960", "--video.encoder-preset",
                     "ultrafast", "--video.crf", "35", "--video.fps", "25", "--audio.channels", "1",
                     "--audio.bitrate", "64k"});
    CHECK(fs::file_size(coarse) < fs::file_size(fine) / 2);
    json info = ffprobe(coarse);
    CHECK(first_stream(info, "video")["r_frame_rate"] == "25/1");
    json a = first_stream(info, "audio");
    CHECK(a["channels"] == 1);
    CHECK(number_field(a, "bit_rate") < 100'000);
  }
  SECTION("presets show reflects the override") {
    RunResult r = run_reelpack({"presets", "show", "tiktok", "--json", "--video.crf", "20"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out)["video"]["crf"] == 20);
    r = run_reelpack({"presets", "show", "tiktok", "--json"});
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out)["video"]["crf"] == 21);
    r = run_reelpack({"presets", "show", "tiktok", "--video.crf", "20"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("crf = 20") && Catch::Contains("command line"));
  }
}

TEST_CASE("a dry run prints the plan and writes nothing", "[package][dry-run]") {
  TempDir dir;
  const fs::path in = make_clip(dir / "episode.mp4",
                                "-f lavfi -i testsrc2=s=640x360:r=30:d=2 -f lavfi -i sine=d=2" +
                                    kEncode + " -c:a aac -shortest");
  const fs::path outdir = dir / "out";
  const std::vector<std::string> args = {"package",  in.string(),      "-p", "tiktok",
                                         "-p",       "youtube-shorts", "-o", outdir.string(),
                                         "--dry-run"};
  SECTION("text") {
    const RunResult r = run_reelpack(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("dry run"));
    CHECK_THAT(r.out, Catch::Contains(output_path(in, "tiktok", outdir).string()));
    CHECK_THAT(r.out, Catch::Contains(output_path(in, "youtube-shorts", outdir).string()));
    CHECK_THAT(r.out, Catch::Contains("libx264"));
  }
  SECTION("json") {
    const RunResult r =
        run_reelpack(args + std::vector<std::string>{"--json", "--video.width", "720",
                                                     "--video.height", "1280"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json j = json::parse(r.out);
    CHECK(j["input"]["video"]["width"] == 640);
    CHECK(std::abs(j["input"]["duration_seconds"].get<double>() - 2.0) < 0.1);
    REQUIRE(j["outputs"].size() == 2);
    CHECK(j["outputs"][0]["preset"] == "tiktok");
    CHECK(j["outputs"][1]["preset"] == "youtube-shorts");
    CHECK(j["outputs"][0]["output"] == output_path(in, "tiktok", outdir).string());
    for (const auto& o : j["outputs"]) {
      CHECK(o["video"]["width"] == 720);
      CHECK(o["video"]["height"] == 1280);
      CHECK(o["audio"]["codec"] == "aac");
    }
    CHECK(j["outputs"][1]["video"]["gop_frames"] == 15);
  }
  CHECK(!fs::exists(outdir));
  CHECK(list_dir(dir.path()) == std::vector<std::string>{"episode.mp4"});
}
