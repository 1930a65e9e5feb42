// reelpack batch: a manifest of episodes, every preset, resumable, parallel, shardable.
#include <algorithm>
#include <climits>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "batch/batch.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "core/error.h"
#include "core/json_text.h"
#include "presets/schema.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using nlohmann::json;

namespace reelpack::cli {

namespace {

// SIGINT/SIGTERM: exit 130 like every verb, with the resume hint.
class BatchInterrupted : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return kExitInterrupted; }
};

std::string human_size(int64_t bytes) {
  char buf[32];
  if (bytes <= 0) return "-";
  if (bytes >= 1'000'000) {
    std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f kB", bytes / 1e3);
  }
  return buf;
}

std::string clock_time(double s) {
  const int t = static_cast<int>(s + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
  return buf;
}

// One line on a terminal: rows done of the shard's total, failures, time left.
class BatchProgressLine {
 public:
  explicit BatchProgressLine(bool enabled) : enabled_(enabled) {}
  void update(const BatchProgress& p) {
    // At most 4 redraws a second, but every finished row at once.
    if (!enabled_ || (p.elapsed_s - last_draw_s_ < 0.25 && p.rows_done == last_done_)) return;
    last_draw_s_ = p.elapsed_s;
    last_done_ = p.rows_done;
    const int width = 24;
    const int filled = static_cast<int>(std::clamp(p.fraction, 0.0, 1.0) * width);
    std::string bar(width, '-');
    std::fill(bar.begin(), bar.begin() + filled, '#');
    std::fprintf(stderr, "\r\033[Kbatch [%s] %d/%d rows", bar.c_str(), p.rows_done, p.rows_total);
    if (p.rows_skipped) std::fprintf(stderr, ", %d skipped", p.rows_skipped);
    if (p.rows_failed) std::fprintf(stderr, ", %d failed", p.rows_failed);
    if (p.fraction > 0.01 && p.fraction < 1) {
      std::fprintf(stderr, "  ETA %s",
                   clock_time(p.elapsed_s * (1 - p.fraction) / p.fraction).c_str());
    }
    std::fflush(stderr);
    drawn_ = true;
  }
  void done() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }

 private:
  bool enabled_;
  double last_draw_s_ = -1;
  int last_done_ = -1;
  bool drawn_ = false;
};

// "2 new", "3 (1 shared), 1 skipped", ... for a row's outputs.
std::string outputs_cell(const RowResult& r) {
  int written = 0, shared = 0, skipped = 0, failed = 0;
  for (const OutputResult& o : r.outputs) {
    written += o.status == OutputStatus::Written;
    shared += o.status == OutputStatus::Shared;
    skipped += o.status == OutputStatus::Skipped;
    failed += o.status == OutputStatus::Failed;
  }
  std::string outputs;
  auto add = [&](int n, const char* what) {
    if (!n) return;
    if (!outputs.empty()) outputs += ", ";
    outputs += std::to_string(n) + what;
  };
  add(written + shared, shared ? "" : " new");
  if (shared) outputs += " (" + std::to_string(shared) + " shared)";
  add(skipped, " skipped");
  add(failed, " failed");
  return outputs.empty() ? "-" : outputs;
}

// "-" (none checked), "pass", or "2 fail"; adds the failures to `nonconforming`.
std::string conformance_cell(const RowResult& r, std::vector<std::string>& nonconforming) {
  int fails = 0, checked = 0;
  for (const OutputResult& o : r.outputs) {
    const json& c = o.conformance;
    if (!c.is_object()) continue;
    ++checked;
    if (c.value("pass", true)) continue;
    ++fails;
    for (const auto& f : c.value("failures", json::array())) {
      nonconforming.push_back(o.path.filename().string() + ": " + f.get<std::string>());
    }
  }
  return checked == 0 ? "-" : fails ? std::to_string(fails) + " fail" : "pass";
}

