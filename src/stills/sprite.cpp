#include "stills/sprite.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "edit/ranges.h"
#include "media/bgr_converter.h"
#include "media/image_writer.h"
#include "media/input.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {

void validate(const SpriteOptions& o) {
  if (o.interval_us < 100'000) throw UsageError("sprite: --interval must be at least 0.1 s");
  if (o.tile_width_px < 16 || o.tile_width_px > 1920) {
    throw UsageError("sprite: tile width must be 16..1920 px");
  }
  if (o.columns < 1 || o.columns > 100) throw UsageError("sprite: columns must be 1..100");
  if (o.max_rows < 1 || o.max_rows > 100) throw UsageError("sprite: rows must be 1..100");
  if (o.name.empty() || o.name.find('/') != std::string::npos) {
    throw UsageError("sprite: the name must be a plain file name");
  }
  if (!image_format_supported(o.format)) {
    throw UsageError("sprite: image format '" + o.format + "' is not available (jpg, png, webp)");
  }
}

std::string sheet_name(const SpriteOptions& o, size_t sheet) {
  return (sheet == 0 ? o.name : o.name + "-" + std::to_string(sheet + 1)) + "." + o.format;
}

// The largest presentation time of the video stream's packets, for inputs whose container
// does not say how long they are (raw streams, some MPEG-TS).
int64_t scan_duration_us(const fs::path& path, bool allow_truncated) {
  DecodeOptions d = DecodeOptions::none();
  d.allow_truncated = allow_truncated;
  InputFile in(path, d);
  const int index = in.info().video->index;
  const AVRational tb = in.format()->streams[index]->time_base;
  const int64_t start = in.info().start_us;
  av::PacketPtr pkt = av::make_packet();
  int64_t end_us = 0;
  while (in.read_packet(pkt.get())) {
    if (pkt->stream_index == index && pkt->pts != AV_NOPTS_VALUE) {
      end_us = std::max(end_us, av_rescale_q(pkt->pts + pkt->duration, tb, AV_TIME_BASE_Q) - start);
    }
    av_packet_unref(pkt.get());
  }
  return end_us;
}

}  // namespace

std::vector<SpriteCue> plan_sprite(int64_t duration_us, Size tile, const SpriteOptions& o) {
  validate(o);
  if (duration_us <= 0) throw UsageError("sprite: the input's duration is unknown or zero");
  const int64_t count = std::max<int64_t>(1, (duration_us + o.interval_us - 1) / o.interval_us);
  const int columns = static_cast<int>(std::min<int64_t>(o.columns, count));
  const int64_t per_sheet = static_cast<int64_t>(columns) * o.max_rows;
  std::vector<SpriteCue> cues;
  cues.reserve(static_cast<size_t>(count));
  for (int64_t k = 0; k < count; ++k) {
    const int64_t within = k % per_sheet;
    SpriteCue c;
    c.start_us = k * o.interval_us;
    c.end_us = std::min(duration_us, (k + 1) * o.interval_us);
    c.sheet = sheet_name(o, static_cast<size_t>(k / per_sheet));
    c.x_px = static_cast<int>(within % columns) * tile.width_px;
    c.y_px = static_cast<int>(within / columns) * tile.height_px;
    c.width_px = tile.width_px;
    c.height_px = tile.height_px;
    cues.push_back(c);
  }
  return cues;
}

std::string sprite_vtt(const std::vector<SpriteCue>& cues) {
  std::ostringstream out;
  out << "WEBVTT\n";
  for (const SpriteCue& c : cues) {
    out << "\n"
        << format_time(c.start_us) << " --> " << format_time(c.end_us) << "\n"
        << c.sheet << "#xywh=" << c.x_px << "," << c.y_px << "," << c.width_px << "," << c.height_px
        << "\n";
  }
  return out.str();
}

