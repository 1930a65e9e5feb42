// Cut lists: parsing "START-END" ranges and reading exactly those frames and samples.
//
//   RangeSpec r = parse_range("00:01:02.500-f2000");   // seconds, HH:MM:SS.mmm or frame numbers
//   TimeRange t = resolve_range(r, {30, 1}, duration_us);
//   RangeReader(input, {t}).run(sink);   // frames re-timed onto one continuous timeline
//
// A range holds the source frames whose presentation time t satisfies START <= t < END
// (within half a tick of the container's time base, which rounds timestamps), so A-B and
// B-C together hold exactly the frames of A-C; f60-f120 is frames 60 to 119. Audio is
// trimmed to the same instants (from the first frame's time to the time of the first frame
// at or after END), sample-accurately, with a short fade at each join so it does not click.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/units.h"
#include "media/input.h"

namespace reelpack {

struct TimePoint {
  bool is_frame = false;
  int64_t time_us = 0;  // when !is_frame
  int64_t frame = 0;    // when is_frame
};

struct RangeSpec {
  TimePoint start;
  TimePoint end;
  std::string text;  // as the user wrote it, for messages
};

struct TimeRange {
  int64_t start_us = 0;
  int64_t end_us = 0;
  int64_t length_us() const { return end_us - start_us; }
};

// "12.5", "1:02.5", "00:01:02.500", "f300". Throws UsageError.
TimePoint parse_time_point(const std::string& text);
// "START-END". Throws UsageError naming the text.
RangeSpec parse_range(const std::string& text);
// Frame numbers become times on the source's nominal frame grid. Throws UsageError when the
// range is empty or starts after the end of the input; an END past the end is clamped.
// `first_frame_us` is where the video's frame 0 sits on the source timeline (files whose
// audio starts first put it later than zero).
TimeRange resolve_range(const RangeSpec& spec, Rational frame_rate, int64_t duration_us,
                        int64_t first_frame_us = 0);
// Every range of a cut list resolved for `input`: frame numbers on its video's nominal frame
// grid, counted from its first frame.
std::vector<TimeRange> resolve_ranges(const MediaInfo& input, const std::vector<RangeSpec>& specs);
std::string format_time(int64_t time_us);  // "00:01:02.500"

// Seeks so that the next video frame decoded is at or before `time_us` (within
// `tolerance_us`), stepping back further where the demuxer lands past the keyframe needed
// (MPEG-TS and other files without an index seek by byte position).
void seek_at_or_before(InputFile& input, int64_t time_us, int64_t tolerance_us);

class RangeReader {
 public:
  RangeReader(InputFile& input, std::vector<TimeRange> ranges, int64_t join_fade_us = 5000);
  // Seeks to the keyframe before each range, decodes forward, hands out the frames inside
  // it with timestamps on one continuous timeline from zero, then sink(kind, nullptr).
  void run(const InputFile::FrameSink& sink);

  // The actual span each range produced, on the source timeline (after run()).
  const std::vector<TimeRange>& actual() const { return actual_; }

 private:
  InputFile& input_;
  std::vector<TimeRange> ranges_;
  int64_t join_fade_us_;
  std::vector<TimeRange> actual_;
};

}  // namespace reelpack
