// Batch packaging: every row of a manifest (an episode and its presets) through package(),
// rows running side by side on a small pool of threads, each row's outputs checked
// against their presets, and one report for the run.
//
//   BatchOptions o;
//   o.manifest = "season1.csv";
//   o.outdir = "out";
//   Batch batch(o);                              // reads the manifest, loads every preset
//   BatchReport r = batch.run(on_progress);      // never throws for a bad row
//   write_report(r, o.outdir / o.shard.report_name());   // batch/report.h
//
// Work is done once: a row's input is decoded once for all its presets, presets that
// encode identically share one encode (package()), and an output whose fingerprint
// (batch/fingerprint.h) matches the state left by the last run is skipped (batch/state.h),
// so an interrupted batch resumes where it stopped. A bad row (missing or damaged input)
// fails alone; the others complete. Memory stays bounded however long the manifest: a
// row's media state lives only while a worker runs it; the batch keeps a small result
// per row.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "batch/manifest.h"
#include "batch/report.h"
#include "batch/shard.h"
#include "package/package.h"
#include "presets/preset.h"

namespace reelpack {

struct BatchOptions {
  std::filesystem::path manifest;
  std::filesystem::path outdir;
  int jobs = 0;         // rows at once; 0: default_jobs()
  Shard shard;          // default: every row
  bool force = false;   // redo outputs even when up to date
  bool strict = false;  // an output that fails its conformance check fails its row
  Overrides overrides;  // applied to every preset, as on package's command line
  // --reframe smart rows keep their analysis here (reframe/analysis_cache.h), so a rerun,
  // --force or another row of the same input does not analyse again. Empty: no cache.
  std::filesystem::path cache_dir;
  // The cache's cap: after a row stores an analysis, and once more at the end of the run,
  // the least recently used entries are removed until the entries take at most this much.
  // 0: no cap. Shards sharing one cache folder may each prune it.
  int64_t cache_max_bytes = kDefaultCacheMaxBytes;
  bool burn_subtitles = false;  // rows with subtitles also get them drawn into the picture
  // --reframe smart rows: memory for frames held while their shot is analysed (see
  // PackageJob::smart_hold_bytes), per row.
  int64_t smart_hold_bytes = kDefaultSmartHoldBytes;
  // A cover beside each output (<stem>.<preset>.<format>, as package --cover): made when
  // its output is encoded, or when it is missing beside an output that is up to date.
  bool covers = false;
  // Truncated inputs are packaged as far as they go (PackageJob::allow_truncated), with a
  // warning in their row's report.
  bool allow_truncated = false;
};

// CPUs this process may use: its affinity mask (taskset, Slurm) capped by a cgroup v2 CPU
// quota (Kubernetes limits, docker --cpus).
int available_cores();
// Rows run at once when -j is not given (see the implementation for the measurement).
int default_jobs();

enum class OutputAction { Encode, Share, Skip };
std::string to_string(OutputAction action);  // "encode", "share", "skip"

struct PlannedOutput {
  std::string preset;
  std::filesystem::path path;
  OutputAction action = OutputAction::Encode;
  std::filesystem::path same_encode_as;  // for Share
  std::filesystem::path same_video_as;   // for Encode: its video comes from this output's encode
  std::string fingerprint;               // empty when the input cannot be read
  // The frame rate chosen for the input (package/plan.h output_frame_rate()), and why;
  // {0, 1} for an output skipped as up to date (the input is then not probed).
  Rational fps{0, 1};
  std::string fps_reason;
};

// What a row will do (the --dry-run plan, and the first step of running it).
struct RowPlan {
  int number = 0;
  int line = 0;
  std::string name;
  std::filesystem::path input;
  std::string error;  // the input (or subtitles file) is missing or unreadable
  std::vector<std::string> warnings;
  std::vector<PlannedOutput> outputs;
};

struct BatchProgress {
  int rows_total = 0;
  int rows_done = 0;
  int rows_failed = 0;
  int rows_skipped = 0;
  double fraction = 0;  // of the whole shard, counting the rows in progress
  double elapsed_s = 0;
};
// Called from the worker threads, one call at a time (never concurrently).
using BatchProgressFn = std::function<void(const BatchProgress&)>;

class Batch {
 public:
  // Reads and validates the manifest and loads every preset it names: a malformed row, an
  // unknown preset or two rows writing the same output throw UsageError naming the line.
  explicit Batch(BatchOptions options, const PresetLoader& loader = PresetLoader());

  const BatchOptions& options() const { return options_; }
  int manifest_rows() const { return static_cast<int>(manifest_.rows.size()); }
  const std::vector<ManifestRow>& rows() const { return rows_; }  // this shard's

  // Reads at most 3 MiB of the input (its fingerprint) and the state files; writes nothing.
  RowPlan plan_row(const ManifestRow& row) const;
  // Runs the shard's rows. Returns with interrupted set after SIGINT/SIGTERM (rows in
  // progress removed their temporaries; rows not started stay pending).
  BatchReport run(const BatchProgressFn& progress = {}) const;

 private:
  std::vector<OutputRequest> outputs_of(const ManifestRow& row) const;
  RowResult run_row(const ManifestRow& row, const std::function<void(double)>& progress) const;

  BatchOptions options_;
  Manifest manifest_;
  std::vector<ManifestRow> rows_;
  std::map<std::string, Preset> presets_;  // by the manifest's preset token
};

nlohmann::json to_json(const RowPlan& plan);

}  // namespace reelpack
