// A one-line progress bar on a terminal: percent, frames per second and time left.
//
//   ProgressBar bar("ep01.mov");          // draws nothing unless stderr is a terminal
//   bar.update(position_us, duration_us, frames, elapsed_s);
//   bar.done();
#pragma once

#include <cstdint>
#include <string>

namespace reelpack::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label, bool enabled);
  void update(int64_t position_us, int64_t duration_us, int64_t frames, double elapsed_s);
  // A new phase of the same job (e.g. "ep01.mov analysing", then "ep01.mov"): the next
  // update draws at once, under the new label.
  void relabel(std::string label);
  void done();

 private:
  std::string label_;
  bool enabled_;
  double last_draw_s_ = -1;
  bool drawn_ = false;
};

bool stderr_is_terminal();

}  // namespace reelpack::cli
