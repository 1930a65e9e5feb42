#include "pipeline/stills.h"

extern "C" {
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cmath>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "media/av_error.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {

// The swscale matrix for a frame's YCbCr: its tag, else what players assume (BT.709 from
// 720 lines up, BT.601 below), as pipeline/filters.cpp's source_color_matrix().
int sws_colorspace(const AVFrame* f) {
  switch (f->colorspace) {
    case AVCOL_SPC_BT709:
      return SWS_CS_ITU709;
    case AVCOL_SPC_FCC:
      return SWS_CS_FCC;
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M:
      return SWS_CS_ITU601;
    case AVCOL_SPC_SMPTE240M:
      return SWS_CS_SMPTE240M;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL:
      return SWS_CS_BT2020;
    default:
      return f->height >= 720 ? SWS_CS_ITU709 : SWS_CS_ITU601;
  }
}

bool full_range(const AVFrame* f) {
  if (f->color_range == AVCOL_RANGE_JPEG) return true;
  switch (f->format) {
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUVJ422P:
    case AV_PIX_FMT_YUVJ444P:
    case AV_PIX_FMT_YUVJ440P:
    case AV_PIX_FMT_YUVJ411P:
      return true;
    default:
      return false;
  }
}

// Even offset of a `size` window centred on `centre`, inside [0, limit - size].
int even_offset_around(double centre, int size, int limit) {
  const int slack = std::max(0, limit - size);
  const int x = static_cast<int>(std::lround((centre - size / 2.0) / 2.0)) * 2;
  return std::clamp(x, 0, slack - slack % 2);
}

void resize_into(const cv::Mat& src, cv::Mat& dst, cv::Size size) {
  const bool shrinking = size.width < src.cols || size.height < src.rows;
  cv::resize(src, dst, size, 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
}

}  // namespace

cv::Size display_size_at_width(const VideoInfo& video, int width_px) {
  const double aspect = static_cast<double>(std::max(1, video.display_width_px())) /
                        std::max(1, video.display_height_px());
  return {width_px, even(width_px / aspect)};
}

void make_swscale_bgr(cv::Mat& picture, cv::Size size) {
  if (picture.size() == size && picture.type() == CV_8UC3 && picture.isSubmatrix()) {
    cv::Size whole;
    cv::Point offset;
    picture.locateROI(whole, offset);
    if (offset == cv::Point(0, 0) && whole.width == size.width && whole.height == size.height + 1) {
      return;
    }
  }
  cv::Mat buffer(size.height + 1, size.width, CV_8UC3);
  picture = buffer(cv::Rect(0, 0, size.width, size.height));
}

const cv::Mat& BgrConverter::convert(const AVFrame* f, cv::Size display) {
  const bool swap = rotation_deg_ == 90 || rotation_deg_ == 270;
  int out_w = f->width, out_h = f->height;
  if (!display.empty()) {
    out_w = swap ? display.height : display.width;
    out_h = swap ? display.width : display.height;
  }
  const int space = sws_colorspace(f);
  const int range = full_range(f) ? 1 : 0;
  if (!sws_ || f->width != sws_w_ || f->height != sws_h_ || f->format != sws_fmt_ ||
      out_w != sws_out_w_ || out_h != sws_out_h_ || space != sws_space_ || range != sws_range_) {
    // Area averaging for the large reductions of tiles and scoring frames (no aliasing,
    // which would read as detail); bicubic with full chroma for covers at full size.
    // Fast: several times cheaper than either, plenty for analysis frames.
    const bool reducing = out_w * 2 <= f->width;
    const int flags = scaling_ == Scaling::Fast ? SWS_FAST_BILINEAR
                      : reducing                ? SWS_AREA
                                 : SWS_BICUBIC | SWS_FULL_CHR_H_INT | SWS_ACCURATE_RND;
    sws_.reset(sws_getContext(f->width, f->height, static_cast<AVPixelFormat>(f->format), out_w,
                              out_h, AV_PIX_FMT_BGR24, flags, nullptr, nullptr, nullptr));
    if (!sws_) {
      const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format));
      throw ProcessingError((file_.empty() ? std::string() : file_ + ": ") + "cannot convert " +
                            (name ? name : "this pixel format") + " frames to pictures");
    }
    if (scaling_ == Scaling::Quality) {
      // Source matrix and range from the frame; the BGR side is full range.
      const int* coefficients = sws_getCoefficients(space);
      sws_setColorspaceDetails(sws_.get(), coefficients, range, coefficients, 1, 0, 1 << 16,
                               1 << 16);
    }
    sws_w_ = f->width;
    sws_h_ = f->height;
    sws_fmt_ = f->format;
    sws_out_w_ = out_w;
    sws_out_h_ = out_h;
    sws_space_ = space;
    sws_range_ = range;
  }
  make_swscale_bgr(scaled_, cv::Size(out_w, out_h));
  uint8_t* dst[4] = {scaled_.data, nullptr, nullptr, nullptr};
  int dst_stride[4] = {static_cast<int>(scaled_.step), 0, 0, 0};
  sws_scale(sws_.get(), f->data, f->linesize, 0, f->height, dst, dst_stride);
  switch (rotation_deg_) {
    case 90:
      cv::rotate(scaled_, turned_, cv::ROTATE_90_CLOCKWISE);
      return turned_;
    case 180:
      cv::rotate(scaled_, turned_, cv::ROTATE_180);
      return turned_;
    case 270:
      cv::rotate(scaled_, turned_, cv::ROTATE_90_COUNTERCLOCKWISE);
      return turned_;
    default:
      return scaled_;
  }
}