void print_summary(const BatchReport& report, std::ostream& out) {
  const ReportSummary s = summarize(report.rows);
  out << s.rows << " rows: " << s.ok << " ok, " << s.skipped << " skipped, " << s.failed
      << " failed";
  if (s.interrupted || s.pending) out << ", " << s.interrupted + s.pending << " not finished";
  out << "; outputs: " << s.outputs_written << " encoded, " << s.outputs_shared << " shared, "
      << s.outputs_skipped << " up to date, " << s.outputs_failed << " failed, "
      << s.outputs_nonconforming << " nonconforming\n";
  const CacheReport& cache = report.cache;
  if (cache.dir.empty()) return;
  for (const auto& w : cache.warnings) out << "warning: " << w << "\n";
  if (cache.pruned_entries > 0) {
    out << "analysis cache " << cache.dir.string() << ": removed " << cache.pruned_entries
        << " least recently used " << (cache.pruned_entries == 1 ? "entry" : "entries") << " ("
        << human_size(cache.pruned_bytes) << ") to keep it under " << (cache.max_bytes >> 20)
        << " MB\n";
  }
}

// The report as a table: one line per row, then the outputs that fail their check.
void print_table(const BatchReport& report, std::ostream& out) {
  char line[512];
  std::snprintf(line, sizeof line, "%5s  %-24s %-11s %8s  %-18s %9s  %-12s %s\n", "row", "name",
                "status", "time", "outputs", "size", "conformance", "reason");
  out << line;
  std::vector<std::string> nonconforming, warnings;
  for (const RowResult& r : report.rows) {
    const std::string outputs = outputs_cell(r);
    const std::string conformance = conformance_cell(r, nonconforming);
    int64_t size = 0;
    for (const OutputResult& o : r.outputs) size += o.size_bytes;
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f s", r.elapsed_s);
    std::snprintf(line, sizeof line, "%5d  %-24s %-11s %8s  %-18s %9s  %-12s ", r.number,
                  r.name.c_str(), to_string(r.status).c_str(), secs, outputs.c_str(),
                  human_size(size).c_str(), conformance.c_str());
    out << line << r.reason << "\n";
    for (const auto& w : r.warnings) warnings.push_back(r.name + ": " + w);
  }
  for (const auto& w : warnings) out << "warning: " << w << "\n";
  for (const auto& n : nonconforming) out << "nonconforming: " << n << "\n";
  print_summary(report, out);
}

// The plan; returns how many rows would fail.
int print_dry_run(const Batch& batch, bool json_out) {
  const BatchOptions& o = batch.options();
  json rows = json::array();
  int encode = 0, share = 0, skip = 0, bad = 0, video_encodes = 0;
  if (!json_out) {
    std::cout << "dry run: nothing will be written\nmanifest " << o.manifest.string() << ": "
              << batch.manifest_rows() << " rows";
    if (o.shard.count > 1)
      std::cout << ", " << batch.rows().size() << " in shard " << o.shard.to_string();
    std::cout << "; outputs in " << o.outdir.string() << "\n";
  }
  for (const ManifestRow& row : batch.rows()) {
    const RowPlan plan = batch.plan_row(row);
    if (json_out) {
      rows.push_back(to_json(plan));
    } else {
      std::cout << "\nrow " << plan.number << " (line " << plan.line << ") " << plan.name << ": "
                << plan.input.string() << "\n";
      if (!plan.error.empty()) std::cout << "  FAILS: " << plan.error << "\n";
      for (const auto& w : plan.warnings) std::cout << "  warning: " << w << "\n";
    }
    if (!plan.error.empty()) {
      ++bad;
      continue;
    }
    for (const PlannedOutput& p : plan.outputs) {
      std::string what;
      switch (p.action) {
        case OutputAction::Encode:
          what = p.same_video_as.empty()
                     ? "encode"
                     : "encode audio; video shared with " + p.same_video_as.filename().string();
          ++encode;
          video_encodes += p.same_video_as.empty();
          break;
        case OutputAction::Share:
          what = "same encode as " + p.same_encode_as.filename().string();
          ++share;
          break;
        case OutputAction::Skip:
          what = "skip (up to date)";
          ++skip;
          break;
      }
      if (!json_out) {
        std::cout << "  " << p.path.string() << "  " << what;
        if (p.fps.num > 0) std::cout << "\n    " << fps_text(p.fps) << " fps: " << p.fps_reason;
        std::cout << "\n";
      }
    }
  }
  if (json_out) {
    std::cout << json_text(json{{"dry_run", true},
                                {"manifest", o.manifest.string()},
                                {"outdir", o.outdir.string()},
                                {"manifest_rows", batch.manifest_rows()},
                                {"shard", {{"index", o.shard.index}, {"count", o.shard.count}}},
                                {"jobs", o.jobs > 0 ? o.jobs : default_jobs()},
                                {"summary",
                                 {{"encode", encode},
                                  {"video_encodes", video_encodes},
                                  {"share", share},
                                  {"skip", skip},
                                  {"rows_failing", bad}}},
                                {"rows", rows}},
                           2)
              << "\n";
  } else {
    std::cout << "\n"
              << batch.rows().size() << " rows: " << encode << " encodes (" << video_encodes
              << " of the video), " << share << " outputs sharing an encode, " << skip
              << " up to date, " << bad << " rows that would fail\n";
  }
  return bad;
}

