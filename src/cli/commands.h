// The verbs of the reelpack command line. Each parses its own options and calls the
// library; each returns a process exit code (util/error.h) or throws reelpack::Error.
#pragma once

#include <string>
#include <vector>

namespace reelpack::cli {

using Args = std::vector<std::string>;  // the arguments after the verb

int cmd_package(const Args& args);
int cmd_probe(const Args& args);
int cmd_presets(const Args& args);

// Shared by the verbs: sets libav's log level from -v / --verbose.
void set_verbosity(int level);

}  // namespace reelpack::cli

#include <boost/program_options.hpp>

namespace reelpack::cli {

// Parses a verb's arguments; po errors become UsageError("reelpack VERB: ...").
boost::program_options::variables_map parse_args(
    const std::string& verb, const Args& args,
    const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description& positional);

// Prints "Usage: ...", the options and the examples for `--help`.
void print_help(const std::string& usage, const std::string& summary,
                const boost::program_options::options_description& options,
                const std::string& examples);

}  // namespace reelpack::cli
