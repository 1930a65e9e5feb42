// Every path reelpack gives libavformat is a local file, never a URL or a protocol:
// `Ep 1: The Contract.mp4`, `pipe:0.mp4` and `http://x` are all names of files here, and
// nothing reelpack opens (a manifest row, a playlist inside an input) can make it read
// anything else.
//
//   av::Dict options = local_file_options();
//   avformat_open_input(&ctx, file_url(path).c_str(), nullptr, options.get_address());
#pragma once

#include <filesystem>
#include <string>

#include "media/av_ptr.h"

namespace reelpack {

// "file:" + path: the file protocol takes the rest as a plain path, colons and all.
std::string file_url(const std::filesystem::path& path);

// Options for avformat_open_input() and avio_open2(): only the file protocol, also for
// what a demuxer opens inside the input; and no demuxer that reads other files named in
// the input (HLS and DASH playlists, concat lists).
av::Dict local_file_options();

// UsageError naming `path` unless it is a regular file (after symlinks): a FIFO, a
// device or a socket would block or never end. `what` says what the file is for
// ("media file", "subtitles file").
void require_regular_file(const std::filesystem::path& path, const std::string& what);

// For an input libavformat refused: a sentence saying why, when the file is a playlist
// or concat list (which reelpack does not follow); empty otherwise.
std::string refused_container(const std::filesystem::path& path);

}  // namespace reelpack
