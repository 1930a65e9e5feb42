// H.264 bitstream helpers (media/h264_bitstream.h): NAL units in Annex B and length-prefixed
// packets, parameter-set ids and profiles read through emulation prevention bytes, and the
// avcC record with a second SPS/PPS pair added, on parameter sets libx264 wrote.
#include <catch2/catch.hpp>

#include "media/h264_bitstream.h"

using namespace reelpack;
using h264::Bytes;

namespace {

// libx264, 320x180 High 1.2, SPS and PPS id 3 (x264-params sps-id=3).
const Bytes kSps3 = {0x67, 0x64, 0x00, 0x0c, 0x22, 0xcb, 0x20, 0x28, 0x33, 0xf3, 0xe0, 0x22, 0x00,
                     0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x64, 0x1e, 0x28, 0x54, 0x90};
const Bytes kPps3 = {0x68, 0x21, 0x2b, 0xc3, 0xcb, 0x22, 0xc0};

// The avcC libx264 and FFmpeg's MP4 muxer wrote for a 320x180 High 1.2 stream (ids 0).
const Bytes kAvcc = {0x01, 0x64, 0x00, 0x0c, 0xff, 0xe1, 0x00, 0x1c, 0x67, 0x64, 0x00, 0x0c,
                     0xac, 0xd9, 0x41, 0x41, 0x9f, 0x9f, 0x01, 0x6a, 0x02, 0x02, 0x02, 0x80,
                     0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x19, 0x07, 0x8a, 0x14, 0xcb,
                     0x01, 0x00, 0x04, 0x68, 0xef, 0x8f, 0xcb, 0xfd, 0xf8, 0xf8, 0x00};

h264::Nal nal(const Bytes& b) {
  return {b.data(), b.size()};
}

std::vector<int> types(const std::vector<h264::Nal>& nals) {
  std::vector<int> t;
  for (const h264::Nal& n : nals) t.push_back(n.type());
  return t;
}

}  // namespace

TEST_CASE("Annex B packets split at 3- and 4-byte start codes, trailing zeros dropped", "[h264]") {
  const Bytes annexb = {0, 0, 0, 1, 0x67, 0xaa, 0, 0, 1, 0x68, 0xbb, 0, 0, 0, 0, 1, 0x65, 0x88, 0};
  const std::vector<h264::Nal> nals = h264::split(annexb.data(), annexb.size(), 0);
  REQUIRE(types(nals) == std::vector<int>{h264::kSps, h264::kPps, h264::kIdrSlice});
  CHECK(nals[0].bytes() == Bytes{0x67, 0xaa});
  CHECK(nals[1].bytes() == Bytes{0x68, 0xbb});
  CHECK(nals[2].bytes() == Bytes{0x65, 0x88});
  CHECK(h264::has_idr_slice(nals));
  CHECK(h264::join_annexb(nals) ==
        Bytes{0, 0, 0, 1, 0x67, 0xaa, 0, 0, 0, 1, 0x68, 0xbb, 0, 0, 0, 1, 0x65, 0x88});
}

TEST_CASE("length-prefixed packets split and join with 1-, 2- and 4-byte lengths", "[h264]") {
  const Bytes sei = {0x06, 0x05, 0x01}, slice = {0x41, 0x9a, 0x22, 0x11};
  for (const int length_size : {1, 2, 4}) {
    INFO("length size " << length_size);
    const auto joined = h264::join_length_prefixed({nal(sei), nal(slice)}, length_size);
    REQUIRE(joined);
    CHECK(joined->size() == sei.size() + slice.size() + 2 * length_size);
    const std::vector<h264::Nal> nals = h264::split(joined->data(), joined->size(), length_size);
    REQUIRE(types(nals) == std::vector<int>{h264::kSei, h264::kNonIdrSlice});
    CHECK(nals[1].bytes() == slice);
    CHECK_FALSE(h264::has_idr_slice(nals));
  }
  // A length running past the end, and a unit too large for a 1-byte length.
  const Bytes bad = {0, 0, 0, 9, 0x65, 0x88};
  CHECK(h264::split(bad.data(), bad.size(), 4).empty());
  CHECK_FALSE(h264::join_length_prefixed({nal(Bytes(300, 0x41))}, 1));
}

TEST_CASE("parameter-set ids and the profile are read past emulation prevention bytes", "[h264]") {
  const auto sps = h264::parse_sps(nal(kSps3));
  REQUIRE(sps);
  CHECK(sps->profile_idc == 100);
  CHECK(sps->level_idc == 12);
  CHECK(sps->id == 3);
  CHECK(sps->chroma_format_idc == 1);
  CHECK(sps->bit_depth_luma == 8);
  CHECK(h264::pps_id(nal(kPps3)) == 3);
  // 00 00 03 after the level: read without removing the 03, the id would be 63 or more.
  const auto escaped = h264::parse_sps(nal({0x67, 0x42, 0x00, 0x00, 0x03, 0x80}));
  REQUIRE(escaped);
  CHECK(escaped->profile_idc == 66);
  CHECK(escaped->level_idc == 0);
  CHECK(escaped->id == 0);
  CHECK_FALSE(h264::parse_sps(nal(kPps3)));
  CHECK(h264::pps_id(nal(kSps3)) == -1);
}

TEST_CASE("an avcC record round-trips and takes a second SPS/PPS pair", "[h264]") {
  auto config = h264::AvcConfig::parse(kAvcc.data(), kAvcc.size());
  REQUIRE(config);
  CHECK(config->profile == 100);
  CHECK(config->level == 12);
  CHECK(config->length_size == 4);
  REQUIRE(config->sps.size() == 1);
  REQUIRE(config->pps.size() == 1);
  CHECK(h264::parse_sps(nal(config->sps[0]))->id == 0);
  CHECK(config->trailer == Bytes{0xfd, 0xf8, 0xf8, 0x00});  // High: chroma format, bit depths
  CHECK(config->serialize() == kAvcc);
  CHECK(h264::avcc_length_size(kAvcc.data(), kAvcc.size()) == 4);

  config->sps.push_back(kSps3);
  config->pps.push_back(kPps3);
  const Bytes merged = config->serialize();
  const auto again = h264::AvcConfig::parse(merged.data(), merged.size());
  REQUIRE(again);
  REQUIRE(again->sps.size() == 2);
  REQUIRE(again->pps.size() == 2);
  CHECK(again->sps[1] == kSps3);
  CHECK(h264::pps_id(nal(again->pps[1])) == 3);
  CHECK(again->trailer == config->trailer);
  CHECK(again->profile == 100);

  // Annex B extradata (MPEG-TS) and truncated records are not avcC.
  const Bytes annexb = {0, 0, 0, 1, 0x67, 0x64};
  CHECK(h264::avcc_length_size(annexb.data(), annexb.size()) == 0);
  CHECK_FALSE(h264::AvcConfig::parse(kAvcc.data(), 20));
}
