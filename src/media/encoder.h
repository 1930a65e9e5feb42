// Video and audio encoders configured from plain settings (no preset knowledge here).
//
//   Encoder enc = Encoder::video(settings, "out.mp4");
//   enc.send(frame, [&](AVPacket* pkt) { mux.write(pkt); });
//   enc.send(nullptr, ...);   // flush at end of stream
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "media/av_ptr.h"
#include "media/input.h"

namespace reelpack {

struct VideoEncoderSettings {
  std::string codec = "libx264";  // libx264, libx265, libsvtav1
  int width_px = 0;
  int height_px = 0;
  AVRational frame_rate{30, 1};
  AVPixelFormat pix_fmt = AV_PIX_FMT_YUV420P;
  std::string profile = "high";
  std::string level = "auto";
  std::string preset = "medium";
  double crf = 23;
  int64_t maxrate_bps = 0;  // 0: uncapped
  int64_t bufsize_bits = 0;
  int gop_frames = 60;
  int bframes = 2;
  int threads = 0;  // 0: the encoder's own choice for this machine
  // Colour tags: BT.709 SDR, or a kept HDR source's (BT.2020 with PQ or HLG), with its
  // mastering display and light levels (written as HEVC SEI by libx265).
  AVColorPrimaries primaries = AVCOL_PRI_BT709;
  AVColorTransferCharacteristic transfer = AVCOL_TRC_BT709;
  AVColorSpace matrix = AVCOL_SPC_BT709;
  std::optional<MasteringDisplay> mastering;
  double max_cll_nits = 0, max_fall_nits = 0;
};

// An H.264 encode that continues a source stream (the frames a copy cut re-encodes): the
// source's size, pixel format, aspect, colour tags, profile and level; parameter sets under
// an id of their own; closed GOPs without B-frames, so its frames are never reordered.
struct MatchedH264Settings {
  int width_px = 0;
  int height_px = 0;
  AVPixelFormat pix_fmt = AV_PIX_FMT_YUV420P;
  AVRational sar{1, 1};
  AVRational time_base{1, 25};  // the source stream's: frames keep their timestamps
  AVRational frame_rate{25, 1};
  AVColorPrimaries color_primaries = AVCOL_PRI_UNSPECIFIED;
  AVColorTransferCharacteristic color_trc = AVCOL_TRC_UNSPECIFIED;
  AVColorSpace colorspace = AVCOL_SPC_UNSPECIFIED;
  AVColorRange color_range = AVCOL_RANGE_UNSPECIFIED;
  AVChromaLocation chroma_location = AVCHROMA_LOC_UNSPECIFIED;
  std::string profile = "high";  // x264's names: baseline, main, high, high10, high422, high444
  int level_idc = 0;             // 40 for level 4.0; 0: x264's choice
  int parameter_set_id = 1;      // of the SPS and the PPS (x264 gives both the same id)
  std::string preset = "faster";
  double crf = 16;
  int gop_frames = 250;
};

struct AudioEncoderSettings {
  std::string codec = "aac";
  int64_t bitrate_bps = 128'000;
  int sample_rate_hz = 48'000;
  int channels = 2;
};

class Encoder {
 public:
  using PacketSink = std::function<void(AVPacket*)>;

  // Both throw ProcessingError naming `file` when the encoder is missing or refuses the settings.
  static Encoder video(const VideoEncoderSettings& s, bool global_header, const std::string& file);
  static Encoder audio(const AudioEncoderSettings& s, bool global_header, const std::string& file);
  // libx264 with its parameter sets in extradata (Annex B), none in the packets.
  static Encoder h264_matching(const MatchedH264Settings& s, const std::string& file);

  Encoder(Encoder&&) noexcept = default;
  Encoder& operator=(Encoder&&) noexcept = default;

  // Sends a frame (nullptr flushes) and hands every packet that is ready to `sink`, in
  // the encoder's time base.
  void send(const AVFrame* frame, const PacketSink& sink);
  const AVCodecContext* context() const { return ctx_.get(); }
  AVRational time_base() const { return ctx_->time_base; }
  int frame_size() const { return ctx_->frame_size; }

 private:
  Encoder() = default;
  // An encoder of `codec` with its context allocated and nothing set yet.
  static Encoder with_context(const AVCodec* codec, const std::string& file);
  av::CodecContextPtr ctx_;
  av::PacketPtr packet_;
  std::string file_;
};

// A mov_text (MP4 timed text) encoder fed the ASS events libavcodec's SRT and WebVTT
// decoders give, one cue at a time.
//
//   SubtitleEncoder enc(mux.wants_global_header(), "out.mp4");
//   int s = mux.add_stream(enc.context(), "eng");
//   enc.encode("0,0,Default,,0,0,0,,Hello", 1000, 2500, pkt);   // 1.0 s to 3.5 s
//   mux.write(pkt, s, enc.time_base());
class SubtitleEncoder {
 public:
  // Throws ProcessingError naming `file` when this FFmpeg build has no mov_text encoder.
  SubtitleEncoder(bool global_header, const std::string& file);
  // One cue as a packet at `start_ms` lasting `duration_ms`, in time_base().
  void encode(const std::string& event, int64_t start_ms, int64_t duration_ms, AVPacket* out);
  const AVCodecContext* context() const { return ctx_.get(); }
  AVRational time_base() const { return {1, 1000}; }

 private:
  av::CodecContextPtr ctx_;
  std::string file_;
};

}  // namespace reelpack
