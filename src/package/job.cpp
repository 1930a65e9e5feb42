#include "package/job.h"

namespace reelpack {

std::filesystem::path package_output_path(const std::filesystem::path& outdir,
                                          const std::string& stem, const Preset& preset) {
  return outdir / (stem + "." + preset.name + "." + preset.container);
}

}  // namespace reelpack
