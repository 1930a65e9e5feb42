// JSON text for what reelpack writes (stdout, report.json, state and cache files) and
// reads back, lossless for file names that are not UTF-8.
//
//   std::cout << json_text(to_json(info), 2) << "\n";      // never throws on a name
//   nlohmann::json j = parse_json_text(read_file(path));  // the names' bytes again
//
// A Linux file name is any bytes but '/' and NUL; JSON text is UTF-8. So each byte of a
// string that is not part of valid UTF-8 is written as the escape \udcNN, NN its value
// (80..ff): Python's "surrogateescape" convention, so json.loads() then os.fsencode()
// give the exact bytes back, and no valid UTF-8 text can be mistaken for it (it never
// holds a lone surrogate). Valid UTF-8 is written as it is.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace reelpack {

// `j` dumped (indent as nlohmann's dump(); -1: one line), invalid UTF-8 escaped as above.
std::string json_text(const nlohmann::json& j, int indent = -1);
// Parses what json_text() writes (and any JSON): \udc80..\udcff become the bytes again.
// Throws nlohmann::json::parse_error as nlohmann::json::parse() does.
nlohmann::json parse_json_text(const std::string& text);

// Whether `text` is valid UTF-8.
bool is_utf8(const std::string& text);

}  // namespace reelpack
