#include "edit/copy_cut.h"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/mathematics.h>
}

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "edit/copy_io.h"
#include "edit/exact_copy.h"
#include "media/av_error.h"
#include "media/output.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {
constexpr AVRational kMicros{1, 1'000'000};

// The input's streams that are copied, and their places in the output.
struct CopiedStreams {
  int video = -1;
  int audio = -1;  // -1: none
  int out_video = -1;
  int out_audio = -1;
  AVRational video_tb{1, 1};
  AVRational audio_tb{1, 1};
  int64_t base_pts = 0;  // the file's start in video_tb: source times are relative to it
};

// One range's packets, from its first keyframe to the keyframe that ends it, shifted to
// follow the ranges before it (`offset_us` on the output timeline).
class RangeCopy {
 public:
  RangeCopy(const CopiedStreams& s, Muxer& mux, int64_t offset_us)
      : s_(s), mux_(mux), offset_us_(offset_us), audio_done_(s.audio < 0) {}

  // Returns the span copied on the source timeline.
  TimeRange run(InputFile& input, const fs::path& input_path, const TimeRange& want,
                const RangeSpec& spec, AVPacket* pkt) {
    seek_to_keyframe_before(input, s_.video, want.start_us, pkt);
    while (!(video_done_ && audio_done_)) {
      if (!input.read_packet(pkt)) break;
      if (pkt->pts == AV_NOPTS_VALUE) pkt->pts = pkt->dts;
      if (pkt->stream_index == s_.video && !video_done_) {
        video(pkt, want.end_us);
      } else if (pkt->stream_index == s_.audio && !audio_done_ && start_pts_ != AV_NOPTS_VALUE) {
        audio(pkt);
      }
      av_packet_unref(pkt);
    }
    if (start_pts_ == AV_NOPTS_VALUE) {
      // Matroska cannot store negative times: a file written with them has packets with
      // none, which a copy cannot place.
      throw ProcessingError(input_path.string() + ": " +
                            (untimed_key_ ? "the keyframe --range " + spec.text +
                                                " starts from has no timestamp (negative "
                                                "timestamps the container could not keep); "
                                                "cut it without --copy"
                                          : "no keyframe found for --range " + spec.text));
    }
    if (end_pts_ == AV_NOPTS_VALUE) end_pts_ = last_end_pts_;  // the range runs to the end
    return {av_rescale_q(start_pts_ - s_.base_pts, s_.video_tb, kMicros),
            av_rescale_q(end_pts_ - s_.base_pts, s_.video_tb, kMicros)};
  }

 private:
  void video(AVPacket* pkt, int64_t end_us) {
    const AVRational vtb = s_.video_tb;
    const bool key = pkt->flags & AV_PKT_FLAG_KEY;
    if (start_pts_ == AV_NOPTS_VALUE) {
      if (!key) return;  // the seek landed before a keyframe: wait for one
      if (pkt->pts == AV_NOPTS_VALUE) {
        untimed_key_ = true;
        return;
      }
      start_pts_ = pkt->pts;
    } else if (pkt->pts < start_pts_) {
      return;  // a leading picture of an open GOP: it needs the GOP before the cut
    } else if (key && av_compare_ts(pkt->pts - s_.base_pts, vtb, end_us, kMicros) >= 0) {
      end_pts_ = pkt->pts;
      video_done_ = true;
      return;
    }
    last_end_pts_ = std::max(last_end_pts_, pkt->pts + std::max<int64_t>(pkt->duration, 0));
    shift_and_write(pkt, start_pts_ - av_rescale_q(offset_us_, kMicros, vtb), s_.out_video, vtb);
  }

  void audio(AVPacket* pkt) {
    const AVRational atb = s_.audio_tb;
    const int64_t start_a = av_rescale_q(start_pts_, s_.video_tb, atb);
    if (pkt->pts < start_a) return;
    if (video_done_ && pkt->pts >= av_rescale_q(end_pts_, s_.video_tb, atb)) {
      audio_done_ = true;
      return;
    }
    shift_and_write(pkt, start_a - av_rescale_q(offset_us_, kMicros, atb), s_.out_audio, atb);
  }

  void shift_and_write(AVPacket* pkt, int64_t shift, int out_stream, AVRational tb) {
    pkt->pts -= shift;
    if (pkt->dts != AV_NOPTS_VALUE) pkt->dts -= shift;
    mux_.write(pkt, out_stream, tb);
  }

  const CopiedStreams& s_;
  Muxer& mux_;
  const int64_t offset_us_;
  // Source timestamps (video time base) of the range's first keyframe and of the keyframe
  // that ends it.
  int64_t start_pts_ = AV_NOPTS_VALUE;
  int64_t end_pts_ = AV_NOPTS_VALUE;
  int64_t last_end_pts_ = 0;
  bool untimed_key_ = false;  // a keyframe without a timestamp was passed over
  bool video_done_ = false;
  bool audio_done_;
};

}  // namespace

