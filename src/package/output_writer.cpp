#include "package/output_writer.h"

#include <filesystem>

#include "core/error.h"
#include "media/av_error.h"

namespace reelpack {

OutputWriter::OutputWriter(const OutputPlan& plan)
    : plan_(plan), file_(plan_.path), name_(plan_.path.string()) {
  try {
    mux_ = std::make_unique<Muxer>(file_.temp_path(), plan_.container, name_);
  } catch (const Error&) {
    error_ = std::current_exception();
  }
}

template <class Step>
void OutputWriter::guard(Step&& step) {
  if (error_) return;
  try {
    step();
  } catch (const Error&) {
    error_ = std::current_exception();
  }
}

void OutputWriter::start(const Encoder& video, AVRational input_audio_time_base,
                         const std::map<std::string, std::string>& tags,
                         const std::string& for_presets,
                         const std::vector<TimedSubtitles>& subtitles) {
  guard([&] {
    video_stream_ = mux_->add_stream(video);
    if (plan_.has_audio) audio_.emplace(plan_, *mux_, input_audio_time_base, name_);
    std::vector<std::pair<SubtitleEncoder, int>> subs;
    for (const TimedSubtitles& t : subtitles) {
      SubtitleEncoder enc(mux_->wants_global_header(), name_);
      const int stream = mux_->add_stream(enc.context(), t.spec.language);
      subs.emplace_back(std::move(enc), stream);
    }
    auto meta = tags;
    meta.emplace("comment", "packaged by reelpack " REELPACK_VERSION " for " + for_presets);
    mux_->start(meta);
    for (size_t t = 0; t < subtitles.size(); ++t) {
      for (const SubtitleCue& c : subtitles[t].cues) {
        const int64_t start_ms = c.start_us / 1000;
        subs[t].first.encode(c.event, start_ms, c.end_us / 1000 - start_ms, packet_.get());
        mux_->write(packet_.get(), subs[t].second, subs[t].first.time_base());
      }
    }
  });
}

bool OutputWriter::takes_input_audio() const {
  return !error_ && audio_ && !audio_->silent();
}

bool OutputWriter::audio_done() const {
  return error_ || !audio_ || audio_->done();
}

void OutputWriter::write_video(const AVPacket* packet, AVRational time_base) {
  guard([&] {
    // The muxer takes over the reference and leaves `packet_` blank for the next.
    av::check(av_packet_ref(packet_.get(), packet), "share a video packet", name_);
    mux_->write(packet_.get(), video_stream_, time_base);
  });
}

void OutputWriter::send_audio(AVFrame* frame) {
  if (audio_) guard([&] { audio_->send(frame); });
}

void OutputWriter::video_encoded(int64_t video_end_pts, AVRational time_base) {
  if (audio_ && audio_->silent()) guard([&] { audio_->silence_until(video_end_pts, time_base); });
}

void OutputWriter::finish(int64_t video_end_pts, AVRational time_base) {
  guard([&] {
    if (audio_) audio_->finish(video_end_pts, time_base);
    mux_->finish();
    completed_ = true;
  });
}

OutputReport OutputWriter::close(const std::exception_ptr& branch_error,
                                 const std::string& upstream_error) {
  OutputReport r;
  r.preset = plan_.preset;
  r.path = plan_.path;
  r.warnings = plan_.warnings;
  std::exception_ptr err = error_ ? error_ : branch_error;
  if (!err && !completed_) {
    // The input ended early, or the branch that scaled for this one failed: never
    // commit half a file.
    r.error =
        upstream_error.empty() ? "incomplete output" : name_ + ": not written: " + upstream_error;
  } else if (!err) {
    try {
      file_.commit();
    } catch (const Error&) {
      err = std::current_exception();
    }
  }
  if (err) {
    try {
      std::rethrow_exception(err);
    } catch (const std::exception& e) {
      r.error = e.what();
    }
  }
  if (!r.error.empty()) {
    file_.discard();
  } else {
    std::error_code ec;
    r.size_bytes = static_cast<int64_t>(std::filesystem::file_size(plan_.path, ec));
    r.ok = true;
  }
  return r;
}

}  // namespace reelpack
