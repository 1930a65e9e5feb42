#include "package/sharing.h"

#include <map>
#include <string>

namespace reelpack {

std::vector<EncodeSharing> plan_sharing(const std::vector<const Preset*>& presets,
                                        const std::vector<Rational>& frame_rates) {
  std::vector<EncodeSharing> out(presets.size());
  std::map<std::string, int> first_encode;  // encoding fingerprint -> output index
  std::map<std::string, int> first_video;   // video fingerprint -> output index
  for (size_t i = 0; i < presets.size(); ++i) {
    if (!presets[i]) continue;
    const int index = static_cast<int>(i);
    const auto [it, first] =
        first_encode.emplace(presets[i]->encoding_fingerprint(frame_rates.at(i)), index);
    if (!first) {
      out[i].same_encode_as = it->second;
      continue;
    }
    const auto [vit, first_v] =
        first_video.emplace(presets[i]->video_fingerprint(frame_rates.at(i)), index);
    if (!first_v) out[i].same_video_as = vit->second;
  }
  return out;
}

}  // namespace reelpack
