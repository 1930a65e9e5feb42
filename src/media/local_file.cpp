#include "media/local_file.h"

extern "C" {
#include <libavformat/avformat.h>
}

#include <sys/stat.h>

#include <array>
#include <fstream>
#include <set>

#include "core/error.h"
#include "media/av_error.h"

namespace reelpack {

namespace {

// Demuxers that open other files or URLs named inside the input.
const std::set<std::string>& demuxers_that_follow_names() {
  static const std::set<std::string> names = {"hls", "dash", "concat", "imf"};
  return names;
}

// Every demuxer of this FFmpeg build but those.
const std::string& allowed_demuxers() {
  static const std::string list = [] {
    std::string out;
    void* opaque = nullptr;
    while (const AVInputFormat* f = av_demuxer_iterate(&opaque)) {
      if (demuxers_that_follow_names().count(f->name)) continue;
      if (!out.empty()) out += ',';
      out += f->name;
    }
    return out;
  }();
  return list;
}

}  // namespace

std::string file_url(const std::filesystem::path& path) {
  return "file:" + path.string();
}

av::Dict local_file_options() {
  av::Dict options;
  av::check(av_dict_set(options.get_address(), "protocol_whitelist", "file", 0),
            "set the protocol whitelist", "libavformat");
  av::check(av_dict_set(options.get_address(), "format_whitelist", allowed_demuxers().c_str(), 0),
            "set the format whitelist", "libavformat");
  return options;
}

void require_regular_file(const std::filesystem::path& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return;  // missing: said later
  const char* kind = S_ISFIFO(st.st_mode)                         ? "a FIFO (named pipe)"
                     : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                     : S_ISSOCK(st.st_mode)                       ? "a socket"
                     : S_ISDIR(st.st_mode)                        ? "a folder"
                                                                  : "not a regular file";
  throw UsageError(path.string() + ": is " + kind + ", not a " + what +
                   "; reelpack reads regular files only (save the stream to a file first)");
}

std::string refused_container(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, 16> head{};
  in.read(head.data(), head.size());
  const std::string start(head.data(), static_cast<size_t>(in.gcount()));
  if (start.rfind("#EXTM3U", 0) == 0) {
    return "is an HLS playlist, which names other files; give reelpack the media file itself";
  }
  if (start.rfind("ffconcat", 0) == 0) {
    return "is a concat list, which names other files; give reelpack the media file itself";
  }
  if (start.find("<?xml") != std::string::npos || start.find("<MPD") != std::string::npos) {
    return "is an XML document (a DASH manifest?), not a media file; give the media file itself";
  }
  return "";
}

}  // namespace reelpack
