// Media files: InputFile opens, probes and reads the stream information, then decodes every
// frame (video and audio), as each verb starts; then seeks and reads piecewise, as cut does.
// Errors are ProcessingError or UsageError; a sanitizer report or another exception is a bug.
// The bytes go through a file in memory so the real entry is tested (protocol whitelist,
// regular-file checks, the truncation check).
#include <cstdint>

#include "core/error.h"
#include "fuzz_file.h"
#include "media/input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = reelpack::fuzz::fuzz_file(data, size, "fuzz.media");
  try {
    reelpack::InputFile input(file);
    long frames = 0;
    input.decode([&](reelpack::StreamKind, AVFrame* f) { frames += f != nullptr; });
    if (input.decodes_video() || input.decodes_audio()) {
      input.seek_to(input.info().duration_us / 2);
      for (int i = 0; i < 64 && input.read_some([](reelpack::StreamKind, AVFrame*) {}); ++i) {
      }
    }
  } catch (const reelpack::Error&) {
  }
  return 0;
}
