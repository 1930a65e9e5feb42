// The exact copy cut's plan (edit/exact_plan.h) over packet patterns libx264 and others
// write: closed GOPs with a B-pyramid, ranges on and off IDRs and mini-GOP boundaries, a
// range inside one GOP, open GOPs whose leading pictures need the GOP before, the end of
// the stream. Every frame of the range is in exactly one part, and only range frames are
// copied.
#include <catch2/catch.hpp>
#include <set>

#include "edit/exact_plan.h"

using namespace reelpack;

namespace {

// Frames of closed GOPs of the given lengths in decode order, pts in frames, with libx264's
// default B-pyramid: I0 P4 B2 b1 b3 P8 B6 b5 b7... (a shorter last mini-GOP as needed).
// With `open`, GOPs after the first start with a non-IDR I whose B-frames before it in
// display order are decoded after it.
std::vector<PacketFact> gops(const std::vector<int>& lengths, bool open = false) {
  std::vector<PacketFact> p;
  int64_t first = 0;
  auto add = [&](int64_t pts, bool key, bool idr) {
    PacketFact f;
    f.pts = pts;
    f.duration = 1;
    f.key = key;
    f.idr = idr;
    p.push_back(f);
  };
  for (size_t g = 0; g < lengths.size(); ++g) {
    const int n = lengths[g];
    const bool leading = open && g > 0;
    add(first, true, !leading);
    if (leading) {  // the last B-frames of the GOP before, shown before this I
      add(first - 2, false, false);
      add(first - 3, false, false);
      add(first - 1, false, false);
    }
    int64_t at = first + 1;  // next display position to code
    const int64_t end = first + n - (open && g + 1 < lengths.size() ? 3 : 0);
    while (at < end) {
      const int64_t ref = std::min<int64_t>(at + 3, end - 1);
      add(ref, false, false);
      const int64_t bs = ref - at;  // B-frames before the reference
      if (bs == 3) {
        add(at + 1, false, false);
        add(at, false, false);
        add(at + 2, false, false);
      } else {
        for (int64_t b = at; b < ref; ++b) add(b, false, false);
      }
      at = ref + 1;
    }
    first += n;
  }
  for (size_t i = 0; i < p.size(); ++i) p[i].dts = static_cast<int64_t>(i) - 2;
  return p;
}

// Marks each packet's side of [start, end) (frame numbers).
std::vector<PacketFact> with_range(std::vector<PacketFact> p, int64_t start, int64_t end) {
  for (PacketFact& f : p) f.side = f.pts < start ? -1 : f.pts < end ? 0 : 1;
  return p;
}

// Every frame of [start, end) in exactly one part, the copied packets exactly the frames
// of the copied span, and nothing from outside the range.
void check_partition(const std::vector<PacketFact>& p, const ExactPlan& plan, int64_t start,
                     int64_t end) {
  std::set<int64_t> expected;
  for (const PacketFact& f : p) {
    if (f.side == 0) expected.insert(f.pts);
  }
  REQUIRE(plan.frames == static_cast<int>(expected.size()));
  CHECK(plan.start_pts == start);
  CHECK(plan.end_pts == end);
  int total = 0;
  int64_t at = start;
  for (const auto& part : {plan.head, plan.tail}) {
    if (part) CHECK(p[part->decode_from].key);
  }
  if (plan.head) {
    CHECK(plan.head->start_pts == at);
    at = plan.head->end_pts;
    total += plan.head->frames;
  }
  if (plan.copy) {
    CHECK(plan.copy->start_pts == at);
    CHECK(p[plan.copy->first].idr);
    std::set<int64_t> copied;
    for (int i = plan.copy->first; i < plan.copy->end; ++i) {
      CHECK(p[i].side == 0);
      copied.insert(p[i].pts);
    }
    std::set<int64_t> span;
    for (int64_t t : expected) {
      if (t >= plan.copy->start_pts && t < plan.copy->end_pts) span.insert(t);
    }
    CHECK(copied == span);
    CHECK(plan.copy->frames == static_cast<int>(copied.size()));
    at = plan.copy->end_pts;
    total += plan.copy->frames;
  }
  if (plan.tail) {
    CHECK(plan.tail->start_pts == at);
    at = plan.tail->end_pts;
    total += plan.tail->frames;
  }
  CHECK(at == end);
  CHECK(total == plan.frames);
}

}  // namespace

TEST_CASE("a range from IDR to IDR is copied whole", "[exact_plan]") {
  const auto p = with_range(gops({12, 12, 12, 12}), 12, 36);
  const ExactPlan plan = plan_exact_range(p);
  check_partition(p, plan, 12, 36);
  REQUIRE(plan.copy);
  CHECK_FALSE(plan.head);
  CHECK_FALSE(plan.tail);
  CHECK(plan.copy->frames == 24);
  CHECK(p[plan.copy->first].pts == 12);
}

TEST_CASE("frames before the first IDR are re-encoded from the keyframe before START",
          "[exact_plan]") {
  const auto p = with_range(gops({12, 12, 12}), 5, 24);
  const ExactPlan plan = plan_exact_range(p);
  check_partition(p, plan, 5, 24);
  REQUIRE(plan.head);
  CHECK(plan.head->frames == 7);  // 5..11
  CHECK(plan.head->decode_from == 0);
  CHECK(plan.head->decode_end <= plan.copy->first);
  REQUIRE(plan.copy);
  CHECK(plan.copy->frames == 12);
  CHECK_FALSE(plan.tail);
}

