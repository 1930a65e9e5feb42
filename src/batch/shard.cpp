#include "batch/shard.h"

#include <algorithm>
#include <cstdlib>

#include "batch/fingerprint.h"
#include "core/error.h"

namespace reelpack {

bool Shard::contains(const std::string& identity) const {
  if (count <= 1) return true;
  Fnv64 h;
  h.field(identity);
  return static_cast<int>(h.value() % static_cast<uint64_t>(count)) == index;
}

std::string Shard::report_name() const {
  if (count <= 1) return "report.json";
  return "report.shard-" + std::to_string(index) + "-of-" + std::to_string(count) + ".json";
}

std::string Shard::to_string() const {
  return std::to_string(index) + "/" + std::to_string(count);
}

namespace {

// A non-negative integer, or nullopt when `text` is not one.
std::optional<int> whole(const std::string& text) {
  if (text.empty() || text.size() > 9 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoi(text);
}

Shard checked(int index, int count, const std::string& from) {
  if (count < 1) throw UsageError(from + ": the shard count must be at least 1");
  if (index < 0 || index >= count) {
    throw UsageError(from + ": shard index " + std::to_string(index) + " is outside 0.." +
                     std::to_string(count - 1) + " (shards are numbered from 0)");
  }
  return {index, count};
}

}  // namespace

Shard parse_shard(const std::string& text) {
  const size_t slash = text.find('/');
  const auto k = whole(text.substr(0, slash));
  const auto n = slash == std::string::npos ? std::nullopt : whole(text.substr(slash + 1));
  if (!k || !n) {
    throw UsageError("--shard " + text + ": expected K/N (for example 0/4), or auto");
  }
  return checked(*k, *n, "--shard " + text);
}

Shard shard_from_environment(std::optional<int> count_option, const EnvFn& env_fn) {
  const EnvFn env = env_fn ? env_fn : [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  auto number = [&](const std::string& name) -> std::optional<int> {
    const auto v = env(name);
    if (!v) return std::nullopt;
    const auto n = whole(*v);
    if (!n) throw UsageError("--shard auto: " + name + "='" + *v + "' is not a whole number");
    return n;
  };

  // Kubernetes Indexed Job: the pod's index; the count is the Job's `completions`, which
  // the pod does not see, so it is passed in.
  if (const auto index = number("JOB_COMPLETION_INDEX")) {
    std::optional<int> count = count_option;
    if (!count) count = number("REELPACK_SHARD_COUNT");
    if (!count) {
      throw UsageError(
          "--shard auto: JOB_COMPLETION_INDEX is set but not the shard count; pass "
          "--shard-count N or set REELPACK_SHARD_COUNT to the Job's completions");
    }
    return checked(*index, *count, "--shard auto (JOB_COMPLETION_INDEX)");
  }
  // Slurm job array: task ids run from SLURM_ARRAY_TASK_MIN (often 0 or 1).
  if (const auto task = number("SLURM_ARRAY_TASK_ID")) {
    std::optional<int> count = count_option;
    if (!count) count = number("SLURM_ARRAY_TASK_COUNT");
    if (!count) count = number("REELPACK_SHARD_COUNT");
    if (!count) {
      throw UsageError(
          "--shard auto: SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT; "
          "pass --shard-count N");
    }
    const int min = number("SLURM_ARRAY_TASK_MIN").value_or(0);
    const int step = std::max(1, number("SLURM_ARRAY_TASK_STEP").value_or(1));  // --array=0-14:2
    return checked((*task - min) / step, *count,
                   "--shard auto (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN)");
  }
  throw UsageError(
      "--shard auto: found neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor "
      "SLURM_ARRAY_TASK_ID (Slurm job array); use --shard K/N elsewhere");
}

}  // namespace reelpack
