// Batch manifests, CSV and JSON Lines (the first byte chooses), parsed from memory.
#include <cstdint>
#include <sstream>
#include <string>

#include "batch/manifest.h"
#include "core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto format =
      data[0] & 1 ? reelpack::ManifestFormat::JsonLines : reelpack::ManifestFormat::Csv;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  try {
    reelpack::parse_manifest(in, "fuzz.csv", format);
  } catch (const reelpack::Error&) {
  }
  return 0;
}
