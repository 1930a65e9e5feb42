#include "stills/covers.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "core/error.h"
#include "media/bgr_converter.h"
#include "media/filter_chains.h"
#include "media/image_writer.h"
#include "stills/stills.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {

// Width of the small frames that show whether the picture holds after a candidate.
constexpr int kWindowWidthPx = 128;
// Covers wanted up to which the checked frames are held at full size between find() and
// render() (a 1080p frame is 6 MiB).
constexpr int kMaxHeldFrames = 8;

int64_t frame_time_us(const AVFrame* f, AVRational tb) {
  return av_rescale_q(f->pts, tb, AV_TIME_BASE_Q);
}

bool inside(const std::vector<TimeRange>& ranges, int64_t t_us) {
  if (ranges.empty()) return true;
  return std::any_of(ranges.begin(), ranges.end(),
                     [&](const TimeRange& r) { return t_us >= r.start_us && t_us < r.end_us; });
}

// The end of the range holding t_us (or of the input).
int64_t range_end(const std::vector<TimeRange>& ranges, int64_t t_us, int64_t duration_us) {
  for (const TimeRange& r : ranges) {
    if (t_us >= r.start_us && t_us < r.end_us) return r.end_us;
  }
  return duration_us > 0 ? duration_us : INT64_MAX;
}

// Candidates with their small frames, in arrival order. Frames are kept for at most `cap`
// candidates (the best by quality), so memory stays bounded whatever the input's length.
struct CandidateSet {
  size_t cap = 0;
  std::vector<CoverCandidate> candidates;
  std::vector<cv::Mat> frames;
  size_t with_frames = 0;

  void add(int64_t t_us, bool keyframe, const cv::Mat& small, const FrameScoreOptions& so) {
    CoverCandidate c;
    c.time_us = t_us;
    c.keyframe = keyframe;
    c.score = score_frame(small, so);
    c.histogram = colour_histogram(small);
    candidates.push_back(std::move(c));
    frames.push_back(small.clone());
    if (++with_frames > cap) {
      size_t worst = frames.size();
      for (size_t i = 0; i < frames.size(); ++i) {
        if (frames[i].empty()) continue;
        if (worst == frames.size() ||
            candidates[i].score.quality < candidates[worst].score.quality) {
          worst = i;
        }
      }
      frames[worst].release();
      --with_frames;
    }
  }

  // Sorts by time (keyframes arrive in order; merged samples may not), dropping repeats.
  void sort_and_dedupe() {
    std::vector<size_t> order(candidates.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return candidates[a].time_us < candidates[b].time_us;
    });
    std::vector<CoverCandidate> c;
    std::vector<cv::Mat> f;
    for (size_t i : order) {
      if (!c.empty() && candidates[i].time_us - c.back().time_us < 50'000) continue;
      c.push_back(std::move(candidates[i]));
      f.push_back(std::move(frames[i]));
    }
    candidates = std::move(c);
    frames = std::move(f);
  }
};

std::string seconds(int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", us / 1e6);
  return buf;
}

std::string fixed3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

}  // namespace

cv::Rect2d cover_region(Size source, Size cover, ReframeMode mode) {
  // Pad and Blur show the whole picture; Smart centres its crop on the faces, so a face
  // anywhere can be kept.
  if (mode != ReframeMode::Center || source.width_px <= 0 || source.height_px <= 0 ||
      cover.width_px <= 0 || cover.height_px <= 0) {
    return {0, 0, 1, 1};
  }
  const ReframePlan plan = plan_reframe(source, {1, 1}, cover, ReframeMode::Center);
  return {static_cast<double>(plan.crop.x_px) / source.width_px,
          static_cast<double>(plan.crop.y_px) / source.height_px,
          static_cast<double>(plan.crop.width_px) / source.width_px,
          static_cast<double>(plan.crop.height_px) / source.height_px};
}

