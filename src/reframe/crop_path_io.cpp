#include "reframe/crop_path_io.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <istream>
#include <map>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "core/atomic_file.h"
#include "core/error.h"

namespace reelpack {

namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;

// a * b / c rounded to nearest (halves away from zero), without overflow for timestamps.
int64_t rescale(int64_t a, int64_t b, int64_t c) {
  __extension__ using Wide = __int128;
  const Wide n = static_cast<Wide>(a) * b;
  const Wide half = c / 2;
  return static_cast<int64_t>(n >= 0 ? (n + half) / c : (n - half) / c);
}

// Seconds with exactly 6 decimals, from integer microseconds (no rounding through double).
std::string seconds_text(int64_t us) {
  const bool negative = us < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(us) : static_cast<uint64_t>(us);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%llu.%06llu", negative ? "-" : "",
                static_cast<unsigned long long>(magnitude / kMicrosPerSecond),
                static_cast<unsigned long long>(magnitude % kMicrosPerSecond));
  return buf;
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    fields.push_back(trimmed(std::string_view(line).substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return fields;
}

std::optional<int64_t> parse_whole(const std::string& s) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_number(const std::string& s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

struct Keyframe {
  double x = 0;
  double y = 0;
  bool fill = false;  // the whole picture (blur fill), not a window
  int line = 0;
};

// Reads one row into `keys`; throws UsageError naming the line.
class RowReader {
 public:
  RowReader(const std::string& name, const CropGeometry& geometry, const FrameTimes& times)
      : name_(name), geometry_(geometry), times_(times) {}

  void read(const std::string& line, int line_number, std::map<int64_t, Keyframe>& keys) const {
    line_ = line_number;
    const std::vector<std::string> f = split_fields(line);
    if (f.size() != 6) {
      fail("expected 6 fields (" + std::string(kCropPathHeader) + "), found " +
           std::to_string(f.size()));
    }
    const int64_t frame = frame_of(f[0], f[1]);
    const double x = coordinate("x", f[2]);
    const double y = coordinate("y", f[3]);
    const bool fill = is_whole_picture(f[4], f[5]);
    if (fill && (x != 0 || y != 0)) {
      fail("a blur-fill row (width and height the whole picture's, " +
           std::to_string(geometry_.source.width_px) + "x" +
           std::to_string(geometry_.source.height_px) + ") needs x and y 0");
    }
    if (!fill) {
      check_size("width", f[4], geometry_.window.width_px);
      check_size("height", f[5], geometry_.window.height_px);
    }
    const auto [it, inserted] = keys.emplace(frame, Keyframe{x, y, fill, line_number});
    if (!inserted) {
      fail("frame " + std::to_string(frame) + " is already keyed on line " +
           std::to_string(it->second.line));
    }
  }

 private:
  [[noreturn]] void fail(const std::string& reason) const {
    throw UsageError(name_ + ":" + std::to_string(line_) + ": " + reason);
  }

  int64_t frame_of(const std::string& frame_text, const std::string& pts_text) const {
    const int64_t count = times_.frame_count();
    if (!frame_text.empty()) {
      const auto frame = parse_whole(frame_text);
      if (!frame || *frame < 0)
        fail("frame '" + excerpt(frame_text) + "' is not a whole number >= 0");
      if (*frame >= count) {
        fail("frame " + excerpt(frame_text) + " is past the clip's last frame " +
             std::to_string(count - 1));
      }
      return *frame;
    }
    if (pts_text.empty()) fail("needs a frame or a pts_seconds");
    const auto seconds = parse_number(pts_text);
    if (!seconds) fail("pts_seconds '" + excerpt(pts_text) + "' is not a number");
    if (std::abs(*seconds) > 1e9) fail("pts_seconds " + excerpt(pts_text) + " is outside the clip");
    const auto frame = times_.nearest_frame(std::llround(*seconds * kMicrosPerSecond));
    if (!frame) {
      fail("pts_seconds " + excerpt(pts_text) + " is outside the clip (" +
           (count
                ? seconds_text(times_.time_us(0)) + " to " + seconds_text(times_.time_us(count - 1))
                : std::string("no frames")) +
           ")");
    }
    return *frame;
  }

  // The row shows the whole picture (a blur-fill frame), when that differs from a window.
  bool is_whole_picture(const std::string& width, const std::string& height) const {
    const Size& s = geometry_.source;
    if (geometry_.window == s) return false;
    const auto w = parse_whole(width), h = parse_whole(height);
    return w && h && *w == s.width_px && *h == s.height_px;
  }

  double coordinate(const char* field, const std::string& text) const {
    if (text.empty()) fail(std::string(field) + " is missing");
    const auto v = parse_number(text);
    if (!v) fail(std::string(field) + " '" + excerpt(text) + "' is not a number");
    return *v;
  }

  void check_size(const char* field, const std::string& text, int window) const {
    if (text.empty()) return;
    const auto v = parse_whole(text);
    if (!v) fail(std::string(field) + " '" + excerpt(text) + "' is not a whole number");
    if (*v != window) {
      fail(std::string(field) + " " + excerpt(text) + " differs from the crop window's " +
           std::to_string(window) + " (the output aspect fixes it; leave it empty or write " +
           std::to_string(window) + "; or 0,0," + std::to_string(geometry_.source.width_px) + "," +
           std::to_string(geometry_.source.height_px) + " for blur fill)");
    }
  }

  const std::string& name_;
  const CropGeometry& geometry_;
  const FrameTimes& times_;
  mutable int line_ = 0;
};

// Clamped before rounding: a coordinate of 6e20 in an edited file must not overflow.
int clamp_even(double v, int max_even) {
  const double c = std::isnan(v) ? 0.0 : std::clamp(v, 0.0, static_cast<double>(max_even));
  return std::clamp(2 * static_cast<int>(std::lround(c / 2.0)), 0, max_even);
}

}  // namespace

// --- FrameTimes ---------------------------------------------------------------------------

FrameTimes FrameTimes::constant_rate(Rational frame_rate, int64_t frame_count, int64_t start_us) {
  if (frame_rate.num <= 0 || frame_rate.den <= 0) {
    throw std::invalid_argument("FrameTimes: frame rate " + frame_rate.to_string() +
                                " must be positive");
  }
  if (frame_count < 0) throw std::invalid_argument("FrameTimes: negative frame count");
  FrameTimes t;
  t.frame_count_ = frame_count;
  t.frame_rate_ = frame_rate;
  t.start_us_ = start_us;
  return t;
}

FrameTimes FrameTimes::from_pts(const std::vector<int64_t>& pts, Rational time_base) {
  if (time_base.num <= 0 || time_base.den <= 0) {
    throw std::invalid_argument("FrameTimes: time base " + time_base.to_string() +
                                " must be positive");
  }
  FrameTimes t;
  t.frame_count_ = static_cast<int64_t>(pts.size());
  t.times_us_.reserve(pts.size());
  for (int64_t p : pts) {
    const int64_t us = rescale(p, int64_t{time_base.num} * kMicrosPerSecond, time_base.den);
    if (!t.times_us_.empty() && us <= t.times_us_.back()) {
      throw std::invalid_argument("FrameTimes: timestamps must increase (frame " +
                                  std::to_string(t.times_us_.size()) + ")");
    }
    t.times_us_.push_back(us);
  }
  return t;
}

int64_t FrameTimes::time_us(int64_t frame) const {
  if (frame < 0 || frame >= frame_count_) {
    throw std::out_of_range("FrameTimes: frame " + std::to_string(frame) + " outside 0.." +
                            std::to_string(frame_count_ - 1));
  }
  if (!times_us_.empty()) return times_us_[static_cast<size_t>(frame)];
  return start_us_ + rescale(frame, int64_t{frame_rate_.den} * kMicrosPerSecond, frame_rate_.num);
}

std::optional<int64_t> FrameTimes::nearest_frame(int64_t time_us) const {
  if (frame_count_ == 0) return std::nullopt;
  if (times_us_.empty()) {
    const double index = static_cast<double>(time_us - start_us_) * frame_rate_.num /
                         (static_cast<double>(frame_rate_.den) * kMicrosPerSecond);
    if (index < -0.5 || index > static_cast<double>(frame_count_) - 0.5) return std::nullopt;
    return std::clamp<int64_t>(std::llround(index), 0, frame_count_ - 1);
  }
  const auto& t = times_us_;
  const size_t n = t.size();
  if (n == 1) return 0;
  if (2 * (t[0] - time_us) > t[1] - t[0]) return std::nullopt;
  if (2 * (time_us - t[n - 1]) > t[n - 1] - t[n - 2]) return std::nullopt;
  const auto after = std::lower_bound(t.begin(), t.end(), time_us);
  if (after == t.begin()) return 0;
  if (after == t.end()) return static_cast<int64_t>(n - 1);
  const auto before = after - 1;
  return static_cast<int64_t>((time_us - *before <= *after - time_us ? before : after) - t.begin());
}

bool is_fill_window(const Rect& w, const CropGeometry& g) {
  return g.window != g.source && w.width_px == g.source.width_px &&
         w.height_px == g.source.height_px;
}

// --- writing ------------------------------------------------------------------------------

void write_crop_path(std::ostream& out, const std::vector<Rect>& windows, const FrameTimes& times) {
  if (static_cast<int64_t>(windows.size()) != times.frame_count()) {
    throw std::invalid_argument("write_crop_path: " + std::to_string(windows.size()) +
                                " windows for " + std::to_string(times.frame_count()) + " frames");
  }
  out << kCropPathHeader << '\n';
  for (size_t i = 0; i < windows.size(); ++i) {
    const Rect& w = windows[i];
    out << i << ',' << seconds_text(times.time_us(static_cast<int64_t>(i))) << ',' << w.x_px << ','
        << w.y_px << ',' << w.width_px << ',' << w.height_px << '\n';
  }
}

void write_crop_path(const std::filesystem::path& file, const std::vector<Rect>& windows,
                     const FrameTimes& times) {
  std::ostringstream out;
  write_crop_path(out, windows, times);
  write_file_atomically(file, out.str());
}

// --- reading ------------------------------------------------------------------------------

namespace {

// The keyframe rows after the header, by frame.
std::map<int64_t, Keyframe> read_keyframes(std::istream& in, const std::string& name,
                                           const CropGeometry& geometry, const FrameTimes& times) {
  const RowReader reader(name, geometry, times);
  std::map<int64_t, Keyframe> keys;
  bool header_seen = false;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a UTF-8 BOM
    const bool utf16 =
        number == 1 && (line.starts_with("\xFF\xFE") || line.starts_with("\xFE\xFF"));
    if (utf16 || line.find('\0') != std::string::npos) {
      throw UsageError(name + ":" + std::to_string(number) +
                       ": not UTF-8 text (a NUL byte: binary content, or UTF-16); a crop path " +
                       "is a CSV file as --crop-path-out writes it");
    }
    const std::string text = trimmed(line);
    if (text.empty() || text.front() == '#') continue;
    if (!header_seen) {
      std::string header;
      for (const std::string& field : split_fields(text)) {
        header += (header.empty() ? "" : ",") + field;
      }
      if (header != kCropPathHeader) {
        throw UsageError(name + ":" + std::to_string(number) + ": expected the header " +
                         kCropPathHeader);
      }
      header_seen = true;
      continue;
    }
    reader.read(text, number, keys);
  }
  if (in.bad()) throw UsageError(name + ": cannot read the crop path");
  if (!header_seen) throw UsageError(name + ": empty; expected the header " + kCropPathHeader);
  if (keys.empty()) throw UsageError(name + ": no keyframe rows after the header");
  return keys;
}

// One window per frame: keyframes held, or interpolated between two window keyframes.
std::vector<Rect> interpolate(const std::map<int64_t, Keyframe>& keys, const CropGeometry& geometry,
                              int64_t frame_count) {
  const Size& source = geometry.source;
  const Size& window = geometry.window;
  const int max_x = (source.width_px - window.width_px) & ~1;
  const int max_y = (source.height_px - window.height_px) & ~1;
  std::vector<Rect> windows(static_cast<size_t>(frame_count));
  auto next = keys.begin();  // first keyframe after the frame
  auto previous = keys.end();
  for (int64_t frame = 0; frame < frame_count; ++frame) {
    while (next != keys.end() && next->first <= frame) previous = next++;
    // A fill keyframe holds until the next keyframe; windows interpolate only between
    // two window keyframes.
    const Keyframe* held = nullptr;
    if (previous == keys.end()) {
      held = &next->second;
    } else if (next == keys.end() || previous->first == frame || previous->second.fill ||
               next->second.fill) {
      held = &previous->second;
    }
    if (held && held->fill) {
      windows[static_cast<size_t>(frame)] = {0, 0, source.width_px, source.height_px};
      continue;
    }
    double x = 0, y = 0;
    if (held) {
      x = held->x;
      y = held->y;
    } else {
      const double u = static_cast<double>(frame - previous->first) /
                       static_cast<double>(next->first - previous->first);
      x = previous->second.x + u * (next->second.x - previous->second.x);
      y = previous->second.y + u * (next->second.y - previous->second.y);
    }
    windows[static_cast<size_t>(frame)] = {clamp_even(x, max_x), clamp_even(y, max_y),
                                           window.width_px, window.height_px};
  }
  return windows;
}

}  // namespace

std::vector<Rect> read_crop_path(std::istream& in, const std::string& name,
                                 const CropGeometry& geometry, const FrameTimes& times) {
  const Size& source = geometry.source;
  const Size& window = geometry.window;
  if (window.width_px < 2 || window.height_px < 2 || window.width_px % 2 || window.height_px % 2 ||
      window.width_px > source.width_px || window.height_px > source.height_px) {
    throw UsageError(name + ": crop window " + std::to_string(window.width_px) + "x" +
                     std::to_string(window.height_px) + " must be even and fit the source " +
                     std::to_string(source.width_px) + "x" + std::to_string(source.height_px));
  }
  return interpolate(read_keyframes(in, name, geometry, times), geometry, times.frame_count());
}

std::vector<Rect> read_crop_path(const std::filesystem::path& file, const CropGeometry& geometry,
                                 const FrameTimes& times) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw UsageError(file.string() + ": cannot read the crop path (" + std::strerror(errno) + ")");
  }
  return read_crop_path(in, file.string(), geometry, times);
}

}  // namespace reelpack
