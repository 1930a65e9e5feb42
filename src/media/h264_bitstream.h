// The pieces of an H.264 bitstream that splicing re-encoded frames into copied ones needs:
// NAL units in MP4-style (length-prefixed) or Annex B (start code) packets, the ids and
// profile of parameter sets, and the avcC record (ISO/IEC 14496-15) that carries them.
// Plain bytes in and out; no libav.
//
//   const int length_size = avcc_length_size(extradata);      // 0: Annex B
//   for (const h264::Nal& n : h264::split(pkt_data, pkt_size, length_size))
//     if (n.type() == h264::kIdrSlice) ...;
//   h264::AvcConfig cfg = *h264::AvcConfig::parse(extradata, extradata_size);
//   cfg.sps.push_back(other_sps);   // one record, two sequence parameter sets
//   std::vector<uint8_t> merged = cfg.serialize();
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace reelpack::h264 {

using Bytes = std::vector<uint8_t>;

inline constexpr int kNonIdrSlice = 1;
inline constexpr int kIdrSlice = 5;
inline constexpr int kSei = 6;
inline constexpr int kSps = 7;
inline constexpr int kPps = 8;
inline constexpr int kAud = 9;

// One NAL unit inside a buffer (header byte first, no start code or length).
struct Nal {
  const uint8_t* data = nullptr;
  size_t size = 0;
  int type() const { return size > 0 ? data[0] & 0x1f : -1; }
  Bytes bytes() const { return Bytes(data, data + size); }
};

// The NAL units of a packet: `length_size` 1, 2 or 4 for length-prefixed (MP4, MOV,
// Matroska) data, 0 for Annex B (MPEG-TS). Empty when the data is not what it should be.
std::vector<Nal> split(const uint8_t* data, size_t size, int length_size);
bool has_idr_slice(const std::vector<Nal>& nals);

// NAL units joined with 4-byte start codes (Annex B) or with big-endian lengths of
// `length_size` bytes; nullopt when a unit is too large for the length size.
Bytes join_annexb(const std::vector<Nal>& nals);
std::optional<Bytes> join_length_prefixed(const std::vector<Nal>& nals, int length_size);

// What a sequence parameter set says about the stream up to its id; nullopt when the NAL
// is not a readable SPS.
struct SpsHeader {
  int profile_idc = 0;
  int constraint_flags = 0;  // constraint_set0..5 as the byte holds them
  int level_idc = 0;
  int id = 0;
  int chroma_format_idc = 1;
  int bit_depth_luma = 8;
  int bit_depth_chroma = 8;
};
std::optional<SpsHeader> parse_sps(const Nal& sps);
// The pic_parameter_set_id of a PPS; -1 when unreadable.
int pps_id(const Nal& pps);

// The AVCDecoderConfigurationRecord (MP4 'avcC' box, Matroska CodecPrivate).
struct AvcConfig {
  uint8_t profile = 0;        // AVCProfileIndication
  uint8_t compatibility = 0;  // profile_compatibility
  uint8_t level = 0;          // AVCLevelIndication
  int length_size = 4;        // bytes of each NAL unit's length in the samples
  std::vector<Bytes> sps;
  std::vector<Bytes> pps;
  Bytes trailer;  // the High profiles' chroma format, bit depths and SPS extensions, as read

  // nullopt unless `data` is a whole avcC record (configurationVersion 1).
  static std::optional<AvcConfig> parse(const uint8_t* data, size_t size);
  Bytes serialize() const;
};

// The NAL length size of extradata that is an avcC record; 0 for Annex B (or none).
int avcc_length_size(const uint8_t* extradata, size_t size);

}  // namespace reelpack::h264
