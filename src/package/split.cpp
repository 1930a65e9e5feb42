#include "package/split.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "edit/copy_cut.h"
#include "media/input.h"
#include "reframe/analysis_cache.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {

void warn(SplitReport& report, const SplitProgress& progress, const std::string& text) {
  report.warnings.push_back(text);
  if (progress.warning) progress.warning(text);
}

ShotList detect(const SplitJob& job, const SplitProgress& progress) {
  if (!progress.shots) return detect_shots(job.input, job.shots, {}, job.allow_truncated);
  const int64_t duration_us = probe(job.input).duration_us;
  const auto t0 = std::chrono::steady_clock::now();
  return detect_shots(
      job.input, job.shots,
      [&](int64_t frames, int64_t position_us) {
        const double elapsed_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        progress.shots({ProgressPhase::Analysing, position_us, duration_us, frames, elapsed_s});
      },
      job.allow_truncated);
}

// The shot list from the cache when it holds one for this content and these settings.
void find_shots(const SplitJob& job, const SplitProgress& progress, SplitReport& report) {
  if (job.cache_dir.empty()) {
    report.shots = detect(job, progress);
    return;
  }
  const AnalysisCache cache(job.cache_dir, job.cache_max_bytes);
  const AnalysisKey key = shots_key(job.input, job.shots);
  std::vector<std::string> warnings;
  if (auto hit = cache.load_shots(key, job.input, warnings)) {
    report.shots = std::move(*hit);
    report.shots_cache = "hit";
  } else {
    report.shots = detect(job, progress);
    cache.store_shots(key, report.shots, warnings);
    report.shots_cache = "miss";
  }
  report.shots_cache_file = cache.shots_file_for(key);
  for (const auto& w : warnings) warn(report, progress, w);
}

// Encodes one episode for every preset; the failed outputs' errors, joined.
std::string package_episode(const SplitJob& job, const RangeSpec& range, int index,
                            std::vector<std::string>& files, std::vector<std::string>& warnings) {
  PackageJob pj;
  pj.input = job.input;
  pj.reframe = job.reframe;
  pj.audio_stream = job.audio_stream;
  pj.ranges = {range};
  pj.metadata["episode_id"] = std::to_string(index);
  pj.analysis_cache_dir = job.cache_dir;
  pj.analysis_cache_max_bytes = job.cache_max_bytes;
  pj.allow_truncated = job.allow_truncated;
  const std::string name = episode_name(index);
  for (const Preset& p : job.presets) {
    const fs::path out = package_output_path(job.outdir, name, p);
    pj.outputs.push_back({p, out});
    files.push_back(out.filename().string());
  }
  std::string error;
  const PackageReport report = package(pj);
  warnings.insert(warnings.end(), report.warnings.begin(), report.warnings.end());
  for (const OutputReport& o : report.outputs) {
    if (!o.ok) error += (error.empty() ? "" : "; ") + o.path.filename().string() + ": " + o.error;
  }
  return error;
}

// `warnings`: what the input is missing, when allowed (SplitJob::allow_truncated).
void write_episode(const SplitJob& job, EpisodeResult& row, std::vector<std::string>& warnings) {
  const Episode& ep = row.episode;
  const RangeSpec range{{false, ep.start_us, 0},
                        {false, ep.end_us, 0},
                        format_time(ep.start_us) + "-" + format_time(ep.end_us)};
  try {
    if (job.presets.empty()) {
      const fs::path out = job.outdir / (episode_name(ep.index) + ".mp4");
      CopyCutOptions copy;
      copy.allow_truncated = job.allow_truncated;
      const CopyCutReport copied = copy_cut(job.input, {range}, out, copy);
      row.written = copied.ranges.front().snapped;
      warnings.insert(warnings.end(), copied.warnings.begin(), copied.warnings.end());
      row.files.push_back(out.filename().string());
    } else {
      row.error = package_episode(job, range, ep.index, row.files, warnings);
    }
  } catch (const Interrupted&) {
    throw;
  } catch (const Error& e) {
    row.error = e.what();  // one bad episode does not stop the others
  }
}

}  // namespace

