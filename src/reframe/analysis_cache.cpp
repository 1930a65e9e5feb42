#include "reframe/analysis_cache.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "analysis/blazeface_detector.h"
#include "core/atomic_file.h"
#include "core/content_hash.h"
#include "core/error.h"
#include "core/json_text.h"

namespace reelpack {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json rect_json(const Rect& r) {
  return json::array({r.x_px, r.y_px, r.width_px, r.height_px});
}

Rect rect_from(const json& j) {
  if (!j.is_array() || j.size() != 4) throw std::runtime_error("a box is not [x, y, w, h]");
  return {j[0].get<int>(), j[1].get<int>(), j[2].get<int>(), j[3].get<int>()};
}

json samples_json(const std::vector<SubjectSample>& samples) {
  json out = json::array();
  for (const SubjectSample& s : samples) {
    out.push_back({{"frame", s.frame},
                   {"box", rect_json(s.box_px)},
                   {"confidence", s.confidence},
                   {"kind", s.kind}});
  }
  return out;
}

std::vector<SubjectSample> samples_from(const json& j, int64_t frames) {
  std::vector<SubjectSample> out;
  for (const json& s : j) {
    out.push_back({s.at("frame").get<int64_t>(), rect_from(s.at("box")),
                   s.at("confidence").get<double>(), s.at("kind").get<std::string>()});
    if (out.back().frame < 0 || out.back().frame >= frames) {
      throw std::runtime_error("a sample's frame is out of range");
    }
  }
  return out;
}

TransitionKind kind_from(const std::string& s) {
  if (s == "cut") return TransitionKind::Cut;
  if (s == "fade") return TransitionKind::Fade;
  if (s == "dissolve") return TransitionKind::Dissolve;
  throw std::runtime_error("unknown transition kind '" + s + "'");
}

json boundaries_json(const std::vector<ShotBoundary>& boundaries) {
  json out = json::array();
  for (const ShotBoundary& b : boundaries) {
    out.push_back({{"frame", b.frame},
                   {"kind", to_string(b.kind)},
                   {"span_start", b.span_start},
                   {"span_end", b.span_end},
                   {"score", b.score}});
  }
  return out;
}

std::vector<ShotBoundary> boundaries_from(const json& j, int64_t frames) {
  std::vector<ShotBoundary> out;
  for (const json& b : j) {
    out.push_back({b.at("frame").get<int64_t>(), kind_from(b.at("kind").get<std::string>()),
                   b.at("span_start").get<int64_t>(), b.at("span_end").get<int64_t>(),
                   b.at("score").get<double>()});
    if (out.back().frame < 0 || out.back().frame > frames) {
      throw std::runtime_error("a shot boundary is out of range");
    }
  }
  return out;
}

json to_json(const SmartAnalysis& a) {
  json shots = json::array();
  for (const Shot& s : a.shots) shots.push_back(json::array({s.start_frame, s.end_frame}));
  return {{"source", {a.source.width_px, a.source.height_px}},
          {"frame_rate", {a.frame_rate.num, a.frame_rate.den}},
          {"time_base", {a.time_base.num, a.time_base.den}},
          {"pts", a.pts},
          {"source_us", a.source_us},
          {"end_pts", a.end_pts},
          {"sample_seconds", a.sample_seconds},
          {"boundaries", boundaries_json(a.boundaries)},
          {"shots", shots},
          {"faces", samples_json(a.faces)},
          {"motion", samples_json(a.motion)},
          {"face_detector", a.face_detector},
          {"face_model", a.face_model.string()}};
}

SmartAnalysis analysis_from(const json& j, const fs::path& input) {
  SmartAnalysis a;
  a.input = input;
  a.source = {j.at("source").at(0).get<int>(), j.at("source").at(1).get<int>()};
  a.frame_rate = {j.at("frame_rate").at(0).get<int>(), j.at("frame_rate").at(1).get<int>()};
  a.time_base = {j.at("time_base").at(0).get<int>(), j.at("time_base").at(1).get<int>()};
  a.pts = j.at("pts").get<std::vector<int64_t>>();
  a.source_us = j.at("source_us").get<std::vector<int64_t>>();
  a.end_pts = j.at("end_pts").get<int64_t>();
  a.sample_seconds = j.at("sample_seconds").get<double>();
  a.face_detector = j.at("face_detector").get<std::string>();
  a.face_model = j.at("face_model").get<std::string>();
  const int64_t frames = a.frame_count();
  if (frames == 0 || a.source_us.size() != a.pts.size() || a.source.width_px <= 0 ||
      a.source.height_px <= 0 || a.time_base.num <= 0 || a.time_base.den <= 0 ||
      a.frame_rate.num <= 0 || a.frame_rate.den <= 0) {
    throw std::runtime_error("inconsistent sizes or rates");
  }
  a.boundaries = boundaries_from(j.at("boundaries"), frames);
  int64_t expect = 0;
  for (const json& s : j.at("shots")) {
    a.shots.push_back({s.at(0).get<int64_t>(), s.at(1).get<int64_t>()});
    if (a.shots.back().start_frame != expect || a.shots.back().end_frame <= expect) {
      throw std::runtime_error("shots do not cover the frames in order");
    }
    expect = a.shots.back().end_frame;
  }
  if (expect != frames) throw std::runtime_error("shots do not cover every frame");
  a.faces = samples_from(j.at("faces"), frames);
  a.motion = samples_from(j.at("motion"), frames);
  return a;
}

json shots_json(const ShotList& s) {
  json shots = json::array();
  for (const TimedShot& t : s.shots) {
    shots.push_back({t.start_frame, t.end_frame, t.start_us, t.end_us, to_string(t.starts_with)});
  }
  return {{"fps", s.fps},
          {"frame_count", s.frame_count},
          {"duration_us", s.duration_us},
          {"shots", shots},
          {"boundaries", boundaries_json(s.boundaries)}};
}

ShotList shots_from(const json& j, const fs::path& input) {
  ShotList s;
  s.input = input;
  s.fps = j.at("fps").get<double>();
  s.frame_count = j.at("frame_count").get<int64_t>();
  s.duration_us = j.at("duration_us").get<int64_t>();
  int64_t expect = 0;
  for (const json& t : j.at("shots")) {
    s.shots.push_back({t.at(0).get<int64_t>(), t.at(1).get<int64_t>(), t.at(2).get<int64_t>(),
                       t.at(3).get<int64_t>(), kind_from(t.at(4).get<std::string>())});
    if (s.shots.back().start_frame != expect || s.shots.back().end_frame <= expect) {
      throw std::runtime_error("shots do not cover the frames in order");
    }
    expect = s.shots.back().end_frame;
  }
  if (expect != s.frame_count || !(s.fps > 0)) throw std::runtime_error("inconsistent shot list");
  s.boundaries = boundaries_from(j.at("boundaries"), s.frame_count);
  return s;
}

// Every key opens with what it is for (and its version) and the input's content.
void start_key(std::ostringstream& t, const char* version, const fs::path& input) {
  t.precision(17);
  t << version << "\ncontent " << Fnv64().add(sample_content_hash(input)).hex();
}

// The shot detector's options: shot lists and smart analyses both depend on them.
void write_shot_options(std::ostringstream& t, const ShotDetectorOptions& s) {
  t << "\nshots min " << s.min_shot_seconds << " adaptive " << s.adaptive_threshold << " content "
    << s.min_content_score << " window " << s.adaptive_window_frames << " flash "
    << s.max_flash_frames << " " << s.flash_similarity << " black " << s.fade_black_level
    << " gradual " << s.gradual_window_seconds << " " << s.gradual_min_distance << " "
    << s.gradual_adaptive_threshold << " transition " << s.max_transition_seconds << "\n";
}

AnalysisKey key_of(const std::ostringstream& t) {
  AnalysisKey key;
  key.text = t.str();
  key.hash = Fnv64().field(key.text).hex();
  return key;
}

// analysis-<hash>.json, shots-<hash>.json: the files the cache owns.
bool is_entry_name(std::string_view name) {
  return (name.starts_with("analysis-") || name.starts_with("shots-")) && name.ends_with(".json");
}

// A temporary of an entry: <kTempPrefix><pid>-<counter>-<entry name> (core/atomic_file.h).
// Other temporaries (an output's, when the cache shares a folder with outputs) are not
// the cache's to remove.
bool is_entry_temp_name(std::string_view name) {
  const std::string_view prefix = kTempPrefix;
  if (!name.starts_with(prefix)) return false;
  name.remove_prefix(prefix.size());
  for (int field = 0; field < 2; ++field) {  // pid, counter
    const size_t dash = name.find('-');
    if (dash == std::string_view::npos || dash == 0) return false;
    name.remove_prefix(dash + 1);
  }
  return is_entry_name(name);
}

// Gone: removed (or replaced) by another process since it was listed. Not a failure.
bool is_gone(const std::error_code& ec) {
  return ec == std::errc::no_such_file_or_directory || ec.value() == ESTALE;
}

// The whole file, or nullopt when it no longer exists (another process pruned it between
// the caller's look and the open, or, on NFS, during the read). Throws ProcessingError
// when it exists but cannot be read. Once open, a file removed by another process is read
// to its end: the name goes, the data stays until closed.
std::optional<std::string> read_if_present(const fs::path& file) {
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  const std::unique_ptr<std::FILE, Closer> f(std::fopen(file.c_str(), "rb"));
  if (!f) {
    if (errno == ENOENT || errno == ESTALE) return std::nullopt;
    throw ProcessingError(file.string() + ": cannot read (" +
                          std::generic_category().message(errno) + ")");
  }
  std::string text;
  char buf[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) text.append(buf, n);
  if (std::ferror(f.get())) {
    if (errno == ENOENT || errno == ESTALE) return std::nullopt;
    throw ProcessingError(file.string() + ": cannot read (" +
                          std::generic_category().message(errno) + ")");
  }
  return text;
}

// Marks an entry used: its modification time to now. utimensat with no times takes the
// file server's clock on NFS, so the order of uses holds across machines whose clocks
// differ. Best effort: a read-only cache still serves hits, and an entry removed
// meanwhile is simply gone.
void mark_used(const fs::path& file) {
  ::utimensat(AT_FDCWD, file.c_str(), nullptr, 0);
}

std::string megabytes(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", bytes / double(1 << 20));
  return buf;
}

}  // namespace

