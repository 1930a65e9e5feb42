// An MP4/MOV muxer over encoders' packets, with the moov atom moved before mdat
// (faststart) when the file is finished.
//
//   Muxer mux(temp_path, "mp4", display_name);
//   int v = mux.add_stream(video_encoder);
//   mux.start({{"title", "Episode 1"}});
//   mux.write(packet, v, video_encoder.time_base());
//   mux.finish();
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "media/av_ptr.h"
#include "media/encoder.h"

namespace reelpack {

class Muxer {
 public:
  // `display_name` is the name used in error messages (the final output path).
  Muxer(const std::filesystem::path& path, const std::string& format,
        const std::string& display_name);
  ~Muxer();
  Muxer(const Muxer&) = delete;
  Muxer& operator=(const Muxer&) = delete;

  // Whether encoders must put codec headers in extradata (true for MP4).
  bool wants_global_header() const;
  int add_stream(const Encoder& encoder);
  // A stream from any opened encoder, e.g. a SubtitleEncoder's; `language` (ISO 639-2)
  // tags it when not empty.
  int add_stream(const AVCodecContext* encoder, const std::string& language = {});
  // A stream copied as is from an input (no re-encoding). A codec this container cannot
  // hold (FFV1 in MP4) is a ProcessingError naming `input_name` and the output.
  int add_stream(const AVStream* input_stream, const std::string& input_name);
  // Replaces a stream's codec extradata (before start()): a copied H.264 stream whose
  // avcC gains the parameter sets of frames re-encoded into it.
  void set_extradata(int stream, const std::vector<uint8_t>& extradata);
  void start(const std::map<std::string, std::string>& metadata = {});
  // Rescales from the encoder time base to the stream's and writes, interleaved.
  void write(AVPacket* packet, int stream, AVRational encoder_time_base);
  void finish();

 private:
  av::OutputFormatPtr ctx_;
  std::string name_;
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace reelpack
