#include "edit/shots.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "media/frame_sampler.h"

namespace reelpack {

ShotList detect_shots(const std::filesystem::path& input, const ShotDetectorOptions& options,
                      const FrameProgress& progress, bool allow_truncated) {
  const MediaInfo info = probe(input);
  if (!info.video) throw UsageError(input.string() + ": has no video stream to find shots in");
  const Rational fr = info.video->nominal_frame_rate();
  const Rational rate = fr.num > 0 ? fr : Rational{30, 1};
  ShotDetector detector(rate, options);
  std::vector<int64_t> pts_us;  // per frame: 8 bytes, bounded for any real master
  const SampleSummary sum = sample_frames(input, {kShotAnalysisWidthPx, true, allow_truncated},
                                          [&](const AnalysisFrame& f) {
                                            detector.push(f.bgr);
                                            pts_us.push_back(f.pts_us);
                                            if (progress) progress(f.index + 1, f.pts_us);
                                          });
  ShotList list;
  list.input = input;
  list.fps = rate.to_double();
  list.frame_count = detector.frame_count();
  // The video's own end: the container's duration may include a longer audio track.
  list.duration_us = sum.duration_us > 0 ? sum.duration_us : info.duration_us;
  list.boundaries = detector.finish();
  if (!sum.truncation.empty()) {
    list.warnings.push_back(input.string() + ": " + sum.truncation +
                            "; used what there is (--allow-truncated)");
  }
  const auto at = [&](int64_t frame) {
    return frame < static_cast<int64_t>(pts_us.size()) ? pts_us[frame] : list.duration_us;
  };
  size_t b = 0;
  for (const Shot& s : shots_from_boundaries(list.boundaries, list.frame_count)) {
    TimedShot t{s.start_frame, s.end_frame, at(s.start_frame), at(s.end_frame),
                TransitionKind::Cut};
    while (b < list.boundaries.size() && list.boundaries[b].frame < s.start_frame) ++b;
    if (b < list.boundaries.size() && list.boundaries[b].frame == s.start_frame) {
      t.starts_with = list.boundaries[b].kind;
    }
    list.shots.push_back(t);
  }
  return list;
}

std::string shots_csv(const ShotList& list) {
  std::ostringstream o;
  o << "index,start_seconds,end_seconds,start_frame,end_frame\n";
  o.setf(std::ios::fixed);
  o.precision(6);
  int i = 0;
  for (const TimedShot& s : list.shots) {
    o << i++ << ',' << s.start_us / 1e6 << ',' << s.end_us / 1e6 << ',' << s.start_frame << ','
      << s.end_frame << '\n';
  }
  return o.str();
}

nlohmann::json to_json(const ShotList& list) {
  nlohmann::json shots = nlohmann::json::array();
  int i = 0;
  for (const TimedShot& s : list.shots) {
    shots.push_back({{"index", i++},
                     {"start_seconds", s.start_us / 1e6},
                     {"end_seconds", s.end_us / 1e6},
                     {"start_frame", s.start_frame},
                     {"end_frame", s.end_frame},
                     {"starts_with", to_string(s.starts_with)}});
  }
  nlohmann::json transitions = nlohmann::json::array();
  for (const ShotBoundary& b : list.boundaries) {
    transitions.push_back({{"frame", b.frame},
                           {"kind", to_string(b.kind)},
                           {"span_start", b.span_start},
                           {"span_end", b.span_end},
                           {"score", b.score}});
  }
  return {{"input", list.input.string()},
          {"fps", list.fps},
          {"frames", list.frame_count},
          {"duration_seconds", list.duration_us / 1e6},
          {"shots", shots},
          {"transitions", transitions}};
}

void validate(const SplitOptions& opt) {
  if (!std::isfinite(opt.target_s) || opt.target_s <= 0) {
    throw UsageError("--target must be a positive number of seconds");
  }
  if (!std::isfinite(opt.min_s) || !std::isfinite(opt.max_s)) {
    throw UsageError("--min and --max must be numbers of seconds");
  }
  const double min_s = opt.min_s > 0 ? opt.min_s : opt.target_s / 2;
  const double max_s = opt.max_s > 0 ? opt.max_s : opt.target_s * 1.5;
  if (min_s > opt.target_s || max_s < opt.target_s) {
    throw UsageError("--min and --max must surround --target");
  }
}

std::vector<Episode> plan_split(const ShotList& list, const SplitOptions& opt) {
  validate(opt);
  const double min_s = opt.min_s > 0 ? opt.min_s : opt.target_s / 2;
  const double max_s = opt.max_s > 0 ? opt.max_s : opt.target_s * 1.5;
  // Candidate cut points: every shot start, and the end of the input.
  struct Point {
    int64_t us, frame;
  };
  std::vector<Point> pts;
  for (const TimedShot& s : list.shots) pts.push_back({s.start_us, s.start_frame});
  if (pts.empty() || pts.front().frame != 0) pts.insert(pts.begin(), {0, 0});
  pts.push_back({list.duration_us, list.frame_count});
  const size_t n = pts.size();

  const auto cost = [&](double len_s) {
    double c = (len_s - opt.target_s) * (len_s - opt.target_s);
    const double under = std::max(0.0, min_s - len_s), over = std::max(0.0, len_s - max_s);
    return c + 1e6 * (under + over) * (under + over);  // only when nothing fits
  };
  std::vector<double> best(n, std::numeric_limits<double>::infinity());
  std::vector<size_t> from(n, 0);
  best[0] = 0;
  for (size_t j = 1; j < n; ++j) {
    for (size_t i = j; i-- > 0;) {
      const double len = (pts[j].us - pts[i].us) / 1e6;
      if (len > max_s * 4 && best[j] < std::numeric_limits<double>::infinity()) break;
      const double c = best[i] + cost(len);
      if (c < best[j]) {
        best[j] = c;
        from[j] = i;
      }
    }
  }
  std::vector<Episode> eps;
  for (size_t j = n - 1; j > 0; j = from[j]) {
    const size_t i = from[j];
    const double len = (pts[j].us - pts[i].us) / 1e6;
    eps.push_back({0, pts[i].us, pts[j].us, pts[i].frame, pts[j].frame,
                   len >= min_s - 1e-6 && len <= max_s + 1e-6});
  }
  std::reverse(eps.begin(), eps.end());
  for (size_t k = 0; k < eps.size(); ++k) eps[k].index = static_cast<int>(k + 1);
  return eps;
}

}  // namespace reelpack
