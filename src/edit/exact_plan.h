// Which frames of a range an exact copy cut copies and which it re-encodes, decided from
// the video packets in decode order. Plain C++ (no libav), so every GOP shape can be tested
// in microseconds.
//
//   std::vector<PacketFact> packets = ...;   // decode order, from a keyframe before START
//   ExactPlan plan = plan_exact_range(packets);
//   plan.head->frames;   // frames before the first IDR in the range: re-encoded
//   plan.copy->first;    // packets [first, end) are copied as they are
//   plan.tail;           // frames after the last packet that can be copied: re-encoded
//
// The rule: copying may start only at an IDR picture inside the range (nothing after it
// refers to anything before it), and may stop only after a packet that leaves no frame of
// the range behind and takes none beyond it (a decode-order prefix whose presentation times
// are all below everything that follows). What lies before or after is re-encoded.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace reelpack {

struct PacketFact {
  int64_t pts = 0;  // one time base for all packets; distinct, increasing with display order
  int64_t dts = 0;
  int64_t duration = 0;
  bool key = false;  // decoding can start here (the container's keyframe flag)
  bool idr = false;  // an IDR picture
  int side = 0;      // -1: shown before the range, 0: inside it, 1: at or after its end
};

// Frames re-encoded: those with start_pts <= pts < end_pts, decoded from packet
// `decode_from` (a keyframe) through packet `decode_end - 1`.
struct ReencodePart {
  int decode_from = 0;
  int decode_end = 0;
  int64_t start_pts = 0;
  int64_t end_pts = 0;
  int frames = 0;
};

// Packets [first, end) copied unchanged; they hold the frames start_pts <= pts < end_pts.
struct CopyPart {
  int first = 0;
  int end = 0;
  int64_t start_pts = 0;
  int64_t end_pts = 0;
  int frames = 0;
};

struct ExactPlan {
  int frames = 0;         // 0: no frame lies inside the range
  int64_t start_pts = 0;  // the range's first frame
  int64_t end_pts = 0;    // the end of its last frame (the next frame's pts, or pts + duration)
  std::optional<ReencodePart> head;  // before the first IDR, or the whole range when none
  std::optional<CopyPart> copy;
  std::optional<ReencodePart> tail;
  // One past the last packet any part reads.
  int packets_needed() const;
};

// `packets` start at a keyframe and reach past the range: no packet after the last one
// given holds a frame inside it.
ExactPlan plan_exact_range(const std::vector<PacketFact>& packets);

}  // namespace reelpack
