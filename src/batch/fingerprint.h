// Fingerprints that decide whether an output is up to date, and the hash that shares rows
// out between machines.
//
//   const uint64_t content = sample_content_hash("ep01.mov");   // reads at most 3 MiB
//   const std::string fp = output_fingerprint(content, preset, job);
//   if (state && state->fingerprint == fp) ...                 // nothing changed: skip it
//
// The content hash is 64-bit FNV-1a over the file size and three 1 MiB blocks (start,
// middle, end): it does not depend on modification times (copies to shared storage keep
// their fingerprint) and costs the same for a 100 MB and a 100 GB master. It does not see
// an edit that keeps the size and touches none of the three blocks; --force redoes such a
// row.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace reelpack {

struct PackageJob;
struct Preset;

// 64-bit FNV-1a, fed piece by piece.
class Fnv64 {
 public:
  Fnv64& add(std::string_view bytes);
  Fnv64& add(uint64_t value);  // as 8 little-endian bytes
  // A field with its length first, so ("ab","c") and ("a","bc") differ.
  Fnv64& field(std::string_view text);
  uint64_t value() const { return hash_; }
  std::string hex() const;  // 16 lowercase hex digits

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

inline constexpr int64_t kContentBlockBytes = 1 << 20;

// Throws ProcessingError naming the file when it cannot be read.
uint64_t sample_content_hash(const std::filesystem::path& file);

// Everything that determines `preset`'s output of `job`: the input's content hash, every
// resolved preset value, the ranges, the reframe mode, the metadata and reelpack's version.
std::string output_fingerprint(uint64_t content_hash, const Preset& preset, const PackageJob& job);

}  // namespace reelpack
