#include "batch/report.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <utility>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_text.h"

namespace reelpack {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::array<std::pair<RowStatus, const char*>, 5> kRowStatuses = {{
    {RowStatus::Pending, "pending"},
    {RowStatus::Ok, "ok"},
    {RowStatus::Skipped, "skipped"},
    {RowStatus::Failed, "failed"},
    {RowStatus::Interrupted, "interrupted"},
}};
constexpr std::array<std::pair<OutputStatus, const char*>, 5> kOutputStatuses = {{
    {OutputStatus::Pending, "pending"},
    {OutputStatus::Written, "written"},
    {OutputStatus::Shared, "shared"},
    {OutputStatus::Skipped, "skipped"},
    {OutputStatus::Failed, "failed"},
}};

template <typename Status, size_t N>
std::string name_of(const std::array<std::pair<Status, const char*>, N>& names, Status s) {
  for (const auto& [status, name] : names) {
    if (status == s) return name;
  }
  return "?";
}

template <typename Status, size_t N>
Status status_named(const std::array<std::pair<Status, const char*>, N>& names,
                    const std::string& text, const char* what) {
  for (const auto& [status, name] : names) {
    if (text == name) return status;
  }
  throw ProcessingError(std::string("unknown ") + what + " status '" + text + "'");
}

// Empty strings and paths are null in the report.
json or_null(const std::string& s) {
  return s.empty() ? json() : json(s);
}
json or_null(const fs::path& p) {
  return p.empty() ? json() : json(p.string());
}
std::string text_or_empty(const json& j, const char* key) {
  const json& v = j.value(key, json());
  return v.is_string() ? v.get<std::string>() : std::string();
}

json to_json(const OutputResult& o) {
  return {{"preset", o.preset},
          {"path", o.path.string()},
          {"status", to_string(o.status)},
          {"error", or_null(o.error)},
          {"size_bytes", o.size_bytes},
          {"shared_from", or_null(o.shared_from)},
          {"video_shared_from", or_null(o.video_shared_from)},
          {"conformance", o.conformance},
          {"cover", or_null(o.cover)}};
}

json to_json(const RowResult& r) {
  json outs = json::array();
  int64_t total = 0;
  for (const OutputResult& o : r.outputs) {
    total += o.size_bytes;
    outs.push_back(to_json(o));
  }
  return {{"row", r.number},
          {"line", r.line},
          {"name", r.name},
          {"input", r.input.string()},
          {"status", to_string(r.status)},
          {"reason", or_null(r.reason)},
          {"warnings", r.warnings},
          {"elapsed_seconds", r.elapsed_s},
          {"analysis_cache", or_null(r.analysis_cache)},
          {"size_bytes", total},
          {"outputs", outs}};
}

json to_json(const ReportSummary& s) {
  return {{"rows", s.rows},
          {"ok", s.ok},
          {"skipped", s.skipped},
          {"failed", s.failed},
          {"interrupted", s.interrupted},
          {"pending", s.pending},
          {"outputs_written", s.outputs_written},
          {"outputs_shared", s.outputs_shared},
          {"outputs_skipped", s.outputs_skipped},
          {"outputs_failed", s.outputs_failed},
          {"outputs_nonconforming", s.outputs_nonconforming}};
}

// What the cache's pruning removed; a shard's report adds what the cache held at the end.
json pruning_json(const CacheReport& c) {
  return {{"dir", c.dir.string()},
          {"max_bytes", c.max_bytes},
          {"pruned_entries", c.pruned_entries},
          {"pruned_bytes", c.pruned_bytes},
          {"pruned_temporaries", c.pruned_temporaries}};
}

OutputResult output_from_json(const json& j) {
  OutputResult o;
  o.preset = j.value("preset", "");
  o.path = j.value("path", "");
  o.status = parse_output_status(j.value("status", "pending"));
  o.error = text_or_empty(j, "error");
  o.size_bytes = j.value("size_bytes", int64_t{0});
  o.shared_from = text_or_empty(j, "shared_from");
  o.video_shared_from = text_or_empty(j, "video_shared_from");
  o.conformance = j.value("conformance", json());
  o.cover = text_or_empty(j, "cover");
  return o;
}

RowResult row_from_json(const json& j) {
  RowResult r;
  r.number = j.value("row", 0);
  r.line = j.value("line", 0);
  r.name = j.value("name", "");
  r.input = j.value("input", "");
  r.status = parse_row_status(j.value("status", "pending"));
  r.reason = text_or_empty(j, "reason");
  r.warnings = j.value("warnings", std::vector<std::string>());
  r.elapsed_s = j.value("elapsed_seconds", 0.0);
  r.analysis_cache = text_or_empty(j, "analysis_cache");
  for (const json& o : j.value("outputs", json::array())) r.outputs.push_back(output_from_json(o));
  return r;
}

CacheReport cache_from_json(const json& c) {
  CacheReport cache;
  if (!c.is_object()) return cache;
  cache.dir = c.value("dir", "");
  cache.max_bytes = c.value("max_bytes", int64_t{0});
  cache.pruned_entries = c.value("pruned_entries", 0);
  cache.pruned_bytes = c.value("pruned_bytes", int64_t{0});
  cache.pruned_temporaries = c.value("pruned_temporaries", 0);
  cache.entries = c.value("entries", 0);
  cache.size_bytes = c.value("size_bytes", int64_t{0});
  cache.warnings = c.value("warnings", std::vector<std::string>());
  return cache;
}

// OUTDIR's shard reports of one shard count, by shard index.
std::pair<int, std::vector<std::pair<int, fs::path>>> shard_reports(const fs::path& outdir) {
  static const std::regex kName(R"(report\.shard-(\d+)-of-(\d+)\.json)");
  std::map<int, std::vector<std::pair<int, fs::path>>> by_count;  // N -> (K, file)
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(outdir, ec)) {
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, m, kName)) {
      by_count[std::stoi(m[2].str())].emplace_back(std::stoi(m[1].str()), entry.path());
    }
  }
  if (ec) throw UsageError(outdir.string() + ": cannot read the folder (" + ec.message() + ")");
  if (by_count.empty()) {
    throw UsageError(outdir.string() +
                     ": no report.shard-K-of-N.json to merge; run the shards "
                     "with --shard first");
  }
  if (by_count.size() > 1) {
    throw UsageError(outdir.string() + ": shard reports of different shard counts (" +
                     std::to_string(by_count.begin()->first) + " and " +
                     std::to_string(by_count.rbegin()->first) +
                     "); remove the reports of the older run and merge again");
  }
  auto files = by_count.begin()->second;
  std::sort(files.begin(), files.end());
  return {by_count.begin()->first, files};
}

