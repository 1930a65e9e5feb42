#include "package/package.h"

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <unistd.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "edit/ranges.h"
#include "package/encodes.h"
#include "package/smart_outputs.h"
#include "subtitles/fonts.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {

// Thrown inside the decode callback to stop reading once no output is left to feed.
struct AllOutputsFailed {};

class Stopwatch {
 public:
  double elapsed_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

const std::string kAssPrefix = "reelpack-tmp-";

// A file in the temporary folder, removed when this goes (the ASS scripts libass reads).
class TempFile {
 public:
  TempFile(const std::string& suffix, const std::string& text) {
    // Named for its owner like every temporary, so a run after a SIGKILL removes it.
    const fs::path dir = fs::temp_directory_path();
    sweep_stale_temporaries(dir, kAssPrefix);
    std::string pattern = (dir / (kAssPrefix + temp_owner_tag() + "-XXXXXX" + suffix)).string();
    const int fd = mkstemps(pattern.data(), static_cast<int>(suffix.size()));
    if (fd < 0) {
      throw ProcessingError(pattern +
                            ": cannot create a temporary file; check TMPDIR's free space");
    }
    path_ = pattern;
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    if (!ok)
      throw ProcessingError(path_.string() + ": cannot write a temporary file; check TMPDIR");
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The job's subtitles on the output timeline; burnt in: checked for characters no font
// has, and one ASS script per output size and safe area, written when a plan first asks.
class JobSubtitles {
 public:
  JobSubtitles(const PackageJob& job, const std::vector<TimeRange>& ranges,
               int64_t output_duration_us, std::vector<std::string>& warnings) {
    for (const SubtitleSpec& spec : job.subtitles) {
      const SubtitleTrack track = read_subtitles(spec);
      if (job.burn_subtitles && tracks_.empty()) {
        layout_.font_family = subtitle_font_family(spec);
        // Every cue of the file, not only those the ranges keep: the file is at fault.
        if (const std::string message = missing_glyph_problem(track); !message.empty()) {
          if (!job.allow_missing_glyphs) throw UsageError(message);
          warnings.push_back(message.substr(0, message.find("; install")) +
                             "; drawn as an empty box (--allow-missing-glyphs)");
        }
      }
      tracks_.push_back({spec, retime(track.cues, ranges, output_duration_us)});
    }
  }
  const std::vector<TimedSubtitles>& tracks() const { return tracks_; }
  fs::path burn_script(Size size, const SafeArea& safe) {
    auto& file = scripts_[{size.width_px, size.height_px, safe.top_px, safe.bottom_px, safe.left_px,
                           safe.right_px}];
    if (!file) {
      BurnLayout layout = layout_;
      layout.safe_area = safe;
      file = std::make_unique<TempFile>(".ass", ass_script(tracks_.front().cues, size, layout));
    }
    return file->path();
  }

 private:
  std::vector<TimedSubtitles> tracks_;
  BurnLayout layout_;
  std::map<std::array<int, 6>, std::unique_ptr<TempFile>> scripts_;
};

// --reframe smart with an analysis pass of its own: that pass's progress.
AnalysisProgress analysis_progress(const ProgressFn& progress, const Stopwatch& clock,
                                   int64_t duration_us) {
  if (!progress) return {};
  return [&progress, &clock, duration_us, start_s = clock.elapsed_s()](int64_t frames,
                                                                       int64_t position_us) {
    progress(
        {ProgressPhase::Analysing, position_us, duration_us, frames, clock.elapsed_s() - start_s});
  };
}

// Progress while encoding follows the frames handed to the encoders (their queues are
// short, so they go at the encoders' pace). After a one-pass overflow the rest of the
// input is only analysed until it is decoded again: the bar shows that phase rather than
// standing still.
class EncodeProgress {
 public:
  EncodeProgress(const ProgressFn& progress, const Stopwatch& clock, AVRational time_base,
                 int64_t duration_us)
      : progress_(progress), clock_(clock), time_base_(time_base), start_s_(clock.elapsed_s()) {
    encoding_.duration_us = duration_us;
  }
  void sent(const AVFrame* frame) {
    encoding_.frames = ++frames_sent_;
    encoding_.position_us = av_rescale_q(frame->pts, time_base_, AV_TIME_BASE_Q);
    encoding_.elapsed_s = clock_.elapsed_s() - start_s_;
    if (progress_) progress_(encoding_);
  }
  void analysed(const AVFrame* frame) {
    if (!progress_) return;
    if (frames_analysed_++ == 0) analysed_from_s_ = clock_.elapsed_s();
    progress_({ProgressPhase::Analysing, av_rescale_q(frame->pts, time_base_, AV_TIME_BASE_Q),
               encoding_.duration_us, frames_analysed_, clock_.elapsed_s() - analysed_from_s_});
  }

 private:
  const ProgressFn& progress_;
  const Stopwatch& clock_;
  AVRational time_base_;
  double start_s_;
  Progress encoding_;
  int64_t frames_sent_ = 0;
  int64_t frames_analysed_ = 0;
  double analysed_from_s_ = 0;
};

// Decodes the input (its ranges, joined) once and hands every frame to the encodes. In
// one-pass smart reframing the video frames go through SmartReframe::take(), which holds
// them until their shot's windows are placed; when the frames held outgrow the memory
// allowed, the video from there is decoded a second time.
class FanOut {
 public:
  FanOut(InputFile& input, const std::vector<TimeRange>& ranges, Encodes& encodes,
         SmartReframe* smart, EncodeProgress& progress, PackageReport& report)
      : input_(input),
        ranges_(ranges),
        encodes_(encodes),
        smart_(smart),
        holding_(smart && smart->one_pass()),
        progress_(progress),
        report_(report) {
    if (!ranges.empty()) cutter_.emplace(input, ranges);
    deliver_ = [this](AVFrame* held) {
      if (held) progress_.sent(held);
      to_outputs(StreamKind::Video, held);
    };
  }

  // Every output failed: returns early (the reports say why). The input is bad or we
  // were interrupted: aborts the encodes (their destructors then remove every temporary
  // file) and rethrows.
  void run() {
    try {
      if (encodes_.live()) {
        if (cutter_) {
          cutter_->run([this](StreamKind kind, AVFrame* frame) { feed(kind, frame); });
        } else {
          input_.decode([this](StreamKind kind, AVFrame* frame) { feed(kind, frame); });
        }
        if (holding_) smart_->store_analysis();
      }
      const auto from = smart_ ? smart_->decode_again_from() : std::nullopt;
      if (from && encodes_.live()) decode_again(*from);
      encodes_.close_input();
    } catch (const AllOutputsFailed&) {
      // Fall through: each branch's report carries its own error.
    } catch (...) {
      encodes_.abort();
      throw;
    }
  }

  // With ranges: what was read of them on the source timeline, frame-exact.
  std::vector<TimeRange> ranges_read() const {
    return cutter_ ? cutter_->actual() : std::vector<TimeRange>{};
  }

 private:
  void feed(StreamKind kind, AVFrame* frame) {
    if (kind != StreamKind::Video || !holding_) {
      if (kind == StreamKind::Video && frame) count(frame);
      to_outputs(kind, frame);
      return;
    }
    if (frame) ++report_.frames_decoded;
    if (!frame && cutter_) smart_->set_ranges_read(cutter_->actual());
    smart_->take(frame, deliver_);
    if (frame && smart_->overflowed()) progress_.analysed(frame);
  }

  // The frames held outgrew the memory allowed: the video from the first frame not
  // delivered is decoded again (the audio went through already). A range is read again
  // from its start, its timestamps being the output timeline's.
  void decode_again(int64_t from) {
    const InputFile::FrameSink again = [&](StreamKind kind, AVFrame* frame) {
      if (kind != StreamKind::Video || !frame || frame->pts < from) return;
      count(frame);
      to_outputs(kind, frame);
    };
    if (cutter_) {
      RangeReader(input_, ranges_).run(again);
    } else {
      seek_at_or_before(input_, av_rescale_q(from, input_.video_time_base(), AV_TIME_BASE_Q), 0);
      while (input_.read_some(again)) {
      }
    }
    to_outputs(StreamKind::Video, nullptr);
  }

  void count(const AVFrame* frame) {
    ++report_.frames_decoded;
    progress_.sent(frame);
  }

  void to_outputs(StreamKind kind, AVFrame* frame) {
    if (!encodes_.offer(kind, frame)) throw AllOutputsFailed{};
  }

  InputFile& input_;
  const std::vector<TimeRange>& ranges_;
  Encodes& encodes_;
  SmartReframe* smart_;
  const bool holding_;  // one-pass smart: video frames are held for the analysis
  EncodeProgress& progress_;
  PackageReport& report_;
  std::optional<RangeReader> cutter_;
  SmartReframe::Deliver deliver_;  // the frames SmartReframe::take() lets go
};

// The frames each output must hold: the video the job asks for (its ranges, or the whole
// input) as far as the input's video goes, at the output's rate, less one frame of
// rounding per range. Fewer means frames that did not decode (a damaged input) or a range
// that started late; none at all is never an episode. Such an output is not committed.
FrameCheck frame_check(const PackageJob& job, const std::vector<TimeRange>& ranges,
                       const InputFile& input) {
  // Frames before the first keyframe never decode (a recording begun mid-GOP).
  const int64_t first_us = input.first_keyframe_us();
  // Past the end of the video (a range into a longer audio track) nothing is asked.
  const int64_t end_us = input.reached_end() ? input.decoded_video_end_us() : INT64_MAX;
  int64_t span_us = 0;
  std::string asked = "the file";
  if (ranges.empty()) {
    span_us = input.reached_end() ? std::max<int64_t>(0, end_us - first_us) : 0;
  } else {
    asked = "--range";
    for (size_t i = 0; i < ranges.size(); ++i) {
      const TimeRange& r = ranges[i];
      span_us += std::max<int64_t>(0, std::min(r.end_us, end_us) - std::max(r.start_us, first_us));
      asked += (i ? ", " : " ") + job.ranges[i].text;
    }
  }
  const std::string in = job.input.string();
  const int64_t slack = std::max<int64_t>(1, static_cast<int64_t>(ranges.size()));
  // A variable-rate source has fewer frames than its nominal rate says (a phone drops
  // some): what it holds is its average rate's worth.
  const VideoInfo* video = input.info().video ? &*input.info().video : nullptr;
  const AVRational average =
      video && video->variable_frame_rate ? video->avg_frame_rate : AVRational{0, 1};
  return [=](const OutputPlan& plan, int64_t frames) -> std::string {
    AVRational fps = plan.video.frame_rate;
    if (average.num > 0 && av_cmp_q(average, fps) < 0) fps = average;
    const int64_t asked_frames =
        fps.num > 0 ? av_rescale(span_us, fps.num, int64_t{fps.den} * 1'000'000) : 0;
    if (frames > 0 && frames + slack >= asked_frames) return "";
    const std::string out = plan.path.string() + ": not written: ";
    if (frames == 0) {
      return out + "no video frame of " + in + " decodes in " + asked +
             "; the file is damaged there (or that part is missing)";
    }
    return out + "only " + std::to_string(frames) + " of the " + std::to_string(asked_frames) +
           " frames of " + asked + " decode from " + in +
           "; the file is damaged there (frames that do not decode)";
  };
}

}  // namespace

PackageReport package(const PackageJob& job, const ProgressFn& progress) {
  if (job.outputs.empty())
    throw UsageError("no preset given; add -p NAME (see `reelpack presets list`)");
  const Stopwatch clock;
  DecodeOptions decode;
  decode.allow_truncated = job.allow_truncated;
  decode.audio_stream = job.audio_stream;
  InputFile input(job.input, decode);
  PackageReport report;
  report.input = input.info();
  const std::vector<TimeRange> ranges = resolve_ranges(input.info(), job);
  const int64_t duration_us = output_duration_us(report.input, ranges);
  std::vector<std::string> subtitle_warnings;
  JobSubtitles subtitles(job, ranges, duration_us, subtitle_warnings);
  const std::vector<OutputPlan> plans = plan_package(
      input.info(), job,
      [&](Size size, const SafeArea& safe) { return subtitles.burn_script(size, safe); },
      loudness_meter(job, ranges));
  // --reframe smart: an analysis pass places every output's window before the encode.
  const auto smart = SmartReframe::prepare(job, input, ranges, plans,
                                           analysis_progress(progress, clock, duration_us));

  EncodeProgress encoding(progress, clock, input.video_time_base(), duration_us);
  Encodes encodes(plans, input, job, subtitles.tracks(), smart.get());
  encodes.start();
  FanOut fan_out(input, ranges, encodes, smart.get(), encoding, report);
  fan_out.run();
  report.outputs = encodes.finish(frame_check(job, ranges, input));
  for (size_t i = 0; i < plans.size() && i < report.outputs.size(); ++i) {
    report.outputs[i].frame_rate = plans[i].frame_rate.rate;
    report.outputs[i].frame_rate_reason = plans[i].frame_rate.reason;
    report.outputs[i].loudness = plans[i].loudness;
  }
  report.warnings.insert(report.warnings.end(), subtitle_warnings.begin(), subtitle_warnings.end());
  if (!input.truncation().empty()) {
    report.warnings.push_back(job.input.string() + ": " + input.truncation() +
                              "; used what there is (--allow-truncated)");
  }

  // A signal that arrives once every output is complete changes nothing: keep them.
  report.elapsed_s = clock.elapsed_s();
  report.ranges = fan_out.ranges_read();
  if (smart) smart->finish(job, report);
  report.output_duration_us = duration_us;
  return report;
}

}  // namespace reelpack
