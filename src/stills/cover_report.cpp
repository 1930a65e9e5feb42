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

}  // namespace

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

}  // namespace reelpack
