#include "media/image_writer.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include "core/atomic_file.h"
#include "core/error.h"
#include "media/av_error.h"
#include "media/av_ptr.h"

namespace reelpack {
namespace fs = std::filesystem;

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
  write_file_atomically(path, bytes);
}

void write_image(const cv::Mat& bgr, const fs::path& path, const std::string& format) {
  write_bytes(encode_image(bgr, format, path), path);
}

}  // namespace reelpack