SpriteReport write_sprite(const fs::path& path, const fs::path& dir, const SpriteOptions& o) {
  validate(o);
  DecodeOptions d;
  d.audio = false;
  d.fast_video = true;  // tiles are 160 px: the loop filter's work would not show
  d.allow_truncated = o.allow_truncated;
  InputFile in(path, d);
  const MediaInfo& info = in.info();
  if (!info.video) throw UsageError(path.string() + ": has no video stream for a sprite");
  const VideoInfo& v = *info.video;

  SpriteReport report;
  report.duration_us =
      info.duration_us > 0 ? info.duration_us : scan_duration_us(path, o.allow_truncated);
  const cv::Size tile = display_size_at_width(v, even(o.tile_width_px));
  report.tile = {tile.width, tile.height};
  const std::vector<SpriteCue> cues = plan_sprite(report.duration_us, report.tile, o);
  report.tiles = static_cast<int>(cues.size());
  report.columns = std::min<int>(o.columns, report.tiles);

  // One sheet at a time: its size from the cues it holds.
  cv::Mat sheet;
  size_t sheet_first = 0;  // first cue of the sheet being filled
  const auto start_sheet = [&](size_t first) {
    sheet_first = first;
    int right = 0, bottom = 0;
    for (size_t k = first; k < cues.size() && cues[k].sheet == cues[first].sheet; ++k) {
      right = std::max(right, cues[k].x_px + cues[k].width_px);
      bottom = std::max(bottom, cues[k].y_px + cues[k].height_px);
    }
    sheet = cv::Mat(bottom, right, CV_8UC3, cv::Scalar(0, 0, 0));
  };
  size_t k = 0;
  const auto place = [&](const cv::Mat& picture) {
    if (k == sheet_first && sheet.empty()) start_sheet(k);
    const SpriteCue& c = cues[k];
    picture.copyTo(sheet(cv::Rect(c.x_px, c.y_px, c.width_px, c.height_px)));
    ++k;
    if (k == cues.size() || cues[k].sheet != c.sheet) {
      const fs::path file = dir / c.sheet;
      write_image(sheet, file, o.format);
      report.sheets.push_back(file);
      sheet.release();
      sheet_first = k;
    }
  };

  const AVRational tb = in.video_time_base();
  BgrConverter to_bgr(v.rotation_deg, BgrConverter::Scaling::Quality, path.string());
  cv::Mat last = cv::Mat(tile, CV_8UC3, cv::Scalar(0, 0, 0));
  int64_t position_us = 0;  // where the decoder is
  bool eof = false;
  const auto sink = [&](StreamKind kind, AVFrame* f) {
    if (kind != StreamKind::Video || !f || k >= cues.size()) return;
    ++report.frames_decoded;
    const int64_t t = av_rescale_q(f->pts, tb, AV_TIME_BASE_Q);
    position_us = t;
    if (t < cues[k].start_us) return;
    last = to_bgr.convert(f, tile).clone();
    // The first frame at or after each cue's start; a gap in the video (or a frame rate
    // below one per interval) shows the same frame on several tiles.
    while (k < cues.size() && t >= cues[k].start_us) place(last);
  };
  while (k < cues.size() && !eof) {
    const int64_t target = cues[k].start_us;
    if (target - position_us > o.seek_ahead_us) {
      in.seek_to(target);
      position_us = target;
    }
    const size_t before = k;
    while (k == before && !eof) eof = !in.read_some(sink);
  }
  while (k < cues.size()) place(last);  // the video ended before the container said

  report.track = dir / (o.name + ".vtt");
  write_file_atomically(report.track, sprite_vtt(cues));
  return report;
}

nlohmann::json to_json(const SpriteReport& r) {
  nlohmann::json sheets = nlohmann::json::array();
  for (const fs::path& p : r.sheets) sheets.push_back(p.string());
  return {{"sheets", sheets},
          {"track", r.track.string()},
          {"tile", {{"width", r.tile.width_px}, {"height", r.tile.height_px}}},
          {"tiles", r.tiles},
          {"columns", r.columns},
          {"duration_seconds", r.duration_us / 1e6},
          {"frames_decoded", r.frames_decoded}};
}

}  // namespace reelpack
