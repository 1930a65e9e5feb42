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

int64_t parse_seconds_us(const std::string& s, const std::string& whole) {
  size_t used = 0;
  double v = -1;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size() || !std::isfinite(v) || v < 0) {
    throw UsageError("'" + whole + "' is not a time (12.5, 00:01:02.500 or f300)");
  }
  return std::llround(v * 1e6);
}
}  // namespace

TimePoint parse_time_point(const std::string& raw) {
  const std::string t = trim(raw);
  TimePoint p;
  if (!t.empty() && (t[0] == 'f' || t[0] == 'F')) {
    const std::string n = t.substr(1);
    if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos) {
      throw UsageError("'" + t + "' is not a frame number like f300");
    }
    p.is_frame = true;
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
        throw UsageError("'" + t +
                         "' has seconds of 60 or more; write 00:01:15 rather than 00:00:75");
      }
      total_us = total_us * 60 + seconds_us;
      break;
    }
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos || parts >= 2) {
      throw UsageError("'" + t + "' is not a time (12.5, 00:01:02.500 or f300)");
    }
    if (parts++ > 0 && std::stoll(part) >= 60) {
      throw UsageError("'" + t + "' has minutes of 60 or more; write 01:15:00 rather than 75:00");
    }
    total_us = total_us * 60 + std::stoll(part) * 1'000'000;
    start = colon + 1;
  }
  p.time_us = total_us;
  return p;
}

