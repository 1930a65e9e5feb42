// Reframing geometry over a matrix of odd and even sizes, aspect ratios and pixel aspects:
// every size and offset even, every crop inside the source, aspects preserved.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/geometry.h"
#include "media/filter_chains.h"

using namespace reelpack;

namespace {
void check_inside(const Rect& r, Size outer) {
  CHECK(r.x_px >= 0);
  CHECK(r.y_px >= 0);
  CHECK(r.width_px >= 2);
  CHECK(r.height_px >= 2);
  CHECK(r.x_px + r.width_px <= outer.width_px);
  CHECK(r.y_px + r.height_px <= outer.height_px);
}
void check_even(const Rect& r) {
  CHECK(r.x_px % 2 == 0);
  CHECK(r.y_px % 2 == 0);
  CHECK(r.width_px % 2 == 0);
  CHECK(r.height_px % 2 == 0);
}
}  // namespace

TEST_CASE("centre crop of a 1080p master to 9:16", "[geometry]") {
  const ReframePlan p = plan_reframe({1920, 1080}, {1, 1}, {1080, 1920}, ReframeMode::Center);
  CHECK(p.crop == Rect{656, 0, 608, 1080});
  CHECK(p.fit == Rect{0, 0, 1080, 1920});
}

TEST_CASE("pad fits a 16:9 picture inside 9:16 with even bars", "[geometry]") {
  const ReframePlan p = plan_reframe({1920, 1080}, {1, 1}, {1080, 1920}, ReframeMode::Pad);
  CHECK(p.fit.width_px == 1080);
  CHECK(p.fit.height_px == 608);
  CHECK(p.fit.y_px == 656);
}

TEST_CASE("a source already at the output aspect is used whole", "[geometry]") {
  for (ReframeMode m : {ReframeMode::Center, ReframeMode::Pad, ReframeMode::Blur}) {
    const ReframePlan p = plan_reframe({720, 1280}, {1, 1}, {1080, 1920}, m);
    CHECK(p.crop == Rect{0, 0, 720, 1280});
    CHECK(p.fit == Rect{0, 0, 1080, 1920});
  }
}

TEST_CASE("anamorphic PAL 16:9 (SAR 64:45) is cropped on display aspect", "[geometry]") {
  const ReframePlan p = plan_reframe({720, 576}, {64, 45}, {1080, 1920}, ReframeMode::Center);
  // Display width of the crop = 576 * 9/16 = 324 square pixels = 324 * 45/64 = 227.8 stored.
  CHECK(p.crop.height_px == 576);
  CHECK(std::abs(p.crop.width_px - 228) <= 2);
  check_inside(p.crop, {720, 576});
}

TEST_CASE("geometry holds over odd and even sizes, every mode and output", "[geometry]") {
  const Size sources[] = {{1920, 1080}, {1921, 1081}, {1280, 720},  {641, 359}, {480, 360},
                          {360, 640},   {1080, 1920}, {1079, 1919}, {3, 3},     {4096, 2160},
                          {720, 576},   {2, 1000},    {1000, 2}};
  const Size outputs[] = {{1080, 1920}, {1080, 1350}, {1080, 1080}, {720, 1280}, {1920, 1080}};
  const PixelAspect aspects[] = {{1, 1}, {64, 45}, {16, 15}, {8, 9}};
  for (const Size& s : sources) {
    for (const Size& o : outputs) {
      for (const PixelAspect& a : aspects) {
        for (ReframeMode m : {ReframeMode::Center, ReframeMode::Pad, ReframeMode::Blur}) {
          INFO(s.width_px << "x" << s.height_px << " sar " << a.num << ":" << a.den << " -> "
                          << o.width_px << "x" << o.height_px << " " << to_string(m));
          const ReframePlan p = plan_reframe(s, a, o, m);
          check_inside(p.crop, s);
          check_even(p.crop);
          check_inside(p.fit, o);
          check_even(p.fit);
          // The crop keeps the output's display aspect within rounding to even pixels.
          if (s.width_px >= 64 && s.height_px >= 64) {
            const double crop_aspect =
                double(p.crop.width_px) * a.num / (double(p.crop.height_px) * a.den);
            const double want = double(o.width_px) / o.height_px;
            const double tol =
                4.0 * a.num / a.den / std::min(p.crop.width_px, p.crop.height_px) + 0.01;
            CHECK(std::abs(crop_aspect / want - 1) < tol + 0.02);
          }
          if (m != ReframeMode::Center) {
            // Fit touches two opposite edges and is centred on the other axis.
            const bool full_w = p.fit.width_px == o.width_px;
            const bool full_h = p.fit.height_px == o.height_px;
            CHECK((full_w || full_h));
            CHECK(std::abs(2 * p.fit.x_px + p.fit.width_px - o.width_px) <= 2);
            CHECK(std::abs(2 * p.fit.y_px + p.fit.height_px - o.height_px) <= 2);
          }
        }
      }
    }
  }
}

