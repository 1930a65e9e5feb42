// One output file of a video encode in package(): written under a temporary name by its
// own muxer, with the encode's video packets, its own audio (package/output_audio.h) and
// the job's soft subtitles, and renamed into place only when complete. An error here
// fails this output alone: it is kept for the report and the output takes nothing more.
//
//   OutputWriter out(plan);                    // opens the muxer
//   out.start(video_encoder, input.audio_time_base(), job.metadata, "tiktok", subtitles);
//   out.write_video(packet, video_encoder.time_base());
//   out.send_audio(frame);                     // nullptr at the end of the input's audio
//   out.finish(video_end_pts, video_encoder.time_base());   // the trailer
//   OutputReport r = out.close(nullptr, "");   // commits it, or removes the temporary
#pragma once

#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "media/av_ptr.h"
#include "media/encoder.h"
#include "media/output.h"
#include "package/output_audio.h"
#include "package/plan.h"
#include "package/report.h"
#include "subtitles/subtitles.h"

namespace reelpack {

// A soft subtitle track as every output muxes it: cues on the output timeline.
struct TimedSubtitles {
  SubtitleSpec spec;
  std::vector<SubtitleCue> cues;
};

class OutputWriter {
 public:
  // Opens the temporary file's muxer; a failure is kept (failed()).
  explicit OutputWriter(const OutputPlan& plan);
  OutputWriter(const OutputWriter&) = delete;
  OutputWriter& operator=(const OutputWriter&) = delete;

  const OutputPlan& plan() const { return plan_; }
  bool failed() const { return error_ != nullptr; }
  const std::exception_ptr& error() const { return error_; }
  // Whether the container wants codec headers in extradata. Not when failed().
  bool wants_global_header() const { return mux_->wants_global_header(); }

  // Adds the streams (video from `video`, audio, one per subtitle track), writes the
  // header with `tags` plus a comment naming `for_presets` (every preset this file
  // serves), then every cue: the muxer interleaves them with the picture.
  void start(const Encoder& video, AVRational input_audio_time_base,
             const std::map<std::string, std::string>& tags, const std::string& for_presets,
             const std::vector<TimedSubtitles>& subtitles);
  // It is live and muxes the input's audio (not silence, not none).
  bool takes_input_audio() const;
  // Failed, or all its audio is in (none, silence, or the input's up to its end).
  bool audio_done() const;

  // One packet of the shared video encode: the muxer gets a reference of its own.
  void write_video(const AVPacket* packet, AVRational time_base);
  // A decoded input audio frame; nullptr: the end of the input's audio.
  void send_audio(AVFrame* frame);
  // After each video frame encoded: silent audio keeps up with the picture.
  void video_encoded(int64_t video_end_pts, AVRational time_base);
  // Both streams are done: the end of the silent audio, then the trailer.
  void finish(int64_t video_end_pts, AVRational time_base);

  // Commits a complete output (renames its temporary into place) or removes it. The
  // output's own error first, else `branch_error` (its video encode failed), else
  // `upstream_error` (why the encode scaling for it stopped) explains a failure.
  OutputReport close(const std::exception_ptr& branch_error, const std::string& upstream_error);

 private:
  // Runs `step` unless this output failed; an Error there fails this output alone.
  template <class Step>
  void guard(Step&& step);

  OutputPlan plan_;
  AtomicFile file_;
  std::string name_;
  std::unique_ptr<Muxer> mux_;
  std::optional<OutputAudio> audio_;
  int video_stream_ = -1;
  av::PacketPtr packet_ = av::make_packet();
  bool completed_ = false;
  std::exception_ptr error_;
};

}  // namespace reelpack
