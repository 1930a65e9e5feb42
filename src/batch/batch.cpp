#include "batch/batch.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "batch/fingerprint.h"
#include "batch/state.h"
#include "check/conformance.h"
#include "core/atomic_file.h"
#include "core/cancel.h"
#include "core/error.h"
#include "package/package.h"
#include "package/package_covers.h"
#include "package/sharing.h"
#include "reframe/analysis_cache.h"

namespace reelpack {
namespace fs = std::filesystem;
using nlohmann::json;

int available_cores() {
  // The CPUs this process may run on (taskset, Slurm's cpusets)...
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) cores = std::max(1, CPU_COUNT(&set));
  // ...and no more than a cgroup CPU quota grants (a Kubernetes CPU limit, docker --cpus):
  // cgroup v2 cpu.max "QUOTA PERIOD" or "max PERIOD".
  std::ifstream max("/sys/fs/cgroup/cpu.max");
  std::string quota;
  long long period = 0;
  if (max >> quota >> period && quota != "max" && period > 0) {
    const long long q = std::atoll(quota.c_str());
    if (q > 0)
      cores = std::min<int>(cores, static_cast<int>(std::max(1LL, (q + period - 1) / period)));
  }
  return cores;
}

int default_jobs() {
  // One row per 4 CPUs, at least one. A row is already parallel: one decoder, a worker per
  // output, each x264 with its own frame threads. Measured on 2 CPUs
  // (tests/bench/bench_batch.sh, 8 clips x 4 presets, docs/batch.md): one row keeps both
  // busy, and -j 2 took as long or longer at twice the memory (3.8 GB against 1.6 GB at
  // 1080x1920). Larger machines get more rows to fill what one row leaves idle (opening,
  // the encoders' flush, the faststart rewrite, the check); that part is not measured.
  return std::max(1, available_cores() / 4);
}

std::string to_string(OutputAction a) {
  switch (a) {
    case OutputAction::Encode:
      return "encode";
    case OutputAction::Share:
      return "share";
    case OutputAction::Skip:
      return "skip";
  }
  return "?";
}

namespace {

PackageJob job_for(const ManifestRow& row, const BatchOptions& options) {
  PackageJob job;
  job.analysis_cache_dir = options.cache_dir;
  job.analysis_cache_max_bytes = options.cache_max_bytes;
  job.smart_hold_bytes = options.smart_hold_bytes;
  job.allow_truncated = options.allow_truncated;
  if (!row.subtitles.empty()) {
    job.subtitles.push_back(parse_subtitle_spec(row.subtitles.string()));
    job.burn_subtitles = options.burn_subtitles;
  }
  job.input = row.input;
  job.reframe = row.reframe;
  job.ranges = row.ranges;
  if (!row.title.empty()) job.metadata["title"] = row.title;
  if (!row.episode.empty()) job.metadata["episode_id"] = row.episode;
  return job;
}

std::string where(const ManifestRow& row, const fs::path& manifest) {
  return manifest.string() + " line " + std::to_string(row.line) + ": ";
}

// The compact form of a check for the report (the state file keeps every rule).
json conformance_summary(const json& full) {
  if (!full.is_object()) return nullptr;
  json skipped = json::array();
  for (const auto& r : full.value("rules", json::array())) {
    if (r.value("status", "") == to_string(RuleStatus::Skipped))
      skipped.push_back(r.value("rule", ""));
  }
  return {{"pass", full.value("pass", false)},
          {"failures", full.value("failures", json::array())},
          {"skipped", skipped}};
}

// How far a row is, from package()'s progress. A smart row's analysis pass is counted as
// its first tenth (it decodes the input again, at a fraction of an encode's cost).
double row_fraction(const Progress& p, bool smart) {
  const double f = std::clamp(static_cast<double>(p.position_us) / p.duration_us, 0.0, 1.0);
  if (!smart) return f;
  return p.phase == ProgressPhase::Analysing ? 0.1 * f : 0.1 + 0.9 * f;
}

// One row's work once it has a plan without error: encode what is not up to date, check
// what has no check yet, add the covers; each output's state is recorded as soon as it
// is committed. Fills the row's result as it goes.
class RowRun {
 public:
  RowRun(const BatchOptions& options, const ManifestRow& row, const RowPlan& plan,
         std::vector<OutputRequest> outputs, RowResult& result)
      : options_(options), row_(row), plan_(plan), outputs_(std::move(outputs)), r_(result) {}