BatchReport read_report(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  json j;
  try {
    j = parse_json_text(text);
  } catch (const json::exception& e) {
    throw ProcessingError(file.string() + ": not a readable report (" + e.what() + ")");
  }
  return report_from_json(j, file);
}

}  // namespace

std::string to_string(RowStatus s) {
  return name_of(kRowStatuses, s);
}
RowStatus parse_row_status(const std::string& text) {
  return status_named(kRowStatuses, text, "row");
}
std::string to_string(OutputStatus s) {
  return name_of(kOutputStatuses, s);
}
OutputStatus parse_output_status(const std::string& text) {
  return status_named(kOutputStatuses, text, "output");
}

bool BatchReport::ok() const {
  return !interrupted && std::none_of(rows.begin(), rows.end(), [](const RowResult& r) {
    return r.status == RowStatus::Failed || r.status == RowStatus::Interrupted;
  });
}

bool MergedReport::ok() const {
  const ReportSummary s = summarize(report.rows);
  return !report.interrupted && missing_shards.empty() && s.failed == 0 && s.interrupted == 0 &&
         s.pending == 0;
}

ReportSummary summarize(const std::vector<RowResult>& rows) {
  ReportSummary s;
  s.rows = static_cast<int>(rows.size());
  for (const RowResult& r : rows) {
    s.ok += r.status == RowStatus::Ok;
    s.skipped += r.status == RowStatus::Skipped;
    s.failed += r.status == RowStatus::Failed;
    s.interrupted += r.status == RowStatus::Interrupted;
    s.pending += r.status == RowStatus::Pending;
    for (const OutputResult& o : r.outputs) {
      s.outputs_written += o.status == OutputStatus::Written;
      s.outputs_shared += o.status == OutputStatus::Shared;
      s.outputs_skipped += o.status == OutputStatus::Skipped;
      s.outputs_failed += o.status == OutputStatus::Failed;
      const json& c = o.conformance;
      s.outputs_nonconforming += c.is_object() && !c.value("pass", true);
    }
  }
  return s;
}

