// Frame-exact copy cuts (cut --copy --exact): each range holds exactly the frames shown
// from START up to (not including) END, like the re-encoding cut, but only the frames
// that cannot be copied are re-encoded: those between START and the first IDR picture of
// the range, and those after the last packet that leaves no frame of the range behind.
// They are encoded with libx264 matched to the source (size, pixel format, aspect, colour
// tags, profile, level) under parameter-set ids of their own, which join the source's in
// one avcC, so the output is one H.264 stream that every decoder reads from one header.
//
//   CopyCutReport r = exact_copy_cut("master.mp4", {parse_range("12.5-20")}, "ep01.mp4", {});
//   for (const CutPart& p : r.ranges[0].parts) p.reencoded, p.first_frame, p.end_frame;
//
// Only H.264 sources (progressive, profiles libx264 writes): anything else is a UsageError
// that says to use the re-encoding cut.
#pragma once

#include <filesystem>
#include <vector>

#include "edit/copy_cut.h"

namespace reelpack {

// Writes `output` atomically (nothing with options.dry_run: the plan only).
CopyCutReport exact_copy_cut(const std::filesystem::path& input,
                             const std::vector<RangeSpec>& ranges,
                             const std::filesystem::path& output, const CopyCutOptions& options);

}  // namespace reelpack
