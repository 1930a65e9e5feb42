// Batch manifests: one row per episode, as CSV with a header row or as JSON Lines (.jsonl)
// with the same field names.
//
//   input,presets,ranges,reframe,subtitles,title,episode,name
//   ep01.mov,tiktok;douyin,10-100,blur,,My Drama,1,my-drama-e01
//
//   Manifest m = read_manifest("season1.csv");   // throws UsageError naming the line
//   for (const ManifestRow& row : m.rows) package(row.input, row.presets, ...);
//
// Paths (input, subtitles, presets given as files) are relative to the manifest's folder.
// `presets` and `ranges` are lists separated by ';' (in JSON Lines also arrays). Only
// `input` and `presets` are required; `name`, the output stem, defaults to the input's stem.
#pragma once

#include <filesystem>
#include <istream>
#include <string>
#include <vector>

#include "core/geometry.h"
#include "edit/ranges.h"

namespace reelpack {

struct ManifestRow {
  int number = 0;  // 1-based among the data rows, as the report counts them
  int line = 0;    // the file line the row starts on (1-based), for messages
  std::filesystem::path input;
  std::vector<std::string> presets;  // names, or paths resolved against the manifest's folder
  std::vector<RangeSpec> ranges;     // empty: the whole input
  ReframeMode reframe = ReframeMode::Center;
  std::filesystem::path subtitles;  // empty: none
  std::string title;                // -> metadata "title"
  std::string episode;              // -> metadata "episode_id"
  std::string name;                 // output stem: <name>.<preset>.mp4
};

struct Manifest {
  std::filesystem::path path;
  std::vector<ManifestRow> rows;
};

enum class ManifestFormat { Csv, JsonLines };

// Reads and validates every row (a malformed one throws UsageError "FILE line N: ...").
Manifest read_manifest(const std::filesystem::path& path);
// The same from a stream; `path` names the file in messages and its folder anchors paths.
Manifest parse_manifest(std::istream& in, const std::filesystem::path& path, ManifestFormat format);

// A small RFC 4180 reader: fields separated by commas, optionally in double quotes, where
// a quoted field may hold commas, line breaks and "" for a quote. Unquoted fields are
// trimmed. Throws UsageError naming `name` and the line on a malformed record.
class CsvReader {
 public:
  CsvReader(std::istream& in, std::string name);
  // The next non-blank record; false at the end. `line` is where the record starts.
  bool next(std::vector<std::string>& fields, int& line);

 private:
  int get();
  int read_quoted(std::string& field);
  std::istream& in_;
  std::string name_;
  int line_ = 1;
  bool started_ = false;
};

}  // namespace reelpack