// Rows one after another allocate the same large buffers (each x264 holds about 450 MB at
// 1080x1920, in blocks of a few MB). glibc hands them back to the kernel when a row ends,
// and the next row faults in fresh pages that the kernel zeroes first. Blocks up to 32 MiB
// (the largest threshold glibc takes) kept in the heap, and the heap never trimmed, let the
// next row reuse them: the process keeps what its largest row used, plus some
// fragmentation. Measured (4 clips x 3 s 1080p x 4 presets, -j 1, busy 2-CPU machine,
// medians of 8 runs without and 6 with): sys 2.1 -> 0.9 s, user + sys 84.6 -> 83.8 s
// (within the noise), peak RSS 1451 -> 1697 MiB. 12 rows at 540x960 peaked at 725 MiB
// (706 without), 4 rows at 702: it does not grow with the rows.
void keep_freed_memory_for_next_rows() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
}

int merge(const fs::path& outdir, bool json_out) {
  const MergedReport merged = merge_reports(outdir);
  const fs::path path = outdir / "report.json";
  write_report(merged, path);
  if (json_out) {
    std::cout << json_text(to_json(merged), 2) << "\n";
  } else {
    print_table(merged.report, std::cout);
    std::cout << "merged " << merged.files.size() << " shard report(s) into " << path.string()
              << "\n";
  }
  if (!merged.missing_shards.empty()) {
    std::string list;
    for (int k : merged.missing_shards) list += (list.empty() ? "" : ", ") + std::to_string(k);
    std::cerr << "reelpack: error: " << outdir.string() << ": no report from shard(s) " << list
              << " of " << merged.report.shard.count
              << "; run them (or rerun them) and merge again\n";
  }
  return merged.ok() ? kExitOk : kExitProcessing;
}