  // Throws Interrupted, and Error for what fails the whole row.
  RowStatus run(const std::function<void(double)>& progress) {
    PackageJob job = sort_outputs();
    if (!encoded_.empty()) encode(job, progress);
    bool nonconforming = false;
    for (const size_t i : to_check_) nonconforming = !check_and_record(i) || nonconforming;
    if (options_.covers) add_covers();
    if (failed_ || (options_.strict && nonconforming)) return RowStatus::Failed;
    return encoded_.empty() ? RowStatus::Skipped : RowStatus::Ok;
  }

 private:
  // Up-to-date outputs are skipped (and checked when their check is missing); the job
  // encodes the others.
  PackageJob sort_outputs() {
    PackageJob job = job_for(row_, options_);
    r_.outputs.resize(outputs_.size());
    for (size_t i = 0; i < outputs_.size(); ++i) {
      OutputResult& o = r_.outputs[i];
      o.preset = outputs_[i].preset.name;
      o.path = outputs_[i].path;
      if (plan_.outputs[i].action == OutputAction::Skip) {
        const auto state = read_state(options_.outdir, o.path);
        o.status = OutputStatus::Skipped;
        o.size_bytes = state ? state->size_bytes : 0;
        o.conformance = state ? conformance_summary(state->conformance) : json();
        // Up to date, but an interrupt cut its check short: only the check is left to do.
        if (o.conformance.is_null()) to_check_.push_back(i);
      } else {
        job.outputs.push_back(outputs_[i]);
        encoded_.push_back(i);
      }
    }
    return job;
  }

  void encode(const PackageJob& job, const std::function<void(double)>& progress) {
    // The row's share never goes back: after a one-pass overflow the analysis of the rest
    // comes after encoding began.
    const bool smart = job.reframe == ReframeMode::Smart;
    double shown = 0;
    const PackageReport report = package(job, [&](const Progress& p) {
      if (!progress || p.duration_us <= 0) return;
      if (const double f = row_fraction(p, smart); f > shown) progress(shown = f);
    });
    if (report.analysis.ran) {
      r_.analysis_cache = report.analysis.cache;
      r_.cache_pruned_entries = report.analysis.cache_pruned_entries;
      r_.cache_pruned_bytes = report.analysis.cache_pruned_bytes;
      for (const std::string& w : report.analysis.warnings) r_.warnings.push_back(w);
    }
    for (const std::string& w : report.warnings) r_.warnings.push_back(w);
    for (size_t k = 0; k < encoded_.size(); ++k) {
      const OutputReport& rep = report.outputs[k];
      const size_t i = encoded_[k];
      OutputResult& o = r_.outputs[i];
      for (const std::string& w : rep.warnings) r_.warnings.push_back(o.preset + ": " + w);
      if (!rep.ok) {
        o.status = OutputStatus::Failed;
        o.error = rep.error;
        if (!failed_) r_.reason = rep.error;
        failed_ = true;
        continue;
      }
      o.status = rep.shared_from.empty() ? OutputStatus::Written : OutputStatus::Shared;
      o.shared_from = rep.shared_from;
      o.video_shared_from = rep.video_shared_from;
      o.size_bytes = rep.size_bytes;
      // Recorded as soon as it is committed, before its check: an interrupt from here on
      // costs a rerun only the check, not the encode.
      write_state(
          options_.outdir, o.path,
          {plan_.outputs[i].fingerprint, o.size_bytes, row_.input.string(), o.preset, nullptr});
      to_check_.push_back(i);
    }
  }

  // Checks output i against the preset it was made with and records the result: all of
  // it in the state file, the verdict in the report. False when it does not conform.
  bool check_and_record(size_t i) {
    OutputResult& o = r_.outputs[i];
    json check;
    try {
      check = to_json(check_conformance(o.path, outputs_[i].preset));
    } catch (const Interrupted&) {
      throw;
    } catch (const Error& e) {
      r_.warnings.push_back(o.preset + ": conformance check failed: " + e.what());
      return true;
    }
    o.conformance = conformance_summary(check);
    write_state(options_.outdir, o.path,
                {plan_.outputs[i].fingerprint, o.size_bytes, row_.input.string(), o.preset, check});
    if (!check.value("pass", false) && options_.strict && r_.reason.empty()) {
      r_.reason = o.path.filename().string() +
                  " does not conform: " + check["failures"][0].get<std::string>();
    }
    return check.value("pass", false);
  }

