#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "core/json_text.h"
#include "presets/preset.h"
#include "presets/schema.h"

namespace po = boost::program_options;

namespace reelpack::cli {

namespace {

// Every preset found, with its description (or why it does not load).
int list_presets(const PresetLoader& loader, bool json) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, path] : loader.list()) {
    std::string description;
    try {
      description = loader.load(path.string()).description;
    } catch (const Error& e) {
      description = std::string("(invalid: ") + e.what() + ")";
    }
    if (json) {
      out.push_back({{"name", name}, {"path", path.string()}, {"description", description}});
    } else {
      std::printf("%-22s %s\n", name.c_str(), description.c_str());
    }
  }
  if (json) std::cout << json_text(out, 2) << "\n";
  return kExitOk;
}

// One preset fully resolved, with where each value came from.
int show_preset(const PresetLoader& loader, const po::variables_map& vm, bool json) {
  if (!vm.count("name"))
    throw UsageError("reelpack presets show: which preset? e.g. `reelpack presets show tiktok`");
  const Overrides ov = preset_overrides(vm);
  const Preset p = loader.load(vm["name"].as<std::string>(), ov);
  if (json) {
    std::cout << json_text(to_json(p), 2) << "\n";
  } else {
    std::cout << "# " << p.name << ": " << p.description << "\n# from " << p.source.string() << "\n"
              << to_ini(p);
  }
  return kExitOk;
}

// Every preset key with its default.
int list_keys(bool json) {
  nlohmann::json out = nlohmann::json::array();
  for (const KeySpec& k : preset_schema()) {
    const char* def = k.default_value ? k.default_value : "";
    if (json) {
      out.push_back({{"key", k.key}, {"default", def}, {"help", k.help}});
    } else {
      std::printf("%-24s %-10s %s\n", k.key, def, k.help);
    }
  }
  if (json) std::cout << json_text(out, 2) << "\n";
  return kExitOk;
}

}  // namespace

int cmd_presets(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")("json", "print JSON on stdout");
  const po::options_description overrides = preset_options(true);
  po::options_description all;
  all.add(opts).add(overrides).add_options()("action", po::value<std::string>())(
      "name", po::value<std::string>());
  po::positional_options_description pos;
  pos.add("action", 1).add("name", 1);
  const auto vm = parse_args("presets", args, all, pos);
  const std::string action = vm.count("action") ? vm["action"].as<std::string>() : "";
  if (vm.count("help") || action.empty()) {
    print_help("reelpack presets list|show NAME|keys [--json]",
               "Lists the presets, shows one fully resolved (defaults, base and overrides\n"
               "applied, with where each value came from), or lists every preset key.\n"
               "Presets are looked up in $REELPACK_PRESETS, then the installed presets/ folder.",
               opts,
               "  reelpack presets list\n"
               "  reelpack presets show tiktok\n"
               "  reelpack presets show ./my-platform.ini --video.crf 20 --json\n"
               "  reelpack presets keys\n");
    return action.empty() && !vm.count("help") ? kExitUsage : kExitOk;
  }
  const bool json = vm.count("json") > 0;
  PresetLoader loader;

  if (action == "list") return list_presets(loader, json);
  if (action == "show") return show_preset(loader, vm, json);
  if (action == "keys") return list_keys(json);
  throw UsageError("reelpack presets: unknown action '" + action + "' (list, show, keys)");
}

}  // namespace reelpack::cli