void describe_options(po::options_description& opts) {
  opts.add_options()("help,h", "show this help")(
      "output,o", po::value<std::string>()->value_name("DIR"),
      "output folder: <name>.<preset>.mp4, report.json and .reelpack/ (state)")(
      "jobs,j", po::value<int>()->value_name("N"),
      "rows at once (default: from the number of cores)")(
      "shard", po::value<std::string>()->value_name("K/N|auto"),
      "take only shard K of N (0-based) of the rows; auto: from a Kubernetes Indexed Job or a "
      "Slurm job array")(
      "shard-count", po::value<int>()->value_name("N"),
      "shard count for --shard auto in a Kubernetes Indexed Job (or REELPACK_SHARD_COUNT)")(
      "force", "redo every output, even those up to date")(
      "cache-dir", po::value<std::string>()->value_name("DIR"),
      "keep --reframe smart analyses here and reuse them (default: OUTDIR/.reelpack-cache)")(
      "no-cache", "neither read nor write the analysis cache")(
      "cache-max", po::value<int64_t>()->value_name("MB"), kCacheMaxHelp)(
      "smart-memory", po::value<int64_t>()->value_name("MB"),
      "smart: memory for decoded frames held until their shot's camera is placed, so the "
      "input is decoded once (default 1536; a longer shot is decoded again; 0: always "
      "analyse in a pass of its own)")(
      "burn-subtitles",
      "also draw each row's subtitles into the picture (they are always "
      "added as a soft mov_text track)")(
      "cover",
      "also write the best frame as a cover beside each output: <name>.<preset>.jpg "
      "(made again only when its output is; see `reelpack thumbs`)")(
      "strict", "an output that fails its conformance check fails its row (exit 1)")(
      "allow-truncated", kAllowTruncatedHelp)(
      "dry-run,n",
      "print the plan (outputs, skips, shared encodes); write nothing; exit 1 when a row would "
      "fail")("json", "print the report (or the plan) as JSON on stdout")(
      "merge-reports", po::value<std::string>()->value_name("DIR"),
      "merge DIR/report.shard-K-of-N.json into DIR/report.json and print it")(
      "verbose,v", "show FFmpeg's own warnings");
}

// The options of a run (or a dry run) from its command line.
BatchOptions batch_options(const po::variables_map& vm) {
  if (!vm.count("manifest"))
    throw UsageError("reelpack batch: no MANIFEST; see `reelpack batch --help`");
  if (!vm.count("output")) throw UsageError("reelpack batch: no output folder; add -o DIR");
  BatchOptions o;
  o.manifest = vm["manifest"].as<std::string>();
  o.outdir = vm["output"].as<std::string>();
  o.force = vm.count("force") > 0;
  o.burn_subtitles = vm.count("burn-subtitles") > 0;
  o.covers = vm.count("cover") > 0;
  o.allow_truncated = vm.count("allow-truncated") > 0;
  if (vm.count("cache-dir") && vm.count("no-cache")) {
    throw UsageError("reelpack batch: --cache-dir and --no-cache exclude each other; give one");
  }
  if (vm.count("cache-max") && vm.count("no-cache")) {
    throw UsageError("reelpack batch: --cache-max and --no-cache exclude each other; give one");
  }
  if (vm.count("cache-max")) o.cache_max_bytes = cache_max_bytes(vm, "batch");
  if (!vm.count("no-cache")) {
    o.cache_dir = vm.count("cache-dir") ? fs::path(vm["cache-dir"].as<std::string>())
                                        : o.outdir / ".reelpack-cache";
  }
  o.strict = vm.count("strict") > 0;
  if (vm.count("smart-memory")) o.smart_hold_bytes = smart_memory_bytes(vm, "batch");
  if (vm.count("jobs")) {
    o.jobs = vm["jobs"].as<int>();
    if (o.jobs < 1)
      throw UsageError("reelpack batch: -j " + std::to_string(o.jobs) + ": needs at least 1");
  }
  std::optional<int> shard_count;
  if (vm.count("shard-count")) shard_count = vm["shard-count"].as<int>();
  if (vm.count("shard")) {
    const std::string s = vm["shard"].as<std::string>();
    o.shard = s == "auto" ? shard_from_environment(shard_count) : parse_shard(s);
  } else if (shard_count) {
    throw UsageError("reelpack batch: --shard-count only goes with --shard auto");
  }
  o.overrides = preset_overrides(vm);
  return o;
}