CopyCutReport copy_cut(const fs::path& input_path, const std::vector<RangeSpec>& specs,
                       const fs::path& output, const CopyCutOptions& options) {
  if (options.exact) return exact_copy_cut(input_path, specs, output, options);
  if (specs.empty()) throw UsageError("--copy needs at least one --range");
  const std::string format = container_for(output);
  DecodeOptions decode = DecodeOptions::none();
  decode.allow_truncated = options.allow_truncated;
  InputFile input(input_path, decode);
  const MediaInfo& info = input.info();
  if (!info.video)
    throw UsageError(input_path.string() + ": --copy needs a video stream to cut on keyframes");
  const AVFormatContext* fmt = input.format();

  CopyCutReport report;
  report.input = input_path;
  report.output = output;
  AtomicFile file(output);
  Muxer mux(file.temp_path(), format, output.string());
  CopiedStreams s;
  s.video = info.video->index;
  s.audio = info.audio ? info.audio->index : -1;
  s.out_video = mux.add_stream(fmt->streams[s.video], input_path.string());
  s.out_audio = s.audio >= 0 ? mux.add_stream(fmt->streams[s.audio], input_path.string()) : -1;
  s.video_tb = fmt->streams[s.video]->time_base;
  if (s.audio >= 0) s.audio_tb = fmt->streams[s.audio]->time_base;
  s.base_pts = av_rescale_q(info.start_us, AV_TIME_BASE_Q, s.video_tb);
  mux.start();

  av::PacketPtr pkt = av::make_packet();
  int64_t offset_us = 0;  // where the current range starts on the output timeline
  const std::vector<TimeRange> wanted = resolve_ranges(info, specs);  // the rule cut lists share
  for (size_t i = 0; i < specs.size(); ++i) {
    const TimeRange& want = wanted[i];
    const TimeRange snapped =
        RangeCopy(s, mux, offset_us).run(input, input_path, want, specs[i], pkt.get());
    CopiedRange c;
    c.requested = want;
    c.snapped = snapped;
    report.ranges.push_back(c);
    offset_us += snapped.length_us();
  }
  mux.finish();
  file.commit();
  report.output_duration_us = offset_us;
  if (!input.truncation().empty()) {
    report.warnings.push_back(input_path.string() + ": " + input.truncation() +
                              "; copied what there is (--allow-truncated)");
  }
  std::error_code ec;
  report.size_bytes = static_cast<int64_t>(fs::file_size(output, ec));
  return report;
}

namespace {

nlohmann::json span_json(const TimeRange& t) {
  return {{"start_seconds", t.start_us / 1e6}, {"end_seconds", t.end_us / 1e6}};
}

nlohmann::json exact_range_json(const CopiedRange& c) {
  nlohmann::json parts = nlohmann::json::array();
  int reencoded = 0;
  for (const CutPart& p : c.parts) {
    nlohmann::json j = span_json(p.span);
    j["kind"] = p.reencoded ? "reencoded" : "copied";
    j["start_frame"] = p.first_frame;
    j["end_frame"] = p.end_frame;
    j["frames"] = p.frames;
    parts.push_back(j);
    if (p.reencoded) reencoded += p.frames;
  }
  nlohmann::json idr = nlohmann::json::array();
  for (int64_t t : c.idr_us) idr.push_back(t / 1e6);
  return {{"requested", span_json(c.requested)},
          {"cut", span_json(c.snapped)},
          {"frames", c.frames},
          {"reencoded_frames", reencoded},
          {"copied_frames", c.frames - reencoded},
          {"parts", parts},
          {"idr_seconds", idr}};
}

}  // namespace

nlohmann::json to_json(const CopyCutReport& r) {
  nlohmann::json ranges = nlohmann::json::array();
  int frames = 0, reencoded = 0;
  for (const CopiedRange& c : r.ranges) {
    if (r.exact) {
      ranges.push_back(exact_range_json(c));
      frames += c.frames;
      reencoded += ranges.back()["reencoded_frames"].get<int>();
    } else {
      ranges.push_back({{"requested", span_json(c.requested)}, {"copied", span_json(c.snapped)}});
    }
  }
  nlohmann::json j = {{"input", r.input.string()},
                      {"output", r.output.string()},
                      {"mode", r.exact ? "exact-copy" : "copy"},
                      {"ranges", ranges},
                      {"duration_seconds", r.output_duration_us / 1e6}};
  if (r.exact) {
    j["frames"] = frames;
    j["reencoded_frames"] = reencoded;
    j["copied_frames"] = frames - reencoded;
  }
  if (r.dry_run) {
    j["dry_run"] = true;
  } else {
    j["size_bytes"] = r.size_bytes;
  }
  j["warnings"] = r.warnings;
  return j;
}

}  // namespace reelpack
