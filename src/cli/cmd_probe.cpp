#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "core/json_text.h"
#include "media/input.h"
#include "package/package.h"

namespace po = boost::program_options;

namespace reelpack::cli {

int cmd_probe(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")("json", "print JSON on stdout")(
      "verbose,v", "show FFmpeg's own warnings");
  po::options_description all;
  all.add(opts).add_options()("input", po::value<std::string>());
  po::positional_options_description pos;
  pos.add("input", 1);
  const auto vm = parse_args("probe", args, all, pos);
  if (vm.count("help")) {
    print_help("reelpack probe INPUT [--json]",
               "Shows the streams, duration, frame rate, rotation and pixel aspect of a file.",
               opts,
               "  reelpack probe media/sample.mp4\n"
               "  reelpack probe phone_clip.mov --json | jq .video.rotation\n");
    return 0;
  }
  if (!vm.count("input")) throw UsageError("reelpack probe: no INPUT; see `reelpack probe --help`");
  if (vm.count("verbose")) set_verbosity(1);

  const MediaInfo info = probe(vm["input"].as<std::string>());
  if (vm.count("json")) {
    std::cout << json_text(to_json(info), 2) << "\n";
    return 0;
  }
  std::printf("%s\n  format    %s, %.3f s, %lld bytes, %lld kb/s\n", info.path.c_str(),
              info.format_name.c_str(), info.duration_us / 1e6,
              static_cast<long long>(info.size_bytes),
              static_cast<long long>(info.bit_rate / 1000));
  if (info.video) {
    const VideoInfo& v = *info.video;
    std::printf(
        "  video     #%d %s %s %s %dx%d (shown %dx%d), SAR %d:%d, %.3f fps%s%s%s\n", v.index,
        v.codec.c_str(), v.profile.c_str(), v.pix_fmt.c_str(), v.width_px, v.height_px,
        v.display_width_px(), v.display_height_px(), v.sar.num, v.sar.den, av_q2d(v.avg_frame_rate),
        v.variable_frame_rate ? " (variable)" : "", v.interlaced ? ", interlaced" : "",
        v.rotation_deg ? (", rotated " + std::to_string(v.rotation_deg) + "°").c_str() : "");
    std::printf("  colour    %s / %s / %s, %s range\n", v.color_space.c_str(),
                v.color_primaries.c_str(), v.color_transfer.c_str(), v.color_range.c_str());
  }
  if (info.audio) {
    const AudioInfo& a = *info.audio;
    std::printf("  audio     #%d %s %d Hz %s (%d ch), %lld kb/s\n", a.index, a.codec.c_str(),
                a.sample_rate_hz, a.channel_layout.c_str(), a.channels,
                static_cast<long long>(a.bit_rate / 1000));
  } else {
    std::printf("  audio     none\n");
  }
  for (const auto& s : info.streams) {
    std::printf("  stream    #%d %s %s\n", s.index, s.type.c_str(), s.codec.c_str());
  }
  return 0;
}

}  // namespace reelpack::cli