  // One search of the input for every output that lacks its cover (or was encoded
  // again); a cover that fails fails its row, the videos stay.
  void add_covers() {
    PackageJob cover_job = job_for(row_, options_);
    std::vector<size_t> wanting;
    for (size_t i = 0; i < outputs_.size(); ++i) {
      OutputResult& o = r_.outputs[i];
      if (o.status == OutputStatus::Failed) continue;
      const fs::path cover = cover_path(o.path, outputs_[i].preset);
      std::error_code ec;
      if (o.status == OutputStatus::Skipped && fs::exists(cover, ec)) {
        o.cover = cover;
        continue;
      }
      cover_job.outputs.push_back(outputs_[i]);
      wanting.push_back(i);
    }
    if (wanting.empty()) return;
    try {
      write_package_covers(cover_job);
      for (size_t i : wanting)
        r_.outputs[i].cover = cover_path(r_.outputs[i].path, outputs_[i].preset);
    } catch (const Interrupted&) {
      throw;
    } catch (const Error& e) {
      if (r_.reason.empty()) r_.reason = std::string("cover: ") + e.what();
      failed_ = true;
    }
  }

  const BatchOptions& options_;
  const ManifestRow& row_;
  const RowPlan& plan_;
  const std::vector<OutputRequest> outputs_;
  RowResult& r_;
  std::vector<size_t> encoded_;  // indexes into outputs_, in the job's order
  std::vector<size_t> to_check_;
  bool failed_ = false;
};

// A row's result before it runs: pending.
RowResult pending_result(const ManifestRow& row) {
  RowResult r;
  r.number = row.number;
  r.line = row.line;
  r.name = row.name;
  r.input = row.input;
  return r;
}

}  // namespace

Batch::Batch(BatchOptions options, const PresetLoader& loader)
    : options_(std::move(options)), manifest_(read_manifest(options_.manifest)) {
  validate_overrides(options_.overrides);
  // Every preset once, in the manifest's order, so an error names the first line using it.
  std::map<std::pair<std::string, std::string>, int> written_by;  // (name, preset) -> line
  for (const ManifestRow& row : manifest_.rows) {
    std::set<std::string> in_row;
    for (const std::string& token : row.presets) {
      if (!presets_.count(token)) {
        try {
          presets_.emplace(token, loader.load(token, options_.overrides));
        } catch (const UsageError& e) {
          throw UsageError(where(row, manifest_.path) + e.what());
        }
      }
      const std::string& name = presets_.at(token).name;
      if (!in_row.insert(name).second) {
        throw UsageError(where(row, manifest_.path) + "preset '" + name + "' is given twice");
      }
      const auto [it, fresh] = written_by.emplace(std::make_pair(row.name, name), row.line);
      if (!fresh) {
        throw UsageError(where(row, manifest_.path) + "output " + row.name + "." + name +
                         " is also written by line " + std::to_string(it->second) +
                         "; give one of the rows another name");
      }
    }
  }
  for (const ManifestRow& row : manifest_.rows) {
    if (options_.shard.contains(row.name)) rows_.push_back(row);
  }
}

std::vector<OutputRequest> Batch::outputs_of(const ManifestRow& row) const {
  std::vector<OutputRequest> out;
  for (const std::string& token : row.presets) {
    const Preset& p = presets_.at(token);
    out.push_back({p, package_output_path(options_.outdir, row.name, p)});
  }
  return out;
}

