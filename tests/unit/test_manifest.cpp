// Batch building blocks without media: the CSV reader and manifest rows, shard shares and
// the cluster environments they are read from, fingerprints.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "batch/fingerprint.h"
#include "batch/manifest.h"
#include "batch/shard.h"
#include "core/error.h"
#include "support/files.h"

using namespace reelpack;
namespace fs = std::filesystem;

namespace {

std::vector<std::vector<std::string>> records(const std::string& text,
                                              std::vector<int>* lines = nullptr) {
  std::istringstream in(text);
  CsvReader csv(in, "m.csv");
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> fields;
  int line = 0;
  while (csv.next(fields, line)) {
    out.push_back(fields);
    if (lines) lines->push_back(line);
  }
  return out;
}

std::string csv_error(const std::string& text) {
  try {
    records(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  FAIL("expected a UsageError");
  return "";
}

Manifest parse(const std::string& text, ManifestFormat format = ManifestFormat::Csv) {
  std::istringstream in(text);
  return parse_manifest(in, "/seasons/s1/season.csv", format);
}

std::string manifest_error(const std::string& text, ManifestFormat format = ManifestFormat::Csv) {
  try {
    parse(text, format);
  } catch (const UsageError& e) {
    return e.what();
  }
  FAIL("expected a UsageError");
  return "";
}

EnvFn env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

}  // namespace

TEST_CASE("the CSV reader follows RFC 4180", "[manifest][csv]") {
  using R = std::vector<std::vector<std::string>>;
  CHECK(records("a,b,c\n1,2,3\n") == R{{"a", "b", "c"}, {"1", "2", "3"}});
  CHECK(records("a,\"b, with comma\",c") == R{{"a", "b, with comma", "c"}});
  CHECK(records("\"say \"\"hi\"\"\",x\n") == R{{"say \"hi\"", "x"}});
  CHECK(records("a,,\n") == R{{"a", "", ""}});
  CHECK(records("a , b \n") == R{{"a", "b"}});       // unquoted fields are trimmed
  CHECK(records("\" a \",b\n") == R{{" a ", "b"}});  // quoted ones are kept
  CHECK(records("a,b\r\n1,2\r\n") == R{{"a", "b"}, {"1", "2"}});
  CHECK(records("\xEF\xBB\xBFinput,presets\n") == R{{"input", "presets"}});  // BOM
  std::vector<int> lines;
  // Blank lines are skipped; a quoted field may span lines; each record knows its line.
  CHECK(records("h1,h2\n\n\"two\nlines\",x\n  \nlast,y\n", &lines) ==
        R{{"h1", "h2"}, {"two\nlines", "x"}, {"last", "y"}});
  CHECK(lines == std::vector<int>{1, 3, 6});
  CHECK_THAT(csv_error("a,b\n\"open,x\n"),
             Catch::Contains("m.csv line 2") && Catch::Contains("never closed"));
  CHECK_THAT(csv_error("a,b\n\"q\"x,y\n"), Catch::Contains("m.csv line 2"));
  CHECK_THAT(csv_error("a,b\nx\"y,z\n"), Catch::Contains("m.csv line 2"));
}

TEST_CASE("manifest rows resolve paths, lists and defaults", "[manifest]") {
  const Manifest m = parse(
      "input,presets,ranges,reframe,subtitles,title,episode,name\n"
      "ep01.mov,tiktok; douyin ;./mine.ini,10-20;f300-f400,blur,subs/ep01.srt,\"Drama, S1\",1,\n"
      "/abs/ep02.mov,tiktok,,,,,,custom\n");
  REQUIRE(m.rows.size() == 2);
  const ManifestRow& a = m.rows[0];
  CHECK(a.number == 1);
  CHECK(a.line == 2);
  CHECK(a.input == fs::path("/seasons/s1/ep01.mov"));
  CHECK(a.presets == std::vector<std::string>{"tiktok", "douyin", "/seasons/s1/./mine.ini"});
  REQUIRE(a.ranges.size() == 2);
  CHECK(a.ranges[1].text == "f300-f400");
  CHECK(a.reframe == ReframeMode::Blur);
  CHECK(a.subtitles == fs::path("/seasons/s1/subs/ep01.srt"));
  CHECK(a.title == "Drama, S1");
  CHECK(a.episode == "1");
  CHECK(a.name == "ep01");  // the input's stem
  const ManifestRow& b = m.rows[1];
  CHECK(b.input == fs::path("/abs/ep02.mov"));
  CHECK(b.name == "custom");
  CHECK(b.reframe == ReframeMode::Center);
  CHECK(b.ranges.empty());

  const Manifest j = parse(
      "{\"input\":\"ep01.mov\",\"presets\":[\"tiktok\",\"douyin\"],\"episode\":7}\n\n"
      "{\"input\":\"ep02.mov\",\"presets\":\"tiktok;kuaishou\",\"ranges\":[\"1-2\"]}\n",
      ManifestFormat::JsonLines);
  REQUIRE(j.rows.size() == 2);
  CHECK(j.rows[0].presets == std::vector<std::string>{"tiktok", "douyin"});
  CHECK(j.rows[0].episode == "7");
  CHECK(j.rows[1].line == 3);
  CHECK(j.rows[1].presets == std::vector<std::string>{"tiktok", "kuaishou"});
  CHECK(j.rows[1].ranges.size() == 1);
}

TEST_CASE("malformed manifest rows name their line", "[manifest]") {
  const std::string where = "/seasons/s1/season.csv line ";
  CHECK_THAT(manifest_error("input,presets\nep01.mov,tiktok\nep02.mov,tiktok,extra\n"),
             Catch::StartsWith(where + "3:") && Catch::Contains("3 fields"));
  CHECK_THAT(manifest_error("input,presets\n,tiktok\n"), Catch::StartsWith(where + "2:"));
  CHECK_THAT(manifest_error("input,presets\nep01.mov,\n"), Catch::StartsWith(where + "2:"));
  CHECK_THAT(manifest_error("input,presets,ranges\nep01.mov,tiktok,20\n"),
             Catch::StartsWith(where + "2:") && Catch::Contains("ranges"));
  CHECK_THAT(manifest_error("input,presets,name\nep01.mov,tiktok,../up\n"),
             Catch::StartsWith(where + "2:"));
  CHECK_THAT(manifest_error("input\nep01.mov\n"),
             Catch::StartsWith(where + "1:") && Catch::Contains("presets"));
  CHECK_THAT(manifest_error("input,presets\n"), Catch::Contains("no rows"));
  CHECK_THAT(manifest_error("{\"input\":\"a\",\"presets\":\"tiktok\",\"colour\":\"red\"}\n",
                            ManifestFormat::JsonLines),
             Catch::StartsWith(where + "1:") && Catch::Contains("colour"));
  CHECK_THAT(manifest_error("[1,2]\n", ManifestFormat::JsonLines), Catch::StartsWith(where + "1:"));
  // Found by fuzz_manifest: a number JSON cannot hold escaped as a raw library exception.
  CHECK_THAT(manifest_error("{\"input\":\"a\",\"presets\":\"tiktok\",\"episode\":2e20344}\n",
                            ManifestFormat::JsonLines),
             Catch::StartsWith(where + "1:") && Catch::Contains("not valid JSON"));
}

TEST_CASE("shards share rows by name, whatever their order", "[shard]") {
  CHECK(parse_shard("0/1").count == 1);
  CHECK(parse_shard("3/8").index == 3);
  CHECK_THROWS_AS(parse_shard("8/8"), UsageError);
  CHECK_THROWS_AS(parse_shard("1"), UsageError);
  CHECK_THROWS_AS(parse_shard("a/b"), UsageError);
  CHECK_THROWS_AS(parse_shard("-1/4"), UsageError);
  CHECK(parse_shard("2/8").report_name() == "report.shard-2-of-8.json");
  CHECK(parse_shard("0/1").report_name() == "report.json");

  // Every name in exactly one shard, and no shard far from its share.
  const int n = 4;
  std::vector<int> counts(n);
  for (int i = 0; i < 1000; ++i) {
    const std::string name = "episode-" + std::to_string(i);
    int owners = 0;
    for (int k = 0; k < n; ++k) {
      if (Shard{k, n}.contains(name)) {
        ++owners;
        ++counts[k];
      }
    }
    CHECK(owners == 1);
  }
  for (const int c : counts) CHECK((c > 200 && c < 300));
}

TEST_CASE("shard auto reads Kubernetes and Slurm job arrays", "[shard]") {
  Shard s = shard_from_environment(4, env_of({{"JOB_COMPLETION_INDEX", "2"}}));
  CHECK((s.index == 2 && s.count == 4));
  s = shard_from_environment(
      std::nullopt, env_of({{"JOB_COMPLETION_INDEX", "0"}, {"REELPACK_SHARD_COUNT", "3"}}));
  CHECK((s.index == 0 && s.count == 3));
  CHECK_THROWS_WITH(shard_from_environment(std::nullopt, env_of({{"JOB_COMPLETION_INDEX", "0"}})),
                    Catch::Contains("--shard-count"));
  s = shard_from_environment(std::nullopt, env_of({{"SLURM_ARRAY_TASK_ID", "5"},
                                                   {"SLURM_ARRAY_TASK_MIN", "1"},
                                                   {"SLURM_ARRAY_TASK_COUNT", "8"}}));
  CHECK((s.index == 4 && s.count == 8));
  s = shard_from_environment(std::nullopt, env_of({{"SLURM_ARRAY_TASK_ID", "4"},
                                                   {"SLURM_ARRAY_TASK_MIN", "0"},
                                                   {"SLURM_ARRAY_TASK_STEP", "2"},
                                                   {"SLURM_ARRAY_TASK_COUNT", "4"}}));
  CHECK((s.index == 2 && s.count == 4));
  CHECK_THROWS_WITH(shard_from_environment(std::nullopt, env_of({{"SLURM_ARRAY_TASK_ID", "9"},
                                                                 {"SLURM_ARRAY_TASK_COUNT", "4"}})),
                    Catch::Contains("outside 0..3"));
  CHECK_THROWS_WITH(
      shard_from_environment(std::nullopt, env_of({})),
      Catch::Contains("JOB_COMPLETION_INDEX") && Catch::Contains("SLURM_ARRAY_TASK_ID"));
}

TEST_CASE("fingerprints see content, not modification times", "[fingerprint]") {
  // FNV-1a 64 reference values.
  CHECK(Fnv64().value() == 0xcbf29ce484222325ULL);
  CHECK(Fnv64().add("a").value() == 0xaf63dc4c8601ec8cULL);
  CHECK(Fnv64().add("foobar").value() == 0x85944171f73967e8ULL);
  CHECK(Fnv64().field("ab").field("c").value() != Fnv64().field("a").field("bc").value());

  test::TempDir dir;
  const fs::path f = dir / "master.mov";
  std::string bytes(3 * kContentBlockBytes + 12345, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 31 % 251);
  std::ofstream(f, std::ios::binary) << bytes;
  const uint64_t h = sample_content_hash(f);
  fs::last_write_time(f, fs::last_write_time(f) - std::chrono::hours(48));
  CHECK(sample_content_hash(f) == h);  // a copy to other storage keeps its fingerprint
  for (const size_t at : {size_t{10}, bytes.size() / 2, bytes.size() - 10}) {
    std::string changed = bytes;
    changed[at] ^= 1;
    std::ofstream(f, std::ios::binary) << changed;
    CHECK(sample_content_hash(f) != h);  // start, middle and end are read
  }
  std::ofstream(f, std::ios::binary) << bytes << "x";
  CHECK(sample_content_hash(f) != h);  // and the size
  CHECK_THROWS_AS(sample_content_hash(dir / "none.mov"), ProcessingError);
}
