// Subtitle files (SRT, or WebVTT when the first byte is odd) through read_subtitles(): the
// libavformat reader and reelpack's checks of cues and text.
#include <cstdint>

#include "core/error.h"
#include "fuzz_file.h"
#include "subtitles/subtitles.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char* name = data[0] & 1 ? "fuzz.vtt" : "fuzz.srt";
  reelpack::SubtitleSpec spec;
  spec.file = reelpack::fuzz::fuzz_file(data + 1, size - 1, name);
  try {
    reelpack::read_subtitles(spec);
  } catch (const reelpack::Error&) {
  }
  return 0;
}
