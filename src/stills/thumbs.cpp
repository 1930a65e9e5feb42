#include "stills/thumbs.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "media/image_writer.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {

std::vector<CoverSpec> cover_specs(const ThumbsJob& job) {
  std::vector<CoverSpec> specs;
  for (const Preset& p : job.presets) specs.push_back(cover_spec(p, job.reframe, job.format));
  if (specs.empty())
    specs.push_back({"", {0, 0}, job.format.empty() ? "jpg" : job.format, job.reframe});
  for (const CoverSpec& s : specs) {
    if (!image_format_supported(s.format)) {
      throw UsageError("cover format '" + s.format + "' is not available here; use jpg or png");
    }
  }
  return specs;
}

}  // namespace

ThumbsReport run_thumbs(const ThumbsJob& job) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<CoverSpec> specs = cover_specs(job);
  const std::string stem = job.input.stem().string();
  const auto path_for = [&](int rank, const CoverSpec& spec) {
    return job.outdir / (stem + (spec.name.empty() ? "" : "." + spec.name) + "." +
                         std::to_string(rank) + "." + spec.format);
  };

  CoverSearchOptions options = job.search;
  options.reframe = job.reframe;
  options.cover_sizes.clear();
  for (const CoverSpec& s : specs) {
    if (s.size.width_px > 0) options.cover_sizes.push_back(s.size);
  }
  CoverFinder finder(options);

  ThumbsReport report;
  report.search = finder.find(job.input);
  if (job.dry_run) {
    for (size_t r = 0; r < report.search.picked.size(); ++r) {
      for (const CoverSpec& spec : specs) {
        const VideoInfo& v = *report.search.info.video;
        const Size size =
            spec.size.width_px > 0 ? spec.size : Size{v.display_width_px(), v.display_height_px()};
        report.covers.push_back(
            {static_cast<int>(r) + 1, report.search.candidates[report.search.picked[r]].time_us,
             spec.name, path_for(static_cast<int>(r) + 1, spec), size, spec.format});
      }
    }
  } else {
    report.covers = finder.render(job.input, report.search, specs, path_for);
    report.scores = job.outdir / "scores.csv";
    write_file_atomically(report.scores, scores_csv(report.search));
    if (job.sprite) report.sprite = write_sprite(job.input, job.outdir, job.sprite_options);
  }
  report.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

nlohmann::json to_json(const ThumbsReport& r) {
  nlohmann::json covers = nlohmann::json::array();
  for (const CoverFile& c : r.covers) {
    covers.push_back({{"rank", c.rank},
                      {"preset", c.spec},
                      {"path", c.path.string()},
                      {"time_seconds", c.time_us / 1e6},
                      {"width", c.size.width_px},
                      {"height", c.size.height_px},
                      {"format", c.format}});
  }
  nlohmann::json j = {
      {"covers", covers}, {"search", to_json(r.search)}, {"elapsed_seconds", r.elapsed_s}};
  if (!r.scores.empty()) j["scores"] = r.scores.string();
  if (r.sprite) j["sprite"] = to_json(*r.sprite);
  return j;
}

}  // namespace reelpack
