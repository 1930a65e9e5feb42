// The analysis cache's bound: least recently used entries pruned to a cap, a hit counting
// as a use, and pruning that other processes sharing the folder can live with. Synthetic
// analyses written into temporary folders; no media.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "core/atomic_file.h"
#include "reframe/analysis_cache.h"
#include "support/files.h"

namespace fs = std::filesystem;
using namespace reelpack;
using reelpack::test::TempDir;
using reelpack::test::write_file;

namespace {

// Keys whose file names sort in the order of `n`, so entries written within one tick of
// the file system's clock (same modification time) still age in the order written.
AnalysisKey key(int n) {
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016x", n);
  return {"test key " + std::to_string(n), hash};
}

// A valid analysis of `frames` frames, one shot, no subjects.
SmartAnalysis analysis(int frames) {
  SmartAnalysis a;
  a.source = {640, 360};
  a.frame_rate = {30, 1};
  a.time_base = {1, 30};
  for (int i = 0; i < frames; ++i) {
    a.pts.push_back(i);
    a.source_us.push_back(i * int64_t{1'000'000} / 30);
  }
  a.end_pts = frames;
  a.shots = {{0, frames}};
  a.face_detector = "haar";
  return a;
}

void set_age(const fs::path& file, std::chrono::seconds age) {
  fs::last_write_time(file, fs::file_time_type::clock::now() - age);
}

int64_t size_of(const fs::path& p) {
  return static_cast<int64_t>(fs::file_size(p));
}

}  // namespace

TEST_CASE("a cache over its cap loses its least recently used entries, one just read stays",
          "[cache]") {
  TempDir dir;
  const fs::path folder = dir / "cache";
  const AnalysisCache writer(folder);  // no cap while filling
  std::vector<std::string> warnings;
  std::vector<fs::path> files;
  for (int i = 0; i < 10; ++i) {
    writer.store(key(i), analysis(300), warnings);
    files.push_back(writer.file_for(key(i)));
    REQUIRE(fs::is_regular_file(files.back()));
    set_age(files.back(), std::chrono::hours(10 - i));  // entry 0 the oldest
  }
  REQUIRE(warnings.empty());
  // Not the cache's: a foreign file and another command's temporary are never removed,
  // nor counted; an entry's temporary being written (fresh) stays, a day-old one goes.
  write_file(folder / "notes.txt", std::string(1 << 20, 'x'));
  set_age(folder / "notes.txt", std::chrono::hours(1000));
  const fs::path output_temp = folder / (std::string(kTempPrefix) + "7-0-ep01.tiktok.mp4");
  write_file(output_temp, "partial");
  set_age(output_temp, std::chrono::hours(48));
  const fs::path fresh_temp = folder / (std::string(kTempPrefix) + "8-0-analysis-00ff.json");
  write_file(fresh_temp, "{\"key\"");
  const fs::path stale_temp = folder / (std::string(kTempPrefix) + "9-3-analysis-00fe.json");
  write_file(stale_temp, "{\"key\"");
  set_age(stale_temp, std::chrono::hours(25));

  // A rerun reads the oldest entry: a hit, and now the most recently used.
  const AnalysisCache cache(folder, 1);
  const auto hit = cache.load(key(0), "in.mp4", warnings);
  REQUIRE(hit);
  CHECK(hit->frame_count() == 300);
  CHECK(warnings.empty());
  CHECK(fs::last_write_time(files[0]) > fs::last_write_time(files[9]));

  // Room for five entries: 0 (just used) and 6..9 stay, 1..5 go.
  const int64_t cap = size_of(files[0]) + size_of(files[6]) + size_of(files[7]) +
                      size_of(files[8]) + size_of(files[9]);
  int64_t going = 0;
  for (int i = 1; i <= 5; ++i) going += size_of(files[i]);
  const CachePruneResult r = AnalysisCache(folder, cap).prune(warnings);
  CHECK(warnings.empty());
  CHECK(r.removed_entries == 5);
  CHECK(r.removed_bytes == going);
  CHECK(r.entries == 5);
  CHECK(r.size_bytes == cap);
  CHECK(r.removed_temporaries == 1);
  CHECK(fs::exists(files[0]));
  for (int i = 1; i <= 5; ++i) CHECK_FALSE(fs::exists(files[i]));
  for (int i = 6; i <= 9; ++i) CHECK(fs::exists(files[i]));
  CHECK(fs::exists(folder / "notes.txt"));
  CHECK(fs::exists(output_temp));
  CHECK(fs::exists(fresh_temp));
  CHECK_FALSE(fs::exists(stale_temp));
  // The survivor still reads back.
  CHECK(cache.load(key(0), "in.mp4", warnings));
  CHECK(warnings.empty());
}