CoverFinder::CoverFinder(CoverSearchOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  if (o.count < 1 || o.count > 100) throw UsageError("covers: count must be 1..100");
  if (o.score_width_px < 64 || o.score_width_px > 1920) {
    throw UsageError("covers: score width must be 64..1920 px");
  }
  if (o.max_candidates < 1 || o.max_candidates > 10'000) {
    throw UsageError("covers: max candidates must be 1..10000");
  }
  if (o.min_spacing_us < 0) throw UsageError("covers: negative time");
  if (o.pick.window_us < 0 || o.pick.window_step_us <= 0) {
    throw UsageError("covers: the check window must be >= 0 and its step > 0");
  }
}

CoverFinder::~CoverFinder() = default;

FaceDetector& CoverFinder::faces() {
  if (!faces_) faces_ = std::make_unique<FaceDetector>(options_.face_options);
  return *faces_;
}

CoverSearch CoverFinder::find(const fs::path& path) {
  const CoverSearchOptions& o = options_;
  CoverSearch search;
  // Keyframes only, spaced so there are about max_candidates of them.
  DecodeOptions keyframes;
  keyframes.audio = false;
  keyframes.fast_video = true;
  keyframes.keyframes_only = true;
  InputFile key_input(path, keyframes);
  search.info = key_input.info();
  if (!search.info.video)
    throw UsageError(path.string() + ": has no video stream to take covers from");
  const VideoInfo& v = *search.info.video;
  int64_t span_us = search.info.duration_us;
  if (!o.ranges.empty()) {
    span_us = 0;
    for (const TimeRange& r : o.ranges) span_us += r.length_us();
  }
  key_input.set_keyframe_spacing_us(
      std::max(o.min_spacing_us, span_us > 0 ? span_us / o.max_candidates : int64_t{0}));
  const cv::Size small_size = display_size_at_width(v, o.score_width_px);
  FrameScoreOptions score_options = o.score;
  if (!o.cover_sizes.empty()) {
    const Size source{v.display_width_px(), v.display_height_px()};
    score_options.cover_region = {0, 0, 1, 1};
    for (const Size& s : o.cover_sizes) {
      const cv::Rect2d r = cover_region(source, s, o.reframe);
      if (r.area() < score_options.cover_region.area()) score_options.cover_region = r;
    }
  }
  search.cover_region = score_options.cover_region;

  CandidateSet set;
  set.cap = static_cast<size_t>(o.max_candidates) * 2;
  // Small frames after the candidates (window_verdict()): from the dense pass when there
  // is one, else decoded for each candidate worth a cover (verify, below).
  std::vector<WindowSample> window_samples;
  const cv::Size window_size = display_size_at_width(v, kWindowWidthPx);
  const auto run = [&](InputFile& in, const std::function<void(int64_t, const AVFrame*)>& take) {
    const AVRational tb = in.video_time_base();
    const auto sink = [&](StreamKind kind, AVFrame* f) {
      if (kind != StreamKind::Video || !f) return;
      ++search.frames_decoded;
      take(frame_time_us(f, tb), f);
    };
    if (o.ranges.empty()) {
      while (in.read_some(sink)) {
      }
      return;
    }
    for (const TimeRange& r : o.ranges) {
      in.seek_to(r.start_us);
      int64_t last_us = INT64_MIN;
      while (last_us < r.end_us && in.read_some([&](StreamKind kind, AVFrame* f) {
        if (kind == StreamKind::Video && f) last_us = frame_time_us(f, tb);
        sink(kind, f);
      })) {
      }
    }
  };

  {
    BgrConverter to_bgr(v.rotation_deg, BgrConverter::Scaling::Quality, path.string());
    run(key_input, [&](int64_t t_us, const AVFrame* f) {
      if (inside(o.ranges, t_us))
        set.add(t_us, f->key_frame != 0, to_bgr.convert(f, small_size), score_options);
    });
  }

  // Too few keyframes (a long GOP, a short clip): decode everything, sample a time grid.
  if (set.candidates.size() < static_cast<size_t>(o.min_keyframe_candidates)) {
    search.dense = true;
    const int grid = std::max(o.min_keyframe_candidates * 2, std::min(o.max_candidates, 12));
    std::vector<int64_t> times;
    if (o.ranges.empty() && span_us > 0) {
      const int64_t step = span_us / grid;
      for (int k = 0; k < grid; ++k) times.push_back(step / 2 + k * step);
    } else if (o.ranges.empty()) {  // duration unknown: every min_spacing_us
      const int64_t step = std::max<int64_t>(o.min_spacing_us, 100'000);
      for (int k = 0; k < 10'000; ++k) times.push_back(k * step);
    } else {
      const int64_t step = std::max<int64_t>(1, span_us / grid);
      for (const TimeRange& r : o.ranges) {
        for (int64_t t = r.start_us + step / 2; t < r.end_us; t += step) times.push_back(t);
      }
    }
    DecodeOptions d;
    d.audio = false;
    d.fast_video = true;
    InputFile in(path, d);
    BgrConverter to_bgr(v.rotation_deg, BgrConverter::Scaling::Quality, path.string()),
        to_window(v.rotation_deg, BgrConverter::Scaling::Quality, path.string());
    size_t next = 0;
    int64_t next_window_us = INT64_MIN;
    run(in, [&](int64_t t_us, const AVFrame* f) {
      if (t_us >= next_window_us) {  // every frame is decoded anyway: sample the windows now
        window_samples.push_back(window_sample(t_us, to_window.convert(f, window_size)));
        next_window_us = t_us + o.pick.window_step_us;
      }
      while (next < times.size() && times[next] < t_us - 500'000) ++next;  // a range skipped ahead
      if (next < times.size() && t_us >= times[next] && inside(o.ranges, t_us)) {
        set.add(t_us, f->key_frame != 0, to_bgr.convert(f, small_size), score_options);
        while (next < times.size() && times[next] <= t_us) ++next;
      }
    });
  }
  set.sort_and_dedupe();
  if (set.candidates.empty()) {
    throw ProcessingError(path.string() + ": no video frame could be decoded to take a cover from");
  }

  search.candidates = std::move(set.candidates);
  rank_candidates(search.candidates, score_options, o.pick);
  if (o.faces) {
    const size_t wanted = std::max<size_t>(3, 2 * static_cast<size_t>(o.count));
    FaceDetector& detector = faces();
    for (size_t i : shortlist(search.candidates, wanted)) {
      const cv::Mat& frame = set.frames[i];
      if (frame.empty()) continue;
      add_faces(search.candidates[i].score, detector.detect(frame, o.profile_faces), frame.size(),
                score_options);
    }
    rank_candidates(search.candidates, score_options, o.pick);
  }
  // A candidate is only a cover once the picture is seen to hold for window_us after it
  // (no cut, fade or dissolve that sparse candidates could not show); the cover is then
  // the frame in the middle of that window. Picks that fail are replaced and checked in
  // turn, within a budget.
  std::unique_ptr<InputFile> window_input;
  BgrConverter to_window(v.rotation_deg, BgrConverter::Scaling::Quality, path.string());
  // With a few covers wanted, the frame in the middle of each window is kept at full
  // size for render(), which then decodes nothing again.
  const bool keep_frames = o.count <= kMaxHeldFrames;
  held_frames_.clear();
  BgrConverter to_full(v.rotation_deg, BgrConverter::Scaling::Quality, path.string());
  const auto verify = [&](CoverCandidate& c) {
    const int64_t end_us = std::min(c.time_us + o.pick.window_us,
                                    range_end(o.ranges, c.time_us, search.info.duration_us));
    const int64_t middle_us = c.time_us + (end_us - c.time_us) / 2;
    std::vector<WindowSample> w;
    if (search.dense) {
      // The candidate itself first: the pass sampled on its own grid, which may start
      // after a cut that follows the candidate closely.
      w.push_back({c.time_us, c.score.luma_mean, c.histogram});
      for (const WindowSample& sample : window_samples) {
        if (sample.time_us > c.time_us && sample.time_us <= end_us) w.push_back(sample);
      }
    } else {
      if (!window_input) {
        DecodeOptions d;
        d.audio = false;
        d.fast_video = !keep_frames;  // a kept frame is a cover: full quality
        d.skip_nonref = true;         // five samples a second need no B-frames
        window_input = std::make_unique<InputFile>(path, d);
      }
      const AVRational tb = window_input->video_time_base();
      window_input->seek_to(c.time_us);
      int64_t next_us = c.time_us;
      bool done = false;
      while (!done && window_input->read_some([&](StreamKind kind, AVFrame* f) {
        if (done || kind != StreamKind::Video || !f) return;
        ++search.frames_decoded;
        const int64_t t = frame_time_us(f, tb);
        if (t > end_us) {
          done = true;
          return;
        }
        if (t >= next_us) {
          w.push_back(window_sample(t, to_window.convert(f, window_size)));
          next_us = t + o.pick.window_step_us;
        }
        if (t >= middle_us && c.settled_us < 0) {
          c.settled_us = t;
          if (keep_frames) held_frames_[t] = to_full.convert(f).clone();
        }
      })) {
      }
    }
    c.window = window_verdict(w, o.pick);
    if (!c.window.empty() && c.settled_us >= 0) held_frames_.erase(c.settled_us);
    if (c.settled_us < 0) {  // dense sampling, or a window cut short: the sample nearest
      c.settled_us = c.time_us;
      for (const WindowSample& sample : w) {
        if (std::llabs(sample.time_us - middle_us) < std::llabs(c.settled_us - middle_us)) {
          c.settled_us = sample.time_us;
        }
      }
    }
  };
  const int max_checks = 3 * o.count + 4;
  int checks = 0;
  bool unchecked = false;
  for (;;) {
    search.picked = pick_covers(search.candidates, static_cast<size_t>(o.count), o.pick);
    bool replaced = false;
    for (size_t i : search.picked) {
      CoverCandidate& c = search.candidates[i];
      if (c.settled_us >= 0) continue;
      if (checks >= max_checks) {
        unchecked = true;
        continue;
      }
      ++checks;
      verify(c);
      replaced = replaced || !c.window.empty();
    }
    if (!replaced) break;
    rank_candidates(search.candidates, score_options, o.pick);  // the verdicts count now
  }
  if (unchecked) {
    search.warnings.push_back(
        "some covers were not checked for a transition after them (more "
        "than " +
        std::to_string(max_checks) + " candidates failed)");
  }
  if (search.picked.empty()) {
    // Nothing passes the floors (a black or blurred clip): the best there is, with a warning.
    size_t best = 0;
    for (size_t i = 1; i < search.candidates.size(); ++i) {
      if (search.candidates[i].total > search.candidates[best].total) best = i;
    }
    search.picked = {best};
    search.fallback = true;
    search.warnings.push_back(
        "no frame is sharp, well exposed and clear of transitions; the cover "
        "is the best frame there was (" +
        search.candidates[best].rejected + ")");
  } else if (search.picked.size() < static_cast<size_t>(o.count)) {
    search.warnings.push_back("only " + std::to_string(search.picked.size()) + " of " +
                              std::to_string(o.count) +
                              " covers: too few distinct frames pass the quality floors");
  }
  return search;
}

std::vector<CoverFile> CoverFinder::render(const fs::path& path, CoverSearch& search,
                                           const std::vector<CoverSpec>& specs,
                                           const CoverPath& path_for) {
  const CoverSearchOptions& o = options_;
  const VideoInfo& v = *search.info.video;
  const PixelAspect sar = rotated_aspect({v.sar.num, v.sar.den}, v.rotation_deg);
  const cv::Size small_size = display_size_at_width(v, o.score_width_px);
  const Size display{v.display_width_px(), v.display_height_px()};
  const std::vector<CoverCandidate>& all = search.candidates;
  const auto cover_frame_us = [&](size_t idx) {
    return all[idx].settled_us >= 0 ? all[idx].settled_us : all[idx].time_us;
  };

  // In time order, so one decoder walks forward; each frame is decoded from the keyframe
  // before it, at full size, one at a time.
  search.cover_time_us.assign(search.picked.size(), 0);
  std::vector<size_t> by_time(search.picked.size());
  std::iota(by_time.begin(), by_time.end(), size_t{0});
  std::sort(by_time.begin(), by_time.end(), [&](size_t a, size_t b) {
    return cover_frame_us(search.picked[a]) < cover_frame_us(search.picked[b]);
  });
  std::unique_ptr<InputFile> in;  // opened when a frame must be decoded again
  BgrConverter to_bgr(v.rotation_deg, BgrConverter::Scaling::Quality, path.string());
  std::vector<CoverFile> files;
  for (size_t rank_index : by_time) {
    const size_t idx = search.picked[rank_index];
    const int64_t target_us = cover_frame_us(idx);
    cv::Mat picture_full;
    int64_t got_us = 0;
    bool done = false;
    if (const auto held = held_frames_.find(target_us); held != held_frames_.end()) {
      picture_full = held->second;
      got_us = target_us;
      done = true;
    } else {
      if (!in) {
        DecodeOptions d;
        d.audio = false;
        in = std::make_unique<InputFile>(path, d);
      }
      in->seek_to(target_us);
    }
    const AVRational tb = in ? in->video_time_base() : AVRational{1, 1};
    while (!done && in->read_some([&](StreamKind kind, AVFrame* f) {
      if (done || kind != StreamKind::Video || !f) return;
      const int64_t t = frame_time_us(f, tb);
      if (t < target_us) return;
      picture_full = to_bgr.convert(f).clone();
      got_us = t;
      done = true;
    })) {
    }
    if (picture_full.empty()) {
      throw ProcessingError(path.string() + ": cannot decode the frame at " +
                            format_time(target_us) +
                            " again for the cover; the file may be damaged");
    }
    search.cover_time_us[rank_index] = got_us;

    // Where the faces are (seen in the candidate, a moment before), for smart covers.
    cv::Rect2d focus;
    for (const Face& f : all[idx].score.face_boxes) {
      const cv::Rect2d r(static_cast<double>(f.box.x) / small_size.width,
                         static_cast<double>(f.box.y) / small_size.height,
                         static_cast<double>(f.box.width) / small_size.width,
                         static_cast<double>(f.box.height) / small_size.height);
      focus = focus.area() > 0 ? (focus | r) : r;
    }
    // Presets with the same cover size, format and reframing share one picture.
    std::map<std::string, std::vector<uint8_t>> encoded;
    for (const CoverSpec& spec : specs) {
      const int rank = static_cast<int>(rank_index) + 1;
      const fs::path out = path_for(rank, spec);
      const std::string key = std::to_string(spec.size.width_px) + "x" +
                              std::to_string(spec.size.height_px) + "." + spec.format + "." +
                              std::to_string(static_cast<int>(spec.reframe));
      if (const auto same = encoded.find(key); same != encoded.end()) {
        write_bytes(same->second, out);
        files.push_back({rank, got_us, spec.name, out, spec.size.width_px > 0 ? spec.size : display,
                         spec.format});
        continue;
      }
      cv::Mat picture;
      Size size = spec.size;
      if (size.width_px <= 0 || size.height_px <= 0) {
        size = display;
        if (picture_full.cols == display.width_px && picture_full.rows == display.height_px) {
          picture = picture_full;
        } else {
          cv::resize(picture_full, picture, cv::Size(display.width_px, display.height_px), 0, 0,
                     cv::INTER_AREA);
        }
      } else {
        picture = reframe_picture(picture_full, sar, size, spec.reframe,
                                  focus.area() > 0 ? &focus : nullptr);
      }
      write_bytes(encoded[key] = encode_image(picture, spec.format, out), out);
      files.push_back({rank, got_us, spec.name, out, size, spec.format});
    }
  }
  std::sort(files.begin(), files.end(), [](const CoverFile& a, const CoverFile& b) {
    return a.rank != b.rank ? a.rank < b.rank : a.spec < b.spec;
  });
  return files;
}

std::string scores_csv(const CoverSearch& s) {
  std::map<size_t, size_t> rank_of;  // candidate -> index in picked
  for (size_t r = 0; r < s.picked.size(); ++r) rank_of[s.picked[r]] = r;
  std::ostringstream out;
  out << "time_seconds,shot,sharpness,exposure,contrast,faces,face_count,transition,quality,total,"
         "chosen,cover_seconds,rejected\n";
  for (size_t i = 0; i < s.candidates.size(); ++i) {
    const CoverCandidate& c = s.candidates[i];
    out << seconds(c.time_us) << "," << c.shot << "," << fixed3(c.score.sharpness) << ","
        << fixed3(c.score.exposure) << "," << fixed3(c.score.contrast) << ","
        << (c.score.faces_checked ? fixed3(c.score.faces) : "") << ","
        << (c.score.faces_checked ? std::to_string(c.score.face_count) : "") << ","
        << fixed3(c.transition) << "," << fixed3(c.score.quality) << "," << fixed3(c.total) << ",";
    const auto r = rank_of.find(i);
    if (r != rank_of.end()) {
      out << r->second + 1 << ",";
      if (r->second < s.cover_time_us.size()) out << seconds(s.cover_time_us[r->second]);
    } else {
      out << ",";
    }
    out << "," << c.rejected << "\n";
  }
  return out.str();
}

nlohmann::json to_json(const CoverSearch& s) {
  nlohmann::json candidates = nlohmann::json::array();
  for (const CoverCandidate& c : s.candidates) {
    nlohmann::json j = {{"time_seconds", c.time_us / 1e6}, {"shot", c.shot},
                        {"sharpness", c.score.sharpness},  {"exposure", c.score.exposure},
                        {"contrast", c.score.contrast},    {"transition", c.transition},
                        {"quality", c.score.quality},      {"total", c.total},
                        {"rejected", c.rejected}};
    if (c.settled_us >= 0) {
      j["window"] = c.window.empty() ? "held" : c.window;
      j["settled_seconds"] = c.settled_us / 1e6;
    }
    if (c.score.faces_checked) {
      j["faces"] = c.score.faces;
      nlohmann::json boxes = nlohmann::json::array();
      for (const Face& f : c.score.face_boxes) {
        boxes.push_back({{"x", f.box.x},
                         {"y", f.box.y},
                         {"width", f.box.width},
                         {"height", f.box.height},
                         {"view", to_string(f.view)},
                         {"eyes", f.eyes},
                         {"confidence", f.confidence}});
      }
      j["face_boxes"] = boxes;
    }
    candidates.push_back(j);
  }
  nlohmann::json picked = nlohmann::json::array();
  for (size_t r = 0; r < s.picked.size(); ++r) {
    nlohmann::json p = {{"rank", r + 1},
                        {"candidate", s.picked[r]},
                        {"time_seconds", s.candidates[s.picked[r]].time_us / 1e6}};
    if (r < s.cover_time_us.size()) p["cover_seconds"] = s.cover_time_us[r] / 1e6;
    picked.push_back(p);
  }
  return {{"input", s.info.path.string()},
          {"candidates", candidates},
          {"picked", picked},
          {"fallback", s.fallback},
          {"dense_sampling", s.dense},
          {"frames_decoded", s.frames_decoded},
          {"warnings", s.warnings}};
}

CoverSpec cover_spec(const Preset& preset, ReframeMode mode, const std::string& format) {
  const CoverPreset& c = preset.cover;
  return {preset.name, {c.width_px, c.height_px}, format.empty() ? c.format : format, mode};
}

fs::path cover_path(const fs::path& output, const Preset& preset) {
  return fs::path(output).replace_extension(preset.cover.format);
}

}  // namespace reelpack