AnalysisKey shots_key(const fs::path& input, const ShotDetectorOptions& s) {
  std::ostringstream t;
  start_key(t, kShotListVersion, input);
  write_shot_options(t, s);
  return key_of(t);
}

AnalysisKey analysis_key(const fs::path& input, const std::vector<TimeRange>& ranges,
                         const SmartAnalysisOptions& o) {
  std::ostringstream t;
  start_key(t, kSmartAnalysisVersion, input);
  t << "\nranges";
  for (const TimeRange& r : ranges) t << " " << r.start_us << "-" << r.end_us;
  t << "\nanalysis width " << o.width_px << " faces every " << o.face_interval_seconds
    << " full scan " << o.full_scan_seconds << " empty scan " << o.empty_scan_seconds
    << " profiles every " << o.profile_interval_seconds << " detect " << o.detect;
  const SubjectDetectorOptions& f = o.faces;
  // Which detector runs (BlazeFace when its model is installed, else the cascades) and
  // which model file, by name and size: installing or updating the model changes results.
  std::error_code ec;
  const fs::path model =
      o.detect && f.use_blazeface ? find_blazeface_model(f.face_model) : fs::path();
  t << "\ndetector "
    << (model.empty() ? std::string("haar")
                      : "blazeface " + model.filename().string() + " " +
                            std::to_string(fs::file_size(model, ec)));
  t << "\nfaces min " << f.min_face_px << " step " << f.scale_step << " profile step "
    << f.profile_scale_step << " neighbours " << f.min_neighbours << " profiles " << f.profiles
    << " tilt " << f.tilt_deg << " blazeface tiles " << f.blazeface_tiles;
  write_shot_options(t, o.shots);
  return key_of(t);
}

