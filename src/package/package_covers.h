// `package --cover`: one cover per output of a package job, found and rendered by
// stills/covers.h with the job's input, ranges and reframing.
//
//   std::vector<CoverFile> covers = write_package_covers(job);   // out/ep01.tiktok.jpg ...
//   covers = write_package_covers(job, package(job));            // only for outputs written
#pragma once

#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "package/package.h"
#include "stills/covers.h"

namespace reelpack {

// `package --cover`: the best cover of the job's input (of its ranges, when it has some)
// for each output, at the preset's [cover] size and format, reframed with the job's mode,
// written beside the output as <output stem>.<format> (ep01.tiktok.jpg).
std::vector<CoverFile> write_package_covers(const PackageJob& job);

// The same for the outputs `report` says were written (package(job)'s report).
std::vector<CoverFile> write_package_covers(const PackageJob& job, const PackageReport& report);

// The "covers" list of `package --cover --json`.
nlohmann::json covers_json(const std::vector<CoverFile>& covers);

}  // namespace reelpack
