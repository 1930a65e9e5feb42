// A batch's report: what became of every row and output, as report.json (or
// report.shard-K-of-N.json) spells it. The one home of that schema, both ways: a run's
// report is written from these structs, and merging reads the shards' reports back into
// them.
//
//   write_report(batch.run(), outdir / shard.report_name());
//   const MergedReport m = merge_reports(outdir);   // every report.shard-K-of-N.json
//   write_report(m, outdir / "report.json");
//   if (!m.ok()) ...                                 // a row failed, or a shard is missing
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "batch/shard.h"

namespace reelpack {

enum class RowStatus { Pending, Ok, Skipped, Failed, Interrupted };
std::string to_string(RowStatus status);  // "pending", "ok", "skipped", "failed", "interrupted"
RowStatus parse_row_status(const std::string& text);  // throws ProcessingError

// Written: encoded; Shared: made from another output's encode; Skipped: up to date.
enum class OutputStatus { Pending, Written, Shared, Skipped, Failed };
std::string to_string(OutputStatus status);  // "pending", "written", "shared", "skipped", ...
OutputStatus parse_output_status(const std::string& text);  // throws ProcessingError

struct OutputResult {
  std::string preset;
  std::filesystem::path path;
  OutputStatus status = OutputStatus::Pending;
  std::string error;
  int64_t size_bytes = 0;
  std::filesystem::path shared_from;
  std::filesystem::path video_shared_from;  // its video packets came from this output's encode
  nlohmann::json conformance;   // {"pass", "failures", "skipped"}; null when not checked
  std::filesystem::path cover;  // with BatchOptions::covers: the cover beside it, once there
};

struct RowResult {
  int number = 0;
  int line = 0;
  std::string name;
  std::filesystem::path input;
  RowStatus status = RowStatus::Pending;
  std::string reason;  // why it failed (or was interrupted)
  std::vector<std::string> warnings;
  double elapsed_s = 0;
  std::string analysis_cache;      // smart rows: package's "hit", "miss" or "off"; empty: none
  int cache_pruned_entries = 0;    // removed from the cache after this row stored its analysis
  int64_t cache_pruned_bytes = 0;  // (both summed into CacheReport, not reported per row)
  std::vector<OutputResult> outputs;
};

// The analysis cache over a run: what pruning removed (after the rows' stores and in the
// pass at the end) and what the cache held at the end.
struct CacheReport {
  std::filesystem::path dir;  // empty: the run used no cache
  int64_t max_bytes = 0;      // 0: no cap
  int pruned_entries = 0;
  int64_t pruned_bytes = 0;
  int pruned_temporaries = 0;  // stale temporaries (reframe/analysis_cache.h)
  int entries = 0;             // after the last pass (none when interrupted)
  int64_t size_bytes = 0;
  std::vector<std::string> warnings;  // the pass at the end (the rows' go on their rows)
};

struct BatchReport {
  std::filesystem::path manifest;
  std::filesystem::path outdir;
  Shard shard;
  int manifest_rows = 0;
  int jobs = 1;
  double elapsed_s = 0;
  bool interrupted = false;
  std::vector<RowResult> rows;  // the shard's rows, in manifest order
  CacheReport cache;
  // Temporaries of killed runs this run removed from its output folders (core/atomic_file.h).
  std::vector<std::filesystem::path> temporaries_removed;
  bool ok() const;  // no row failed or was interrupted
};

// The report's "summary": counts over its rows and their outputs.
struct ReportSummary {
  int rows = 0;
  int ok = 0, skipped = 0, failed = 0, interrupted = 0, pending = 0;  // rows
  int outputs_written = 0, outputs_shared = 0, outputs_skipped = 0, outputs_failed = 0;
  int outputs_nonconforming = 0;
};
ReportSummary summarize(const std::vector<RowResult>& rows);

// The shards' reports of one run joined: rows in manifest order, counts recomputed, the
// cache's pruning added up (a merged report keeps only that of the cache, and no jobs).
struct MergedReport {
  BatchReport report;  // shard.count: N; shard.index means nothing here
  std::vector<std::filesystem::path> files;
  std::vector<int> missing_shards;
  bool ok() const;  // every shard reported, and no row failed or is unfinished
};

nlohmann::json to_json(const BatchReport& report);
nlohmann::json to_json(const MergedReport& merged);
// A report as to_json wrote it. Throws ProcessingError naming `file` when it is not one.
BatchReport report_from_json(const nlohmann::json& j, const std::filesystem::path& file);

// Write the report as JSON through a temporary renamed into place.
void write_report(const BatchReport& report, const std::filesystem::path& path);
void write_report(const MergedReport& merged, const std::filesystem::path& path);

// Reads OUTDIR/report.shard-K-of-N.json. Throws UsageError when there is nothing to merge
// or the shard reports disagree on N, ProcessingError when one cannot be read.
MergedReport merge_reports(const std::filesystem::path& outdir);

}  // namespace reelpack
