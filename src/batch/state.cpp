#include "batch/state.h"

#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_text.h"

namespace reelpack {
namespace fs = std::filesystem;

fs::path state_path(const fs::path& outdir, const fs::path& output) {
  return outdir / kStateDir / (output.filename().string() + ".json");
}

std::optional<OutputState> read_state(const fs::path& outdir, const fs::path& output) {
  std::ifstream in(state_path(outdir, output), std::ios::binary);
  if (!in) return std::nullopt;
  try {
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    const nlohmann::json j = parse_json_text(text);
    OutputState s;
    s.fingerprint = j.at("fingerprint").get<std::string>();
    s.size_bytes = j.at("size_bytes").get<int64_t>();
    s.input = j.value("input", "");
    s.preset = j.value("preset", "");
    s.conformance = j.value("conformance", nlohmann::json());
    return s;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

void write_state(const fs::path& outdir, const fs::path& output, const OutputState& s) {
  const fs::path path = state_path(outdir, output);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    throw ProcessingError(path.parent_path().string() + ": cannot create the state folder (" +
                          ec.message() + ")");
  }
  const nlohmann::json j = {{"fingerprint", s.fingerprint},
                            {"size_bytes", s.size_bytes},
                            {"output", output.filename().string()},
                            {"input", s.input},
                            {"preset", s.preset},
                            {"reelpack_version", REELPACK_VERSION},
                            {"conformance", s.conformance}};
  write_file_atomically(path, json_text(j, 2) + "\n");
}

std::optional<OutputState> up_to_date_state(const fs::path& outdir, const fs::path& output,
                                            const std::string& fingerprint) {
  std::error_code ec;
  const auto size = fs::file_size(output, ec);
  if (ec) return std::nullopt;
  auto s = read_state(outdir, output);
  if (!s || s->fingerprint != fingerprint || s->size_bytes != static_cast<int64_t>(size)) {
    return std::nullopt;
  }
  return s;
}

}  // namespace reelpack
