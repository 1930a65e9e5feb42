// Sharing a manifest's rows out between machines that see the same storage: shard K of N
// (K 0-based) takes the rows whose identity (the output name) hashes to K mod N. The
// share depends on the rows' names only, not on their order, so shards agree however the
// manifest is sorted, and rows with the same name always land together.
//
//   Shard s = parse_shard("2/8");                        // or shard_from_environment(...)
//   if (s.contains(row.name)) run(row);
//   s.report_name();                                     // "report.shard-2-of-8.json"
//
// On a cluster, shard_from_environment() reads the index of a Kubernetes Indexed Job
// (JOB_COMPLETION_INDEX; the count from --shard-count or REELPACK_SHARD_COUNT) or of a
// Slurm job array (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT).
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace reelpack {

struct Shard {
  int index = 0;
  int count = 1;  // 1: every row
  bool contains(const std::string& identity) const;
  std::string report_name() const;  // report.json, or report.shard-K-of-N.json
  std::string to_string() const;    // "2/8"
};

// "K/N" with 0 <= K < N. Throws UsageError.
Shard parse_shard(const std::string& text);

// Reads a variable; the default is std::getenv. Throws UsageError saying which variables
// were looked for when none applies or the values are inconsistent.
using EnvFn = std::function<std::optional<std::string>(const std::string&)>;
Shard shard_from_environment(std::optional<int> count_option, const EnvFn& env = {});

}  // namespace reelpack
