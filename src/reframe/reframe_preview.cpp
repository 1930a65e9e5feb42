#include "reframe/reframe_preview.h"

extern "C" {
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <opencv2/imgproc.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "media/av_error.h"
#include "media/bgr_converter.h"
#include "media/encoder.h"
#include "media/input.h"
#include "media/output.h"

namespace reelpack {

namespace {

const cv::Scalar kWindowColour(80, 220, 80);  // green
const cv::Scalar kFaceColour(0, 220, 255);    // yellow
const cv::Scalar kMotionColour(255, 200, 0);  // cyan
const cv::Scalar kBannerColour(30, 30, 30);

cv::Rect to_preview(const Rect& r, double sx, double sy) {
  return cv::Rect(static_cast<int>(std::lround(r.x_px * sx)),
                  static_cast<int>(std::lround(r.y_px * sy)),
                  static_cast<int>(std::lround(r.width_px * sx)),
                  static_cast<int>(std::lround(r.height_px * sy)));
}

// Darkens everything outside `keep`, so the output's picture stands out.
void dim_outside(cv::Mat& img, const cv::Rect& keep) {
  const cv::Rect frame(0, 0, img.cols, img.rows);
  const cv::Rect k = keep & frame;
  const cv::Rect parts[] = {{0, 0, img.cols, k.y},
                            {0, k.y + k.height, img.cols, img.rows - k.y - k.height},
                            {0, k.y, k.x, k.height},
                            {k.x + k.width, k.y, img.cols - k.x - k.width, k.height}};
  for (const cv::Rect& p : parts) {
    const cv::Rect r = p & frame;
    if (r.area() == 0) continue;
    cv::Mat part = img(r);
    part *= 0.45;
  }
}

// Text on a dark strip, wrapped to the width; returns the strip's bottom.
int banner(cv::Mat& img, int top, const std::vector<std::string>& lines, double scale) {
  const int font = cv::FONT_HERSHEY_SIMPLEX;
  const int line_h = static_cast<int>(std::lround(22 * scale / 0.55));
  const int height = line_h * static_cast<int>(lines.size()) + line_h / 2;
  cv::Mat strip = img(cv::Rect(0, top, img.cols, std::min(height, img.rows - top)));
  strip *= 0.25;
  strip += kBannerColour;
  int y = top + line_h;
  for (const std::string& line : lines) {
    cv::putText(img, line, {10, y - line_h / 4}, font, scale, cv::Scalar(255, 255, 255), 1,
                cv::LINE_AA);
    y += line_h;
  }
  return top + height;
}

std::vector<std::string> wrap(const std::string& text, size_t width) {
  std::vector<std::string> out;
  std::string line;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  if (!line.empty()) out.push_back(line);
  return out;
}

// Draws the analysis over each frame's picture: the window (the rest dimmed), the
// detections of the last moments and, on a shot's first frames, its banner.
class Painter {
 public:
  Painter(const SmartAnalysis& a, const SmartPath& path, const PreviewOptions& opt, cv::Size size)
      : a_(a),
        path_(path),
        size_(size),
        sx_(static_cast<double>(size.width) / a.source.width_px),
        sy_(static_cast<double>(size.height) / a.source.height_px),
        hold_(static_cast<int64_t>(std::ceil(opt.box_hold_seconds * a.frame_rate.to_double()))),
        banner_frames_(
            static_cast<int64_t>(std::ceil(opt.banner_seconds * a.frame_rate.to_double()))),
        text_scale_(0.5 * size.width / 960.0 + 0.05) {}

  // Frame i of the analysis, frames in order.
  void draw(cv::Mat& img, int64_t i) {
    const cv::Rect window = to_preview(path_.windows[i], sx_, sy_);
    dim_outside(img, window);
    cv::rectangle(img, window, kWindowColour, 2);
    draw_detections(img, i);
    draw_banner(img, i);
    char footer[96];
    std::snprintf(footer, sizeof footer, "frame %lld  %.3f s  window x=%d y=%d",
                  static_cast<long long>(i), a_.source_us[i] / 1e6, path_.windows[i].x_px,
                  path_.windows[i].y_px);
    cv::putText(img, footer, {10, size_.height - 10}, cv::FONT_HERSHEY_SIMPLEX, text_scale_,
                cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
  }

 private:
  // Detections sampled within the last `hold_` frames.
  void draw_detections(cv::Mat& img, int64_t i) {
    const std::vector<SubjectSample>& faces = a_.faces;
    while (face_ < faces.size() && faces[face_].frame + hold_ < i) ++face_;
    for (size_t k = face_; k < faces.size() && faces[k].frame <= i; ++k) {
      const SubjectSample& s = faces[k];
      const cv::Rect box = to_preview(s.box_px, sx_, sy_);
      cv::rectangle(img, box, kFaceColour, 2);
      char label[48];
      std::snprintf(label, sizeof label, "%s %.2f", s.kind.c_str(), s.confidence);
      cv::putText(img, label, {box.x, std::max(12, box.y - 4)}, cv::FONT_HERSHEY_SIMPLEX,
                  text_scale_ * 0.8, kFaceColour, 1, cv::LINE_AA);
    }
    const std::vector<SubjectSample>& motion = a_.motion;
    while (motion_ < motion.size() && motion[motion_].frame + hold_ < i) ++motion_;
    for (size_t k = motion_; k < motion.size() && motion[k].frame <= i; ++k) {
      cv::rectangle(img, to_preview(motion[k].box_px, sx_, sy_), kMotionColour, 1);
    }
  }

  // The shot's banner, on its first frames.
  void draw_banner(cv::Mat& img, int64_t i) {
    const std::vector<ShotPlan>& shots = path_.shots;
    while (shot_ + 1 < shots.size() && shots[shot_ + 1].start_frame <= i) ++shot_;
    if (shot_ >= shots.size() || i - shots[shot_].start_frame >= banner_frames_) return;
    const ShotPlan& p = shots[shot_];
    std::vector<std::string> lines = {
        "shot " + std::to_string(shot_ + 1) + "/" + std::to_string(shots.size()) + ": " +
        (path_.from_file ? "crop path from file" : to_string(p.mode))};
    for (const std::string& l :
         wrap(p.reason, static_cast<size_t>(size_.width / (17 * text_scale_ / 0.5))))
      lines.push_back(l);
    banner(img, 0, lines, text_scale_);
  }

  const SmartAnalysis& a_;
  const SmartPath& path_;
  cv::Size size_;
  double sx_, sy_;
  int64_t hold_, banner_frames_;
  double text_scale_;
  size_t face_ = 0, motion_ = 0, shot_ = 0;  // the first detections and the shot not yet past
};

}  // namespace

int64_t render_reframe_preview(const SmartAnalysis& a, const SmartPath& path,
                               const std::vector<TimeRange>& ranges,
                               const std::filesystem::path& output, const PreviewOptions& opt) {
  if (opt.width_px < 64 || opt.width_px % 2) {
    throw UsageError("--preview: the width must be even and at least 64 px");
  }
  if (static_cast<int64_t>(path.windows.size()) != a.frame_count()) {
    throw std::invalid_argument("render_reframe_preview: the path is not the analysis's");
  }
  const std::string name = output.string();
  DecodeOptions decode{true, false, false};
  decode.allow_truncated = opt.allow_truncated;
  InputFile input(a.input, decode);
  const VideoInfo& v = *input.info().video;
  // Drawn in display orientation, as the analysis and the windows are.
  const int rotation = v.rotation_deg;
  const bool quarter = rotation == 90 || rotation == 270;
  const double sar = v.sar.num > 0 && v.sar.den > 0 ? av_q2d(v.sar) : 1.0;
  const double display_sar = quarter ? 1.0 / sar : sar;
  const int pw = opt.width_px;
  const int ph =
      even(pw * static_cast<double>(a.source.height_px) / (a.source.width_px * display_sar));
  const double fps = a.frame_rate.to_double();

  AtomicFile file(output);
  Muxer mux(file.temp_path(), "mp4", name);
  VideoEncoderSettings ve;
  ve.width_px = pw;
  ve.height_px = ph;
  ve.frame_rate = {a.frame_rate.num, a.frame_rate.den};
  ve.preset = opt.encoder_preset;
  ve.crf = opt.crf;
  ve.gop_frames = std::max(1, static_cast<int>(std::lround(2 * fps)));
  Encoder enc = Encoder::video(ve, mux.wants_global_header(), name);
  const int stream = mux.add_stream(enc);
  mux.start({{"comment", "reelpack smart reframe preview of " + a.input.filename().string()}});

  // Source frames turned and scaled as the analysis sees them; drawn on, then back to YUV.
  BgrConverter to_bgr(rotation, BgrConverter::Scaling::Fast, a.input.string());
  av::SwsPtr to_yuv(sws_getContext(pw, ph, AV_PIX_FMT_BGR24, pw, ph, AV_PIX_FMT_YUV420P,
                                   SWS_BILINEAR, nullptr, nullptr, nullptr));
  if (!to_yuv) throw ProcessingError(name + ": cannot set up colour conversion");
  cv::Mat img;  // read by swscale: with its spare row
  make_swscale_bgr(img, cv::Size(pw, ph));
  av::FramePtr yuv = av::make_frame();
  yuv->format = AV_PIX_FMT_YUV420P;
  yuv->width = pw;
  yuv->height = ph;
  av::check(av_frame_get_buffer(yuv.get(), 0), "allocate a preview frame", name);

  const auto write = [&](const AVFrame* f) {
    enc.send(f, [&](AVPacket* pkt) { mux.write(pkt, stream, enc.time_base()); });
  };
  Painter painter(a, path, opt, cv::Size(pw, ph));
  int64_t index = 0;
  const InputFile::FrameSink sink = [&](StreamKind kind, AVFrame* f) {
    if (kind != StreamKind::Video || !f) return;
    to_bgr.convert(f, {pw, ph}).copyTo(img);  // same size: into img's own buffer
    painter.draw(img, std::min(index, a.frame_count() - 1));
    av::check(av_frame_make_writable(yuv.get()), "prepare a preview frame", name);
    const uint8_t* src[4] = {img.data, nullptr, nullptr, nullptr};
    const int src_stride[4] = {static_cast<int>(img.step), 0, 0, 0};
    sws_scale(to_yuv.get(), src, src_stride, 0, ph, yuv->data, yuv->linesize);
    yuv->pts = index;  // one tick of 1/frame_rate per frame: the preview is constant-rate
    write(yuv.get());
    ++index;
  };
  if (ranges.empty()) {
    input.decode(sink);
  } else {
    RangeReader(input, ranges).run(sink);
  }
  write(nullptr);
  mux.finish();
  file.commit();
  return index;
}

}  // namespace reelpack
