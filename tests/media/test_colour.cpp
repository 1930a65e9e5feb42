// Colour (issue 18): a chart of 24 patches (the ColorChecker's published sRGB values: skin
// tones, sky, foliage, primaries, a grey ramp) encoded as BT.709, BT.601 (NTSC and PAL
// tags, and untagged SD), full range (MJPEG's yuvj and a BT.709 stream tagged pc), and
// as HDR (BT.2020 with HLG and PQ, the chart's SDR light placed as ITU-R BT.2408 places
// it: BT.1886 display light, 100% at 203 nits). Each is packaged lossless at the chart's
// size; the output's patches, decoded to RGB by ffmpeg, are compared with the chart in
// CIELAB by CIEDE2000 (sRGB's transfer and D65 for both): under 3 for SDR sources, under
// 8 for tone-mapped HDR. `hdr = keep` keeps HDR with its tags and mastering metadata; a
// 10-bit source is dithered to 8 bits, not truncated.
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "support/media.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace reelpack::test;

namespace {

using Rgb = std::array<double, 3>;
constexpr int kPatch = 64, kCols = 6, kRows = 4, kW = kPatch * kCols, kH = kPatch * kRows;

// ColorChecker Classic in sRGB, row by row (BabelColor's averages, rounded).
const std::vector<Rgb> kChart = {{115, 82, 68},   {194, 150, 130}, {98, 122, 157},  {87, 108, 67},
                                 {133, 128, 177}, {103, 189, 170}, {214, 126, 44},  {80, 91, 166},
                                 {193, 90, 99},   {94, 60, 108},   {157, 188, 64},  {224, 163, 46},
                                 {56, 61, 150},   {70, 148, 73},   {175, 54, 60},   {231, 199, 31},
                                 {187, 86, 149},  {8, 133, 161},   {243, 243, 242}, {200, 200, 200},
                                 {160, 160, 160}, {122, 122, 121}, {85, 85, 85},    {52, 52, 52}};

std::array<double, 3> lab(const Rgb& c) {
  auto lin = [](double v) {
    v /= 255;
    return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
  };
  const double r = lin(c[0]), g = lin(c[1]), b = lin(c[2]);
  const double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const double z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  auto f = [](double t) {
    return t > 216.0 / 24389 ? std::cbrt(t) : (24389.0 / 27 * t + 16) / 116;
  };
  return {116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))};
}

double degrees(double rad) {
  return rad * 180 / M_PI;
}
double radians(double deg) {
  return deg * M_PI / 180;
}

// CIEDE2000 (Sharma, Wu and Dalal's formulation), kL = kC = kH = 1.
double ciede2000(const std::array<double, 3>& p, const std::array<double, 3>& q) {
  const double c1 = std::hypot(p[1], p[2]), c2 = std::hypot(q[1], q[2]);
  const double cb7 = std::pow((c1 + c2) / 2, 7);
  const double g = 0.5 * (1 - std::sqrt(cb7 / (cb7 + std::pow(25.0, 7))));
  const double a1 = (1 + g) * p[1], a2 = (1 + g) * q[1];
  const double c1p = std::hypot(a1, p[2]), c2p = std::hypot(a2, q[2]);
  auto hue = [](double b, double a) {
    const double h = degrees(std::atan2(b, a));
    return h < 0 ? h + 360 : h;
  };
  const double h1 = hue(p[2], a1), h2 = hue(q[2], a2);
  const double dl = q[0] - p[0], dc = c2p - c1p;
  double dh = 0;
  if (c1p * c2p != 0) {
    dh = h2 - h1;
    if (dh > 180) dh -= 360;
    if (dh < -180) dh += 360;
  }
  const double dhh = 2 * std::sqrt(c1p * c2p) * std::sin(radians(dh / 2));
  const double lb = (p[0] + q[0]) / 2, cbp = (c1p + c2p) / 2;
  double hb = h1 + h2;
  if (c1p * c2p != 0) {
    hb = std::abs(h1 - h2) <= 180 ? (h1 + h2) / 2
         : h1 + h2 < 360          ? (h1 + h2 + 360) / 2
                                  : (h1 + h2 - 360) / 2;
  }
  const double t = 1 - 0.17 * std::cos(radians(hb - 30)) + 0.24 * std::cos(radians(2 * hb)) +
                   0.32 * std::cos(radians(3 * hb + 6)) - 0.2 * std::cos(radians(4 * hb - 63));
  const double dtheta = 30 * std::exp(-std::pow((hb - 275) / 25, 2));
  const double cbp7 = std::pow(cbp, 7);
  const double rc = 2 * std::sqrt(cbp7 / (cbp7 + std::pow(25.0, 7)));
  const double sl = 1 + 0.015 * std::pow(lb - 50, 2) / std::sqrt(20 + std::pow(lb - 50, 2));
  const double sc = 1 + 0.045 * cbp, sh = 1 + 0.015 * cbp * t;
  const double rt = -std::sin(radians(2 * dtheta)) * rc;
  return std::sqrt(std::pow(dl / sl, 2) + std::pow(dc / sc, 2) + std::pow(dhh / sh, 2) +
                   rt * (dc / sc) * (dhh / sh));
}

