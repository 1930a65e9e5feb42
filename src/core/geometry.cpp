#include "core/geometry.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace reelpack {

ReframeMode parse_reframe_mode(const std::string& text) {
  if (text == "center" || text == "centre") return ReframeMode::Center;
  if (text == "pad") return ReframeMode::Pad;
  if (text == "blur") return ReframeMode::Blur;
  if (text == "smart") return ReframeMode::Smart;
  throw UsageError("--reframe " + excerpt(text) +
                   ": not a reframe mode (center, pad, blur, smart)");
}

std::string too_small_to_reframe(Size source, const std::string& into) {
  if (source.width_px >= kMinReframeSourcePx && source.height_px >= kMinReframeSourcePx) return "";
  const std::string floor = std::to_string(kMinReframeSourcePx);
  return "its picture is " + std::to_string(source.width_px) + "x" +
         std::to_string(source.height_px) + " pixels, too small to reframe" + into + " (at least " +
         floor + "x" + floor + ")";
}

std::string to_string(ReframeMode mode) {
  switch (mode) {
    case ReframeMode::Center:
      return "center";
    case ReframeMode::Pad:
      return "pad";
    case ReframeMode::Blur:
      return "blur";
    case ReframeMode::Smart:
      return "smart";
  }
  return "center";
}

int even(double value) {
  return std::max(2, 2 * static_cast<int>(std::lround(value / 2.0)));
}

namespace {
// Even offset that centres `inner` in `outer`, inside [0, outer - inner].
int centred_offset(int outer, int inner) {
  const int slack = std::max(0, outer - inner);
  return std::clamp(2 * (slack / 4), 0, slack);
}

// Largest even size not above `limit` (limit >= 2), from a wanted size.
int even_within(double wanted, int limit) {
  const int top = limit - (limit % 2);
  return std::clamp(even(wanted), 2, std::max(2, top));
}
}  // namespace

ReframePlan plan_reframe(Size source, PixelAspect sar, Size output, ReframeMode mode) {
  ReframePlan plan;
  plan.mode = mode;
  plan.output = output;
  if (sar.num <= 0 || sar.den <= 0) sar = {1, 1};
  // Display aspect of the source and of the output, compared without rounding.
  const double source_aspect = static_cast<double>(source.width_px) * sar.num /
                               (static_cast<double>(source.height_px) * sar.den);
  const double output_aspect = static_cast<double>(output.width_px) / output.height_px;

  // Cover: the largest source region with the output's display aspect.
  if (source_aspect > output_aspect) {
    const int w =
        even_within(source.height_px * output_aspect * sar.den / sar.num, source.width_px);
    const int h = source.height_px - (source.height_px % 2);
    plan.crop = {centred_offset(source.width_px, w), centred_offset(source.height_px, h), w, h};
  } else {
    const int w = source.width_px - (source.width_px % 2);
    const int h =
        even_within(source.width_px * sar.num / (output_aspect * sar.den), source.height_px);
    plan.crop = {centred_offset(source.width_px, w), centred_offset(source.height_px, h), w, h};
  }

  // Fit: the whole source inside the output.
  if (mode == ReframeMode::Center || mode == ReframeMode::Smart) {
    plan.fit = {0, 0, output.width_px, output.height_px};
  } else if (source_aspect > output_aspect) {
    const int h = even_within(output.width_px / source_aspect, output.height_px);
    plan.fit = {0, centred_offset(output.height_px, h), output.width_px, h};
  } else {
    const int w = even_within(output.height_px * source_aspect, output.width_px);
    plan.fit = {centred_offset(output.width_px, w), 0, w, output.height_px};
  }
  return plan;
}

}  // namespace reelpack
