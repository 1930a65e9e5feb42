// A libavfilter graph with one buffer source and one buffer sink, for either video or
// audio, built from a filter description such as "crop=608:1080,scale=1080:1920".
//
//   FilterGraph g = FilterGraph::video(first_frame, time_base, "scale=1080:1920",
//   AV_PIX_FMT_YUV420P, path); g.push(frame);              // nullptr signals end of stream while
//   (g.pull(out)) { ... } // drains what is ready
#pragma once

#include <string>

#include "media/av_ptr.h"
#include "media/frame_end.h"

namespace reelpack {

class FilterGraph {
 public:
  // Video graph; the source takes its size and format from `first_frame`.
  static FilterGraph video(const AVFrame* first_frame, AVRational time_base, AVRational sar,
                           const std::string& description, const std::string& file);
  // Audio graph; the source takes its layout, rate and format from `first_frame`.
  // `frame_size` > 0 makes the sink hand out frames of exactly that many samples.
  static FilterGraph audio(const AVFrame* first_frame, AVRational time_base,
                           const std::string& description, int frame_size, const std::string& file);

  FilterGraph(FilterGraph&&) noexcept = default;
  FilterGraph& operator=(FilterGraph&&) noexcept = default;

  void push(AVFrame* frame);  // the graph takes a new reference; nullptr = end of stream
  // Fills `out` and returns true when a frame is ready; false when the graph needs more
  // input or has finished (see finished()).
  bool pull(AVFrame* out);
  bool finished() const { return finished_; }
  AVRational output_time_base() const;
  // The filtered frame rate the sink announces (video), {0,1} when unknown.
  AVRational output_frame_rate() const;

 private:
  FilterGraph() = default;
  void build(const std::string& source_args, const char* source_name,
             const std::string& description, const std::string& file);

  av::FilterGraphPtr graph_;
  AVFilterContext* source_ = nullptr;  // owned by graph_
  AVFilterContext* sink_ = nullptr;    // owned by graph_
  std::string file_;
  AVRational time_base_{1, 1};
  FrameEndClock end_clock_;
  int64_t end_pts_ = 0;  // end of the latest frame pushed, for closing the source
  bool finished_ = false;
};

}  // namespace reelpack