cv::Mat reframe_picture(const cv::Mat& picture, PixelAspect sar, Size output, ReframeMode mode,
                        const cv::Rect2d* focus) {
  if (picture.empty() || picture.type() != CV_8UC3) {
    throw std::invalid_argument("reframe_picture: expected an 8-bit BGR picture");
  }
  const ReframePlan plan = plan_reframe({picture.cols, picture.rows}, sar, output, mode);
  const cv::Size out(output.width_px, output.height_px);
  cv::Rect crop(plan.crop.x_px, plan.crop.y_px, plan.crop.width_px, plan.crop.height_px);
  cv::Mat result;
  switch (mode) {
    case ReframeMode::Smart:
      if (focus) {
        crop.x = even_offset_around((focus->x + focus->width / 2) * picture.cols, crop.width,
                                    picture.cols);
        crop.y = even_offset_around((focus->y + focus->height / 2) * picture.rows, crop.height,
                                    picture.rows);
      }
      [[fallthrough]];
    case ReframeMode::Center:
      resize_into(picture(crop), result, out);
      break;
    case ReframeMode::Pad:
    case ReframeMode::Blur: {
      const cv::Rect fit(plan.fit.x_px, plan.fit.y_px, plan.fit.width_px, plan.fit.height_px);
      if (mode == ReframeMode::Pad) {
        result = cv::Mat(out, CV_8UC3, cv::Scalar(0, 0, 0));
      } else {
        // As package's filter chain: the centre crop at quarter size, box-blurred twice
        // (boxblur=radius:2), scaled back up.
        const cv::Size quarter(even(out.width / 4.0), even(out.height / 4.0));
        const int radius = std::max(2, std::min(quarter.width, quarter.height) / 12);
        cv::Mat background;
        cv::resize(picture(crop), background, quarter, 0, 0, cv::INTER_AREA);
        for (int pass = 0; pass < 2; ++pass) {
          cv::blur(background, background, cv::Size(2 * radius + 1, 2 * radius + 1));
        }
        cv::resize(background, result, out, 0, 0, cv::INTER_LINEAR);
      }
      cv::Mat fitted;
      resize_into(picture, fitted, fit.size());
      fitted.copyTo(result(fit));
      break;
    }
  }
  return result;
}

