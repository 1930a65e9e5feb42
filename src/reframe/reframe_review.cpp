#include "reframe/reframe_review.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "core/atomic_file.h"

namespace reelpack {
namespace fs = std::filesystem;

SmartPath write_reframe_review(const SmartAnalysis& a, const ReviewFiles& files,
                               const WroteFile& wrote) {
  SmartPath path = solve_smart_path(a, files.window);
  if (!files.crop_path.empty()) {
    const OutputFrames frames = output_frames(a, files.rate);
    write_crop_path(files.crop_path, output_windows(path, frames), frames.times());
    if (wrote) wrote(files.crop_path, frames.count());
  }
  if (!files.detections.empty()) {
    write_detections(files.detections, a);
    if (wrote) wrote(files.detections, std::nullopt);
  }
  if (!files.preview.empty()) {
    const int64_t n =
        render_reframe_preview(a, path, files.ranges, files.preview, files.preview_options);
    if (wrote) wrote(files.preview, n);
  }
  return path;
}

void write_detections(const fs::path& file, const SmartAnalysis& a) {
  std::ostringstream o;
  o << "frame,pts_seconds,kind,x,y,width,height,confidence\n";
  std::vector<const SubjectSample*> all;
  for (const auto& s : a.faces) all.push_back(&s);
  for (const auto& s : a.motion) all.push_back(&s);
  std::stable_sort(all.begin(), all.end(), [](const SubjectSample* x, const SubjectSample* y) {
    return x->frame < y->frame;
  });
  char seconds[32];
  for (const SubjectSample* s : all) {
    std::snprintf(seconds, sizeof seconds, "%.6f", a.source_us[s->frame] / 1e6);
    char confidence[16];
    std::snprintf(confidence, sizeof confidence, "%.3f", s->confidence);
    o << s->frame << ',' << seconds << ',' << s->kind << ',' << s->box_px.x_px << ','
      << s->box_px.y_px << ',' << s->box_px.width_px << ',' << s->box_px.height_px << ','
      << confidence << '\n';
  }
  write_file_atomically(file, o.str());
}

}  // namespace reelpack
