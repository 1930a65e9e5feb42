#include "edit/copy_cut.h"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/mathematics.h>
}

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "media/av_error.h"
#include "media/output.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {
constexpr AVRational kMicros{1, 1'000'000};

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

}  // namespace

CopyCutReport copy_cut(const fs::path& input_path, const std::vector<RangeSpec>& specs,
                       const fs::path& output) {
  if (specs.empty()) throw UsageError("--copy needs at least one --range");
  const std::string format = container_for(output);
  InputFile input(input_path, DecodeOptions::none());
  const MediaInfo& info = input.info();
  if (!info.video)
    throw UsageError(input_path.string() + ": --copy needs a video stream to cut on keyframes");
  const AVFormatContext* fmt = input.format();
  const int v = info.video->index;
  const int a = info.audio ? info.audio->index : -1;
  const AVRational vtb = fmt->streams[v]->time_base;
  const Rational fps = info.video->nominal_frame_rate();

  CopyCutReport report;
  report.input = input_path;
  report.output = output;
  AtomicFile file(output);
  Muxer mux(file.temp_path(), format, output.string());
  const int out_v = mux.add_stream(fmt->streams[v]);
  const int out_a = a >= 0 ? mux.add_stream(fmt->streams[a]) : -1;
  mux.start();

  av::PacketPtr pkt = av::make_packet();
  int64_t offset_us = 0;  // where the current range starts on the output timeline
  for (const RangeSpec& spec : specs) {
    const TimeRange want = resolve_range(spec, fps, info.duration_us, info.video->start_us);
    seek_to_keyframe_before(input, v, want.start_us, pkt.get());
    // Source timestamps of the range's first keyframe and of the keyframe that ends it.
    int64_t start_pts = AV_NOPTS_VALUE, end_pts = AV_NOPTS_VALUE, last_end_pts = 0;
    bool video_done = false, audio_done = a < 0;
    const int64_t base_pts = av_rescale_q(info.start_us, AV_TIME_BASE_Q, vtb);
    while (!(video_done && audio_done)) {
      if (!input.read_packet(pkt.get())) break;
      const AVStream* st = fmt->streams[pkt->stream_index];
      if (pkt->pts == AV_NOPTS_VALUE) pkt->pts = pkt->dts;
      if (pkt->stream_index == v && !video_done) {
        const bool key = pkt->flags & AV_PKT_FLAG_KEY;
        if (start_pts == AV_NOPTS_VALUE) {
          if (!key) {
            av_packet_unref(pkt.get());
            continue;  // the seek landed before a keyframe: wait for one
          }
          start_pts = pkt->pts;
        } else if (pkt->pts < start_pts) {
          av_packet_unref(pkt.get());
          continue;  // a leading picture of an open GOP: it needs the GOP before the cut
        } else if (key && av_compare_ts(pkt->pts - base_pts, vtb, want.end_us, kMicros) >= 0) {
          end_pts = pkt->pts;
          video_done = true;
          av_packet_unref(pkt.get());
          continue;
        }
        last_end_pts = std::max(last_end_pts, pkt->pts + std::max<int64_t>(pkt->duration, 0));
        const int64_t shift = start_pts - av_rescale_q(offset_us, kMicros, vtb);
        pkt->pts -= shift;
        if (pkt->dts != AV_NOPTS_VALUE) pkt->dts -= shift;
        mux.write(pkt.get(), out_v, vtb);
      } else if (pkt->stream_index == a && !audio_done && start_pts != AV_NOPTS_VALUE) {
        const AVRational atb = st->time_base;
        const int64_t start_a = av_rescale_q(start_pts, vtb, atb);
        if (pkt->pts < start_a) {
          av_packet_unref(pkt.get());
          continue;
        }
        if (video_done && pkt->pts >= av_rescale_q(end_pts, vtb, atb)) {
          audio_done = true;
          av_packet_unref(pkt.get());
          continue;
        }
        const int64_t shift = start_a - av_rescale_q(offset_us, kMicros, atb);
        pkt->pts -= shift;
        if (pkt->dts != AV_NOPTS_VALUE) pkt->dts -= shift;
        mux.write(pkt.get(), out_a, atb);
      }
      av_packet_unref(pkt.get());
    }
    if (start_pts == AV_NOPTS_VALUE) {
      throw ProcessingError(input_path.string() + ": no keyframe found for --range " + spec.text);
    }
    if (end_pts == AV_NOPTS_VALUE) end_pts = last_end_pts;  // the range runs to the end of file
    const TimeRange snapped{av_rescale_q(start_pts - base_pts, vtb, kMicros),
                            av_rescale_q(end_pts - base_pts, vtb, kMicros)};
    report.ranges.push_back({want, snapped});
    offset_us += snapped.length_us();
  }
  mux.finish();
  file.commit();
  report.output_duration_us = offset_us;
  std::error_code ec;
  report.size_bytes = static_cast<int64_t>(fs::file_size(output, ec));
  return report;
}

nlohmann::json to_json(const CopyCutReport& r) {
  nlohmann::json ranges = nlohmann::json::array();
  for (const CopiedRange& c : r.ranges) {
    ranges.push_back(
        {{"requested",
          {{"start_seconds", c.requested.start_us / 1e6},
           {"end_seconds", c.requested.end_us / 1e6}}},
         {"copied",
          {{"start_seconds", c.snapped.start_us / 1e6}, {"end_seconds", c.snapped.end_us / 1e6}}}});
  }
  return {{"input", r.input.string()},
          {"output", r.output.string()},
          {"mode", "copy"},
          {"ranges", ranges},
          {"duration_seconds", r.output_duration_us / 1e6},
          {"size_bytes", r.size_bytes}};
}

}  // namespace reelpack
