// core/json_text.h: JSON text that keeps file names which are not UTF-8, byte for byte.
#include "core/json_text.h"

#include <catch2/catch.hpp>
#include <string>

using nlohmann::json;
using reelpack::is_utf8;
using reelpack::json_text;
using reelpack::parse_json_text;

TEST_CASE("names that are not UTF-8 are written as \\udcNN escapes and read back as bytes",
          "[json]") {
  const std::string latin1 = "caf\xE9.mp4";                 // ISO 8859-1 e acute
  const std::string cut_short = "ep\xE5\x9B";               // a UTF-8 sequence cut short
  const std::string utf8 = "caf\xC3\xA9 \xE7\x9F\xAD.mp4";  // valid: written as it is
  const json j = {{"path", latin1}, {"files", {cut_short, utf8}}, {latin1, 1}};
  const std::string text = json_text(j, 2);
  CHECK_THAT(text, Catch::Contains("caf\\udce9.mp4"));
  CHECK_THAT(text, Catch::Contains("ep\\udce5\\udc9b"));
  CHECK_THAT(text, Catch::Contains(utf8));
  CHECK(is_utf8(text));
  const json back = parse_json_text(text);
  CHECK(back["path"].get<std::string>() == latin1);
  CHECK(back["files"][0].get<std::string>() == cut_short);
  CHECK(back["files"][1].get<std::string>() == utf8);
  CHECK(back[latin1].get<int>() == 1);
}

TEST_CASE("text that looks like an escape, or holds the marker, survives unchanged", "[json]") {
  // A literal backslash and "udce9" in a valid name; U+FDD0 (used inside as a marker).
  const std::string literal = "a\\udce9b";
  const std::string marker =
      "x\xEF\xB7\x90"
      "e9y";
  const json j = {literal, marker, "plain"};
  const json back = parse_json_text(json_text(j));
  CHECK(back[0].get<std::string>() == literal);
  CHECK(back[1].get<std::string>() == marker);
  CHECK(back[2].get<std::string>() == "plain");
  CHECK(json_text(json("plain")) == "\"plain\"");
  // Any JSON: other escapes as nlohmann reads them.
  CHECK(parse_json_text("{\"a\": \"\\u00e9\\n\"}")["a"].get<std::string>() == "\xC3\xA9\n");
}