TEST_CASE("storing into a capped cache prunes the oldest, never the entry just stored", "[cache]") {
  TempDir dir;
  std::vector<std::string> warnings;
  const AnalysisCache probe(dir / "probe");
  probe.store(key(0), analysis(300), warnings);
  const int64_t entry = size_of(probe.file_for(key(0)));

  const AnalysisCache cache(dir / "cache", entry * 5 / 2);  // two entries fit, not three
  int removed = 0;
  int64_t removed_bytes = 0;
  for (int i = 0; i < 5; ++i) {
    const CachePruneResult r = cache.store(key(i), analysis(300), warnings);
    removed += r.removed_entries;
    removed_bytes += r.removed_bytes;
    CHECK(r.size_bytes <= cache.max_bytes());
    CHECK(fs::exists(cache.file_for(key(i))));
  }
  CHECK(warnings.empty());
  CHECK(removed == 3);
  CHECK(removed_bytes == 3 * entry);
  for (int i = 0; i < 3; ++i) CHECK_FALSE(fs::exists(cache.file_for(key(i))));
  CHECK(fs::exists(cache.file_for(key(3))));

  // An entry larger than the cap alone is still kept when just stored.
  const AnalysisCache tiny(dir / "cache", 1);
  const CachePruneResult r = tiny.store(key(9), analysis(300), warnings);
  CHECK(r.removed_entries == 2);
  CHECK(r.entries == 1);
  CHECK(fs::exists(tiny.file_for(key(9))));
  CHECK(warnings.empty());
}

TEST_CASE("an unlimited cache keeps every entry", "[cache]") {
  TempDir dir;
  std::vector<std::string> warnings;
  const AnalysisCache cache(dir / "cache", 0);
  int64_t total = 0;
  for (int i = 0; i < 20; ++i) {
    const CachePruneResult r = cache.store(key(i), analysis(300), warnings);
    CHECK(r.removed_entries == 0);
    set_age(cache.file_for(key(i)), std::chrono::hours(100 + i));
    total += size_of(cache.file_for(key(i)));
  }
  const CachePruneResult r = cache.prune(warnings);
  CHECK(warnings.empty());
  CHECK(r.removed_entries == 0);
  CHECK(r.entries == 20);
  CHECK(r.size_bytes == total);
  for (int i = 0; i < 20; ++i) CHECK(fs::exists(cache.file_for(key(i))));
}

TEST_CASE("an entry removed by another process is a miss, not an error", "[cache]") {
  TempDir dir;
  std::vector<std::string> warnings;
  const AnalysisCache cache(dir / "cache", 1);

  SECTION("removed before the load") {
    cache.store(key(1), analysis(30), warnings);
    fs::remove(cache.file_for(key(1)));
    CHECK_FALSE(cache.load(key(1), "in.mp4", warnings));
    CHECK(warnings.empty());
  }

  SECTION("removed again and again while loads run (shards sharing the folder)") {
    // One thread stores the entry and another prunes the folder to nothing, over and over,
    // while a third loads: every load finds the whole entry or none, never a damaged one.
    std::atomic<bool> stop{false};
    std::atomic<int> prunes{0};
    std::vector<std::string> writer_warnings, pruner_warnings;
    std::thread writer([&] {
      while (!stop) {
        // Unlimited: this thread only writes; the other removes.
        AnalysisCache(dir / "cache", 0).store(key(1), analysis(300), writer_warnings);
      }
    });
    std::thread pruner([&] {
      while (!stop) {
        // A cap below one entry: every entry goes (also racing the writer's rename).
        AnalysisCache(dir / "cache", 1).prune(pruner_warnings);
        ++prunes;
      }
    });
    int hits = 0, misses = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < until) {
      std::vector<std::string> w;
      if (const auto a = cache.load(key(1), "in.mp4", w)) {
        ++hits;
        CHECK(a->frame_count() == 300);
      } else {
        ++misses;
      }
      if (!w.empty()) FAIL_CHECK(w.front());
    }
    stop = true;
    writer.join();
    pruner.join();
    INFO(hits << " hits, " << misses << " misses, " << prunes << " prunes");
    CHECK(hits + misses > 0);
    CHECK(prunes > 0);
    CHECK(writer_warnings.empty());
    CHECK(pruner_warnings.empty());
  }
}

TEST_CASE("pruning a cache that cannot be listed warns and does not throw", "[cache]") {
  TempDir dir;
  std::vector<std::string> warnings;
  // No folder yet: nothing to do, nothing to say.
  CHECK(AnalysisCache(dir / "none", 1).prune(warnings).entries == 0);
  CHECK(warnings.empty());
  // A file where the folder should be.
  write_file(dir / "file", "x");
  CachePruneResult r;
  CHECK_NOTHROW(r = AnalysisCache(dir / "file", 1).prune(warnings));
  CHECK(r.removed_entries == 0);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings.front(), Catch::Contains("cannot list the analysis cache"));
}
