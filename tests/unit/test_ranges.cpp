// Parsing cut-list times and ranges (edit/ranges.h), and the split planner's options: every
// number is range-checked, so an absurd one is a usage error naming it, never a library
// exception ("stoll") nor an overflow into a wrong range.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "edit/ranges.h"
#include "edit/shots.h"

using namespace reelpack;

TEST_CASE("times parse as seconds, clock times and frame numbers", "[ranges]") {
  CHECK(parse_time_point("12.5").time_us == 12'500'000);
  CHECK(parse_time_point("00:01:02.500").time_us == 62'500'000);
  CHECK(parse_time_point("1:00:00").time_us == int64_t{3600} * 1'000'000);
  CHECK(parse_time_point("999:59:59").time_us == (int64_t{999} * 3600 + 3599) * 1'000'000);
  const TimePoint f = parse_time_point("f300");
  CHECK(f.is_frame);
  CHECK(f.frame == 300);
  CHECK(parse_time_point("f1000000000").frame == 1'000'000'000);
  const RangeSpec r = parse_range("f60-f120");
  CHECK(r.start.frame == 60);
  CHECK(r.end.frame == 120);
}

TEST_CASE("times beyond 1000 hours or f1000000000 are usage errors naming them", "[ranges]") {
  for (const std::string bad :
       {"f99999999999999999999", "f1000000001", "9999999999999:00:00", "1000:00:01",
        "99999999999999999999", "3600000.5", "1e300", "99999999:00"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_time_point(bad), UsageError);
    CHECK_THROWS_WITH(parse_time_point(bad), Catch::Contains("'" + bad + "'"));
  }
  CHECK_THROWS_WITH(parse_range("f0-f99999999999999999999"),
                    Catch::StartsWith("--range f0-f99999999999999999999: ") &&
                        Catch::Contains("beyond the longest input"));
  CHECK_THROWS_AS(parse_range("9999999999999:00:00-9999999999999:00:01"), UsageError);
  CHECK_THROWS_AS(parse_time_point("nan"), UsageError);
  CHECK_THROWS_AS(parse_time_point("inf"), UsageError);
  CHECK_THROWS_AS(parse_time_point("-1"), UsageError);
}

TEST_CASE("split's target, min and max must be finite numbers of seconds", "[split]") {
  ShotList list;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const SplitOptions& o :
       {SplitOptions{.target_s = nan}, SplitOptions{.target_s = inf}, SplitOptions{.target_s = -5},
        SplitOptions{.target_s = 120, .min_s = nan}, SplitOptions{.target_s = 120, .max_s = inf}}) {
    CHECK_THROWS_AS(plan_split(list, o), UsageError);
  }
}
