#include "package/package_covers.h"

#include <map>

#include "core/error.h"

namespace reelpack {
namespace fs = std::filesystem;

std::vector<CoverFile> write_package_covers(const PackageJob& job) {
  if (job.outputs.empty()) return {};
  const MediaInfo info = probe(job.input);
  if (!info.video) throw UsageError(job.input.string() + ": --cover needs a video stream");
  CoverSearchOptions o;
  o.count = 1;
  o.ranges = resolve_ranges(info, job);
  o.reframe = job.reframe;
  std::vector<CoverSpec> specs;
  std::map<std::string, fs::path> paths;
  for (const OutputRequest& out : job.outputs) {
    specs.push_back(cover_spec(out.preset, job.reframe));
    o.cover_sizes.push_back(specs.back().size);
    paths[out.preset.name] = cover_path(out.path, out.preset);
  }
  CoverFinder finder(o);
  CoverSearch search = finder.find(job.input);
  return finder.render(job.input, search, specs,
                       [&](int, const CoverSpec& spec) { return paths.at(spec.name); });
}

}  // namespace reelpack
