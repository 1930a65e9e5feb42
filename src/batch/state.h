// What a batch remembers about each output it wrote, so a rerun skips what is up to date:
// OUTDIR/.reelpack/<output file name>.json, written atomically after the output itself.
//
//   OutputState s{fingerprint, size_bytes, input, preset, conformance};
//   write_state(outdir, output_path, s);
//   if (is_up_to_date(outdir, output_path, fingerprint)) ...   // skip it
//
// An output is up to date when the file exists, its state file exists, and both the
// fingerprint and the file size match: a crash between the two writes, a deleted or
// replaced output or any change of input, preset or options means it is made again.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"  // write_file_atomically

namespace reelpack {

struct OutputState {
  std::string fingerprint;
  int64_t size_bytes = 0;
  std::string input;
  std::string preset;
  nlohmann::json conformance;  // the check's result when the output was written
};

inline constexpr const char* kStateDir = ".reelpack";

std::filesystem::path state_path(const std::filesystem::path& outdir,
                                 const std::filesystem::path& output);
// nullopt when absent or unreadable (an unreadable state only means the output is redone).
std::optional<OutputState> read_state(const std::filesystem::path& outdir,
                                      const std::filesystem::path& output);
// Throws ProcessingError naming the file when it cannot be written.
void write_state(const std::filesystem::path& outdir, const std::filesystem::path& output,
                 const OutputState& state);
// The state, when the output is up to date with `fingerprint`; else nullopt.
std::optional<OutputState> up_to_date_state(const std::filesystem::path& outdir,
                                            const std::filesystem::path& output,
                                            const std::string& fingerprint);

}  // namespace reelpack