TEST_CASE("rotation swaps the size and the pixel aspect", "[geometry]") {
  CHECK(rotated_size({1920, 1080}, 90) == Size{1080, 1920});
  CHECK(rotated_size({1920, 1080}, 180) == Size{1920, 1080});
  CHECK(rotated_size({1920, 1080}, 270) == Size{1080, 1920});
  const PixelAspect a = rotated_aspect({64, 45}, 90);
  CHECK(a.num == 45);
  CHECK(a.den == 64);
}

TEST_CASE("the video filter chain orders rotation, rate and reframing", "[filters]") {
  const ReframePlan p = plan_reframe({1920, 1080}, {1, 1}, {1080, 1920}, ReframeMode::Center);
  const std::string chain = video_filter_chain(p, {90, true, {}}, {30, 1}, "yuv420p");
  const auto pos = [&](const char* s) { return chain.find(s); };
  REQUIRE(pos("bwdif") != std::string::npos);
  REQUIRE(pos("transpose=clock") != std::string::npos);
  CHECK(pos("bwdif") < pos("transpose"));
  CHECK(pos("transpose") < pos("fps=fps=30/1"));
  CHECK(pos("fps=") < pos("crop=608:1080:656:0"));
  CHECK(chain.ends_with("format=yuv420p,setsar=1"));
  CHECK(chain.find("zscale") == std::string::npos);  // SDR: the scaler converts the matrix
}

TEST_CASE("one rule for the YCbCr matrix of a picture", "[filters][colour]") {
  CHECK(ycbcr_matrix(AVCOL_SPC_UNSPECIFIED, 1080) == AVCOL_SPC_BT709);
  CHECK(ycbcr_matrix(AVCOL_SPC_UNSPECIFIED, 576) == AVCOL_SPC_BT470BG);
  CHECK(ycbcr_matrix(AVCOL_SPC_SMPTE170M, 1080) == AVCOL_SPC_BT470BG);
  CHECK(ycbcr_matrix(AVCOL_SPC_BT2020_CL, 2160) == AVCOL_SPC_BT2020_NCL);
  CHECK(scale_matrix_name(AVCOL_SPC_BT470BG) == "bt601");
  VideoInfo v;
  v.height_px = 1080;
  v.color_space = "bt2020nc";
  v.color_primaries = "bt2020";
  v.color_transfer = "arib-std-b67";
  SourceColour c = source_colour(v);
  CHECK(c.hdr == Hdr::Hlg);
  CHECK(c.peak_nits == 1000);
  v.color_transfer = "smpte2084";
  v.max_cll_nits = 600;
  CHECK(source_colour(v).peak_nits == 600);
  v.pix_fmt = "yuvj420p";
  CHECK(source_colour(v).full_range);
  // HDR: scaled in its own matrix at 10 bits, then tone mapped to BT.709 (or kept).
  const ReframePlan p = plan_reframe({1920, 1080}, {1, 1}, {1080, 1920}, ReframeMode::Center);
  const std::string chain = video_filter_chain(p, {0, false, source_colour(v)}, {30, 1}, "yuv420p");
  CHECK(chain.find("out_color_matrix=bt2020") < chain.find("zscale"));
  CHECK(chain.find("tonemap=mobius") != std::string::npos);
  CHECK(chain.find("peak=2.956") != std::string::npos);  // 600 nits over 203
  const std::string kept =
      video_filter_chain(p, {0, false, source_colour(v), true}, {30, 1}, "yuv420p10le");
  CHECK(kept.find("tonemap") == std::string::npos);
  CHECK(kept.ends_with("format=yuv420p10le,setsar=1"));
}

TEST_CASE("parse_reframe_mode accepts the documented names only", "[geometry]") {
  CHECK(parse_reframe_mode("center") == ReframeMode::Center);
  CHECK(parse_reframe_mode("centre") == ReframeMode::Center);
  CHECK(parse_reframe_mode("pad") == ReframeMode::Pad);
  CHECK(parse_reframe_mode("blur") == ReframeMode::Blur);
  CHECK_THROWS(parse_reframe_mode("smart-ish"));
}