RangeSpec parse_range(const std::string& raw) {
  const std::string t = trim(raw);
  const size_t dash = t.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == t.size()) {
    throw UsageError("--range " + t + ": expected START-END, e.g. 12.5-20 or f300-f450");
  }
  RangeSpec r;
  r.text = t;
  try {
    r.start = parse_time_point(t.substr(0, dash));
    r.end = parse_time_point(t.substr(dash + 1));
  } catch (const UsageError& e) {
    throw UsageError("--range " + t + ": " + e.what());
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

struct RangeReader::State {
  int64_t offset_us = 0;  // where the current range starts on the output timeline
};

RangeReader::RangeReader(InputFile& input, std::vector<TimeRange> ranges, int64_t join_fade_us)
    : input_(input), ranges_(std::move(ranges)), join_fade_us_(join_fade_us) {}

void RangeReader::run(const InputFile::FrameSink& sink) {
  State st;
  actual_.clear();
  for (size_t i = 0; i < ranges_.size(); ++i) run_range(i, st, sink);
  if (input_.decodes_video()) sink(StreamKind::Video, nullptr);
  if (input_.decodes_audio()) sink(StreamKind::Audio, nullptr);
}

void RangeReader::run_range(size_t index, State& st, const InputFile::FrameSink& sink) {
  const TimeRange r = ranges_[index];
  const bool has_video = input_.decodes_video();
  const bool has_audio = input_.decodes_audio();
  const AVRational vtb = input_.video_time_base();
  const AVRational atb = input_.audio_time_base();
  const bool fade_in = index > 0;
  const bool fade_out = index + 1 < ranges_.size();

  // Container timestamps are rounded to their time base (Matroska: 1 ms), so a frame
  // within half a tick of START or END is the frame at that instant: f2 is frame 2 even
  // when its 66.667 ms is stored as 67 ms.
  const int64_t tol_us = has_video ? av_rescale_q(1, vtb, kMicros) / 2 : 0;
  auto compare_us = [&](int64_t pts, int64_t t_us) {
    const int64_t p_us = av_rescale_q(pts, vtb, kMicros);
    return p_us < t_us - tol_us ? -1 : p_us > t_us + tol_us ? 1 : 0;
  };

  seek_at_or_before(input_, r.start_us, tol_us);

  // Video: the frame shown at START is the last one at or before it, so hold each such
  // frame until a later one proves it was the last.
  av::FramePtr held;
  bool started = !has_video;
  bool video_done = !has_video;
  int64_t start_pts = 0;                          // video time base
  int64_t end_pts = 0;                            // video time base
  int64_t start_us = has_video ? 0 : r.start_us;  // source timeline
  int64_t end_us = has_video ? 0 : r.end_us;
  int64_t last_video_end = 0;
  const int64_t offset_v = av_rescale_q(st.offset_us, kMicros, vtb);

  std::deque<av::FramePtr> pending_audio;
  bool audio_done = !has_audio;

  FrameEndClock video_end(vtb);
  auto emit_video = [&](AVFrame* f) {
    last_video_end = std::max(last_video_end, video_end.end_of(f));
    f->pts = f->pts - start_pts + offset_v;
    sink(StreamKind::Video, f);
  };
  auto start_with = [&](AVFrame* f) {
    started = true;
    start_pts = f->pts;
    start_us = av_rescale_q(start_pts, vtb, kMicros);
    emit_video(f);
  };
  auto finish_video = [&](int64_t pts) {
    video_done = true;
    end_pts = pts;
    end_us = av_rescale_q(end_pts, vtb, kMicros);
  };

  // Audio: trimmed to [start, end) of the video actually cut, in samples.
  auto process_audio = [&] {
    while (!pending_audio.empty() && !audio_done) {
      AVFrame* a = pending_audio.front().get();
      const AVRational srate{1, a->sample_rate};
      const int64_t a0 = av_rescale_q(a->pts, atb, srate);
      const int64_t a1 = a0 + a->nb_samples;
      if (!started) {
        // START's frame is not known yet; keep only what may still fall inside.
        if (a1 < av_rescale_q(r.start_us - 1'000'000, kMicros, srate)) {
          pending_audio.pop_front();
          continue;
        }
        return;
      }
      const int64_t s0 = av_rescale_q(start_us, kMicros, srate);
      const int64_t s1 = video_done ? av_rescale_q(end_us, kMicros, srate)
                                    : av_rescale_q(r.end_us, kMicros, srate);  // lower bound
      if (!video_done && a1 > s1) return;  // wait until the video tells the real end
      if (a1 <= s0) {
        pending_audio.pop_front();
        continue;
      }
      if (a0 >= s1) {
        audio_done = video_done;
        pending_audio.pop_front();
        continue;
      }
      const int64_t from = std::max(a0, s0), to = std::min(a1, s1);
      av::FramePtr part = (from == a0 && to == a1) ? std::move(pending_audio.front())
                                                   : slice_audio(a, static_cast<int>(from - a0),
                                                                 static_cast<int>(to - from));
      pending_audio.pop_front();
      const int64_t fade = av_rescale_q(join_fade_us_, kMicros, srate);
      if (fade > 0 && ((fade_in && from < s0 + fade) || (fade_out && to > s1 - fade))) {
        apply_gain(part.get(), [&](int i) {
          const int64_t s = from + i;
          double g = 1.0;
          if (fade_in) g = std::min(g, static_cast<double>(s - s0) / fade);
          if (fade_out) g = std::min(g, static_cast<double>(s1 - s) / fade);
          return std::clamp(g, 0.0, 1.0);
        });
      }
      const int64_t out_samples = from - s0 + av_rescale_q(st.offset_us, kMicros, srate);
      part->pts = av_rescale_q(out_samples, srate, atb);
      sink(StreamKind::Audio, part.get());
      if (to >= s1 && video_done) audio_done = true;
    }
  };

  auto on_frame = [&](StreamKind kind, AVFrame* f) {
    if (kind == StreamKind::Audio) {
      if (audio_done) return;
      av::FramePtr copy(av_frame_clone(f));
      if (!copy) throw std::bad_alloc();
      pending_audio.push_back(std::move(copy));
      process_audio();
      return;
    }
    if (video_done) return;
    const int vs_start = compare_us(f->pts, r.start_us);
    const int vs_end = compare_us(f->pts, r.end_us);
    if (vs_end >= 0) {  // the first frame at or after END closes the range
      if (!started && held) start_with(held.get());
      if (!started) start_with(f);  // a range shorter than one frame still yields one
      finish_video(std::max(f->pts, last_video_end));
      process_audio();
      return;
    }
    if (!started) {
      if (vs_start < 0) {
        held.reset(av_frame_clone(f));
        if (!held) throw std::bad_alloc();
        return;
      }
      if (vs_start > 0 && held) start_with(held.get());
      held.reset();
      if (!started) {
        start_with(f);
        return;
      }
    }
    emit_video(f);
  };

  while (!(video_done && audio_done)) {
    if (!input_.read_some(on_frame)) {
      // End of file inside the range.
      if (!started && held) start_with(held.get());
      if (!video_done) finish_video(has_video ? last_video_end : r.end_us);
      if (!has_video) end_us = r.end_us;
      process_audio();
      audio_done = true;
      video_done = true;
    }
  }
  actual_.push_back({start_us, end_us});
  st.offset_us += end_us - start_us;
}

}  // namespace reelpack
