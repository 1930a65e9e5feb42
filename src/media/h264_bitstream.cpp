#include "media/h264_bitstream.h"

#include <algorithm>

namespace reelpack::h264 {

namespace {

// Where the next 00 00 01 start code begins at or after `from`; `size` when none.
size_t find_start_code(const uint8_t* d, size_t size, size_t from) {
  for (size_t i = from; i + 2 < size; ++i) {
    if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1) return i;
  }
  return size;
}

std::vector<Nal> split_annexb(const uint8_t* d, size_t size) {
  std::vector<Nal> nals;
  size_t sc = find_start_code(d, size, 0);
  while (sc < size) {
    const size_t begin = sc + 3;
    const size_t next = find_start_code(d, size, begin);
    size_t end = next;
    while (end > begin && d[end - 1] == 0) --end;  // trailing zeros and a 4-byte start code
    if (end > begin) nals.push_back({d + begin, end - begin});
    sc = next;
  }
  return nals;
}

std::vector<Nal> split_length_prefixed(const uint8_t* d, size_t size, int length_size) {
  std::vector<Nal> nals;
  size_t at = 0;
  while (at < size) {
    if (size - at < static_cast<size_t>(length_size)) return {};
    size_t n = 0;
    for (int i = 0; i < length_size; ++i) n = (n << 8) | d[at + i];
    at += length_size;
    if (n > size - at) return {};
    if (n > 0) nals.push_back({d + at, n});
    at += n;
  }
  return nals;
}

// Bits of a NAL unit's payload with the emulation prevention bytes (00 00 03) removed.
class BitReader {
 public:
  explicit BitReader(const Nal& nal) {
    rbsp_.reserve(nal.size);
    int zeros = 0;
    for (size_t i = 1; i < nal.size; ++i) {  // past the NAL header byte
      const uint8_t b = nal.data[i];
      if (zeros >= 2 && b == 3) {
        zeros = 0;
        continue;
      }
      zeros = b == 0 ? zeros + 1 : 0;
      rbsp_.push_back(b);
    }
  }
  bool ok() const { return ok_; }
  uint32_t bits(int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 1) | bit();
    return v;
  }
  // Unsigned Exp-Golomb, ue(v).
  uint32_t ue() {
    int leading = 0;
    while (ok_ && bit() == 0) {
      if (++leading > 31) ok_ = false;
    }
    if (!ok_) return 0;
    return ((1u << leading) - 1) + bits(leading);
  }

 private:
  uint32_t bit() {
    if (pos_ >= rbsp_.size() * 8) {
      ok_ = false;
      return 0;
    }
    const uint32_t b = (rbsp_[pos_ / 8] >> (7 - pos_ % 8)) & 1;
    ++pos_;
    return b;
  }
  Bytes rbsp_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// The profiles whose SPS carries chroma_format_idc and bit depths (H.264 7.3.2.1.1).
bool has_chroma_info(int profile_idc) {
  switch (profile_idc) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
      return true;
    default:
      return false;
  }
}

void put_be(Bytes& out, size_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

}  // namespace

std::vector<Nal> split(const uint8_t* data, size_t size, int length_size) {
  if (!data || size == 0) return {};
  if (length_size == 0) return split_annexb(data, size);
  if (length_size != 1 && length_size != 2 && length_size != 4) return {};
  return split_length_prefixed(data, size, length_size);
}

bool has_idr_slice(const std::vector<Nal>& nals) {
  return std::any_of(nals.begin(), nals.end(), [](const Nal& n) { return n.type() == kIdrSlice; });
}

Bytes join_annexb(const std::vector<Nal>& nals) {
  Bytes out;
  for (const Nal& n : nals) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), n.data, n.data + n.size);
  }
  return out;
}

std::optional<Bytes> join_length_prefixed(const std::vector<Nal>& nals, int length_size) {
  Bytes out;
  for (const Nal& n : nals) {
    if (length_size < 4 && n.size >> (8 * length_size) != 0) return std::nullopt;
    put_be(out, n.size, length_size);
    out.insert(out.end(), n.data, n.data + n.size);
  }
  return out;
}

std::optional<SpsHeader> parse_sps(const Nal& sps) {
  if (sps.type() != kSps || sps.size < 5) return std::nullopt;
  BitReader r(sps);
  SpsHeader h;
  h.profile_idc = static_cast<int>(r.bits(8));
  h.constraint_flags = static_cast<int>(r.bits(8));
  h.level_idc = static_cast<int>(r.bits(8));
  h.id = static_cast<int>(r.ue());
  if (has_chroma_info(h.profile_idc)) {
    h.chroma_format_idc = static_cast<int>(r.ue());
    if (h.chroma_format_idc == 3) r.bits(1);  // separate_colour_plane_flag
    h.bit_depth_luma = 8 + static_cast<int>(r.ue());
    h.bit_depth_chroma = 8 + static_cast<int>(r.ue());
  }
  if (!r.ok() || h.id > 31) return std::nullopt;
  return h;
}

int pps_id(const Nal& pps) {
  if (pps.type() != kPps) return -1;
  BitReader r(pps);
  const uint32_t id = r.ue();
  return r.ok() && id <= 255 ? static_cast<int>(id) : -1;
}

std::optional<AvcConfig> AvcConfig::parse(const uint8_t* d, size_t size) {
  if (!d || size < 7 || d[0] != 1) return std::nullopt;
  AvcConfig c;
  c.profile = d[1];
  c.compatibility = d[2];
  c.level = d[3];
  c.length_size = (d[4] & 3) + 1;
  if (c.length_size == 3) return std::nullopt;
  size_t at = 5;
  // A count byte, then that many units each behind a 16-bit length.
  auto read_units = [&](int count, std::vector<Bytes>& into) {
    for (int i = 0; i < count; ++i) {
      if (size - at < 2) return false;
      const size_t n = (size_t{d[at]} << 8) | d[at + 1];
      at += 2;
      if (n == 0 || n > size - at) return false;
      into.emplace_back(d + at, d + at + n);
      at += n;
    }
    return true;
  };
  if (!read_units(d[at++] & 0x1f, c.sps) || at >= size) return std::nullopt;
  if (!read_units(d[at++], c.pps)) return std::nullopt;
  c.trailer.assign(d + at, d + size);
  return c;
}

Bytes AvcConfig::serialize() const {
  Bytes out = {1,
               profile,
               compatibility,
               level,
               static_cast<uint8_t>(0xfc | (length_size - 1)),
               static_cast<uint8_t>(0xe0 | sps.size())};
  for (const Bytes& s : sps) {
    put_be(out, s.size(), 2);
    out.insert(out.end(), s.begin(), s.end());
  }
  out.push_back(static_cast<uint8_t>(pps.size()));
  for (const Bytes& p : pps) {
    put_be(out, p.size(), 2);
    out.insert(out.end(), p.begin(), p.end());
  }
  out.insert(out.end(), trailer.begin(), trailer.end());
  return out;
}

int avcc_length_size(const uint8_t* extradata, size_t size) {
  const std::optional<AvcConfig> c = AvcConfig::parse(extradata, size);
  return c ? c->length_size : 0;
}

}  // namespace reelpack::h264