// The chart as a lossless RGB clip of 2 s at 25 fps.
fs::path make_chart(const TempDir& dir) {
  std::string pixels;
  for (int y = 0; y < kH; ++y) {
    for (int x = 0; x < kW; ++x) {
      const Rgb& c = kChart[(y / kPatch) * kCols + x / kPatch];
      for (double v : c) pixels += static_cast<char>(static_cast<int>(v));
    }
  }
  const fs::path raw = dir / "chart.rgb";
  std::ofstream(raw, std::ios::binary) << pixels;
  return make_clip(dir / "chart.nut", "-f rawvideo -pix_fmt rgb24 -s " + std::to_string(kW) + "x" +
                                          std::to_string(kH) + " -r 25 -i " +
                                          shell_quote(raw.string()) +
                                          " -vf loop=49:1:0 -frames:v 50 -c:v ffv1");
}

// The mean RGB of the middle 32x32 of each patch of the first frame, as ffmpeg decodes a
// BT.709 limited-range picture to RGB.
std::vector<Rgb> patches(const fs::path& file) {
  const fs::path raw = file.string() + ".rgb";
  make_clip(raw, "-i " + shell_quote(file.string()) +
                     " -frames:v 1 -vf 'scale=" + std::to_string(kW) + ":" + std::to_string(kH) +
                     ":in_color_matrix=bt709:in_range=tv:flags=bicubic+accurate_rnd+full_chroma_"
                     "int,format=rgb24' -f rawvideo -pix_fmt rgb24");
  std::ifstream in(raw, std::ios::binary);
  const std::string d((std::istreambuf_iterator<char>(in)), {});
  REQUIRE(d.size() == static_cast<size_t>(kW * kH * 3));
  std::vector<Rgb> out;
  for (int i = 0; i < kCols * kRows; ++i) {
    Rgb sum{0, 0, 0};
    const int x0 = (i % kCols) * kPatch + 16, y0 = (i / kCols) * kPatch + 16;
    for (int y = y0; y < y0 + 32; ++y) {
      for (int x = x0; x < x0 + 32; ++x) {
        for (int k = 0; k < 3; ++k) sum[k] += static_cast<unsigned char>(d[(y * kW + x) * 3 + k]);
      }
    }
    out.push_back({sum[0] / 1024, sum[1] / 1024, sum[2] / 1024});
  }
  return out;
}

struct DeltaE {
  double max = 0, mean = 0;
};
DeltaE delta_e(const fs::path& file) {
  const std::vector<Rgb> got = patches(file);
  DeltaE d;
  for (size_t i = 0; i < got.size(); ++i) {
    const double e = ciede2000(lab(kChart[i]), lab(got[i]));
    INFO("patch " << i << ": " << got[i][0] << "," << got[i][1] << "," << got[i][2] << " for "
                  << kChart[i][0] << "," << kChart[i][1] << "," << kChart[i][2] << ": dE00 " << e);
    d.max = std::max(d.max, e);
    d.mean += e / got.size();
  }
  return d;
}

