// Demuxing and decoding of one input file: the best video stream and the best audio
// stream, decoded with libav's own threads.
//
//   InputFile in("episode.mov");
//   const MediaInfo& info = in.info();
//   in.decode([](StreamKind kind, AVFrame* frame) { ... });   // frame == nullptr: that stream
//   ended
//
// Timestamps handed out are the decoder's best-effort timestamps in the stream's time
// base, shifted so the file starts at zero (MPEG-TS and camera files often start late).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/units.h"
#include "media/av_ptr.h"

namespace reelpack {

enum class StreamKind { Video, Audio };

// SMPTE ST 2086: the display an HDR programme was graded on (CIE 1931 xy chromaticities).
struct MasteringDisplay {
  double red_x = 0, red_y = 0, green_x = 0, green_y = 0, blue_x = 0, blue_y = 0;
  double white_x = 0, white_y = 0;
  double min_luminance_nits = 0, max_luminance_nits = 0;
};

struct VideoInfo {
  int index = -1;
  std::string codec;
  std::string profile;
  std::string pix_fmt;
  int width_px = 0;  // coded picture size, before rotation
  int height_px = 0;
  AVRational sar{1, 1};  // sample aspect ratio (1:1 when unknown)
  AVRational avg_frame_rate{0, 1};
  AVRational r_frame_rate{0, 1};
  AVRational time_base{1, 1};
  int rotation_deg = 0;              // clockwise rotation a player applies: 0, 90, 180, 270
  bool interlaced = false;           // field order says interlaced
  bool variable_frame_rate = false;  // average and nominal rates disagree
  int64_t frame_count = 0;           // from the container, 0 when unknown
  int64_t start_us = 0;              // first frame's time after the container's start (>= 0)
  int64_t bit_rate = 0;
  std::string color_space, color_primaries, color_transfer, color_range;
  // HDR metadata the container carries: mastering display, and content light levels
  // (MaxCLL, MaxFALL; 0 when absent).
  std::optional<MasteringDisplay> mastering;
  double max_cll_nits = 0, max_fall_nits = 0;
  // Display size after rotation and SAR, as a player shows it.
  int display_width_px() const;
  int display_height_px() const;
  // The rate the frames are meant to be shown at: the average rate when the container
  // knows it, else the stream's declared (r_frame_rate) one; {0, 1} when neither is known.
  // Every stage that counts frames asks this, so they all agree on frame numbers.
  Rational nominal_frame_rate() const;
};

struct AudioInfo {
  int index = -1;
  std::string codec;
  int sample_rate_hz = 0;
  int channels = 0;
  std::string channel_layout;
  // Each channel's name in order ("FL", "FR", "FC", "LFE", "BL", "BR"); for a layout that
  // names none (just "6 channels"), the default layout of that many channels.
  std::vector<std::string> channel_names;
  std::string language;        // the stream's language tag, "" when none
  bool default_track = false;  // flagged default
  int audio_number = 0;        // 0 for the first audio stream, 1 for the second...
  int audio_streams = 0;       // how many audio streams the file has
  AVRational time_base{1, 1};
  int64_t bit_rate = 0;
};

struct StreamSummary {
  int index = 0;
  std::string type;  // video, audio, subtitle, data, attachment
  std::string codec;
};

struct MediaInfo {
  std::filesystem::path path;
  std::string format_name;
  // How long the file is from its start: the end of its longest stream (video, audio) as
  // the streams declare it, else the container's duration; 0 when unknown. (An MP4 that
  // starts at 100000 s declares 100003 s in its header: this is 3 s.)
  int64_t duration_us = 0;
  int64_t start_us = 0;  // container start time
  int64_t bit_rate = 0;
  int64_t size_bytes = 0;
  std::optional<VideoInfo> video;
  std::optional<AudioInfo> audio;
  std::vector<StreamSummary> streams;
};

// Which decoders to open, and how.
struct DecodeOptions {
  bool video = true;
  bool audio = true;
  // For analysis only: skip the H.264/HEVC loop filter. About a quarter faster; the
  // blocking it leaves is invisible once frames are scaled down to a few hundred pixels.
  bool fast_video = false;
  // For sampling (covers, thumbnails): only keyframe packets reach the video decoder
  // (skip_frame = AVDISCARD_NONKEY besides), and a keyframe less than
  // keyframe_spacing_us after the last one sent is not decoded at all. After seek_to()
  // the first keyframe is always sent.
  bool keyframes_only = false;
  int64_t keyframe_spacing_us = 0;
  // For sampling a stretch of frames: frames no other frame refers to (most B-frames)
  // are not decoded (skip_frame = AVDISCARD_NONREF); every frame that is comes out whole.
  bool skip_nonref = false;
  // A file that ends before the end its container declares (a copy that did not finish)
  // is read as far as it goes instead of failing; truncation() then says what is missing.
  bool allow_truncated = false;
  // Which audio stream: "" (the first flagged default, else FFmpeg's best), "N" (the
  // Nth audio stream, from 0, as ffmpeg's -map 0:a:N) or a language tag ("eng"; the
  // first stream tagged so). No match is a UsageError listing the audio streams.
  std::string audio_stream = "";
  static DecodeOptions none() { return {false, false, false}; }
};

class InputFile {
 public:
  // Throws UsageError when the path does not exist, ProcessingError when it is empty or
  // not media FFmpeg can read.
  explicit InputFile(const std::filesystem::path& path, DecodeOptions options = {});
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const MediaInfo& info() const { return info_; }
  const std::filesystem::path& path() const { return path_; }
  // DecodeOptions::keyframe_spacing_us, once the duration is known (from info()).
  void set_keyframe_spacing_us(int64_t spacing_us) { options_.keyframe_spacing_us = spacing_us; }
  // With keyframes_only: the video keyframe packets read so far, decoded or skipped for
  // keyframe_spacing_us (how many keyframes the stream has where it was read).
  int64_t keyframe_packets() const { return keyframe_packets_; }
  bool decodes_video() const { return video_ != nullptr; }
  bool decodes_audio() const { return audio_ != nullptr; }

