// Covers: the frames a viewer would click on, found without decoding every frame of a long
// input, and written at each preset's [cover] size, reframed as package reframes video.
//
//   CoverFinder finder({.count = 3});
//   CoverSearch s = finder.find("ep01.mp4");
//   std::vector<CoverFile> files = finder.render("ep01.mp4", s, {{"tiktok", {1080, 1920}, "jpg"}},
//       [](int rank, const CoverSpec& c) { return "out/ep01.tiktok." + std::to_string(rank) +
//       ".jpg"; });
//   std::string csv = scores_csv(s);
//
// Sampling (what it costs): the candidates are keyframes, read with only keyframe packets
// reaching the decoder (DecodeOptions::keyframes_only), at most about max_candidates of
// them (no two closer than the input's duration / max_candidates, nor min_spacing_us), each
// scaled to score_width_px (area averaging) and scored (analysis/frame_score.h). Every
// packet is read from disk but only those keyframes are decoded: for 1080p H.264 with a
// 2-second GOP, about one frame in sixty. x264 also puts a keyframe at each scene cut, so
// every shot has at least one candidate. Faces are looked for only in a shortlist (the best
// candidate of each shot first, max(3, 2 x count) in all).
// Too few keyframes (fewer than 3 x count, or, in a span of up to dense_max_span_us, fewer
// than one per dense_density_us: a long GOP, a short scene) switch to dense sampling: the
// span is decoded once more (no loop filter), every frame goes to ShotDetector at 256 px,
// so shots and transitions come from its cuts (analysis/shot_detector.h), and candidates
// are taken every dense_step_us at score_width_px. A longer span is never decoded frame by
// frame: only its reference frames are (most B-frames skipped), candidates on a coarser
// grid, and shots estimated as for keyframes.
// Otherwise shots and transitions are estimated from the candidates' colours and layouts
// (analysis/cover_picker.h), and the best `count` picked, one per shot first.
// A candidate becomes a cover only once the picture is seen to hold for a moment after it
// (CoverPickOptions::window_us, sampled five times a second: no cut, fade or dissolve,
// window_verdict()); those that fail are replaced by the next best and checked in turn.
// The cover is the frame in the middle of that window, so a keyframe x264 put at a cut
// gives a frame a little into its shot. In keyframe sampling this decodes about a
// second after each pick, and (up to 8 covers) keeps the middle frame at full size for
// render(); in dense sampling the windows come from the same pass, and render() decodes
// the covers' frames again (seek to the keyframe before, decode forward), one at a time.
// Memory stays a few full-size frames whatever the input's length.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "analysis/cover_picker.h"
#include "analysis/face_detector.h"
#include "analysis/frame_score.h"
#include "core/geometry.h"
#include "edit/ranges.h"
#include "media/input.h"
#include "presets/preset.h"

