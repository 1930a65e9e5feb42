#include "media/av_error.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
}

#include <cerrno>

#include "core/error.h"
#include "media/av_ptr.h"

namespace reelpack::av {

std::string error_text(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

int check(int code, const char* operation, const std::string& file) {
  if (code < 0) {
    // A full disk or a file-size limit says what to do, not just what happened.
    const bool full = no_space_error(AVUNERROR(code));
    throw ProcessingError(file + ": cannot " + operation + " (" +
                          (full ? write_error_text(AVUNERROR(code)) : error_text(code)) + ")");
  }
  return code;
}

bool damaged_data(int code) {
  return code < 0 && code != AVERROR(EAGAIN) && code != AVERROR_EOF && code != AVERROR(ENOMEM);
}

std::string no_decoder_text(const std::string& file, int codec_id) {
  const auto id = static_cast<AVCodecID>(codec_id);
  if (id == AV_CODEC_ID_NONE) {
    return file +
           ": a stream's codec is not recognised (its header is damaged); check that "
           "the file is complete and not damaged";
  }
  return file + ": no decoder for " + avcodec_get_name(id) +
         " in this FFmpeg build; transcode it to a common codec first";
}

FramePtr make_frame() {
  FramePtr f(av_frame_alloc());
  if (!f) throw std::bad_alloc();
  return f;
}

PacketPtr make_packet() {
  PacketPtr p(av_packet_alloc());
  if (!p) throw std::bad_alloc();
  return p;
}

}  // namespace reelpack::av
