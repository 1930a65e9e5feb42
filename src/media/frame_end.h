// When a decoded frame stops being shown: one rule for every stage that needs a stream's
// end (the filter graphs' closing timestamp, a range's last frame, the smart analysis).
//
//   FrameEndClock clock(time_base);
//   for (AVFrame* f : frames) end_pts = std::max(end_pts, clock.end_of(f));
//
// A frame lasts its packet's duration; without one, the gap since the previous frame;
// an audio frame without either lasts its samples. Never less than zero.
#pragma once

#include <cstdint>

extern "C" {
#include <libavutil/frame.h>
}

namespace reelpack {

class FrameEndClock {
 public:
  // `time_base`: the frames' timestamps' unit (for audio frames' sample counts).
  explicit FrameEndClock(AVRational time_base = {1, 1}) : time_base_(time_base) {}

  // The end of `f` (its pts plus its duration) in its time base; remembers f's pts for
  // the next frame. `f->pts` must be set.
  int64_t end_of(const AVFrame* f) {
    int64_t duration = f->pkt_duration;
    if (duration <= 0 && last_pts_ != AV_NOPTS_VALUE) duration = f->pts - last_pts_;
    if (duration <= 0 && f->sample_rate > 0) {
      duration = av_rescale_q(f->nb_samples, {1, f->sample_rate}, time_base_);
    }
    last_pts_ = f->pts;
    return f->pts + (duration > 0 ? duration : 0);
  }

 private:
  AVRational time_base_;
  int64_t last_pts_ = AV_NOPTS_VALUE;
};

}  // namespace reelpack
