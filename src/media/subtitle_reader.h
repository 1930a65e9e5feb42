// Text subtitle files (SRT, WebVTT) demuxed and decoded by libavformat and libavcodec
// into plain cues: what src/subtitles/ re-times and draws, with no libav of its own.
//
//   SubtitleFile f = read_subtitle_file("ep01.en.srt");   // UsageError when unreadable
//   f.format;           // "srt"
//   f.cues[0].event;    // "0,0,Default,,0,0,0,,Hello" (ASS markup)
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace reelpack {

struct SubtitleCue {
  int64_t start_us = 0;
  int64_t end_us = 0;  // exclusive
  // The event as libavcodec's text decoders give it:
  // "ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text" (ASS markup).
  std::string event;
};

struct SubtitleFile {
  std::string format;             // "srt" or "webvtt"
  std::vector<SubtitleCue> cues;  // in the file's order, on its own timeline; empty ones dropped
};

// Reads and decodes the whole file. Throws UsageError naming the file when it cannot be
// opened or read, is not SRT or WebVTT, or this FFmpeg has no decoder for it.
SubtitleFile read_subtitle_file(const std::filesystem::path& file);

}  // namespace reelpack