bool SplitReport::ok() const {
  for (const EpisodeResult& e : episodes) {
    if (!e.error.empty()) return false;
  }
  return true;
}

std::string episode_name(int index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "ep%03d", index);
  return buf;
}

SplitReport split(const SplitJob& job, const SplitProgress& progress) {
  SplitReport report;
  report.input = job.input;
  find_shots(job, progress, report);
  for (const std::string& w : report.shots.warnings) warn(report, progress, w);
  if (progress.shots_ready) progress.shots_ready(report);
  for (const Episode& ep : plan_split(report.shots, job.options)) {
    report.episodes.push_back({ep, {ep.start_us, ep.end_us}, {}, {}});
  }
  for (EpisodeResult& row : report.episodes) {
    const Episode& ep = row.episode;
    if (!ep.within_limits) {
      std::ostringstream w;
      w << episode_name(ep.index) << ": no shot boundary allows a length within "
        << "--min/--max here; it is " << (ep.end_us - ep.start_us) / 1e6 << " s";
      warn(report, progress, w.str());
    }
    if (job.dry_run) continue;
    std::vector<std::string> warnings;
    write_episode(job, row, warnings);
    for (const std::string& w : warnings) {
      if (std::find(report.warnings.begin(), report.warnings.end(), w) == report.warnings.end())
        warn(report, progress, w);
    }
    if (progress.episode) progress.episode(row);
  }
  // The cut list says what went where: nothing to say when no episode was written.
  const bool any_written = std::any_of(report.episodes.begin(), report.episodes.end(),
                                       [](const EpisodeResult& e) { return e.error.empty(); });
  if (!job.dry_run && any_written) {
    report.cutlist = job.outdir / "cutlist.csv";
    write_file_atomically(report.cutlist, cutlist_csv(report.episodes));
  }
  return report;
}

std::string cutlist_csv(const std::vector<EpisodeResult>& episodes) {
  std::ostringstream csv;
  csv << "episode,start_seconds,end_seconds,start_frame,end_frame,duration_seconds,"
         "written_start_seconds,written_end_seconds,files,status\n";
  for (const EpisodeResult& r : episodes) {
    const Episode& ep = r.episode;
    char line[256];
    std::snprintf(line, sizeof line, "%s,%.6f,%.6f,%lld,%lld,%.6f,%.6f,%.6f,",
                  episode_name(ep.index).c_str(), ep.start_us / 1e6, ep.end_us / 1e6,
                  static_cast<long long>(ep.start_frame), static_cast<long long>(ep.end_frame),
                  (ep.end_us - ep.start_us) / 1e6, r.written.start_us / 1e6,
                  r.written.end_us / 1e6);
    std::string files;
    for (const auto& f : r.files) files += (files.empty() ? "" : ";") + f;
    csv << line << files << "," << (r.error.empty() ? "ok" : "failed") << "\n";
  }
  return csv.str();
}

nlohmann::json to_json(const EpisodeResult& r) {
  const Episode& ep = r.episode;
  return {{"episode", ep.index},
          {"start_seconds", ep.start_us / 1e6},
          {"end_seconds", ep.end_us / 1e6},
          {"start_frame", ep.start_frame},
          {"end_frame", ep.end_frame},
          {"within_limits", ep.within_limits},
          {"written_start_seconds", r.written.start_us / 1e6},
          {"written_end_seconds", r.written.end_us / 1e6},
          {"files", r.files},
          {"error", r.error.empty() ? nlohmann::json() : nlohmann::json(r.error)}};
}

nlohmann::json to_json(const SplitReport& r) {
  nlohmann::json episodes = nlohmann::json::array();
  for (const EpisodeResult& e : r.episodes) episodes.push_back(to_json(e));
  return {{"input", r.input.string()},     {"shots", r.shots.shots.size()},
          {"shots_cache", r.shots_cache},  {"episodes", episodes},
          {"cutlist", r.cutlist.string()}, {"ok", r.ok()}};
}

}  // namespace reelpack