fs::path AnalysisCache::file_for(const AnalysisKey& key) const {
  return dir_ / ("analysis-" + key.hash + ".json");
}

fs::path AnalysisCache::shots_file_for(const AnalysisKey& key) const {
  return dir_ / ("shots-" + key.hash + ".json");
}

std::optional<json> AnalysisCache::read_entry(const fs::path& file, const AnalysisKey& key,
                                              std::vector<std::string>& warnings) const {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  try {
    const std::optional<std::string> text = read_if_present(file);
    if (!text) return std::nullopt;  // pruned by another process since the look above
    json j = parse_json_text(*text);
    if (j.at("key").get<std::string>() != key.text) {
      warnings.push_back(file.string() +
                         ": analysis cache entry of another input or settings (hash collision); "
                         "analysing again");
      return std::nullopt;
    }
    return std::move(j.at("analysis"));
  } catch (const Error& e) {
    warnings.push_back(std::string(e.what()) + "; analysing again");
    return std::nullopt;
  } catch (const std::exception& e) {
    warnings.push_back(file.string() + ": damaged analysis cache entry ignored (" + e.what() +
                       "); analysing again and replacing it");
    return std::nullopt;
  }
}

CachePruneResult AnalysisCache::write_entry(const fs::path& file, const AnalysisKey& key,
                                            const json& value,
                                            std::vector<std::string>& warnings) const {
  try {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) {
      throw ProcessingError(dir_.string() + ": cannot create the cache folder (" + ec.message() +
                            ")");
    }
    const json j = {{"key", key.text}, {"analysis", value}};
    write_file_atomically(file, json_text(j) + "\n");
  } catch (const Error& e) {
    warnings.push_back(std::string("analysis not cached: ") + e.what() +
                       "; choose a writable --cache-dir or pass --no-cache");
    return {};
  }
  return prune(warnings, file);
}