namespace reelpack {

struct CoverSearchOptions {
  int count = 1;             // covers wanted
  int score_width_px = 480;  // width of the frames scored and searched for faces
  int max_candidates = 12;
  int64_t min_spacing_us = 1'000'000;
  // Dense sampling (see above) when there are fewer keyframes than 3 x count, or, in a span
  // of up to dense_max_span_us, fewer than one per dense_density_us; its candidates are
  // dense_step_us apart.
  int64_t dense_density_us = 2'000'000;
  int64_t dense_max_span_us = 20'000'000;
  int64_t dense_step_us = 500'000;
  bool faces = true;
  // Also look for faces in profile (the profile cascade, facing either way) where no
  // frontal or three-quarter face is found. Off: a profile makes a weak cover (it weighs
  // 0.6 of a frontal face), and on a faceless frame the profile passes cost more than
  // everything else the search does.
  bool profile_faces = false;
  FaceDetectorOptions face_options;
  FrameScoreOptions score;
  // The covers that will be made: when given, find() sets score.cover_region to what the
  // narrowest of them keeps of the picture (cover_region()), so faces it would crop off
  // count less.
  std::vector<Size> cover_sizes;
  ReframeMode reframe = ReframeMode::Center;
  CoverPickOptions pick;
  std::vector<TimeRange> ranges;  // empty: the whole input; else only frames inside these
  bool allow_truncated = false;   // read a truncated input as far as it goes (DecodeOptions)
};

struct CoverSearch {
  MediaInfo info;
  std::vector<CoverCandidate> candidates;  // in time order
  std::vector<size_t> picked;              // indices into candidates, best first
  // For each picked candidate, the frame render() used (its settled_us once checked);
  // filled by render().
  std::vector<int64_t> cover_time_us;
  bool fallback = false;        // no candidate passed the floors; picked holds the best there was
  int64_t keyframes = 0;        // keyframes of the sampled span
  int wanted_candidates = 0;    // fewer keyframes than this: dense sampling
  bool dense = false;           // sampled from a decode of the span (too few keyframes)
  bool reference_only = false;  // dense, a long span: only its reference frames decoded
  // Shots from ShotDetector's cuts (dense sampling of a span up to dense_max_span_us),
  // on the source timeline; else estimated from the candidates (cover_picker.h).
  bool shots_detected = false;
  std::vector<CoverCut> cuts;
  cv::Rect2d cover_region{0, 0, 1, 1};  // the score option used (see cover_sizes)
  FrameScoreOptions score_options;      // the options scores were taken with
  int64_t frames_decoded = 0;
  std::vector<std::string> warnings;
};

// The part of a source of `source` display size a cover of `cover` size keeps when
// reframed with `mode`, as fractions (Center: the centre crop; Pad, Blur and Smart: all).
cv::Rect2d cover_region(Size source, Size cover, ReframeMode mode);

struct CoverSpec {
  std::string name;            // preset name; "" for the source's own size
  Size size;                   // 0x0: the source's display size, not reframed
  std::string format = "jpg";  // jpg, png, webp
  ReframeMode reframe = ReframeMode::Center;
};

struct CoverFile {
  int rank = 1;  // 1: the best cover
  int64_t time_us = 0;
  std::string spec;  // CoverSpec::name
  std::filesystem::path path;
  Size size;
  std::string format;
};

// The cover `preset` asks for ([cover] width, height and format; `format` instead when
// given), reframed with `mode`.
CoverSpec cover_spec(const Preset& preset, ReframeMode mode, const std::string& format = {});

using CoverPath = std::function<std::filesystem::path(int rank, const CoverSpec& spec)>;

// Finds and renders covers; keeps the face cascades loaded between the two steps (and
// between inputs).
class CoverFinder {
 public:
  // Throws UsageError for options out of range.
  explicit CoverFinder(CoverSearchOptions options = {});
  ~CoverFinder();
  CoverFinder(const CoverFinder&) = delete;
  CoverFinder& operator=(const CoverFinder&) = delete;

  // Samples, scores and picks. Throws UsageError (no video; no cascades when faces are
  // on) or ProcessingError (unreadable input).
  CoverSearch find(const std::filesystem::path& input);

  // Decodes each picked frame at full resolution (settling as described above) and writes
  // one file per spec, atomically. Fills search.cover_time_us.
  std::vector<CoverFile> render(const std::filesystem::path& input, CoverSearch& search,
                                const std::vector<CoverSpec>& specs, const CoverPath& path_for);

  const CoverSearchOptions& options() const { return options_; }

 private:
  FaceDetector& faces();
  CoverSearchOptions options_;
  std::unique_ptr<FaceDetector> faces_;     // loaded on first use
  std::map<int64_t, cv::Mat> held_frames_;  // find() to render(): checked frames, by time
};

// One line per candidate: time_seconds,shot,sharpness,exposure,contrast,faces,face_count,
// transition,quality,total,chosen (rank, empty when not chosen),cover_seconds,rejected.
std::string scores_csv(const CoverSearch& search);
nlohmann::json to_json(const CoverSearch& search);

// Where package --cover (package/package_covers.h) puts the cover of `output` made with `preset`.
std::filesystem::path cover_path(const std::filesystem::path& output, const Preset& preset);

}  // namespace reelpack
