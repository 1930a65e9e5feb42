// Fingerprints that decide whether an output is up to date, and the hash that shares rows
// out between machines.
//
//   const uint64_t content = sample_content_hash("ep01.mov");   // reads at most 3 MiB
//   const std::string fp = output_fingerprint(content, preset, job);
//   if (state && state->fingerprint == fp) ...                 // nothing changed: skip it
//
// The content hash (core/content_hash.h) reads the file size and three 1 MiB blocks
// (start, middle, end). It does not see an edit that keeps the size and touches none of
// the three blocks; --force redoes such a row.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/content_hash.h"

namespace reelpack {

struct PackageJob;
struct Preset;

// Everything that determines `preset`'s output of `job`: the input's content hash, every
// resolved preset value, the ranges, the reframe mode, the metadata and reelpack's version.
std::string output_fingerprint(uint64_t content_hash, const Preset& preset, const PackageJob& job);

}  // namespace reelpack
