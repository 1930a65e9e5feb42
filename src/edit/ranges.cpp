#include "edit/ranges.h"

extern "C" {
#include <libavutil/mathematics.h>
#include <libavutil/samplefmt.h>
}

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>

#include "core/error.h"
#include "media/av_error.h"
#include "media/frame_end.h"

namespace reelpack {

namespace {
constexpr AVRational kMicros{1, 1'000'000};

// Larger than any master (so every real time and frame number parses), small enough that
// no arithmetic on them overflows int64_t microseconds.
constexpr int64_t kMaxTimeUs = int64_t{1000} * 3600 * 1'000'000;  // 1000 hours
constexpr int64_t kMaxFrame = 1'000'000'000;
constexpr size_t kMaxTimePointChars = 64;

UsageError too_large(const std::string& t) {
  return UsageError("'" + excerpt(t) +
                    "' is beyond the longest input reelpack takes (1000 hours, f" +
                    std::to_string(kMaxFrame) + ")");
}

int64_t parse_seconds_us(const std::string& s, const std::string& whole) {
  size_t used = 0;
  double v = -1;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size() || !std::isfinite(v) || v < 0) {
    throw UsageError("'" + excerpt(whole) + "' is not a time (12.5, 00:01:02.500 or f300)");
  }
  if (v > static_cast<double>(kMaxTimeUs) / 1e6) throw too_large(whole);
  return std::llround(v * 1e6);
}
}  // namespace

TimePoint parse_time_point(const std::string& raw) {
  const std::string t = trim(raw);
  // No time or frame number is this long: a line of junk is not read (nor quoted) whole.
  if (t.size() > kMaxTimePointChars) {
    throw UsageError("'" + excerpt(t) + "' is not a time (12.5, 00:01:02.500 or f300)");
  }
  TimePoint p;
  if (!t.empty() && (t[0] == 'f' || t[0] == 'F')) {
    const std::string n = t.substr(1);
    if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos) {
      throw UsageError("'" + excerpt(t) + "' is not a frame number like f300");
    }
    p.is_frame = true;
    if (n.size() > 10 || std::stoll(n) > kMaxFrame) throw too_large(t);
    p.frame = std::stoll(n);
    return p;
  }
  // [[HH:]MM:]SS[.fff]
  int64_t total_us = 0;
  size_t start = 0;
  int parts = 0;
  for (;;) {
    const size_t colon = t.find(':', start);
    const std::string part =
        t.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (colon == std::string::npos) {
      const int64_t seconds_us = parse_seconds_us(part, t);
      if (parts > 0 && seconds_us >= 60'000'000) {
        throw UsageError("'" + excerpt(t) +
                         "' has seconds of 60 or more; write 00:01:15 rather than 00:00:75");
      }
      total_us = total_us * 60 + seconds_us;
      if (total_us > kMaxTimeUs) throw too_large(t);
      break;
    }
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos || parts >= 2) {
      throw UsageError("'" + excerpt(t) + "' is not a time (12.5, 00:01:02.500 or f300)");
    }
    if (part.size() > 7) throw too_large(t);  // hours or minutes
    if (parts++ > 0 && std::stoll(part) >= 60) {
      throw UsageError("'" + excerpt(t) +
                       "' has minutes of 60 or more; write 01:15:00 rather than 75:00");
    }
    total_us = total_us * 60 + std::stoll(part) * 1'000'000;
    if (total_us > kMaxTimeUs) throw too_large(t);
    start = colon + 1;
  }
  p.time_us = total_us;
  return p;
}

RangeSpec parse_range(const std::string& raw) {
  const std::string t = trim(raw);
  const size_t dash = t.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == t.size()) {
    throw UsageError("--range " + excerpt(t) + ": expected START-END, e.g. 12.5-20 or f300-f450");
  }
  RangeSpec r;
  r.text = t;
  try {
    r.start = parse_time_point(t.substr(0, dash));
    r.end = parse_time_point(t.substr(dash + 1));
  } catch (const UsageError& e) {
    throw UsageError("--range " + excerpt(t, 140) + ": " + e.what());
  }
  return r;
}

