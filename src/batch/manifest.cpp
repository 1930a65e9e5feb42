#include "batch/manifest.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_text.h"
#include "core/units.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kFields = {"input",   "title",   "presets",   "ranges",
                                          "reframe", "episode", "subtitles", "name"};

std::string known_fields() {
  return "input, presets, ranges, reframe, subtitles, title, episode, name";
}

// A NUL byte (which would cut a path short) or a UTF-16 byte-order mark: not UTF-8 text.
UsageError not_text(const std::string& where) {
  return UsageError(where + "not UTF-8 text (a NUL byte: binary content, or UTF-16); save " +
                    "the manifest as UTF-8 CSV or JSON Lines");
}

bool utf16_bom(const std::string& text) {
  return text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF");
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = trim(text.substr(start, end - start));
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

// A path from the manifest, anchored at the manifest's folder when relative.
fs::path anchored(const fs::path& base, const std::string& text) {
  const fs::path p(text);
  return p.is_absolute() ? p : base / p;
}

// A preset token that names a file (rather than a preset) is anchored too.
std::string preset_token(const fs::path& base, const std::string& token) {
  const bool is_path = token.find('/') != std::string::npos || token.ends_with(".ini");
  return is_path ? anchored(base, token).string() : token;
}

// One row's fields (already split into name -> text), checked and resolved.
ManifestRow make_row(const std::map<std::string, std::string>& f,
                     const std::map<std::string, std::vector<std::string>>& lists,
                     const fs::path& manifest, int number, int line) {
  const std::string where = manifest.string() + " line " + std::to_string(line) + ": ";
  const fs::path base = manifest.parent_path();
  auto field = [&](const std::string& key) {
    const auto it = f.find(key);
    return it == f.end() ? std::string() : it->second;
  };
  auto list = [&](const std::string& key) {
    const auto it = lists.find(key);
    return it != lists.end() ? it->second : split_list(field(key));
  };

  ManifestRow row;
  row.number = number;
  row.line = line;
  const std::string input = field("input");
  if (input.empty()) throw UsageError(where + "input is empty; every row needs an input file");
  row.input = anchored(base, input);
  for (const std::string& p : list("presets")) row.presets.push_back(preset_token(base, p));
  if (row.presets.empty()) {
    throw UsageError(where + "presets is empty; give one or more preset names separated by ';'");
  }
  for (const std::string& r : list("ranges")) {
    try {
      row.ranges.push_back(parse_range(r));
    } catch (const UsageError& e) {
      throw UsageError(where + "ranges: " + e.what());
    }
    // What can be told without the input is told before any work, as a bad range (exit
    // 2): an END that does not come after its START, in the same unit.
    const RangeSpec& spec = row.ranges.back();
    const bool frames = spec.start.is_frame;
    if (frames == spec.end.is_frame &&
        (frames ? spec.end.frame <= spec.start.frame : spec.end.time_us <= spec.start.time_us)) {
      throw UsageError(where + "ranges: --range " + spec.text + ": END must come after START");
    }
  }
  if (const std::string reframe = field("reframe"); !reframe.empty()) {
    try {
      row.reframe = parse_reframe_mode(reframe);
    } catch (const UsageError& e) {
      throw UsageError(where + "reframe: " + e.what());  // the message lists the modes
    }
  }
  if (const std::string subs = field("subtitles"); !subs.empty())
    row.subtitles = anchored(base, subs);
  row.title = field("title");
  row.episode = field("episode");
  row.name = field("name");
  if (row.name.empty()) row.name = row.input.stem().string();
  // The name becomes a file name in OUTDIR: it must not reach outside it or hide.
  if (row.name.empty() || row.name.find('/') != std::string::npos || row.name.front() == '.') {
    throw UsageError(where + "name '" + excerpt(row.name) +
                     "' cannot be an output file name (no '/', no leading '.')");
  }
  return row;
}

Manifest parse_csv(std::istream& in, const fs::path& path) {
  CsvReader csv(in, path.string());
  Manifest m;
  m.path = path;
  std::vector<std::string> header, fields;
  int line = 0;
  if (!csv.next(header, line)) throw UsageError(path.string() + ": the manifest is empty");
  const std::string head_where = path.string() + " line " + std::to_string(line) + ": ";
  for (auto& h : header) {
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
    if (std::find(kFields.begin(), kFields.end(), h) == kFields.end()) {
      throw UsageError(head_where + "unknown column '" + excerpt(h) +
                       "' in the header (columns: " + known_fields() + ")");
    }
    if (std::count(header.begin(), header.end(), h) > 1) {
      throw UsageError(head_where + "column '" + excerpt(h) + "' appears twice in the header");
    }
  }
  for (const char* required : {"input", "presets"}) {
    if (std::find(header.begin(), header.end(), required) == header.end()) {
      throw UsageError(head_where + "the header has no '" + required +
                       "' column (the first row names the columns: " + known_fields() + ")");
    }
  }
  while (csv.next(fields, line)) {
    if (fields.size() != header.size()) {
      throw UsageError(path.string() + " line " + std::to_string(line) + ": " +
                       std::to_string(fields.size()) + " fields, but the header has " +
                       std::to_string(header.size()) +
                       " (quote fields that contain commas: \"a, b\")");
    }
    std::map<std::string, std::string> f;
    for (size_t i = 0; i < header.size(); ++i) f[header[i]] = fields[i];
    m.rows.push_back(make_row(f, {}, path, static_cast<int>(m.rows.size()) + 1, line));
  }
  return m;
}

Manifest parse_jsonl(std::istream& in, const fs::path& path) {
  Manifest m;
  m.path = path;
  std::string text;
  int line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (line == 1 && text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
    const std::string where = path.string() + " line " + std::to_string(line) + ": ";
    if ((line == 1 && utf16_bom(text)) || text.find('\0') != std::string::npos) {
      throw not_text(where);
    }
    if (trim(text).empty()) continue;
    nlohmann::json j;
    try {
      j = parse_json_text(text);
    } catch (const nlohmann::json::exception& e) {  // parse errors, numbers out of range
      throw UsageError(where + "not valid JSON (" + excerpt(e.what(), 200) + ")");
    }
    if (!j.is_object()) throw UsageError(where + "each line must be one JSON object");
    std::map<std::string, std::string> f;
    std::map<std::string, std::vector<std::string>> lists;
    for (const auto& [key, value] : j.items()) {
      if (std::find(kFields.begin(), kFields.end(), key) == kFields.end()) {
        throw UsageError(where + "unknown field '" + excerpt(key) + "' (fields: " + known_fields() +
                         ")");
      }
      if (value.is_string()) {
        f[key] = trim(value.get<std::string>());
      } else if (value.is_number_integer()) {
        f[key] = std::to_string(value.get<int64_t>());
      } else if (value.is_null()) {
        // as if absent
      } else if (value.is_array() && (key == "presets" || key == "ranges")) {
        std::vector<std::string>& items = lists[key];
        for (const auto& item : value) {
          if (!item.is_string()) throw UsageError(where + key + " must hold strings");
          if (const std::string s = trim(item.get<std::string>()); !s.empty()) items.push_back(s);
        }
      } else {
        throw UsageError(where + "field '" + key + "' must be a string" +
                         (key == "presets" || key == "ranges" ? " or an array of strings" : ""));
      }
    }
    m.rows.push_back(make_row(f, lists, path, static_cast<int>(m.rows.size()) + 1, line));
  }
  return m;
}

}  // namespace

