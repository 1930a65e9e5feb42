#include "media/h264_match.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "core/error.h"

namespace reelpack {

namespace {

UsageError cannot_continue(const std::string& file, const std::string& why) {
  return UsageError(file + ": cut --copy --exact can only re-encode into progressive H.264 (" +
                    why +
                    "); use cut without --copy for a frame-accurate cut, or --copy alone to cut "
                    "on keyframes");
}

// x264's name for the profile, or empty when x264 cannot write it.
std::string x264_profile(int profile) {
  switch (profile) {
    case FF_PROFILE_H264_BASELINE:
    case FF_PROFILE_H264_CONSTRAINED_BASELINE:
      return "baseline";
    case FF_PROFILE_H264_MAIN:
      return "main";
    case FF_PROFILE_H264_HIGH:
      return "high";
    case FF_PROFILE_H264_HIGH_10:
      return "high10";
    case FF_PROFILE_H264_HIGH_422:
      return "high422";
    case FF_PROFILE_H264_HIGH_444_PREDICTIVE:
      return "high444";
    default:
      return "";
  }
}

bool x264_takes(AVPixelFormat f) {
  switch (f) {
    case AV_PIX_FMT_YUV420P:
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUV422P:
    case AV_PIX_FMT_YUVJ422P:
    case AV_PIX_FMT_YUV444P:
    case AV_PIX_FMT_YUVJ444P:
    case AV_PIX_FMT_YUV420P10LE:
    case AV_PIX_FMT_YUV422P10LE:
    case AV_PIX_FMT_YUV444P10LE:
      return true;
    default:
      return false;
  }
}

}  // namespace

MatchedH264Settings match_h264_stream(const AVStream* st, AVRational frame_rate,
                                      const std::string& file) {
  const AVCodecParameters* par = st->codecpar;
  if (par->codec_id != AV_CODEC_ID_H264) {
    throw cannot_continue(file, std::string("this video is ") + avcodec_get_name(par->codec_id));
  }
  if (par->field_order != AV_FIELD_PROGRESSIVE && par->field_order != AV_FIELD_UNKNOWN) {
    throw cannot_continue(file, "this H.264 is interlaced");
  }
  MatchedH264Settings s;
  s.profile = x264_profile(par->profile);
  if (s.profile.empty()) {
    const char* name = avcodec_profile_name(par->codec_id, par->profile);
    throw cannot_continue(file, std::string("its profile is ") + (name ? name : "unknown"));
  }
  const auto pix_fmt = static_cast<AVPixelFormat>(par->format);
  if (!x264_takes(pix_fmt)) {
    const char* name = av_get_pix_fmt_name(pix_fmt);
    throw cannot_continue(file, std::string("its pixel format is ") + (name ? name : "unknown"));
  }
  s.width_px = par->width;
  s.height_px = par->height;
  s.pix_fmt = pix_fmt;
  s.sar = par->sample_aspect_ratio.num > 0 ? par->sample_aspect_ratio : AVRational{1, 1};
  s.time_base = st->time_base;
  s.frame_rate = frame_rate;
  s.color_primaries = par->color_primaries;
  s.color_trc = par->color_trc;
  s.colorspace = par->color_space;
  s.color_range = par->color_range;
  s.chroma_location = par->chroma_location;
  s.level_idc = par->level > 0 ? par->level : 0;
  return s;
}

}  // namespace reelpack