// Lossless at the chart's size (x264 High 4:4:4 Predictive, 4:2:0): only the colour
// conversion changes the patches.
const std::vector<std::string> kLossless = {"--video.width",
                                            std::to_string(kW),
                                            "--video.height",
                                            std::to_string(kH),
                                            "--video.crf",
                                            "0",
                                            "--video.profile",
                                            "high444",
                                            "--video.maxrate",
                                            "0",
                                            "--video.bufsize",
                                            "0",
                                            "--video.encoder-preset",
                                            "ultrafast",
                                            "--audio.required",
                                            "false"};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

fs::path package(const fs::path& in, const std::string& preset, const fs::path& outdir,
                 const std::vector<std::string>& extra) {
  const RunResult r = run_reelpack(
      std::vector<std::string>{"package", in.string(), "-p", preset, "-o", outdir.string()} +
      extra);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return outdir / (in.stem().string() + "." + preset + ".mp4");
}

// BT.709 SDR light of the chart as HDR: BT.1886 display light (gamma 2.4) at 203 nits
// for 100%, BT.2020 primaries, `transfer` (arib-std-b67, smpte2084), 10-bit.
fs::path make_hdr(const fs::path& chart, const fs::path& out, const std::string& transfer) {
  const std::string gamma = "pow(val/65535\\,2.4)*65535";
  return make_clip(out, "-i " + shell_quote(chart.string()) + " -vf \"format=gbrp16le,lutrgb=r='" +
                            gamma + "':g='" + gamma + "':b='" + gamma +
                            "',zscale=tin=linear:pin=bt709:min=gbr:rin=full:t=" + transfer +
                            ":p=bt2020:m=bt2020nc:r=tv:npl=203,format=yuv420p10le\" -c:v ffv1 "
                            "-color_primaries bt2020 -color_trc " +
                            transfer + " -colorspace bt2020nc -color_range tv");
}

// Mean 10-bit luma code of the middle of patch `index` (the first frame): the Y plane as
// stored, before any conversion to full range.
double luma10(const fs::path& file, int index) {
  const int x = (index % kCols) * kPatch + 16, y = (index / kCols) * kPatch + 16;
  const RunResult r =
      run("ffmpeg -nostdin -v error -i " + shell_quote(file.string()) +
          " -frames:v 1 -vf crop=32:32:" + std::to_string(x) + ":" + std::to_string(y) +
          " -pix_fmt yuv420p10le -f rawvideo - | od -An -v -tu2 -w2 | head -1024");
  REQUIRE(r.exit_code == 0);
  std::istringstream in(r.out);
  double sum = 0;
  int n = 0;
  for (int v; in >> v; ++n) sum += v;
  REQUIRE(n == 32 * 32);
  return sum / n;
}

}  // namespace