TimeRange resolve_range(const RangeSpec& spec, Rational fps, int64_t duration_us,
                        int64_t first_frame_us) {
  auto to_us = [&](const TimePoint& p) {
    if (!p.is_frame) return p.time_us;
    if (fps.num <= 0)
      throw UsageError("--range " + spec.text + ": the input has no frame rate for frame numbers");
    return first_frame_us + av_rescale(p.frame, int64_t{1'000'000} * fps.den, fps.num);
  };
  TimeRange r{to_us(spec.start), to_us(spec.end)};
  if (r.end_us <= r.start_us) {
    throw UsageError("--range " + spec.text + ": END must come after START");
  }
  if (duration_us > 0 && r.start_us >= duration_us) {
    throw UsageError("--range " + spec.text + ": starts after the end of the input (" +
                     format_time(duration_us) + ")");
  }
  if (duration_us > 0) r.end_us = std::min(r.end_us, duration_us);
  return r;
}

std::vector<TimeRange> resolve_ranges(const MediaInfo& in, const std::vector<RangeSpec>& specs) {
  std::vector<TimeRange> out;
  const Rational fps = in.video ? in.video->nominal_frame_rate() : Rational{0, 1};
  for (const RangeSpec& spec : specs)
    out.push_back(resolve_range(spec, fps, in.duration_us, in.video ? in.video->start_us : 0));
  return out;
}

std::string format_time(int64_t us) {
  char buf[40];
  const int64_t ms = (us + 500) / 1000;
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld",
                static_cast<long long>(ms / 3'600'000), static_cast<long long>(ms / 60'000 % 60),
                static_cast<long long>(ms / 1000 % 60), static_cast<long long>(ms % 1000));
  return buf;
}

namespace {

// A copy of samples [first, first + count) of `src`, in the same format and layout.
av::FramePtr slice_audio(const AVFrame* src, int first, int count) {
  av::FramePtr dst = av::make_frame();
  dst->format = src->format;
  dst->sample_rate = src->sample_rate;
  dst->nb_samples = count;
  av::check(av_channel_layout_copy(&dst->ch_layout, &src->ch_layout), "copy a channel layout",
            "audio");
  av::check(av_frame_get_buffer(dst.get(), 0), "allocate audio", "audio");
  av_samples_copy(dst->extended_data, src->extended_data, 0, first, count,
                  src->ch_layout.nb_channels, static_cast<AVSampleFormat>(src->format));
  return dst;
}

template <typename T>
void scale_sample(uint8_t* base, int index, double gain) {
  T* p = reinterpret_cast<T*>(base) + index;
  *p = static_cast<T>(*p * gain);
}

// Multiplies sample i (0-based in the frame) by gain(i), for every channel.
template <typename Gain>
void apply_gain(AVFrame* f, Gain gain) {
  const auto fmt = static_cast<AVSampleFormat>(f->format);
  const bool planar = av_sample_fmt_is_planar(fmt);
  const int channels = f->ch_layout.nb_channels;
  const AVSampleFormat packed = av_get_packed_sample_fmt(fmt);
  for (int i = 0; i < f->nb_samples; ++i) {
    const double g = gain(i);
    if (g >= 1.0) continue;
    for (int c = 0; c < channels; ++c) {
      uint8_t* base = planar ? f->extended_data[c] : f->extended_data[0];
      const int index = planar ? i : i * channels + c;
      switch (packed) {
        case AV_SAMPLE_FMT_FLT:
          scale_sample<float>(base, index, g);
          break;
        case AV_SAMPLE_FMT_DBL:
          scale_sample<double>(base, index, g);
          break;
        case AV_SAMPLE_FMT_S16:
          scale_sample<int16_t>(base, index, g);
          break;
        case AV_SAMPLE_FMT_S32:
          scale_sample<int32_t>(base, index, g);
          break;
        case AV_SAMPLE_FMT_S64:
          scale_sample<int64_t>(base, index, g);
          break;
        default:
          return;  // unsigned 8-bit: too rare to be worth a fade
      }
    }
  }
}

}  // namespace