json to_json(const BatchReport& report) {
  json rows = json::array();
  for (const RowResult& r : report.rows) rows.push_back(to_json(r));
  const CacheReport& c = report.cache;
  json cache;
  if (!c.dir.empty()) {
    cache = pruning_json(c);
    cache["entries"] = c.entries;
    cache["size_bytes"] = c.size_bytes;
    cache["warnings"] = c.warnings;
  }
  json temporaries = json::array();
  for (const fs::path& t : report.temporaries_removed) temporaries.push_back(t.string());
  return {{"reelpack_version", REELPACK_VERSION},
          {"manifest", report.manifest.string()},
          {"outdir", report.outdir.string()},
          {"manifest_rows", report.manifest_rows},
          {"shard", {{"index", report.shard.index}, {"count", report.shard.count}}},
          {"jobs", report.jobs},
          {"elapsed_seconds", report.elapsed_s},
          {"interrupted", report.interrupted},
          {"ok", report.ok()},
          {"summary", to_json(summarize(report.rows))},
          {"cache", cache},
          {"temporaries_removed", temporaries},
          {"rows", rows}};
}

json to_json(const MergedReport& merged) {
  // A shard's report, but of no one shard or job count and with the shards it came from.
  json j = to_json(merged.report);
  j.erase("jobs");
  j["shard"]["index"] = nullptr;
  json sources = json::array();
  for (const auto& f : merged.files) sources.push_back(f.filename().string());
  j["merged_from"] = sources;
  j["missing_shards"] = merged.missing_shards;
  j["ok"] = merged.ok();
  // What the cache held at the end is each shard's own; only the pruning adds up.
  if (!merged.report.cache.dir.empty()) j["cache"] = pruning_json(merged.report.cache);
  return j;
}

BatchReport report_from_json(const json& j, const fs::path& file) {
  try {
    if (!j.is_object()) throw ProcessingError("not a JSON object");
    BatchReport r;
    r.manifest = j.value("manifest", "");
    r.outdir = j.value("outdir", "");
    const json& shard = j.value("shard", json());
    if (shard.is_object()) {
      r.shard.index = shard.value("index", 0);
      r.shard.count = shard.value("count", 1);
    }
    r.manifest_rows = j.value("manifest_rows", 0);
    r.jobs = j.value("jobs", 1);
    r.elapsed_s = j.value("elapsed_seconds", 0.0);
    r.interrupted = j.value("interrupted", false);
    for (const json& row : j.value("rows", json::array())) r.rows.push_back(row_from_json(row));
    r.cache = cache_from_json(j.value("cache", json()));
    for (const json& t : j.value("temporaries_removed", json::array())) {
      if (t.is_string()) r.temporaries_removed.emplace_back(t.get<std::string>());
    }
    return r;
  } catch (const std::exception& e) {
    throw ProcessingError(file.string() + ": not a readable report (" + e.what() + ")");
  }
}

void write_report(const BatchReport& report, const fs::path& path) {
  write_file_atomically(path, json_text(to_json(report), 2) + "\n");
}

void write_report(const MergedReport& merged, const fs::path& path) {
  write_file_atomically(path, json_text(to_json(merged), 2) + "\n");
}

MergedReport merge_reports(const fs::path& outdir) {
  const auto [count, files] = shard_reports(outdir);
  MergedReport merged;
  BatchReport& m = merged.report;
  m.outdir = outdir;
  m.shard.count = count;
  std::set<int> seen;
  for (const auto& [index, file] : files) {
    BatchReport shard = read_report(file);
    if (merged.files.empty()) {
      m.manifest = shard.manifest;
      m.manifest_rows = shard.manifest_rows;
    }
    seen.insert(index);
    merged.files.push_back(file);
    m.interrupted = m.interrupted || shard.interrupted;
    m.elapsed_s = std::max(m.elapsed_s, shard.elapsed_s);
    if (const CacheReport& c = shard.cache; !c.dir.empty()) {
      if (m.cache.dir.empty()) {
        m.cache.dir = c.dir;
        m.cache.max_bytes = c.max_bytes;
      }
      m.cache.pruned_entries += c.pruned_entries;
      m.cache.pruned_bytes += c.pruned_bytes;
      m.cache.pruned_temporaries += c.pruned_temporaries;
    }
    for (RowResult& r : shard.rows) m.rows.push_back(std::move(r));
    for (fs::path& t : shard.temporaries_removed) m.temporaries_removed.push_back(std::move(t));
  }
  std::stable_sort(m.rows.begin(), m.rows.end(),
                   [](const RowResult& a, const RowResult& b) { return a.number < b.number; });
  for (int k = 0; k < count; ++k) {
    if (!seen.count(k)) merged.missing_shards.push_back(k);
  }
  return merged;
}

}  // namespace reelpack
