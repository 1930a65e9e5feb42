// The cluster examples in docs/ run as a scheduler would run them, without the scheduler:
// docs/slurm-array.sbatch under bash once per array task with the variables Slurm sets,
// docs/k8s-indexed-job.yaml's container command once per completion index with the pod's
// environment. Both against a season folder of tiny lavfi clips, judged from the shard
// reports, the merged report and the exit codes the examples document.
//
// What this cannot show: that sbatch and a Kubernetes API server accept the files (only
// their structure is checked here), that Slurm delivers --signal on time, that the volume
// is shared between machines. docs/batch.md says what was checked where.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "support/media.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace reelpack::test;

namespace {

const fs::path kDocs = REELPACK_DOCS_DIR;

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// A folder holding only `reelpack` (the binary under test), to put first on PATH as an
// installed reelpack would be.
fs::path bin_dir(const fs::path& dir) {
  const fs::path bin = dir / "bin";
  fs::create_directories(bin);
  fs::create_symlink(REELPACK_BINARY, bin / "reelpack");
  return bin;
}

// `command` with exactly `env` and PATH = bin + the test's own PATH (for bash, ffmpeg's
// libraries need nothing more). Nothing else of the test's environment leaks in, so a
// REELPACK_PRESETS or SLURM_* of the machine running the tests cannot help or hurt.
std::string with_env(const fs::path& bin, const std::map<std::string, std::string>& env,
                     const std::string& command) {
  const char* path = std::getenv("PATH");
  std::string cmd =
      "env -i PATH=" + shell_quote(bin.string() + ":" + (path ? path : "/usr/bin:/bin"));
  for (const auto& [k, v] : env) cmd += " " + k + "=" + shell_quote(v);
  return cmd + " " + command;
}

// A season folder as both examples expect it: season1.csv naming masters beside it and a
// preset of its own (tiktok shrunk to 180x320, x264 ultrafast, so the suite stays quick).
// Nine rows: eight good ones (e01..e08, two masters) and one whose master is missing.
struct Season {
  fs::path dir;
  std::vector<std::string> names;  // in manifest order
  std::string bad = "lost";        // the row that fails
};

Season make_season(const fs::path& dir) {
  fs::create_directories(dir / "masters");
  for (const std::string m : {"ep-a", "ep-b"}) {
    make_clip(dir / "masters" / (m + ".mp4"),
              "-f lavfi -i testsrc2=s=320x180:r=30:d=1 -f lavfi -i sine=f=440:d=1 "
              "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest");
  }
  // The safe area is scaled with the picture (tiktok's is for 1080x1920).
  write_file(dir / "presets" / "tiny.ini",
             "name = tiny\nbase = tiktok\n\n[video]\nwidth = 180\nheight = 320\n"
             "encoder-preset = ultrafast\n\n[safe-area]\ntop = 40\nbottom = 70\nright = 28\n");
  Season s{dir, {}};
  std::string csv = "input,presets,title,episode,name\n";
  for (int i = 1; i <= 9; ++i) {
    const std::string name = i == 5 ? s.bad : "e0" + std::to_string(i);
    const std::string input = i == 5 ? "masters/missing.mp4"
                                     : std::string("masters/") + (i % 2 ? "ep-a" : "ep-b") + ".mp4";
    csv += input + ",presets/tiny.ini,\"Docs, Season 1\"," + std::to_string(i) + "," + name + "\n";
    s.names.push_back(name);
  }
  write_file(dir / "season1.csv", csv);
  return s;
}

// The rows of each shard report `report.shard-K-of-N.json` in `out`, by K.
std::map<int, std::vector<json>> shard_reports(const fs::path& out, int count) {
  std::map<int, std::vector<json>> rows;
  for (int k = 0; k < count; ++k) {
    const fs::path p =
        out / ("report.shard-" + std::to_string(k) + "-of-" + std::to_string(count) + ".json");
    INFO(p);
    REQUIRE(fs::is_regular_file(p));
    const json report = read_json(p);
    CHECK(report["shard"]["index"] == k);
    CHECK(report["shard"]["count"] == count);
    CHECK(report["interrupted"] == false);
    rows[k] = report["rows"].get<std::vector<json>>();
  }
  return rows;
}

// Every manifest row in exactly one shard; the shard with the bad row exited 1, the others
// 0 (as docs/batch.md says), and a shard's report says ok exactly when its exit was 0.
void check_shards(const Season& season, const fs::path& out,
                  const std::map<int, int>& exit_by_shard) {
  const int count = static_cast<int>(exit_by_shard.size());
  std::multiset<std::string> seen;
  int shards_with_rows = 0;
  for (const auto& [k, rows] : shard_reports(out, count)) {
    shards_with_rows += !rows.empty();
    bool has_bad = false;
    for (const json& row : rows) {
      const std::string name = row["name"];
      seen.insert(name);
      INFO("shard " << k << " row " << row.dump());
      if (name == season.bad) {
        has_bad = true;
        CHECK(row["status"] == "failed");
      } else {
        CHECK((row["status"] == "ok" || row["status"] == "skipped"));
      }
    }
    INFO("shard " << k);
    CHECK(exit_by_shard.at(k) == (has_bad ? 1 : 0));
  }
  CHECK(seen == std::multiset<std::string>(season.names.begin(), season.names.end()));
  CHECK(shards_with_rows > 1);  // the rows were shared out, not all run by one shard
}

// The merged report: every row once, in manifest order, outputs on disk for the good rows.
void check_merged(const Season& season, const fs::path& out, const RunResult& merge) {
  INFO("merge stdout:\n" << merge.out << "stderr:\n" << merge.err);
  CHECK(merge.exit_code == 1);  // a row failed
  const json merged = read_json(out / "report.json");
  CHECK(merged["missing_shards"].empty());
  CHECK(merged["ok"] == false);
  REQUIRE(merged["rows"].size() == season.names.size());
  for (size_t i = 0; i < season.names.size(); ++i) {
    const json& row = merged["rows"][i];
    INFO(row.dump());
    CHECK(row["row"] == i + 1);
    CHECK(row["name"] == season.names[i]);
    const fs::path output = out / (season.names[i] + ".tiny.mp4");
    if (season.names[i] == season.bad) {
      CHECK(row["status"] == "failed");
      CHECK_THAT(row["reason"].get<std::string>(), Catch::Contains("missing.mp4"));
      CHECK(!fs::exists(output));
    } else {
      CHECK((row["status"] == "ok" || row["status"] == "skipped"));
      CHECK(row["outputs"][0]["conformance"]["pass"] == true);
      REQUIRE(fs::is_regular_file(output));
      CHECK(first_stream(ffprobe(output), "video")["height"] == 320);
    }
  }
  CHECK(merged["summary"]["rows"] == season.names.size());
  CHECK(merged["summary"]["failed"] == 1);
  CHECK_THAT(merge.out, Catch::Contains(season.bad) && Catch::Contains("failed"));
}

// ---- docs/slurm-array.sbatch ----

struct Sbatch {
  std::vector<std::string> lines;
  std::map<std::string, std::string> options;  // #SBATCH --key=value
  int array_min = 0, array_max = 0;
  std::string merge_command;  // the --wrap command of the header's merge job
};

// The header as sbatch reads it: #SBATCH lines before the first command, each --key=value.
Sbatch read_sbatch(const fs::path& script) {
  Sbatch s;
  s.lines = lines_of(script);
  REQUIRE(!s.lines.empty());
  CHECK(s.lines[0] == "#!/bin/bash");
  const std::regex option(R"(^#SBATCH --([a-z-]+)=(\S+)$)");
  bool in_header = true;
  for (const std::string& line : s.lines) {
    const bool comment = line.empty() || line[0] == '#';
    if (!comment) in_header = false;  // sbatch stops reading #SBATCH at the first command
    if (!line.starts_with("#SBATCH")) continue;
    INFO(line);
    CHECK(in_header);
    std::smatch m;
    REQUIRE(std::regex_match(line, m, option));
    CHECK(s.options.count(m[1]) == 0);
    s.options[m[1]] = m[2];
  }
  std::smatch m;
  const std::string array = s.options["array"];
  REQUIRE(std::regex_match(array, m, std::regex(R"((\d+)-(\d+))")));
  s.array_min = std::stoi(m[1]);
  s.array_max = std::stoi(m[2]);
  for (const std::string& line : s.lines) {
    if (std::regex_search(line, m, std::regex(R"(--wrap "([^"]*)\")"))) s.merge_command = m[1];
  }
  return s;
}

// `h:mm:ss` or `hh:mm:ss` in seconds.
int slurm_time_s(const std::string& t) {
  std::smatch m;
  REQUIRE(std::regex_match(t, m, std::regex(R"((\d+):(\d\d):(\d\d))")));
  return std::stoi(m[1]) * 3600 + std::stoi(m[2]) * 60 + std::stoi(m[3]);
}

// What Slurm sets for task `id` of `--array=min-max:step` (sbatch(1), "OUTPUT ENVIRONMENT
// VARIABLES"), plus SEASON, which the script takes from the environment when set.
std::map<std::string, std::string> slurm_env(const Sbatch& s, int id, int min, int max, int step,
                                             const fs::path& season) {
  const int count = (max - min) / step + 1;
  return {{"SEASON", season.string()},
          {"SLURM_ARRAY_JOB_ID", "4242"},
          {"SLURM_ARRAY_TASK_ID", std::to_string(id)},
          {"SLURM_ARRAY_TASK_MIN", std::to_string(min)},
          {"SLURM_ARRAY_TASK_MAX", std::to_string(max)},
          {"SLURM_ARRAY_TASK_STEP", std::to_string(step)},
          {"SLURM_ARRAY_TASK_COUNT", std::to_string(count)},
          {"SLURM_JOB_ID", std::to_string(4243 + id)},
          {"SLURM_JOB_NAME", s.options.at("job-name")},
          {"SLURM_CPUS_PER_TASK", s.options.at("cpus-per-task")},
          {"SLURM_SUBMIT_DIR", season.parent_path().string()}};
}

// Runs the committed script for every task of `--array=min-max:step`, one after the other
// (on a cluster they run side by side; the shards write disjoint files either way).
// Returns each shard's exit code by shard index.
std::map<int, int> run_array(const Sbatch& s, const fs::path& bin, const fs::path& season, int min,
                             int max, int step) {
  std::map<int, int> exits;
  const fs::path logs = season.parent_path() / "logs";
  fs::create_directories(logs);
  for (int id = min; id <= max; id += step) {
    const fs::path log = logs / ("reelpack-4242_" + std::to_string(id) + ".out");
    const RunResult r =
        run("cd " + shell_quote(season.parent_path().string()) + " && " +
            with_env(bin, slurm_env(s, id, min, max, step, season),
                     "bash " + shell_quote((kDocs / "slurm-array.sbatch").string())) +
            " >" + shell_quote(log.string()) + " 2>&1");
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    INFO("task " << id << " log:\n" << text.str());
    CHECK((r.exit_code == 0 || r.exit_code == 1));
    exits[(id - min) / step] = r.exit_code;
  }
  return exits;
}

// The header's merge job, its command as written with the script's season folder moved.
RunResult run_merge(const Sbatch& s, const fs::path& bin, const fs::path& season) {
  return run(with_env(bin, {}, replace_all(s.merge_command, "/shared/season1", season.string())));
}

// ---- docs/k8s-indexed-job.yaml ----

// YAML through python3's yaml module (Debian's python3-yaml, which scripts/setup.sh
// installs), as JSON. Debian's own python3 first: that is where apt puts the module, and a
// python3 earlier on PATH (pyenv, a virtualenv) may not have it.
json read_yaml(const fs::path& file) {
  const RunResult r =
      run("PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3; "
          "\"$PY\" -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), "
          "sys.stdout)' " +
          shell_quote(file.string()));
  INFO("python3 with the yaml module (Debian: python3-yaml) reads the example:\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

}  // namespace

TEST_CASE("the Slurm batch example: every array task packages its shard, the merge joins them",
          "[batch][docs][slurm]") {
  const fs::path script = kDocs / "slurm-array.sbatch";
  const Sbatch s = read_sbatch(script);
  CHECK(run("bash -n " + shell_quote(script.string())).exit_code == 0);
  // The header as documented: an array of 8 tasks, SIGTERM to the batch shell (which exec
  // makes reelpack) two minutes before a time limit that leaves room for it.
  CHECK(s.array_min == 0);
  CHECK(s.array_max == 7);
  CHECK(s.options.at("signal") == "B:TERM@120");
  CHECK(slurm_time_s(s.options.at("time")) > 120);
  CHECK(std::stoi(s.options.at("cpus-per-task")) >= 1);
  CHECK(std::regex_match(s.options.at("mem"), std::regex(R"(\d+[KMGT]?)")));
  CHECK(s.options.at("output").starts_with("logs/"));  // the header's `mkdir -p logs`
  CHECK(s.options.count("job-name") == 1);
  REQUIRE(!s.merge_command.empty());
  CHECK(s.merge_command.starts_with("reelpack batch --merge-reports "));
  CHECK(s.lines.back().starts_with("exec reelpack batch "));

  TempDir dir;
  const fs::path bin = bin_dir(dir.path());
  const Season season = make_season(dir / "season1");
  const fs::path out = season.dir / "out";

  // As submitted: --array=0-7.
  const std::map<int, int> first = run_array(s, bin, season.dir, s.array_min, s.array_max, 1);
  REQUIRE(first.size() == 8);
  check_shards(season, out, first);
  check_merged(season, out, run_merge(s, bin, season.dir));
  const auto shares = shard_reports(out, 8);
  // A shard report's rows by name, to compare a resubmission's shares with the first run's.
  auto names = [](const std::vector<json>& rows) {
    std::set<std::string> n;
    for (const json& r : rows) n.insert(r["name"].get<std::string>());
    return n;
  };

  // Resubmitted with --array=3-10 (ids from SLURM_ARRAY_TASK_MIN) or --array=0-14:2 (ids
  // SLURM_ARRAY_TASK_STEP apart): the same shares, nothing redone.
  for (const auto& [min, max, step] : {std::tuple{3, 10, 1}, std::tuple{0, 14, 2}}) {
    INFO("--array=" << min << "-" << max << ":" << step);
    const std::map<int, int> again = run_array(s, bin, season.dir, min, max, step);
    CHECK(again == first);
    check_shards(season, out, again);
    for (const auto& [k, rows] : shard_reports(out, 8)) {
      INFO("shard " << k);
      CHECK(names(rows) == names(shares.at(k)));
      for (const json& row : rows) {
        if (row["name"] != season.bad) CHECK(row["status"] == "skipped");
      }
    }
    check_merged(season, out, run_merge(s, bin, season.dir));
  }
}

TEST_CASE("the Slurm batch example stops on its time limit's SIGTERM and a resubmission resumes",
          "[batch][docs][slurm][signals]") {
  const fs::path script = kDocs / "slurm-array.sbatch";
  const Sbatch s = read_sbatch(script);
  TempDir dir;
  const fs::path bin = bin_dir(dir.path());
  const fs::path season = dir / "season1";
  fs::create_directories(season);
  // x264 medium at 360x640 on 3 s clips: slow enough to be caught in an encode.
  make_clip(season / "ep.mp4",
            "-f lavfi -i testsrc2=s=640x360:r=30:d=3 -f lavfi -i sine=f=440:d=3 "
            "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest");
  write_file(season / "slow.ini",
             "name = slow\nbase = tiktok\n\n[video]\nwidth = 360\nheight = 640\n\n"
             "[safe-area]\ntop = 84\nbottom = 140\nright = 57\n");
  std::string csv = "input,presets,name\n";
  for (int i = 1; i <= 24; ++i) csv += "ep.mp4,slow.ini,s" + std::to_string(i) + "\n";
  write_file(season / "season1.csv", csv);
  const fs::path out = season / "out";

  // The task whose shard has the most rows (the share depends only on the names).
  int task = 0;
  size_t most = 0;
  for (int k = 0; k < 8; ++k) {
    const RunResult plan = run(with_env(
        bin, {},
        "reelpack batch " + shell_quote((season / "season1.csv").string()) + " -o " +
            shell_quote(out.string()) + " --shard " + std::to_string(k) + "/8 --dry-run --json"));
    REQUIRE(plan.exit_code == 0);
    const size_t rows = json::parse(plan.out)["rows"].size();
    if (rows > most) {
      most = rows;
      task = k;
    }
  }
  REQUIRE(most >= 2);

  // Slurm signals the batch shell (B:); the script exec'd reelpack, so reelpack gets it.
  const fs::path log = dir / "task.log";
  const std::string start =
      with_env(bin, slurm_env(s, task, 0, 7, 1, season), "bash " + shell_quote(script.string())) +
      " >" + shell_quote(log.string()) + " 2>&1 & pid=$!\n";
  const std::string wait_for_encode =
      "i=0\n"
      "while [ $i -lt 1200 ]; do\n"
      "  if ls " +
      shell_quote(out.string()) +
      "/.reelpack-tmp-* >/dev/null 2>&1; then break; fi\n"
      "  sleep 0.05; i=$((i+1))\n"
      "done\n";
  const RunResult r = run(start + wait_for_encode + "kill -TERM $pid; wait $pid; echo $?\n");
  REQUIRE(r.exit_code == 0);
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  INFO("task log:\n" << text.str());
  CHECK(std::stoi(r.out) == 130);
  CHECK_THAT(text.str(), Catch::Contains("interrupted") && Catch::Contains("resume"));
  CHECK(temporaries(out).empty());
  const fs::path report = out / ("report.shard-" + std::to_string(task) + "-of-8.json");
  const json stopped = read_json(report);
  CHECK(stopped["interrupted"] == true);
  CHECK(stopped["summary"]["ok"].get<size_t>() < most);

  // The resubmitted task finishes the shard.
  const RunResult again = run(
      with_env(bin, slurm_env(s, task, 0, 7, 1, season), "bash " + shell_quote(script.string())));
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  const json done = read_json(report);
  CHECK(done["interrupted"] == false);
  REQUIRE(done["rows"].size() == most);
  for (const json& row : done["rows"]) {
    CHECK((row["status"] == "ok" || row["status"] == "skipped"));
    CHECK(fs::is_regular_file(out / (row["name"].get<std::string>() + ".slow.mp4")));
  }
}

TEST_CASE("the Kubernetes batch example: an Indexed Job whose pods cover every row once",
          "[batch][docs][k8s]") {
  const fs::path file = kDocs / "k8s-indexed-job.yaml";
  const json job = read_yaml(file);
  CHECK(job["apiVersion"] == "batch/v1");
  CHECK(job["kind"] == "Job");
  const json& spec = job["spec"];
  CHECK(spec["completionMode"] == "Indexed");
  const int completions = spec["completions"];
  CHECK(spec["parallelism"] == completions);
  // Per-index back-off and FailIndex need each other; podFailurePolicy needs Never.
  CHECK(spec["backoffLimitPerIndex"].is_number_integer());
  CHECK(spec["maxFailedIndexes"].get<int>() <= completions);
  const json& pod = spec["template"]["spec"];
  CHECK(pod["restartPolicy"] == "Never");
  CHECK(pod["terminationGracePeriodSeconds"].get<int>() >= 10);  // "stops within seconds"
  REQUIRE(pod["containers"].size() == 1);
  const json& container = pod["containers"][0];

  // The shard count the pod sees is the Job's completions.
  std::map<std::string, std::string> env;
  for (const json& e : container["env"]) env[e["name"]] = e["value"];
  REQUIRE(env.count("REELPACK_SHARD_COUNT"));
  CHECK(std::stoi(env["REELPACK_SHARD_COUNT"]) == completions);

  // Exit codes: the ones not worth retrying are reelpack's 1 (a row failed) and 2 (usage),
  // never 130 (SIGTERM on eviction: retried, and resumed). Evictions are ignored.
  std::set<int> fail_index_codes;
  bool ignores_disruption = false;
  for (const json& rule : spec["podFailurePolicy"]["rules"]) {
    if (rule["action"] == "FailIndex") {
      CHECK(rule["onExitCodes"]["containerName"] == container["name"]);
      CHECK(rule["onExitCodes"]["operator"] == "In");
      for (const json& v : rule["onExitCodes"]["values"]) fail_index_codes.insert(v.get<int>());
    }
    if (rule["action"] == "Ignore") {
      for (const json& c : rule["onPodConditions"]) {
        ignores_disruption |= c["type"] == "DisruptionTarget";
      }
    }
  }
  CHECK(fail_index_codes == std::set<int>{1, 2});
  CHECK(ignores_disruption);

  // The volume: the command's paths live on the mount, which is the claimed volume.
  REQUIRE(container["volumeMounts"].size() == 1);
  const std::string mount = container["volumeMounts"][0]["mountPath"];
  CHECK(pod["volumes"][0]["name"] == container["volumeMounts"][0]["name"]);
  CHECK(pod["volumes"][0]["persistentVolumeClaim"]["claimName"].is_string());
  const std::vector<std::string> command = container["command"];
  REQUIRE(command.size() >= 3);
  CHECK(command[0] == "reelpack");
  CHECK(command[1] == "batch");
  CHECK(std::find(command.begin(), command.end(), "auto") != command.end());

  // The header's merge command, as written.
  std::string merge;
  for (const std::string& line : lines_of(file)) {
    const size_t at = line.find("reelpack batch --merge-reports ");
    if (line.starts_with("#") && at != std::string::npos) merge = line.substr(at);
  }
  REQUIRE(!merge.empty());

  TempDir dir;
  const fs::path bin = bin_dir(dir.path());
  const Season season = make_season(dir / "season");
  // The pod's command with the mount moved to the season folder; the pod's own
  // environment: the container's env and the index Kubernetes adds.
  auto pod_command = [&](const std::vector<std::string>& argv) {
    std::string cmd;
    for (const std::string& a : argv) {
      std::string arg = a;
      if (arg.starts_with(mount + "/")) arg = season.dir.string() + arg.substr(mount.size());
      cmd += (cmd.empty() ? "" : " ") + shell_quote(arg);
    }
    return cmd;
  };
  auto run_pod = [&](int index) {
    std::map<std::string, std::string> pod_env = env;
    pod_env["JOB_COMPLETION_INDEX"] = std::to_string(index);
    return run(with_env(bin, pod_env, pod_command(command)));
  };

  std::map<int, int> exits;
  for (int index = 0; index < completions; ++index) {
    const RunResult r = run_pod(index);
    INFO("index " << index << "\n" << r.out << r.err);
    exits[index] = r.exit_code;
    // 1 ends the index (FailIndex); 0 completes it.
    CHECK((r.exit_code == 0 || r.exit_code == 1));
  }
  check_shards(season, season.dir / "out", exits);
  const std::string merge_here = replace_all(merge, mount + "/", season.dir.string() + "/");
  check_merged(season, season.dir / "out", run(with_env(bin, {}, merge_here)));

  SECTION("a malformed manifest exits 2 in every pod, which FailIndex does not retry") {
    write_file(season.dir / "season1.csv", "input,presets\nmasters/ep-a.mp4\n");
    const RunResult r = run_pod(0);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("season1.csv line 2"));
    CHECK(fail_index_codes.count(r.exit_code) == 1);
  }
}
