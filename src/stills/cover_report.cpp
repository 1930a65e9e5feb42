// The search's reports: scores_csv() and to_json() of covers.h.
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "stills/covers.h"

namespace reelpack {

namespace {

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

// Why a candidate may not be a cover, in words with the figures behind it.
std::string rejection_words(const CoverCandidate& c, const CoverSearch& s) {
  if (c.rejected.empty()) return "";
  if (c.rejected == "transition" && c.window != "transition") {
    if (s.shots_detected)
      return "inside or next to a cut, fade or dissolve the shot detector found";
    return "unlike both neighbouring candidates: the middle of a fade or dissolve, or a shot too "
           "short to hold";
  }
  if (c.rejected == "cut") return "a cut follows within the check window (the picture changes)";
  if (c.rejected == "fade") return "the light fades within the check window";
  if (c.rejected == "transition") {
    return "the picture dissolves into another within the check window";
  }
  const std::string detail = rejection_detail(c.score, s.score_options);
  return detail.empty() ? c.rejected : detail;
}

nlohmann::json exposure_figures(const FrameScore& f) {
  return {{"basis", to_string(f.exposure_basis)},
          {"key_luma", f.key_luma()},
          {"face_luma", f.face_luma >= 0 ? nlohmann::json(f.face_luma) : nlohmann::json(nullptr)},
          {"centre_luma", f.centre_luma},
          {"frame_luma", f.luma_mean},
          {"highlight_luma", f.highlight_luma},
          {"shadow_luma", f.shadow_luma}};
}

// The shot of a candidate as the report gives it: its index, and its span when the shot
// detector found it.
nlohmann::json shot_of(const CoverCandidate& c, const CoverSearch& s) {
  nlohmann::json j = {{"index", c.shot}};
  if (s.shots_detected) {
    const size_t k = static_cast<size_t>(c.shot);
    j["start_seconds"] = k == 0 ? 0.0 : s.cuts[k - 1].time_us / 1e6;
    if (k < s.cuts.size()) {
      j["end_seconds"] = s.cuts[k].time_us / 1e6;
    } else if (s.info.duration_us > 0) {
      j["end_seconds"] = s.info.duration_us / 1e6;
    }
  }
  return j;
}

}  // namespace

std::string scores_csv(const CoverSearch& s) {
  std::map<size_t, size_t> rank_of;  // candidate -> index in picked
  for (size_t r = 0; r < s.picked.size(); ++r) rank_of[s.picked[r]] = r;
  std::ostringstream out;
  out << "time_seconds,shot,sharpness,exposure,contrast,faces,face_count,transition,quality,total,"
         "chosen,cover_seconds,rejected,exposure_basis,key_luma,frame_luma\n";
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
    out << "," << c.rejected << "," << to_string(c.score.exposure_basis) << ","
        << fixed3(c.score.key_luma()) << "," << fixed3(c.score.luma_mean) << "\n";
  }
  return out.str();
}

nlohmann::json to_json(const CoverSearch& s) {
  nlohmann::json candidates = nlohmann::json::array();
  for (const CoverCandidate& c : s.candidates) {
    nlohmann::json j = {
        {"time_seconds", c.time_us / 1e6}, {"shot", c.shot},
        {"sharpness", c.score.sharpness},  {"exposure", c.score.exposure},
        {"contrast", c.score.contrast},    {"transition", c.transition},
        {"quality", c.score.quality},      {"total", c.total},
        {"rejected", c.rejected},          {"exposure_figures", exposure_figures(c.score)}};
    if (!c.rejected.empty()) j["rejected_because"] = rejection_words(c, s);
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
    const CoverCandidate& c = s.candidates[s.picked[r]];
    nlohmann::json p = {{"rank", r + 1},
                        {"candidate", s.picked[r]},
                        {"time_seconds", c.time_us / 1e6},
                        {"shot", c.shot},
                        {"shot_span", shot_of(c, s)}};
    if (r < s.cover_time_us.size()) p["cover_seconds"] = s.cover_time_us[r] / 1e6;
    picked.push_back(p);
  }
  nlohmann::json cuts = nlohmann::json::array();
  for (const CoverCut& k : s.cuts) {
    cuts.push_back({{"seconds", k.time_us / 1e6},
                    {"span_start_seconds", k.span_start_us / 1e6},
                    {"span_end_seconds", k.span_end_us / 1e6}});
  }
  const nlohmann::json shots = {
      {"source", s.shots_detected ? "shot detector" : "estimated from the candidates"},
      {"cuts", cuts}};
  return {{"input", s.info.path.string()},
          {"candidates", candidates},
          {"picked", picked},
          {"fallback", s.fallback},
          {"dense_sampling", s.dense},
          {"sampling", !s.dense           ? "keyframes"
                       : s.reference_only ? "dense, reference frames only"
                                          : "dense, every frame"},
          {"keyframes", s.keyframes},
          {"wanted_candidates", s.wanted_candidates},
          {"shots", shots},
          {"frames_decoded", s.frames_decoded},
          {"warnings", s.warnings}};
}

}  // namespace reelpack
