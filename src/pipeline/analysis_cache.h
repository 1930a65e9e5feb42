// A cache of smart-reframe analyses (pipeline/smart_reframe.h) on disk, so a rerun, a
// --force or another preset for the same input does not decode and analyse it again.
//
//   AnalysisCache cache("out/.reelpack-cache");
//   const AnalysisKey key = analysis_key("ep01.mov", ranges, options);
//   std::vector<std::string> warnings;
//   std::optional<SmartAnalysis> a = cache.load(key, warnings);   // nullopt: not cached
//   if (!a) { a = analyse_for_reframe(...); cache.store(key, *a); }
//
// The key covers what the analysis depends on: the input's content (util/content_hash.h:
// size and three 1 MiB blocks, not its name or time), the ranges analysed, every analysis
// option, the face detector in use (BlazeFace and its model file, or the cascades), and
// kSmartAnalysisVersion, which changes whenever the analysis code would give
// another result (not with every reelpack release). One JSON file per key, named by its
// hash, holding the whole key text (compared on load) and the analysis; written through a
// temporary renamed into place, so readers never see half a file. A file that cannot be
// read as an analysis of this key is ignored with a warning and overwritten.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/ranges.h"
#include "pipeline/shots.h"
#include "pipeline/smart_reframe.h"

namespace reelpack {

// Bump when the analysis (shot detector, face sampler, motion) changes its results.
inline constexpr const char* kSmartAnalysisVersion = "smart-analysis-3";
// Bump when detect_shots() (the shot detector, its frame scaling) changes its results.
inline constexpr const char* kShotListVersion = "shot-list-1";

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
  explicit AnalysisCache(std::filesystem::path dir) : dir_(std::move(dir)) {}

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path file_for(const AnalysisKey& key) const;

  // The cached analysis (its `input` set to `input`), or nullopt when there is none or
  // the file is damaged, of another key or of another version (then a warning says so).
  std::optional<SmartAnalysis> load(const AnalysisKey& key, const std::filesystem::path& input,
                                    std::vector<std::string>& warnings) const;
  // Writes atomically. A cache that cannot be written is not an error for the caller: the
  // reason goes to `warnings`.
  void store(const AnalysisKey& key, const SmartAnalysis& analysis,
             std::vector<std::string>& warnings) const;
  // The same for shot lists (split): shots-<hash>.json.
  std::optional<ShotList> load_shots(const AnalysisKey& key, const std::filesystem::path& input,
                                     std::vector<std::string>& warnings) const;
  void store_shots(const AnalysisKey& key, const ShotList& shots,
                   std::vector<std::string>& warnings) const;
  std::filesystem::path shots_file_for(const AnalysisKey& key) const;

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
  void write_entry(const std::filesystem::path& file, const AnalysisKey& key,
                   const nlohmann::json& value, std::vector<std::string>& warnings) const;
  std::filesystem::path dir_;
};

}  // namespace reelpack
