// Test support without media or the reelpack binary, for unit tests: temporary folders
// and small files written and read back.
//
//   TempDir dir;  // removed with everything in it when `dir` goes out of scope
//   write_file(dir / "presets/tiny.ini", "[video]\nwidth = 360\n");
//   nlohmann::json report = read_json(dir / "report.json");
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace reelpack::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Writes `text` to `path` (bytes as given), creating its folder first.
void write_file(const std::filesystem::path& path, const std::string& text);
// The JSON document in `path`; REQUIREs that the file opens.
nlohmann::json read_json(const std::filesystem::path& path);
// Files in `dir` (names only), to check nothing partial is left behind.
std::vector<std::string> list_dir(const std::filesystem::path& dir);
// Every reelpack temporary (.reelpack-tmp-*) under `dir`, subfolders included, as paths;
// empty when `dir` does not exist.
std::vector<std::string> temporaries(const std::filesystem::path& dir);

}  // namespace reelpack::test