TEST_CASE("SD, full-range and BT.709 sources come out as the chart in BT.709",
          "[package][colour]") {
  TempDir dir;
  const fs::path chart = make_chart(dir);
  const std::string to601 =
      " -vf scale=out_color_matrix=bt601:out_range=tv:flags=bicubic+accurate_rnd+full_chroma_int,"
      "format=yuv420p -c:v ffv1";
  struct Case {
    std::string name, ffmpeg;
  };
  const std::vector<Case> cases = {
      {"bt709.mkv",
       " -vf scale=out_color_matrix=bt709:out_range=tv:flags=bicubic+accurate_rnd+full_chroma_int,"
       "format=yuv420p -c:v ffv1 -colorspace bt709 -color_primaries bt709 -color_trc bt709"},
      {"ntsc.mkv",
       to601 + " -colorspace smpte170m -color_primaries smpte170m -color_trc smpte170m"},
      {"pal.mkv", to601 + " -colorspace bt470bg -color_primaries bt470bg -color_trc gamma28"},
      {"untagged-sd.mkv", to601},  // 256 lines, no tags: BT.601, as players assume
      // Full range: a camera's MJPEG (yuvj420p, BT.601), and BT.709 tagged pc.
      {"mjpeg.mov",
       " -vf scale=out_color_matrix=bt601:out_range=pc:flags=bicubic+accurate_rnd+full_chroma_int,"
       "format=yuvj420p -c:v mjpeg -q:v 1"},
      {"full709.mkv",
       " -vf scale=out_color_matrix=bt709:out_range=pc:flags=bicubic+accurate_rnd+full_chroma_int,"
       "format=yuv420p -c:v ffv1 -colorspace bt709 -color_primaries bt709 -color_trc bt709 "
       "-color_range pc"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const fs::path in = make_clip(dir / c.name, "-i " + shell_quote(chart.string()) + c.ffmpeg);
    const fs::path out = package(in, "youtube-shorts", dir / "out", kLossless);
    const json v = first_stream(ffprobe(out), "video");
    CHECK(v["color_space"] == "bt709");
    CHECK(v["color_primaries"] == "bt709");
    CHECK(v["color_transfer"] == "bt709");
    CHECK(v.value("color_range", "tv") == "tv");
    const DeltaE e = delta_e(out);
    WARN(c.name << ": CIEDE2000 max " << e.max << ", mean " << e.mean);
    CHECK(e.max < 3);
  }
}

TEST_CASE("HLG and PQ sources are tone mapped to BT.709 SDR close to the chart",
          "[package][colour][hdr]") {
  TempDir dir;
  const fs::path chart = make_chart(dir);
  for (const std::string transfer : {"arib-std-b67", "smpte2084"}) {
    INFO(transfer);
    const fs::path in = make_hdr(chart, dir / (transfer + ".mkv"), transfer);
    // The source is HDR as ITU-R BT.2408 has it: the chart's white (243 of 255, 181 nits)
    // at 72.9% HLG or 56.9% PQ (10-bit narrow range: 64 + 876 x signal).
    CHECK(luma10(in, 18) == Approx(transfer == "smpte2084" ? 562 : 703).margin(3));
    const json dry = json::parse(
        run_reelpack(std::vector<std::string>{"package", in.string(), "-p", "youtube-shorts", "-o",
                                              (dir / "out").string(), "--dry-run", "--json"} +
                     kLossless)
            .out);
    CHECK_THAT(dry["outputs"][0]["video_filters"].get<std::string>(),
               Catch::Contains("zscale") && Catch::Contains("tonemap=mobius"));
    const fs::path out = package(in, "youtube-shorts", dir / "out", kLossless);
    const json v = first_stream(ffprobe(out), "video");
    CHECK(v["color_space"] == "bt709");
    CHECK(v["color_primaries"] == "bt709");
    CHECK(v["color_transfer"] == "bt709");
    CHECK(v["pix_fmt"] == "yuv420p");
    const DeltaE e = delta_e(out);
    WARN(transfer << ": CIEDE2000 max " << e.max << ", mean " << e.mean);
    CHECK(e.max < 8);
    CHECK(e.mean < 2);
  }
}

TEST_CASE("hdr = keep keeps HDR10 with its tags and mastering metadata", "[package][colour][hdr]") {
  TempDir dir;
  const fs::path pq = make_hdr(make_chart(dir), dir / "pq.mkv", "smpte2084");
  // HDR10 as cameras write it: the mastering display and light levels only in HEVC SEI.
  const fs::path in = make_clip(
      dir / "hdr10.mp4",
      "-i " + shell_quote(pq.string()) +
          " -c:v libx265 -preset ultrafast -pix_fmt yuv420p10le -x265-params "
          "log-level=error:hdr10=1:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:"
          "master-display=G\\(13250,34500\\)B\\(7500,3000\\)R\\(34000,16000\\)WP\\(15635,16450\\)"
          "L\\(10000000,50\\):max-cll=400,100 -color_primaries bt2020 -color_trc smpte2084 "
          "-colorspace bt2020nc");
  const std::vector<std::string> keep = {"--video.hdr",
                                         "keep",
                                         "--video.profile",
                                         "main10",
                                         "--video.pix-fmt",
                                         "yuv420p10le",
                                         "--video.width",
                                         std::to_string(kW),
                                         "--video.height",
                                         std::to_string(kH),
                                         "--video.encoder-preset",
                                         "ultrafast",
                                         "--audio.required",
                                         "false"};
  const fs::path out = package(in, "youtube-shorts-hevc", dir / "out", keep);
  const json v = first_stream(ffprobe(out), "video");
  CHECK(v["codec_name"] == "hevc");
  CHECK(v["profile"] == "Main 10");
  CHECK(v["pix_fmt"] == "yuv420p10le");
  CHECK(v["color_space"] == "bt2020nc");
  CHECK(v["color_primaries"] == "bt2020");
  CHECK(v["color_transfer"] == "smpte2084");
  const RunResult frames =
      run("ffprobe -v error -select_streams v -read_intervals %+#1 -show_frames " +
          shell_quote(out.string()));
  CHECK_THAT(frames.out, Catch::Contains("side_data_type=Mastering display metadata") &&
                             Catch::Contains("max_luminance=10000000/10000") &&
                             Catch::Contains("max_content=400"));
  // check: the HDR tags pass where the preset keeps HDR, fail an SDR preset.
  const RunResult ok = run_reelpack(
      std::vector<std::string>{"check", out.string(), "-p", "youtube-shorts-hevc"} + keep);
  CHECK_THAT(ok.out, Catch::Contains("PASS colour"));
  const RunResult sdr = run_reelpack(
      std::vector<std::string>{"check", out.string(), "-p", "youtube-shorts-hevc",
                               "--video.profile", "main10", "--video.pix-fmt", "yuv420p10le"});
  CHECK_THAT(sdr.out, Catch::Contains("FAIL colour"));
  // keep needs HEVC Main10.
  const RunResult bad = run_reelpack({"package", in.string(), "-p", "tiktok", "-o",
                                      (dir / "bad").string(), "--video.hdr", "keep"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("[video] hdr") && Catch::Contains("Main10"));
}

TEST_CASE("a 10-bit source is dithered to 8 bits, not truncated", "[package][colour][dither]") {
  TempDir dir;
  // Three flat patches at 10-bit luma 513, 514 and 515: 8-bit 128.25, 128.5 and 128.75,
  // which truncation (128) or rounding (128, 129, 129) cannot hold on average.
  std::string planes;
  auto put = [&](int v) {
    planes += static_cast<char>(v & 0xff);
    planes += static_cast<char>(v >> 8);
  };
  for (int y = 0; y < kH; ++y) {
    for (int x = 0; x < kW; ++x) put(513 + x * 3 / kW);
  }
  for (int i = 0; i < kW * kH / 2; ++i) put(512);
  const fs::path raw = dir / "flat10.yuv";
  std::ofstream(raw, std::ios::binary) << planes;
  const fs::path in = make_clip(dir / "flat10.mkv",
                                "-f rawvideo -pix_fmt yuv420p10le -s " + std::to_string(kW) + "x" +
                                    std::to_string(kH) + " -r 25 -i " + shell_quote(raw.string()) +
                                    " -vf loop=24:1:0 -frames:v 25 -c:v ffv1 -colorspace bt709 "
                                    "-color_primaries bt709 -color_trc bt709");
  const fs::path out = package(in, "youtube-shorts", dir / "out", kLossless);
  for (int k = 0; k < 3; ++k) {
    const int x = k * kW / 3 + 16;
    const RunResult r = run("ffmpeg -nostdin -v error -i " + shell_quote(out.string()) +
                            " -frames:v 1 -vf crop=" + std::to_string(kW / 3 - 32) + ":" +
                            std::to_string(kH - 32) + ":" + std::to_string(x) +
                            ":16 -pix_fmt yuv420p -f rawvideo - | od -An -v -tu1 -w1 | head -" +
                            std::to_string((kW / 3 - 32) * (kH - 32)));
    REQUIRE(r.exit_code == 0);
    std::istringstream values(r.out);
    double sum = 0;
    int n = 0, lo = 255, hi = 0;
    for (int v; values >> v; ++n) {
      sum += v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    REQUIRE(n > 0);
    const double want = (513 + k) / 4.0;
    INFO("patch " << k << ": mean " << sum / n << " for " << want << ", values " << lo << ".."
                  << hi);
    CHECK(std::abs(sum / n - want) < 0.1);
    CHECK(hi > lo);  // a mix of neighbouring codes: dithered
  }
}
