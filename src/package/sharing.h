// Which outputs of one input share work: one rule for package() and for batch's plan
// (which must predict what package() will do, to report it and to resume).
//
//   std::vector<EncodeSharing> s = plan_sharing({&tiktok, &douyin, &reels});
//   s[1].same_encode_as;   // 0: douyin encodes as tiktok does, so it is made from its file
//   s[2].same_video_as;    // 0: reels differs only in audio, so it takes tiktok's video packets
//
// Outputs whose presets encode identically at the frame rate chosen for the source
// (Preset::encoding_fingerprint) share the whole
// encode: the first of them is encoded, the others are copies of it. Of the outputs
// encoded, those whose video settings match (Preset::video_fingerprint: they differ only in
// audio or tags) share one video encode, muxed beside each output's own audio.
#pragma once

#include <vector>

#include "presets/preset.h"

namespace reelpack {

struct EncodeSharing {
  static constexpr int kNone = -1;
  int same_encode_as = kNone;  // index of an earlier output encoded identically
  int same_video_as = kNone;   // index of an earlier encoded output with the same video
};

// `presets[i]`: output i's preset, or nullptr for an output that takes no part (batch: up
// to date already), which is never shared from nor to; `frame_rates[i]`: the rate chosen
// for it (output_frame_rate()), so presets with other fps ranges that land on the same
// rate still share.
std::vector<EncodeSharing> plan_sharing(const std::vector<const Preset*>& presets,
                                        const std::vector<Rational>& frame_rates);

}  // namespace reelpack