TEST_CASE("an END inside a mini-GOP re-encodes the frames a copy would lose", "[exact_plan]") {
  // GOP from 12: I12 P16 B14 b13 b15 P20 B18 b17 b19 in decode order.
  SECTION("END 14: b13 comes after P16, which is past END") {
    const auto p = with_range(gops({12, 12}), 12, 14);
    const ExactPlan plan = plan_exact_range(p);
    check_partition(p, plan, 12, 14);
    REQUIRE(plan.copy);
    CHECK(plan.copy->frames == 1);
    REQUIRE(plan.tail);
    CHECK(plan.tail->frames == 1);
    CHECK(p[plan.tail->decode_from].pts == 12);  // decoded from the IDR
  }
  SECTION("END 17: the mini-GOP 13..16 closes, nothing to re-encode") {
    const auto p = with_range(gops({12, 12}), 12, 17);
    const ExactPlan plan = plan_exact_range(p);
    check_partition(p, plan, 12, 17);
    REQUIRE(plan.copy);
    CHECK(plan.copy->frames == 5);
    CHECK_FALSE(plan.tail);
  }
  SECTION("END 19 after a head: head, copy and tail") {
    const auto p = with_range(gops({12, 12}), 3, 19);
    const ExactPlan plan = plan_exact_range(p);
    check_partition(p, plan, 3, 19);
    REQUIRE(plan.head);
    REQUIRE(plan.copy);
    REQUIRE(plan.tail);
    CHECK(plan.copy->end_pts == 17);
    CHECK(plan.tail->frames == 2);  // 17, 18
  }
}

TEST_CASE("a copy stops only where no frame decoded later is shown earlier", "[exact_plan]") {
  // B-frames decoded after two later references (valid H.264, not x264's pyramid):
  // I0 P2 P4 b1 b3 P6 b5, IDRs at 0 and 7. With END 4, P4 is the first packet past END,
  // but b1 still follows P2: copying I0 P2 would take P2 away from the tail that needs it.
  std::vector<PacketFact> p;
  for (const auto& [pts, idr] : std::vector<std::pair<int64_t, bool>>{{0, true},
                                                                      {2, false},
                                                                      {4, false},
                                                                      {1, false},
                                                                      {3, false},
                                                                      {6, false},
                                                                      {5, false},
                                                                      {7, true}}) {
    PacketFact f;
    f.pts = pts;
    f.duration = 1;
    f.key = idr;
    f.idr = idr;
    p.push_back(f);
  }
  p = with_range(p, 0, 4);
  const ExactPlan plan = plan_exact_range(p);
  check_partition(p, plan, 0, 4);
  REQUIRE(plan.copy);
  CHECK(plan.copy->frames == 1);  // I0 alone
  REQUIRE(plan.tail);
  CHECK(plan.tail->frames == 3);  // 1, 2, 3 decoded from I0
  CHECK(plan.tail->decode_from == 0);
  CHECK(plan.tail->decode_end == 5);
}

TEST_CASE("a range inside one GOP is re-encoded whole", "[exact_plan]") {
  const auto p = with_range(gops({24, 12}), 3, 9);
  const ExactPlan plan = plan_exact_range(p);
  check_partition(p, plan, 3, 9);
  REQUIRE(plan.head);
  CHECK_FALSE(plan.copy);
  CHECK_FALSE(plan.tail);
  CHECK(plan.head->frames == 6);
  CHECK(plan.head->decode_from == 0);
}

TEST_CASE("open GOPs are never copied from their I pictures", "[exact_plan]") {
  // I12 is not an IDR and b9 b10 b11 decoded after it need the GOP before.
  const auto p = with_range(gops({12, 12, 12}, true), 10, 30);
  for (const PacketFact& f : p) CHECK((f.idr == (f.pts == 0)));
  const ExactPlan plan = plan_exact_range(p);
  check_partition(p, plan, 10, 30);
  CHECK_FALSE(plan.copy);
  REQUIRE(plan.head);
  CHECK(plan.head->decode_from == 0);  // b10 and b11 need GOP 0
  SECTION("a range from the I picture on decodes from it") {
    const auto q = with_range(gops({12, 12, 12}, true), 12, 30);
    const ExactPlan from_i = plan_exact_range(q);
    check_partition(q, from_i, 12, 30);
    REQUIRE(from_i.head);
    CHECK(q[from_i.head->decode_from].pts == 12);
  }
}

TEST_CASE("a range to the end of the stream ends with the last frame", "[exact_plan]") {
  const auto p = with_range(gops({12, 10}), 14, 1000);
  const ExactPlan plan = plan_exact_range(p);
  check_partition(p, plan, 14, 22);  // frames 14..21, the last lasting one frame
  REQUIRE(plan.head);
  CHECK_FALSE(plan.copy);  // no IDR after 12
}

TEST_CASE("a range between two frames holds none", "[exact_plan]") {
  auto p = gops({12});
  for (PacketFact& f : p) f.side = f.pts <= 4 ? -1 : 1;
  CHECK(plan_exact_range(p).frames == 0);
}
