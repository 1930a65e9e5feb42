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
// Throws nlohmann::json::parse_error as nlohmann::json::parse() does, and for arrays and
// objects nested deeper than kMaxJsonDepth (which no file of ours holds, and which would
// overflow the stack of the recursive walks over the document).
nlohmann::json parse_json_text(const std::string& text);
inline constexpr int kMaxJsonDepth = 256;

// Whether `text` is valid UTF-8.
bool is_utf8(const std::string& text);
// The length of the valid UTF-8 sequence that starts at text[i] (1 for ASCII), or 0 when
// the byte there starts none.
size_t utf8_sequence_length(const std::string& text, size_t i);

}  // namespace reelpack
