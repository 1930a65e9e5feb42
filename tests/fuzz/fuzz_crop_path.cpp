// Crop-path CSV files (`package --crop-path-in`), read for a 100-frame 1920x1080 clip cut
// to a 608x1080 window.
#include <cstdint>
#include <sstream>
#include <string>

#include "core/error.h"
#include "reframe/crop_path_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  reelpack::CropGeometry geometry;
  geometry.source = {1920, 1080};
  geometry.window = {608, 1080};
  const auto times = reelpack::FrameTimes::constant_rate({30, 1}, 100);
  try {
    reelpack::read_crop_path(in, "fuzz.csv", geometry, times);
  } catch (const reelpack::Error&) {
  }
  return 0;
}