// Seeks so that decoding starts at or before `time_us`. Demuxers without an index
// (MPEG-TS, some camera files) seek by byte position and can land after the keyframe we
// need; the decoder then starts at the next keyframe, past START. So decode until the
// first video frame comes out, and step back further (1 s, 2 s, 4 s...) while it is late.
void seek_at_or_before(InputFile& input, int64_t time_us, int64_t tolerance_us) {
  const AVRational vtb = input.video_time_base();
  for (int64_t back_us = 0;; back_us = back_us == 0 ? 1'000'000 : back_us * 2) {
    const int64_t target_us = std::max<int64_t>(time_us - back_us, 0);
    input.seek_to(target_us);
    if (!input.decodes_video() || target_us == 0) return;
    int64_t first_us = AV_NOPTS_VALUE;
    while (first_us == AV_NOPTS_VALUE) {
      const bool more = input.read_some([&](StreamKind kind, AVFrame* f) {
        if (kind == StreamKind::Video && first_us == AV_NOPTS_VALUE) {
          first_us = av_rescale_q(f->pts, vtb, kMicros);
        }
      });
      if (!more) break;
    }
    if (first_us == AV_NOPTS_VALUE || first_us <= time_us + tolerance_us) {
      input.seek_to(target_us);  // the same seek lands on the same keyframe
      return;
    }
  }
}

namespace {

// One range of RangeReader::run(): the decoded frames inside [START, END), handed to the
// sink re-timed to follow the ranges before it (`offset_us` on the output timeline).
class RangeCut {
 public:
  RangeCut(InputFile& input, TimeRange range, int64_t offset_us, bool fade_in, bool fade_out,
           int64_t join_fade_us, const InputFile::FrameSink& sink);
  // Decodes the range; returns the span it produced on the source timeline.
  TimeRange run();

 private:
  void on_frame(StreamKind kind, AVFrame* f);
  void on_video(AVFrame* f);
  // The error for a range with no frame in it; `next_frame_us` is the first one after it.
  ProcessingError no_frame(int64_t next_frame_us) const;
  void start_with(AVFrame* f);
  void emit_video(AVFrame* f);
  void flush_video(int64_t until_pts);
  void finish_video(int64_t pts);
  void finish_at_eof();
  void process_audio();
  void emit_audio(av::FramePtr part, int64_t from, int64_t s0, int64_t s1, AVRational srate);
  // -1, 0 or 1 as video `pts` is before, at or after `t_us`, within the container's rounding.
  int compare_us(int64_t pts, int64_t t_us) const;

  InputFile& input_;
  const TimeRange range_;
  const int64_t offset_us_;
  const bool fade_in_;
  const bool fade_out_;
  const int64_t join_fade_us_;
  const InputFile::FrameSink& sink_;
  const bool has_video_;
  const bool has_audio_;
  const AVRational vtb_;
  const AVRational atb_;
  const int64_t tol_us_;
  const int64_t offset_v_;  // offset_us_ in the video time base

  // Video: the frames whose time t is START <= t < END; the last one seen is held until the
  // next one tells how long it is shown.
  av::FramePtr shown_;
  int64_t before_pts_ = AV_NOPTS_VALUE;  // the last frame before START
  int64_t max_step_ = 0;                 // 1.5 nominal frames: neighbours, not a gap
  bool started_;
  bool video_done_;
  int64_t start_pts_ = 0;  // video time base
  int64_t end_pts_ = 0;    // video time base
  int64_t start_us_;       // source timeline
  int64_t end_us_;
  int64_t last_video_end_ = 0;
  FrameEndClock video_end_;

