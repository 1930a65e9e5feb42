// Cut-list ranges: parse_range() and resolve_range() on any text. A UsageError is the
// expected answer to garbage; anything else (another exception, a sanitizer report) is a bug.
#include <cstdint>
#include <string>

#include "core/error.h"
#include "edit/ranges.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const reelpack::RangeSpec r = reelpack::parse_range(text);
    reelpack::resolve_range(r, {24000, 1001}, 60'000'000, 41'708);
    reelpack::resolve_range(r, {0, 1}, 0);
  } catch (const reelpack::UsageError&) {
  }
  return 0;
}
