// What the two copy cuts (edit/copy_cut.h, edit/exact_copy.h) share: the container an
// output's extension names, and seeking to the video keyframe at or before a time.
//
//   Muxer mux(file.temp_path(), container_for(output), output.string());
//   seek_to_keyframe_before(input, video_index, start_us, pkt);
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "media/input.h"

namespace reelpack {

// "mp4", "mov", "matroska" or "mpegts"; UsageError naming `output` for other extensions.
std::string container_for(const std::filesystem::path& output);

// Seeks so that the first video keyframe read is at or before `time_us` (relative to the
// file's start). `pkt` is scratch space.
void seek_to_keyframe_before(InputFile& input, int video_index, int64_t time_us, AVPacket* pkt);

}  // namespace reelpack
