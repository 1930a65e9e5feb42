#include "media/colour.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace reelpack {

AVColorSpace ycbcr_matrix(AVColorSpace tagged, int height_px) {
  switch (tagged) {
    case AVCOL_SPC_BT709:
    case AVCOL_SPC_FCC:
    case AVCOL_SPC_SMPTE240M:
    case AVCOL_SPC_BT470BG:
      return tagged;
    case AVCOL_SPC_SMPTE170M:  // NTSC: the same matrix as PAL's BT.470BG (BT.601)
      return AVCOL_SPC_BT470BG;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL:  // no converter here has the constant-luminance form
      return AVCOL_SPC_BT2020_NCL;
    default:
      return height_px >= 720 ? AVCOL_SPC_BT709 : AVCOL_SPC_BT470BG;
  }
}

std::string scale_matrix_name(AVColorSpace m) {
  switch (m) {
    case AVCOL_SPC_BT470BG:
      return "bt601";
    case AVCOL_SPC_FCC:
      return "fcc";
    case AVCOL_SPC_SMPTE240M:
      return "smpte240m";
    case AVCOL_SPC_BT2020_NCL:
      return "bt2020";
    default:
      return "bt709";
  }
}

SourceColour source_colour(const VideoInfo& v) {
  SourceColour c;
  const int space = av_color_space_from_name(v.color_space.c_str());
  c.matrix = ycbcr_matrix(space < 0 ? AVCOL_SPC_UNSPECIFIED : static_cast<AVColorSpace>(space),
                          v.height_px);
  c.full_range = v.color_range == "pc" || v.pix_fmt.rfind("yuvj", 0) == 0;
  if (v.color_transfer == "smpte2084") c.hdr = Hdr::Pq;
  if (v.color_transfer == "arib-std-b67") c.hdr = Hdr::Hlg;
  c.wide_gamut = v.color_primaries == "bt2020";
  if (c.hdr == Hdr::Pq) {
    if (v.max_cll_nits > 0) {
      c.peak_nits = v.max_cll_nits;
    } else if (v.mastering && v.mastering->max_luminance_nits > 0) {
      c.peak_nits = v.mastering->max_luminance_nits;
    }
  }
  return c;
}

}  // namespace reelpack