RowPlan Batch::plan_row(const ManifestRow& row) const {
  RowPlan plan;
  plan.number = row.number;
  plan.line = row.line;
  plan.name = row.name;
  plan.input = row.input;
  const std::vector<OutputRequest> outputs = outputs_of(row);
  for (const OutputRequest& o : outputs)
    plan.outputs.push_back({o.preset.name, o.path, OutputAction::Encode, {}, {}, {}, {0, 1}, {}});

  std::error_code ec;
  if (!row.subtitles.empty()) {
    try {
      const SubtitleSpec spec = parse_subtitle_spec(row.subtitles.string());
      if (!fs::is_regular_file(spec.file, ec)) {
        plan.error = spec.file.string() +
                     ": no such subtitles file; check the path (relative "
                     "to the manifest's folder)";
        return plan;
      }
      read_subtitles(spec);
    } catch (const UsageError& e) {
      plan.error = e.what();
      return plan;
    }
  }
  if (!fs::exists(row.input, ec)) {
    plan.error =
        row.input.string() + ": no such file; check the path (relative to the manifest's folder)";
    return plan;
  }
  if (!fs::is_regular_file(row.input, ec)) {
    plan.error = row.input.string() + ": is not a regular file";
    return plan;
  }
  uint64_t content = 0;
  try {
    content = sample_content_hash(row.input);
  } catch (const Error& e) {
    plan.error = e.what();
    return plan;
  }
  const PackageJob job = job_for(row, options_);
  std::vector<const Preset*> taking_part(outputs.size(), nullptr);
  for (size_t i = 0; i < outputs.size(); ++i) {
    PlannedOutput& p = plan.outputs[i];
    p.fingerprint = output_fingerprint(content, outputs[i].preset, job);
    if (!options_.force && up_to_date_state(options_.outdir, p.path, p.fingerprint)) {
      p.action = OutputAction::Skip;
    } else {
      taking_part[i] = &outputs[i].preset;
    }
  }
  // The frame rate each output takes decides what it can share, as in package().
  std::vector<Rational> rates(outputs.size(), Rational{0, 1});
  if (std::any_of(taking_part.begin(), taking_part.end(), [](const Preset* p) { return p; })) {
    try {
      const MediaInfo info = probe(row.input);
      for (size_t i = 0; i < outputs.size(); ++i) {
        if (!taking_part[i] || !info.video) continue;
        const FrameRateChoice c = output_frame_rate(outputs[i].preset, *info.video);
        rates[i] = c.rate;
        plan.outputs[i].fps = c.rate;
        plan.outputs[i].fps_reason = c.reason;
      }
    } catch (const Error& e) {
      plan.error = e.what();
      return plan;
    }
  }
  // As package() will decide for the outputs it is given (package/sharing.h).
  const std::vector<EncodeSharing> sharing = plan_sharing(taking_part, rates);
  for (size_t i = 0; i < outputs.size(); ++i) {
    PlannedOutput& p = plan.outputs[i];
    if (sharing[i].same_encode_as != EncodeSharing::kNone) {
      p.action = OutputAction::Share;
      p.same_encode_as = plan.outputs[sharing[i].same_encode_as].path;
    } else if (sharing[i].same_video_as != EncodeSharing::kNone) {
      p.same_video_as = plan.outputs[sharing[i].same_video_as].path;
    }
  }
  return plan;
}

RowResult Batch::run_row(const ManifestRow& row,
                         const std::function<void(double)>& progress) const {
  const auto t0 = std::chrono::steady_clock::now();
  RowResult r = pending_result(row);
  auto finish = [&](RowStatus status, std::string reason = {}) {
    r.status = status;
    if (r.reason.empty()) r.reason = std::move(reason);
    r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return std::move(r);
  };

  try {
    const RowPlan plan = plan_row(row);
    r.warnings = plan.warnings;
    if (!plan.error.empty()) {
      for (const PlannedOutput& p : plan.outputs) {
        r.outputs.push_back(
            {p.preset, p.path, OutputStatus::Failed, plan.error, 0, {}, {}, nullptr, {}});
      }
      return finish(RowStatus::Failed, plan.error);
    }
    return finish(RowRun(options_, row, plan, outputs_of(row), r).run(progress));
  } catch (const Interrupted&) {
    return finish(RowStatus::Interrupted, "interrupted; rerun to finish this row");
  } catch (const Error& e) {
    for (OutputResult& o : r.outputs) {
      if (o.status == OutputStatus::Pending) {
        o.status = OutputStatus::Failed;
        o.error = e.what();
      }
    }
    return finish(RowStatus::Failed, e.what());
  } catch (const std::exception& e) {
    return finish(RowStatus::Failed, std::string("unexpected error: ") + e.what());
  }
}

