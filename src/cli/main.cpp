// reelpack: the command line. Parses the verb and hands over to its command; maps errors
// to one line on stderr and the documented exit codes.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/avutil.h>
#include <libavutil/log.h>
}

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/cancel.h"
#include "core/error.h"
#include "presets/schema.h"

namespace po = boost::program_options;

namespace reelpack::cli {

void set_verbosity(int level) {
  av_log_set_level(level >= 2 ? AV_LOG_VERBOSE : level == 1 ? AV_LOG_WARNING : AV_LOG_QUIET);
  // SVT-AV1 prints to stderr itself (its banner, at info level), past av_log: its own
  // level, read when an encoder opens, follows -v unless the user set SVT_LOG.
  static const bool user_set = std::getenv("SVT_LOG") != nullptr;
  if (!user_set) setenv("SVT_LOG", level >= 2 ? "3" : level == 1 ? "2" : "1", 1);
}

po::variables_map parse_args(const std::string& verb, const Args& args,
                             const po::options_description& options,
                             const po::positional_options_description& positional) {
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError("reelpack " + verb + ": " + e.what() + "; see `reelpack " + verb + " --help`");
  }
  return vm;
}

namespace {

// A size option given in megabytes (--smart-memory, --cache-max), in bytes; UsageError
// naming `verb` when negative or past a petabyte. `zero_means` says what 0 does.
int64_t megabytes_option(const po::variables_map& vm, const std::string& option,
                         const std::string& verb, const std::string& zero_means) {
  const int64_t mb = vm[option].as<int64_t>();
  if (mb < 0 || mb > (int64_t{1} << 30)) {
    throw UsageError("reelpack " + verb + ": --" + option + " " + std::to_string(mb) +
                     ": give megabytes, 0 or more (0: " + zero_means + ")");
  }
  return mb << 20;
}

}  // namespace

int64_t smart_memory_bytes(const po::variables_map& vm, const std::string& verb) {
  return megabytes_option(vm, "smart-memory", verb, "analyse in a pass of its own");
}

int64_t cache_max_bytes(const po::variables_map& vm, const std::string& verb) {
  return megabytes_option(vm, "cache-max", verb, "no cap");
}

const char* const kCacheMaxHelp =
    "cap on the analysis cache: after storing an analysis, the least recently used entries "
    "(a hit counts as a use) are removed until the cache takes at most MB (default 256; "
    "0: no cap, nothing is removed)";

const char* const kAllowTruncatedHelp =
    "use an input that ends before the end its container declares (a copy that did not "
    "finish) as far as it goes, with a warning saying what is missing; without it such an "
    "input fails (exit 1)";

std::map<std::string, std::string> preset_overrides(const po::variables_map& vm) {
  std::map<std::string, std::string> overrides;
  for (const auto& [key, value] : vm) {
    if (key.find('.') != std::string::npos) overrides[key] = value.as<std::string>();
  }
  return overrides;
}

void print_help(const std::string& usage, const std::string& summary,
                const po::options_description& options, const std::string& examples) {
  std::cout << "Usage: " << usage << "\n\n"
            << summary << "\n\n"
            << options << "\nExamples:\n"
            << examples
            << "\nExit codes: 0 ok, 1 processing failure, 2 usage error, 130 interrupted.\n";
}

std::optional<po::variables_map> parse_verb(const std::string& verb, const Args& args,
                                            const po::options_description& options,
                                            const std::string& positional, const VerbHelp& help) {
  const po::options_description overrides = preset_options(true);
  po::options_description all;
  all.add(options).add(overrides).add_options()(positional.c_str(), po::value<std::string>());
  po::positional_options_description pos;
  pos.add(positional.c_str(), 1);
  po::variables_map vm = parse_args(verb, args, all, pos);
  if (vm.count("help")) {
    po::options_description shown;
    shown.add(options).add(overrides);
    print_help(help.usage, help.summary, shown, help.examples);
    return std::nullopt;
  }
  return vm;
}

namespace {
const char* kTopHelp =
    R"(reelpack: package drama footage into vertical short-form episodes per platform.

Usage: reelpack VERB [OPTIONS]

Verbs:
  package   decode once, reframe and encode for one or more platform presets
  cut       frame-accurate trims and cut lists (or lossless, snapped to keyframes)
  shots     list the shots of a file (hard cuts, fades, dissolves)
  split     split a master into episodes that end on shot boundaries
  batch     package a manifest of episodes: parallel, resumable, shardable across machines
  check     check a file against a preset's delivery rules (size, GOP, bitrate, loudness...)
  reframe   smart reframing on its own: review video, crop path to edit, detections
  thumbs    covers at each preset's cover size, and scrubbing sprites with a WebVTT track
  probe     show what a media file holds (streams, duration, rotation, SAR)
  presets   list presets, show one resolved, or list every preset key

Run `reelpack VERB --help` for a verb's options and examples.

Examples:
  reelpack package media/sample.mp4 -p tiktok -p youtube-shorts -o out/
  reelpack package ep01.mov -p douyin --reframe blur --video.crf 20 -o out/
  reelpack batch season1.csv -o out/ -j 2
  reelpack check out/ep01.tiktok.mp4 -p tiktok
  reelpack probe ep01.mov --json
  reelpack presets list

Exit codes: 0 ok, 1 processing failure, 2 usage error, 130 interrupted.
)";

// On the way out, whatever the outcome: says which temporaries of killed runs were removed.
struct SweepNote {
  ~SweepNote() {
    const auto swept = swept_temporaries();
    if (swept.empty()) return;
    std::cerr << "reelpack: note: removed " << swept.size()
              << " temporary file(s) left by runs that were killed, e.g. " << swept.front().string()
              << "\n";
  }
};
}  // namespace

}  // namespace reelpack::cli

int main(int argc, char** argv) {
  using namespace reelpack;
  install_signal_handlers();
  cli::set_verbosity(0);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << cli::kTopHelp;
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] == "--version") {
    std::cout << "reelpack " REELPACK_VERSION " (FFmpeg " << av_version_info() << ")\n";
    return kExitOk;
  }
  const std::string verb = args[0];
  args.erase(args.begin());
  const cli::SweepNote sweep_note;
  try {
    if (verb == "package") return cli::cmd_package(args);
    if (verb == "probe") return cli::cmd_probe(args);
    if (verb == "presets") return cli::cmd_presets(args);
    if (verb == "cut") return cli::cmd_cut(args);
    if (verb == "shots") return cli::cmd_shots(args);
    if (verb == "split") return cli::cmd_split(args);
    if (verb == "check") return cli::cmd_check(args);
    if (verb == "batch") return cli::cmd_batch(args);
    if (verb == "reframe") return cli::cmd_reframe(args);
    if (verb == "thumbs") return cli::cmd_thumbs(args);
    throw UsageError("unknown verb '" + verb + "'; run `reelpack --help` for the list");
  } catch (const Error& e) {
    std::cerr << "reelpack: error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    std::cerr << "reelpack: error: out of memory\n";
    return kExitProcessing;
  } catch (const std::exception& e) {
    std::cerr << "reelpack: error: " << e.what() << "\n";
    return kExitProcessing;
  }
}