namespace {

// An entry as listed: its size and when it was last used.
struct ListedEntry {
  fs::path path;
  int64_t bytes = 0;
  fs::file_time_type used;
};

// Files that could not be removed, reported in one warning.
struct RemoveFailures {
  int count = 0;
  std::string first;
  void add(const fs::path& path, const std::error_code& ec) {
    if (count++ == 0) first = path.string() + ": " + ec.message();
  }
};

// The entries in `dir`, removing stale temporaries on the way (counted in `result`);
// nullopt (and a warning) when the folder cannot be listed at all.
std::optional<std::vector<ListedEntry>> list_entries(const fs::path& dir, CachePruneResult& result,
                                                     RemoveFailures& failures,
                                                     std::vector<std::string>& warnings) {
  std::vector<ListedEntry> entries;
  const auto now = fs::file_time_type::clock::now();
  try {
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) {
      if (!is_gone(ec)) {
        warnings.push_back(dir.string() + ": cannot list the analysis cache to prune it (" +
                           ec.message() + ")");
      }
      return std::nullopt;
    }
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      const fs::path& path = it->path();
      const std::string name = path.filename().string();
      const bool temp = is_entry_temp_name(name);
      if (!temp && !is_entry_name(name)) continue;
      // Each look may find the file gone (another process pruned it): then it is skipped.
      std::error_code e;
      if (!fs::is_regular_file(fs::symlink_status(path, e)) || e) continue;
      const fs::file_time_type used = fs::last_write_time(path, e);
      if (e) continue;
      if (temp) {
        if (now - used > kStaleTempAge) {
          if (fs::remove(path, e)) {
            ++result.removed_temporaries;
          } else if (e && !is_gone(e)) {
            failures.add(path, e);
          }
        }
        continue;
      }
      const uintmax_t bytes = fs::file_size(path, e);
      if (e) continue;
      entries.push_back({path, static_cast<int64_t>(bytes), used});
    }
    if (ec && !is_gone(ec)) {
      warnings.push_back(dir.string() + ": cannot list the whole analysis cache to prune it (" +
                         ec.message() + ")");
    }
  } catch (const std::exception& e) {  // allocation, or a library that throws anyway
    warnings.push_back(dir.string() + ": analysis cache not pruned (" + e.what() + ")");
    return std::nullopt;
  }
  return entries;
}