namespace {

// The libav encoder behind each still format.
const char* encoder_name(const std::string& format) {
  if (format == "jpg") return "mjpeg";
  if (format == "png") return "png";
  if (format == "webp") return "libwebp";
  return nullptr;
}

// One picture through a libav image encoder: BGR to the encoder's pixel format with
// swscale, one frame in, one packet out.
std::vector<uint8_t> encode_picture(const cv::Mat& bgr, const std::string& format,
                                    const fs::path& path) {
  const AVCodec* codec = avcodec_find_encoder_by_name(encoder_name(format));
  AVPixelFormat pix_fmt = AV_PIX_FMT_RGB24;
  if (format == "jpg") pix_fmt = AV_PIX_FMT_YUVJ420P;  // JFIF: full range, BT.601
  if (format == "webp") pix_fmt = AV_PIX_FMT_YUV420P;
  av::CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw ProcessingError(path.string() + ": out of memory for the image encoder");
  ctx->width = bgr.cols;
  ctx->height = bgr.rows;
  ctx->pix_fmt = pix_fmt;
  ctx->time_base = {1, 25};
  ctx->thread_count = 1;
  if (format == "jpg") {
    // Quantiser 2 of 31: what `ffmpeg -q:v 2` writes, visually lossless for covers.
    ctx->flags |= AV_CODEC_FLAG_QSCALE;
    ctx->global_quality = FF_QP2LAMBDA * 2;
    ctx->color_range = AVCOL_RANGE_JPEG;
  } else if (format == "webp") {
    av_opt_set_double(ctx->priv_data, "quality", 90, 0);
  }
  av::check(avcodec_open2(ctx.get(), codec, nullptr), "open the image encoder", path.string());

  av::FramePtr frame = av::make_frame();
  frame->width = bgr.cols;
  frame->height = bgr.rows;
  frame->format = pix_fmt;
  if (format == "jpg") frame->color_range = AVCOL_RANGE_JPEG;
  av::check(av_frame_get_buffer(frame.get(), 0), "allocate the picture", path.string());
  av::SwsPtr sws(sws_getContext(bgr.cols, bgr.rows, AV_PIX_FMT_BGR24, bgr.cols, bgr.rows, pix_fmt,
                                SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, nullptr,
                                nullptr, nullptr));
  if (!sws) throw ProcessingError(path.string() + ": cannot convert the picture for " + format);
  const uint8_t* src[4] = {bgr.data, nullptr, nullptr, nullptr};
  const int src_stride[4] = {static_cast<int>(bgr.step), 0, 0, 0};
  sws_scale(sws.get(), src, src_stride, 0, bgr.rows, frame->data, frame->linesize);

  av::check(avcodec_send_frame(ctx.get(), frame.get()), "encode the picture", path.string());
  av::check(avcodec_send_frame(ctx.get(), nullptr), "encode the picture", path.string());
  std::vector<uint8_t> bytes;
  av::PacketPtr pkt = av::make_packet();
  while (true) {
    const int ret = avcodec_receive_packet(ctx.get(), pkt.get());
    if (ret == AVERROR_EOF) break;
    av::check(ret, "encode the picture", path.string());
    bytes.insert(bytes.end(), pkt->data, pkt->data + pkt->size);
    av_packet_unref(pkt.get());
  }
  if (bytes.empty())
    throw ProcessingError(path.string() + ": the " + format + " encoder wrote nothing");
  return bytes;
}

}  // namespace

bool image_format_supported(const std::string& format) {
  const char* name = encoder_name(format);
  return name && avcodec_find_encoder_by_name(name) != nullptr;
}

std::vector<uint8_t> encode_image(const cv::Mat& bgr, const std::string& format,
                                  const fs::path& path) {
  if (!image_format_supported(format)) {
    throw UsageError("image format '" + format + "': use jpg, png" +
                     (image_format_supported("webp")
                          ? " or webp"
                          : " (webp: this FFmpeg has no libwebp encoder)"));
  }
  if (bgr.empty() || bgr.type() != CV_8UC3) {
    throw std::invalid_argument("encode_image: expected an 8-bit BGR picture");
  }
  return encode_picture(bgr, format, path);
}

void write_bytes(const std::vector<uint8_t>& bytes, const fs::path& path) {
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      throw ProcessingError(
          path.string() +
          ": cannot write the picture; check the folder's permissions and free space");
    }
  }
  file.commit();
}

void write_image(const cv::Mat& bgr, const fs::path& path, const std::string& format) {
  write_bytes(encode_image(bgr, format, path), path);
}

}  // namespace reelpack
