#include "edit/copy_io.h"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/mathematics.h>
}

#include <algorithm>

#include "core/error.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {
constexpr AVRational kMicros{1, 1'000'000};
}  // namespace

std::string container_for(const fs::path& output) {
  const std::string ext = output.extension().string();
  if (ext == ".mp4" || ext == ".m4v") return "mp4";
  if (ext == ".mov") return "mov";
  if (ext == ".mkv") return "matroska";
  if (ext == ".ts") return "mpegts";
  throw UsageError(output.string() + ": unknown container; use .mp4, .mov, .mkv or .ts");
}

// Seeks so that the first video keyframe read is at or before `time_us` (relative to the
// file's start). Demuxers without an index (MPEG-TS) seek by byte position and can land
// past the keyframe we need; step back (1 s, 2 s, 4 s...) until they do not.
void seek_to_keyframe_before(InputFile& input, int video_index, int64_t time_us, AVPacket* pkt) {
  const AVRational vtb = input.format()->streams[video_index]->time_base;
  const int64_t base_pts = av_rescale_q(input.info().start_us, AV_TIME_BASE_Q, vtb);
  const int64_t tolerance_us = av_rescale_q(1, vtb, kMicros) / 2;  // container rounding
  for (int64_t back_us = 0;; back_us = back_us == 0 ? 1'000'000 : back_us * 2) {
    const int64_t target_us = std::max<int64_t>(time_us - back_us, 0);
    input.seek_to(target_us);
    if (target_us == 0) return;
    int64_t key_us = AV_NOPTS_VALUE;
    while (key_us == AV_NOPTS_VALUE && input.read_packet(pkt)) {
      if (pkt->stream_index == video_index && (pkt->flags & AV_PKT_FLAG_KEY)) {
        const int64_t pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
        if (pts != AV_NOPTS_VALUE) key_us = av_rescale_q(pts - base_pts, vtb, kMicros);
      }
      av_packet_unref(pkt);
    }
    if (key_us == AV_NOPTS_VALUE || key_us <= time_us + tolerance_us) {
      input.seek_to(target_us);  // the same seek lands on the same keyframe
      return;
    }
  }
}

}  // namespace reelpack
