#include "edit/exact_plan.h"

#include <algorithm>
#include <limits>

namespace reelpack {

namespace {

constexpr int64_t kNone = std::numeric_limits<int64_t>::max();

// Where decoding must start for `frames` (indices of packets, in decode order): the last
// keyframe at or before the first of them from which every one of them decodes. After an
// IDR everything does; after another keyframe (an open GOP's I picture) only the frames
// shown at or after it.
int decode_start(const std::vector<PacketFact>& p, const std::vector<int>& frames) {
  const int first = *std::min_element(frames.begin(), frames.end());
  int64_t min_pts = kNone;
  for (int i : frames) min_pts = std::min(min_pts, p[i].pts);
  for (int k = first; k > 0; --k) {
    if (p[k].key && (p[k].idr || p[k].pts <= min_pts)) return k;
  }
  return 0;
}

ReencodePart reencode(const std::vector<PacketFact>& p, const std::vector<int>& frames,
                      int64_t start_pts, int64_t end_pts) {
  ReencodePart r;
  r.decode_from = decode_start(p, frames);
  r.decode_end = *std::max_element(frames.begin(), frames.end()) + 1;
  r.start_pts = start_pts;
  r.end_pts = end_pts;
  r.frames = static_cast<int>(frames.size());
  return r;
}

}  // namespace

int ExactPlan::packets_needed() const {
  int n = 0;
  if (head) n = std::max(n, head->decode_end);
  if (copy) n = std::max(n, copy->end);
  if (tail) n = std::max(n, tail->decode_end);
  return n;
}

ExactPlan plan_exact_range(const std::vector<PacketFact>& p) {
  ExactPlan plan;
  const int n = static_cast<int>(p.size());
  std::vector<int> inside;
  int64_t last_pts = std::numeric_limits<int64_t>::min();
  int last = -1;
  plan.start_pts = kNone;
  for (int i = 0; i < n; ++i) {
    if (p[i].side != 0) continue;
    inside.push_back(i);
    plan.start_pts = std::min(plan.start_pts, p[i].pts);
    if (p[i].pts > last_pts) {
      last_pts = p[i].pts;
      last = i;
    }
  }
  plan.frames = static_cast<int>(inside.size());
  if (inside.empty()) {
    plan.start_pts = 0;
    return plan;
  }
  // The range ends where the next frame starts, or where its last frame ends at the end of
  // the stream.
  plan.end_pts = kNone;
  for (const PacketFact& f : p) {
    if (f.pts > last_pts) plan.end_pts = std::min(plan.end_pts, f.pts);
  }
  if (plan.end_pts == kNone) plan.end_pts = last_pts + std::max<int64_t>(p[last].duration, 1);

  // suffix_min[i]: the earliest frame among packets i..n-1; prefix_max[i]: the latest among
  // packets 0..i-1.
  std::vector<int64_t> suffix_min(n + 1, kNone),
      prefix_max(n + 1, std::numeric_limits<int64_t>::min());
  for (int i = n - 1; i >= 0; --i) suffix_min[i] = std::min(suffix_min[i + 1], p[i].pts);
  for (int i = 0; i < n; ++i) prefix_max[i + 1] = std::max(prefix_max[i], p[i].pts);

  // Copying starts at the first IDR inside the range that splits the packets cleanly:
  // everything before it is shown before it, everything after it after it.
  int first = -1;
  for (int i : inside) {
    if (p[i].idr && p[i].key && prefix_max[i] < p[i].pts && suffix_min[i + 1] > p[i].pts) {
      first = i;
      break;
    }
  }
  if (first < 0) {  // no clean start inside the range: re-encode all of it
    plan.head = reencode(p, inside, plan.start_pts, plan.end_pts);
    return plan;
  }
  // ...and stops after the last packet that closes a decode-order prefix: all frames so
  // far precede every frame still to come, and none is at or past END.
  int stop = first;
  int64_t running_max = p[first].pts;
  for (int j = first; j < n && p[j].side == 0; ++j) {
    running_max = std::max(running_max, p[j].pts);
    if (running_max < suffix_min[j + 1]) stop = j;
  }
  CopyPart copy;
  copy.first = first;
  copy.end = stop + 1;
  copy.start_pts = p[first].pts;
  copy.end_pts = std::min(suffix_min[stop + 1], plan.end_pts);
  copy.frames = copy.end - copy.first;
  plan.copy = copy;

  std::vector<int> before, after;
  for (int i : inside) {
    if (p[i].pts < copy.start_pts) before.push_back(i);
    if (p[i].pts >= copy.end_pts) after.push_back(i);
  }
  if (!before.empty()) plan.head = reencode(p, before, plan.start_pts, copy.start_pts);
  if (!after.empty()) plan.tail = reencode(p, after, copy.end_pts, plan.end_pts);
  return plan;
}

}  // namespace reelpack
