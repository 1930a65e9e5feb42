// The verbs of the reelpack command line. Each parses its own options and calls the
// library; each returns a process exit code (core/error.h) or throws reelpack::Error.
#pragma once

#include <string>
#include <vector>

namespace reelpack::cli {

using Args = std::vector<std::string>;  // the arguments after the verb

int cmd_package(const Args& args);
int cmd_probe(const Args& args);
int cmd_presets(const Args& args);
int cmd_cut(const Args& args);
int cmd_shots(const Args& args);
int cmd_split(const Args& args);
int cmd_check(const Args& args);
int cmd_batch(const Args& args);
int cmd_reframe(const Args& args);
int cmd_thumbs(const Args& args);

// Shared by the verbs: sets libav's log level from -v / --verbose.
void set_verbosity(int level);

}  // namespace reelpack::cli

#include <boost/program_options.hpp>
#include <filesystem>
#include <map>
#include <optional>

namespace reelpack::cli {

// Parses a verb's arguments; po errors become UsageError("reelpack VERB: ...").
boost::program_options::variables_map parse_args(
    const std::string& verb, const Args& args,
    const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description& positional);

// What `reelpack VERB --help` prints around the options: the usage line(s), what the verb
// does, and examples (one per line, indented).
struct VerbHelp {
  std::string usage;
  std::string summary;
  std::string examples;
};

// A verb's command line: its `options`, the preset overrides (--SECTION.KEY VALUE) and
// one positional argument stored as `positional`. With --help prints the help (the
// options and the overrides) and returns nullopt.
std::optional<boost::program_options::variables_map> parse_verb(
    const std::string& verb, const Args& args,
    const boost::program_options::options_description& options, const std::string& positional,
    const VerbHelp& help);

}  // namespace reelpack::cli

// Shared by package, cut and split.
namespace reelpack {
struct PackageJob;
struct MediaInfo;
}  // namespace reelpack
namespace reelpack::cli {
// Creates the output folder if needed and checks it is writable, before any work.
void prepare_output_dir(const std::filesystem::path& dir);
// The --dry-run plan: resolved settings, filter chains and warnings, as text or JSON.
void print_plan(const reelpack::MediaInfo& info, const reelpack::PackageJob& job, bool json);
// Runs the job with a progress bar and prints the summary; returns the exit code.
// With `covers`, also the best frame beside each output written (package --cover).
int run_package(const reelpack::PackageJob& job, bool json, const std::filesystem::path& outdir,
                bool covers = false);

// Shot detection options shared by shots and split.
void add_shot_options(boost::program_options::options_description& options);
}  // namespace reelpack::cli
namespace reelpack {
struct ShotDetectorOptions;
}  // namespace reelpack
namespace reelpack::cli {
reelpack::ShotDetectorOptions shot_options(const boost::program_options::variables_map& vm);

// The --SECTION.KEY preset overrides given on a verb's command line.
std::map<std::string, std::string> preset_overrides(
    const boost::program_options::variables_map& vm);

// --smart-memory MB in bytes; UsageError naming `verb` when negative.
int64_t smart_memory_bytes(const boost::program_options::variables_map& vm,
                           const std::string& verb);

// --cache-max MB in bytes (0: no cap); UsageError naming `verb` when negative.
int64_t cache_max_bytes(const boost::program_options::variables_map& vm, const std::string& verb);
// The --cache-max option's help text, the same on every verb that has a cache.
extern const char* const kCacheMaxHelp;
// The --allow-truncated option's help text, the same on every verb that reads media.
extern const char* const kAllowTruncatedHelp;

// Prints "Usage: ...", the options and the examples for `--help`.
void print_help(const std::string& usage, const std::string& summary,
                const boost::program_options::options_description& options,
                const std::string& examples);

}  // namespace reelpack::cli