  // Audio: trimmed to [start, end) of the video actually cut, in samples.
  std::deque<av::FramePtr> pending_audio_;
  bool audio_done_;
};

RangeCut::RangeCut(InputFile& input, TimeRange range, int64_t offset_us, bool fade_in,
                   bool fade_out, int64_t join_fade_us, const InputFile::FrameSink& sink)
    : input_(input),
      range_(range),
      offset_us_(offset_us),
      fade_in_(fade_in),
      fade_out_(fade_out),
      join_fade_us_(join_fade_us),
      sink_(sink),
      has_video_(input.decodes_video()),
      has_audio_(input.decodes_audio()),
      vtb_(input.video_time_base()),
      atb_(input.audio_time_base()),
      // Container timestamps are rounded to their time base (Matroska: 1 ms), so a frame
      // within half a tick of START or END is the frame at that instant: f2 is frame 2
      // even when its 66.667 ms is stored as 67 ms.
      tol_us_(has_video_ ? av_rescale_q(1, vtb_, kMicros) / 2 : 0),
      offset_v_(av_rescale_q(offset_us, kMicros, vtb_)),
      started_(!has_video_),
      video_done_(!has_video_),
      start_us_(has_video_ ? 0 : range.start_us),
      end_us_(has_video_ ? 0 : range.end_us),
      video_end_(vtb_),
      audio_done_(!has_audio_) {
  const Rational fps =
      input.info().video ? input.info().video->nominal_frame_rate() : Rational{0, 1};
  if (fps.num > 0) max_step_ = av_rescale_q(3 * fps.den, {1, 2 * fps.num}, vtb_);
}

TimeRange RangeCut::run() {
  seek_at_or_before(input_, range_.start_us, tol_us_);
  const InputFile::FrameSink on_frame = [this](StreamKind kind, AVFrame* f) {
    this->on_frame(kind, f);
  };
  while (!(video_done_ && audio_done_)) {
    if (!input_.read_some(on_frame)) finish_at_eof();
  }
  return {start_us_, end_us_};
}

int RangeCut::compare_us(int64_t pts, int64_t t_us) const {
  const int64_t p_us = av_rescale_q(pts, vtb_, kMicros);
  return p_us < t_us - tol_us_ ? -1 : p_us > t_us + tol_us_ ? 1 : 0;
}

void RangeCut::on_frame(StreamKind kind, AVFrame* f) {
  if (kind == StreamKind::Audio) {
    if (audio_done_) return;
    av::FramePtr copy(av_frame_clone(f));
    if (!copy) throw std::bad_alloc();
    pending_audio_.push_back(std::move(copy));
    process_audio();
    return;
  }
  if (!video_done_) on_video(f);
}

void RangeCut::on_video(AVFrame* f) {
  if (compare_us(f->pts, range_.end_us) >= 0) {  // the first frame at or after END closes it
    // No frame inside: between two neighbouring frames the range is simply empty (an
    // error); after a gap, frames there did not decode, which the output's frame check
    // reports as damage.
    if (!started_ && before_pts_ != AV_NOPTS_VALUE && f->pts - before_pts_ <= max_step_) {
      throw no_frame(av_rescale_q(f->pts, vtb_, kMicros));
    }
    finish_video(f->pts);
    process_audio();
    return;
  }
  if (started_) {
    emit_video(f);
  } else if (compare_us(f->pts, range_.start_us) >= 0) {  // the first frame at or after START
    start_with(f);
  } else {
    before_pts_ = f->pts;
  }
}

ProcessingError RangeCut::no_frame(int64_t next_frame_us) const {
  const std::string next = next_frame_us == AV_NOPTS_VALUE
                               ? "no frame follows START"
                               : "the next frame is at " + format_time(next_frame_us);
  return ProcessingError(input_.path().string() + ": the range " + format_time(range_.start_us) +
                         "-" + format_time(range_.end_us) + " holds no video frame (" + next +
                         "; a range holds the frames with START <= time < END); widen it");
}

void RangeCut::start_with(AVFrame* f) {
  started_ = true;
  start_pts_ = f->pts;
  start_us_ = av_rescale_q(start_pts_, vtb_, kMicros);
  emit_video(f);
}

// Each frame is handed out when the next one arrives, lasting exactly until it: packet
// durations are dts steps, which say nothing of how long a reordered frame of a
// variable-rate stream is shown, and the range's last frame must end where the next range
// starts.
void RangeCut::emit_video(AVFrame* f) {
  last_video_end_ = std::max(last_video_end_, video_end_.end_of(f));
  flush_video(f->pts);
  shown_.reset(av_frame_clone(f));
  if (!shown_) throw std::bad_alloc();
}

void RangeCut::flush_video(int64_t until_pts) {
  if (!shown_) return;
  if (until_pts != AV_NOPTS_VALUE && until_pts > shown_->pts) {
    // Up to three nominal frames: a variable-rate gap is kept, but a stretch that did not
    // decode is not painted over with the frame before it (the output's frame check
    // reports it as damage).
    int64_t duration = until_pts - shown_->pts;
    if (max_step_ > 0) duration = std::min(duration, std::max(shown_->pkt_duration, 2 * max_step_));
    shown_->pkt_duration = duration;
  }
  shown_->pts = shown_->pts - start_pts_ + offset_v_;
  sink_(StreamKind::Video, shown_.get());
  shown_.reset();
}

void RangeCut::finish_video(int64_t pts) {
  flush_video(pts);
  if (!started_) {  // nothing decoded inside: an empty span, and no audio either
    start_pts_ = pts;
    start_us_ = av_rescale_q(pts, vtb_, kMicros);
    audio_done_ = true;
    pending_audio_.clear();
  }
  video_done_ = true;
  end_pts_ = pts;
  end_us_ = av_rescale_q(end_pts_, vtb_, kMicros);
}

// End of file inside the range.
void RangeCut::finish_at_eof() {
  if (!video_done_) finish_video(has_video_ ? last_video_end_ : range_.end_us);
  if (!has_video_) end_us_ = range_.end_us;
  process_audio();
  audio_done_ = true;
  video_done_ = true;
}

void RangeCut::process_audio() {
  while (!pending_audio_.empty() && !audio_done_) {
    AVFrame* a = pending_audio_.front().get();
    const AVRational srate{1, a->sample_rate};
    const int64_t a0 = av_rescale_q(a->pts, atb_, srate);
    const int64_t a1 = a0 + a->nb_samples;
    if (!started_) {
      // START's frame is not known yet; keep only what may still fall inside.
      if (a1 < av_rescale_q(range_.start_us - 1'000'000, kMicros, srate)) {
        pending_audio_.pop_front();
        continue;
      }
      return;
    }
    const int64_t s0 = av_rescale_q(start_us_, kMicros, srate);
    const int64_t s1 = video_done_ ? av_rescale_q(end_us_, kMicros, srate)
                                   : av_rescale_q(range_.end_us, kMicros, srate);  // lower bound
    if (!video_done_ && a1 > s1) return;  // wait until the video tells the real end
    if (a1 <= s0) {
      pending_audio_.pop_front();
      continue;
    }
    if (a0 >= s1) {
      audio_done_ = video_done_;
      pending_audio_.pop_front();
      continue;
    }
    const int64_t from = std::max(a0, s0), to = std::min(a1, s1);
    av::FramePtr part = (from == a0 && to == a1) ? std::move(pending_audio_.front())
                                                 : slice_audio(a, static_cast<int>(from - a0),
                                                               static_cast<int>(to - from));
    pending_audio_.pop_front();
    emit_audio(std::move(part), from, s0, s1, srate);
    if (to >= s1 && video_done_) audio_done_ = true;
  }
}

// `part` holds samples from `from` of the range [s0, s1): faded in and out at the joins
// with the other ranges, and re-timed onto the output timeline.
void RangeCut::emit_audio(av::FramePtr part, int64_t from, int64_t s0, int64_t s1,
                          AVRational srate) {
  const int64_t to = from + part->nb_samples;
  const int64_t fade = av_rescale_q(join_fade_us_, kMicros, srate);
  if (fade > 0 && ((fade_in_ && from < s0 + fade) || (fade_out_ && to > s1 - fade))) {
    apply_gain(part.get(), [&](int i) {
      const int64_t s = from + i;
      double g = 1.0;
      if (fade_in_) g = std::min(g, static_cast<double>(s - s0) / fade);
      if (fade_out_) g = std::min(g, static_cast<double>(s1 - s) / fade);
      return std::clamp(g, 0.0, 1.0);
    });
  }
  const int64_t out_samples = from - s0 + av_rescale_q(offset_us_, kMicros, srate);
  part->pts = av_rescale_q(out_samples, srate, atb_);
  sink_(StreamKind::Audio, part.get());
}

}  // namespace

RangeReader::RangeReader(InputFile& input, std::vector<TimeRange> ranges, int64_t join_fade_us)
    : input_(input), ranges_(std::move(ranges)), join_fade_us_(join_fade_us) {}

void RangeReader::run(const InputFile::FrameSink& sink) {
  actual_.clear();
  int64_t offset_us = 0;  // where the current range starts on the output timeline
  for (size_t i = 0; i < ranges_.size(); ++i) {
    RangeCut cut(input_, ranges_[i], offset_us, i > 0, i + 1 < ranges_.size(), join_fade_us_, sink);
    actual_.push_back(cut.run());
    offset_us += actual_.back().length_us();
  }
  if (input_.decodes_video()) sink(StreamKind::Video, nullptr);
  if (input_.decodes_audio()) sink(StreamKind::Audio, nullptr);
}

}  // namespace reelpack
