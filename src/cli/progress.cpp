#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace reelpack::cli {

bool stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

ProgressBar::ProgressBar(std::string label, bool enabled)
    : label_(std::move(label)), enabled_(enabled) {}

void ProgressBar::update(int64_t position_us, int64_t duration_us, int64_t frames,
                         double elapsed_s) {
  if (!enabled_ || elapsed_s - last_draw_s_ < 0.25) return;  // 4 redraws a second at most
  last_draw_s_ = elapsed_s;
  const double fraction =
      duration_us > 0 ? std::clamp(static_cast<double>(position_us) / duration_us, 0.0, 1.0) : 0;
  const int width = 24;
  const int filled = static_cast<int>(fraction * width);
  char bar[width + 1];
  for (int i = 0; i < width; ++i) bar[i] = i < filled ? '#' : '-';
  bar[width] = '\0';
  const double fps = elapsed_s > 0 ? frames / elapsed_s : 0;
  const double eta = fraction > 0.01 ? elapsed_s * (1 - fraction) / fraction : -1;
  std::fprintf(stderr, "\r\033[K%s [%s] %3.0f%%  %6.1f fps  ", label_.c_str(), bar, fraction * 100,
               fps);
  if (eta >= 0) {
    std::fprintf(stderr, "ETA %d:%02d", static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
  }
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::relabel(std::string label) {
  label_ = std::move(label);
  last_draw_s_ = -1;
}

void ProgressBar::done() {
  if (drawn_) std::fprintf(stderr, "\r\033[K");
  drawn_ = false;
}

}  // namespace reelpack::cli