// Removes the least recently used entries (never `keep`) until `total` is at most
// `max_bytes`; marks each entry gone (removed here or by another process) in `removed`.
void remove_least_used(const std::vector<ListedEntry>& entries, int64_t max_bytes,
                       const fs::path& keep, int64_t& total, std::vector<bool>& removed,
                       CachePruneResult& result, RemoveFailures& failures) {
  std::vector<size_t> order(entries.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Least recently used first; equal times by name, so every process agrees.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (entries[a].used != entries[b].used) return entries[a].used < entries[b].used;
    return entries[a].path < entries[b].path;
  });
  for (const size_t i : order) {
    if (total <= max_bytes) break;
    const ListedEntry& entry = entries[i];
    if (!keep.empty() && entry.path == keep) continue;
    std::error_code e;
    // Used (or written again) by another process since the listing: keep it.
    const fs::file_time_type used = fs::last_write_time(entry.path, e);
    if (!e && used != entry.used) continue;
    if (fs::remove(entry.path, e)) {
      ++result.removed_entries;
      result.removed_bytes += entry.bytes;
    } else if (e && !is_gone(e)) {
      failures.add(entry.path, e);
      continue;
    }
    // Removed here, or by another process first: no longer counted either way.
    removed[i] = true;
    total -= entry.bytes;
  }
}

}  // namespace

CachePruneResult AnalysisCache::prune(std::vector<std::string>& warnings,
                                      const fs::path& keep) const {
  CachePruneResult result;
  RemoveFailures failures;
  const std::optional<std::vector<ListedEntry>> entries =
      list_entries(dir_, result, failures, warnings);
  if (!entries) return result;

  int64_t total = 0;
  for (const ListedEntry& e : *entries) total += e.bytes;
  std::vector<bool> removed(entries->size(), false);
  if (max_bytes_ > 0 && total > max_bytes_) {
    remove_least_used(*entries, max_bytes_, keep, total, removed, result, failures);
  }
  for (size_t i = 0; i < entries->size(); ++i) {
    if (removed[i]) continue;
    ++result.entries;
    result.size_bytes += (*entries)[i].bytes;
  }
  if (failures.count) {
    std::string w = dir_.string() + ": analysis cache: could not remove " +
                    std::to_string(failures.count) + (failures.count == 1 ? " file" : " files") +
                    " (" + failures.first + ")";
    if (max_bytes_ > 0 && total > max_bytes_) {
      w += "; it holds " + megabytes(total) + ", over its cap of " + megabytes(max_bytes_);
    }
    warnings.push_back(w + "; check the folder's permissions");
  }
  return result;
}

template <class T>
std::optional<T> AnalysisCache::load_entry(const fs::path& file, const AnalysisKey& key,
                                           const fs::path& input,
                                           std::vector<std::string>& warnings,
                                           T (*from)(const json&, const fs::path&)) const {
  const auto j = read_entry(file, key, warnings);
  if (!j) return std::nullopt;
  try {
    T value = from(*j, input);
    mark_used(file);
    return value;
  } catch (const std::exception& e) {
    warnings.push_back(file.string() + ": damaged analysis cache entry ignored (" + e.what() +
                       "); analysing again and replacing it");
    return std::nullopt;
  }
}

std::optional<SmartAnalysis> AnalysisCache::load(const AnalysisKey& key, const fs::path& input,
                                                 std::vector<std::string>& warnings) const {
  return load_entry(file_for(key), key, input, warnings, analysis_from);
}

CachePruneResult AnalysisCache::store(const AnalysisKey& key, const SmartAnalysis& a,
                                      std::vector<std::string>& warnings) const {
  return write_entry(file_for(key), key, to_json(a), warnings);
}

std::optional<ShotList> AnalysisCache::load_shots(const AnalysisKey& key, const fs::path& input,
                                                  std::vector<std::string>& warnings) const {
  return load_entry(shots_file_for(key), key, input, warnings, shots_from);
}

CachePruneResult AnalysisCache::store_shots(const AnalysisKey& key, const ShotList& shots,
                                            std::vector<std::string>& warnings) const {
  return write_entry(shots_file_for(key), key, shots_json(shots), warnings);
}

}  // namespace reelpack
