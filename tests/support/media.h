// Test support for media tests: media generated with ffmpeg's lavfi sources, facts read
// back with ffprobe, and the reelpack binary run as a user runs it (temporary folders and
// files: support/files.h).
//
//   TempDir dir;
//   auto clip = make_clip(dir / "in.mp4",
//                         "-f lavfi -i testsrc2=s=1280x720:r=30:d=2 -f lavfi -i sine=d=2");
//   RunResult r = run_reelpack({"package", clip.string(), "-p", "tiktok", "-o", dir.str()});
//   nlohmann::json info = ffprobe(dir / "in.tiktok.mp4");
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/files.h"

namespace reelpack::test {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs a command through /bin/sh; stdout and stderr captured separately.
RunResult run(const std::string& command);
// Runs build/reelpack with the given arguments (each quoted for the shell).
RunResult run_reelpack(const std::vector<std::string>& args);
// The shell command run_reelpack() runs, for tests that drive the process themselves
// (in the background, with signals).
std::string reelpack_command(const std::vector<std::string>& args);
std::string shell_quote(const std::string& s);

// Runs `ffmpeg -y -v error <args> <out>`; REQUIREs success; returns out.
std::filesystem::path make_clip(const std::filesystem::path& out, const std::string& ffmpeg_args);

// ffprobe -show_format -show_streams as JSON.
nlohmann::json ffprobe(const std::filesystem::path& file);
// The first stream of `codec_type` ("video", "audio") in ffprobe() output; null when none.
nlohmann::json first_stream(const nlohmann::json& probe, const std::string& codec_type);
// A numeric field that ffprobe prints as a string ("duration": "2.000000"); NaN when absent.
double number_field(const nlohmann::json& stream, const std::string& key);
// Per-frame facts of the first video stream: pts_time and key_frame, in order.
struct FrameFact {
  double pts_s;
  bool key;
};
std::vector<FrameFact> video_frames(const std::filesystem::path& file);
// The MD5 of every decoded picture of the first video stream, in presentation order
// (ffmpeg's framemd5): equal lists mean bit-identical frames.
std::vector<std::string> frame_md5s(const std::filesystem::path& file);
// A copy of `file` at `out` whose video packets shown in [from_s, to_s) (on the file's own
// timeline) are overwritten with zeros: damage that no decoder gets a picture from, in a
// container that still opens and declares every packet.
std::filesystem::path damage_video(const std::filesystem::path& file, double from_s, double to_s,
                                   const std::filesystem::path& out);
// Byte offsets of the top-level "moov" and "mdat" atoms (-1 when absent).
std::pair<long, long> moov_mdat_offsets(const std::filesystem::path& file);
// PSNR (dB, average over frames) of `b` against `a` after scaling b to a's size.
// Frames are paired by timestamp: write references in a container that keeps the exact
// time base (.nut, .mp4), not Matroska's milliseconds.
double psnr(const std::filesystem::path& a, const std::filesystem::path& b);
// Luma statistics over every frame of the first video stream after `filters` (for example
// "crop=360:100:0:0"): the mean of the frames' averages and the largest value seen.
struct LumaStats {
  double mean = 0;
  double max = 0;
  int frames = 0;
};
LumaStats luma_stats(const std::filesystem::path& file, const std::string& filters);
// Peak level of the first audio stream in dBFS (volumedetect; about -91 for digital silence).
double max_volume_db(const std::filesystem::path& file);

// The container's start time (ffprobe format.start_time) in seconds; 0 when absent. A
// file's timeline, as reelpack and players count it, starts there.
double start_time_s(const std::filesystem::path& file);
// Frame `index` (0-based, presentation order) of the first video stream as a lossless
// one-frame clip with timestamp zero, so psnr() pairs any two such frames.
std::filesystem::path extract_frame(const std::filesystem::path& file, int index,
                                    const std::filesystem::path& out);
// Per-packet facts of the first video stream in decode order, with each packet's MD5, to
// show that packets were copied rather than re-encoded.
struct PacketFact {
  double pts_s;
  bool key;
  std::string md5;
};
std::vector<PacketFact> video_packets(const std::filesystem::path& file);
// The first audio stream decoded by the ffmpeg command line to mono 16-bit PCM at
// `rate_hz`, from its first decoded sample.
std::vector<int16_t> decode_audio_mono(const std::filesystem::path& file, int rate_hz = 48000);
// Mean luma (signalstats YAVG) of each frame of the first video stream, in order.
std::vector<double> frame_luma_means(const std::filesystem::path& file);
// What `ffmpeg -v error -i file -f null -` prints while decoding every stream: empty when the
// file decodes end to end without an error.
std::string decode_errors(const std::filesystem::path& file);
// PSNR (dB; 100 for identical frames) of `count` frames of `a` from frame `a_first` against
// as many of `b` from `b_first` (0-based, presentation order), one value per frame pair.
std::vector<double> frame_psnrs(const std::filesystem::path& a, int a_first,
                                const std::filesystem::path& b, int b_first, int count);
// Every H.264 sequence parameter set of the first video stream (the extradata's and those
// in band), as FFmpeg's trace_headers reads them: syntax element name -> value.
std::vector<std::map<std::string, int64_t>> h264_sps_fields(const std::filesystem::path& file);
// Bytes that `command` (and its children) read with read(2)/pread64(2), counted by
// strace; nullopt when strace is missing or not permitted here.
std::optional<long long> bytes_read_by(const std::string& command);

}  // namespace reelpack::test
