// The libx264 settings that continue an H.264 source stream, for re-encoding a few of its
// frames between copied ones (edit/exact_copy.h): same size, pixel format, aspect, colour
// tags, profile and level.
//
//   MatchedH264Settings s = match_h264_stream(st, {30, 1}, "master.mp4");
//   s.parameter_set_id = 1;   // an id the source's parameter sets do not use
//   Encoder enc = Encoder::h264_matching(s, "out.mp4");
#pragma once

#include <string>

#include "media/encoder.h"

namespace reelpack {

// Throws UsageError naming `file` when the stream is not H.264, or is H.264 that libx264
// cannot continue (interlaced, an intra-only or Extended profile, an unusual pixel format).
MatchedH264Settings match_h264_stream(const AVStream* stream, AVRational frame_rate,
                                      const std::string& file);

}  // namespace reelpack
