// What a source's colour is and how an output converts it: the one rule for the YCbCr
// matrix of untagged pictures (the filter chains and the BGR converter both ask it), and
// HDR detection for tone mapping.
//
//   AVColorSpace m = ycbcr_matrix(AVCOL_SPC_UNSPECIFIED, 576);   // AVCOL_SPC_BT470BG (601)
//   SourceColour c = source_colour(*info.video);
//   c.hdr;   // Hdr::Hlg for a phone's HLG clip
#pragma once

extern "C" {
#include <libavutil/pixfmt.h>
}

#include <string>

#include "media/input.h"

namespace reelpack {

// The matrix a picture's YCbCr uses: its tag when it has one, otherwise what players
// assume (BT.709 from 720 lines up, BT.601 below). Always one of BT709, BT470BG (the
// BT.601 matrix, NTSC's SMPTE 170M too), FCC, SMPTE240M, BT2020_NCL.
AVColorSpace ycbcr_matrix(AVColorSpace tagged, int height_px);
// Its name for libswscale's scale filter (in_color_matrix): "bt709", "bt601", ...
std::string scale_matrix_name(AVColorSpace matrix);

enum class Hdr { None, Pq, Hlg };

// The source's colour, from its stream's tags.
struct SourceColour {
  AVColorSpace matrix = AVCOL_SPC_BT709;  // ycbcr_matrix()
  bool full_range = false;                // yuvj formats or tagged pc (JPEG range)
  Hdr hdr = Hdr::None;                    // transfer SMPTE ST 2084 (PQ) or ARIB STD-B67 (HLG)
  // HDR: the brightest light the content holds, nits: MaxCLL, else the mastering
  // display's peak, else 1000 (HLG's nominal peak; a common PQ grade).
  double peak_nits = 1000;
  bool wide_gamut = false;  // BT.2020 primaries
};
SourceColour source_colour(const VideoInfo& video);

}  // namespace reelpack
