#include "batch/fingerprint.h"

#include "core/error.h"
#include "package/package.h"
#include "presets/preset.h"

namespace reelpack {
namespace fs = std::filesystem;

std::string output_fingerprint(uint64_t content_hash, const Preset& preset, const PackageJob& job) {
  Fnv64 h;
  h.field("reelpack-output-v1").field(REELPACK_VERSION).add(content_hash);
  h.field("preset");
  for (const auto& [key, value] : preset.resolved) h.field(key).field(value.value);
  h.field("ranges");
  for (const RangeSpec& r : job.ranges) h.field(r.text);
  h.field("reframe").field(to_string(job.reframe));
  h.field("metadata");
  for (const auto& [key, value] : job.metadata) h.field(key).field(value);
  // Subtitles by content: an edited subtitles file redoes the outputs.
  h.field("subtitles").add(static_cast<uint64_t>(job.burn_subtitles));
  // Burnt in, the text is drawn differently since fonts by language, line breaks and the
  // safe area (and the script picks the font): earlier outputs are redone, soft-only kept.
  if (job.burn_subtitles) h.field("burn-layout-2");
  for (const SubtitleSpec& s : job.subtitles) {
    h.field(s.language).add(sample_content_hash(s.file));
    if (job.burn_subtitles && !s.script.empty()) h.field(s.script);
  }
  return h.hex();
}

}  // namespace reelpack