  using FrameSink = std::function<void(StreamKind, AVFrame*)>;
  // Reads the whole file, decodes, and calls sink for each frame; sink(kind, nullptr) once per
  // stream at the end. Throws ProcessingError on read errors, and when the file is truncated
  // (unless DecodeOptions::allow_truncated): its video decodes to less than it declares.
  void decode(const FrameSink& sink);

  // Piecewise reading, for cutting ranges: seek_to() lands on the video keyframe at or
  // before time_us (source timeline, zero-based), whatever the container (MPEG-TS without
  // an index, Matroska with negative timestamps: from the file's start when nothing else
  // works), and resets the decoders; read_some() reads one
  // packet and hands out what it decodes, returning false at end of file (after draining
  // the decoders, without the nullptr end calls).
  void seek_to(int64_t time_us);
  bool read_some(const FrameSink& sink);
  // Raw packets, for cutting without re-encoding; false at end of file. Timestamps are
  // the container's (not shifted to zero). At the end of the file, each stream must have
  // reached the end its container declares (its own duration, else the file's), within
  // two frames: else the file is truncated and this throws ProcessingError naming it and
  // what is missing (unless DecodeOptions::allow_truncated). Every reader gets the check.
  bool read_packet(AVPacket* packet);
  // With DecodeOptions::allow_truncated, once the end was reached: what is missing
  // ("truncated: the video ends at 00:00:18.400 of the 00:00:20.000 it declares"), or
  // empty when the file is whole.
  const std::string& truncation() const { return truncation_; }
  const AVFormatContext* format() const { return fmt_.get(); }

  // Whether a read has reached the end of the file since it was opened, and where the
  // decoded video ended (the end of its last frame, source timeline, zero-based): once
  // the end was reached, the real end of the video.
  bool reached_end() const { return reached_end_; }
  int64_t decoded_video_end_us() const;
  // Where the video's first keyframe is (source timeline, zero-based), once the file was
  // read from its start; before that, where the video starts. Frames before it (a
  // recording that began mid-GOP) never decode.
  int64_t first_keyframe_us() const;

  // The video decoder's time base for the frames decode() hands out.
  AVRational video_time_base() const;
  AVRational audio_time_base() const;

 private:
  struct Decoder;
  av::InputFormatPtr open_demuxer() const;
  void rewind();
  int64_t next_keyframe_us();
  void open_decoder(Decoder& d, int stream_index, bool fast);
  void peek_hdr_metadata(int stream_index, VideoInfo& vi) const;
  bool skip_video_packet(const AVPacket* pkt);  // keyframes_only filtering
  void drain(Decoder& d, StreamKind kind, const FrameSink& sink);
  // Throws ProcessingError naming the file and the damaged stream (bad_alloc for ENOMEM).
  [[noreturn]] void fail_decoding(StreamKind kind, int code) const;
  void flush_decoders(const FrameSink& sink);
  // Where each stream read ends against where it says it ends.
  struct StreamEnd {
    int index = -1;
    const char* kind = "video";
    int64_t declared_us = AV_NOPTS_VALUE;  // zero-based; NOPTS: the stream does not say
    int64_t read_us = AV_NOPTS_VALUE;      // end of the last packet read, zero-based
    int64_t tolerance_us = 0;              // two frames
  };
  void track_ends();
  void note_packet_end(const AVPacket* packet);
  // `what` is missing: throws, or keeps it in truncation_ when allowed.
  void truncated(const std::string& what);
  void check_ends();
  av::PacketPtr packet_ = av::make_packet();

  std::filesystem::path path_;
  std::string path_text_;
  av::InputFormatPtr fmt_;
  MediaInfo info_;
  std::unique_ptr<Decoder> video_;
  std::unique_ptr<Decoder> audio_;
  DecodeOptions options_;
  int64_t last_keyframe_sent_ = AV_NOPTS_VALUE;  // stream time base
  int64_t keyframe_packets_ = 0;
  bool reached_end_ = false;
  std::vector<StreamEnd> ends_;
  int64_t declared_us_ = AV_NOPTS_VALUE;  // the container's span, when it can be trusted
  bool ends_checked_ = false;
  std::string truncation_;
  bool reading_from_start_ = true;               // no seek since the start of the file
  int64_t first_keyframe_pts_ = AV_NOPTS_VALUE;  // video time base, not shifted
};

// Opens the file, reads its headers and returns what it holds (no decoding), with the
// audio stream `audio_stream` picks (DecodeOptions::audio_stream).
MediaInfo probe(const std::filesystem::path& path, const std::string& audio_stream = {});

}  // namespace reelpack