BatchReport Batch::run(const BatchProgressFn& progress) const {
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  BatchReport report;
  report.manifest = options_.manifest;
  report.outdir = options_.outdir;
  report.shard = options_.shard;
  report.manifest_rows = manifest_rows();
  for (const ManifestRow& row : rows_) report.rows.push_back(pending_result(row));
  const int jobs = std::clamp(options_.jobs > 0 ? options_.jobs : default_jobs(), 1,
                              std::max<int>(1, static_cast<int>(rows_.size())));
  report.jobs = jobs;

  // Rows stream through the pool: a worker takes the next row when it is done with one.
  std::atomic<size_t> next{0};
  std::mutex mutex;  // guards report.rows, in_flight and the progress callback
  std::vector<double> in_flight(jobs, 0.0);
  BatchProgress state;
  state.rows_total = static_cast<int>(rows_.size());
  auto notify = [&] {  // with `mutex` held
    if (!progress) return;
    double sum = state.rows_done;
    for (const double f : in_flight) sum += f;
    state.fraction = state.rows_total ? sum / state.rows_total : 1.0;
    state.elapsed_s = elapsed();
    progress(state);
  };
  auto worker = [&](int slot) {
    while (!cancel_requested()) {
      const size_t i = next.fetch_add(1);
      if (i >= rows_.size()) return;
      RowResult r = run_row(rows_[i], [&](double f) {
        const std::lock_guard lock(mutex);
        in_flight[slot] = f;
        notify();
      });
      const std::lock_guard lock(mutex);
      in_flight[slot] = 0;
      ++state.rows_done;
      if (r.status == RowStatus::Failed) ++state.rows_failed;
      if (r.status == RowStatus::Skipped) ++state.rows_skipped;
      report.rows[i] = std::move(r);
      notify();
    }
  };
  std::vector<std::thread> pool;
  for (int slot = 0; slot < jobs; ++slot) pool.emplace_back(worker, slot);
  for (std::thread& t : pool) t.join();

  report.interrupted = cancel_requested();
  for (RowResult& r : report.rows) {
    if (r.status == RowStatus::Pending) r.reason = "not started: the batch was interrupted";
  }
  if (!options_.cache_dir.empty()) {
    CacheReport& c = report.cache;
    c.dir = options_.cache_dir;
    c.max_bytes = options_.cache_max_bytes;
    for (const RowResult& r : report.rows) {
      c.pruned_entries += r.cache_pruned_entries;
      c.pruned_bytes += r.cache_pruned_bytes;
    }
    // Once more at the end: rows that only read the cache (a rerun) stored nothing, and a
    // lower cap than the last run's applies now. Not after an interrupt, which should
    // stop within seconds (the rows' stores have pruned already).
    if (!report.interrupted) {
      const CachePruneResult p =
          AnalysisCache(options_.cache_dir, options_.cache_max_bytes).prune(c.warnings);
      c.pruned_entries += p.removed_entries;
      c.pruned_bytes += p.removed_bytes;
      c.pruned_temporaries += p.removed_temporaries;
      c.entries = p.entries;
      c.size_bytes = p.size_bytes;
    }
  }
  report.temporaries_removed = swept_temporaries();
  report.elapsed_s = elapsed();
  return report;
}

nlohmann::json to_json(const RowPlan& plan) {
  json outs = json::array();
  for (const PlannedOutput& o : plan.outputs) {
    outs.push_back(
        {{"preset", o.preset},
         {"path", o.path.string()},
         {"action", plan.error.empty() ? to_string(o.action) : "fail"},
         {"same_encode_as", o.same_encode_as.empty() ? json() : json(o.same_encode_as.string())},
         {"same_video_as", o.same_video_as.empty() ? json() : json(o.same_video_as.string())},
         {"fingerprint", o.fingerprint.empty() ? json() : json(o.fingerprint)},
         {"fps", o.fps.num > 0 ? json(o.fps.to_string()) : json()},
         {"fps_reason", o.fps_reason.empty() ? json() : json(o.fps_reason)}});
  }
  return {{"row", plan.number},
          {"line", plan.line},
          {"name", plan.name},
          {"input", plan.input.string()},
          {"error", plan.error.empty() ? json() : json(plan.error)},
          {"warnings", plan.warnings},
          {"outputs", outs}};
}

}  // namespace reelpack
