#include "batch/batch.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "batch/fingerprint.h"
#include "batch/state.h"
#include "check/conformance.h"
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

std::string to_string(RowStatus s) {
  switch (s) {
    case RowStatus::Pending:
      return "pending";
    case RowStatus::Ok:
      return "ok";
    case RowStatus::Skipped:
      return "skipped";
    case RowStatus::Failed:
      return "failed";
    case RowStatus::Interrupted:
      return "interrupted";
  }
  return "?";
}

bool BatchReport::ok() const {
  return !interrupted && std::none_of(rows.begin(), rows.end(), [](const RowResult& r) {
    return r.status == RowStatus::Failed || r.status == RowStatus::Interrupted;
  });
}

namespace {

PackageJob job_for(const ManifestRow& row, const BatchOptions& options) {
  PackageJob job;
  job.analysis_cache_dir = options.cache_dir;
  job.analysis_cache_max_bytes = options.cache_max_bytes;
  job.smart_hold_bytes = options.smart_hold_bytes;
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
    if (r.value("status", "") == "skipped") skipped.push_back(r.value("rule", ""));
  }
  return {{"pass", full.value("pass", false)},
          {"failures", full.value("failures", json::array())},
          {"skipped", skipped}};
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

std::vector<Batch::Output> Batch::outputs_of(const ManifestRow& row) const {
  std::vector<Output> out;
  for (const std::string& token : row.presets) {
    const Preset& p = presets_.at(token);
    out.push_back({p, options_.outdir / (row.name + "." + p.name + "." + p.container)});
  }
  return out;
}

RowPlan Batch::plan_row(const ManifestRow& row) const {
  RowPlan plan;
  plan.number = row.number;
  plan.line = row.line;
  plan.name = row.name;
  plan.input = row.input;
  const std::vector<Output> outputs = outputs_of(row);
  for (const Output& o : outputs)
    plan.outputs.push_back({o.preset.name, o.path, OutputAction::Encode, {}, {}, {}});

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
  // As package() will decide for the outputs it is given (package/sharing.h).
  const std::vector<EncodeSharing> sharing = plan_sharing(taking_part);
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
  RowResult r;
  r.number = row.number;
  r.line = row.line;
  r.name = row.name;
  r.input = row.input;
  auto finish = [&](RowStatus status, std::string reason = {}) {
    r.status = status;
    if (r.reason.empty()) r.reason = std::move(reason);
    r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return std::move(r);
  };

  try {
    const RowPlan plan = plan_row(row);
    r.warnings = plan.warnings;
    const std::vector<Output> outputs = outputs_of(row);
    if (!plan.error.empty()) {
      for (const PlannedOutput& p : plan.outputs) {
        r.outputs.push_back({p.preset, p.path, "failed", plan.error, 0, {}, {}, nullptr, {}});
      }
      return finish(RowStatus::Failed, plan.error);
    }

    // Checks output i against the preset it was made with and records the result: all of
    // it in the state file, the verdict in the report. False when it does not conform.
    auto check_and_record = [&](size_t i) {
      OutputResult& o = r.outputs[i];
      json check;
      try {
        check = to_json(check_conformance(o.path, outputs[i].preset));
      } catch (const Interrupted&) {
        throw;
      } catch (const Error& e) {
        r.warnings.push_back(o.preset + ": conformance check failed: " + e.what());
        return true;
      }
      o.conformance = conformance_summary(check);
      write_state(options_.outdir, o.path,
                  {plan.outputs[i].fingerprint, o.size_bytes, row.input.string(), o.preset, check});
      if (!check.value("pass", false) && options_.strict && r.reason.empty()) {
        r.reason = o.path.filename().string() +
                   " does not conform: " + check["failures"][0].get<std::string>();
      }
      return check.value("pass", false);
    };

    PackageJob job = job_for(row, options_);
    std::vector<size_t> encoded;  // indexes into outputs, in job order
    std::vector<size_t> to_check;
    r.outputs.resize(outputs.size());
    for (size_t i = 0; i < outputs.size(); ++i) {
      OutputResult& o = r.outputs[i];
      o.preset = outputs[i].preset.name;
      o.path = outputs[i].path;
      if (plan.outputs[i].action == OutputAction::Skip) {
        const auto state = read_state(options_.outdir, o.path);
        o.status = "skipped";
        o.size_bytes = state ? state->size_bytes : 0;
        o.conformance = state ? conformance_summary(state->conformance) : json();
        // Up to date, but an interrupt cut its check short: only the check is left to do.
        if (o.conformance.is_null()) to_check.push_back(i);
      } else {
        job.outputs.push_back({outputs[i].preset, outputs[i].path});
        encoded.push_back(i);
      }
    }

    bool failed = false;
    if (!encoded.empty()) {
      // A smart row's analysis pass is counted as its first tenth (it decodes the input
      // again, at a fraction of an encode's cost). The row's share never goes back: after
      // a one-pass overflow the analysis of the rest comes after encoding began.
      const bool smart = job.reframe == ReframeMode::Smart;
      double shown = 0;
      const PackageReport report = package(job, [&](const Progress& p) {
        if (progress && p.duration_us > 0) {
          const double f = std::clamp(static_cast<double>(p.position_us) / p.duration_us, 0.0, 1.0);
          const double row = !smart                                ? f
                             : p.phase == ProgressPhase::Analysing ? 0.1 * f
                                                                   : 0.1 + 0.9 * f;
          if (row > shown) progress(shown = row);
        }
      });
      if (report.analysis.ran) {
        r.analysis_cache = report.analysis.cache;
        r.cache_pruned_entries = report.analysis.cache_pruned_entries;
        r.cache_pruned_bytes = report.analysis.cache_pruned_bytes;
        for (const std::string& w : report.analysis.warnings) r.warnings.push_back(w);
      }
      for (size_t k = 0; k < encoded.size(); ++k) {
        const OutputReport& rep = report.outputs[k];
        const size_t i = encoded[k];
        OutputResult& o = r.outputs[i];
        for (const std::string& w : rep.warnings) r.warnings.push_back(o.preset + ": " + w);
        if (!rep.ok) {
          o.status = "failed";
          o.error = rep.error;
          if (!failed) r.reason = rep.error;
          failed = true;
          continue;
        }
        o.status = rep.shared_from.empty() ? "written" : "shared";
        o.shared_from = rep.shared_from;
        o.video_shared_from = rep.video_shared_from;
        o.size_bytes = rep.size_bytes;
        // Recorded as soon as it is committed, before its check: an interrupt from here on
        // costs a rerun only the check, not the encode.
        write_state(
            options_.outdir, o.path,
            {plan.outputs[i].fingerprint, o.size_bytes, row.input.string(), o.preset, nullptr});
        to_check.push_back(i);
      }
    }
    bool nonconforming = false;
    for (const size_t i : to_check) nonconforming = !check_and_record(i) || nonconforming;

    if (options_.covers) {
      // One search of the input for every output that lacks its cover (or was encoded
      // again); a cover that fails fails its row, the videos stay.
      PackageJob cover_job = job_for(row, options_);
      std::vector<size_t> wanting;
      for (size_t i = 0; i < outputs.size(); ++i) {
        const OutputResult& o = r.outputs[i];
        if (o.status == "failed") continue;
        const fs::path cover = cover_path(o.path, outputs[i].preset);
        std::error_code ec;
        if (o.status == "skipped" && fs::exists(cover, ec)) {
          r.outputs[i].cover = cover;
          continue;
        }
        cover_job.outputs.push_back({outputs[i].preset, outputs[i].path});
        wanting.push_back(i);
      }
      if (!wanting.empty()) {
        try {
          write_package_covers(cover_job);
          for (size_t i : wanting)
            r.outputs[i].cover = cover_path(r.outputs[i].path, outputs[i].preset);
        } catch (const Interrupted&) {
          throw;
        } catch (const Error& e) {
          if (r.reason.empty()) r.reason = std::string("cover: ") + e.what();
          failed = true;
        }
      }
    }

    if (failed || (options_.strict && nonconforming)) return finish(RowStatus::Failed);
    return finish(encoded.empty() ? RowStatus::Skipped : RowStatus::Ok);
  } catch (const Interrupted&) {
    return finish(RowStatus::Interrupted, "interrupted; rerun to finish this row");
  } catch (const Error& e) {
    for (OutputResult& o : r.outputs) {
      if (o.status.empty()) {
        o.status = "failed";
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
  for (const ManifestRow& row : rows_) {
    RowResult r;
    r.number = row.number;
    r.line = row.line;
    r.name = row.name;
    r.input = row.input;
    report.rows.push_back(std::move(r));
  }
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
  report.elapsed_s = elapsed();
  return report;
}

nlohmann::json to_json(const RowPlan& plan) {
  json outs = json::array();
  for (const PlannedOutput& o : plan.outputs) {
    const char* action = o.action == OutputAction::Skip    ? "skip"
                         : o.action == OutputAction::Share ? "share"
                                                           : "encode";
    outs.push_back(
        {{"preset", o.preset},
         {"path", o.path.string()},
         {"action", plan.error.empty() ? action : "fail"},
         {"same_encode_as", o.same_encode_as.empty() ? json() : json(o.same_encode_as.string())},
         {"same_video_as", o.same_video_as.empty() ? json() : json(o.same_video_as.string())},
         {"fingerprint", o.fingerprint.empty() ? json() : json(o.fingerprint)}});
  }
  return {{"row", plan.number},
          {"line", plan.line},
          {"name", plan.name},
          {"input", plan.input.string()},
          {"error", plan.error.empty() ? json() : json(plan.error)},
          {"warnings", plan.warnings},
          {"outputs", outs}};
}

nlohmann::json summarize_rows(const nlohmann::json& rows) {
  std::map<std::string, int> by_status, by_output;
  int nonconforming = 0;
  for (const auto& r : rows) {
    ++by_status[r.value("status", "")];
    for (const auto& o : r.value("outputs", json::array())) {
      ++by_output[o.value("status", "")];
      const json& c = o.value("conformance", json());
      if (c.is_object() && !c.value("pass", true)) ++nonconforming;
    }
  }
  return {{"rows", rows.size()},
          {"ok", by_status["ok"]},
          {"skipped", by_status["skipped"]},
          {"failed", by_status["failed"]},
          {"interrupted", by_status["interrupted"]},
          {"pending", by_status["pending"]},
          {"outputs_written", by_output["written"]},
          {"outputs_shared", by_output["shared"]},
          {"outputs_skipped", by_output["skipped"]},
          {"outputs_failed", by_output["failed"]},
          {"outputs_nonconforming", nonconforming}};
}

nlohmann::json to_json(const BatchReport& report) {
  json rows = json::array();
  for (const RowResult& r : report.rows) {
    json outs = json::array();
    int64_t total = 0;
    for (const OutputResult& o : r.outputs) {
      total += o.size_bytes;
      outs.push_back(
          {{"preset", o.preset},
           {"path", o.path.string()},
           {"status", o.status.empty() ? "pending" : o.status},
           {"error", o.error.empty() ? json() : json(o.error)},
           {"size_bytes", o.size_bytes},
           {"shared_from", o.shared_from.empty() ? json() : json(o.shared_from.string())},
           {"video_shared_from",
            o.video_shared_from.empty() ? json() : json(o.video_shared_from.string())},
           {"conformance", o.conformance},
           {"cover", o.cover.empty() ? json() : json(o.cover.string())}});
    }
    rows.push_back({{"row", r.number},
                    {"line", r.line},
                    {"name", r.name},
                    {"input", r.input.string()},
                    {"status", to_string(r.status)},
                    {"reason", r.reason.empty() ? json() : json(r.reason)},
                    {"warnings", r.warnings},
                    {"elapsed_seconds", r.elapsed_s},
                    {"analysis_cache", r.analysis_cache.empty() ? json() : json(r.analysis_cache)},
                    {"size_bytes", total},
                    {"outputs", outs}});
  }
  const CacheReport& c = report.cache;
  const json cache = c.dir.empty() ? json()
                                   : json{{"dir", c.dir.string()},
                                          {"max_bytes", c.max_bytes},
                                          {"pruned_entries", c.pruned_entries},
                                          {"pruned_bytes", c.pruned_bytes},
                                          {"pruned_temporaries", c.pruned_temporaries},
                                          {"entries", c.entries},
                                          {"size_bytes", c.size_bytes},
                                          {"warnings", c.warnings}};
  return {{"reelpack_version", REELPACK_VERSION},
          {"manifest", report.manifest.string()},
          {"outdir", report.outdir.string()},
          {"manifest_rows", report.manifest_rows},
          {"shard", {{"index", report.shard.index}, {"count", report.shard.count}}},
          {"jobs", report.jobs},
          {"elapsed_seconds", report.elapsed_s},
          {"interrupted", report.interrupted},
          {"ok", report.ok()},
          {"summary", summarize_rows(rows)},
          {"cache", cache},
          {"rows", rows}};
}

void write_report(const BatchReport& report, const fs::path& path) {
  write_file_atomically(path, to_json(report).dump(2) + "\n");
}

MergedReport merge_reports(const fs::path& outdir) {
  static const std::regex kName(R"(report\.shard-(\d+)-of-(\d+)\.json)");
  std::map<int, std::vector<std::pair<int, fs::path>>> by_count;  // N -> (K, file)
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(outdir, ec)) {
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, m, kName)) {
      by_count[std::stoi(m[2].str())].emplace_back(std::stoi(m[1].str()), entry.path());
    }
  }
  if (ec) throw UsageError(outdir.string() + ": cannot read the folder (" + ec.message() + ")");
  if (by_count.empty()) {
    throw UsageError(outdir.string() +
                     ": no report.shard-K-of-N.json to merge; run the shards "
                     "with --shard first");
  }
  if (by_count.size() > 1) {
    throw UsageError(outdir.string() + ": shard reports of different shard counts (" +
                     std::to_string(by_count.begin()->first) + " and " +
                     std::to_string(by_count.rbegin()->first) +
                     "); remove the reports of the older run and merge again");
  }
  const int count = by_count.begin()->first;
  auto files = by_count.begin()->second;
  std::sort(files.begin(), files.end());

  MergedReport merged;
  json rows = json::array();
  json first;
  std::set<int> seen;
  bool interrupted = false;
  double elapsed = 0;
  json cache;  // the shards' pruning added up; null when no shard used a cache
  for (const auto& [index, file] : files) {
    std::ifstream in(file, std::ios::binary);
    json j;
    try {
      j = json::parse(in);
    } catch (const json::exception& e) {
      throw ProcessingError(file.string() + ": not a readable report (" + e.what() + ")");
    }
    if (first.is_null()) first = j;
    seen.insert(index);
    merged.files.push_back(file);
    interrupted = interrupted || j.value("interrupted", false);
    elapsed = std::max(elapsed, j.value("elapsed_seconds", 0.0));
    if (const json c = j.value("cache", json()); c.is_object()) {
      if (cache.is_null()) {
        cache = {{"dir", c.value("dir", "")},
                 {"max_bytes", c.value("max_bytes", int64_t{0})},
                 {"pruned_entries", 0},
                 {"pruned_bytes", int64_t{0}},
                 {"pruned_temporaries", 0}};
      }
      for (const char* k : {"pruned_entries", "pruned_bytes", "pruned_temporaries"}) {
        cache[k] = cache[k].get<int64_t>() + c.value(k, int64_t{0});
      }
    }
    for (auto& r : j.value("rows", json::array())) rows.push_back(r);
  }
  std::sort(rows.begin(), rows.end(),
            [](const json& a, const json& b) { return a.value("row", 0) < b.value("row", 0); });
  for (int k = 0; k < count; ++k) {
    if (!seen.count(k)) merged.missing_shards.push_back(k);
  }
  json sources = json::array();
  for (const auto& f : merged.files) sources.push_back(f.filename().string());
  const json summary = summarize_rows(rows);
  const bool ok = !interrupted && merged.missing_shards.empty() && summary["failed"] == 0 &&
                  summary["interrupted"] == 0 && summary["pending"] == 0;
  merged.report = {{"reelpack_version", REELPACK_VERSION},
                   {"manifest", first.value("manifest", "")},
                   {"outdir", outdir.string()},
                   {"manifest_rows", first.value("manifest_rows", 0)},
                   {"shard", {{"index", nullptr}, {"count", count}}},
                   {"merged_from", sources},
                   {"missing_shards", merged.missing_shards},
                   {"elapsed_seconds", elapsed},
                   {"interrupted", interrupted},
                   {"ok", ok},
                   {"summary", summary},
                   {"cache", cache},
                   {"rows", rows}};
  return merged;
}

}  // namespace reelpack
