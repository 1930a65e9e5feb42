#include "package/package_covers.h"

#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace reelpack {
namespace fs = std::filesystem;

std::vector<CoverFile> write_package_covers(const PackageJob& job) {
  if (job.outputs.empty()) return {};
  const MediaInfo info = probe(job.input, job.audio_stream);
  if (!info.video) throw UsageError(job.input.string() + ": --cover needs a video stream");
  CoverSearchOptions o;
  o.count = 1;
  o.ranges = resolve_ranges(info, job);
  o.reframe = job.reframe;
  o.allow_truncated = job.allow_truncated;
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

std::vector<CoverFile> write_package_covers(const PackageJob& job, const PackageReport& report) {
  PackageJob written = job;
  written.outputs.clear();
  for (size_t i = 0; i < report.outputs.size() && i < job.outputs.size(); ++i) {
    if (report.outputs[i].ok) written.outputs.push_back(job.outputs[i]);
  }
  return write_package_covers(written);
}

nlohmann::json covers_json(const std::vector<CoverFile>& covers) {
  nlohmann::json list = nlohmann::json::array();
  for (const CoverFile& c : covers) {
    list.push_back({{"preset", c.spec},
                    {"path", c.path.string()},
                    {"time_seconds", c.time_us / 1e6},
                    {"width", c.size.width_px},
                    {"height", c.size.height_px},
                    {"format", c.format}});
  }
  return list;
}

}  // namespace reelpack
