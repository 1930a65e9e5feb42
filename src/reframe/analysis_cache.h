// A cache of smart-reframe analyses (reframe/smart_analysis.h) on disk, so a rerun, a
// --force or another preset for the same input does not decode and analyse it again.
//
//   AnalysisCache cache("out/.reelpack-cache");
//   const AnalysisKey key = analysis_key("ep01.mov", ranges, options);
//   std::vector<std::string> warnings;
//   std::optional<SmartAnalysis> a = cache.load(key, warnings);   // nullopt: not cached
//   if (!a) { a = analyse_for_reframe(...); cache.store(key, *a, warnings); }
//
//   AnalysisCache bounded("out/.reelpack-cache", int64_t{256} << 20);  // store() prunes
//   CachePruneResult r = bounded.prune(warnings);    // or on its own, e.g. after a batch
//
// The key covers what the analysis depends on: the input's content (core/content_hash.h:
// size and three 1 MiB blocks, not its name or time), the ranges analysed, every analysis
// option, the face detector in use (BlazeFace and its model file, or the cascades), and
// kSmartAnalysisVersion, which changes whenever the analysis code would give
// another result (not with every reelpack release). One JSON file per key, named by its
// hash, holding the whole key text (compared on load) and the analysis; written through a
// temporary renamed into place, so readers never see half a file. A file that cannot be
// read as an analysis of this key is ignored with a warning and overwritten.
//
// Bounded: with a size cap, store() (and prune()) remove the least recently used entries
// until the entries' total is under the cap. "Used" is the file's modification time,
// set when an entry is written and again when load() reads it (a hit). Several processes
// may share the folder (batch shards on shared storage): an entry removed while another
// process reads it is read to the end (an open file outlives its name) or, when gone
// before it is opened, is a miss with no warning; a temporary being written by another
// process is left alone unless older than kStaleTempAge; a file that cannot be removed is
// a warning. Files that are neither entries nor their temporaries are never touched.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "edit/ranges.h"
#include "edit/shots.h"
#include "reframe/smart_analysis.h"

namespace reelpack {

// Bump when the analysis (shot detector, face sampler, motion) changes its results.
inline constexpr const char* kSmartAnalysisVersion = "smart-analysis-3";
// Bump when detect_shots() (the shot detector, its frame scaling) changes its results.
inline constexpr const char* kShotListVersion = "shot-list-1";

// A temporary of an entry older than this was left by a process that died (writing one
// takes milliseconds, and every write moves its modification time on): prune() removes it.
inline constexpr std::chrono::hours kStaleTempAge{24};

// What prune() removed and what the cache holds after it.
struct CachePruneResult {
  int removed_entries = 0;  // least recently used entries removed for the cap
  int64_t removed_bytes = 0;
  int removed_temporaries = 0;  // stale temporaries (kStaleTempAge) removed
  int entries = 0;              // entries left
  int64_t size_bytes = 0;       // their total
};

struct AnalysisKey {
  std::string text;  // every keyed value, readable (stored in the file and compared)
  std::string hash;  // 16 hex digits of FNV-1a over text: the file name
};

// Reads at most 3 MiB of `input`; throws ProcessingError when it cannot be read.
AnalysisKey analysis_key(const std::filesystem::path& input, const std::vector<TimeRange>& ranges,
                         const SmartAnalysisOptions& options);
// The key of detect_shots(input, options) (split, shots).
AnalysisKey shots_key(const std::filesystem::path& input, const ShotDetectorOptions& options);

class AnalysisCache {
 public:
  // max_bytes: the cap on the entries' total size that store() and prune() keep to; 0: no
  // cap (no entry is ever removed).
  explicit AnalysisCache(std::filesystem::path dir, int64_t max_bytes = 0)
      : dir_(std::move(dir)), max_bytes_(max_bytes) {}

  const std::filesystem::path& dir() const { return dir_; }
  int64_t max_bytes() const { return max_bytes_; }
  std::filesystem::path file_for(const AnalysisKey& key) const;

  // The cached analysis (its `input` set to `input`), or nullopt when there is none or
  // the file is damaged, of another key or of another version (then a warning says so).
  // A hit marks the entry used (its modification time, for prune()).
  std::optional<SmartAnalysis> load(const AnalysisKey& key, const std::filesystem::path& input,
                                    std::vector<std::string>& warnings) const;
  // Writes atomically, then prunes (keeping the entry just written). A cache that cannot
  // be written or pruned is not an error for the caller: the reason goes to `warnings`.
  CachePruneResult store(const AnalysisKey& key, const SmartAnalysis& analysis,
                         std::vector<std::string>& warnings) const;
  // The same for shot lists (split): shots-<hash>.json.
  std::optional<ShotList> load_shots(const AnalysisKey& key, const std::filesystem::path& input,
                                     std::vector<std::string>& warnings) const;
  CachePruneResult store_shots(const AnalysisKey& key, const ShotList& shots,
                               std::vector<std::string>& warnings) const;
  std::filesystem::path shots_file_for(const AnalysisKey& key) const;

  // Removes temporaries older than kStaleTempAge and, with a cap, the least recently used
  // entries (never `keep`) until the entries' total is at most max_bytes(). Never throws:
  // what cannot be listed or removed goes to `warnings`; a file that another process
  // removed first is simply gone.
  CachePruneResult prune(std::vector<std::string>& warnings,
                         const std::filesystem::path& keep = {}) const;

 private:
  std::optional<nlohmann::json> read_entry(const std::filesystem::path& file,
                                           const AnalysisKey& key,
                                           std::vector<std::string>& warnings) const;
  // An entry read back with `from`; nullopt (and a warning) when it is missing, of another
  // key, or damaged.
  template <class T>
  std::optional<T> load_entry(const std::filesystem::path& file, const AnalysisKey& key,
                              const std::filesystem::path& input,
                              std::vector<std::string>& warnings,
                              T (*from)(const nlohmann::json&, const std::filesystem::path&)) const;
  CachePruneResult write_entry(const std::filesystem::path& file, const AnalysisKey& key,
                               const nlohmann::json& value,
                               std::vector<std::string>& warnings) const;
  std::filesystem::path dir_;
  int64_t max_bytes_ = 0;
};

}  // namespace reelpack