int run_batch(const BatchOptions& o, bool dry_run, bool json_out) {
  const Batch batch(o);
  if (dry_run) {
    // As the run would: a row that would fail makes it exit 1.
    return print_dry_run(batch, json_out) > 0 ? kExitProcessing : kExitOk;
  }
  prepare_output_dir(o.outdir);
  keep_freed_memory_for_next_rows();
  BatchProgressLine bar(stderr_is_terminal() && !json_out);
  const BatchReport report = batch.run([&](const BatchProgress& p) { bar.update(p); });
  bar.done();
  const fs::path report_path = o.outdir / o.shard.report_name();
  write_report(report, report_path);
  if (report.interrupted) {
    throw BatchInterrupted(
        "interrupted; partial outputs removed; run the same command again to resume "
        "(report: " +
        report_path.string() + ")");
  }
  if (json_out) {
    std::cout << json_text(to_json(report), 2) << "\n";
  } else {
    print_table(report, std::cout);
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", report.elapsed_s);
    std::cout << "batch of " << report.rows.size() << " rows";
    if (o.shard.count > 1) std::cout << " (shard " << o.shard.to_string() << ")";
    std::cout << " in " << secs << " s with " << report.jobs
              << " job(s); report: " << report_path.string() << "\n";
  }
  return report.ok() ? kExitOk : kExitProcessing;
}

}  // namespace

int cmd_batch(const Args& args) {
  po::options_description opts("Options");
  describe_options(opts);
  const auto parsed = parse_verb(
      "batch", args, opts, "manifest",
      {"reelpack batch MANIFEST -o OUTDIR [-j JOBS] [--shard K/N | --shard auto] [--force]\n"
       "                      [--dry-run] [--json] [--SECTION.KEY VALUE ...]\n"
       "       reelpack batch --merge-reports OUTDIR",
       "Packages every row of MANIFEST (CSV with a header row, or JSON Lines) for its presets:\n"
       "  input,presets,ranges,reframe,subtitles,title,episode,name\n"
       "  ep01.mov,tiktok;douyin;youtube-shorts,,,,My Drama,1,my-drama-e01\n"
       "Paths are relative to the manifest's folder; presets and ranges are separated by ';'.\n"
       "subtitles is an SRT or WebVTT file, FILE or FILE:LANG (ISO 639-2, e.g. ep01.srt:eng):\n"
       "a soft mov_text track timed with the ranges, burnt in too with --burn-subtitles.\n"
       "Each input is decoded once; presets that encode identically share one encode. Outputs\n"
       "up to date with the last run (same input content, preset values, ranges, reframe,\n"
       "metadata, reelpack version) are skipped, so an interrupted batch resumes on rerun.\n"
       "A bad row fails alone. Every output is checked against its preset (`reelpack check`).\n"
       "Smart-reframe analyses are cached (OUTDIR/.reelpack-cache/) by input content and\n"
       "settings, so --force, reruns and other presets of the same input skip the analysis;\n"
       "the least recently used entries are removed to keep it under --cache-max (256 MB).\n"
       "The report goes to OUTDIR/report.json (report.shard-K-of-N.json for a shard).\n"
       "Exit codes: 1 when any row failed, 2 for a malformed manifest.",
       "  reelpack batch season1.csv -o out/\n"
       "  reelpack batch season1.jsonl -o out/ -j 4 --video.crf 20\n"
       "  reelpack batch season1.csv -o out/ --dry-run\n"
       "  reelpack batch season1.csv -o out/ --force --cache-dir /shared/reelpack-cache\n"
       "  reelpack batch season1.csv -o out/ --burn-subtitles --cover\n"
       "  reelpack batch season1.csv -o /shared/out --shard 3/8\n"
       "  reelpack batch season1.csv -o /shared/out --shard auto --shard-count 8   # k8s Indexed "
       "Job\n"
       "  reelpack batch --merge-reports /shared/out\n"});
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  if (vm.count("verbose")) set_verbosity(1);
  const bool json_out = vm.count("json") > 0;
  if (vm.count("merge-reports")) return merge(vm["merge-reports"].as<std::string>(), json_out);

  const BatchOptions o = batch_options(vm);
  return run_batch(o, vm.count("dry-run") > 0, json_out);
}

}  // namespace reelpack::cli