CsvReader::CsvReader(std::istream& in, std::string name) : in_(in), name_(std::move(name)) {}

int CsvReader::get() {
  int c = in_.get();
  if (c == 0) throw not_text(name_ + " line " + std::to_string(line_) + ": ");
  if (!started_) {
    started_ = true;
    if ((c == 0xFF && in_.peek() == 0xFE) || (c == 0xFE && in_.peek() == 0xFF)) {
      throw not_text(name_ + " line 1: ");
    }
    // A UTF-8 byte order mark, as spreadsheets write it.
    if (c == 0xEF && in_.peek() == 0xBB) {
      in_.get();
      if (in_.peek() == 0xBF) in_.get();
      c = in_.get();
    }
  }
  if (c == '\r') {
    if (in_.peek() == '\n') in_.get();
    c = '\n';
  }
  return c;
}

// After an opening quote: the field up to the closing quote ("" is a quote, line breaks
// are kept), then the separator after it, which it returns.
int CsvReader::read_quoted(std::string& field) {
  const int quote_line = line_;
  while (true) {
    const int c = get();
    if (c == EOF) {
      throw UsageError(name_ + " line " + std::to_string(quote_line) +
                       ": a quoted field is never closed (missing '\"')");
    }
    if (c == '\n') ++line_;
    if (c == '"') {
      if (in_.peek() != '"') break;
      in_.get();
    }
    field += static_cast<char>(c);
  }
  int c = get();
  while (c == ' ' || c == '\t') c = get();
  if (c != ',' && c != '\n' && c != EOF) {
    throw UsageError(name_ + " line " + std::to_string(line_) +
                     ": unexpected text after a closing quote; a quote inside a quoted "
                     "field is written \"\"");
  }
  return c;
}

bool CsvReader::next(std::vector<std::string>& fields, int& line) {
  while (true) {
    fields.clear();
    line = line_;
    std::string field;
    bool quoted = false;  // this field began with a quote
    bool any = false;     // the record has any character at all
    int c = get();
    if (c == EOF) return false;
    while (true) {
      if (c == EOF || c == '\n') {
        fields.push_back(quoted ? field : trim(field));
        if (c == '\n') ++line_;
        break;
      }
      if (c != ' ' && c != '\t') any = true;
      if (c == ',') {
        fields.push_back(quoted ? field : trim(field));
        field.clear();
        quoted = false;
        c = get();
        continue;
      }
      if (c == '"' && trim(field).empty() && !quoted) {
        // A quoted field: whatever it holds, up to its closing quote.
        quoted = true;
        field.clear();
        c = read_quoted(field);
        continue;
      }
      if (c == '"' && !quoted) {
        throw UsageError(name_ + " line " + std::to_string(line_) +
                         ": a quote inside an unquoted field; quote the whole field and write "
                         "the quote as \"\"");
      }
      field += static_cast<char>(c);
      c = get();
    }
    if (any) return true;  // blank lines are skipped
  }
}

Manifest parse_manifest(std::istream& in, const fs::path& path, ManifestFormat format) {
  Manifest m = format == ManifestFormat::Csv ? parse_csv(in, path) : parse_jsonl(in, path);
  if (m.rows.empty()) throw UsageError(path.string() + ": the manifest has no rows");
  return m;
}

Manifest read_manifest(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw UsageError(path.string() + ": no such manifest file; check the path");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(path.string() + ": cannot open the manifest; check its permissions");
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  ManifestFormat format = ManifestFormat::Csv;
  if (ext == ".jsonl" || ext == ".ndjson") {
    format = ManifestFormat::JsonLines;
  } else if (ext != ".csv") {
    // Neither extension: JSON Lines when the first non-blank character opens an object.
    char c = 0;
    while (in.get(c) && std::isspace(static_cast<unsigned char>(c))) {
    }
    if (c == '{') format = ManifestFormat::JsonLines;
    in.clear();
    in.seekg(0);
  }
  return parse_manifest(in, path, format);
}

}  // namespace reelpack
