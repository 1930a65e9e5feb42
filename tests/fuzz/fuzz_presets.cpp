// Preset INI files through the loader (it reads files: the input is written to one in
// memory), with an override so the cross-key checks run too.
#include <cstdint>

#include "core/error.h"
#include "fuzz_file.h"
#include "presets/preset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = reelpack::fuzz::fuzz_file(data, size, "fuzz.ini");
  const reelpack::PresetLoader loader({file.parent_path()});
  try {
    loader.load(file.string());
    loader.load(file.string(), {{"video.crf", "0"}});
  } catch (const reelpack::Error&) {
  }
  return 0;
}
